"""Spend against value: the Overview's and the Cost & ROI page's spend, measured uplift and ROI."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from aimetrics.figures.ai_users import selected_ai_users
from aimetrics.figures.facts import Facts
from aimetrics.figures.seats import idle_change, seats_on
from aimetrics.figures.selection import previous_hidden
from aimetrics.figures.tool_share import tool_shares
from aimetrics.figures.view import Money, View
from aimetrics.metrics.adoption import Selection, seat_utilization, select_seats
from aimetrics.metrics.change import Change
from aimetrics.metrics.cost.basis import RunRate, month_span, run_rate
from aimetrics.metrics.overview import (
    SPEND_KEYS,
    CostInputs,
    overview_figures,
    period_figures,
    select_work,
    selected_spend,
)
from aimetrics.metrics.period import Period
from aimetrics.metrics.roi import (
    Roi,
    assumed_roi,
    capacity_engineer_equivalents,
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
    ai_users: int  # AI users of the selection in the period (the one definition)
    value_share: float = 1.0  # the selected tools' share of the measured value (tool_share)


def roi_parts(
    f: Facts,
    v: View,
    m: Money,
    period: Period,
    adoption: pl.DataFrame,
    figures: pl.DataFrame | None = None,
) -> RoiParts:
    """Spend, post-adoption PRs and AI users of the view's selection in ``period``.

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
        # The assumed method counts the same AI users as the Adoption page.
        ai_users=int(selected_ai_users(f, v, period)["ai_user"].sum()),
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
        assumed=assumed_roi(parts.ai_users, parts.spend, parts.period, settings, other),
        # The measured method in engineer-equivalents: the same extra PRs as its hours (under
        # a tool filter the same tool share), so capacity = hours / an engineer's hours.
        capacity=capacity_engineer_equivalents(
            uplift, parts.post_adoption_prs, parts.period, parts.value_share
        ),
    )


def spend_by_month(f: Facts, v: View, m: Money) -> pl.DataFrame:
    """:func:`selected_spend` per tool, month, component and basis over the whole calendar
    months the period touches (:func:`~aimetrics.metrics.cost.basis.month_span`):
    ``amount`` (the part on the period's days, summing to the period's spend),
    ``month_amount`` (the whole month) and ``partial`` (the month reaches outside the
    period), so a four-day month is never drawn as if it were the month's bill."""
    costs, everything, rates = cost_inputs(f), merged_prs(f), dict(m.rates)

    def rows(p: Period) -> pl.LazyFrame:
        return selected_spend(costs, everything, p, m.currency, rates, v.selection)

    span = month_span(v.period)
    whole = rows(span).rename({"amount": "month_amount"})
    return (
        whole.join(rows(v.period), on=list(SPEND_KEYS), how="full", coalesce=True)
        .with_columns(pl.col("amount", "month_amount").fill_null(0.0))
        .with_columns(
            (
                (pl.col("month") < pl.lit(v.period.start))
                | (pl.col("month").dt.offset_by("1mo") > pl.lit(v.period.end))
            ).alias("partial")
        )
        .select(*SPEND_KEYS, "amount", "month_amount", "partial")
        .sort(list(SPEND_KEYS))
        .collect()
    )


def view_run_rate(f: Facts, v: View, m: Money) -> RunRate:
    """The monthly run rate on the period's last day of the selected tools (of the whole
    organization: seats and usage are not split by team here)."""
    plans, records, seats = f.seat_plans.lazy(), f.cost_records.lazy(), f.seats.lazy()
    if v.selection.tools:
        tools = pl.col("tool_id").is_in(list(v.selection.tools))
        plans, records, seats = plans.filter(tools), records.filter(tools), seats.filter(tools)
    return run_rate(plans, records, v.period.last_day, m.currency, dict(m.rates), seats)


@dataclass(frozen=True)
class SpendData:
    figures: pl.DataFrame  # overview_figures: rows current, previous
    # spend_by_month: tool, month, component, basis, amount (in the period), month_amount
    by_month: pl.DataFrame
    seats: pl.DataFrame  # seat_utilization per tool, with the idle seats' monthly cost
    idle: pl.DataFrame  # idle_seat_cost: one row per idle seat (per person: see individual_rows)
    as_of: dt.date
    idle_change: Change  # idle seats' monthly cost vs on the previous period's last day
    run_rate: RunRate  # current seats' monthly price + the last 30 days' usage (view_run_rate)


def spend(f: Facts, v: View, m: Money) -> SpendData:
    """Spend figures of the view in the reporting currency, and the idle seats."""
    merged, activity = work(f, v.selection)
    costs = cost_inputs(f)
    rates = dict(m.rates)
    as_of = v.period.last_day
    held, idle_cost = seats_on(f, v, v.period)  # the Seats & usage page's seats, the same figures
    idle = idle_cost.lazy()
    seats = seat_utilization(held, idle).collect()
    return SpendData(
        figures=overview_figures(
            merged, activity, costs, v.period, m.currency, rates, v.selection, merged_prs(f)
        ).collect(),
        by_month=spend_by_month(f, v, m),
        seats=seats,
        idle=idle.collect(),
        as_of=as_of,
        idle_change=idle_change(f, v, seats, previous_hidden(f, v)),
        run_rate=view_run_rate(f, v, m),
    )
