"""Which days a vendor collector fetches, and the ``sync_state`` rows that record them.

One ``sync_state`` row per vendor, feed and day (source ``vendor:<vendor>``, scope
``<feed>:<YYYY-MM-DD>``), written in the same transaction as the day's rows: a day is
either stored with its row or not at all, so a run killed at any point resumes at the
first day it had not committed. A day is ``complete`` once it is over (UTC); today's
rows are stored as ``partial`` and fetched again next run.

A run fetches the days of the history window not yet complete, plus the last
``lookback_days`` days again (vendors correct recent days late).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta

import polars as pl
import sqlalchemy as sa

from aimetrics.store import schema as s
from aimetrics.store.types import table_schema

COMPLETE = "complete"
PARTIAL = "partial"


def state_source(vendor: str) -> str:
    return f"vendor:{vendor}"


def stored_days(engine: sa.Engine, vendor: str, feed: str) -> set[date]:
    """The days of ``feed`` recorded complete."""
    prefix = f"{feed}:"
    with engine.connect() as conn:
        scopes = conn.execute(
            sa.select(s.sync_state.c.scope).where(
                (s.sync_state.c.source == state_source(vendor))
                & (s.sync_state.c.status == COMPLETE)
                & s.sync_state.c.scope.startswith(prefix, autoescape=True)
            )
        ).scalars()
        out = set()
        for scope in scopes:
            try:
                out.add(date.fromisoformat(scope[len(prefix) :]))
            except ValueError:
                continue  # not a day row of this feed
    return out


def days_to_fetch(
    stored: Iterable[date], today: date, history_days: int, lookback_days: int
) -> list[date]:
    """The window's days not stored, plus the look-back's, oldest first (today included)."""
    first = today - timedelta(days=history_days - 1)
    again = today - timedelta(days=lookback_days)
    done = set(stored)
    days = (first + timedelta(days=i) for i in range((today - first).days + 1))
    return [d for d in days if d >= again or d not in done]


def runs(days: Sequence[date]) -> list[tuple[date, date]]:
    """Consecutive days as ``(first, last)`` ranges, so a range API is asked once per gap."""
    out: list[tuple[date, date]] = []
    for day in sorted(days):
        if out and day == out[-1][1] + timedelta(days=1):
            out[-1] = (out[-1][0], day)
        else:
            out.append((day, day))
    return out


def state_rows(
    vendor: str,
    feed: str,
    counts: dict[date, int],
    today: date,
    started: datetime,
) -> pl.DataFrame:
    """``sync_state`` rows for the days written (``counts``: rows per day)."""
    finished = datetime.now(UTC)
    rows = [
        {
            "source": state_source(vendor),
            "scope": f"{feed}:{day.isoformat()}",
            "cursor": None,
            "status": COMPLETE if day < today else PARTIAL,
            "detail": json.dumps({"rows": n}),
            "started_at": started,
            "finished_at": finished,
        }
        for day, n in sorted(counts.items())
    ]
    return pl.DataFrame(rows, schema=table_schema(s.sync_state), orient="row")
