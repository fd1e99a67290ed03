"""The Overview's figures: headline KPIs for a period and the one before, weekly trends."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from aimetrics.metrics.adoption import ai_share_of_merged_prs, counted_merged_in, share
from aimetrics.metrics.cost import ai_spend, cost_per_merged_pr, spend_total
from aimetrics.metrics.delivery import active_engineers, per_engineer_week
from aimetrics.metrics.period import Period, local_date, week_of, week_start

KPI_COLUMNS = (
    "period",
    "start",
    "end",
    "days",
    "merged_prs",
    "ai_prs",
    "ai_share",
    "active_engineers",
    "throughput",
    "spend",
    "currency",
    "other_currencies",
    "cost_per_merged_pr",
)


def period_kpis(
    merged: pl.LazyFrame,
    activity: pl.LazyFrame,
    seat_plans: pl.LazyFrame,
    cost_records: pl.LazyFrame,
    period: Period,
    currency: str,
    label: str = "current",
    rates: Mapping[str, float] | None = None,
) -> pl.LazyFrame:
    """One row of headline figures for ``period`` (columns: ``KPI_COLUMNS``).

    ``merged``/``activity``: :mod:`aimetrics.metrics.work`'s frames; the
    seat plans and cost records are the store tables. Spend is in ``currency``
    (other currencies converted with ``rates``, see :func:`spend_total`).
    """
    header = pl.LazyFrame(
        {
            "period": [label],
            "start": [period.start],
            "end": [period.end],
            "days": [period.days],
        },
        schema={"period": pl.String, "start": pl.Date, "end": pl.Date, "days": pl.Int64},
    )
    spend = spend_total(ai_spend(seat_plans, cost_records, period), currency, rates)
    return (
        pl.concat(
            [
                header,
                ai_share_of_merged_prs(merged, period),
                active_engineers(activity, period),
                spend,
            ],
            how="horizontal",
        )
        .with_columns(
            per_engineer_week(
                pl.col("merged_prs"), pl.col("active_engineers"), pl.lit(period.weeks)
            ).alias("throughput"),
            cost_per_merged_pr(pl.col("spend"), pl.col("merged_prs")).alias("cost_per_merged_pr"),
        )
        .select(KPI_COLUMNS)
    )


def overview_kpis(
    merged: pl.LazyFrame,
    activity: pl.LazyFrame,
    seat_plans: pl.LazyFrame,
    cost_records: pl.LazyFrame,
    period: Period,
    currency: str,
    rates: Mapping[str, float] | None = None,
) -> pl.LazyFrame:
    """Two rows, ``current`` (``period``) then ``previous`` (the equal period before it)."""
    return pl.concat(
        [
            period_kpis(
                merged, activity, seat_plans, cost_records, period, currency, "current", rates
            ),
            period_kpis(
                merged,
                activity,
                seat_plans,
                cost_records,
                period.previous(),
                currency,
                "previous",
                rates,
            ),
        ]
    )


def weekly_trend(
    merged: pl.LazyFrame,
    activity: pl.LazyFrame,
    period: Period,
    week_start_day: str = "monday",
) -> pl.LazyFrame:
    """Per week overlapping ``period``: merged PRs, AI-assisted share and throughput.

    Weeks start on ``week_start_day`` in the period's time zone and are clipped
    to the period: ``days`` is the number of their days inside it. Each week
    applies the period definitions to its own days (engineers active that
    week). Throughput is given for full weeks only (null for a partial first or
    last week): who is active depends on the window's length, so a two-day stub
    is not comparable with a week. Weeks without data have 0 PRs and null
    shares. Sorted by ``week_start``.
    """
    tz = period.tz

    def week_of_ts(column: str) -> pl.Expr:
        return week_start(local_date(column, tz), week_start_day).alias("week_start")

    prs = (
        counted_merged_in(merged, period)
        .group_by(week_of_ts("merged_at"))
        .agg(
            pl.len().cast(pl.Int64).alias("merged_prs"),
            pl.col("is_ai").sum().cast(pl.Int64).alias("ai_prs"),
        )
    )
    engineers = (
        activity.filter(period.contains("at"))
        .group_by(week_of_ts("at"))
        .agg(pl.col("person_key").n_unique().cast(pl.Int64).alias("active_engineers"))
    )
    first, last = week_of(period.start, week_start_day), week_of(period.last_day, week_start_day)
    weeks = pl.LazyFrame().select(pl.date_range(first, last, interval="1w").alias("week_start"))
    start, end = pl.lit(period.start), pl.lit(period.end)
    clipped_days = (
        pl.min_horizontal(pl.col("week_start") + pl.duration(days=7), end)
        - pl.max_horizontal(pl.col("week_start"), start)
    ).dt.total_days()
    return (
        weeks.join(prs, on="week_start", how="left")
        .join(engineers, on="week_start", how="left")
        .with_columns(
            clipped_days.cast(pl.Int64).alias("days"),
            pl.col("merged_prs", "ai_prs", "active_engineers").fill_null(0),
        )
        .with_columns(
            share(pl.col("ai_prs"), pl.col("merged_prs")).alias("ai_share"),
            pl.when(pl.col("days") == 7)
            .then(per_engineer_week(pl.col("merged_prs"), pl.col("active_engineers"), pl.lit(1)))
            .alias("throughput"),
        )
        .select(
            "week_start",
            "days",
            "merged_prs",
            "ai_prs",
            "ai_share",
            "active_engineers",
            "throughput",
        )
        .sort("week_start")
    )
