"""Repositories waiting to be tagged: what a collector wrote and the tagging stage has not
seen yet.

A collector adds its repository's ``pending_rows`` to the same transaction as the rows it
wrote, so a run killed before tagging leaves the repository listed; the pipeline
(`aimetrics.pipeline`) tags each listed repository and then clears it. The list lives in
``sync_state`` (``source`` ``tagging``, ``scope`` the repository id, ``status`` ``pending``);
after a finished run it is empty.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import polars as pl
import sqlalchemy as sa

from aimetrics.store import schema as s
from aimetrics.store.read import read_table
from aimetrics.store.write import Replace, write_frames

PENDING_SOURCE = "tagging"
"""``sync_state.source`` of a repository waiting to be tagged."""
PENDING = "pending"


def pending_rows(repo_ids: Iterable[int]) -> pl.DataFrame:
    """``sync_state`` rows listing ``repo_ids`` as waiting to be tagged."""
    ids = sorted(set(repo_ids))
    now = dt.datetime.now(dt.UTC)
    return pl.DataFrame(
        {
            "source": [PENDING_SOURCE] * len(ids),
            "scope": [str(i) for i in ids],
            "cursor": [None] * len(ids),
            "status": [PENDING] * len(ids),
            "detail": [None] * len(ids),
            "started_at": [now] * len(ids),
            "finished_at": [None] * len(ids),
        },
        schema={
            "source": pl.String,
            "scope": pl.String,
            "cursor": pl.String,
            "status": pl.String,
            "detail": pl.String,
            "started_at": pl.Datetime("us", "UTC"),
            "finished_at": pl.Datetime("us", "UTC"),
        },
    )


def mark_pending(engine: sa.Engine, repo_ids: Iterable[int]) -> None:
    """List ``repo_ids`` as waiting to be tagged (on its own; a collector writes
    `pending_rows` with its data instead)."""
    write_frames(engine, [(s.sync_state, pending_rows(repo_ids))])


def pending_repos(engine: sa.Engine) -> list[int]:
    """The repositories waiting to be tagged, in id order."""
    rows = read_table(
        engine, s.sync_state, columns=["scope"], where=s.sync_state.c.source == PENDING_SOURCE
    )
    return sorted(int(scope) for scope in rows["scope"].to_list())


def clear_pending(engine: sa.Engine, repo_ids: Iterable[int] | None = None) -> None:
    """Take ``repo_ids`` (default: every repository) off the list."""
    where = s.sync_state.c.source == PENDING_SOURCE
    if repo_ids is not None:
        where = where & s.sync_state.c.scope.in_([str(i) for i in repo_ids])
    write_frames(engine, [], replace=[Replace(s.sync_state, where)])
