"""One model for AI lines (``commit_ai_lines``): which source counts, per commit and per PR.

Several sources may record one commit's lines (git-ai notes, Agent Trace records, Cursor's
AI Code Tracking). One counts, by :data:`~aimetrics.vocabulary.LINE_SOURCES` precedence; the
others stay in the store for cross-checks. A pull request's lines are the sum over its
commits' counted evidence (a squash commit stands for its PR). Pure polars, in tagging
because it decides, like the flags, what counts: the tags (``line_evidence``) and the
figures (``aimetrics.metrics.ai_lines`` over what this gives) read the same choice.
"""

from __future__ import annotations

import polars as pl

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


def pr_commits(
    commit_evidence: pl.LazyFrame, links: pl.LazyFrame, prs: pl.LazyFrame
) -> pl.LazyFrame:
    """``repo_id, number, sha``: the commits whose evidence a pull request sums.

    ``commit_evidence``: :func:`commit_lines`; ``links``: ``repo_id, pr_number, sha``;
    ``prs``: ``repo_id, number, merge_commit_sha``. Its linked commits with evidence; when
    none has any, its merge (squash) commit's: a squash commit stands for its PR (git-ai
    carries the branch's notes over to it), and is not added to its branch's own evidence
    (the same lines twice)."""
    ev = commit_evidence.select(*COMMIT_KEY)
    by_links = links.select("repo_id", pl.col("pr_number").alias("number"), "sha").join(
        ev, on=list(COMMIT_KEY)
    )
    by_merge = prs.select("repo_id", "number", pl.col("merge_commit_sha").alias("sha")).join(
        ev, on=list(COMMIT_KEY)
    )
    linked = by_links.select("repo_id", "number").unique()
    return pl.concat(
        [by_links, by_merge.join(linked, on=["repo_id", "number"], how="anti")]
    ).unique()


def pr_lines(commit_evidence: pl.LazyFrame, links: pl.LazyFrame, prs: pl.LazyFrame) -> pl.LazyFrame:
    """Per pull request with line evidence: ``repo_id, number, commits_with_evidence,
    ai_added_lines, added_lines``, summed over :func:`pr_commits`' commits."""
    return (
        pr_commits(commit_evidence, links, prs)
        .join(commit_evidence, on=list(COMMIT_KEY))
        .group_by("repo_id", "number")
        .agg(
            pl.len().cast(pl.Int64).alias("commits_with_evidence"),
            pl.col("ai_added_lines").sum().cast(pl.Int64),
            pl.col("added_lines").sum().cast(pl.Int64),
        )
    )
