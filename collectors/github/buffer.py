"""A repository's rows, normalized chunk by chunk while its sync runs, written once at the end.

A very large first sync (tens of thousands of PRs) would otherwise hold every
raw PR node until the end; here pages are turned into columnar frames every
``CHUNK_PRS`` PRs and the nodes dropped, so memory follows the compact frames,
not the JSON. The store is still written once, in one transaction, when the
repository's sync completes (a reader never sees half a repository).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import polars as pl
import sqlalchemy as sa

from aimetrics.store import schema as s
from aimetrics.store.types import table_schema
from collectors.github.history import HISTORY_OPERATION, History
from collectors.github.normalize import history_frame, pull_frames
from collectors.github.pulls import BULK_OPERATION, PullSet

CHUNK_PRS = 500
"""PRs normalized into frames at a time."""
CHUNK_COMMITS = 5_000
"""Default-branch commits normalized into frames at a time."""


class FrameBuffer:
    """Frames per table, appended as chunks are normalized."""

    def __init__(self) -> None:
        self._parts: dict[str, list[pl.DataFrame]] = {}

    def add(self, frames: Iterable[tuple[sa.Table, pl.DataFrame]]) -> None:
        for table, frame in frames:
            if not frame.is_empty():
                self._parts.setdefault(table.name, []).append(frame)

    def take(self, table: sa.Table) -> pl.DataFrame:
        """Every row added for ``table`` (duplicates kept), and forget them."""
        parts = self._parts.pop(table.name, [])
        if not parts:
            return pl.DataFrame(schema=table_schema(table))
        return pl.concat(parts, how="diagonal_relaxed") if len(parts) > 1 else parts[0]

    def take_unique(self, table: sa.Table) -> pl.DataFrame:
        """``take``, one row per primary key (the last added wins, as a later page is newer)."""
        keys = [c.name for c in table.primary_key.columns]
        return self.take(table).unique(subset=keys, keep="last", maintain_order=True)


@dataclass
class Gathered:
    """What one repository's sync has gathered so far: PR nodes still to normalize, the
    history's, and the frames normalized already."""

    pulls: PullSet
    history: History
    buffer: FrameBuffer = field(default_factory=FrameBuffer)

    def absorb(self, operation: str, variables: dict[str, Any], body: dict[str, Any]) -> None:
        """Add a page, fetched or replayed; normalize a chunk when one is complete."""
        if operation != HISTORY_OPERATION:
            self.pulls.add(operation, variables, body)
        if operation in (BULK_OPERATION, HISTORY_OPERATION):
            self.history.add(body)  # a bulk page may carry the first history page
        self.normalize()

    def normalize(self, *, final: bool = False) -> None:
        repo = self.pulls.repository
        if repo is None:
            return
        repo_id, default = int(repo["databaseId"]), self.pulls.default_branch
        if final or len(self.pulls.pulls) >= CHUNK_PRS:
            taken = self.pulls.take()
            if taken:
                self.buffer.add(pull_frames(repo_id, taken, default))
        if final or len(self.history.nodes) >= CHUNK_COMMITS:
            self.buffer.add([(s.commits, history_frame(repo_id, self.history.take()))])

    def marker(self) -> tuple[object, ...]:
        """Changes when a page brought something (only such pages are kept)."""
        return self.pulls.fetched, *self.history.marker()
