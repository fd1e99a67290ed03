"""git-ai notes (``refs/notes/ai``) of a clone into ``commit_ai_lines``, as `collect git` reads.

Only the commits of the branch read (never ``--all``: the notes ref has commits of its own) that
carry a note. Incremental: ``sync_state`` (source ``git-ai``) keeps the notes ref's tip and the
branch tip read last; the next run reads the notes that changed between the two notes tips (a
note added later to a commit already collected) and those of the branch's new commits. A note
git-ai would not read is skipped with one warning naming the commit; the others are read.
Parsing and counting: ``collectors.git_ai_notes``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from aimetrics.store import Replace, read_table, write_frames
from aimetrics.store import schema as s
from aimetrics.store.pending import pending_rows
from collectors import git_clone_state as clone
from collectors.git_ai_notes import (
    LineCounts,
    NoteError,
    count_lines,
    log_added_ranges,
    parse_note,
)
from collectors.git_log import GitError, run_git

_logger = logging.getLogger(__name__)

NOTES_REF = "refs/notes/ai"
SOURCE = "git-ai"  # commit_ai_lines.source and sync_state.source
_BATCH = 2000  # commits per `git log` of patches (its command line comes on stdin)


@dataclass
class NotesRead:
    """What ``read_notes`` found, for ``write_notes`` (git only: it runs beside the log)."""

    notes_tip: str
    branch_tip: str
    counted: dict[str, LineCounts]
    replaced: list[str] | None  # commits whose rows go before writing; None: all of them
    warnings: dict[str, str] = field(default_factory=dict)  # per commit


def collect_notes(
    engine: sa.Engine,
    path: Path,
    full_name: str,
    repo_id: int,
    branch_tip: str,
    *,
    full: bool = False,
    on_warning: Callable[[str], None] | None = None,
) -> int:
    """Read the notes of ``branch_tip``'s commits changed since the last run and write them;
    returns how many commits' line evidence was written (0 without ``refs/notes/ai``)."""
    state = read_state(engine, full_name)
    found = read_notes(path, full_name, branch_tip, state, full=full)
    return write_notes(engine, path, full_name, repo_id, found, on_warning)


def read_notes(
    path: Path, full_name: str, branch_tip: str, state: dict[str, str], *, full: bool = False
) -> NotesRead | None:
    """Read and count the notes to (re)write; None when there is nothing to do (no notes
    ref, or nothing changed since ``state``, the last run's ``read_state``)."""
    notes_tip = _resolve(path, NOTES_REF)
    if notes_tip is None or (not full and state == {"notes": notes_tip, "branch": branch_tip}):
        return None
    notes = _list_notes(path)
    changed, everything = _changed(path, state, notes_tip, branch_tip, notes, full=full)
    # Which of them are on the branch is settled when writing, by the commits stored (git
    # lists every note at once; walking the branch here would cost as much as the log).
    todo = sorted(sha for sha in changed if sha in notes)
    gone = sorted(sha for sha in changed if sha not in notes)
    texts = _cat_blobs(path, [notes[sha] for sha in todo])
    found = NotesRead(notes_tip, branch_tip, {}, None if everything else [*todo, *gone])
    for sha, (merge, added) in _added_lines(path, todo).items():
        try:
            note = parse_note(texts[notes[sha]])
        except NoteError as exc:
            found.warnings[sha] = f"{full_name}: the git-ai note on commit {sha} is skipped: {exc}"
            continue
        found.counted[sha] = count_lines(note, added, merge=merge)
    return found


def write_notes(
    engine: sa.Engine,
    path: Path,
    full_name: str,
    repo_id: int,
    found: NotesRead | None,
    on_warning: Callable[[str], None] | None = None,
) -> int:
    """Write what ``read_notes`` found (one transaction, with the read state); the warnings
    go to ``on_warning`` (default: the log). Returns how many commits' rows were written."""
    if found is None:
        return 0
    on_branch = _on_branch(engine, repo_id) if found.counted or found.warnings else set()
    for sha, message in found.warnings.items():
        if sha in on_branch:
            (on_warning or _logger.warning)(message)
    counted = {sha: c for sha, c in found.counted.items() if sha in on_branch}
    rows = line_rows(repo_id, SOURCE, counted)
    now = dt.datetime.now(dt.UTC)
    sync = pl.DataFrame(
        {
            "source": [SOURCE],
            "scope": [full_name],
            "cursor": [json.dumps({"notes": found.notes_tip, "branch": found.branch_tip})],
            "status": ["complete"],
            "detail": [f"git-ai notes of {len(counted)} commits read from {path}"],
            "started_at": [now],
            "finished_at": [now],
        }
    )
    # A note read again replaces its rows; a note removed takes them away.
    replace = []
    for t in (s.commit_ai_lines, s.commit_ai_line_files):
        where = (t.c.repo_id == repo_id) & (t.c.source == SOURCE)
        if found.replaced is not None:
            where = where & t.c.sha.in_(found.replaced)
        replace.append(Replace(t, where))
    if rows.height:
        sync = pl.concat([sync, pending_rows([repo_id])], how="vertical_relaxed")
    files = file_rows(repo_id, SOURCE, counted)
    write_frames(
        engine,
        [(s.commit_ai_lines, rows), (s.commit_ai_line_files, files), (s.sync_state, sync)],
        replace=replace,
    )
    return len(counted)


