"""``load``: write a generated demo into the store in one transaction, replacing the last one."""

from __future__ import annotations

import datetime as dt

import polars as pl
import sqlalchemy as sa

from aimetrics.demo.generator import (
    DEFAULT_CYCLE_TIME_EFFECT,
    DEFAULT_THROUGHPUT_EFFECT,
    generate,
)
from aimetrics.demo.org import ORG_NAME
from aimetrics.store import Replace, write_frames
from aimetrics.store import schema as s

DEMO = "demo"


def demo_replacements() -> list[Replace]:
    """Deletes of everything a previous demo wrote, children before parents.

    Demo rows are recognized by ``source = 'demo'`` (repositories, teams,
    identities, seats, plans), by belonging to a demo repository (PRs, commits,
    links, reviews, labels, and AI tags computed on them), by the ``demo:``
    cost-record and vendor-usage keys and the demo organization's Copilot usage rows. People have
    no source column: once the demo identities and memberships are gone, the
    people left without any identity or membership are removed.
    """
    demo_repos = sa.select(s.repositories.c.id).where(s.repositories.c.source == DEMO)
    demo_teams = sa.select(s.teams.c.slug).where(s.teams.c.source == DEMO)
    demo_people = sa.select(s.identities.c.person_id).where(s.identities.c.source == DEMO)
    by_repo = [
        Replace(t, t.c.repo_id.in_(demo_repos))
        for t in (
            s.ai_tags,
            s.commit_ai_lines,
            s.pull_request_labels,
            s.pull_request_commits,
            s.reviews,
            s.pull_requests,
            s.commits,
        )
    ]
    orphans = sa.and_(
        s.people.c.id.not_in(sa.select(s.identities.c.person_id)),
        s.people.c.id.not_in(sa.select(s.team_memberships.c.person_id)),
    )
    return [
        *by_repo,
        Replace(s.repositories, s.repositories.c.source == DEMO),
        Replace(
            s.team_memberships,
            sa.or_(
                s.team_memberships.c.team_slug.in_(demo_teams),
                s.team_memberships.c.person_id.in_(demo_people),
            ),
        ),
        Replace(s.teams, s.teams.c.source == DEMO),
        Replace(s.identities, s.identities.c.source == DEMO),
        Replace(s.people, orphans),
        Replace(s.seat_assignments, s.seat_assignments.c.source == DEMO),
        Replace(s.seat_plans, s.seat_plans.c.source == DEMO),
        Replace(s.cost_records, s.cost_records.c.record_key.startswith("demo:")),
        Replace(s.copilot_usage, s.copilot_usage.c.owner == ORG_NAME),
        Replace(s.vendor_usage, s.vendor_usage.c.record_key.startswith("demo:")),
    ]


def load(
    engine: sa.Engine,
    seed: int = 42,
    end_date: dt.date | None = None,
    scale: float = 1.0,
    *,
    throughput_effect: float = DEFAULT_THROUGHPUT_EFFECT,
    cycle_time_effect: float = DEFAULT_CYCLE_TIME_EFFECT,
) -> dict[str, int]:
    """Generate the demo and write it, replacing any previous demo; rows written per table.

    Idempotent: the same arguments (with an ``end_date``) leave the same rows. Without one
    the demo ends at the moment it is built. Also records a
    ``sync_state`` row (source 'demo') so the dashboard shows when data was loaded.
    """
    started = dt.datetime.now(dt.UTC)
    org = generate(
        seed,
        end_date,
        scale,
        throughput_effect=throughput_effect,
        cycle_time_effect=cycle_time_effect,
        now=started,  # without an end date the demo ends as it is built: nothing after this
    )
    truth = org.truth
    sync = pl.DataFrame(
        {
            "source": [DEMO],
            "scope": [org.name],
            "cursor": [None],
            "status": ["complete"],
            "detail": [
                f"seed={truth.seed} end_date={truth.end_date.isoformat()} scale={truth.scale:g}"
            ],
            "started_at": [started],
            "finished_at": [dt.datetime.now(dt.UTC)],
        },
        schema_overrides={"cursor": pl.String},
    )
    # SQLite: the driver module and ADBC link different SQLite libraries; a pooled
    # sqlite3 connection kept open across an ADBC write can read stale pages
    # ("database disk image is malformed"). Close the pool around the write.
    engine.dispose()
    try:
        return write_frames(
            engine, [*org.frames, (s.sync_state, sync)], replace=demo_replacements()
        )
    finally:
        engine.dispose()
