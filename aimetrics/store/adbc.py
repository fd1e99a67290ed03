"""ADBC connections to the store: Arrow in and out, for bulk reads and writes."""

from __future__ import annotations

from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from aimetrics.store.engine import StoreUrl


def connect(store: StoreUrl) -> Any:
    """A DB-API connection from the ADBC driver of the store's backend."""
    if store.is_sqlite:
        import adbc_driver_sqlite.dbapi as sqlite_driver

        # Pragmas first, in autocommit mode: foreign_keys is a no-op inside a transaction.
        conn = sqlite_driver.connect(store.adbc_uri, autocommit=True)
        cur = conn.cursor()
        # The same waits and checks the SQLAlchemy engine sets (see engine.py).
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()
        conn.adbc_connection.set_autocommit(False)
        # Keep the DB-API wrapper's commit()/rollback() in step with the switch
        # (it only records the mode chosen at connect time).
        conn._autocommit, conn._commit_supported = False, True
        return conn
    import adbc_driver_postgresql.dbapi as pg_driver

    return pg_driver.connect(store.adbc_uri)


def _adbc_dialect(engine: sa.Engine) -> sa.Dialect:
    """The store's dialect with ADBC's placeholder style: ``?`` (SQLite), ``$1`` (PostgreSQL)."""
    if engine.dialect.name == "postgresql":
        return postgresql.psycopg.dialect(paramstyle="numeric_dollar")
    return engine.dialect  # pysqlite's qmark is ADBC SQLite's style too


def compile_sql(engine: sa.Engine, stmt: sa.Executable) -> tuple[str, tuple[Any, ...]]:
    """SQL text with positional placeholders, and the values bound to them.

    Values never become SQL text: they are passed to the driver as bound
    parameters, after the column types' bind processors (e.g. SQLite's epoch
    microseconds for timestamps). ``IN`` lists are expanded to one placeholder
    per value.
    """
    dialect = _adbc_dialect(engine)
    compiled = stmt.compile(dialect=dialect)
    state = compiled.construct_expanded_state()
    values = []
    for name in state.positiontup or ():
        value = state.parameters[name]
        # Expanded IN-list entries carry their processor in the state; others in their bind.
        process = state.processors.get(name)
        if process is None and name in compiled.binds:
            process = compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
        values.append(process(value) if process is not None else value)
    return state.statement, tuple(values)


# ADBC's SQLite driver guesses each column's type from the first batch of rows and fails
# ("Type mismatch ... expected INT64") when a later batch disagrees, e.g. a text column
# that is NULL in every row of the first batch (apache/arrow-adbc#581, #2532). Reads that
# take the whole result at once use one batch, so the guess sees every row.
WHOLE_RESULT = 1 << 30  # (the driver refuses 2**31 - 1)
_BATCH_ROWS = "adbc.sqlite.query.batch_rows"


def set_batch_rows(cur: Any, engine: sa.Engine, rows: int) -> None:
    """On SQLite, how many rows the driver puts in a batch (and guesses types from)."""
    if engine.dialect.name == "sqlite":
        cur.adbc_statement.set_options(**{_BATCH_ROWS: str(rows)})


def execute(cur: Any, engine: sa.Engine, stmt: sa.Executable) -> None:
    """Execute a Core statement on an ADBC cursor with bound parameters."""
    sql, values = compile_sql(engine, stmt)
    if values:
        cur.execute(sql, values)
    else:
        cur.execute(sql)


def fetch_frame(engine: sa.Engine, stmt: sa.Executable) -> pl.DataFrame:
    """Run a SELECT through ADBC and return the raw Arrow result as polars."""
    conn = connect(StoreUrl(engine.url))
    try:
        cur = conn.cursor()
        set_batch_rows(cur, engine, WHOLE_RESULT)
        execute(cur, engine, stmt)
        arrow = cur.fetch_arrow_table()
        cur.close()
    finally:
        conn.close()
    frame = pl.from_arrow(arrow)
    assert isinstance(frame, pl.DataFrame)
    return frame
