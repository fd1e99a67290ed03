"""Line-level AI authorship in the figures: the AI-written share of added lines.

The facts' default-branch commits carry ``evidence_added_lines`` (the counting source's
added lines, null without evidence; :func:`commit_evidence`), and ``Facts.ai_lines`` holds
every source's rows of those commits with the commit's context (:func:`line_rows`). The
figure (:func:`ai_written`) is the AI-written share over the changes with evidence, with
that coverage, for the org, by team or repository, by tool and by week; the Adoption page,
``export csv`` and the report's appendix show this one result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from aimetrics.figures.folds import Fold, fold_of
from aimetrics.figures.line_facts import CONTEXT
from aimetrics.figures.selection import grouped, grouped_lazy
from aimetrics.figures.view import View
from aimetrics.metrics.adoption import select
from aimetrics.metrics.ai_lines import ai_written_by_tool, ai_written_line_share
from aimetrics.metrics.privacy import OTHER

if TYPE_CHECKING:
    from aimetrics.figures.facts import Facts


@dataclass(frozen=True)
class AiWrittenData:
    # ai_written_line_share's columns (AI_WRITTEN_COLUMNS) for the selection, one row
    headline: pl.DataFrame
    by_group: pl.DataFrame  # the same by team or repository, small groups folded
    by_tool: pl.DataFrame  # ai_written_by_tool (org), tools fewer than k people used folded
    weekly: pl.DataFrame  # the same as headline per week (group)


def _rows(lines: pl.DataFrame) -> pl.DataFrame:
    return lines.filter("counts")


def _fold_tools(rows: pl.DataFrame, v: View) -> pl.DataFrame:
    """Tools whose lines fewer than ``min_group_size`` people wrote in the period read as
    one "other" group (a tool one engineer uses would name them)."""
    period = rows.filter(v.period.contains("at") & (pl.col("ai_added_lines") > 0))
    people = period.group_by("tool_id").agg(pl.col("author_key").n_unique().alias("n"))
    small = people.filter(pl.col("n") < v.min_group_size)["tool_id"].to_list()
    if not small:
        return rows
    return rows.with_columns(
        pl.when(pl.col("tool_id").is_in(small))
        .then(pl.lit(OTHER))
        .otherwise(pl.col("tool_id"))
        .alias("tool_id")
    )


def ai_written(
    commits: pl.DataFrame, lines: pl.DataFrame, v: View, by: str, fold: Fold
) -> AiWrittenData:
    """The AI-written share of added lines for the view: ``commits`` the facts' commits
    (with ``evidence_added_lines``), ``lines`` ``Facts.ai_lines``; broken down ``by`` team or
    repository with ``fold`` (the page's :func:`~aimetrics.figures.folds.fold_of`)."""
    rows = _rows(lines)
    tools = tuple(v.selection.tools)
    frame = commits.select(*CONTEXT, "evidence_added_lines")

    def share(by_: str, fold_: Fold | None = None) -> pl.DataFrame:
        c, r = grouped_lazy(frame, v, by_, "at"), grouped_lazy(rows, v, by_, "at")
        if fold_ is not None:
            c, r = fold_.apply(c).lazy(), fold_.apply(r).lazy()
        return ai_written_line_share(c, r, v.period, tools).collect()

    org_rows = _fold_tools(select(rows.lazy(), v.selection).collect(), v)
    by_tool = ai_written_by_tool(
        grouped_lazy(frame, v, "org", "at"),
        grouped_lazy(org_rows, v, "org", "at"),
        v.period,
    ).collect()
    return AiWrittenData(
        headline=share("org"),
        by_group=share(by, fold),
        by_tool=by_tool,
        weekly=share("week"),
    )


def ai_written_for(f: Facts, v: View, by: str) -> AiWrittenData:
    """:func:`ai_written` over the facts (``f``: :class:`~aimetrics.figures.facts.Facts`)."""
    return ai_written(f.commits, f.ai_lines, v, by, fold_of(f, v, by))


def ai_lines_export(lines: pl.DataFrame, v: View) -> pl.DataFrame:
    """``ai-lines.csv``: one row per commit, tool, model and source with line evidence, for
    the default-branch commits made in the view's period and selection (a tool filter keeps
    that tool's rows). Columns: ``repository, sha, tool, model, source, ai_added_lines,
    added_lines`` (every source: the one that counts is the first of git-ai, Agent Trace,
    Cursor; the others are there for cross-checks)."""
    rows = grouped(lines, v, "org", "at").filter(v.period.contains("at"))
    if v.selection.tools:
        rows = rows.filter(pl.col("tool_id").is_in(list(v.selection.tools)))
    return rows.select(
        "repository", "sha", pl.col("tool_id").alias("tool"), "model", "source",
        "ai_added_lines", "added_lines",
    ).sort("repository", "sha", "source", "tool", "model")  # fmt: skip
