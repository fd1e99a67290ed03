"""Local git clones as a source: commits, trailers, numstat, and PRs recovered from messages.

Reads with git itself (one ``git log`` per repository, no token). Parsing is
vectorized in polars. Pull requests are recovered from merge and squash
messages (``Merge pull request #123 from owner/branch``, ``Title (#123)``);
they carry their merge time only, so figures that need creation or review
times say they are not available for git-only repositories.

Incremental: the tips read last time are stored in ``sync_state``; a re-run
reads only commits not reachable from them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from aimetrics.errors import AimetricsError
from aimetrics.ids import stable_id
from aimetrics.store import read_table, write_frames
from aimetrics.store import schema as s

RS, US = "\x1e", "\x1f"
# One record per commit: sha, parents, author, committer, full message; numstat follows.
_FORMAT = f"{RS}%H{US}%P{US}%an{US}%ae{US}%aI{US}%cn{US}%ce{US}%cI{US}%B{US}"
_FIELDS = [
    "sha", "parents", "author_name", "author_email", "authored", "committer_name",
    "committer_email", "committed", "message", "numstat",
]  # fmt: skip
_REMOTE = re.compile(
    r"(?:github\.com|[\w.-]+)[:/](?P<owner>[\w.-]+)/(?P<name>[\w.-]+?)(?:\.git)?/?$"
)
_MERGE_PR = r"^Merge pull request #(\d+) from ([^\s]+)"
_SQUASH_PR = r"(?m)\A[^\n]*\(#(\d+)\)[ \t]*$"  # on the subject line only


class GitError(AimetricsError):
    """git failed or the path is not a repository."""


def _git(path: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(path), *args],
            check=True,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
    except FileNotFoundError:
        raise GitError("git is not installed (aimetrics reads local clones with git)") from None
    except subprocess.CalledProcessError as exc:
        msg = (exc.stderr or "").strip().splitlines()
        raise GitError(f"{path}: git {args[0]} failed: {msg[-1] if msg else exc}") from None
    return done.stdout


@dataclass(frozen=True)
class GitRepo:
    path: Path
    full_name: str
    web_url: str | None
    default_branch: str


def inspect_repo(path: Path, repo_name: str | None = None, branch: str | None = None) -> GitRepo:
    if not path.exists():
        raise GitError(f"{path}: no such folder")
    top = Path(_git(path, "rev-parse", "--show-toplevel").strip())
    remote = ""
    with contextlib.suppress(GitError):  # no origin: name the repository after its folder
        remote = _git(top, "remote", "get-url", "origin").strip()
    m = _REMOTE.search(remote) if remote else None
    full_name = repo_name or (f"{m['owner']}/{m['name']}" if m else f"local/{top.name}")
    if repo_name and not re.fullmatch(r"[\w.-]+/[\w.-]+", repo_name):
        raise GitError(f"--repo-name {repo_name!r} is not OWNER/NAME")
    web_url = f"https://github.com/{full_name}" if m and "github.com" in remote else None
    if branch is None:
        branch = _git(top, "rev-parse", "--abbrev-ref", "HEAD").strip()
        if branch == "HEAD":
            raise GitError(f"{top}: detached HEAD; pass --branch NAME")
    return GitRepo(top, full_name, web_url, branch)


def _parse_log(raw: str) -> pl.DataFrame:
    """``git log`` output in our format → one row per commit (vectorized)."""
    records = pl.Series("r", raw.split(RS)[1:], dtype=pl.String)
    parts = records.str.split_exact(US, len(_FIELDS) - 1).struct.rename_fields(_FIELDS)
    frame = parts.struct.unnest()
    numstat = pl.col("numstat").str.extract_all(r"(?m)^(\d+)\t(\d+)\t")
    return frame.with_columns(
        pl.col("message").str.strip_chars_end("\n"),
        numstat.list.eval(pl.element().str.extract(r"^(\d+)", 1).cast(pl.Int64)).list.sum()
        .alias("additions"),
        numstat.list.eval(pl.element().str.extract(r"^\d+\t(\d+)", 1).cast(pl.Int64)).list.sum()
        .alias("deletions"),
        pl.col("parents").str.split(" ").list.len().alias("parent_count"),
    )  # fmt: skip


def _mainline_links(frame: pl.DataFrame, tip: str) -> pl.DataFrame:
    """(pr_number, sha) for the commits each merge brought in: walk each merge's
    second parent along first parents until the mainline (linear in commits)."""
    parents = dict(zip(frame["sha"], frame["parents"].str.split(" ").to_list(), strict=True))
    mainline: list[str] = []
    sha: str | None = tip
    while sha in parents:
        mainline.append(sha)
        ps = parents[sha]
        sha = ps[0] if ps and ps[0] else None
    on_main = set(mainline)
    merges = frame.filter(pl.col("pr_number").is_not_null() & (pl.col("parent_count") > 1))
    claimed: set[str] = set()
    rows: list[tuple[int, str]] = []
    for merge_sha, number in merges.select("sha", "pr_number").iter_rows():
        if merge_sha not in on_main:
            continue
        cur: str | None = parents[merge_sha][1]
        while cur in parents and cur not in on_main and cur not in claimed:
            claimed.add(cur)
            rows.append((number, cur))
            ps = parents[cur]
            cur = ps[0] if ps and ps[0] else None
    return pl.DataFrame(rows, schema={"pr_number": pl.Int64, "sha": pl.String}, orient="row")


def collect_repo(
    engine: sa.Engine,
    repo: GitRepo,
    *,
    all_refs: bool = False,
    full: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Read new commits of ``repo`` and write them (one transaction per repository)."""
    existing = read_table(
        engine, s.repositories, where=s.repositories.c.full_name == repo.full_name
    )
    repo_id = int(existing["id"][0]) if existing.height else stable_id(f"git:{repo.full_name}")
    state = read_table(
        engine,
        s.sync_state,
        where=(s.sync_state.c.source == "git") & (s.sync_state.c.scope == repo.full_name),
    )
    seen_tips: list[str] = json.loads(state["cursor"][0]) if state.height and not full else []
    known = [t for t in seen_tips if _exists(repo.path, t)]
    refs = ["--all"] if all_refs else [repo.default_branch]
    exclude = [f"^{t}" for t in known]
    commits = _parse_log(_stream_log(repo.path, [*refs, *exclude], on_progress))
    tips = (
        [line.split()[0] for line in _git(repo.path, "show-ref").splitlines()]
        if all_refs
        else _git(repo.path, "rev-parse", *refs).split()
    )
    default_tip = _git(repo.path, "rev-parse", repo.default_branch).strip()
    # Reading the default branch alone, every commit read is on it: no second walk.
    on_default = (
        pl.col("sha").is_in(_git(repo.path, "rev-list", repo.default_branch, *exclude).split())
        if all_refs
        else pl.lit(True)
    )

    commits = commits.with_columns(
        pl.coalesce(
            pl.col("message").str.extract(_MERGE_PR, 1),
            pl.col("message").str.extract(_SQUASH_PR, 1),
        ).cast(pl.Int64).alias("pr_number"),
        pl.col("message").str.extract(_MERGE_PR, 2).alias("merge_from"),
        on_default.alias("on_default_branch"),
        pl.col("authored").str.to_datetime("%Y-%m-%dT%H:%M:%S%:z", time_zone="UTC")
        .alias("authored_at"),
        pl.col("committed").str.to_datetime("%Y-%m-%dT%H:%M:%S%:z", time_zone="UTC")
        .alias("committed_at"),
        pl.lit(repo_id).alias("repo_id"),
    )  # fmt: skip
    # A PR number counts only where the merge/squash landed on the default branch.
    prs = (
        commits.filter(pl.col("pr_number").is_not_null() & pl.col("on_default_branch"))
        .sort("committed_at")
        .unique(subset="pr_number", keep="last")
        .select(
            pl.lit(repo_id).alias("repo_id"),
            pl.col("pr_number").alias("number"),
            pl.col("message").str.split("\n").list.first()
            .str.replace(r"\s*\(#\d+\)\s*$", "").alias("title"),
            pl.lit("MERGED").alias("state"),
            pl.col("committed_at").alias("merged_at"),
            pl.col("committed_at").alias("closed_at"),
            pl.col("merge_from").str.replace(r"^[^/]+/", "").alias("head_ref"),
            pl.lit(repo.default_branch).alias("base_ref"),
            pl.col("sha").alias("merge_commit_sha"),
            pl.lit("git").alias("source"),
        )
    )  # fmt: skip
    links = (
        pl.concat(
            [
                prs.select(
                    pl.col("number").alias("pr_number"), pl.col("merge_commit_sha").alias("sha")
                ),
                _mainline_links(commits, default_tip),
            ]
        )
        .unique()
        .with_columns(pl.lit(repo_id).alias("repo_id"))
    )
    links = links.filter(pl.col("pr_number").is_in(prs["number"].to_list()))
    repo_row = pl.DataFrame(
        {
            "id": [repo_id],
            "full_name": [repo.full_name],
            "source": [existing["source"][0] if existing.height else "git"],
            "web_url": [repo.web_url or (existing["web_url"][0] if existing.height else None)],
            "default_branch": [repo.default_branch],
        }
    )
    now = dt.datetime.now(dt.UTC)
    sync = pl.DataFrame(
        {
            "source": ["git"],
            "scope": [repo.full_name],
            "cursor": [json.dumps(sorted(set(tips)))],
            "status": ["complete"],
            "detail": [f"{commits.height} new commits from {repo.path}"],
            "started_at": [now],
            "finished_at": [now],
        }
    )
    commit_rows = commits.select(
        "repo_id", "sha", "author_name", "author_email", "committer_name", "committer_email",
        "authored_at", "committed_at", "message", "additions", "deletions", "parent_count",
        "on_default_branch",
    )  # fmt: skip
    # Rows another source (the GitHub API) stored already are richer: keep them,
    # adding only what git knows better (on the default branch, parent count).
    if existing.height:
        commit_rows = _merge_with_stored(engine, repo_id, commit_rows)
    write_frames(
        engine,
        [
            (s.repositories, repo_row),
            (s.commits, commit_rows),
            (s.pull_requests, prs),
            (s.pull_request_commits, links),
            (s.sync_state, sync),
        ],
        keep_existing=[s.repositories, s.pull_requests],
    )
    return {
        "commits": commit_rows.height,
        "pull_requests": prs.height,
        "pull_request_commits": links.height,
        "repo_id": repo_id,
    }


