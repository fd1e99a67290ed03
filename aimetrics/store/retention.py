"""Retention: raw API payloads older than the configured period are pruned.

Only payloads already normalized into the store's tables go: a page kept as the
checkpoint of an unfinished sync is never pruned, so an interrupted collection
still resumes. The domain rows stay; what is given up is re-normalizing that old
data without a re-fetch.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from aimetrics.store import schema as s
from aimetrics.store.version import write_transaction


def prune_raw_payloads(
    engine: sa.Engine, older_than_days: int, *, now: dt.datetime | None = None
) -> int:
    """Delete normalized raw payloads fetched more than ``older_than_days`` ago; return count."""
    cutoff = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=older_than_days)
    with write_transaction(engine) as conn:
        result = conn.execute(
            sa.delete(s.raw_payloads).where(
                (s.raw_payloads.c.fetched_at < cutoff) & s.raw_payloads.c.normalized.is_(True)
            )
        )
    return result.rowcount
