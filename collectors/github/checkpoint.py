"""Raw pages and sync state: the checkpoint that makes a sync resumable.

Each page is stored in ``raw_payloads`` the moment it arrives, in the same
transaction as the ``sync_state`` row that lists the pages of the running sync
(``detail.run.pages``, by digest). A sync killed at any point is resumed by
replaying those pages and fetching from where they end; its normalized rows
only become visible when it completes. The request text holds the operation
and its variables, never a header or token.

All store access goes through ADBC, like `write_frames` and `read_table`: on
SQLite, a second SQLite library (Python's ``sqlite3``) holding the same file
open in the same process breaks WAL locking, so none is used here.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from aimetrics.store import adbc, read_table
from aimetrics.store import schema as s
from aimetrics.store.engine import StoreUrl
from aimetrics.store.types import UtcDateTime, table_schema
from aimetrics.store.version import commit_adbc

STATE_SOURCE = "github"
RAW_SOURCE = "github-graphql"


@dataclass
class SyncState:
    cursor: str | None = None
    status: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    started_at: datetime | None = None


def now() -> datetime:
    return datetime.now(UTC)


def _execute(engine: sa.Engine, statements: list[sa.Executable]) -> None:
    """Run statements in one ADBC transaction."""
    conn = adbc.connect(StoreUrl(engine.url))
    try:
        cur = conn.cursor()
        for stmt in statements:
            adbc.execute(cur, engine, stmt)
        commit_adbc(conn, cur, engine)  # bumps the store version (aimetrics.store.version)
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.close()


def _literal(engine: sa.Engine, value: Any) -> Any:
    """A value as a SQL literal the store's column accepts (the schema's timestamp type)."""
    if isinstance(value, datetime):
        return sa.literal(value.astimezone(UTC), UtcDateTime)
    if isinstance(value, bool):
        return sa.literal(value, sa.Boolean)
    return value


def _insert(engine: sa.Engine, table: sa.Table, values: dict[str, Any]) -> Any:
    insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    return insert(table).values({k: _literal(engine, v) for k, v in values.items()})


def _upsert(engine: sa.Engine, table: sa.Table, values: dict[str, Any]) -> sa.Executable:
    stmt = _insert(engine, table, values)
    keys = [c.name for c in table.primary_key.columns]
    return stmt.on_conflict_do_update(
        index_elements=keys, set_={k: stmt.excluded[k] for k in values if k not in keys}
    )


def state_values(
    scope: str,
    *,
    status: str,
    detail: dict[str, Any],
    cursor: str | None,
    started_at: datetime | None,
    finished_at: datetime | None = None,
    source: str = STATE_SOURCE,
) -> dict[str, Any]:
    """A ``sync_state`` row."""
    return {
        "source": source,
        "scope": scope,
        "cursor": cursor,
        "status": status,
        "detail": json.dumps(detail, sort_keys=True),
        "started_at": started_at,
        "finished_at": finished_at,
    }


def state_frame(scope: str, **fields: Any) -> pl.DataFrame:
    """The sync_state row as a frame, to commit with the domain rows in one `write_frames`."""
    row = state_values(scope, **fields)
    return pl.DataFrame([row], schema=table_schema(s.sync_state), orient="row")


def read_state(engine: sa.Engine, scope: str, source: str = STATE_SOURCE) -> SyncState:
    t = s.sync_state
    rows = read_table(engine, t, where=(t.c.source == source) & (t.c.scope == scope))
    if rows.is_empty():
        return SyncState()
    row = rows.row(0, named=True)
    detail = json.loads(row["detail"]) if row["detail"] else {}
    return SyncState(row["cursor"], row["status"], detail, row["started_at"])


def write_state(engine: sa.Engine, scope: str, **fields: Any) -> None:
    _execute(engine, [_upsert(engine, s.sync_state, state_values(scope, **fields))])


def request_text(operation: str, path: str, variables: dict[str, Any]) -> str:
    return json.dumps(
        {"method": "POST", "path": path, "operation": operation, "variables": variables},
        sort_keys=True,
    )


def payload_text(body: dict[str, Any]) -> str:
    return json.dumps(body, sort_keys=True)


def payload_digest(body: dict[str, Any]) -> str:
    return hashlib.sha256(payload_text(body).encode()).hexdigest()


def save_page(
    engine: sa.Engine,
    scope: str,
    *,
    request: str,
    body: dict[str, Any],
    state: dict[str, Any],
    source: str = RAW_SOURCE,
) -> None:
    """Store one raw page and the running sync's state (listing the page) together."""
    raw = _insert(
        engine,
        s.raw_payloads,
        {
            "source": source,
            "scope": scope,
            "request": request,
            "digest": payload_digest(body),
            "payload": payload_text(body),
            "fetched_at": now(),
            "normalized": False,
        },
    ).on_conflict_do_nothing(index_elements=["digest"])
    _execute(engine, [raw, _upsert(engine, s.sync_state, state)])


def load_pages(engine: sa.Engine, digests: list[str]) -> list[tuple[dict[str, Any], dict]]:
    """(request, body) of stored pages, in the order of ``digests``."""
    if not digests:
        return []
    t = s.raw_payloads
    found: dict[str, tuple[dict[str, Any], dict]] = {}
    for start in range(0, len(digests), 500):
        rows = read_table(
            engine,
            t,
            columns=["digest", "request", "payload"],
            where=t.c.digest.in_(digests[start : start + 500]),
        )
        for row in rows.iter_rows(named=True):
            found[row["digest"]] = (json.loads(row["request"]), json.loads(row["payload"]))
    missing = [d for d in digests if d not in found]
    if missing:
        raise LookupError(f"{len(missing)} raw page(s) of the interrupted sync are missing")
    return [found[d] for d in digests]


def mark_normalized(engine: sa.Engine, digests: list[str]) -> None:
    t = s.raw_payloads
    _execute(
        engine,
        [
            sa.update(t).where(t.c.digest.in_(digests[i : i + 500])).values(normalized=True)
            for i in range(0, len(digests), 500)
        ],
    )
