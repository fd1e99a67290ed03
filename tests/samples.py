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
    from aimetrics.figures.facts import load_facts_for
    from aimetrics.store import create_store_engine

    engine = create_store_engine(url)
    try:
        return load_facts_for(engine, settings)
    finally:
        engine.dispose()


def evidence_users(facts, selection, period, tz: str = "UTC"):  # type: ignore[no-untyped-def]
    """The ``person_key`` of the AI users of ``period`` in ``selection`` straight from the
    metric functions (the evidence of the selected tools, people active in the selection)."""
    from aimetrics.metrics.adoption import select
    from aimetrics.metrics.evidence import ai_users

    ev = facts.evidence.lazy()
    if selection.tools:
        ev = ev.filter(pl.col("tool_id").is_in(list(selection.tools)))
    activity = select(facts.activity.lazy(), selection).with_columns(pl.col("ai").alias("is_ai"))
    return ai_users(ev, activity, period, tz).filter("ai_user").select("person_key")


def roi_of(uplift, merged, adoption, facts, period, roi):  # type: ignore[no-untyped-def]
    """Both ROI methods of ``period`` straight from the metric functions (the figures' path:
    spend lines in ``roi.currency``, post-adoption PRs, AI users, ``facts.roi``)."""
    from aimetrics.figures.cost import RoiParts
    from aimetrics.figures.cost import roi as both_methods
    from aimetrics.metrics.adoption import Selection
    from aimetrics.metrics.cost.lines import spend_lines
    from aimetrics.metrics.cost.spend import spend_total
    from aimetrics.metrics.evidence import ai_users
    from aimetrics.metrics.overview import select_work
    from aimetrics.metrics.roi import post_adoption_prs

    seats = facts.seats.lazy()
    lines = spend_lines(facts.seat_plans.lazy(), facts.cost_records.lazy(), period, seats)
    row = spend_total(lines, roi.currency).collect().row(0, named=True)
    parts = RoiParts(
        period=period,
        spend=row["spend"],
        other_currencies=tuple(row["other_currencies"]),
        post_adoption_prs=post_adoption_prs(merged, adoption, period),
        ai_users=int(
            ai_users(
                facts.evidence.lazy(),
                select_work(facts.prs.lazy(), facts.activity.lazy(), Selection())[1],
                period,
            )
            .collect()["ai_user"]
            .sum()
        ),
    )
    return both_methods(parts, uplift, roi)


def frames_facts(frame, tags, bots=(), min_confidence: str = "medium", tz: str = "UTC"):  # type: ignore[no-untyped-def]
    """``(prs, activity, directory)`` of in-memory store frames (``frame(name)``, e.g. the
    demo's ``org.frame``) as :func:`aimetrics.figures.facts.load_facts` builds them from a
    store: PR facts with cycle spans (``Facts.prs``), engineer activity (``Facts.activity``)
    and the person directory, collected."""
    import polars as pl

    from aimetrics.metrics.delivery import (
        ai_review_ids,
        cycle_spans,
        first_commits,
        review_summary,
    )
    from aimetrics.metrics.people import person_directory
    from aimetrics.metrics.work_facts import (
        commit_facts,
        contributor_activity,
        memberships_by_person,
        pr_facts,
    )
    from aimetrics.tagging import commit_flags, pr_flags

    tags = tags.lazy()
    prs, links = frame("pull_requests").lazy(), frame("pull_request_commits").lazy()
    commits, reviews = frame("commits").lazy(), frame("reviews").lazy()
    people, repos = frame("people").lazy(), frame("repositories").lazy()
    directory = person_directory(people, frame("identities").lazy()).collect()
    members = memberships_by_person(frame("team_memberships").lazy(), people)
    key = ["repo_id", "number"]
    flags = pr_flags(
        prs, links, tags, min_confidence, reviews=reviews,
        bot_logins=[b for b in bots if "@" not in b],
    )  # fmt: skip
    base = pr_facts(prs, flags, directory.lazy(), repos, members, tz, (), bots)
    summary = review_summary(
        reviews, ai_review_ids(tags, min_confidence), base, directory.lazy(), bots
    )
    pr_frame = cycle_spans(
        base.join(first_commits(links, commits), on=key, how="left").join(
            summary, on=key, how="left"
        )
    ).collect()
    branch = commits.filter(pl.col("on_default_branch").fill_null(False))
    commit_frame = commit_facts(
        branch, commit_flags(branch, tags, min_confidence), directory.lazy(), repos, members,
        tz, (), bots,
    )  # fmt: skip
    activity = contributor_activity(pr_frame.lazy(), commit_frame).collect()
    return pr_frame, activity, directory
