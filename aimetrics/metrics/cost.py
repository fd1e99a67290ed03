"""AI spend: what the AI tools cost in a period.

For now spend = seat plans prorated by day + cost records of days in the period.
TODO (metrics issue): precedence per tool and month (billed records beat seats
collected from an API priced by plan, which beat the config's seat plans), so
nothing is counted twice; spend per team; idle-seat spend. See docs/metrics.md.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from aimetrics.metrics.period import Period

# A seat-month is a twelfth of a year: price per seat per day = monthly price * 12 / 365.
SEAT_DAYS_PER_MONTH = 365 / 12

SPEND_SCHEMA = {
    "origin": pl.String(),  # seat_plan | cost_record
    "source": pl.String(),
    "tool_id": pl.String(),
    "currency": pl.String(),
    "amount": pl.Float64(),
}


def seat_plan_spend(seat_plans: pl.LazyFrame, period: Period) -> pl.LazyFrame:
    """Each plan row's cost in ``period``: seats x price x 12/365 per seat-day.

    A plan row is valid on ``[valid_from, valid_to)`` (open when ``valid_to`` is
    null); only its days inside the period count. Columns: the plan's
    ``tool_id``, ``plan``, ``source``, ``currency``, ``valid_from``, ``days``,
    ``seat_days``, ``amount``.
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


def ai_spend(seat_plans: pl.LazyFrame, cost_records: pl.LazyFrame, period: Period) -> pl.LazyFrame:
    """Spend in ``period`` by origin, source, tool and currency (sorted)."""
    seats = seat_plan_spend(seat_plans, period).select(
        pl.lit("seat_plan").alias("origin"), "source", "tool_id", "currency", "amount"
    )
    records = cost_record_spend(cost_records, period).select(
        pl.lit("cost_record").alias("origin"), "source", "tool_id", "currency", "amount"
    )
    keys = ["origin", "source", "tool_id", "currency"]
    return (
        pl.concat([seats, records])
        .group_by(keys)
        .agg(pl.col("amount").sum())
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
        (pl.col("amount") * factor).sum().cast(pl.Float64).alias("spend"),
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
