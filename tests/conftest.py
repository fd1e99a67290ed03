"""Shared fixtures: real SQLite files and a real PostgreSQL database per test session."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from aimetrics.store import create_store_engine, upgrade

from samples import reset_pg

PG_ENV = "AIMETRICS_TEST_PG_URL"


@pytest.fixture(scope="session", autouse=True)
def _disk_cache_of_the_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The dashboard's disk cache (aimetrics.figures.disk_cache) in this session's temporary
    folder, for the app in this process and every server a test starts: never the user's."""
    before = os.environ.get("AIMETRICS_CACHE_DIR")
    os.environ["AIMETRICS_CACHE_DIR"] = str(tmp_path_factory.mktemp("aimetrics-cache"))
    yield
    if before is None:
        os.environ.pop("AIMETRICS_CACHE_DIR", None)
    else:
        os.environ["AIMETRICS_CACHE_DIR"] = before


def _pg_admin_url() -> str | None:
    url = os.environ.get(PG_ENV)
    if url:
        return url
    if os.environ.get("CI"):
        pytest.fail(f"{PG_ENV} is not set: in CI the PostgreSQL tests must run, not skip")
    return None


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    admin = _pg_admin_url()
    if admin is None:
        pytest.skip(f"PostgreSQL tests skipped: set {PG_ENV}=postgresql://user@host:port/db")
    name = f"aimetrics_test_{uuid.uuid4().hex[:10]}"
    admin_engine = sa.create_engine(
        sa.make_url(admin).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin_engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL at {PG_ENV} not reachable: {exc.orig}")
    url = sa.make_url(admin).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin_engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin_engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    """An empty store URL, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    url = request.getfixturevalue("pg_database_url")
    reset_pg(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path) -> str:  # type: ignore[no-untyped-def]
    return f"sqlite:///{tmp_path / 'store.db'}"


@pytest.fixture
def engine(store_url: str) -> Iterator[sa.Engine]:
    """A migrated store engine (both backends)."""
    eng = create_store_engine(store_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def demo_store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo organization at scale 0.3 as `aimetrics demo` builds it (load, resolve
    identities, tag), shared read-only by the report and export tests."""
    from samples import DEMO_END, build_demo_store

    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'store.db'}"
    return build_demo_store(url, scale=0.3, end_date=DEMO_END)


# The facts of the shared demo store and the default period, for the modules that use it:
# each defines its own ``settings`` fixture (module scope), which these read.
@pytest.fixture(scope="module")
def facts(demo_store_url: str, settings):  # type: ignore[no-untyped-def]
    from samples import store_facts

    return store_facts(demo_store_url, settings)


@pytest.fixture(scope="module")
def period(facts):  # type: ignore[no-untyped-def]
    """The default period: the 90 days up to the latest merged PR."""
    from aimetrics.metrics.period import Period

    return Period.ending_at(facts.prs["merged_at"].max(), "UTC")