def _on_branch(engine: sa.Engine, repo_id: int) -> set[str]:
    """The stored commits of the branch read (``collect git`` marks them on the default
    branch; with ``--all``, those of the default branch)."""
    c = s.commits.c
    where = (c.repo_id == repo_id) & c.on_default_branch
    return set(read_table(engine, s.commits, columns=["sha"], where=where)["sha"].to_list())


def line_rows(repo_id: int, source: str, counted: dict[str, LineCounts]) -> pl.DataFrame:
    """``commit_ai_lines`` rows: one per commit, tool and model with AI lines, or one with
    tool and model '' for a commit whose evidence has none."""
    rows = []
    for sha, c in counted.items():
        common = {"repo_id": repo_id, "sha": sha, "source": source, "human_lines": c.human,
                  "mixed_lines": c.mixed, "untracked_lines": c.untracked,
                  "added_lines": c.added}  # fmt: skip
        for (tool, model), n in sorted(c.ai.items()) or [(("", ""), 0)]:
            rows.append({**common, "tool_id": tool, "model": model, "ai_added_lines": n})
    return pl.DataFrame(rows, schema=_ROW_SCHEMA)


def file_rows(repo_id: int, source: str, counted: dict[str, LineCounts]) -> pl.DataFrame:
    """``commit_ai_line_files`` rows: per commit, file, tool and model with AI lines."""
    rows = [
        {"repo_id": repo_id, "sha": sha, "source": source, "path": path, "tool_id": tool,
         "model": model, "ai_added_lines": n}
        for sha, c in counted.items()
        for (path, tool, model), n in sorted(c.files.items())
    ]  # fmt: skip
    return pl.DataFrame(rows, schema=_FILE_SCHEMA)


_FILE_SCHEMA = {
    "repo_id": pl.Int64, "sha": pl.String, "source": pl.String, "path": pl.String,
    "tool_id": pl.String, "model": pl.String, "ai_added_lines": pl.Int64,
}  # fmt: skip

_ROW_SCHEMA = {
    "repo_id": pl.Int64, "sha": pl.String, "source": pl.String, "human_lines": pl.Int64,
    "mixed_lines": pl.Int64, "untracked_lines": pl.Int64, "added_lines": pl.Int64,
    "tool_id": pl.String, "model": pl.String, "ai_added_lines": pl.Int64,
}  # fmt: skip


def read_state(engine: sa.Engine, full_name: str) -> dict[str, str]:
    t = s.sync_state
    found = read_table(engine, t, where=(t.c.source == SOURCE) & (t.c.scope == full_name))
    return json.loads(found["cursor"][0]) if found.height else {}


def _resolve(path: Path, ref: str) -> str | None:
    try:
        return run_git(path, "rev-parse", "--verify", "--quiet", ref).strip() or None
    except GitError:
        return None


def _list_notes(path: Path) -> dict[str, str]:
    """Annotated commit -> its note's blob."""
    pairs = (
        line.split() for line in run_git(path, "notes", "--ref", NOTES_REF, "list").splitlines()
    )
    return {commit: blob for blob, commit in pairs}


def _changed(
    path: Path, state: dict[str, str], notes_tip: str, branch_tip: str,
    notes: dict[str, str], *, full: bool,
) -> tuple[set[str], bool]:  # fmt: skip
    """The commits whose note to read (again), and whether that is every annotated one (a
    first or full run); else those whose note changed since the notes tip read last, and
    the branch's new ones."""
    old_notes, old_branch = state.get("notes"), state.get("branch")
    if full or not old_notes or _resolve(path, f"{old_notes}^{{commit}}") is None:
        return set(notes), True
    diff = run_git(path, "diff-tree", "-r", "--name-only", "--no-renames", old_notes, notes_tip)
    # A note's path is the annotated commit's sha, maybe split into fan-out folders.
    changed = {line.replace("/", "") for line in diff.split()}
    if old_branch and _resolve(path, f"{old_branch}^{{commit}}"):
        changed |= set(run_git(path, "rev-list", branch_tip, f"^{old_branch}").split())
    else:
        changed |= set(notes)
    return changed, False


def _cat_blobs(path: Path, blobs: list[str]) -> dict[str, str]:
    """The text of each blob, in one ``git cat-file --batch``."""
    if not blobs:
        return {}
    done = subprocess.run(
        ["git", "-C", str(path), "cat-file", "--batch"], input="\n".join(blobs).encode() + b"\n",
        capture_output=True, check=True, env=clone.git_env(),
    )  # fmt: skip
    out, pos, texts = done.stdout, 0, {}
    while pos < len(out):
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        if len(header) < 3:  # "<sha> missing"
            pos = end + 1
            continue
        size = int(header[2])
        texts[header[0].decode()] = out[end + 1 : end + 1 + size].decode("utf-8", "replace")
        pos = end + 1 + size + 1
    return texts


def _added_lines(path: Path, shas: list[str]) -> dict[str, tuple[bool, dict]]:
    """Per commit: whether it is a merge, and the lines it adds against its first parent
    (git-ai's diff: ``-U0``, renames found down to 1% similarity; a root commit against
    the empty tree; a merge shows no diff)."""
    out: dict[str, tuple[bool, dict]] = {}
    for part in _chunks(shas, _BATCH):
        text = run_git(
            path, "-c", "core.quotePath=false", "log", "--no-walk=unsorted", "--stdin", "-p",
            "-U0", "--find-renames=1%", "--no-color", "--no-ext-diff", "--format=%x01%H %P",
            input="\n".join(part) + "\n",
        )  # fmt: skip
        out.update(log_added_ranges(text))
    return out


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
