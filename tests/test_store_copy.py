"""`aimetrics migrate-store`: a whole store copied SQLite → PostgreSQL → SQLite without loss."""

from __future__ import annotations

import datetime as dt

import pytest
from polars.testing import assert_frame_equal

from aimetrics import demo
from aimetrics.store import create_store_engine, upgrade
from aimetrics.store import schema as s
from aimetrics.store.copy import copy_store, table_digest
from aimetrics.store.version import read_version
from aimetrics.tagging import build_ruleset, tag_store

from samples import reset_pg


@pytest.mark.postgres
def test_copy_round_trip_is_lossless(tmp_path, pg_database_url: str) -> None:  # type: ignore[no-untyped-def]
    first = create_store_engine(f"sqlite:///{tmp_path / 'first.db'}")
    upgrade(first)
    demo.load(first, seed=5, end_date=dt.date(2026, 6, 30), scale=0.15)
    tag_store(first, build_ruleset())

    reset_pg(pg_database_url)
    pg = create_store_engine(pg_database_url)
    upgrade(pg)
    counts = copy_store(first, pg)
    assert counts["pull_requests"] > 500 and counts["ai_tags"] > 50

    back = create_store_engine(f"sqlite:///{tmp_path / 'back.db'}")
    upgrade(back)
    copy_store(pg, back)
    for table in s.metadata.sorted_tables:
        if table is s.store_version:  # each store's own identity and write counter
            continue
        original = table_digest(first, table)
        assert_frame_equal(table_digest(pg, table), original, check_exact=True)
        assert_frame_equal(table_digest(back, table), original, check_exact=True)
    # The copies are stores of their own whose version the copy's writes moved.
    tokens = [str(read_version(e)) for e in (first, pg, back)]
    assert len({t.split(".")[0] for t in tokens}) == 3
    assert int(tokens[2].split(".")[1]) > 1
    # A re-run (after an interruption, say) changes nothing.
    copy_store(first, pg)
    assert_frame_equal(table_digest(pg, s.commits), table_digest(first, s.commits))
