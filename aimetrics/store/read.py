"""Typed reads from the store into polars: the one place types are restored.

SQLite returns timestamps and booleans as integers; PostgreSQL returns
them typed. Either way the caller gets the dtypes the schema declares, so the
metrics never see a backend difference. Reads go through ADBC (Arrow end to
end), which loads a million rows in well under two seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import polars as pl
import pyarrow as pa
import sqlalchemy as sa

from aimetrics.store import adbc
from aimetrics.store.engine import StoreUrl
from aimetrics.store.types import table_schema


def restore_types(frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Cast each column of ``frame`` to the dtype ``schema`` names for it."""
    exprs = []
    for name, dtype in schema.items():
        col, src = pl.col(name), frame.schema[name]
        if src == dtype:
            exprs.append(col)
        elif isinstance(dtype, pl.Datetime) and src.is_integer():
            # SQLite: epoch microseconds (see types.SqliteUtcMicros).
            exprs.append(col.cast(pl.Datetime("us")).dt.replace_time_zone("UTC"))
        elif isinstance(dtype, pl.Datetime) and isinstance(src, pl.Datetime):
            exprs.append(col.dt.convert_time_zone("UTC").dt.cast_time_unit("us"))
        elif dtype == pl.Date and src == pl.String:
            exprs.append(col.str.to_date("%Y-%m-%d"))
        else:
            exprs.append(col.cast(dtype))
    return frame.select(exprs)


class Snapshot:
    """Reads that all see the same committed state of the store.

    The dashboard and the exports read several tables for one figure; a collector
    may commit a repository's sync between two of those reads. Inside a snapshot
    they cannot: one connection, one read transaction (SQLite: WAL snapshot; on
    PostgreSQL: REPEATABLE READ), so a reader sees a whole sync or none of it.
    """

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._conn = adbc.connect(StoreUrl(engine.url))
        self._cur = self._conn.cursor()
        if engine.dialect.name == "postgresql":
            self._cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")

    def fetch(self, stmt: sa.Executable, cur: Any = None) -> pl.DataFrame:
        """A SELECT's raw result (types not restored)."""
        cur = cur or self._cur
        adbc.set_batch_rows(cur, self.engine, adbc.WHOLE_RESULT)
        adbc.execute(cur, self.engine, stmt)
        frame = pl.from_arrow(cur.fetch_arrow_table())
        assert isinstance(frame, pl.DataFrame)
        return frame

    def read(
        self,
        table: sa.Table,
        *,
        where: sa.ColumnElement[bool] | None = None,
        columns: list[str] | None = None,
    ) -> pl.DataFrame:
        """Rows of ``table`` (optionally filtered) with the dtypes the schema declares."""
        schema = table_schema(table, columns)
        stmt = sa.select(*(table.c[c] for c in schema))
        if where is not None:
            stmt = stmt.where(where)
        frame = self.fetch(stmt)
        if frame.width == 0:
            return pl.DataFrame(schema=schema)
        return restore_types(frame, schema)

    def batches(
        self, stmt: sa.Select, schema: dict[str, pl.DataType], rows: int = 250_000
    ) -> Iterator[pl.DataFrame]:
        """A SELECT's rows in frames of about ``rows`` rows, with the dtypes ``schema``
        names (its columns, in order: for joins and other queries that are not one table's).

        For reads too big to hold at once that the caller reduces as they come (filter,
        aggregate): the driver streams the result, so only a frame's worth is in memory.
        Consume it whole before the snapshot's next read (they share one cursor).
        """
        # Types are guessed from the first part's rows (see adbc.WHOLE_RESULT).
        adbc.set_batch_rows(self._cur, self.engine, rows)
        adbc.execute(self._cur, self.engine, stmt)
        reader = self._cur.fetch_record_batch()
        pending: list[pa.RecordBatch] = []
        held = done = 0
        try:
            for batch in reader:
                pending.append(batch)
                held += batch.num_rows
                if held >= rows:
                    yield self._typed(pending, schema)
                    done += held
                    pending, held = [], 0
        except Exception as exc:
            if "Type mismatch" not in str(exc):
                raise
            # A column empty (NULL) in every row of the first part: read the whole result
            # at once (the same rows, in the same order, in this snapshot) and go on
            # from where the stream stopped.
            # On a cursor of its own: the driver's next execute on this one would resume
            # the failed statement. Same connection, so the same read transaction.
            cur = self._conn.cursor()
            try:
                whole = self.fetch(stmt, cur)
            finally:
                cur.close()
            for start in range(done, whole.height, rows):
                yield self._typed(whole.slice(start, rows).to_arrow().to_batches(), schema)
            return
        if pending:
            yield self._typed(pending, schema)

    @staticmethod
    def _typed(batches: list[pa.RecordBatch], schema: dict[str, pl.DataType]) -> pl.DataFrame:
        frame = pl.from_arrow(pa.Table.from_batches(batches))
        assert isinstance(frame, pl.DataFrame)
        return restore_types(frame.rename(dict(zip(frame.columns, schema, strict=True))), schema)

    def close(self) -> None:
        try:
            self._cur.close()
            self._conn.rollback()  # read-only: nothing to keep
        finally:
            self._conn.close()

    def __enter__(self) -> Snapshot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_table(
    engine: sa.Engine,
    table: sa.Table,
    *,
    where: sa.ColumnElement[bool] | None = None,
    columns: list[str] | None = None,
) -> pl.DataFrame:
    """Rows of ``table`` (optionally filtered) as a polars frame with schema dtypes."""
    with Snapshot(engine) as snap:
        return snap.read(table, where=where, columns=columns)
