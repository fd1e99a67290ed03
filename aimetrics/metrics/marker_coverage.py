"""Marker coverage: what an AI vendor says its tool did against what markers found, and the
evidence of AI use per tool, month and source. Formulas: docs/metrics.md ("Marker coverage",
"Evidence sources").

A vendor's usage API (``vendor_usage``: Claude Code's commits, PRs and lines per user and
day; Cursor's accepted lines) counts the work its tool took part in, marked or not. The
markers count what the work itself says. For the same people and month,
``coverage = marked_count / vendor_count`` says how much AI work leaves no marker.

The vendor counts everything its user did with the tool, personal repositories and
repositories the store does not collect included, while markers are found only in the
store's repositories: coverage is a lower bound of the share of AI work that is marked
(and it can exceed 1: a marker on work the vendor did not count, e.g. a trailer typed by
hand, a PR the vendor dates on another day, or a squash commit that carries the trailers
of commits the vendor counted once each).
"""

from __future__ import annotations

import polars as pl

from aimetrics.metrics.evidence import VENDOR_ACTIVITY
from aimetrics.metrics.period import local_date
from aimetrics.metrics.privacy import OTHER

COMMITS = "commits"
PULL_REQUESTS = "pull_requests"
LINES = "lines"
MEASURES = (COMMITS, PULL_REQUESTS, LINES)

COVERAGE_SCHEMA = {
    "tool": pl.String(),
    "month": pl.Date(),
    "measure": pl.String(),
    "people": pl.Int64(),
    "vendor_count": pl.Int64(),
    "marked_count": pl.Int64(),
    "coverage": pl.Float64(),
}
EVIDENCE_SOURCES_SCHEMA = {
    "tool": pl.String(),
    "month": pl.Date(),
    "source": pl.String(),
    "people": pl.Int64(),
    "active_days": pl.Int64(),
}


def vendor_users(usage: pl.LazyFrame, directory: pl.LazyFrame) -> pl.LazyFrame:
    """``vendor_usage`` rows that name a user, with ``person_key`` (null when the vendor's
    e-mail or login resolves to no one in the directory: a user the store does not cover),
    ``active`` (any :data:`~aimetrics.metrics.evidence.VENDOR_ACTIVITY` above 0: a member's
    row of zeros is not use) and the three measures: ``commits``, ``pull_requests`` and
    ``lines`` (lines added + removed; null when the vendor reports neither)."""
    known = (
        directory.filter(pl.col("kind").is_in(["login", "email"]))
        .select(pl.col("value").str.to_lowercase().alias("_who"), "person_key")
        .unique(subset=["_who"], keep="first", maintain_order=True)
    )
    lines = (
        pl.when(pl.col("lines_added").is_null() & pl.col("lines_removed").is_null())
        .then(None)
        .otherwise(pl.col("lines_added").fill_null(0) + pl.col("lines_removed").fill_null(0))
    )
    named = pl.col("user_login").is_not_null() & (pl.col("user_login") != "")
    return (
        usage.filter(named)
        .with_columns(pl.col("user_login").str.to_lowercase().alias("_who"))
        .join(known, on="_who", how="left")
        .select(
            "person_key",
            pl.col("user_login"),
            "tool_id",
            "day",
            pl.any_horizontal(pl.col(c).fill_null(0) > 0 for c in VENDOR_ACTIVITY).alias("active"),
            pl.col("commits").cast(pl.Int64),
            pl.col("pull_requests").cast(pl.Int64),
            lines.cast(pl.Int64).alias("lines"),
        )
    )


def _marked(commits: pl.LazyFrame, prs: pl.LazyFrame, tz: str) -> pl.LazyFrame:
    """Marked work per person, tool and day in long form: ``measure``, ``n``."""
    c = commits.filter(pl.col("counted") & pl.col("is_ai") & pl.col("author_key").is_not_null())
    c = c.select(
        pl.col("author_key").alias("person_key"),
        pl.col("ai_tool").alias("tool_id"),
        local_date("at", tz).alias("day"),
        pl.col("lines").fill_null(0).cast(pl.Int64).alias("_lines"),
    )
    p = prs.filter(pl.col("counted") & pl.col("is_ai") & pl.col("author_key").is_not_null())
    keys = ["person_key", "tool_id", "day"]
    return pl.concat(
        [
            c.group_by(keys)
            .agg(pl.len().cast(pl.Int64).alias("n"))
            .with_columns(pl.lit(COMMITS).alias("measure")),
            c.group_by(keys)
            .agg(pl.col("_lines").sum().alias("n"))
            .with_columns(pl.lit(LINES).alias("measure")),
            p.select(
                pl.col("author_key").alias("person_key"),
                pl.col("ai_tool").alias("tool_id"),
                local_date("created_at", tz).alias("day"),
            )
            .group_by(keys)
            .agg(pl.len().cast(pl.Int64).alias("n"))
            .with_columns(pl.lit(PULL_REQUESTS).alias("measure")),
        ]
    ).select("person_key", "tool_id", "day", "measure", "n")


