"""git-ai notes (``refs/notes/ai``) of a clone into ``commit_ai_lines``, as `collect git` reads.

Only the commits of the branch read (never ``--all``: the notes ref has commits of its own) that
carry a note. Incremental: ``sync_state`` (source ``git-ai``) keeps the notes ref's tip and the
branch tip read last; the next run reads the notes that changed between the two notes tips (a
note added later to a commit already collected) and those of the branch's new commits. A note
git-ai would not read is skipped with one warning naming the commit; the others are read.
Reading git and counting: ``collectors.git_notes_read`` (in a process of its own beside the
log); parsing and counting: ``collectors.git_ai_notes``; here, the rows and the write.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from aimetrics.store import read_table
from aimetrics.store import schema as s
from aimetrics.store.pending import pending_rows
from aimetrics.store.staged import StagedWrite
from collectors.git_ai_notes import LineCounts
from collectors.git_notes_read import (
    NOTES_REF,
    SOURCE,
    Columns,
    NotesRead,
    NotesReader,
    file_columns,
    line_columns,
    read_notes,
)

__all__ = [
    "NOTES_REF", "SOURCE", "NotesRead", "NotesReader", "collect_notes", "file_rows",
    "line_rows", "read_notes", "read_state", "write_notes",
]  # fmt: skip

_logger = logging.getLogger(__name__)


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


def write_notes(
    engine: sa.Engine,
    path: Path,
    full_name: str,
    repo_id: int,
    found: NotesRead | None,
    on_warning: Callable[[str], None] | None = None,
    *,
    read_on_branch: pl.DataFrame | None = None,
) -> int:
    """Write what ``read_notes`` found (one transaction, with the read state); the warnings
    go to ``on_warning`` (default: the log). ``read_on_branch``: commits (``sha``) known to be
    stored on the branch read (those `collect git` just read there); the store is asked about
    the others. Returns how many commits' rows were written."""
    if found is None:
        return 0
    lines = _with_repo(_frame(found.lines, _ROW_SCHEMA), repo_id, SOURCE, _ROW_SCHEMA)
    files = _with_repo(_frame(found.files, _FILE_SCHEMA), repo_id, SOURCE, _FILE_SCHEMA)
    if lines.height or found.warnings:
        # Only the notes of commits stored on the branch read are written. Those that are
        # not are found with joins (usually none): a filter of every row by the stored
        # shas, or a set of them in Python, costs several times more at 100k commits. The
        # commits the log just read need no look in the store (reading 100k shas back took
        # a third of this write); only the others do (a note added to an older commit).
        warned = pl.DataFrame({"sha": list(found.warnings)}, schema={"sha": pl.String})
        unsure = pl.concat([lines.select("sha"), warned]).unique()
        if read_on_branch is not None:
            unsure = unsure.join(read_on_branch, on="sha", how="anti")
        if unsure.height:
            unsure = unsure.join(_on_branch(engine, repo_id), on="sha", how="anti")
        off = unsure["sha"]
        if off.len():
            lines, files = (f.filter(~pl.col("sha").is_in(off.implode())) for f in (lines, files))
        off_branch = set(off.to_list())
        for sha, message in found.warnings.items():
            if sha not in off_branch:
                (on_warning or _logger.warning)(message)
    written = lines["sha"].n_unique()
    now = dt.datetime.now(dt.UTC)
    sync = pl.DataFrame(
        {
            "source": [SOURCE],
            "scope": [full_name],
            "cursor": [json.dumps({"notes": found.notes_tip, "branch": found.branch_tip})],
            "status": ["complete"],
            "detail": [f"git-ai notes of {written} commits read from {path}"],
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
        replace.append((t, where))
    if lines.height:
        sync = pl.concat([sync, pending_rows([repo_id])], how="vertical_relaxed")
    with StagedWrite(engine) as w:
        for table, where in replace:  # a write first: SQLite's write lock is taken at once
            w.execute(sa.delete(table).where(where))
        # Every row of the repository's notes went (a first or full read): SQLite appends
        # the new ones straight into the tables instead of merging them through staging.
        fresh = found.replaced is None
        w.write(s.commit_ai_lines, lines, direct=fresh)
        w.write(s.commit_ai_line_files, files, direct=fresh)
        w.write(s.sync_state, sync)
        w.commit()
    return written


def _on_branch(engine: sa.Engine, repo_id: int) -> pl.DataFrame:
    """The stored commits (``sha``) of the branch read (``collect git`` marks them on the
    default branch; with ``--all``, those of the default branch)."""
    c = s.commits.c
    where = (c.repo_id == repo_id) & c.on_default_branch
    return read_table(engine, s.commits, columns=["sha"], where=where)


def _frame(columns: Columns, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """``read_notes``' columns (no ``repo_id`` nor ``source``) as a frame of ``schema``'s types."""
    return pl.DataFrame(columns, schema={k: schema[k] for k in columns})


def line_rows(repo_id: int, source: str, counted: dict[str, LineCounts]) -> pl.DataFrame:
    """``commit_ai_lines`` rows: one per commit, tool and model with AI lines, or one with
    tool and model '' for a commit whose evidence has none."""
    return _with_repo(_frame(line_columns(counted), _ROW_SCHEMA), repo_id, source, _ROW_SCHEMA)


def file_rows(repo_id: int, source: str, counted: dict[str, LineCounts]) -> pl.DataFrame:
    """``commit_ai_line_files`` rows: per commit, file, tool and model with AI lines."""
    return _with_repo(_frame(file_columns(counted), _FILE_SCHEMA), repo_id, source, _FILE_SCHEMA)


def _with_repo(
    frame: pl.DataFrame, repo_id: int, source: str, schema: dict[str, pl.DataType]
) -> pl.DataFrame:
    return frame.with_columns(repo_id=pl.lit(repo_id, pl.Int64), source=pl.lit(source)).select(
        list(schema)
    )


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
