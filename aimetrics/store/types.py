"""The polars dtype of each column type in the schema: the one mapping used by reads and writes."""

from __future__ import annotations

import polars as pl
import sqlalchemy as sa

UTC_DATETIME = pl.Datetime("us", "UTC")


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
