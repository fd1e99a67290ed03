"""`aimetrics forget` and raw-payload retention, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
import sqlalchemy as sa

from aimetrics.settings import Settings
from aimetrics.store import read_table, write_frames
from aimetrics.store import schema as s
from aimetrics.store.forget import UnknownPerson, forget_person
from aimetrics.store.retention import prune_raw_payloads
from aimetrics.tagging import build_ruleset, tag_store
from aimetrics.tagging.identities import resolve_identities

T = dt.datetime(2026, 5, 4, 9, tzinfo=dt.UTC)
ALICE_MAIL = "Alice.Smith@corp.example"


def _store(engine: sa.Engine) -> None:
    commits = pl.DataFrame(
        {
            "repo_id": [1, 1],
            "sha": ["a1", "b1"],
            "message": [
                "feat: x\n\nCo-authored-by: Alice Smith <Alice.Smith@corp.example>",
                "fix: y\n\nCo-Authored-By: Claude <noreply@anthropic.com>",
            ],
            "author_name": ["Alice Smith", "Bob"],
            "author_email": [ALICE_MAIL, "bob@corp.example"],
            "author_login": ["alice", "bob"],
            "authored_at": [T, T],
        }
    )
    write_frames(
        engine,
        [
            (s.repositories, pl.DataFrame({"id": [1], "full_name": ["a/b"], "source": ["git"]})),
            (
                s.pull_requests,
                pl.DataFrame(
                    {
                        "repo_id": [1],
                        "number": [1],
                        "state": ["MERGED"],
                        "author_login": ["alice"],
                        "body": ["Thanks @alice and Alice Smith"],
                        "merged_at": [T],
                        "source": ["github"],
                    }
                ),
            ),
            (s.commits, commits),
            (
                s.raw_payloads,
                pl.DataFrame(
                    {
                        "id": [1, 2],
                        "source": ["github-graphql"] * 2,
                        "scope": ["a/b"] * 2,
                        "request": ["POST /graphql"] * 2,
                        "digest": ["d1", "d2"],
                        "payload": [
                            '{"login": "alice", "email": "Alice.Smith@corp.example"}',
                            '{"login": "bob"}',
                        ],
                        "fetched_at": [T - dt.timedelta(days=200), T],
                        "normalized": [True, True],
                    }
                ),
            ),
        ],
    )
    rules = build_ruleset()
    resolve_identities(engine, rules, Settings())
    tag_store(engine, rules)


def test_forget_removes_every_trace(engine: sa.Engine) -> None:
    _store(engine)
    done = forget_person(engine, "ALICE.smith@corp.example")
    assert "alice" in done.values and "alice.smith@corp.example" in done.values
    p = done.pseudonym
    commits = read_table(engine, s.commits).sort("sha")
    assert commits.row(0, named=True)["author_login"] == p
    assert commits.row(0, named=True)["author_email"] == p
    assert commits.row(0, named=True)["author_name"] == p
    assert "Alice" not in commits["message"][0] and p in commits["message"][0]
    assert commits.row(1, named=True)["author_login"] == "bob"  # others untouched
    pr = read_table(engine, s.pull_requests).row(0, named=True)
    assert pr["author_login"] == p and "Alice Smith" not in pr["body"]
    dump = "\n".join(
        str(read_table(engine, t).to_dicts()) for t in s.metadata.sorted_tables
    ).lower()
    assert "alice" not in dump
    # The work still counts: one merged PR by one (pseudonymous) person.
    people = read_table(engine, s.people)
    assert people.filter(pl.col("login") == p).height == 1
    with pytest.raises(UnknownPerson, match="no person with the login or email"):
        forget_person(engine, "alice")


def test_prune_keeps_recent_and_unnormalized(engine: sa.Engine) -> None:
    _store(engine)
    assert prune_raw_payloads(engine, 90, now=T) == 1
    assert read_table(engine, s.raw_payloads)["id"].to_list() == [2]
