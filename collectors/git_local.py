"""Local git clones as a source: commits, trailers, numstat, and PRs recovered from messages.

Reads with git itself (one ``git log`` per repository, no token). Its output is
parsed (vectorized in polars) and written piece by piece while git still reads,
all in one transaction. Pull requests are recovered from merge and squash
messages (``Merge pull request #123 from owner/branch``, ``Title (#123)``).
Each gets its author's e-mail (see `collectors.git_prs.pr_authors`), resolved to a person
later like any commit author's. They carry their merge time, and for a merge
commit the merged branch's commits (so a cycle time from its first commit);
figures that need the opening or review times say they are not available for
git-only repositories.

Incremental: the tips read last time are stored in ``sync_state``; a re-run
reads only commits not reachable from them. Shallow and partial clones: see
``collectors.git_clone_state`` (what is stored, the warning, how a later run fills the gap).

git-ai's line-level authorship notes (``refs/notes/ai``) are read beside the log and written
after the commits (``collectors.git_notes_beside_log``, ``collectors.git_notes``).

Here: the repository, its read state and the one write; ``collectors.git_log`` runs git and
streams its log; ``collectors.git_prs`` recovers the pull requests, their commits and authors.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from aimetrics.ids import stable_id
from aimetrics.store import read_table
from aimetrics.store import schema as s
from aimetrics.store.pending import pending_rows
from aimetrics.store.staged import StagedWrite
from collectors import git_clone_state as clone
from collectors.git_clone_state import ReadState
from collectors.git_log import FIELDS, RS, US, GitError, GitLog, existing_commits, run_git
from collectors.git_notes_beside_log import NotesBeside
from collectors.git_prs import (
    MERGE_PR,
    SQUASH_PR,
    BotEmail,
    StreamedWalk,
    author_part,
    bot_filter,
    candidate_part,
    link_rows,
    links_frame,
    mainline_links,
    merge_links,
    pr_authors,
    pr_rows,
    reachable,
)

_logger = logging.getLogger(__name__)

_REMOTE = re.compile(
    r"(?:github\.com|[\w.-]+)[:/](?P<owner>[\w.-]+)/(?P<name>[\w.-]+?)(?:\.git)?/?$"
)


@dataclass(frozen=True)
class GitRepo:
    path: Path
    full_name: str
    web_url: str | None
    default_branch: str


def inspect_repo(path: Path, repo_name: str | None = None, branch: str | None = None) -> GitRepo:
    if not path.exists():
        raise GitError(f"{path}: no such folder")
    top = Path(run_git(path, "rev-parse", "--show-toplevel").strip())
    remote = ""
    with contextlib.suppress(GitError):  # no origin: name the repository after its folder
        remote = run_git(top, "remote", "get-url", "origin").strip()
    m = _REMOTE.search(remote) if remote else None
    full_name = repo_name or (f"{m['owner']}/{m['name']}" if m else f"local/{top.name}")
    if repo_name and not re.fullmatch(r"[\w.-]+/[\w.-]+", repo_name):
        raise GitError(f"--repo-name {repo_name!r} is not OWNER/NAME")
    web_url = f"https://github.com/{full_name}" if m and "github.com" in remote else None
    if branch is None:
        branch = run_git(top, "rev-parse", "--abbrev-ref", "HEAD").strip()
        if branch == "HEAD":
            raise GitError(f"{top}: detached HEAD; pass --branch NAME")
    return GitRepo(top, full_name, web_url, branch)


def _parse_log(raw: str) -> pl.DataFrame:
    """``git log`` output in our format (whole records) → one row per commit (vectorized)."""
    records = pl.Series("r", [raw], dtype=pl.String).str.split(RS).explode().slice(1)
    parts = records.str.split_exact(US, len(FIELDS) - 1).struct.rename_fields(FIELDS)
    frame = parts.struct.unnest()
    numstat = pl.col("numstat").str.extract_all(r"(?m)^(\d+)\t(\d+)\t")
    message = pl.col("message").str.strip_chars_end("\n")
    return frame.select(
        "sha", "parents", "author_name", "author_email", "committer_name", "committer_email",
        _unix_time("authored").alias("authored_at"),
        _unix_time("committed").alias("committed_at"),
        message.alias("message"),
        numstat.list.eval(pl.element().str.extract(r"^(\d+)", 1).cast(pl.Int64)).list.sum()
        .alias("additions"),
        numstat.list.eval(pl.element().str.extract(r"^\d+\t(\d+)", 1).cast(pl.Int64)).list.sum()
        .alias("deletions"),
        # A root commit has no parents ("" splits into one empty piece).
        pl.when(pl.col("parents") == "").then(0)
        .otherwise(pl.col("parents").str.split(" ").list.len()).alias("parent_count"),
        pl.coalesce(message.str.extract(MERGE_PR, 1), message.str.extract(SQUASH_PR, 1))
        .cast(pl.Int64).alias("pr_number"),
    )  # fmt: skip


def _unix_time(name: str) -> pl.Expr:
    return (pl.col(name).str.to_integer() * 1_000_000).cast(pl.Datetime("us", "UTC"))


_EMPTY = _parse_log("")


# A commit git reads again keeps what the store has (another source, the GitHub API,
# may have stored it richer), adding what git knows better: on the default branch
# (never turned back) and a missing parent count or line counts (unknown when a shallow
# or partial clone was read; known once the clone has the history or the blobs).
_KEEP_STORED_COMMIT = {
    "on_default_branch": lambda stored, new: stored | new,
    "parent_count": lambda stored, new: sa.func.coalesce(stored, new),
    "additions": lambda stored, new: sa.func.coalesce(stored, new),
    "deletions": lambda stored, new: sa.func.coalesce(stored, new),
}


def collect_repo(
    engine: sa.Engine,
    repo: GitRepo,
    *,
    all_refs: bool = False,
    full: bool = False,
    on_progress: Callable[[int], None] | None = None,
    on_warning: Callable[[str], None] | None = None,
    bot_email: BotEmail | None = None,
) -> dict[str, int]:
    """Read new commits of ``repo`` and write them (one transaction per repository).

    Each piece of ``git log`` output is parsed and loaded into the store while git reads
    on (in its own process), with the pull requests and links it settles; what only the
    whole history can tell (with ``--all``, or when git's order does not allow the
    streamed walk) is worked out at the end, in the same transaction, as are the PRs'
    authors. ``bot_email``: whether an ``author_email`` expression is a bot's or an AI
    agent's, which never counts as a merged branch's author (the CLI passes the rule
    catalogue's, `aimetrics.tagging.identities.is_bot_email`; without it, only ``[bot]@``
    addresses are left out). A repository whose rows changed is listed as waiting to be
    tagged (`aimetrics.store.pending`), in the same transaction.

    A shallow or partial clone is read as far as it goes and ``on_warning`` (default: the
    log) gets one line saying what is missing and how to get it; once the clone has it,
    the next run reads the whole history again to fill the gap (``git_clone_state``).
    """
    warn = on_warning or _logger.warning
    state = _read_state(engine, repo.full_name)
    shallow_file = Path(run_git(repo.path, "rev-parse", "--git-path", "shallow").strip())
    if not shallow_file.is_absolute():
        shallow_file = repo.path / shallow_file
    boundary = clone.shallow_boundary(shallow_file)
    present = set(existing_commits(repo.path, sorted({*state.tips, *state.shallow})))
    # Deepened since the last read: older commits became reachable behind the known tips,
    # and the links worked out at the boundary may be wrong: read and link everything again.
    relink = clone.deepened(state.shallow, boundary, sorted(present))
    known = [] if full or relink else [t for t in state.tips if t in present]
    # git-ai's line-level notes of the branch read (with --all too: the notes ref has
    # commits of its own) are read and counted in a second process, on the other core,
    # while the log is read; written after it, in their own transaction
    # (``collectors.git_notes_beside_log``).
    tip = _branch_tip(repo, f"{repo.full_name} ({repo.path})")
    notes_state = NotesBeside(engine, repo.path, repo.full_name, tip, full=full, warn=warn)
    read = functools.partial(
        _read_repo, engine, repo, all_refs=all_refs, boundary=boundary, relink=relink,
        on_progress=on_progress, bot_email=bot_email,
    )  # fmt: skip
    try:
        try:
            # Line counts missing from the last read: try the whole history with numstat.
            counts, on_branch = read(known=known if state.line_counts else [], numstat=True)
        except GitError as exc:
            if not clone.missing_blobs(str(exc)):
                raise
            # A partial clone without blobs (git stops at the first missing blob, at once in a
            # blobless clone; the transaction rolled back): read it again without line counts.
            counts, on_branch = read(known=known, numstat=False)
            warn(clone.no_line_counts_warning(repo.full_name))
        if boundary:
            warn(clone.shallow_warning(repo.full_name, _visible_commits(repo, all_refs)))
    except BaseException:  # the notes' process is not left running
        notes_state.cancel()
        raise
    counts["ai_line_commits"] = notes_state.done(int(counts["repo_id"]), on_branch)
    return counts


def _read_state(engine: sa.Engine, full_name: str) -> ReadState:
    state = read_table(
        engine,
        s.sync_state,
        where=(s.sync_state.c.source == "git") & (s.sync_state.c.scope == full_name),
    )
    return ReadState.parse(state["cursor"][0] if state.height else None)


def _visible_commits(repo: GitRepo, all_refs: bool) -> int:
    refs = ["--all"] if all_refs else [repo.default_branch]
    return int(run_git(repo.path, "rev-list", "--count", *refs).strip() or 0)


def _read_repo(
    engine: sa.Engine,
    repo: GitRepo,
    *,
    all_refs: bool,
    known: list[str],
    numstat: bool,
    boundary: list[str],
    relink: bool,
    on_progress: Callable[[int], None] | None,
    bot_email: BotEmail | None,
) -> tuple[dict[str, int], pl.DataFrame]:
    """One read of ``repo`` (``collect_repo``): commits not reachable from ``known``;
    without ``numstat``, line counts unknown; ``boundary``: the shallow clone's boundary
    commits (their parents and line counts unknown); ``relink``: this repository's links
    of git-recovered PRs are worked out again from what is read. Returns the counts, and
    the commits read (``sha``) that are on the branch read (for the notes' write)."""
    existing = read_table(
        engine, s.repositories, where=s.repositories.c.full_name == repo.full_name
    )
    repo_id = int(existing["id"][0]) if existing.height else stable_id(f"git:{repo.full_name}")
    exclude = [f"^{t}" for t in known]
    # Tips first, then the log: a ref that moves in between is read again next time.
    label = f"{repo.full_name} ({repo.path})"
    default_tip = _branch_tip(repo, label)
    if all_refs:
        tips = [line.split()[0] for line in run_git(repo.path, "show-ref").splitlines()]
        revs = ["--all"]
    else:
        tips, revs = [default_tip], [default_tip]
    repo_row = pl.DataFrame(
        {
            "id": [repo_id],
            "full_name": [repo.full_name],
            "source": [existing["source"][0] if existing.height else "git"],
            "web_url": [repo.web_url or (existing["web_url"][0] if existing.height else None)],
            "default_branch": [repo.default_branch],
        }
    )
    pr_row = functools.partial(pr_rows, repo_id=repo_id, base_ref=repo.default_branch)
    graph_parts: list[pl.DataFrame] = [_graph_part(_EMPTY)]
    candidate_parts: list[pl.DataFrame] = [candidate_part(_EMPTY)]
    author_parts: list[pl.DataFrame] = [author_part(_EMPTY)]
    link_parts: list[pl.DataFrame] = []  # the streamed walk's links, for the PRs' authors
    # With --all, which PRs landed on the default branch is known only at the end.
    walk = None if all_refs else StreamedWalk(default_tip)
    this_repo = {t: t.c.repo_id == repo_id for t in (s.pull_requests, s.pull_request_commits)}
    # git starts first: the store is made ready while it reads its first commits.
    with (
        GitLog(repo.path, [*revs, *exclude], on_progress, numstat=numstat, name=label) as log,
        StagedWrite(engine) as w,
    ):
        # The first statement writes: SQLite's write lock is taken now, before anything is read.
        w.write(s.repositories, repo_row, on_conflict="nothing")
        # Nothing stored for this repository yet (its first import): SQLite appends the rows
        # straight into the tables instead of merging them through staging tables.
        fresh = {
            t: not w.exists(t, t.c.repo_id == repo_id)
            for t in (s.commits, s.pull_requests, s.pull_request_commits)
        }
        if relink:  # after ``fresh``: the links are staged as the PRs are (foreign key)
            _forget_git_links(w, repo_id)
        for raw in log:
            commits = _parse_log(raw)
            rows = commits.select(
                pl.lit(repo_id).alias("repo_id"),
                *_COMMIT_COLUMNS,
                pl.lit(not all_refs).alias("on_default_branch"),
            ).sort("sha")  # key order: SQLite's index takes them in fewer page visits
            rows = _unknown_where_unseen(rows, boundary, numstat=numstat)
            w.load(s.commits, rows, direct=fresh[s.commits])
            graph_parts.append(_graph_part(commits))
            candidate_parts.append(candidate_part(commits))
            author_parts.append(author_part(commits))
            if walk is None or walk.broken:
                continue
            links = walk.feed(commits)
            if walk.broken:  # start again from the whole history at the end
                for table in (s.pull_request_commits, s.pull_requests):
                    w.discard(table, this_repo[table])
                continue
            # A merge comes before the commits it claims: its PR row is written first.
            prs = pr_row(candidate_parts[-1])
            w.load(s.pull_requests, prs, direct=fresh[s.pull_requests])
            links = pl.concat([merge_links(prs), links])
            link_parts.append(links)
            w.load(s.pull_request_commits, link_rows(links, repo_id),
                   direct=fresh[s.pull_request_commits])  # fmt: skip
        graph, candidates = pl.concat(graph_parts), pl.concat(candidate_parts)
        if all_refs:
            graph = graph.with_columns(reachable(graph, default_tip))
            on_default = graph.filter("on_default_branch").select("sha")
            _mark_on_default(w, repo_id, on_default)
            # A PR number counts only where the merge/squash landed on the default branch.
            candidates = candidates.join(on_default, on="sha", how="semi")
        w.merge(s.commits, on_conflict=_KEEP_STORED_COMMIT)
        if walk is None or walk.broken:
            prs = pr_row(candidates)
            links = pl.concat([merge_links(prs), mainline_links(graph, default_tip)])
            links = links.filter(pl.col("pr_number").is_in(prs["number"].implode()))
            w.load(s.pull_requests, prs, direct=fresh[s.pull_requests])
            w.load(s.pull_request_commits, link_rows(links, repo_id),
                   direct=fresh[s.pull_request_commits])  # fmt: skip
        else:
            links = pl.concat([links_frame([], []), *link_parts])
        authors = pr_authors(
            pr_row(candidates), links, pl.concat(author_parts), bot_filter(bot_email)
        )
        _set_pr_authors(w, repo_id, authors)
        # Rows GitHub stored are richer: an existing PR is kept as it is.
        w.merge(s.pull_requests, on_conflict="nothing")
        w.merge(s.pull_request_commits, on_conflict="nothing")
        now = dt.datetime.now(dt.UTC)
        sync = pl.DataFrame(
            {
                "source": ["git"],
                "scope": [repo.full_name],
                "cursor": [ReadState(tips, boundary, numstat).dump()],
                "status": ["complete"],
                "detail": [_detail(graph.height, repo.path, boundary, numstat, relink)],
                "started_at": [now],
                "finished_at": [now],
            }
        )
        if graph.height or relink:  # rows changed: listed for the pipeline to tag them
            sync = pl.concat([sync, pending_rows([repo_id])], how="vertical_relaxed")
        w.write(s.sync_state, sync)
        w.commit()
    counts = {
        "commits": graph.height,
        "pull_requests": w.counts.get(s.pull_requests.name, 0),
        "pull_request_commits": w.counts.get(s.pull_request_commits.name, 0),
        "repo_id": repo_id,
    }
    return counts, (graph.filter("on_default_branch") if all_refs else graph).select("sha")


def _branch_tip(repo: GitRepo, label: str) -> str:
    """The commit the branch read points at, or one line saying why there is none."""
    branch = repo.default_branch
    try:
        return run_git(repo.path, "rev-parse", "--verify", f"{branch}^{{commit}}").strip()
    except GitError:
        pass
    try:  # the name resolves (git reads the ref) but the commit it names is not there
        sha = run_git(repo.path, "rev-parse", "--verify", branch).strip()
    except GitError:
        raise GitError(
            f"{label}: no branch or commit {branch!r} in the clone: pass --branch NAME"
        ) from None
    raise GitError(
        f"{label}: branch {branch!r} names commit {sha}, which the clone does not have: "
        "the clone is damaged (check it with `git fsck`, or clone it again)"
    )


def _unknown_where_unseen(
    rows: pl.DataFrame, boundary: list[str], *, numstat: bool
) -> pl.DataFrame:
    """Null what the clone does not show: line counts read without numstat; the parent
    count and line counts of a shallow clone's boundary commits (git shows them as root
    commits, their diff as the whole tree)."""
    at_boundary = pl.col("sha").is_in(pl.Series(boundary, dtype=pl.String).implode())
    unknown = pl.lit(not numstat) | at_boundary
    return rows.with_columns(
        pl.when(~unknown).then(pl.col("additions", "deletions")),
        pl.when(~at_boundary).then(pl.col("parent_count")),
    )


def _forget_git_links(w: StagedWrite, repo_id: int) -> None:
    """Delete the links of this repository's git-recovered PRs: read from a shallow clone, a
    branch walk may have stopped at the boundary or claimed a mainline commit it could not
    tell apart; they are worked out again from the whole history in this transaction."""
    prc, pr = s.pull_request_commits, s.pull_requests
    git_prs = sa.select(pr.c.number).where(pr.c.repo_id == repo_id, pr.c.source == "git")
    w.execute(sa.delete(prc).where(prc.c.repo_id == repo_id, prc.c.pr_number.in_(git_prs)))


def _detail(new: int, path: Path, boundary: list[str], numstat: bool, relink: bool) -> str:
    """``sync_state.detail``: what the run read, and what the clone did not show."""
    notes = [f"{new} new commits from {path}"]
    if relink:
        notes.append("the clone was deepened: its whole history read again")
    if boundary:
        notes.append(f"shallow clone: history behind {len(boundary)} boundary commits missing")
    if not numstat:
        notes.append("partial clone: no line counts")
    return "; ".join(notes)


def _set_pr_authors(w: StagedWrite, repo_id: int, authors: pl.DataFrame) -> None:
    """Give the PRs loaded in this transaction their authors (``UPDATE ... FROM``: the
    staged rows, or the table's own on a first import)."""
    if authors.is_empty():
        return
    found = sa.table("_git_pr_authors", sa.column("number"), sa.column("author_email"))
    w.load_temp(found.name, authors)
    target = w.loaded(s.pull_requests)
    w.execute(
        sa.update(target)
        .where(target.c.repo_id == repo_id, target.c.number == found.c.number)
        .values(author_email=found.c.author_email)
    )


def _graph_part(commits: pl.DataFrame) -> pl.DataFrame:
    """What the walk and the default-branch check keep of each commit (not the message)."""
    return commits.select("sha", "parents", "pr_number", "parent_count")


_COMMIT_COLUMNS = (
    "sha", "author_name", "author_email", "committer_name", "committer_email", "authored_at",
    "committed_at", "message", "additions", "deletions", "parent_count",
)  # fmt: skip


def _mark_on_default(w: StagedWrite, repo_id: int, shas: pl.DataFrame) -> None:
    """With ``--all``, commits are loaded as not on the default branch; set the flag of those
    that are, where the loaded rows are now (staged, or in the table on a first import)."""
    if shas.is_empty():
        return
    marks = sa.table("_git_on_default", sa.column("sha"))
    w.load_temp(marks.name, shas)
    target = w.loaded(s.commits)
    w.execute(
        sa.update(target)
        .where(target.c.repo_id == repo_id, target.c.sha.in_(sa.select(marks.c.sha)))
        .values(on_default_branch=sa.true())
    )


def count_commits(repo: GitRepo, *, all_refs: bool = False) -> int | None:
    """How many commits the next read visits at most (for the progress bar), when git can
    tell cheaply: from its commit-graph file. Without one, counting means inflating every
    commit (about a third of what the ``git log`` itself costs), so this returns None and
    the progress bar counts without a total."""
    info = Path(run_git(repo.path, "rev-parse", "--git-path", "objects/info").strip())
    if not info.is_absolute():
        info = repo.path / info
    if not (info / "commit-graph").exists() and not (info / "commit-graphs").is_dir():
        return None
    refs = ["--all"] if all_refs else [repo.default_branch]
    return int(run_git(repo.path, "rev-list", "--count", *refs).strip() or 0)
