"""The Overview's figures besides spend and ROI: KPI intervals, trend, roll-outs, cycle
time, and the team map.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import polars as pl

from aimetrics.figures.cost import cost_inputs, merged_prs, work
from aimetrics.figures.delivery import CycleComparison, cycle_comparison
from aimetrics.figures.facts import Facts
from aimetrics.figures.folds import PrivacyNote, fold_of
from aimetrics.figures.measured import Measured
from aimetrics.figures.selection import selection_people
from aimetrics.figures.view import Money, View
from aimetrics.metrics.adoption import NO_TEAM, select, with_group
from aimetrics.metrics.freshness import last_collected
from aimetrics.metrics.overview import KpiUncertainty, kpi_uncertainty, rollouts, weekly_trend
from aimetrics.metrics.period import Period
from aimetrics.metrics.privacy import apply_visibility
from aimetrics.metrics.team_map import spend_by_team, team_map


@dataclass(frozen=True)
class TeamsData:
    map: pl.DataFrame  # team_map.team_map: one row per team (small ones folded)
    unattributed: float  # spend of no team (people in no team, unallocated), in the map's Other
    privacy: PrivacyNote


# What the team map reads of the PRs and the activity (and the selection and the team
# grouping before it): one row per PR and team of the whole history, so every other column
# would be copied for nothing (GBs at 1M PRs).
_TEAM_MAP_PRS = (
    "repo_id", "number", "merged_at", "author_key", "counted", "is_ai", "ai_tool", "teams",
    "repository",
)  # fmt: skip


_TEAM_MAP_ACTIVITY = ("person_key", "at", "is_ai", "ai_tool", "teams", "repository")


def _team_rows(frame: pl.LazyFrame, v: View, at: str) -> pl.LazyFrame:
    """``frame`` selected by the view, one row per team (:func:`grouped`, not collected)."""
    return with_group(select(frame, v.selection), "team", at, v.tz, v.week_start, v.selection.teams)


def teams(f: Facts, v: View, m: Money, measures: Measured) -> TeamsData:
    """The team map: spend per engineer and measured throughput change per team, on the
    uplift's own panel and adoption dates (:func:`aimetrics.figures.measured.measured`:
    under a team filter, still everyone's), so a team's change is the same number here
    and under a filter on that team."""
    fold = fold_of(f, v, "team")
    raw = (
        _team_rows(merged_prs(f).select(_TEAM_MAP_PRS), v, "merged_at")
        .select("group", "repo_id", "number", "merged_at", "author_key", "counted", "ai")
        .collect()
    )
    merged = fold.apply(raw).lazy().with_columns(pl.col("ai").alias("is_ai"))
    activity = _team_rows(f.activity.lazy().select(_TEAM_MAP_ACTIVITY), v, "at")
    activity = fold.apply(activity.select("group", "person_key", "at").collect()).lazy()
    spend = None
    unattributed = 0.0
    if not v.selection.repositories:
        per_team = spend_by_team(
            cost_inputs(f), merged_prs(f), v.period, m.currency, dict(m.rates), v.selection.tools
        ).collect()
        if v.selection.teams:
            per_team = per_team.filter(pl.col("team_slug").is_in(list(v.selection.teams)))
        unattributed = float(per_team.filter(pl.col("team_slug") == NO_TEAM)["amount"].sum())
        spend = per_team.select(pl.col("team_slug").alias("group"), "amount")
        if fold.visibility is not None:
            spend = apply_visibility(spend, fold.visibility, ["group"]).collect()
    frame = team_map(
        merged,
        activity,
        None if spend is None else spend.lazy(),
        measures.adoption.lazy(),
        v.period,
        settings=v.statistics,
        tz=v.tz,
        week_start_day=v.week_start,
        panel=measures.panel,
    )
    folded = fold.folded(raw.filter(v.period.contains("merged_at")))
    return TeamsData(frame, unattributed, PrivacyNote(v.min_group_size, folded, fold.hidden))


@dataclass(frozen=True)
class OverviewData:
    uncertainty: KpiUncertainty  # intervals of the AI-assisted share and throughput
    trend: pl.DataFrame  # weekly_trend of trend_period
    rollouts: pl.DataFrame  # rollouts: tool_id, rolled_out_on, basis
    cycle: CycleComparison  # AI-assisted / no marker: within engineer, pooled; this period
    cycle_previous: CycleComparison
    people: int  # engineers active in the selection (privacy)
    privacy: PrivacyNote  # cells hidden from the cycle-time comparison
    last_collected: dt.datetime | None


TREND_DAYS = 364  # the trend shows a year (52 weeks), so the tools' roll-outs show too


def trend_period(period: Period) -> Period:
    """The weeks the trend shows: the year up to the period's end (or the period if longer)."""
    start = min(period.start, period.end - dt.timedelta(days=TREND_DAYS))
    return Period(start, period.end, period.tz)


def overview(f: Facts, v: View) -> OverviewData:
    """The Overview's figures besides spend, ROI and the team map (see :func:`spend`, ...)."""
    merged, activity = work(f, v.selection)
    seats, plans = f.seats.lazy(), f.seat_plans.lazy()
    if v.selection.tools:
        tools = list(v.selection.tools)
        seats = seats.filter(pl.col("tool_id").is_in(tools))
        plans = plans.filter(pl.col("tool_id").is_in(tools))
    cycle, note = cycle_comparison(f, v)
    cycle_previous, _ = cycle_comparison(f, replace(v, period=v.period.previous()))
    return OverviewData(
        uncertainty=kpi_uncertainty(merged, activity, v.period, v.statistics),
        trend=weekly_trend(merged, activity, trend_period(v.period), v.week_start).collect(),
        rollouts=rollouts(seats, plans).collect(),
        cycle=cycle,
        cycle_previous=cycle_previous,
        people=selection_people(f, v),
        privacy=note,
        last_collected=last_collected(f.sync_state.lazy()).collect().item(),
    )
