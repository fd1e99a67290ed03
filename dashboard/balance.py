"""Cached loaders of the Overview and Cost & ROI pages: spend against value.

They start from the same :class:`dashboard.data.Facts` as every page, apply the
view's filters with :func:`aimetrics.metrics.overview.select_work`, and call the
metric functions; nothing here computes a figure of its own. The measured uplift
(a bootstrap over the whole history) does not depend on the period, so it is
cached apart: changing the period or the ROI calculator's inputs never reruns it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import polars as pl
import streamlit as st

from aimetrics.metrics.adoption import AI_GROUP, NO_TEAM, Selection, seat_utilization, select_seats
from aimetrics.metrics.cost import idle_seat_cost, idle_seats
from aimetrics.metrics.freshness import last_collected
from aimetrics.metrics.overview import (
    CostInputs,
    KpiUncertainty,
    kpi_uncertainty,
    period_figures,
    rollouts,
    select_work,
    selected_spend,
    spend_by_team,
    team_map,
    weekly_trend,
)
from aimetrics.metrics.period import Period
from aimetrics.metrics.privacy import apply_visibility
from aimetrics.metrics.roi import (
    Roi,
    ai_active_users,
    assumed_roi,
    measured_roi,
    post_adoption_prs,
    rates_into,
)
from aimetrics.metrics.stats import Comparison, compare_medians
from aimetrics.metrics.uplift import Uplift, adoption_dates, throughput_uplift
from aimetrics.settings import RoiSettings, Settings, StatisticsSettings
from dashboard.components import PrivacyNote
from dashboard.data import (
    DATA_TTL_SECONDS,
    MODEL_HASH,
    Facts,
    Scope,
    View,
    compared,
    facts,
    fold_of,
    grouped,
    reporting_rates,
    selection_people,
    view_facts,
)

_HASH = {**MODEL_HASH, RoiSettings: lambda r: r.model_dump_json()}


@dataclass(frozen=True)
class Money:
    """What the money figures depend on: reporting currency, exchange rates, ROI settings."""

    currency: str
    rates: tuple[tuple[str, float], ...]
    roi: RoiSettings

    @property
    def roi_rates(self) -> dict[str, float]:
        """Exchange rates into the ROI currency (``roi.currency``)."""
        return rates_into(self.roi.currency, self.currency, dict(self.rates))


def money(settings: Settings) -> Money:
    return Money(settings.reporting.currency, reporting_rates(settings), settings.roi)


def cost_inputs(f: Facts) -> CostInputs:
    """Where spend comes from: seat plans, cost records and seats (store + configuration)."""
    return CostInputs(
        f.seat_plans.lazy(),
        f.cost_records.lazy(),
        f.seats.lazy(),
        f.memberships.lazy().rename({"team": "team_slug"}),
        f.directory.lazy(),
    )


def _merged(f: Facts) -> pl.LazyFrame:
    return f.prs.lazy().filter(pl.col("merged_at").is_not_null())


def _work(f: Facts, selection: Selection) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    return select_work(f.prs.lazy(), f.activity.lazy(), selection)


def _seats(f: Facts, selection: Selection, period: Period) -> pl.LazyFrame:
    """The selection's seats: of the selected tools, held by members of the selected teams."""
    return select_seats(f.seats.lazy(), f.memberships.lazy(), selection, period)


# --- measured uplift: the whole history, cached apart from the period ---------------------


@dataclass(frozen=True)
class Measured:
    adoption: pl.DataFrame  # adoption_dates: person_key, adopted_on, basis
    uplift: Uplift  # throughput_uplift of the selection


@st.cache_data(ttl=DATA_TTL_SECONDS, show_spinner="Measuring the uplift…", hash_funcs=_HASH)
def measured(
    scope: Scope,
    selection: Selection,
    tz: str,
    week_start: str,
    statistics: StatisticsSettings,
    show_individuals: bool,
) -> Measured:
    """Adoption dates and the throughput uplift of the selection (all its history)."""
    f = facts(scope, tz, show_individuals)
    merged, activity = _work(f, selection)
    seats = f.seats.lazy()
    if selection.tools:
        seats = seats.filter(pl.col("tool_id").is_in(list(selection.tools)))
    adoption = adoption_dates(merged, seats, f.directory.lazy(), tz).collect()
    uplift = throughput_uplift(
        merged, activity, adoption.lazy(), settings=statistics, tz=tz, week_start_day=week_start
    )
    return Measured(adoption, uplift)


