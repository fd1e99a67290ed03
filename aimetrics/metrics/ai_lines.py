"""Line-level AI authorship (``commit_ai_lines``): one model for AI lines, pure polars.

Several sources may record one commit's lines (git-ai notes, Agent Trace records, Cursor's
AI Code Tracking). One counts, by :data:`~aimetrics.vocabulary.LINE_SOURCES` precedence; the
others stay in the store for cross-checks. A pull request's lines are the sum over its
commits' counted evidence. ``ai_written_line_share`` is the AI-written share of added lines
over the changes that have line evidence, shown with that coverage. Formulas:
docs/metrics.md, "AI-written share of added lines".
"""

from __future__ import annotations

import polars as pl

from aimetrics.metrics.adoption import GROUP, group_names, share
from aimetrics.metrics.period import Period
from aimetrics.vocabulary import LINE_SOURCES

COMMIT_KEY = ("repo_id", "sha")

# A source outside the precedence (a future one) counts after every known one.
_RANK = {source: i for i, source in enumerate(LINE_SOURCES)}


def _rank() -> pl.Expr:
    return pl.col("source").replace_strict(_RANK, default=len(_RANK), return_dtype=pl.Int32)


def with_precedence(lines: pl.LazyFrame) -> pl.LazyFrame:
    """``commit_ai_lines`` rows plus ``counts``: true on the rows of the source that counts
    for their commit (the first of :data:`LINE_SOURCES` that covers it; between unknown
    sources, the first by name, so the choice never depends on row order)."""
    ranked = lines.with_columns(_rank().alias("_rank"))
    best = ranked.group_by(*COMMIT_KEY).agg(
        pl.col("source").sort_by("_rank", "source").first().alias("_best")
    )
    return (
        ranked.join(best, on=list(COMMIT_KEY), how="left")
        .with_columns((pl.col("source") == pl.col("_best")).alias("counts"))
        .drop("_rank", "_best")
    )


def counted_lines(lines: pl.LazyFrame) -> pl.LazyFrame:
    """The rows of each commit's counting source only (see :func:`with_precedence`)."""
    return with_precedence(lines).filter("counts").drop("counts")


def commit_lines(lines: pl.LazyFrame) -> pl.LazyFrame:
    """One row per commit with line evidence, from its counting source: ``repo_id, sha,
    source, ai_added_lines`` (all tools), ``added_lines``, ``human_lines``, ``mixed_lines``,
    ``untracked_lines``, and ``tool_id``/``model``: the tool and model with the most AI
    lines ('' when none)."""
    top = pl.struct("tool_id", "model").sort_by(
        "ai_added_lines", "tool_id", "model", descending=[True, False, False]
    )
    return (
        counted_lines(lines)
        .group_by(*COMMIT_KEY)
        .agg(
            pl.col("source").first(),
            pl.col("ai_added_lines").sum().cast(pl.Int64),
            # The commit's counts repeat on each of its rows of one source: taken once.
            *(
                pl.col(c).first().cast(pl.Int64)
                for c in ("added_lines", "human_lines", "mixed_lines", "untracked_lines")
            ),
            top.filter(pl.col("ai_added_lines") > 0).first().alias("_top"),
        )
        .with_columns(
            pl.col("_top").struct.field("tool_id").fill_null("").alias("tool_id"),
            pl.col("_top").struct.field("model").fill_null("").alias("model"),
        )
        .drop("_top")
    )


def pr_lines(commit_evidence: pl.LazyFrame, links: pl.LazyFrame, prs: pl.LazyFrame) -> pl.LazyFrame:
    """Per pull request with line evidence: ``repo_id, number, commits_with_evidence,
    ai_added_lines, added_lines``, summed over its commits' :func:`commit_lines`.

    ``links``: ``repo_id, pr_number, sha``; ``prs``: ``repo_id, number, merge_commit_sha``.
    A PR none of whose linked commits has evidence takes its merge (squash) commit's: a
    squash commit stands for its PR (git-ai carries the branch's notes over to it); when
    the branch's commits have evidence the squash commit's is not added again."""
    ev = commit_evidence.select(*COMMIT_KEY, "ai_added_lines", "added_lines")
    by_links = links.select("repo_id", pl.col("pr_number").alias("number"), "sha").join(
        ev, on=list(COMMIT_KEY)
    )
    by_merge = prs.select("repo_id", "number", pl.col("merge_commit_sha").alias("sha")).join(
        ev, on=list(COMMIT_KEY)
    )
    linked = by_links.select("repo_id", "number").unique()
    both = pl.concat(
        [by_links, by_merge.join(linked, on=["repo_id", "number"], how="anti")]
    ).unique(["repo_id", "number", "sha"])
    return both.group_by("repo_id", "number").agg(
        pl.len().cast(pl.Int64).alias("commits_with_evidence"),
        pl.col("ai_added_lines").sum().cast(pl.Int64),
        pl.col("added_lines").sum().cast(pl.Int64),
    )


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