def marker_coverage(
    vendor: pl.LazyFrame,
    commits: pl.LazyFrame,
    prs: pl.LazyFrame,
    tz: str = "UTC",
) -> pl.LazyFrame:
    """Per tool, month and measure (:data:`COVERAGE_SCHEMA`, sorted): ``people`` (the
    vendor's users the store covers with activity that month), ``vendor_count`` (the sum of
    what the vendor reports for them), ``marked_count`` (the same people's work of that
    month carrying a marker of the tool) and ``coverage`` (marked / vendor; null when the
    vendor reports 0). A measure the vendor never reports for a tool-month (Cursor has no
    commit counts) has no row.

    ``vendor``: :func:`vendor_users` (rows of unmatched users are left out here);
    ``commits``: commit facts (``author_key, is_ai, ai_tool, at, lines, counted``) of the
    marked commits of any branch, PR merge commits left out (``Facts.marked_commits``: a
    tool commits on PR branches, a squash merge keeps one commit of many); ``prs``: PR
    facts (``author_key, is_ai, ai_tool, created_at, counted``), PRs by the day they were
    opened. Months are local
    (``tz``); restrict both sides to the same days before calling.
    """
    month = pl.col("day").dt.truncate("1mo").alias("month")
    covered = vendor.filter(pl.col("person_key").is_not_null()).with_columns(month)
    people = covered.filter("active").select("tool_id", "month", "person_key").unique()
    long = (
        covered.join(people, on=["tool_id", "month", "person_key"], how="semi")
        .unpivot(
            index=["person_key", "tool_id", "day"],
            on=list(MEASURES),
            variable_name="measure",
            value_name="n",
        )
        .filter(pl.col("n").is_not_null())
    )
    vendor_counts = long.group_by("tool_id", month, "measure").agg(
        pl.col("n").sum().cast(pl.Int64).alias("vendor_count")
    )
    head = people.group_by("tool_id", "month").agg(pl.len().cast(pl.Int64).alias("people"))
    marked = (
        _marked(commits, prs, tz)
        .with_columns(month)
        .join(people, on=["tool_id", "month", "person_key"], how="semi")
        .group_by("tool_id", "month", "measure")
        .agg(pl.col("n").sum().cast(pl.Int64).alias("marked_count"))
    )
    vc = pl.col("vendor_count")
    return (
        vendor_counts.join(head, on=["tool_id", "month"], how="left")
        .join(marked, on=["tool_id", "month", "measure"], how="left")
        .with_columns(pl.col("marked_count").fill_null(0))
        .with_columns(
            pl.when(vc > 0).then(pl.col("marked_count") / vc).otherwise(None).alias("coverage")
        )
        .rename({"tool_id": "tool"})
        .select(pl.col(c).cast(t) for c, t in COVERAGE_SCHEMA.items())
        .sort("tool", "month", pl.col("measure").replace_strict(MEASURES, list(range(3))))
    )


def small_coverage_cells(coverage: pl.LazyFrame, min_group_size: int) -> pl.LazyFrame:
    """The ``tool, month`` cells of :func:`marker_coverage` with fewer than
    ``min_group_size`` people: withheld (a vendor's count for two people is theirs)."""
    return (
        coverage.filter(pl.col("people") < min_group_size)
        .select("tool", "month")
        .unique()
        .sort("tool", "month")
    )


def evidence_sources(ev: pl.LazyFrame, min_group_size: int) -> pl.LazyFrame:
    """Evidence of AI use (:func:`aimetrics.metrics.evidence.evidence`) per tool, month and
    source (:data:`EVIDENCE_SOURCES_SCHEMA`): ``people`` with such evidence, and
    ``active_days`` (person-days with it).

    Privacy: within a month and source, the tools with fewer than ``min_group_size``
    people are shown together as :data:`OTHER` (people counted once across them);
    when that group is itself too small it is left out.
    """
    month = pl.col("day").dt.truncate("1mo").alias("month")
    rows = ev.select(pl.col("tool_id").alias("tool"), month, "source", "person_key", "day")
    cell = ["tool", "month", "source"]
    small = (
        rows.group_by(cell)
        .agg(pl.col("person_key").n_unique().alias("_n"))
        .filter(pl.col("_n") < min_group_size)
        .select(cell)
    )
    folded = rows.join(small.with_columns(pl.lit(True).alias("_small")), on=cell, how="left")
    folded = folded.with_columns(
        pl.when(pl.col("_small").fill_null(False))
        .then(pl.lit(OTHER))
        .otherwise(pl.col("tool"))
        .alias("tool")
    )
    return (
        folded.group_by(cell)
        .agg(
            pl.col("person_key").n_unique().cast(pl.Int64).alias("people"),
            pl.struct("person_key", "day").n_unique().cast(pl.Int64).alias("active_days"),
        )
        .filter(pl.col("people") >= min_group_size)
        .select(pl.col(c).cast(t) for c, t in EVIDENCE_SOURCES_SCHEMA.items())
        .sort("month", "source", "tool")
    )
