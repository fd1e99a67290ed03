"""Idempotent bulk writes: polars frames upserted in one transaction.

Each frame is bulk-loaded with ADBC into a temporary staging table, then merged
into its target with ``INSERT ... SELECT ... ON CONFLICT (primary key) DO
UPDATE`` built by SQLAlchemy Core for the store's dialect. Everything in one
call commits together or not at all, so a reader never sees half a write and
a failed write leaves the store as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from aimetrics.errors import StoreError
from aimetrics.store import adbc
from aimetrics.store.engine import StoreUrl
from aimetrics.store.types import UTC_DATETIME, polars_type
from aimetrics.store.version import commit_adbc


@dataclass(frozen=True)
class Replace:
    """Delete the target rows matching ``where`` before upserting (same transaction)."""

    table: sa.Table
    where: sa.ColumnElement[bool] | None = None


def conform(table: sa.Table, frame: pl.DataFrame) -> pl.DataFrame:
    """The frame's columns in table order, typed as the table declares.

    Columns the table has and the frame lacks take the column's default (or
    null); a column the table does not know is a programming error.
    """
    unknown = set(frame.columns) - set(table.columns.keys())
    if unknown:
        raise ValueError(f"{table.name}: unknown columns {sorted(unknown)}")
    exprs = []
    for col in table.columns:
        dtype = polars_type(col)
        if col.name in frame.columns:
            expr = pl.col(col.name)
            if dtype == UTC_DATETIME and frame.schema[col.name] != dtype:
                src = frame.schema[col.name]
                if isinstance(src, pl.Datetime) and src.time_zone is None:
                    expr = expr.dt.replace_time_zone("UTC")
            exprs.append(expr.cast(dtype).alias(col.name))
        else:
            # A column the frame lacks takes the schema's scalar default, else null.
            default = col.default.arg if col.default is not None and col.default.is_scalar else None
            exprs.append(pl.lit(default, dtype=dtype).alias(col.name))
    return frame.select(exprs)


def _for_sqlite(frame: pl.DataFrame) -> pl.DataFrame:
    """SQLite has no datetime: write epoch microseconds, as the schema declares."""
    return frame.with_columns(
        pl.col(name).dt.epoch("us")
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.Datetime)
    )


def _upsert_sql(table: sa.Table, staging: str, dialect: sa.Dialect, *, update: bool) -> str:
    cols = [c.name for c in table.columns]
    stage = sa.table(staging, *(sa.column(c) for c in cols))
    pk = [c.name for c in table.primary_key.columns]
    insert_fn = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
    # "WHERE true" keeps SQLite from reading ON CONFLICT as a join constraint.
    stmt = insert_fn(table).from_select(cols, sa.select(stage).where(sa.true()))
    updates = {c: stmt.excluded[c] for c in cols if c not in pk} if update else {}
    stmt = (
        stmt.on_conflict_do_update(index_elements=pk, set_=updates)
        if updates
        else stmt.on_conflict_do_nothing(index_elements=pk)
    )
    return str(stmt.compile(dialect=dialect))


def _delete_statement(replace: Replace) -> sa.Delete:
    stmt = sa.delete(replace.table)
    return stmt.where(replace.where) if replace.where is not None else stmt


def write_frames(
    engine: sa.Engine,
    frames: Sequence[tuple[sa.Table, pl.DataFrame]],
    *,
    replace: Sequence[Replace] = (),
    keep_existing: Sequence[sa.Table] = (),
) -> dict[str, int]:
    """Upsert every frame into its table in one transaction; return rows per table.

    ``replace`` deletes rows first (e.g. a repository's previous PR links, or
    all tags before a re-tagging), inside the same transaction. Rows of tables in
    ``keep_existing`` are only inserted where absent (a poorer source must not
    overwrite a richer one's rows).
    """
    store = StoreUrl(engine.url)
    dialect = engine.dialect
    counts: dict[str, int] = {}
    conn = adbc.connect(store)
    try:
        cur = conn.cursor()
        for rep in replace:
            adbc.execute(cur, engine, _delete_statement(rep))
        for table, frame in frames:
            data = conform(table, frame)
            counts[table.name] = counts.get(table.name, 0) + data.height
            if data.is_empty():
                continue
            if store.is_sqlite:
                data = _for_sqlite(data)
            staging = f"_stage_{table.name}"
            cur.adbc_ingest(staging, data.to_arrow(), mode="replace", temporary=True)
            cur.execute(_upsert_sql(table, staging, dialect, update=table not in keep_existing))
            cur.execute(f"DROP TABLE {staging}")
        commit_adbc(conn, cur, engine)  # bumps the store version (aimetrics.store.version)
    except Exception as exc:
        conn.rollback()
        if isinstance(exc, ValueError):
            raise
        raise StoreError(f"writing to the store {store} failed: {_first_line(exc)}") from exc
    finally:
        conn.close()
    return counts


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
