"""Choosing and opening the store.

The store is chosen by ``--db``, else ``AIMETRICS_DB``, else the config's
``store.url``, else ``sqlite:///aimetrics.db`` in the working directory.
SQLite runs in WAL mode so a collector can write while the dashboard reads.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

from aimetrics.errors import StoreError

DEFAULT_DB_URL = "sqlite:///aimetrics.db"
DB_ENV = "AIMETRICS_DB"


def resolve_db_url(cli_value: str | None, config_value: str | None) -> str:
    """Apply the documented precedence: flag, environment, config, default."""
    return cli_value or os.environ.get(DB_ENV) or config_value or DEFAULT_DB_URL


@dataclass(frozen=True)
class StoreUrl:
    """A store URL parsed once, with the forms each driver wants."""

    url: URL

    @classmethod
    def parse(cls, text: str) -> StoreUrl:
        try:
            url = make_url(text)
        except Exception as exc:  # ArgumentError: the text is not a URL at all
            raise StoreError(
                f"store URL {safe_url(text)!r} is not a database URL; "
                "use e.g. sqlite:///aimetrics.db or postgresql://user@host:5432/aimetrics"
            ) from exc
        backend = url.get_backend_name()
        if backend == "postgresql":
            # One driver for both SQLAlchemy and the benchmarks: psycopg 3.
            url = url.set(drivername="postgresql+psycopg")
        elif backend != "sqlite":
            raise StoreError(
                f"store URL {safe_url(text)!r}: unsupported database {backend!r}; "
                "aimetrics supports sqlite:///FILE and postgresql://..."
            )
        return cls(url)

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def sqlite_path(self) -> Path:
        if not self.url.database or self.url.database == ":memory:":
            raise StoreError(
                "an in-memory SQLite store cannot be shared between the collector and the "
                "dashboard; use sqlite:///FILE"
            )
        return Path(self.url.database)

    @property
    def adbc_uri(self) -> str:
        """The URI the ADBC drivers expect (a path for SQLite, libpq URI for PostgreSQL)."""
        if self.is_sqlite:
            return str(self.sqlite_path)
        url = self.url.set(drivername="postgresql")
        if "connect_timeout" not in url.query:  # the URL's own setting wins
            url = url.update_query_dict({"connect_timeout": str(CONNECT_TIMEOUT_S)})
        return url.render_as_string(hide_password=False)

    def __str__(self) -> str:
        return self.url.render_as_string(hide_password=True)


def safe_url(text: str) -> str:
    """A URL as it may appear in a message: the password hidden."""
    try:
        return make_url(text).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable URL>"


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    # WAL: readers never block the writer; busy_timeout: wait for a lock
    # instead of failing at once when two writers meet.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


CONNECT_TIMEOUT_S = 10  # PostgreSQL: seconds to wait for the server to answer a connection


def create_store_engine(url_text: str, *, must_exist: bool = False) -> sa.Engine:
    """An engine for the store, checked to be reachable (and writable for SQLite).

    ``must_exist``: for read-only users (the dashboard), a missing SQLite file
    is an error rather than silently creating an empty database.
    """
    store_url = StoreUrl.parse(url_text)
    if store_url.is_sqlite:
        path = store_url.sqlite_path
        if must_exist and not path.exists():
            raise StoreError(
                f"no store at {path}: run `aimetrics demo` or `aimetrics migrate` first"
            )
        parent = path.resolve().parent
        if not parent.is_dir():
            raise StoreError(f"cannot create the store {path}: folder {parent} does not exist")
        if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
            raise StoreError(f"cannot write the store {path}: permission denied")
        # Two SQLite libraries live in this process: Python's (under SQLAlchemy, used
        # for migrations and checks) and the one bundled with ADBC (bulk reads and
        # writes). POSIX locks are per process, so one library closing the file
        # releases the other's locks. NullPool closes SQLAlchemy's connection as soon
        # as it is returned, so the two never hold the file open at the same time;
        # everything that runs concurrently (the dashboard) reads through ADBC only.
        engine = sa.create_engine(store_url.url, poolclass=sa.pool.NullPool)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    else:
        # A server that accepts but never answers (a dead host behind a load balancer, a
        # wrong port forwarded) is an error after CONNECT_TIMEOUT_S, not a wait forever
        # (libpq's default); a connect_timeout in the URL wins.
        timeout = (
            {}
            if "connect_timeout" in store_url.url.query
            else {"connect_timeout": CONNECT_TIMEOUT_S}
        )
        engine = sa.create_engine(store_url.url, pool_pre_ping=True, connect_args=timeout)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.DBAPIError as exc:  # unreachable server, bad credentials, not a database
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StoreError(f"cannot open the store {store_url}: {reason}") from None
    return engine
