"""`collect git` on repositories built by the test with real git commands."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from aimetrics.cli import app
from aimetrics.store import create_store_engine, read_table, upgrade
from aimetrics.store import schema as s
from aimetrics.store.staged import StagedWrite
from aimetrics.tagging import build_ruleset, pr_flags, tag_store
from collectors import git_local, git_log, git_prs
from collectors.git_local import GitError, collect_repo, count_commits, inspect_repo

CLAUDE = "Co-Authored-By: Claude <noreply@anthropic.com>"
CURSOR = "Co-authored-by: Cursor Agent <cursoragent@cursor.com>"


class Repo:
    step = 3600  # seconds the clock advances with each git command

    def __init__(self, path: Path) -> None:
        self.path = path
        self.clock = 1_767_225_600  # 2026-01-01T00:00:00Z
        path.mkdir()
        self.git("init", "-q", "-b", "main")
        self.git("remote", "add", "origin", "git@github.com:acme/payments-api.git")

    def git(self, *args: str, name: str = "Alice Smith", email: str = "alice@acme.example") -> str:
        self.clock += self.step
        env = dict(
            os.environ,
            GIT_AUTHOR_NAME=name, GIT_AUTHOR_EMAIL=email,
            GIT_COMMITTER_NAME=name, GIT_COMMITTER_EMAIL=email,
            GIT_AUTHOR_DATE=f"@{self.clock} +0200", GIT_COMMITTER_DATE=f"@{self.clock} +0200",
            GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_SYSTEM="/dev/null",
        )  # fmt: skip
        return subprocess.run(
            ["git", "-C", str(self.path), *args], check=True, env=env, capture_output=True,
            text=True,
        ).stdout  # fmt: skip

    def commit(self, message: str, file: str = "app.py", lines: int = 3, **who: str) -> str:
        target = self.path / file
        with target.open("a") as fh:
            fh.write("x = 1\n" * lines)
        self.git("add", file, **who)
        self.git("commit", "-q", "-m", message, **who)
        return self.git("rev-parse", "HEAD").strip()


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    r = Repo(tmp_path / "payments-api")
    r.commit("chore: initial commit", lines=10)
    # A feature branch merged with a merge commit, one commit with a Claude trailer.
    r.git("checkout", "-q", "-b", "feature-x")
    r.commit(f"feat: add refunds\n\nBody text.\n\n{CLAUDE}", file="refunds.py", lines=5)
    r.commit("test: cover refunds", file="test_refunds.py", lines=4)
    r.git("checkout", "-q", "main")
    r.git("merge", "-q", "--no-ff", "feature-x", "-m",
          "Merge pull request #12 from acme/feature-x\n\nAdd refunds")  # fmt: skip
    # A squash merge that gathered a Cursor agent trailer, by the same person under another name.
    r.commit(f"Add payouts (#13)\n\n* wip\n\n{CURSOR}", file="payouts.py", lines=7,
             name="A. Smith", email="alice@acme.example")  # fmt: skip
    # A direct push and a human called Claude.
    r.commit("fix: typo", name="Claude Moreau", email="claude.moreau@acme.example")
    return r


@pytest.fixture
def engine(tmp_path: Path) -> sa.Engine:
    eng = create_store_engine(f"sqlite:///{tmp_path / 'store.db'}")
    upgrade(eng)
    return eng


def test_collect_reads_commits_prs_and_links(repo: Repo, engine: sa.Engine) -> None:
    info = inspect_repo(repo.path)
    assert (info.full_name, info.web_url, info.default_branch) == (
        "acme/payments-api", "https://github.com/acme/payments-api", "main",
    )  # fmt: skip
    counts = collect_repo(engine, info)
    assert (counts["commits"], counts["pull_requests"]) == (6, 2)
    commits = read_table(engine, s.commits).sort("committed_at")
    assert commits["message"][1].endswith(CLAUDE)
    assert commits["additions"].to_list() == [10, 5, 4, 0, 7, 3]
    assert commits["parent_count"].to_list() == [0, 1, 1, 2, 1, 1]  # the root has none
    assert commits["on_default_branch"].all()
    # Dates keep the instant (the +0200 offset is converted to UTC).
    assert str(commits["authored_at"][0]) == "2026-01-01 04:00:00+00:00"  # 4th git call
    prs = read_table(engine, s.pull_requests).sort("number")
    assert prs.select("number", "title", "state", "head_ref", "source").rows() == [
        (12, "Merge pull request #12 from acme/feature-x", "MERGED", "feature-x", "git"),
        (13, "Add payouts", "MERGED", None, "git"),
    ]
    # Git-only PRs carry their merge time only: no creation or review times invented.
    assert prs["created_at"].null_count() == 2 and prs["merged_at"].null_count() == 0
    links = read_table(engine, s.pull_request_commits)
    by_pr = links.group_by("pr_number").len().sort("pr_number")
    assert by_pr.rows() == [(12, 3), (13, 1)]  # merge commit + 2 branch commits; the squash


def test_tags_and_flags_on_git_data(repo: Repo, engine: sa.Engine) -> None:
    collect_repo(engine, inspect_repo(repo.path))
    rules = build_ruleset()
    tag_store(engine, rules)
    flags = (
        pr_flags(
            read_table(engine, s.pull_requests).lazy(),
            read_table(engine, s.pull_request_commits).lazy(),
            read_table(engine, s.ai_tags).lazy(),
        )
        .collect()
        .sort("number")
    )
    assert flags.select("number", "is_ai", "ai_tool").rows() == [
        (12, True, "claude-code"),
        (13, True, "cursor"),
    ]
    # The human named Claude is not tagged.
    tagged = set(read_table(engine, s.ai_tags)["entity_key"].to_list())
    human = read_table(engine, s.commits).filter(pl.col("author_name") == "Claude Moreau")
    assert human["sha"][0] not in tagged


def test_rerun_reads_only_new_commits(repo: Repo, engine: sa.Engine) -> None:
    info = inspect_repo(repo.path)
    collect_repo(engine, info)
    assert collect_repo(engine, info)["commits"] == 0
    repo.commit("feat: more (#14)")
    again = collect_repo(engine, info)
    assert (again["commits"], again["pull_requests"]) == (1, 1)
    assert read_table(engine, s.commits).height == 7
    full = collect_repo(engine, info, full=True)
    assert full["commits"] == 7
    assert read_table(engine, s.commits).height == 7


def test_errors_are_clear(tmp_path: Path, engine: sa.Engine) -> None:
    with pytest.raises(GitError, match="no such folder"):
        inspect_repo(tmp_path / "nope")
    (tmp_path / "plain").mkdir()
    with pytest.raises(GitError, match="git rev-parse failed"):
        inspect_repo(tmp_path / "plain")


def test_cli_collect_git(repo: Repo, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    res = CliRunner().invoke(
        app, ["collect", "git", str(repo.path), "--repo-name", "acme/pay", "--db", url]
    )
    assert res.exit_code == 0, res.output
    assert "acme/pay: 6 new commits, 2 pull requests" in res.output
    engine = create_store_engine(url)
    assert read_table(engine, s.ai_tags).height == 2
    assert read_table(engine, s.repositories)["full_name"].to_list() == ["acme/pay"]


def test_git_adds_to_what_github_stored(repo: Repo, engine: sa.Engine) -> None:
    from aimetrics.store import write_frames

    info = inspect_repo(repo.path)
    head = repo.git("rev-parse", "HEAD").strip()
    write_frames(
        engine,
        [
            (s.repositories, pl.DataFrame({"id": [77], "full_name": [info.full_name],
                                           "source": ["github"], "web_url": [info.web_url]})),
            (s.commits, pl.DataFrame({"repo_id": [77], "sha": [head], "author_login": ["cmoreau"],
                                      "message": ["fix: typo"], "on_default_branch": [False]})),
        ],
    )  # fmt: skip
    counts = collect_repo(engine, info)
    assert counts["repo_id"] == 77
    commits = read_table(engine, s.commits)
    assert commits.height == 6
    row = commits.filter(pl.col("sha") == head).row(0, named=True)
    # GitHub's login stays; git adds what it knows better.
    assert (row["author_login"], row["on_default_branch"], row["parent_count"]) == (
        "cmoreau",
        True,
        1,
    )
    assert read_table(engine, s.repositories)["source"].to_list() == ["github"]


# --- streaming: pieces, first import vs incremental, the walk's fallback, both backends ------


def _rows(engine: sa.Engine, repo_id: int) -> dict[str, pl.DataFrame]:
    """A repository's commits, PRs and links, without its id, in key order."""
    out = {}
    for table in (s.commits, s.pull_requests, s.pull_request_commits):
        key = [c.name for c in table.primary_key.columns if c.name != "repo_id"]
        rows = read_table(engine, table, where=table.c.repo_id == repo_id)
        out[table.name] = rows.drop("repo_id").sort(key)
    return out


