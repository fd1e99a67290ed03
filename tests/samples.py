"""A small hand-made store: five PRs with real markers, a bot, a label and an AI review."""

from __future__ import annotations

import datetime as dt

import polars as pl
import sqlalchemy as sa

from aimetrics.store import schema as s
from aimetrics.store import write_frames

T0 = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)
CLAUDE = "Co-Authored-By: Claude <noreply@anthropic.com>"


def seed_small_store(engine: sa.Engine) -> None:
    repos = pl.DataFrame({"id": [1], "full_name": ["acme/api"], "source": ["demo"]})
    prs = pl.DataFrame(
        {
            "repo_id": [1, 1, 1, 1, 1],
            "number": [1, 2, 3, 4, 5],
            "state": ["MERGED"] * 5,
            "author_login": ["alice", "Copilot", "bob", "dependabot[bot]", "carol"],
            "author_type": ["User", "Bot", "User", "Bot", "User"],
            "head_ref": ["feat/a", "copilot/fix-x", "feat/b", "dependabot/npm/x", "feat/c"],
            "body": ["", "", "", "Bumps x", ""],
            "merged_at": [T0] * 5,
            "source": ["demo"] * 5,
        }
    )
    commits = pl.DataFrame(
        {
            "repo_id": [1] * 5,
            "sha": ["a1", "a2", "b1", "c1", "d1"],
            "message": [f"feat: a\n\n{CLAUDE}", "test: a", "fix: x", "fix: b", "chore: bump"],
            "author_email": ["alice@acme.example"] * 2
            + ["198982749+Copilot@users.noreply.github.com", "bob@acme.example", "x@y"],
            "author_login": ["alice", "alice", "Copilot", "bob", "dependabot[bot]"],
            "authored_at": [T0] * 5,
        }
    )
    links = pl.DataFrame(
        {"repo_id": [1] * 5, "pr_number": [1, 1, 2, 3, 4], "sha": ["a1", "a2", "b1", "c1", "d1"]}
    )
    labels = pl.DataFrame({"repo_id": [1], "pr_number": [5], "label": ["ai-assisted"]})
    reviews = pl.DataFrame(
        {
            "repo_id": [1, 1],
            "review_id": [10, 11],
            "pr_number": [3, 3],
            "reviewer_login": ["copilot-pull-request-reviewer[bot]", "alice"],
            "state": ["COMMENTED", "APPROVED"],
            "submitted_at": [T0, T0],
        }
    )
    write_frames(
        engine,
        [
            (s.repositories, repos),
            (s.pull_requests, prs),
            (s.pull_request_labels, labels),
            (s.commits, commits),
            (s.pull_request_commits, links),
            (s.reviews, reviews),
        ],
    )


def reset_pg(url: str) -> None:
    """Empty a PostgreSQL test database (drop and recreate the public schema)."""
    engine = sa.create_engine(sa.make_url(url).set(drivername="postgresql+psycopg"))
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


DEMO_END = dt.date(2025, 6, 30)  # the demo stores' last day in the tests


def build_demo_store(url: str, *, scale: float, end_date, demo_config: bool = True) -> str:  # type: ignore[no-untyped-def]
    """The demo organization as `aimetrics demo` builds it: load, resolve identities, tag.

    ``demo_config``: use the demo's own configuration (its team label rule), as
    `aimetrics demo` does without --config; else the built-in defaults."""
    from aimetrics.demo import load
    from aimetrics.settings import load_settings
    from aimetrics.store import create_store_engine, upgrade
    from aimetrics.tagging import ruleset_from_settings, tag_store
    from aimetrics.tagging.identities import resolve_identities
    from aimetrics.tagging.rules import shipped_config

    engine = create_store_engine(url)
    upgrade(engine)
    load(engine, seed=42, end_date=end_date, scale=scale)
    settings = load_settings(shipped_config("demo.yaml") if demo_config else None)
    rules = ruleset_from_settings(settings)
    resolve_identities(engine, rules, settings)
    tag_store(engine, rules)
    engine.dispose()
    return url


def store_facts(url: str, settings):  # type: ignore[no-untyped-def]
    """``load_facts`` of the store at ``url`` (its engine disposed afterwards)."""
    from aimetrics.exports.figures import load_facts
    from aimetrics.store import create_store_engine

    engine = create_store_engine(url)
    try:
        return load_facts(engine, settings)
    finally:
        engine.dispose()
