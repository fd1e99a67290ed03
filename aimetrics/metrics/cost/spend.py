"""A period's AI spend: in total, per merged PR and per engineer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import polars as pl

from aimetrics.metrics.adoption import ai_share_of_merged_prs
from aimetrics.metrics.cost.lines import SEAT_DAYS_PER_MONTH, in_currency, spend_lines, stable_sum
from aimetrics.metrics.delivery import active_engineers
from aimetrics.metrics.period import Period

if TYPE_CHECKING:
    pass

SPEND_SCHEMA = {
    "origin": pl.String(),  # seat_plan | api_seats | cost_record
    "source": pl.String(),
    "tool_id": pl.String(),
    "currency": pl.String(),
    "amount": pl.Float64(),
}


# --- the Overview's figures (kept for its callers) ------------------------------------


def seat_plan_spend(seat_plans: pl.LazyFrame, period: Period) -> pl.LazyFrame:
    """Each plan row's cost in ``period``: seats x price x 12/365 per seat-day.

    A plan row is valid on ``[valid_from, valid_to)`` (open when ``valid_to`` is
    null); only its days inside the period count. Columns: the plan's
    ``tool_id``, ``plan``, ``source``, ``currency``, ``valid_from``, ``days``,
    ``seat_days``, ``amount``. (Before precedence: see :func:`spend_lines`.)
    """
    start, end = pl.lit(period.start), pl.lit(period.end)
    first = pl.max_horizontal(pl.col("valid_from"), start)
    stop = pl.min_horizontal(pl.col("valid_to").fill_null(end), end)
    return (
        seat_plans.with_columns(
            (stop - first).dt.total_days().clip(lower_bound=0).cast(pl.Int64).alias("days")
        )
        .filter(pl.col("days") > 0)
        .with_columns((pl.col("seats") * pl.col("days")).cast(pl.Int64).alias("seat_days"))
        .with_columns(
            (
                pl.col("seat_days").cast(pl.Float64)
                * pl.col("price_per_seat_month")
                / SEAT_DAYS_PER_MONTH
            ).alias("amount")
        )
        .select(
            "tool_id", "plan", "source", "currency", "valid_from", "days", "seat_days", "amount"
        )
    )


def cost_record_spend(cost_records: pl.LazyFrame, period: Period) -> pl.LazyFrame:
    """Cost records whose ``day`` is in ``period`` (net ``amount``, not gross)."""
    return cost_records.filter(period.contains_day("day"))


def ai_spend(
    seat_plans: pl.LazyFrame,
    cost_records: pl.LazyFrame,
    period: Period,
    seat_assignments: pl.LazyFrame | None = None,
) -> pl.LazyFrame:
    """Spend in ``period`` by origin, source, tool and currency (sorted), with precedence.

    ``origin``: ``seat_plan``, ``api_seats`` or ``cost_record`` (billed or
    estimated records). The lines are :func:`spend_lines`', so nothing is
    counted twice.
    """
    origin = (
        pl.when(pl.col("basis").is_in(["billed", "estimate"]))
        .then(pl.lit("cost_record"))
        .otherwise(pl.col("basis"))
    )
    keys = ["origin", "source", "tool_id", "currency"]
    return (
        spend_lines(seat_plans, cost_records, period, seat_assignments)
        .with_columns(origin.alias("origin"))
        .group_by(keys)
        .agg(stable_sum(pl.col("amount")))
        .sort(keys)
        .select(pl.col(c).cast(t) for c, t in SPEND_SCHEMA.items())
    )


def spend_total(
    spend: pl.LazyFrame, currency: str, rates: Mapping[str, float] | None = None
) -> pl.LazyFrame:
    """One row: ``spend`` in ``currency`` and ``other_currencies`` left out of it.

    An amount in another currency is converted when ``rates`` has its rate
    (``reporting.exchange_rates``: units of ``currency`` per unit of the other);
    without a rate it is never added in silently: its currency is named in
    ``other_currencies`` (sorted) so the caller can say so.
    """
    factors = {currency: 1.0, **{c: float(r) for c, r in (rates or {}).items()}}
    factor = pl.col("currency").replace_strict(factors, default=None, return_dtype=pl.Float64)
    return spend.select(
        stable_sum(pl.col("amount") * factor).cast(pl.Float64).alias("spend"),
        pl.lit(currency).alias("currency"),
        pl.col("currency")
        .filter(factor.is_null())
        .unique()
        .sort()
        .implode()
        .alias("other_currencies"),
    )


def cost_per_merged_pr(spend: pl.Expr, merged_prs: pl.Expr) -> pl.Expr:
    """AI spend / merged PRs, null when nothing was merged."""
    return pl.when(merged_prs > 0).then(spend / merged_prs).otherwise(None).cast(pl.Float64)


def per_unit(spend: pl.Expr, count: pl.Expr) -> pl.Expr:
    """``spend / count``, null when ``count`` is zero (spend per engineer, per AI PR, ...)."""
    return pl.when(count > 0).then(spend / count).otherwise(None).cast(pl.Float64)


def cost_summary(
    lines: pl.LazyFrame,
    merged: pl.LazyFrame,
    activity: pl.LazyFrame,
    period: Period,
    currency: str,
    rates: Mapping[str, float] | None = None,
) -> pl.LazyFrame:
    """One row: spend, gross value, the bases used, and spend per active engineer, per
    merged PR and per AI-assisted merged PR in ``period``.

    ``lines``: :func:`spend_lines` of the period; ``merged``/``activity``:
    :func:`aimetrics.metrics.overview.select_work`'s frames. ``other_currencies`` names amounts
    left out for want of an exchange rate.
    """
    converted = in_currency(lines, currency, rates)
    spend = converted.select(
        stable_sum(pl.col("amount")).cast(pl.Float64).alias("spend"),
        stable_sum(pl.col("gross_amount")).cast(pl.Float64).alias("gross_amount"),
        pl.lit(currency).alias("currency"),
        pl.col("basis").unique().sort().implode().alias("bases"),
    )
    left_out = spend_total(lines, currency, rates).select("other_currencies")
    return pl.concat(
        [
            spend,
            left_out,
            ai_share_of_merged_prs(merged, period).select("merged_prs", "ai_prs"),
            active_engineers(activity, period),
        ],
        how="horizontal",
    ).with_columns(
        per_unit(pl.col("spend"), pl.col("active_engineers")).alias("spend_per_active_engineer"),
        per_unit(pl.col("spend"), pl.col("merged_prs")).alias("cost_per_merged_pr"),
        per_unit(pl.col("spend"), pl.col("ai_prs")).alias("cost_per_ai_merged_pr"),
    )
