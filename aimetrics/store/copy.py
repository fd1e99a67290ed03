"""Copy a whole store to another (SQLite ⇄ PostgreSQL), without loss.

Tables are copied in foreign-key order with the same idempotent upserts every
writer uses, in chunks (one transaction each), so an interrupted copy is simply
run again. At the end the row counts of every table are compared.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import sqlalchemy as sa

from aimetrics.errors import StoreError
from aimetrics.store import schema as s
from aimetrics.store.adbc import fetch_frame
from aimetrics.store.read import read_table
from aimetrics.store.write import write_frames

CHUNK_ROWS = 250_000


def _count(engine: sa.Engine, table: sa.Table) -> int:
    frame = fetch_frame(engine, sa.select(sa.func.count().label("n")).select_from(table))
    return int(frame["n"][0])


def _copied_tables() -> list[sa.Table]:
    return [t for t in s.metadata.sorted_tables if t is not s.store_version]


def copy_store(
    source: sa.Engine,
    target: sa.Engine,
    *,
    on_table: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Copy every table of ``source`` into ``target`` (both migrated); rows per table.

    Not ``store_version``: the target keeps its own identity, and its version moves with
    the writes of the copy (so a dashboard on the target re-reads it)."""
    copied: dict[str, int] = {}
    for table in _copied_tables():
        frame = read_table(source, table)
        for start in range(0, max(frame.height, 1), CHUNK_ROWS):
            chunk = frame.slice(start, CHUNK_ROWS)
            if chunk.height:
                write_frames(target, [(table, chunk)])
        copied[table.name] = frame.height
        if on_table:
            on_table(table.name, frame.height)
        del frame
    _reset_sequences(target)
    missing = {
        t.name: (copied[t.name], n)
        for t in _copied_tables()
        if (n := _count(target, t)) < copied[t.name]
    }
    if missing:
        detail = ", ".join(f"{k}: {a} copied, {b} present" for k, (a, b) in missing.items())
        raise StoreError(f"the copy is incomplete ({detail}); run it again")
    return copied


def _reset_sequences(target: sa.Engine) -> None:
    """PostgreSQL: move identity sequences past the copied ids (raw_payloads.id)."""
    if target.dialect.name != "postgresql":
        return
    with target.begin() as conn:
        for table in s.metadata.sorted_tables:
            for col in table.primary_key.columns:
                if col.autoincrement is True:
                    conn.execute(
                        sa.text(
                            "SELECT setval(pg_get_serial_sequence(:t, :c), "
                            f"COALESCE((SELECT MAX({col.name}) FROM {table.name}), 0) + 1, false)"
                        ),
                        {"t": table.name, "c": col.name},
                    )


def table_digest(engine: sa.Engine, table: sa.Table) -> pl.DataFrame:
    """A table's rows in a canonical order, for comparing stores by content."""
    frame = read_table(engine, table)
    keys = [c.name for c in table.primary_key.columns]
    return frame.sort(keys)
