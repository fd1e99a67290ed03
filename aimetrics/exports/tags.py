"""The audit trail: every AI tag in the store as CSV, one row per tag.

When individuals are not shown (``privacy.show_individuals: false``), people's
names and email addresses inside the matched text are masked
(:func:`aimetrics.metrics.privacy.mask_personal`).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import sqlalchemy as sa

from aimetrics.figures.tags import tag_rule_columns
from aimetrics.metrics.privacy import mask_personal
from aimetrics.store import read_table
from aimetrics.store import schema as s
from aimetrics.vocabulary import COMMIT, PULL_REQUEST, REVIEW

COLUMNS = [
    "entity", "repository", "sha", "number", "review_id", "tool", "kind", "rule",
    "confidence", "field", "matched",
]  # fmt: skip


def tags_frame(engine: sa.Engine, *, show_individuals: bool) -> pl.DataFrame:
    tags = read_table(engine, s.ai_tags)
    repos = read_table(engine, s.repositories, columns=["id", "full_name"])
    reviews = read_table(engine, s.reviews, columns=["repo_id", "review_id", "pr_number"])
    out = (
        tags.lazy()
        .join(
            repos.lazy().rename({"id": "repo_id", "full_name": "repository"}),
            on="repo_id",
            how="left",
        )
        .with_columns(
            pl.when(pl.col("entity") == REVIEW)
            .then(pl.col("entity_key").cast(pl.Int64, strict=False))
            .alias("review_id")
        )
        .join(reviews.lazy(), on=["repo_id", "review_id"], how="left")
        .select(
            "entity",
            "repository",
            pl.when(pl.col("entity") == COMMIT).then(pl.col("entity_key")).alias("sha"),
            pl.when(pl.col("entity") == PULL_REQUEST)
            .then(pl.col("entity_key").cast(pl.Int64, strict=False))
            .otherwise(pl.col("pr_number"))
            .alias("number"),
            "review_id",
            *tag_rule_columns(),
        )
        .sort("repository", "entity", "number", "sha", "rule", nulls_last=True)
    )
    frame = out.collect()
    return frame if show_individuals else mask_personal(frame).select(frame.columns)


def export_tags(engine: sa.Engine, out: Path, *, show_individuals: bool) -> int:
    frame = tags_frame(engine, show_individuals=show_individuals)
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.select(COLUMNS).write_csv(out)
    return frame.height
