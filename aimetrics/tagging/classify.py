"""From tags to flags: which commits and pull requests count as AI.

A change counts as AI when it has an ``authored`` or ``assisted`` tag at or
above the minimum confidence. A pull request is AI-assisted when a PR-level tag
or any of its commits says so; agent-authored when a PR-level ``authored`` tag
fires (its author is an agent, or an agent's task link opened it) or when every
one of its commits was authored by an agent. Everything else is "no marker":
unknown, never claimed as human-only.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from aimetrics.vocabulary import CONFIDENCE_RANK, LINE_EVIDENCE_RULE

AI_KINDS = ("authored", "assisted")
_KIND_RANK = {"authored": 2, "assisted": 1, "reviewed": 0}


def _is_line(rule_id: pl.Expr) -> pl.Expr:
    """A line-evidence tag (aimetrics.tagging.line_evidence), not a marker."""
    return rule_id.str.starts_with(LINE_EVIDENCE_RULE)


def _kept(tags: pl.LazyFrame, min_confidence: str) -> pl.LazyFrame:
    """Tags at or above ``min_confidence``, with a strength to pick a primary tool.

    Line evidence is weaker than any marker kept: markers keep deciding a change's tool;
    line evidence names it only for a change no marker caught."""
    floor = CONFIDENCE_RANK[min_confidence]
    rank = pl.col("confidence").replace_strict(CONFIDENCE_RANK, return_dtype=pl.Int8)
    strength = rank * 10 + pl.col("kind").replace_strict(_KIND_RANK, return_dtype=pl.Int8)
    return tags.filter(rank >= floor).with_columns(
        pl.when(_is_line(pl.col("rule_id")))
        .then(pl.lit(0, dtype=pl.Int8))
        .otherwise(strength)
        .alias("strength")
    )


def login_key(login: pl.Expr) -> pl.Expr:
    """A login as compared with bot lists: lower-case, without GraphQL's missing ``[bot]``."""
    return login.str.to_lowercase().str.replace(r"\[bot\]$", "")


def is_non_ai_bot(login: pl.Expr, bot_logins: Iterable[str]) -> pl.Expr:
    """True for logins of known non-AI bots (dependabot, renovate, github-actions, ...)."""
    return login_key(login).is_in([b.lower() for b in bot_logins]).fill_null(False)


def _commit_ai(tags: pl.LazyFrame, min_confidence: str) -> pl.LazyFrame:
    """Per tagged commit: its primary tool, whether an agent authored it, tag strength."""
    return (
        _kept(tags, min_confidence)
        .filter((pl.col("entity") == "commit") & pl.col("kind").is_in(AI_KINDS))
        .group_by("repo_id", "entity_key")
        .agg(
            pl.col("tool_id")
            .sort_by("strength", "rule_id", descending=[True, False])
            .first()
            .alias("ai_tool"),
            (pl.col("kind") == "authored").any().alias("is_agent"),
            pl.col("strength").max(),
        )
        .rename({"entity_key": "sha"})
    )


def _strongest(where: pl.Expr) -> pl.Expr:
    """The tool of the strongest tag ``where`` holds (ties: the first rule id)."""
    strength, rule = pl.col("strength").filter(where), pl.col("rule_id").filter(where)
    return pl.col("tool_id").filter(where).sort_by(strength, rule, descending=[True, False]).first()


def commit_flags(
    commits: pl.LazyFrame, tags: pl.LazyFrame, min_confidence: str = "medium"
) -> pl.LazyFrame:
    """One row per commit: ``repo_id, sha, is_ai, is_agent, ai_tool``."""
    return (
        commits.select("repo_id", "sha")
        .join(_commit_ai(tags, min_confidence), on=["repo_id", "sha"], how="left")
        .with_columns(
            pl.col("ai_tool").is_not_null().alias("is_ai"),
            pl.col("is_agent").fill_null(False),
        )
        .select("repo_id", "sha", "is_ai", "is_agent", "ai_tool")
    )


