"""Adoption metrics: how much of the merged work carries an AI marker."""

from __future__ import annotations

import polars as pl

from aimetrics.metrics.period import Period


def share(part: pl.Expr, whole: pl.Expr) -> pl.Expr:
    """``part / whole``, null when ``whole`` is zero (no data is not 0 %)."""
    return pl.when(whole > 0).then(part / whole).otherwise(None).cast(pl.Float64)


def counted_merged_in(merged: pl.LazyFrame, period: Period) -> pl.LazyFrame:
    """Counted merged PRs (:func:`aimetrics.metrics.work.merged_work`) merged in ``period``."""
    return merged.filter(pl.col("counted") & period.contains("merged_at"))


def ai_share_of_merged_prs(merged: pl.LazyFrame, period: Period) -> pl.LazyFrame:
    """One row: ``merged_prs``, ``ai_prs``, ``ai_share`` (null when nothing was merged).

    ``merged``: :func:`aimetrics.metrics.work.merged_work`.
    """
    return (
        counted_merged_in(merged, period)
        .select(
            pl.len().cast(pl.Int64).alias("merged_prs"),
            pl.col("is_ai").sum().cast(pl.Int64).alias("ai_prs"),
        )
        .with_columns(share(pl.col("ai_prs"), pl.col("merged_prs")).alias("ai_share"))
    )