def _merge_with_stored(engine: sa.Engine, repo_id: int, rows: pl.DataFrame) -> pl.DataFrame:
    """``rows`` where new; for commits already stored, the stored row with the default-branch
    flag OR-ed and a missing parent count filled from git."""
    stored = read_table(engine, s.commits, where=s.commits.c.repo_id == repo_id)
    if stored.is_empty():
        return rows
    ours = rows.select("sha", pl.col("on_default_branch").alias("_git_default"),
                       pl.col("parent_count").alias("_git_parents"))  # fmt: skip
    kept = (
        stored.join(ours, on="sha", how="inner")
        .with_columns(
            (pl.col("on_default_branch") | pl.col("_git_default")).alias("on_default_branch"),
            pl.coalesce("parent_count", "_git_parents").alias("parent_count"),
        )
        .drop("_git_default", "_git_parents")
    )
    new = rows.join(stored.select("sha"), on="sha", how="anti")
    return pl.concat([kept, new], how="diagonal_relaxed")


def count_commits(repo: GitRepo, *, all_refs: bool = False) -> int:
    """How many commits the next read will visit at most (for the progress bar)."""
    refs = ["--all"] if all_refs else [repo.default_branch]
    return int(_git(repo.path, "rev-list", "--count", *refs).strip() or 0)


def _stream_log(path: Path, revs: list[str], on_progress: Callable[[int], None] | None) -> str:
    """Run ``git log`` and read its output as it comes, reporting commits read."""
    cmd = ["git", "-C", str(path), "log", *revs, f"--format={_FORMAT}", "--numstat",
           "--no-renames", "--no-color"]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    chunks: list[bytes] = []
    while block := proc.stdout.read(1 << 20):
        chunks.append(block)
        if on_progress:
            on_progress(block.count(RS.encode()))
    err = proc.stderr.read().decode(errors="replace").strip()
    if proc.wait() != 0:
        raise GitError(
            f"{path}: git log failed: {err.splitlines()[-1] if err else proc.returncode}"
        )
    return b"".join(chunks).decode("utf-8", errors="replace")


def _exists(path: Path, sha: str) -> bool:
    try:
        _git(path, "cat-file", "-e", f"{sha}^{{commit}}")
    except GitError:
        return False
    return True
