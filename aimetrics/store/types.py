"""The polars dtype of each column type in the schema: the one mapping used by reads and writes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import sqlalchemy as sa

UTC_DATETIME = pl.Datetime("us", "UTC")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class SqliteUtcMicros(sa.TypeDecorator[dt.datetime]):
    """A UTC timestamp on SQLite, stored as integer microseconds since the epoch.

    SQLite has no datetime type. Integers read back through ADBC several times
    faster than ISO text, need no parsing (a cast restores the polars type), and
    compare and sort correctly in SQL.
    """

    impl = sa.BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> int | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return (value - _EPOCH) // dt.timedelta(microseconds=1)

    def process_literal_param(self, value: Any, dialect: sa.Dialect) -> str:
        return "NULL" if value is None else str(self.process_bind_param(value, dialect))

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> dt.datetime | None:
        return None if value is None else _EPOCH + dt.timedelta(microseconds=int(value))


# Timestamps in the store: timestamptz on PostgreSQL, epoch microseconds on SQLite.
UtcDateTime = sa.DateTime(timezone=True).with_variant(SqliteUtcMicros(), "sqlite")


def polars_type(column: sa.Column) -> pl.DataType:
    t = column.type
    if isinstance(t, sa.Boolean):
        return pl.Boolean()
    if isinstance(t, sa.BigInteger | sa.Integer):
        return pl.Int64()
    if isinstance(t, sa.Float):
        return pl.Float64()
    if isinstance(t, sa.DateTime):
        return UTC_DATETIME
    if isinstance(t, sa.Date):
        return pl.Date()
    return pl.String()


def table_schema(table: sa.Table, columns: list[str] | None = None) -> dict[str, pl.DataType]:
    cols = [table.c[c] for c in columns] if columns else list(table.columns)
    return {c.name: polars_type(c) for c in cols}
