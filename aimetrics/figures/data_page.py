"""The Data page's figures: freshness, marker coverage, the explain view, unresolved identities."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from aimetrics.figures.facts import Facts
from aimetrics.figures.folds import PrivacyNote, fold_of
from aimetrics.figures.marker_coverage import MarkerCoverageData, marker_coverage_data
from aimetrics.figures.selection import figure_columns, grouped, grouped_lazy
from aimetrics.figures.view import View
from aimetrics.metrics.adoption import commit_shares, pr_shares, select, share_by_tool
from aimetrics.metrics.privacy import individual_rows

TAG_COLUMNS = (
    "at", "repository", "entity", "key", "tool", "kind", "rule", "confidence", "counts",
    "field", "matched", "url",
)  # fmt: skip


@dataclass(frozen=True)
class DataPageData:
    freshness: pl.DataFrame  # per source: scopes, incomplete, last finished
    sync: pl.DataFrame  # sync_state rows
    coverage: pl.DataFrame  # per repository: PRs and commits with / without a marker
    tools: pl.DataFrame  # per tool: merged PRs and commits it marked
    tags: pl.DataFrame  # tagged changes in the view (TAG_COLUMNS)
    unresolved: pl.DataFrame  # email, name, commits: no rows unless individuals are shown
    individuals_shown: bool
    unresolved_count: int
    privacy: PrivacyNote
    # What the vendors report against what markers found, and the evidence per source.
    markers: MarkerCoverageData


def data_page(f: Facts, v: View) -> DataPageData:
    """The Data page: freshness, marker coverage, the explain view, unresolved identities."""
    period = v.period
    fold = fold_of(f, v, "repository")
    by_repository = grouped(figure_columns(f.prs), v, "repository", "merged_at")
    prs = fold.apply(by_repository)
    commits = fold.apply(grouped_lazy(f.commits, v, "repository", "at"))
    coverage = (
        pr_shares(prs.lazy(), period)
        .select("group", "merged_prs", "ai_prs", "no_marker_prs", "ai_share")
        .join(commit_shares(commits.lazy(), period), on="group", how="full", coalesce=True)
        .sort("group")
        .collect()
    )
    by_tool_prs = share_by_tool(
        grouped(figure_columns(f.prs), v, "org", "merged_at").lazy(), period
    )
    by_tool_commits = (
        grouped(f.commits, v, "org", "at")
        .lazy()
        .filter(pl.col("counted") & period.contains("at"))
        .with_columns(pl.len().over("group").alias("commits"))
        .filter("ai")
        .group_by(pl.col("ai_tool").alias("tool"))
        .agg(pl.len().alias("ai_commits"), pl.col("commits").first())
    )
    tools = (
        by_tool_prs.select("tool", pl.col("prs").alias("ai_prs"), "merged_prs", "share")
        .join(by_tool_commits, on="tool", how="full", coalesce=True)
        .sort("tool")
        .collect()
    )
    tags = select(
        f.tags.lazy().rename({"tool": "ai_tool"}).with_columns(pl.lit(True).alias("is_ai")),
        v.selection,
    )
    tags = (
        tags.filter(period.contains("at"))
        .filter("ai")  # the tool filter
        .rename({"ai_tool": "tool"})
        .sort("at", "repository", "key", "rule", descending=[True, False, False, False])
        .select(TAG_COLUMNS)
        .collect()
    )
    sync = f.sync_state.sort("source", "scope")
    freshness = (
        sync.group_by("source")
        .agg(
            pl.len().alias("scopes"),
            (pl.col("status") != "complete").sum().alias("not_complete"),
            pl.col("finished_at").max().alias("last_finished"),
        )
        .sort("source")
    )
    return DataPageData(
        freshness=freshness,
        sync=sync.select("source", "scope", "status", "started_at", "finished_at", "detail"),
        coverage=coverage,
        tools=tools,
        tags=tags,
        unresolved=individual_rows(f.unresolved, v.show_individuals),
        individuals_shown=v.show_individuals,
        unresolved_count=f.unresolved.height,
        privacy=PrivacyNote(
            v.min_group_size,
            fold.folded(by_repository.filter(period.contains("merged_at"))),
            fold.hidden,
        ),
        markers=marker_coverage_data(f, v),
    )