def view_measured(v: View) -> Measured:
    return measured(v.scope, v.selection, v.tz, v.week_start, v.statistics, v.show_individuals)


# --- ROI: the parts that depend on the period, and both methods ---------------------------


@dataclass(frozen=True)
class RoiParts:
    """What ROI needs besides the uplift and the assumptions, for one period."""

    period: Period
    spend: float | None  # AI spend of the selection in roi.currency (None: not attributable)
    other_currencies: tuple[str, ...]
    post_adoption_prs: int
    ai_active_users: int


@st.cache_data(ttl=DATA_TTL_SECONDS, show_spinner=False, hash_funcs=_HASH)
def roi_parts(v: View, m: Money, period: Period) -> RoiParts:
    """Spend, post-adoption PRs and AI-active users of the view's selection in ``period``."""
    f = view_facts(v)
    merged, activity = _work(f, v.selection)
    if m.roi.currency == m.currency and period in (v.period, v.period.previous()):
        # The same figure the page shows (and already computed).
        label = "current" if period == v.period else "previous"
        figures = spend(v, m).figures.filter(pl.col("period") == label)
    else:
        figures = period_figures(
            merged, activity, cost_inputs(f), period, m.roi.currency, "roi", m.roi_rates,
            v.selection, _merged(f),
        ).collect()  # fmt: skip
    row = figures.row(0, named=True)
    adoption = view_measured(v).adoption.lazy()
    return RoiParts(
        period=period,
        spend=row["spend"],
        other_currencies=tuple(row["other_currencies"] or ()),
        post_adoption_prs=post_adoption_prs(merged, adoption, period),
        ai_active_users=ai_active_users(
            merged, period, _seats(f, v.selection, period), f.directory.lazy()
        ),
    )


def roi(parts: RoiParts, uplift: Uplift, settings: RoiSettings) -> Roi | None:
    """Both ROI methods (:mod:`aimetrics.metrics.roi`) for ``parts``; None without a spend."""
    if parts.spend is None:
        return None
    other = parts.other_currencies
    return Roi(
        measured=measured_roi(
            uplift, parts.post_adoption_prs, parts.spend, parts.period, settings, other
        ),
        assumed=assumed_roi(parts.ai_active_users, parts.spend, parts.period, settings, other),
    )


# --- the team map -----------------------------------------------------------------------


@dataclass(frozen=True)
class TeamsData:
    map: pl.DataFrame  # overview.team_map: one row per team (small ones folded)
    unattributed: float  # spend of no team (people in no team, unallocated), in the map's Other
    privacy: PrivacyNote


@st.cache_data(
    ttl=DATA_TTL_SECONDS, show_spinner="Estimating each team's uplift…", hash_funcs=_HASH
)
def teams(v: View, m: Money) -> TeamsData:
    """The team map: spend per engineer and measured throughput change per team."""
    f = view_facts(v)
    fold = fold_of(f, v, "team")
    raw = grouped(_merged(f).collect(), v, "team", "merged_at")
    merged = fold.apply(raw).lazy().with_columns(pl.col("ai").alias("is_ai"))
    activity = fold.apply(grouped(f.activity, v, "team", "at")).lazy()
    spend = None
    unattributed = 0.0
    if not v.selection.repositories:
        per_team = spend_by_team(
            cost_inputs(f), _merged(f), v.period, m.currency, dict(m.rates), v.selection.tools
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
        view_measured(v).adoption.lazy(),
        v.period,
        settings=v.statistics,
        tz=v.tz,
        week_start_day=v.week_start,
    )
    folded = fold.folded(raw.filter(v.period.contains("merged_at")))
    return TeamsData(frame, unattributed, PrivacyNote(v.min_group_size, folded, fold.hidden))


