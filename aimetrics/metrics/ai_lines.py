"""The AI-written share of added lines, over the changes that have line evidence, with that
coverage: pure polars over the counted evidence (which source counts for a commit is
:mod:`aimetrics.tagging.ai_lines`' choice, joined to the commit facts by the figures).
Formulas: docs/metrics.md, "AI-written share of added lines".
"""

from __future__ import annotations

import polars as pl

from aimetrics.metrics.adoption import GROUP, group_names, share
from aimetrics.metrics.period import Period

AI_WRITTEN_COLUMNS = (
    "changes", "changes_with_evidence", "line_coverage", "ai_added_lines",
    "evidence_added_lines", "ai_written_line_share",
)  # fmt: skip


def ai_written_line_share(
    commits: pl.LazyFrame, tool_rows: pl.LazyFrame, period: Period, tools: tuple[str, ...] = ()
) -> pl.LazyFrame:
    """Per ``group``: the AI-written share of added lines over the counted default-branch
    commits made in ``period`` that have line evidence, with its coverage.

    ``commits``: commit facts with ``at``, ``counted``, ``evidence_added_lines`` (the
    counting source's added lines; null: no evidence) and the group columns;
    ``tool_rows``: the counting source's rows (``tool_id``, ``ai_added_lines``) with the
    same commit columns and groups. ``tools``: a tool filter (only their AI lines count; the
    denominator stays every added line of the changes with evidence).

    Columns: :data:`AI_WRITTEN_COLUMNS`. ``line_coverage`` = changes with evidence /
    changes; the share is null without evidence (no evidence is not 0 %).
    """
    in_period = commits.filter(pl.col("counted") & period.contains("at"))
    evidenced = pl.col("evidence_added_lines").is_not_null()
    totals = in_period.group_by(GROUP).agg(
        pl.len().cast(pl.Int64).alias("changes"),
        evidenced.sum().cast(pl.Int64).alias("changes_with_evidence"),
        pl.col("evidence_added_lines").sum().cast(pl.Int64),
    )
    rows = tool_rows.filter(pl.col("counted") & period.contains("at"))
    if tools:
        rows = rows.filter(pl.col("tool_id").is_in(list(tools)))
    ai = rows.group_by(GROUP).agg(pl.col("ai_added_lines").sum().cast(pl.Int64))
    keys = group_names(commits)
    return (
        totals.join(ai, on=keys, how="left")
        .with_columns(pl.col("ai_added_lines").fill_null(0))
        .with_columns(
            share(pl.col("changes_with_evidence"), pl.col("changes")).alias("line_coverage"),
            share(pl.col("ai_added_lines"), pl.col("evidence_added_lines")).alias(
                "ai_written_line_share"
            ),
        )
        .select(GROUP, *AI_WRITTEN_COLUMNS)
        .sort(GROUP)
    )


def ai_written_by_tool(
    commits: pl.LazyFrame, tool_rows: pl.LazyFrame, period: Period
) -> pl.LazyFrame:
    """Per ``group`` and ``tool``: that tool's AI-added lines and their share of every added
    line of the group's changes with evidence (the shares of a group's tools add up to its
    :func:`ai_written_line_share`). Columns: ``group``, ``tool``, ``ai_added_lines``,
    ``evidence_added_lines``, ``ai_written_line_share``."""
    in_period = commits.filter(pl.col("counted") & period.contains("at"))
    totals = in_period.group_by(GROUP).agg(pl.col("evidence_added_lines").sum().cast(pl.Int64))
    keys = group_names(commits)
    return (
        tool_rows.filter(pl.col("counted") & period.contains("at") & (pl.col("ai_added_lines") > 0))
        .group_by(GROUP, pl.col("tool_id").alias("tool"))
        .agg(pl.col("ai_added_lines").sum().cast(pl.Int64))
        .join(totals, on=keys, how="left")
        .with_columns(
            share(pl.col("ai_added_lines"), pl.col("evidence_added_lines")).alias(
                "ai_written_line_share"
            )
        )
        .sort(GROUP, "tool")
    )
