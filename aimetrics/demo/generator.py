"""``generate``: the whole demo organization, deterministic for its arguments."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl
import sqlalchemy as sa

from aimetrics.demo import (
    activity,
    ai_lines,
    commits,
    costs,
    frames,
    markers,
    pr_params,
    reviews,
    texts,
    throughput,
    vendor_usage,
)
from aimetrics.demo.org import ORG_NAME, build_org
from aimetrics.demo.timeline import Timeline
from aimetrics.demo.truth import DemoTruth, build_truth, commit_facts

DEFAULT_THROUGHPUT_EFFECT = 1.20
DEFAULT_CYCLE_TIME_EFFECT = 0.80


@dataclass(frozen=True, eq=False)
class DemoOrg:
    """The generated organization: store frames in foreign-key order, and the truth."""

    name: str
    frames: list[tuple[sa.Table, pl.DataFrame]]
    truth: DemoTruth

    def frame(self, table: str | sa.Table) -> pl.DataFrame:
        name = table if isinstance(table, str) else table.name
        for t, f in self.frames:
            if t.name == name:
                return f
        raise KeyError(f"the demo has no frame for table {name!r}")

    def row_counts(self) -> dict[str, int]:
        return {t.name: f.height for t, f in self.frames}


def generate(
    seed: int = 42,
    end_date: dt.date | None = None,
    scale: float = 1.0,
    *,
    throughput_effect: float = DEFAULT_THROUGHPUT_EFFECT,
    cycle_time_effect: float = DEFAULT_CYCLE_TIME_EFFECT,
    now: dt.datetime | None = None,
) -> DemoOrg:
    """The demo organization for the 12 months ending at the end of ``end_date`` or,
    without one, at ``now`` (default: the clock), as a store collected at that moment
    would be: nothing in it is dated after ``now``.

    Pure: the same arguments give identical frames (pass ``now`` for that without an
    ``end_date``). ``scale`` multiplies teams, engineers and repositories (scale 1:
    6 teams, 76 engineers, 40 repositories, about 13k PRs; scale 100: about 1.2M PRs).

    ``throughput_effect`` and ``cycle_time_effect`` are the effects of AI in the typical
    teams; the other teams' follow from them (``org.effects``; docs/demo.md, "The
    organization"): the truth has each team's (``DemoTruth.team_effects``) and the
    organization's mix (``org_throughput_effect``, ``org_cycle_time_effect``).
    """
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    if throughput_effect <= 0 or cycle_time_effect <= 0:
        raise ValueError("effects are multiplicative factors and must be positive")
    if end_date is not None:
        timeline = Timeline.ending(end_date)
    else:
        timeline = Timeline.ending_at(now or dt.datetime.now(dt.UTC))
    # One independent stream per stage: changing one stage leaves the others' draws alone.
    # Later streams (the git-ai notes' ninth, the vendor usage's tenth) leave the first eight
    # as they were: SeedSequence children are fixed by their index.
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(10)]
    rng_org, rng_rates, rng_prs, rng_text, rng_reviews, rng_commits, rng_costs, rng_out = streams[
        :8
    ]
    rng_lines, rng_vendor = streams[8], streams[9]

    org = build_org(rng_org, timeline, scale, throughput_effect, cycle_time_effect)
    rates = throughput.weekly_rates(rng_rates, org)
    prs = activity.build_pull_requests(rng_prs, org, rates)
    prs = texts.add_texts(rng_text, org, prs)
    review_rows, prs = reviews.build_reviews(rng_reviews, org, prs)
    built = commits.build_commits(rng_commits, org, prs)
    prs = prs.join(built.merge_sha, on=["repo_id", "number"], how="left")
    facts = commit_facts(built.frame)
    commit_rows = frames.commit_rows(org, built)
    line_rows = ai_lines.line_evidence(rng_lines, org, built.frame, scale)
    vendor_rows = vendor_usage.vendor_usage(rng_vendor, org, prs, built.frame)
    links = built.links
    del built  # the unsorted commit texts: free them before the rest is built
    seats = costs.seat_assignments(rng_costs, org)

    store_frames = frames.schema_frames(
        repositories=frames.repositories(org),
        pull_requests=frames.pull_requests(rng_out, org, prs),
        labels=texts.labels(prs),
        commits=commit_rows,
        links=links,
        reviews=frames.reviews(review_rows),
        people=frames.people(org),
        identities=frames.identities(org),
        teams=frames.teams(org),
        memberships=frames.team_memberships(org),
        tools=costs.ai_tools(),
        plans=costs.seat_plans(seats),
        seats=seats,
        costs=costs.cost_records(rng_costs, org, seats),
        usage=costs.copilot_usage(rng_costs, org, seats),
        ai_lines=line_rows,
        vendor_usage=vendor_rows,
    )
    truth = build_truth(
        seed=seed,
        scale=scale,
        throughput_effect=throughput_effect,
        cycle_time_effect=cycle_time_effect,
        org=org,
        rates=rates,
        prs=prs,
        commits=facts,
        parameters=_parameters(),
    )
    return DemoOrg(ORG_NAME, store_frames, truth)


def _parameters() -> dict[str, float]:
    """The documented knobs, recorded with the truth."""
    return {
        "base_rate_median": throughput.BASE_RATE_MEDIAN,
        "base_rate_sigma": throughput.BASE_RATE_SIGMA,
        "week_noise_sigma": throughput.WEEK_NOISE_SIGMA,
        "org_week_sigma": throughput.ORG_WEEK_SIGMA,
        "vacation_weeks": throughput.VACATION_WEEKS,
        "vacation_factor": throughput.VACATION_FACTOR,
        "cycle_factor_sigma": throughput.CYCLE_FACTOR_SIGMA,
        "size_cycle_elasticity": pr_params.SIZE_CYCLE_ELASTICITY,
        "ai_pr_size_factor": pr_params.AI_PR_SIZE_FACTOR,
        "closed_per_merged": pr_params.CLOSED_PER_MERGED,
        "revert_share": pr_params.REVERT_SHARE,
        "agent_rate": pr_params.AGENT_RATE,
        "p_mark_copilot_label": markers.P_MARK_COPILOT_LABEL,
        "p_mark_claude": markers.P_MARK_CLAUDE,
        "p_mark_cursor": markers.P_MARK_CURSOR,
        "p_claude_web": markers.P_CLAUDE_WEB,
        "p_cursor_agent": markers.P_CURSOR_AGENT,
        "p_copilot_suggestion": markers.P_COPILOT_SUGGESTION,
    }
