"""ADBC connections to the store: Arrow in and out, for bulk reads and writes."""

from __future__ import annotations

from typing import Any

import polars as pl
import sqlalchemy as sa

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


def compile_sql(engine: sa.Engine, stmt: sa.Executable) -> str:
    """SQL text for ADBC. Literal binds: statements are built by our code from
    Core constructs; values are ids, dates and names escaped by the dialect."""
    return str(stmt.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))


def fetch_frame(engine: sa.Engine, stmt: sa.Executable) -> pl.DataFrame:
    """Run a SELECT through ADBC and return the raw Arrow result as polars."""
    conn = connect(StoreUrl(engine.url))
    try:
        cur = conn.cursor()
        cur.execute(compile_sql(engine, stmt))
        arrow = cur.fetch_arrow_table()
        cur.close()
    finally:
        conn.close()
    frame = pl.from_arrow(arrow)
    assert isinstance(frame, pl.DataFrame)
    return frame
