"""The store version: one counter every committed write bumps, in the write's own transaction.

Readers that cache what they derive from the store (the dashboard, its disk cache of
facts) read this one row, cheaply, and re-read the store only when it moved. The bump
lives here and is applied by the store layer's two ways of committing a write, so a new
writer gets it without doing anything:

- :func:`commit_adbc`: every ADBC write transaction (``write_frames``, ``StagedWrite``,
  the collectors' checkpoints) commits through it;
- :func:`write_transaction`: the SQLAlchemy writers (``forget``, ``prune``) open their
  transaction with it instead of ``engine.begin()``; ``upgrade`` (``migrate``, and every
  writer as it starts) runs :func:`bump_statement` in the migration's transaction when the
  schema changed.

The bump is an upsert of the row ``id = 1`` (``version + 1``), so it works on a store whose
row is missing (a schema created from the metadata) and two writers never lose a bump:
each holds the write lock (SQLite) or the row lock (PostgreSQL) until it commits.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from aimetrics.store import adbc
from aimetrics.store import schema as s

_ROW_ID = 1


def bump_statement(dialect: sa.Dialect) -> sa.Executable:
    """``version + 1`` (the row created at 1 when missing), ``updated_at`` now."""
    insert = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
    now = dt.datetime.now(dt.UTC)
    stmt = insert(s.store_version).values(
        id=_ROW_ID, store_id=uuid.uuid4().hex, version=1, updated_at=now
    )
    return stmt.on_conflict_do_update(
        index_elements=[s.store_version.c.id],
        set_={"version": s.store_version.c.version + 1, "updated_at": now},
    )


def commit_adbc(conn: Any, cur: Any, engine: sa.Engine) -> None:
    """Bump the version on ``cur`` (an open ADBC write transaction), then commit ``conn``."""
    adbc.execute(cur, engine, bump_statement(engine.dialect))
    cur.close()
    conn.commit()


@contextmanager
def write_transaction(engine: sa.Engine) -> Iterator[sa.Connection]:
    """``engine.begin()`` that bumps the version before committing (not on an exception)."""
    with engine.begin() as conn:
        yield conn
        conn.execute(bump_statement(engine.dialect))


def read_version(engine: sa.Engine) -> str | None:
    """The store's version as a token ``STORE_ID.COUNTER`` (one tiny read), or None where
    there is none to read (a store older than the table, or no schema yet). Compare tokens
    for equality only: a store rebuilt at the same place has another ``store_id``."""
    row = s.store_version.c
    stmt = sa.select(row.store_id, row.version).where(row.id == _ROW_ID)
    try:
        frame = adbc.fetch_frame(engine, stmt)
    except Exception as exc:  # no such table: a store from before migration 0005
        text = str(exc).lower()
        if "no such table" in text or "does not exist" in text:
            return None
        raise
    return f"{frame['store_id'][0]}.{frame['version'][0]}" if frame.height else None
