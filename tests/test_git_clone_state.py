"""`collect git` on clones as people have them: shallow (CI checkouts), deepened later,
partial (``--filter=blob:none``) and damaged. Real clones made with git, both backends."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from test_git_local import CLAUDE, Repo, _assert_same_rows, _rows
from typer.testing import CliRunner

from aimetrics.cli import app
from aimetrics.store import create_store_engine, read_table, upgrade
from aimetrics.store import schema as s
from collectors.git_clone_state import ReadState
from collectors.git_local import GitError, collect_repo, inspect_repo

_QUIET = {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_SYSTEM": "/dev/null"}


def _git(path: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(path), *args], check=True, capture_output=True, text=True,
        env=dict(os.environ, **_QUIET),
    ).stdout  # fmt: skip


def _clone(src: Path, dest: Path, *args: str) -> Path:
    _git(src.parent, "clone", "-q", *args, f"file://{src}", str(dest))
    return dest


@pytest.fixture
def any_engine(store_url: str) -> Iterator[sa.Engine]:
    eng = create_store_engine(store_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def source(tmp_path: Path) -> Repo:
    """P - F - C1 - C2 - M (main; M merges PR #7: B1 forked from F), then a squash.

    A clone of depth 4 shows the squash, M, C2, B1, C1 and F, with C1 and F at the
    boundary: the branch walk from B1 cannot tell that F is on the mainline (C1's parent
    is hidden) and links F to PR #7; deepening must set that right.
    """
    r = Repo(tmp_path / "source")
    r.git("config", "uploadpack.allowFilter", "true")  # serve partial clones
    r.commit("chore: initial commit", file="p.py", lines=10)
    r.commit("feat: base", file="f.py", lines=4)
    r.git("checkout", "-q", "-b", "b")
    r.commit(f"feat: refunds\n\n{CLAUDE}", file="b1.py", lines=5)
    r.git("checkout", "-q", "main")
    r.commit("fix: one", file="c.py", lines=2)
    r.commit("fix: two", file="c.py", lines=6)  # c.py after "fix: one": an older blob
    r.git("merge", "-q", "--no-ff", "b", "-m", "Merge pull request #7 from acme/b")
    r.commit("Add payouts (#8)", file="app.py", lines=7)
    return r


def _visible(clone: Path) -> list[str]:
    return sorted(_git(clone, "rev-list", "HEAD").split())


def _boundary(clone: Path) -> list[str]:
    shallow = clone / ".git" / "shallow"
    return sorted(shallow.read_text().split()) if shallow.exists() else []


def _commits(engine: sa.Engine, repo_id: int) -> pl.DataFrame:
    return _rows(engine, repo_id)["commits"]


def test_shallow_clone_warns_then_deepening_fills_the_gap(
    source: Repo, tmp_path: Path, any_engine: sa.Engine
) -> None:
    full = collect_repo(any_engine, inspect_repo(source.path, "acme/full"))
    assert full["commits"] == 7
    shallow = _clone(source.path, tmp_path / "ci", "--depth", "1")
    info = inspect_repo(shallow, "acme/ci")
    said: list[str] = []
    first = collect_repo(any_engine, info, on_warning=said.append)
    # One commit visible: stored, with the count and the fix in one line.
    assert first["commits"] == 1 and first["pull_requests"] == 1
    assert said == [
        "acme/ci: shallow clone, 1 commit visible; older history is not stored: fetch the "
        "full history with `git fetch --unshallow` (in GitHub Actions: `fetch-depth: 0` in "
        "actions/checkout), and run `collect git` again"
    ]
    stored = _commits(any_engine, first["repo_id"])
    assert stored["sha"].to_list() == _visible(shallow) == _boundary(shallow)
    # The boundary commit looks like a root commit: its parents and diff are unknown.
    assert stored.select("parent_count", "additions", "deletions").rows() == [(None, None, None)]
    state = read_table(any_engine, s.sync_state, where=s.sync_state.c.scope == "acme/ci")
    assert ReadState.parse(state["cursor"][0]).shallow == _boundary(shallow)

    # Deepened by three: still shallow, C1 and F at the boundary.
    _git(shallow, "fetch", "-q", "--deepen", "3")
    said.clear()
    second = collect_repo(any_engine, info, on_warning=said.append)
    assert said and said[0].startswith("acme/ci: shallow clone, 6 commits visible;")
    stored = _commits(any_engine, first["repo_id"])
    assert stored["sha"].to_list() == _visible(shallow)
    unknown = stored.filter(pl.col("parent_count").is_null())["sha"].to_list()
    assert unknown == _boundary(shallow) and len(unknown) == 2
    assert second["commits"] == 6  # read again whole: the older commits are behind known tips
    state = read_table(any_engine, s.sync_state, where=s.sync_state.c.scope == "acme/ci")
    assert state["detail"][0] == (
        f"6 new commits from {shallow}; the clone was deepened: its whole history read again; "
        "shallow clone: history behind 2 boundary commits missing"
    )
    # What this view cannot tell: F is on the mainline (C1's parent is hidden), so the walk
    # from #7's branch claims it. The full history below sets that right.
    f_sha = source.git("rev-parse", "HEAD~1^2^").strip()
    links = _rows(any_engine, first["repo_id"])["pull_request_commits"]
    assert (7, f_sha) in links.rows()

    # Unshallowed: no warning, and the store is what a full clone gives.
    _git(shallow, "fetch", "-q", "--unshallow")
    said.clear()
    third = collect_repo(any_engine, info, on_warning=said.append)
    assert said == [] and third["commits"] == 7
    _assert_same_rows(any_engine, full["repo_id"], first["repo_id"])
    # A run after that is incremental again.
    source.commit("feat: later (#9)", file="later.py")
    _git(shallow, "pull", "-q", "--ff-only")
    assert collect_repo(any_engine, info)["commits"] == 1


def test_shallow_clone_of_a_newer_tip_is_no_deepening(
    source: Repo, tmp_path: Path, any_engine: sa.Engine
) -> None:
    """CI clones afresh at depth 1 each run: the last boundary is not in the new clone,
    so the run reads the new tip only (no whole-history re-read), with the warning."""
    first = _clone(source.path, tmp_path / "run1", "--depth", "1")
    collect_repo(any_engine, inspect_repo(first, "acme/ci"), on_warning=lambda _: None)
    tip = source.commit("feat: next (#9)", file="next.py")
    second = _clone(source.path, tmp_path / "run2", "--depth", "1")
    said: list[str] = []
    counts = collect_repo(any_engine, inspect_repo(second, "acme/ci"), on_warning=said.append)
    assert counts["commits"] == 1 and len(said) == 1
    stored = _commits(any_engine, counts["repo_id"])
    assert tip in stored["sha"].to_list() and stored.height == 2


def _missing_objects(clone: Path) -> int:
    out = _git(clone, "rev-list", "--objects", "--missing=print", "--all")
    return sum(line.startswith("?") for line in out.splitlines())


def test_blobless_clone_reads_without_line_counts_then_fills_them(
    source: Repo, tmp_path: Path, any_engine: sa.Engine
) -> None:
    full = collect_repo(any_engine, inspect_repo(source.path, "acme/full"))
    partial = _clone(source.path, tmp_path / "partial", "--filter=blob:none")
    missing = _missing_objects(partial)
    assert missing > 0  # the older versions' blobs were never fetched
    said: list[str] = []
    counts = collect_repo(any_engine, inspect_repo(partial, "acme/partial"), on_warning=said.append)
    assert said == [
        "acme/partial: partial clone without blobs: commits stored without line counts "
        "(additions/deletions unknown); to get line counts, fetch the blobs (`git config "
        "--unset remote.origin.partialclonefilter && git fetch --refetch origin`) or use a "
        "full clone, and run `collect git` again"
    ]
    assert _missing_objects(partial) == missing  # git fetched nothing (GIT_NO_LAZY_FETCH)
    assert counts["commits"] == full["commits"] == 7
    got, want = _rows(any_engine, counts["repo_id"]), _rows(any_engine, full["repo_id"])
    # Everything but the line counts, which are unknown (null, not 0).
    assert got["commits"]["additions"].null_count() == got["commits"]["deletions"].null_count() == 7
    lines = ["additions", "deletions"]
    assert got["commits"].drop(lines).equals(want["commits"].drop(lines))
    assert got["pull_requests"].equals(want["pull_requests"])
    assert got["pull_request_commits"].equals(want["pull_request_commits"])
    # Still blobless next run: the warning again, nothing new.
    said.clear()
    again = collect_repo(any_engine, inspect_repo(partial, "acme/partial"), on_warning=said.append)
    assert again["commits"] == 0 and len(said) == 1
    # The fix the warning names, then a run: line counts filled in, as a full clone's.
    _git(partial, "config", "--unset", "remote.origin.partialclonefilter")
    _git(partial, "fetch", "-q", "--refetch", "origin")
    assert _missing_objects(partial) == 0
    said.clear()
    filled = collect_repo(any_engine, inspect_repo(partial, "acme/partial"), on_warning=said.append)
    assert said == [] and filled["commits"] == 7
    _assert_same_rows(any_engine, full["repo_id"], counts["repo_id"])
    state = read_table(any_engine, s.sync_state, where=s.sync_state.c.scope == "acme/partial")
    assert ReadState.parse(state["cursor"][0]).line_counts


def _nothing_stored(engine: sa.Engine) -> None:
    for table in (s.repositories, s.commits, s.pull_requests, s.pull_request_commits,
                  s.sync_state):  # fmt: skip
        assert read_table(engine, table).is_empty(), table.name


def test_damaged_clone_stops_with_one_line_and_writes_nothing(
    source: Repo, any_engine: sa.Engine
) -> None:
    # A commit object removed (the objects are loose: nothing packed them).
    lost = source.git("rev-parse", "HEAD~2").strip()
    (source.path / ".git" / "objects" / lost[:2] / lost[2:]).unlink()
    with pytest.raises(GitError) as exc:
        collect_repo(any_engine, inspect_repo(source.path, "acme/damaged"))
    message = str(exc.value)
    assert "\n" not in message
    assert message.startswith(f"acme/damaged ({source.path}): git log failed: ")
    assert lost in message and "git fsck" in message
    _nothing_stored(any_engine)


def _drop_from_packs(clone: Path, sha: str) -> None:
    """Repack ``clone`` without the object ``sha`` (a clone's objects come in a pack)."""
    names = _git(clone, "cat-file", "--batch-all-objects", "--batch-check=%(objectname)")
    keep = "".join(f"{name}\n" for name in names.split() if name != sha)
    pack_dir = clone / ".git" / "objects" / "pack"
    scratch = clone.parent / "scratch"
    scratch.mkdir()
    made = subprocess.run(
        ["git", "-C", str(clone), "pack-objects", "-q", str(scratch / "pack")],
        input=keep, check=True, capture_output=True, text=True, env=dict(os.environ, **_QUIET),
    ).stdout.strip()  # fmt: skip
    for old in pack_dir.iterdir():
        old.unlink()
    for new in scratch.iterdir():
        new.rename(pack_dir / new.name)
    (pack_dir / f"pack-{made}.promisor").touch()  # what the remote sent: as the clone had it
    assert _git(clone, "cat-file", "-t", "HEAD") == "commit\n"


def test_damaged_partial_clone_stops_with_one_line(
    source: Repo, tmp_path: Path, any_engine: sa.Engine
) -> None:
    """Without blobs and without a commit: the read without line counts fails too, and
    the message says the partial clone lacks a commit (aimetrics never fetches it)."""
    partial = _clone(source.path, tmp_path / "partial", "--filter=blob:none")
    lost = _git(partial, "rev-parse", "HEAD~2").strip()
    _drop_from_packs(partial, lost)
    with pytest.raises(GitError) as exc:
        collect_repo(any_engine, inspect_repo(partial, "acme/partial"))
    message = str(exc.value)
    assert "\n" not in message and message.startswith(f"acme/partial ({partial}): git log failed")
    assert f"could not fetch {lost} from promisor remote" in message
    assert "a commit this partial clone needs is not in it, and aimetrics never fetches" in message
    _nothing_stored(any_engine)


def test_cli_says_what_a_shallow_clone_lacks(source: Repo, tmp_path: Path) -> None:
    shallow = _clone(source.path, tmp_path / "ci", "--depth", "1")
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    res = CliRunner().invoke(
        app, ["collect", "git", str(shallow), "--repo-name", "acme/ci", "--db", url]
    )
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())  # rich may wrap the line
    assert "warning: acme/ci: shallow clone, 1 commit visible;" in out
    assert "git fetch --unshallow" in out and "fetch-depth: 0" in out
    assert "acme/ci: 1 new commits" in out


def test_unknown_line_counts_stay_unknown_in_the_figures(
    source: Repo, tmp_path: Path, sqlite_url: str
) -> None:
    """A partial clone's commits have no line counts: the facts say unknown (null), not
    0, and size figures (over PRs of known size only) leave them out."""
    from datetime import date

    from aimetrics.figures.facts import load_facts
    from aimetrics.metrics.period import Period
    from aimetrics.metrics.quality import quality_summary, size_distribution

    partial = _clone(source.path, tmp_path / "partial", "--filter=blob:none")
    engine = create_store_engine(sqlite_url)
    upgrade(engine)
    collect_repo(engine, inspect_repo(partial, "acme/partial"), on_warning=lambda _: None)
    facts = load_facts(engine)
    engine.dispose()
    assert facts.commits.height == 7 and facts.commits["lines"].null_count() == 7
    assert facts.prs.height == 2 and facts.prs["lines"].null_count() == 2
    period = Period(date(2026, 1, 1), date(2026, 2, 1))
    prs = facts.prs.lazy().with_columns(group=pl.lit("all"), comparison=pl.lit("no marker"))
    assert size_distribution(prs, period).collect().is_empty()
    summary = quality_summary(prs, period).collect()
    assert summary["merged_prs"].sum() == 2
    assert summary["median_lines"].null_count() == summary.height


def test_a_cursor_of_the_first_form_still_reads_incrementally(
    source: Repo, any_engine: sa.Engine
) -> None:
    """Stores written before the cursor became an object hold the JSON list of tips."""
    info = inspect_repo(source.path, "acme/old")
    collect_repo(any_engine, info)
    tip = source.git("rev-parse", "HEAD").strip()
    with any_engine.begin() as conn:
        conn.execute(
            sa.update(s.sync_state)
            .where(s.sync_state.c.scope == "acme/old")
            .values(cursor=f'["{tip}"]')
        )
    source.commit("feat: next (#9)", file="next.py")
    assert collect_repo(any_engine, info)["commits"] == 1
    state = read_table(any_engine, s.sync_state, where=s.sync_state.c.scope == "acme/old")
    assert ReadState.parse(state["cursor"][0]) == ReadState(
        tips=[source.git("rev-parse", "HEAD").strip()], shallow=[], line_counts=True
    )


def test_cli_damaged_clone_is_one_error_line(source: Repo, tmp_path: Path) -> None:
    lost = source.git("rev-parse", "HEAD~3").strip()
    (source.path / ".git" / "objects" / lost[:2] / lost[2:]).unlink()
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    res = CliRunner().invoke(
        app, ["collect", "git", str(source.path), "--repo-name", "acme/damaged", "--db", url]
    )
    assert res.exit_code == 2  # the CLI's exit code for a user-facing error
    errors = [line for line in res.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith("error: acme/damaged (")
    assert errors[0].endswith("(the clone's object store is damaged: check it with `git fsck`, "
                              "or clone it again)")  # fmt: skip
    assert "Traceback" not in res.output
    assert read_table(create_store_engine(url), s.commits).is_empty()


def test_branch_tip_missing_names_the_repository_and_the_fix(
    source: Repo, any_engine: sa.Engine
) -> None:
    tip = source.git("rev-parse", "HEAD").strip()
    (source.path / ".git" / "objects" / tip[:2] / tip[2:]).unlink()
    with pytest.raises(GitError) as exc:
        collect_repo(any_engine, inspect_repo(source.path, "acme/damaged"))
    assert str(exc.value) == (
        f"acme/damaged ({source.path}): branch 'main' names commit {tip}, which the clone does "
        "not have: the clone is damaged (check it with `git fsck`, or clone it again)"
    )
    with pytest.raises(GitError) as exc:
        collect_repo(any_engine, inspect_repo(source.path, "acme/damaged", branch="nope"))
    assert str(exc.value) == (
        f"acme/damaged ({source.path}): no branch or commit 'nope' in the clone: pass --branch NAME"
    )
    _nothing_stored(any_engine)
