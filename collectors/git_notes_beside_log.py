"""git-ai notes read beside `collect git`'s log: the glue between ``collectors.git_local``
(which reads and writes the commits) and ``collectors.git_notes`` (which reads and writes the
notes).

The notes are read and counted in a second process (``NotesReader``), started before the log
and running while it is read; ``NotesBeside.done`` writes them after the log's transaction,
in their own (a run killed in between reads them again next time). Which noted commits are on
the branch read is known from the log itself for the commits it just read; the store is asked
only about the others (notes changed on commits an earlier run stored).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from collectors import git_notes as notes
from collectors.git_log import GitError


class NotesBeside:
    """``collectors.git_notes.read_notes`` in a process beside the log; ``done`` writes."""

    def __init__(
        self,
        engine: sa.Engine,
        path: Path,
        full_name: str,
        branch_tip: str,
        *,
        full: bool,
        warn: Callable[[str], None],
    ) -> None:
        self.engine, self.path, self.full_name, self.warn = engine, path, full_name, warn
        state = notes.read_state(engine, full_name)  # before the log's write lock
        self.reader = notes.NotesReader(path, full_name, branch_tip, state, full=full)

    def done(self, repo_id: int, read_on_branch: pl.DataFrame | None = None) -> int:
        """Write what the reader found; ``read_on_branch``: the commits (``sha``) the log just
        read on the branch (stored by now), so that the store is read only for the others."""
        try:
            found = self.reader.result()
        except GitError as exc:  # the commits are stored: the notes wait for the next run
            self.warn(f"{self.full_name}: git-ai notes not read: {exc}")
            return 0
        return notes.write_notes(
            self.engine, self.path, self.full_name, repo_id, found, self.warn,
            read_on_branch=read_on_branch,
        )  # fmt: skip

    def cancel(self) -> None:
        self.reader.cancel()