def _assert_same_rows(engine: sa.Engine, first: int, second: int) -> None:
    a, b = _rows(engine, first), _rows(engine, second)
    for name in a:
        assert_frame_equal(a[name], b[name]), name


@pytest.fixture
def any_engine(store_url: str) -> Iterator[sa.Engine]:
    """A migrated store on SQLite and on PostgreSQL (conftest's store_url)."""
    eng = create_store_engine(store_url)
    upgrade(eng)
    yield eng
    eng.dispose()


def _whole_history_walks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Records each fallback to the walk over the whole history (its commit count)."""
    calls: list[int] = []
    walk = git_prs.mainline_links

    def spy(frame: pl.DataFrame, tip: str) -> pl.DataFrame:
        calls.append(frame.height)
        return walk(frame, tip)

    monkeypatch.setattr(git_local, "mainline_links", spy)
    return calls


def _tiny_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """git's output read 7 bytes at a time and parsed record by record: every record
    (and multi-byte characters) is split across reads."""
    monkeypatch.setattr(git_log, "_PIPE_BYTES", 7)
    monkeypatch.setattr(git_log, "_CHUNK_BYTES", 1)


def test_pieces_split_anywhere_give_the_same_store(
    repo: Repo, any_engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.commit("feat: café ☕ and 日本語 (#15)", name="Zoë Ångström", email="zoe@acme.example")
    whole = collect_repo(any_engine, inspect_repo(repo.path, "acme/whole"))
    _tiny_pieces(monkeypatch)
    fallbacks = _whole_history_walks(monkeypatch)
    progress: list[int] = []
    pieces = collect_repo(
        any_engine, inspect_repo(repo.path, "acme/pieces"), on_progress=progress.append
    )
    assert sum(progress) == pieces["commits"] == whole["commits"] == 7
    assert len(progress) > 7  # many reads, each reporting the records it started
    assert fallbacks == []  # PRs and links were written piece by piece
    _assert_same_rows(any_engine, whole["repo_id"], pieces["repo_id"])
    rows = read_table(any_engine, s.commits, where=s.commits.c.repo_id == pieces["repo_id"])
    assert "Zoë Ångström" in rows["author_name"].to_list()
    assert "feat: café ☕ and 日本語 (#15)" in rows["message"].to_list()


def test_first_import_and_incremental_runs_give_the_same_store(
    tmp_path: Path, any_engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = Repo(tmp_path / "inc")
    r.commit("chore: initial commit")
    incremental = inspect_repo(r.path, "acme/incremental")
    first = collect_repo(any_engine, incremental)  # first import: direct appends on SQLite
    r.git("checkout", "-q", "-b", "feature")
    r.commit(f"feat: a\n\n{CLAUDE}", file="a.py")
    r.commit("feat: b", file="b.py")
    r.git("checkout", "-q", "main")
    r.commit("fix: direct push")
    r.git("merge", "-q", "--no-ff", "feature", "-m", "Merge pull request #3 from acme/feature")
    _tiny_pieces(monkeypatch)
    second = collect_repo(any_engine, incremental)  # staged and merged: rows stored already
    r.commit("Add payouts (#4)", file="p.py")
    third = collect_repo(any_engine, incremental)
    assert [c["commits"] for c in (first, second, third)] == [1, 4, 1]
    assert (second["pull_requests"], second["pull_request_commits"]) == (1, 3)
    once = collect_repo(any_engine, inspect_repo(r.path, "acme/once"))
    assert once["commits"] == 6
    _assert_same_rows(any_engine, first["repo_id"], once["repo_id"])
    # --full reads everything again into a store that has it all: nothing changes.
    again = collect_repo(any_engine, incremental, full=True)
    assert again["commits"] == 6
    _assert_same_rows(any_engine, again["repo_id"], once["repo_id"])


def test_streamed_walk_and_whole_history_walk_agree(
    repo: Repo, any_engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fallback (PRs and links worked out at the end) discards what was streamed
    and gives the same rows."""
    _tiny_pieces(monkeypatch)
    streamed = collect_repo(any_engine, inspect_repo(repo.path, "acme/streamed"))
    feed = git_prs.StreamedWalk.feed
    pieces_fed = []

    def break_after_three(self: git_prs.StreamedWalk, commits: pl.DataFrame) -> pl.DataFrame:
        links = feed(self, commits)
        pieces_fed.append(commits.height)
        self.broken = self.broken or len(pieces_fed) >= 3  # after some rows were loaded
        return links

    monkeypatch.setattr(git_prs.StreamedWalk, "feed", break_after_three)
    whole = collect_repo(any_engine, inspect_repo(repo.path, "acme/whole"))
    assert len(pieces_fed) == 3
    assert (whole["pull_requests"], whole["pull_request_commits"]) == (2, 4)
    _assert_same_rows(any_engine, streamed["repo_id"], whole["repo_id"])


