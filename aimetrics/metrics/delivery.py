"""Delivery metrics: active engineers and throughput."""

from __future__ import annotations

import polars as pl

from aimetrics.metrics.adoption import counted_merged_in
from aimetrics.metrics.period import Period


def per_engineer_week(prs: pl.Expr, engineers: pl.Expr, weeks: pl.Expr) -> pl.Expr:
    """``prs / engineers / weeks``, null without an active engineer."""
    return pl.when(engineers > 0).then(prs / engineers / weeks).otherwise(None).cast(pl.Float64)


def active_engineers(activity: pl.LazyFrame, period: Period) -> pl.LazyFrame:
    """One row: ``active_engineers``, the distinct engineers with work in ``period``.

    ``activity``: :func:`aimetrics.metrics.work.engineer_activity`.
    """
    return activity.filter(period.contains("at")).select(
        pl.col("person_key").n_unique().cast(pl.Int64).alias("active_engineers")
    )


def throughput(merged: pl.LazyFrame, activity: pl.LazyFrame, period: Period) -> pl.LazyFrame:
    """One row: ``merged_prs``, ``active_engineers``, ``weeks``, ``throughput``.

    Throughput is merged PRs per active engineer per week: counted merged PRs
    in the period / active engineers / (days / 7). Null without an active engineer.
    """
    prs = counted_merged_in(merged, period).select(pl.len().cast(pl.Int64).alias("merged_prs"))
    return (
        pl.concat([prs, active_engineers(activity, period)], how="horizontal")
        .with_columns(pl.lit(period.weeks, dtype=pl.Float64).alias("weeks"))
        .with_columns(
            per_engineer_week(
                pl.col("merged_prs"), pl.col("active_engineers"), pl.col("weeks")
            ).alias("throughput")
        )
    )
