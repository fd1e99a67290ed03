"""Delivery metrics: active engineers, throughput and cycle time (coding, pickup, review, merge).

Cycle time runs from a PR's first commit (authored date) to its merge, split at
milestones (see docs/metrics.md "Delivery"):

    first commit -> ready for review -> first human review -> last approval -> merged
        coding          pickup               review               merge

Milestones are capped at the merge and made non-decreasing (a milestone
earlier than the one before it is moved up to it), so every span is >= 0 and
the four spans add up to the cycle time exactly: the one rule for rebased
commits, reviews of drafts and the like.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from aimetrics.metrics.adoption import GROUP, counted_merged_in, group_names
from aimetrics.metrics.people import resolve_pr_authors, with_columns_of
from aimetrics.metrics.period import Period
from aimetrics.vocabulary import CONFIDENCE_RANK, REVIEW, REVIEWED, STAGES

QUANTILES = {"p10": 0.1, "p25": 0.25, "median": 0.5, "p75": 0.75, "p90": 0.9}
HUMAN_REVIEW_STATES = ("APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED")
_HOUR_US = 3_600_000_000


def per_engineer_week(prs: pl.Expr, engineers: pl.Expr, weeks: pl.Expr) -> pl.Expr:
    """``prs / engineers / weeks``, null without an active engineer."""
    return pl.when(engineers > 0).then(prs / engineers / weeks).otherwise(None).cast(pl.Float64)


def active_engineers(activity: pl.LazyFrame, period: Period) -> pl.LazyFrame:
    """One row: ``active_engineers``, the distinct engineers with work in ``period``.

    ``activity``: :func:`aimetrics.metrics.work_facts.contributor_activity`.
    """
    return activity.filter(period.contains("at")).select(
        pl.col("person_key").n_unique().cast(pl.Int64).alias("active_engineers")
    )


def throughput(merged: pl.LazyFrame, activity: pl.LazyFrame, period: Period) -> pl.LazyFrame:
    """One row: ``merged_prs``, ``active_engineers``, ``weeks``, ``throughput``.

    Throughput is merged PRs per active engineer per week: counted merged PRs
    in the period / active engineers / (days / 7). Null without an active engineer.
    """
    prs = counted_merged_in(merged, period).select(pl.len().cast(pl.Int64).alias("merged_prs"))
    return (
        pl.concat([prs, active_engineers(activity, period)], how="horizontal")
        .with_columns(pl.lit(period.weeks, dtype=pl.Float64).alias("weeks"))
        .with_columns(
            per_engineer_week(
                pl.col("merged_prs"), pl.col("active_engineers"), pl.col("weeks")
            ).alias("throughput")
        )
    )


def throughput_by_group(prs: pl.LazyFrame, activity: pl.LazyFrame, period: Period) -> pl.LazyFrame:
    """Per ``group`` (org, team, repository): merged PRs per active engineer per week.

    ``prs``: selected, grouped PR facts; ``activity``: selected, grouped
    contributor activity (an engineer is active in a team's group when their
    membership of the time is that team, in a repository's when they worked in it).
    Columns: ``group``, ``merged_prs``, ``ai_prs``, ``active_engineers``, ``throughput``.
    """
    merged = (
        prs.filter(pl.col("counted") & period.contains("merged_at"))
        .group_by(GROUP)
        .agg(
            pl.len().cast(pl.Int64).alias("merged_prs"),
            pl.col("ai").sum().cast(pl.Int64).alias("ai_prs"),
        )
    )
    engineers = (
        activity.filter(period.contains("at"))
        .group_by(GROUP)
        .agg(pl.col("person_key").n_unique().cast(pl.Int64).alias("active_engineers"))
    )
    return (
        merged.join(engineers, on=group_names(prs), how="full", coalesce=True)
        .with_columns(pl.col("merged_prs", "ai_prs", "active_engineers").fill_null(0))
        .with_columns(
            per_engineer_week(
                pl.col("merged_prs"), pl.col("active_engineers"), pl.lit(period.weeks)
            ).alias("throughput")
        )
        .sort(GROUP)
    )


# --- the PR timeline ----------------------------------------------------------------------


def ai_review_ids(tags: pl.LazyFrame, min_confidence: str = "medium") -> pl.LazyFrame:
    """Reviews with a ``reviewed`` AI tag at or above ``min_confidence``: ``repo_id, review_id``."""
    rank = pl.col("confidence").replace_strict(CONFIDENCE_RANK, return_dtype=pl.Int8)
    return (
        tags.filter(
            (pl.col("entity") == REVIEW)
            & (pl.col("kind") == REVIEWED)
            & (rank >= CONFIDENCE_RANK[min_confidence])
        )
        .select("repo_id", pl.col("entity_key").cast(pl.Int64).alias("review_id"))
        .unique()
    )


def first_commits(links: pl.LazyFrame, commits: pl.LazyFrame) -> pl.LazyFrame:
    """Per PR: ``first_commit_at``, the earliest authored date of its commits."""
    return (
        links.join(commits.select("repo_id", "sha", "authored_at"), on=["repo_id", "sha"])
        .group_by("repo_id", pl.col("pr_number").alias("number"))
        .agg(pl.col("authored_at").min().alias("first_commit_at"))
    )


def review_summary(
    reviews: pl.LazyFrame,
    ai_reviews: pl.LazyFrame,
    prs: pl.LazyFrame,
    directory: pl.LazyFrame,
    bots: Iterable[str] = (),
) -> pl.LazyFrame:
    """Per reviewed PR: human and AI review milestones and counts.

    A **human review** is a submitted review (state in
    :data:`HUMAN_REVIEW_STATES`) by someone other than the PR's author who is
    neither a bot nor an AI reviewer (``ai_reviews``: :func:`ai_review_ids`),
    submitted no later than the merge (reviews after the merge are ignored).
    ``prs`` needs ``repo_id, number, author_key, merged_at``. Columns:
    ``first_human_review_at``, ``last_approval_at``, ``first_ai_review_at``,
    ``human_reviews``, ``changes_requested`` (human CHANGES_REQUESTED reviews).
    """
    resolved = resolve_pr_authors(
        reviews.rename({"reviewer_login": "author_login", "reviewer_type": "author_type"}),
        directory,
        bots=tuple(bots),
    ).rename({"author_key": "reviewer_key", "author_is_bot": "reviewer_is_bot"})
    ai = ai_reviews.with_columns(pl.lit(True).alias("is_ai_review"))
    joined = (
        resolved.join(ai, on=["repo_id", "review_id"], how="left")
        .join(
            prs.select("repo_id", pl.col("number").alias("pr_number"), "author_key", "merged_at"),
            on=["repo_id", "pr_number"],
        )
        .filter(
            pl.col("submitted_at").is_not_null()
            & (pl.col("merged_at").is_null() | (pl.col("submitted_at") <= pl.col("merged_at")))
        )
        .with_columns(pl.col("is_ai_review").fill_null(False))
    )
    by_author = pl.col("reviewer_key").is_not_null() & (
        pl.col("reviewer_key") == pl.col("author_key")
    ).fill_null(False)
    human = (
        pl.col("state").is_in(HUMAN_REVIEW_STATES)
        & ~pl.col("reviewer_is_bot")
        & ~pl.col("is_ai_review")
        & ~by_author
    )
    at = pl.col("submitted_at")
    return (
        joined.with_columns(human.alias("human"))
        .group_by("repo_id", pl.col("pr_number").alias("number"))
        .agg(
            at.filter("human").min().alias("first_human_review_at"),
            at.filter(pl.col("human") & (pl.col("state") == "APPROVED"))
            .max()
            .alias("last_approval_at"),
            at.filter("is_ai_review").min().alias("first_ai_review_at"),
            pl.col("human").sum().cast(pl.Int64).alias("human_reviews"),
            (pl.col("human") & (pl.col("state") == "CHANGES_REQUESTED"))
            .sum()
            .cast(pl.Int64)
            .alias("changes_requested"),
        )
    )


def _hours(later: pl.Expr, earlier: pl.Expr) -> pl.Expr:
    return ((later - earlier).dt.total_microseconds() / _HOUR_US).cast(pl.Float64)


def cycle_spans(prs: pl.LazyFrame) -> pl.LazyFrame:
    """``prs`` plus ``timeline`` and the spans in hours: ``coding``, ``pickup``, ``review``,
    ``merge``, ``cycle``.

    Needs ``created_at, ready_at, merged_at, first_commit_at,
    first_human_review_at, last_approval_at, source`` (and ``head_ref`` when there are
    PRs recovered from git). ``timeline`` is false for PRs without a ``created_at``
    (recovered from git: no ready time, no reviews): their stages are null, never
    guessed. Their ``cycle`` is known for a merge commit (``head_ref``, from ``Merge pull
    request #N from owner/branch``): from the merged branch's first authored commit to the
    merge, as for any PR. A squash merge's one commit was written at the merge, not when
    the work began: its cycle stays null. Without a human review ``pickup`` and
    ``review`` are null and ``merge`` runs from ready; without commits ``coding``
    and ``cycle`` are null.
    """
    merged = pl.col("merged_at")
    # min/max_horizontal skip nulls: a PR without commits has no start (m0 stays null).
    m0 = pl.when(pl.col("first_commit_at").is_not_null()).then(
        pl.min_horizontal("first_commit_at", merged)
    )
    ready = pl.min_horizontal(pl.coalesce("ready_at", "created_at"), merged)
    m1 = pl.max_horizontal(m0, ready)
    reviewed = pl.col("first_human_review_at").is_not_null()
    m2 = pl.max_horizontal(pl.col("_m1"), pl.col("first_human_review_at"))
    m3 = pl.max_horizontal(pl.col("_m2"), pl.coalesce("last_approval_at", merged))
    available = pl.col("created_at").is_not_null() & merged.is_not_null()
    # The merge commit is among the PR's commits: a branch commit must come before it.
    branch = (
        pl.col("created_at").is_null()
        & (pl.col("source") == "git")
        & pl.col("head_ref").is_not_null()
        & (pl.col("first_commit_at") < merged)
    ).fill_null(False)
    return (
        with_columns_of(prs, {"head_ref": pl.String(), "source": pl.String()})
        .with_columns(available.alias("timeline"), m0.alias("_m0"), m1.alias("_m1"))
        .with_columns(m2.alias("_m2"))
        .with_columns(m3.alias("_m3"))
        .with_columns(
            pl.when("timeline").then(_hours(pl.col("_m1"), pl.col("_m0"))).alias("coding"),
            pl.when(pl.col("timeline") & reviewed)
            .then(_hours(pl.col("_m2"), pl.col("_m1")))
            .alias("pickup"),
            pl.when(pl.col("timeline") & reviewed)
            .then(_hours(pl.col("_m3"), pl.col("_m2")))
            .alias("review"),
            pl.when("timeline")
            .then(_hours(merged, pl.when(reviewed).then(pl.col("_m3")).otherwise(pl.col("_m1"))))
            .alias("merge"),
            pl.when("timeline")
            .then(_hours(merged, pl.col("_m0")))
            .when(branch)
            .then(_hours(merged, pl.col("first_commit_at")))
            .alias("cycle"),
        )
        .drop("_m0", "_m1", "_m2", "_m3")
    )


def timeline_coverage(prs: pl.LazyFrame, period: Period) -> pl.LazyFrame:
    """Per ``group``: counted PRs merged in the period, with a timeline, and git-only ones
    (recovered from git), of which ``git_cycle`` have a cycle time (merge commits)."""
    return (
        prs.filter(pl.col("counted") & period.contains("merged_at"))
        .group_by(GROUP)
        .agg(
            pl.len().cast(pl.Int64).alias("merged_prs"),
            pl.col("timeline").sum().cast(pl.Int64).alias("with_timeline"),
            (~pl.col("timeline")).sum().cast(pl.Int64).alias("git_only"),
            (~pl.col("timeline") & pl.col("cycle").is_not_null())
            .sum()
            .cast(pl.Int64)
            .alias("git_cycle"),
        )
        .sort(GROUP)
    )


def cycle_time_summary(prs: pl.LazyFrame, period: Period) -> pl.LazyFrame:
    """Per ``group``, ``comparison`` and ``stage``: ``n``, ``people`` and quantiles (hours).

    ``prs``: selected, grouped PR facts with :func:`cycle_spans`. Counted PRs
    merged in the period; a stage's sample is the PRs where it is defined
    (``pickup`` and ``review`` need a human review; PRs recovered from git have only
    ``cycle``, merge commits only). Quantiles are
    linear interpolations (``p10 .. p90``; ``median`` = p50). ``people``:
    distinct engineer authors. Sorted by group, comparison, stage order.
    """
    long = (
        prs.filter(
            pl.col("counted") & period.contains("merged_at") & pl.col("comparison").is_not_null()
        )
        .select(GROUP, "comparison", "engineer_key", *STAGES)
        .unpivot(
            on=list(STAGES),
            index=[*group_names(prs), "comparison", "engineer_key"],
            variable_name="stage",
            value_name="hours",
        )
        .drop_nulls("hours")
    )
    order = {s: i for i, s in enumerate(STAGES)}
    return (
        long.group_by(GROUP, "comparison", "stage")
        .agg(
            pl.len().cast(pl.Int64).alias("n"),
            pl.col("engineer_key").drop_nulls().n_unique().cast(pl.Int64).alias("people"),
            *(
                pl.col("hours").quantile(q, interpolation="linear").alias(name)
                for name, q in QUANTILES.items()
            ),
        )
        .with_columns(pl.col("stage").replace_strict(order, return_dtype=pl.Int8).alias("_o"))
        .sort(GROUP, "comparison", "_o")
        .drop("_o")
    )
