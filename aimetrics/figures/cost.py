"""Spend against value: the Overview's and the Cost & ROI page's spend, measured uplift and ROI."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from aimetrics.figures.facts import Facts
from aimetrics.figures.seats import idle_change, seats_on
from aimetrics.figures.selection import previous_hidden
from aimetrics.figures.tool_share import tool_shares
from aimetrics.figures.view import Money, View
from aimetrics.metrics.adoption import Selection, seat_utilization, select_seats
from aimetrics.metrics.change import Change
from aimetrics.metrics.overview import (
    CostInputs,
    overview_figures,
    period_figures,
    select_work,
    selected_spend,
)
from aimetrics.metrics.period import Period
from aimetrics.metrics.roi import (
    Roi,
    ai_active_users,
    assumed_roi,
    measured_roi,
    post_adoption_prs,
)
from aimetrics.metrics.uplift import Uplift
from aimetrics.settings import RoiSettings


def cost_inputs(f: Facts) -> CostInputs:
    """Where spend comes from: seat plans, cost records and seats (store + configuration)."""
    return CostInputs(
        f.seat_plans.lazy(),
        f.cost_records.lazy(),
        f.seats.lazy(),
        f.memberships.lazy().rename({"team": "team_slug"}),
        f.directory.lazy(),
    )


def merged_prs(f: Facts) -> pl.LazyFrame:
    """Every merged PR (all of them: the weights of team attribution)."""
    return f.prs.lazy().filter(pl.col("merged_at").is_not_null())


def work(f: Facts, selection: Selection) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """The selection's merged PRs and activity (:func:`aimetrics.metrics.overview.select_work`)."""
    return select_work(f.prs.lazy(), f.activity.lazy(), selection)


def selected_seats(f: Facts, selection: Selection, period: Period) -> pl.LazyFrame:
    """The selection's seats: of the selected tools, held by members of the selected teams."""
    return select_seats(f.seats.lazy(), f.memberships.lazy(), selection, period)


@dataclass(frozen=True)
class RoiParts:
    """What ROI needs besides the uplift and the assumptions, for one period."""

    period: Period
    spend: float | None  # AI spend of the selection in roi.currency (None: not attributable)
    other_currencies: tuple[str, ...]
    post_adoption_prs: int
    ai_active_users: int
    value_share: float = 1.0  # the selected tools' share of the measured value (tool_share)


def roi_parts(
    f: Facts,
    v: View,
    m: Money,
    period: Period,
    adoption: pl.DataFrame,
    figures: pl.DataFrame | None = None,
) -> RoiParts:
    """Spend, post-adoption PRs and AI-active users of the view's selection in ``period``.

    ``figures``: the :func:`period_figures` row of ``period`` in ``roi.currency`` when the
    caller has it already (e.g. :func:`spend`'s, when the currencies are the same).
    """
    merged, activity = work(f, v.selection)
    if figures is None:
        figures = period_figures(
            merged, activity, cost_inputs(f), period, m.roi.currency, "roi", m.roi_rates,
            v.selection, merged_prs(f),
        ).collect()  # fmt: skip
    row = figures.row(0, named=True)
    return RoiParts(
        period=period,
        spend=row["spend"],
        other_currencies=tuple(row["other_currencies"] or ()),
        post_adoption_prs=post_adoption_prs(merged, adoption.lazy(), period),
        ai_active_users=ai_active_users(
            merged, period, selected_seats(f, v.selection, period), f.directory.lazy()
        ),
        value_share=tool_shares(f, v, period).share,
    )


def roi(parts: RoiParts, uplift: Uplift, settings: RoiSettings) -> Roi | None:
    """Both ROI methods (:mod:`aimetrics.metrics.roi`) for ``parts``; None without a spend."""
    if parts.spend is None:
        return None
    other = parts.other_currencies
    return Roi(
        measured=measured_roi(
            uplift,
            parts.post_adoption_prs,
            parts.spend,
            parts.period,
            settings,
            other,
            share=parts.value_share,
        ),
        assumed=assumed_roi(parts.ai_active_users, parts.spend, parts.period, settings, other),
    )


@dataclass(frozen=True)
class SpendData:
    figures: pl.DataFrame  # overview_figures: rows current, previous
    by_month: pl.DataFrame  # selected_spend of the period: tool, month, component, basis
    seats: pl.DataFrame  # seat_utilization per tool, with the idle seats' monthly cost
    idle: pl.DataFrame  # idle_seat_cost: one row per idle seat (per person: see individual_rows)
    as_of: dt.date
    idle_change: Change  # idle seats' monthly cost vs on the previous period's last day


def spend(f: Facts, v: View, m: Money) -> SpendData:
    """Spend figures of the view in the reporting currency, and the idle seats."""
    merged, activity = work(f, v.selection)
    costs = cost_inputs(f)
    rates = dict(m.rates)
    as_of = v.period.last_day
    held, idle_cost = seats_on(f, v, v.period)  # the Adoption page's seats, the same figures
    idle = idle_cost.lazy()
    seats = seat_utilization(held, idle).collect()
    return SpendData(
        figures=overview_figures(
            merged, activity, costs, v.period, m.currency, rates, v.selection, merged_prs(f)
        ).collect(),
        by_month=selected_spend(
            costs, merged_prs(f), v.period, m.currency, rates, v.selection
        ).collect(),
        seats=seats,
        idle=idle.collect(),
        as_of=as_of,
        idle_change=idle_change(f, v, seats, previous_hidden(f, v)),
    )
