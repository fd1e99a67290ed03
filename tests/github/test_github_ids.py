"""Every id column of the migrated store is 64-bit, on SQLite and PostgreSQL.

GitHub's review and pull-request ids passed 2^31 in 2024 (review 2244849547 in GitHub's
own error for the 32-bit ``databaseId``); a 32-bit column would refuse them on
PostgreSQL. Checked on the schema the migrations build, not on the declarations.
"""

from __future__ import annotations

import sqlalchemy as sa

from aimetrics.store import read_table, write_frames
from aimetrics.store import schema as s
from collectors.github.normalize import pull_frames, repository_frame

OWN_COUNTERS = {("raw_payloads", "id")}
"""The store's own row counters, never a GitHub id."""


def test_every_integer_id_column_is_64_bit(engine: sa.Engine):
    inspector = sa.inspect(engine)
    ids = {
        (table, column["name"]): column["type"]
        for table in inspector.get_table_names()
        if table != "alembic_version"
        for column in inspector.get_columns(table)
        if (column["name"] == "id" or column["name"].endswith("_id"))
        and isinstance(column["type"], sa.Integer)
    }
    assert {("reviews", "review_id"), ("repositories", "id"), ("reviews", "repo_id")} <= set(ids)
    narrow = {
        key: str(kind)
        for key, kind in ids.items()
        if key not in OWN_COUNTERS and not isinstance(kind, sa.BigInteger)
    }
    assert narrow == {}


def test_the_largest_bigint_and_todays_review_ids_round_trip(engine: sa.Engine):
    """Review ids as GitHub sends them (``BigInt`` strings): the largest a BIGINT holds, and
    one of today's, are stored and read back unchanged."""
    repo = {"databaseId": 3544490, "nameWithOwner": "PyGithub/PyGithub", "defaultBranchRef": None}
    pull = {
        "number": 1,
        "state": "OPEN",
        "labels": {"nodes": []},
        "commits": {"totalCount": 0, "nodes": []},
        "reviews": {
            "nodes": [
                {"fullDatabaseId": str(2**63 - 1), "state": "COMMENTED", "author": None},
                {"fullDatabaseId": "2244849547", "state": "APPROVED", "author": None},
            ]
        },
    }
    write_frames(engine, [(s.repositories, repository_frame(repo)), *pull_frames(3544490, [pull])])
    assert sorted(read_table(engine, s.reviews)["review_id"].to_list()) == [2244849547, 2**63 - 1]
