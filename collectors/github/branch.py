"""Which commits are on the default branch: this sync's evidence OR-ed with the store's.

A commit is on the default branch when the branch's history lists it, when it
is the merge commit of a PR merged into the default branch, or when it belongs
to such a PR that was merged with a merge commit (more than one parent: the
PR's commits are its ancestors). A flag the store already holds as true (the
local-git collector sets it too) is never turned false, and a parent count the
store knows is kept where GitHub's PR commits leave it unknown.
"""

from __future__ import annotations

import polars as pl
import sqlalchemy as sa

from aimetrics.store import read_table
from aimetrics.store import schema as s

FLAG = "on_default_branch"
_FACTS = ["sha", "parent_count", FLAG]


def stored_facts(engine: sa.Engine, repo_id: int) -> pl.DataFrame:
    """``sha``, ``parent_count``, ``on_default_branch`` of the repository's stored commits
    that know something (a true flag or a parent count)."""
    c = s.commits
    return read_table(
        engine,
        c,
        columns=_FACTS,
        where=(c.c.repo_id == repo_id)
        & (c.c.on_default_branch.is_(True) | c.c.parent_count.is_not(None)),
    )


def settle(
    commits: pl.DataFrame,
    stored: pl.DataFrame,
    pulls: pl.DataFrame,
    links: pl.DataFrame,
    default_branch: str | None,
) -> pl.DataFrame:
    """One row per sha of ``commits`` with its default-branch flag and parent count settled.

    ``commits`` may hold a sha several times (a PR commit that the history lists
    too); ``pulls`` and ``links`` are this sync's PR and PR-commit rows.
    """
    if commits.is_empty():
        return commits
    known = commits.group_by("sha").agg(pl.col(FLAG).any(), pl.col("parent_count").max())
    rows = (
        commits.unique("sha", keep="first", maintain_order=True)
        .drop(FLAG, "parent_count")
        .join(known, on="sha", how="left")
        .join(
            stored.select(_FACTS).rename({"parent_count": "_pc", FLAG: "_flag"}),
            on="sha",
            how="left",
        )
        .with_columns(
            (pl.col(FLAG) | pl.col("_flag").fill_null(False)).alias(FLAG),
            pl.coalesce("parent_count", "_pc").alias("parent_count"),
        )
        .drop("_pc", "_flag")
    )
    merged = pulls.filter(
        (pl.col("state") == "MERGED")
        & (pl.col("base_ref") == pl.lit(default_branch, dtype=pl.String))
        & pl.col("merge_commit_sha").is_not_null()
    ).select("number", "merge_commit_sha")
    rows = rows.with_columns(
        (pl.col(FLAG) | pl.col("sha").is_in(merged["merge_commit_sha"].implode())).alias(FLAG)
    )
    merge_commits = pl.concat(
        [
            rows.filter(pl.col(FLAG) & (pl.col("parent_count") > 1)).select("sha"),
            stored.filter(pl.col(FLAG) & (pl.col("parent_count") > 1)).select("sha"),
        ]
    )["sha"]
    by_merge = merged.filter(pl.col("merge_commit_sha").is_in(merge_commits.implode()))["number"]
    ancestors = links.filter(pl.col("pr_number").is_in(by_merge.implode()))["sha"]
    return rows.with_columns(
        (pl.col(FLAG) | pl.col("sha").is_in(ancestors.implode())).alias(FLAG)
    ).select(commits.columns)
