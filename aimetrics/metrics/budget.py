"""Monthly AI budgets: spend to date, a month-end forecast, and the gap to each budget.
Formulas: docs/metrics.md ("Budgets and the month-end forecast").

A budget is for one tool (its spend lines) or one team (the spend allocated to it, as the
Cost page allocates it: :func:`aimetrics.metrics.overview.selected_spend` with a team
filter). ``as_of`` is the last day with data: billing data lags, so the forecast starts
from the last day the store has, not from today:

    forecast = spend(month start .. as_of)
             + days left after as_of × (seats' daily amount on as_of
                                         + usage of the 30 days up to as_of / 30)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

import polars as pl

from aimetrics.metrics.adoption import Selection
from aimetrics.metrics.cost.basis import RUN_RATE_USAGE_DAYS, month_span
from aimetrics.metrics.cost.lines import stable_sum
from aimetrics.metrics.overview import CostInputs, selected_spend
from aimetrics.metrics.period import Period
from aimetrics.vocabulary import tool_name

OVER = "over budget"
WITHIN = "within budget"
BUDGET_COLUMNS = (
    "scope", "target", "month", "as_of", "budget", "spend_to_date", "daily_run_rate",
    "days_left", "forecast", "gap", "forecast_share", "status", "currency",
)  # fmt: skip


def budget_label(row: dict[str, object]) -> str:
    """A budget's name for people: the tool's display name, or "Team SLUG"."""
    target = str(row["target"])
    return tool_name(target) if row["scope"] == "tool" else f"Team {target}"


def _selection(scope: str, target: str) -> Selection:
    return Selection(tools=(target,)) if scope == "tool" else Selection(teams=(target,))


def _spend(
    costs: CostInputs,
    merged: pl.LazyFrame,
    period: Period,
    currency: str,
    rates: Mapping[str, float] | None,
    selection: Selection,
    component: str | None = None,
) -> float:
    frame = selected_spend(costs, merged, period, currency, rates, selection)
    if component is not None:
        frame = frame.filter(pl.col("component") == component)
    return float(frame.select(stable_sum(pl.col("amount"))).collect().item())


def budget_status(
    costs: CostInputs,
    merged: pl.LazyFrame,
    budgets: Sequence[tuple[str, str, float]],
    as_of: date,
    currency: str,
    rates: Mapping[str, float] | None = None,
) -> pl.DataFrame:
    """One row per budget (``(scope, target, monthly)``, scope ``tool`` or ``team``) for the
    month of ``as_of``: :data:`BUDGET_COLUMNS`. ``gap`` = budget − forecast (negative: the
    forecast exceeds the budget); ``forecast_share`` = forecast / budget.

    ``merged``: every counted merged PR (the weights of team allocation)."""
    month = month_span(Period(as_of, as_of + timedelta(days=1)))  # the month of as_of
    to_date = Period(month.start, as_of + timedelta(days=1))
    day = Period(as_of, as_of + timedelta(days=1))
    usage = Period(as_of - timedelta(days=RUN_RATE_USAGE_DAYS - 1), as_of + timedelta(days=1))
    days_left = (month.end - as_of).days - 1
    rows = []
    for scope, target, monthly in budgets:
        sel = _selection(scope, target)
        spent = _spend(costs, merged, to_date, currency, rates, sel)
        daily = _spend(costs, merged, day, currency, rates, sel, "seats") + (
            _spend(costs, merged, usage, currency, rates, sel, "usage") / RUN_RATE_USAGE_DAYS
        )
        forecast = spent + days_left * daily
        rows.append(
            {
                "scope": scope, "target": target, "month": month.start, "as_of": as_of,
                "budget": float(monthly), "spend_to_date": spent, "daily_run_rate": daily,
                "days_left": days_left, "forecast": forecast, "gap": monthly - forecast,
                "forecast_share": forecast / monthly,
                "status": OVER if forecast > monthly else WITHIN, "currency": currency,
            }
        )  # fmt: skip
    schema = {
        "scope": pl.String, "target": pl.String, "month": pl.Date, "as_of": pl.Date,
        "budget": pl.Float64, "spend_to_date": pl.Float64, "daily_run_rate": pl.Float64,
        "days_left": pl.Int64, "forecast": pl.Float64, "gap": pl.Float64,
        "forecast_share": pl.Float64, "status": pl.String, "currency": pl.String,
    }  # fmt: skip
    return pl.DataFrame(rows, schema=schema).select(BUDGET_COLUMNS)


def last_data_day(cost_records: pl.LazyFrame, merged: pl.LazyFrame, today: date) -> date:
    """The last day the store has data for (the latest cost record or merge), never after
    ``today``: the forecast's starting point, since billing data lags."""
    days = [
        cost_records.select(pl.col("day").max()).collect().item(),
        merged.select(pl.col("merged_at").max().dt.date()).collect().item(),
    ]
    known = [d for d in days if d is not None]
    return min(max(known), today) if known else today