def _fork_with_tied_dates(path: Path) -> dict[str, str]:
    """A merged branch whose commits all share one committer date: git's default order
    then lists the fork point before the branch's first commit."""
    r = Repo(path)
    r.step = 0
    shas = {"P": r.commit("base", file="p.py")}
    r.git("checkout", "-q", "-b", "b")
    shas["C2"] = r.commit("branch 1", file="c2.py")
    shas["Q"] = r.commit("branch 2", file="q.py")
    r.git("checkout", "-q", "main")
    shas["C1"] = r.commit("main 1", file="c1.py")
    r.git("merge", "-q", "--no-ff", "b", "-m", "Merge pull request #7 from acme/b")
    shas["M"] = r.git("rev-parse", "HEAD").strip()
    order = r.git("log", "--format=%H").split()
    assert order.index(shas["P"]) < order.index(shas["C2"]), "git lists the parent first"
    return shas


def test_parent_listed_before_child_falls_back_to_the_whole_history(
    tmp_path: Path, any_engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    shas = _fork_with_tied_dates(tmp_path / "tied")
    fallbacks = _whole_history_walks(monkeypatch)
    counts = collect_repo(any_engine, inspect_repo(tmp_path / "tied", "acme/tied"))
    assert counts["commits"] == 5
    assert fallbacks == [5]
    links = read_table(any_engine, s.pull_request_commits)
    assert sorted(links["sha"].to_list()) == sorted([shas["M"], shas["Q"], shas["C2"]])
    assert set(links["pr_number"].to_list()) == {7}


def test_pr_number_named_twice_keeps_the_latest(
    repo: Repo, any_engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = repo.commit("Fix rounding (#13)", file="r.py")  # #13 already squashed once
    fallbacks = _whole_history_walks(monkeypatch)
    counts = collect_repo(any_engine, inspect_repo(repo.path))
    assert counts["pull_requests"] == 2
    assert fallbacks == [7]
    pr = read_table(any_engine, s.pull_requests).filter(pl.col("number") == 13).row(0, named=True)
    assert (pr["title"], pr["merge_commit_sha"]) == ("Fix rounding", first)
    links = read_table(any_engine, s.pull_request_commits).filter(pl.col("pr_number") == 13)
    assert links["sha"].to_list() == [first]


def test_all_refs_marks_the_default_branch(
    repo: Repo, any_engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--all: branch commits are stored off the default branch, a squash that only
    landed on a branch is no PR, on a first import and on an incremental run alike."""
    repo.git("checkout", "-q", "-b", "wip")
    wip = repo.commit("Experiment (#20)", file="wip.py")
    repo.git("checkout", "-q", "main")
    info = inspect_repo(repo.path, "acme/all")
    _tiny_pieces(monkeypatch)
    counts = collect_repo(any_engine, info, all_refs=True)
    assert (counts["commits"], counts["pull_requests"]) == (7, 2)
    commits = read_table(any_engine, s.commits, where=s.commits.c.repo_id == counts["repo_id"])
    off = commits.filter(~pl.col("on_default_branch"))["sha"].to_list()
    assert off == [wip]
    # Incremental: a new branch merged into main, another one left aside.
    repo.git("checkout", "-q", "-b", "feat")
    repo.commit("feat: c", file="c.py")
    repo.git("checkout", "-q", "-b", "side")
    side = repo.commit("side only", file="side.py")
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "feat", "-m", "Merge pull request #21 from acme/feat")
    again = collect_repo(any_engine, info, all_refs=True)
    assert (again["commits"], again["pull_requests"], again["pull_request_commits"]) == (3, 1, 2)
    commits = read_table(any_engine, s.commits, where=s.commits.c.repo_id == counts["repo_id"])
    assert sorted(commits.filter(~pl.col("on_default_branch"))["sha"]) == sorted([wip, side])
    once = collect_repo(any_engine, inspect_repo(repo.path, "acme/once"), all_refs=True)
    _assert_same_rows(any_engine, counts["repo_id"], once["repo_id"])


_KILL_AFTER_LOADS = """
import os, signal, sys
from pathlib import Path
import aimetrics.store.staged as staged
import collectors.git_local as git_local
import collectors.git_log as git_log
from aimetrics.store import create_store_engine

git_log._PIPE_BYTES, git_log._CHUNK_BYTES = 7, 1
load, calls = staged.StagedWrite.load, []

def load_then_die(self, table, frame, **kw):
    load(self, table, frame, **kw)
    calls.append(table.name)
    if calls.count("pull_request_commits") == 2:  # commits, PRs and links partly loaded
        os.kill(os.getpid(), signal.SIGKILL)

staged.StagedWrite.load = load_then_die
engine = create_store_engine(sys.argv[2])
git_local.collect_repo(engine, git_local.inspect_repo(Path(sys.argv[1])))
"""


def test_killed_mid_run_leaves_nothing_and_a_rerun_completes(
    repo: Repo, store_url: str, any_engine: sa.Engine
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _KILL_AFTER_LOADS, str(repo.path), store_url],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == -signal.SIGKILL, done.stderr
    for table in (s.repositories, s.commits, s.pull_requests, s.pull_request_commits):
        assert read_table(any_engine, table).is_empty(), table.name
    assert read_table(any_engine, s.sync_state).is_empty()
    resumed = collect_repo(any_engine, inspect_repo(repo.path))
    clean = collect_repo(any_engine, inspect_repo(repo.path, "acme/clean"))
    assert resumed["commits"] == clean["commits"] == 6
    _assert_same_rows(any_engine, resumed["repo_id"], clean["repo_id"])


def test_staged_write_rolls_back_on_error(any_engine: sa.Engine) -> None:
    repo_row = pl.DataFrame({"id": [5], "full_name": ["a/b"], "source": ["git"]})
    with pytest.raises(RuntimeError), StagedWrite(any_engine) as w:
        w.write(s.repositories, repo_row)
        w.load(s.commits, pl.DataFrame({"repo_id": [5], "sha": ["x"]}), direct=True)
        raise RuntimeError("the source failed")
    assert read_table(any_engine, s.repositories).is_empty()
    assert read_table(any_engine, s.commits).is_empty()
    with pytest.raises(ValueError, match="never merged"), StagedWrite(any_engine) as w:
        w.load(s.repositories, repo_row)
        w.commit()


def test_count_commits_only_when_cheap(repo: Repo) -> None:
    info = inspect_repo(repo.path)
    assert count_commits(info) is None  # no commit-graph: counting would read every commit
    repo.git("commit-graph", "write", "--reachable")
    assert count_commits(info) == 6


def test_git_failing_mid_log_raises_and_writes_nothing(repo: Repo, any_engine: sa.Engine) -> None:
    # A blob missing from the object store: git log fails when it diffs that commit.
    blob = repo.git("rev-parse", "HEAD~1:payouts.py").strip()
    (repo.path / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    with pytest.raises(GitError, match="git log failed: "):
        collect_repo(any_engine, inspect_repo(repo.path))
    for table in (s.repositories, s.commits, s.pull_requests, s.sync_state):
        assert read_table(any_engine, table).is_empty(), table.name


def test_git_log_stopped_early_is_killed_quietly(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tiny_pieces(monkeypatch)
    monkeypatch.setattr(git_log, "_QUEUED_READS", 1)  # the reader waits on a full queue
    with git_log.GitLog(repo.path, ["main"]) as log:
        first = next(iter(log))
    assert first.startswith(git_log.RS) and first.count(git_log.RS) == 1
    assert log._proc.returncode is not None
    with pytest.raises(GitError, match="git log failed: fatal: ambiguous argument 'nope'"):
        list(git_log.GitLog(repo.path, ["nope"]))
