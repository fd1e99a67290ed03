"""The explain view: one row per AI tag with what it tagged (built on first use)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from aimetrics.metrics.people import resolve_commit_authors
from aimetrics.metrics.period import local_date
from aimetrics.metrics.work_facts import teams_at
from aimetrics.vocabulary import CONFIDENCE_RANK


def tag_rule_columns() -> list[pl.Expr | str]:
    """What a tag row says of its rule: tool, kind, rule, confidence, field, matched text
    (the explain view's and ``aimetrics export tags``' columns)."""
    return [
        pl.col("tool_id").alias("tool"),
        "kind",
        pl.col("rule_id").alias("rule"),
        "confidence",
        "field",
        "matched",
    ]


@dataclass(frozen=True)
class ExplainInputs:
    """The store rows the explain view needs besides the facts (read in the same snapshot)."""

    tags: pl.DataFrame  # ai_tags
    commits: pl.DataFrame  # the tagged commits: repo_id, sha, author, authored/committed at
    reviews: pl.DataFrame  # repo_id, review_id, pr_number
    repositories: pl.DataFrame  # id, full_name, web_url
    min_confidence: str
    tz: str
    exclude: tuple[str, ...]
    bots: tuple[str, ...]
    show_individuals: bool

    def build(
        self, prs: pl.DataFrame, directory: pl.DataFrame, memberships: pl.DataFrame
    ) -> pl.DataFrame:
        tagged = _tagged_changes(
            self.tags.lazy(), prs.lazy(), self.commits.lazy(), self.reviews.lazy(),
            self.repositories.lazy(), directory.lazy(), memberships.lazy(), self.tz,
            self.exclude, self.bots,
        ).collect()  # fmt: skip
        if not self.show_individuals:
            from aimetrics.metrics.privacy import mask_personal

            tagged = mask_personal(tagged).select(tagged.columns)
        rank = pl.col("confidence").replace_strict(CONFIDENCE_RANK, default=0, return_dtype=pl.Int8)
        return tagged.with_columns((rank >= CONFIDENCE_RANK[self.min_confidence]).alias("counts"))


def _tagged_changes(
    tags: pl.LazyFrame,
    prs: pl.LazyFrame,
    commits: pl.LazyFrame,
    reviews: pl.LazyFrame,
    repositories: pl.LazyFrame,
    directory: pl.LazyFrame,
    memberships: pl.LazyFrame,
    tz: str,
    exclude: tuple[str, ...],
    bots: tuple[str, ...],
) -> pl.LazyFrame:
    """One row per AI tag with what it tagged: repository, PR, link, time, teams."""
    repos = repositories.select(
        pl.col("id").alias("repo_id"),
        pl.col("full_name").alias("repository"),
        pl.col("web_url").str.strip_chars_end("/").alias("web_url"),
    )
    review_prs = reviews.select(
        "repo_id", pl.col("review_id").cast(pl.String).alias("_review"), "pr_number"
    )
    tagged = (
        tags.join(repos, on="repo_id", how="left")
        .with_columns(
            pl.when(pl.col("entity") == "review").then(pl.col("entity_key")).alias("_review")
        )
        .join(review_prs, on=["repo_id", "_review"], how="left")
        .with_columns(
            pl.when(pl.col("entity") == "pull_request")
            .then(pl.col("entity_key").cast(pl.Int64, strict=False))
            .otherwise(pl.col("pr_number").cast(pl.Int64))
            .alias("number"),
            pl.when(pl.col("entity") == "commit").then(pl.col("entity_key")).alias("sha"),
        )
    )
    pr_side = prs.select(
        "repo_id", "number", pl.coalesce("merged_at", "created_at").alias("_pr_at"),
        pl.col("teams").alias("_pr_teams"),
    )  # fmt: skip
    tagged_shas = tagged.filter(pl.col("entity") == "commit").select("repo_id", "sha").unique()
    commit_side = teams_at(
        resolve_commit_authors(
            commits.join(tagged_shas, on=["repo_id", "sha"]).select(
                "repo_id", "sha", "author_login", "author_email", "authored_at", "committed_at"
            ),
            directory,
            exclude,
            bots,
        ).with_columns(pl.coalesce("committed_at", "authored_at").alias("_c_at")),
        memberships,
        "author_key",
        local_date("_c_at", tz),
    ).select("repo_id", "sha", "_c_at", pl.col("teams").alias("_c_teams"))
    return (
        tagged.join(pr_side, on=["repo_id", "number"], how="left")
        .join(commit_side, on=["repo_id", "sha"], how="left")
        .select(
            pl.coalesce("_c_at", "_pr_at").alias("at"),
            "repository",
            "entity",
            pl.col("entity_key").alias("key"),
            "number",
            pl.when(pl.col("entity") == "commit")
            .then(pl.format("{}/commit/{}", "web_url", "sha"))
            .otherwise(pl.format("{}/pull/{}", "web_url", "number"))
            .alias("url"),
            *tag_rule_columns(),
            pl.coalesce(
                pl.when(pl.col("entity") == "commit").then(pl.col("_c_teams")),
                pl.col("_pr_teams"),
                pl.lit([], dtype=pl.List(pl.String)),
            ).alias("teams"),
        )
    )