# --- spend: KPIs, by tool and month, idle seats ------------------------------------------


@dataclass(frozen=True)
class SpendData:
    figures: pl.DataFrame  # overview_figures: rows current, previous
    by_month: pl.DataFrame  # selected_spend of the period: tool, month, component, basis
    seats: pl.DataFrame  # seat_utilization per tool, with the idle seats' monthly cost
    idle: pl.DataFrame  # idle_seat_cost: one row per idle seat (individuals)
    as_of: dt.date


@st.cache_data(ttl=DATA_TTL_SECONDS, show_spinner=False, hash_funcs=_HASH)
def spend(v: View, m: Money) -> SpendData:
    """Spend figures of the view in the reporting currency, and the idle seats."""
    f = view_facts(v)
    merged, activity = _work(f, v.selection)
    costs = cost_inputs(f)
    rates = dict(m.rates)
    as_of = v.period.last_day
    held = idle_seats(_seats(f, v.selection, v.period), _merged(f), as_of, f.directory.lazy())
    idle = idle_seat_cost(held, f.seat_plans.lazy(), as_of)
    figures, rows = [], {}
    for period, label in ((v.period, "current"), (v.period.previous(), "previous")):
        # Collected once: the figures and the table by tool and month are the same lines.
        rows[label] = selected_spend(
            costs, _merged(f), period, m.currency, rates, v.selection
        ).collect()
        figures.append(
            period_figures(
                merged, activity, costs, period, m.currency, label, rates, v.selection,
                _merged(f), rows[label].lazy(),
            )
        )  # fmt: skip
    return SpendData(
        figures=pl.concat(figures).collect(),
        by_month=rows["current"],
        seats=seat_utilization(held, idle).collect(),
        idle=idle.collect(),
        as_of=as_of,
    )


# --- the Overview ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OverviewData:
    uncertainty: KpiUncertainty  # intervals of the AI-assisted share and throughput
    trend: pl.DataFrame  # weekly_trend of trend_period
    rollouts: pl.DataFrame  # rollouts: tool_id, rolled_out_on, basis
    cycle: Comparison | None  # median cycle time AI-assisted / no marker, current period
    cycle_previous: Comparison | None
    people: int  # engineers active in the selection (privacy)
    privacy: PrivacyNote  # cells hidden from the cycle-time comparison
    last_collected: dt.datetime | None


TREND_DAYS = 364  # the trend shows a year (52 weeks), so the tools' roll-outs show too


def trend_period(period: Period) -> Period:
    """The weeks the trend shows: the year up to the period's end (or the period if longer)."""
    start = min(period.start, period.end - dt.timedelta(days=TREND_DAYS))
    return Period(start, period.end, period.tz)


def _cycle(v: View) -> tuple[Comparison | None, PrivacyNote]:
    """Median cycle time, AI-assisted vs no marker, with its CI (as the Delivery page)."""
    rows, note = compared(view_facts(v).prs, v, "org")
    timed = rows.filter("timeline")
    if timed.is_empty():
        return None, note
    comparison = compare_medians(
        timed.with_columns(
            (pl.col("comparison") == AI_GROUP).alias("is_ai"),
            pl.col("author_key").fill_null("(deleted account)"),
        ),
        value="cycle",
        cluster="author_key",
        settings=v.statistics,
        metric="cycle time (hours)",
    )
    return comparison, note


@st.cache_data(ttl=DATA_TTL_SECONDS, show_spinner=False, hash_funcs=_HASH)
def overview(v: View) -> OverviewData:
    """The Overview's figures besides spend, ROI and the team map (see :func:`spend`, ...)."""
    f = view_facts(v)
    merged, activity = _work(f, v.selection)
    seats, plans = f.seats.lazy(), f.seat_plans.lazy()
    if v.selection.tools:
        tools = list(v.selection.tools)
        seats = seats.filter(pl.col("tool_id").is_in(tools))
        plans = plans.filter(pl.col("tool_id").is_in(tools))
    cycle, note = _cycle(v)
    cycle_previous, _ = _cycle(replace(v, period=v.period.previous()))
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
