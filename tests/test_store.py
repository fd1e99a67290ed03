"""The store on real SQLite and real PostgreSQL: migrations, upserts, typed round trips."""

from __future__ import annotations

import datetime as dt
import sqlite3

import polars as pl
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from polars.testing import assert_frame_equal

from aimetrics.errors import SchemaOutdated, StoreError
from aimetrics.store import (
    Replace,
    check_current,
    create_store_engine,
    read_table,
    upgrade,
    write_frames,
)
from aimetrics.store import schema as s
from aimetrics.store.migrate import current_revision, head_revision
from aimetrics.store.types import table_schema

UTC = dt.UTC


def test_migrate_from_empty(store_url: str) -> None:
    engine = create_store_engine(store_url)
    with pytest.raises(SchemaOutdated, match="aimetrics migrate"):
        check_current(engine)
    before, after = upgrade(engine)
    assert (before, after) == (None, head_revision())
    assert current_revision(engine) == head_revision()
    check_current(engine)
    # Running it again is a no-op.
    assert upgrade(engine) == (head_revision(), head_revision())
    tables = set(sa.inspect(engine).get_table_names())
    assert {t.name for t in s.metadata.sorted_tables} <= tables
    engine.dispose()


def test_migrations_match_declared_schema(engine: sa.Engine) -> None:
    """The migrated database and schema.py describe the same tables and columns."""
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), s.metadata)
    assert diff == []


def test_sqlite_store_uses_wal(sqlite_url: str) -> None:
    engine = create_store_engine(sqlite_url)
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def _prs(title: str) -> pl.DataFrame:
    t = dt.datetime(2026, 3, 2, 10, 30, 15, 123456, tzinfo=UTC)
    return pl.DataFrame(
        {
            "repo_id": [7, 7],
            "number": [1, 2],
            "title": [title, "second"],
            "body": ["body with 'quotes' and ünïcode 🤖", None],
            "state": ["MERGED", "OPEN"],
            "is_draft": [False, True],
            "author_login": ["alice", None],
            "author_type": ["User", None],
            "created_at": [t, t + dt.timedelta(days=1)],
            "merged_at": [t + dt.timedelta(hours=5), None],
            "additions": [10, 0],
            "source": ["demo", "demo"],
        }
    )


def _repo() -> pl.DataFrame:
    return pl.DataFrame(
        {"id": [7], "full_name": ["acme/api"], "source": ["demo"], "is_fork": [False]}
    )


def test_upsert_is_idempotent_and_updates(engine: sa.Engine) -> None:
    write_frames(engine, [(s.repositories, _repo()), (s.pull_requests, _prs("first"))])
    write_frames(engine, [(s.repositories, _repo()), (s.pull_requests, _prs("first"))])
    assert read_table(engine, s.pull_requests).height == 2
    write_frames(engine, [(s.pull_requests, _prs("renamed"))])
    got = read_table(engine, s.pull_requests).sort("number")
    assert got["title"].to_list() == ["renamed", "second"]


def test_round_trip_keeps_types_and_values(engine: sa.Engine) -> None:
    write_frames(engine, [(s.repositories, _repo()), (s.pull_requests, _prs("first"))])
    got = read_table(engine, s.pull_requests).sort("number")
    assert got.schema == pl.Schema(table_schema(s.pull_requests))
    expected = (
        _prs("first")
        .select(got.columns[i] for i in range(got.width) if got.columns[i] in _prs("x").columns)
        .with_columns(pl.col("repo_id", "number", "additions").cast(pl.Int64))
    )
    assert_frame_equal(got.select(expected.columns), expected)
    # Defaults from the schema apply to columns the frame did not carry.
    assert got["is_draft"].to_list() == [False, True]
    assert got["ready_at"].null_count() == 2


