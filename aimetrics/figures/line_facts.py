"""The facts' line evidence (``commit_ai_lines``), read with the commits: each commit's
counting source's added lines, and every source's rows with the commit's context. The
figures over them: :mod:`aimetrics.figures.ai_lines`.
"""

from __future__ import annotations

import polars as pl

from aimetrics.tagging.ai_lines import COMMIT_KEY, commit_lines, with_precedence

# The commit facts' columns each evidence row carries (selection, grouping, privacy).
CONTEXT = ("repository", "teams", "at", "counted", "is_ai", "ai_tool", "author_key")

LINE_ROW_SCHEMA = {
    "repo_id": pl.Int64, "sha": pl.String, "source": pl.String, "tool_id": pl.String,
    "model": pl.String, "ai_added_lines": pl.Int64, "human_lines": pl.Int64,
    "mixed_lines": pl.Int64, "untracked_lines": pl.Int64, "added_lines": pl.Int64,
    "counts": pl.Boolean, "repository": pl.String, "teams": pl.List(pl.String),
    "at": pl.Datetime("us", "UTC"), "counted": pl.Boolean, "is_ai": pl.Boolean,
    "ai_tool": pl.String, "author_key": pl.String,
}  # fmt: skip


def empty_line_rows() -> pl.DataFrame:
    return pl.DataFrame(schema=LINE_ROW_SCHEMA)


def commit_evidence(commits: pl.LazyFrame, lines: pl.LazyFrame) -> pl.LazyFrame:
    """Commit facts plus ``evidence_added_lines``: the counting source's added lines of the
    commit, null when no source covers it."""
    counted = commit_lines(lines).select(
        *COMMIT_KEY, pl.col("added_lines").alias("evidence_added_lines")
    )
    return commits.join(counted, on=list(COMMIT_KEY), how="left")


def line_rows(commits: pl.LazyFrame, lines: pl.LazyFrame) -> pl.LazyFrame:
    """Every source's ``commit_ai_lines`` rows of the facts' (default-branch) commits, with
    ``counts`` (:func:`~aimetrics.tagging.ai_lines.with_precedence`) and the commit's
    :data:`CONTEXT`."""
    return (
        with_precedence(lines)
        .join(commits.select(*COMMIT_KEY, *CONTEXT), on=list(COMMIT_KEY))
        .select(list(LINE_ROW_SCHEMA))
    )