def pr_flags(
    pull_requests: pl.LazyFrame,
    pull_request_commits: pl.LazyFrame,
    tags: pl.LazyFrame,
    min_confidence: str = "medium",
    *,
    reviews: pl.LazyFrame | None = None,
    bot_logins: Iterable[str] = (),
    commit_counts: pl.LazyFrame | None = None,
) -> pl.LazyFrame:
    """One row per PR: ``repo_id, number, is_ai, is_agent, is_ai_reviewed, ai_tool,
    is_bot_non_ai``.

    ``pull_requests`` needs ``repo_id, number, author_login, author_type``;
    ``reviews`` (``repo_id, review_id, pr_number``) is needed for ``is_ai_reviewed``.
    ``pull_request_commits``: every link (``repo_id, pr_number, sha``), or, with
    ``commit_counts`` (``repo_id, number, commits``: each PR's number of links), only
    some of them, at least those of every tagged commit (the store has millions of
    links; only a tagged commit's can make a PR AI-assisted, and the count is enough to
    tell whether an agent authored all of a PR's commits).
    """
    kept = _kept(tags, min_confidence)
    line = _is_line(pl.col("rule_id"))
    pr_level = (
        kept.filter((pl.col("entity") == "pull_request") & pl.col("kind").is_in(AI_KINDS))
        .with_columns(pl.col("entity_key").cast(pl.Int64).alias("number"))
        .group_by("repo_id", "number")
        .agg(
            # A PR's line evidence sums its commits': a commit's marker names the tool
            # before it (``line_tool`` comes after ``commit_tool``).
            _strongest(~line).alias("pr_tool"),
            _strongest(line).alias("line_tool"),
            pl.col("strength").max().alias("pr_strength"),
            (pl.col("kind") == "authored").any().alias("pr_authored"),
        )
    )
    commit_level = (
        pull_request_commits.select("repo_id", pl.col("pr_number").alias("number"), "sha")
        .join(_commit_ai(tags, min_confidence), on=["repo_id", "sha"], how="left")
        .group_by("repo_id", "number")
        .agg(
            # Ties in strength go to the first tool id: the commits' order is the store's
            # (it differs between backends and runs), the PR's tool must not.
            pl.col("ai_tool")
            .sort_by("strength", "ai_tool", descending=[True, False], nulls_last=True)
            .first()
            .alias("commit_tool"),
            pl.col("ai_tool").is_not_null().any().alias("any_commit_ai"),
            pl.col("is_agent").fill_null(False).sum().alias("_agent_commits"),
            pl.len().alias("_commits"),
        )
    )
    if commit_counts is not None:
        commit_level = commit_level.drop("_commits").join(
            commit_counts.select("repo_id", "number", pl.col("commits").alias("_commits")),
            on=["repo_id", "number"],
            how="left",
        )
    commit_level = commit_level.with_columns(
        ((pl.col("_agent_commits") == pl.col("_commits")) & (pl.col("_commits") > 0)).alias(
            "all_agent"
        )
    ).drop("_agent_commits", "_commits")
    out = (
        pull_requests.select("repo_id", "number", "author_login", "author_type")
        .join(pr_level, on=["repo_id", "number"], how="left")
        .join(commit_level, on=["repo_id", "number"], how="left")
        .with_columns(
            (
                pl.col("pr_tool").is_not_null()
                | pl.col("line_tool").is_not_null()
                | pl.col("any_commit_ai").fill_null(False)
            ).alias("is_ai"),
            (pl.col("pr_authored").fill_null(False) | pl.col("all_agent").fill_null(False)).alias(
                "is_agent"
            ),
            pl.coalesce("pr_tool", "commit_tool", "line_tool").alias("ai_tool"),
        )
    )
    if reviews is not None:
        reviewed = (
            kept.filter((pl.col("entity") == "review") & (pl.col("kind") == "reviewed"))
            .select("repo_id", pl.col("entity_key").cast(pl.Int64).alias("review_id"))
            .join(reviews.select("repo_id", "review_id", "pr_number"), on=["repo_id", "review_id"])
            .select("repo_id", pl.col("pr_number").alias("number"))
            .unique()
            .with_columns(pl.lit(True).alias("is_ai_reviewed"))
        )
        out = out.join(reviewed, on=["repo_id", "number"], how="left")
    else:
        out = out.with_columns(pl.lit(None, dtype=pl.Boolean).alias("is_ai_reviewed"))
    bot = (pl.col("author_type") == "Bot").fill_null(False) | is_non_ai_bot(
        pl.col("author_login"), bot_logins
    )
    return out.select(
        "repo_id",
        "number",
        "is_ai",
        "is_agent",
        pl.col("is_ai_reviewed").fill_null(False),
        "ai_tool",
        (bot & ~pl.col("is_agent")).alias("is_bot_non_ai"),
    )