def test_dates_floats_and_booleans_round_trip(engine: sa.Engine) -> None:
    write_frames(engine, [(s.ai_tools, pl.DataFrame({"id": ["cursor"], "name": ["Cursor"]}))])
    plans = pl.DataFrame(
        {
            "tool_id": ["cursor"],
            "plan": ["business"],
            "valid_from": [dt.date(2026, 2, 15)],
            "valid_to": [None],
            "seats": [12],
            "price_per_seat_month": [40.25],
            "currency": ["USD"],
            "source": ["config"],
        },
        schema_overrides={"valid_to": pl.Date},
    )
    write_frames(engine, [(s.seat_plans, plans)])
    got = read_table(engine, s.seat_plans)
    assert_frame_equal(got, plans.with_columns(pl.col("seats").cast(pl.Int64)))


def test_failed_write_leaves_store_unchanged(engine: sa.Engine) -> None:
    write_frames(engine, [(s.repositories, _repo()), (s.pull_requests, _prs("first"))])
    orphan = pl.DataFrame({"repo_id": [999], "pr_number": [1], "sha": ["abc"]})
    with pytest.raises(StoreError, match="writing to the store"):
        write_frames(
            engine,
            [(s.pull_requests, _prs("changed")), (s.pull_request_commits, orphan)],
            replace=[Replace(s.pull_requests)],
        )
    assert read_table(engine, s.pull_requests).sort("number")["title"].to_list() == [
        "first",
        "second",
    ]


def test_replace_scoped_by_condition(engine: sa.Engine) -> None:
    repos = pl.DataFrame({"id": [1, 2], "full_name": ["a/x", "a/y"], "source": ["git", "git"]})
    write_frames(engine, [(s.repositories, repos)])
    write_frames(
        engine,
        [(s.repositories, repos.filter(pl.col("id") == 2))],
        replace=[Replace(s.repositories, s.repositories.c.id == 2)],
    )
    assert sorted(read_table(engine, s.repositories)["id"].to_list()) == [1, 2]


def test_unwritable_and_bad_urls_are_clear(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(StoreError, match=r"folder .* does not exist"):
        create_store_engine(f"sqlite:///{tmp_path / 'missing' / 'x.db'}")
    with pytest.raises(StoreError, match="unsupported database 'mysql'"):
        create_store_engine("mysql://root@localhost/x")
    with pytest.raises(StoreError, match="not a database URL"):
        create_store_engine("not a url")
    with pytest.raises(StoreError, match=r"cannot open the store postgresql\+psycopg://u:\*\*\*@"):
        create_store_engine("postgresql://u:secret-pw@127.0.0.1:1/nodb")


def test_not_a_database_file_is_clear(tmp_path) -> None:  # type: ignore[no-untyped-def]
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot open the store"):
        engine = create_store_engine(f"sqlite:///{junk}")
        upgrade(engine)
    assert junk.read_bytes().startswith(b"this is not sqlite")
    assert sqlite3.sqlite_version  # the stdlib driver is what SQLAlchemy uses


def test_a_column_empty_in_the_first_rows_reads_on_sqlite(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """ADBC's SQLite driver guesses types from the first rows it reads: commits from a git
    clone (no logins) stored before GitHub's (with logins) must still read, whole or in parts."""
    from aimetrics.store import Snapshot

    engine = create_store_engine(f"sqlite:///{tmp_path / 'store.db'}")
    upgrade(engine)
    n = 3000
    repos = pl.DataFrame({"id": [1], "full_name": ["a/b"], "source": ["git"]})
    commits = pl.DataFrame(
        {
            "repo_id": [1] * n,
            "sha": [f"{i:040x}" for i in range(n)],
            "author_login": [None if i < 2000 else f"dev{i}" for i in range(n)],
        }
    )
    write_frames(engine, [(s.repositories, repos), (s.commits, commits)])
    whole = read_table(engine, s.commits, columns=["sha", "author_login"])
    assert whole["author_login"].drop_nulls().len() == 1000
    schema = table_schema(s.commits, ["sha", "author_login"])
    stmt = sa.select(s.commits.c.sha, s.commits.c.author_login)
    with Snapshot(engine) as snap:
        parts = list(snap.batches(stmt, schema, rows=500))
    assert [p.height for p in parts] == [500] * 6
    assert pl.concat(parts).sort("sha").equals(whole.sort("sha"))
