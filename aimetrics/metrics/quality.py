"""Quality guardrails: reverts, PR size, merges without a human review, review rounds.

Each is reported AI-assisted vs "no marker" (see docs/metrics.md "Quality"). The
inputs are the selected, grouped PR facts of :mod:`aimetrics.metrics.adoption`
with :func:`aimetrics.metrics.delivery.review_summary` and :func:`reverted_prs`
joined on. Follow-up fixes (a fix PR touching the same files within 7 days) are
not computed: the store keeps no per-PR file list (see the docs).
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import polars as pl

from aimetrics.metrics.adoption import AI_GROUP, GROUP, group_names, share
from aimetrics.metrics.period import Period
from aimetrics.metrics.stats import Estimate, bootstrap_weights, estimate, resampled_sums
from aimetrics.settings import StatisticsSettings

# PR size = additions + deletions; buckets are [lower, next lower).
SIZE_BUCKETS = {"XS": 0, "S": 10, "M": 50, "L": 250, "XL": 1000}
ROUND_BUCKETS = ("0", "1", "2", "3+")

_REVERT_TITLE = r'^Revert "(.+)"'
_PR_SUFFIX = r"\(#(\d+)\)\s*$"
_REVERTS_REF = r"Reverts ([\w.-]+/[\w.-]+)#(\d+)"
_REVERTS_SHA = r"This reverts commit ([0-9a-fA-F]{7,40})"
_SHORT = 7  # shas are matched on their first 7 characters, then by prefix

REVERT_SCHEMA = {
    "repo_id": pl.Int64(),
    "number": pl.Int64(),
    "reverted_at": pl.Datetime("us", "UTC"),
}


def _targets_by_number(frame: pl.LazyFrame, repo: pl.Expr, number: pl.Expr) -> pl.LazyFrame:
    return frame.select(
        repo.cast(pl.Int64).alias("repo_id"),
        number.cast(pl.Int64, strict=False).alias("number"),
        "reverted_at",
    ).drop_nulls()


def reverted_prs(
    prs: pl.LazyFrame,
    revert_commits: pl.LazyFrame,
    links: pl.LazyFrame,
    repositories: pl.LazyFrame,
) -> pl.LazyFrame:
    """Merged PRs that a later revert references: ``repo_id, number, reverted_at`` (earliest).

    ``prs``: ``repo_id, number, title, body, merged_at, merge_commit_sha``
    (every PR; only merged ones revert or are reverted). ``revert_commits``:
    default-branch commits ``repo_id, sha, message, at``. A revert references
    its target by, in this order of use (all are used, the earliest revert wins):

    - ``Reverts owner/repo#N`` in a merged PR's body (GitHub's revert button);
    - ``Revert "<title> (#N)"``: a PR title or commit subject naming the number;
    - ``Revert "<title>"``: a merged PR of the same repository with that exact
      title, merged before the revert (the latest such);
    - ``This reverts commit <sha>`` in a commit message: the PR whose merge
      commit or one of whose commits is that sha (a prefix of >= 7 characters).

    A revert counts only when it came after the target's merge.
    """
    merged = prs.filter(pl.col("merged_at").is_not_null())
    names = repositories.select(pl.col("id").alias("ref_repo_id"), pl.col("full_name"))
    revert_prs = merged.filter(
        pl.col("title").str.contains(_REVERT_TITLE) | pl.col("body").str.contains(_REVERTS_REF)
    ).select(
        "repo_id",
        "number",
        pl.col("title").str.extract(_REVERT_TITLE, 1).alias("inner"),
        pl.col("body").str.extract(_REVERTS_REF, 1).alias("full_name"),
        pl.col("body").str.extract(_REVERTS_REF, 2).alias("ref_number"),
        pl.col("merged_at").alias("reverted_at"),
    )
    by_ref = revert_prs.join(names, on="full_name").pipe(
        _targets_by_number, pl.col("ref_repo_id"), pl.col("ref_number")
    )
    commit_subjects = revert_commits.select(
        "repo_id",
        pl.col("message").str.extract(_REVERT_TITLE, 1).alias("inner"),
        pl.col("at").alias("reverted_at"),
    )
    subjects = pl.concat([revert_prs.select("repo_id", "inner", "reverted_at"), commit_subjects])
    by_suffix = subjects.pipe(
        _targets_by_number, pl.col("repo_id"), pl.col("inner").str.extract(_PR_SUFFIX, 1)
    )
    by_title = (
        revert_prs.filter(~pl.col("inner").str.contains(_PR_SUFFIX))
        .select("repo_id", pl.col("number").alias("revert_number"), "inner", "reverted_at")
        .join(
            merged.select("repo_id", "number", pl.col("title").alias("inner"), "merged_at"),
            on=["repo_id", "inner"],
        )
        .filter(
            (pl.col("merged_at") < pl.col("reverted_at"))
            & (pl.col("number") != pl.col("revert_number"))
        )
        .group_by("repo_id", "revert_number")
        .agg(pl.col("number").sort_by("merged_at").last(), pl.col("reverted_at").first())
        .select("repo_id", "number", "reverted_at")
    )
    pr_shas = pl.concat(
        [
            merged.select("repo_id", "number", pl.col("merge_commit_sha").alias("sha")),
            links.select("repo_id", pl.col("pr_number").alias("number"), "sha"),
        ]
    ).drop_nulls("sha")
    by_sha = (
        _reverted_shas(revert_commits)
        .join(
            pr_shas.with_columns(
                pl.col("sha").str.to_lowercase(), _short_sha(pl.col("sha")).alias("_short")
            ),
            on=["repo_id", "_short"],
        )
        .filter(pl.col("sha").str.starts_with(pl.col("target_sha")))
        .select("repo_id", "number", "reverted_at")
    )
    return (
        pl.concat([by_ref, by_suffix, by_title, by_sha])
        .join(merged.select("repo_id", "number", "merged_at"), on=["repo_id", "number"])
        .filter(pl.col("reverted_at") >= pl.col("merged_at"))
        .group_by("repo_id", "number")
        .agg(pl.col("reverted_at").min())
        .select(pl.col(c).cast(t) for c, t in REVERT_SCHEMA.items())
    )


def _short_sha(sha: pl.Expr) -> pl.Expr:
    return sha.str.to_lowercase().str.slice(0, _SHORT)


def _reverted_shas(revert_commits: pl.LazyFrame) -> pl.LazyFrame:
    """``repo_id, target_sha, reverted_at, _short``: the shas ``This reverts commit`` names."""
    return (
        revert_commits.select(
            "repo_id",
            pl.col("message").str.extract(_REVERTS_SHA, 1).str.to_lowercase().alias("target_sha"),
            pl.col("at").alias("reverted_at"),
        )
        .drop_nulls("target_sha")
        .with_columns(_short_sha(pl.col("target_sha")).alias("_short"))
    )


def revert_links(links: pl.LazyFrame, revert_commits: pl.LazyFrame) -> pl.LazyFrame:
    """The ``links`` :func:`reverted_prs` can use: those whose sha a revert commit of the
    same repository names (``This reverts commit <sha>``: same first 7 characters, any case).

    ``reverted_prs(prs, revert_commits, revert_links(links, revert_commits), repositories)``
    equals ``reverted_prs(prs, revert_commits, links, repositories)``: a caller reading the
    links in parts keeps only these (a handful among millions).
    """
    named = _reverted_shas(revert_commits).select("repo_id", "_short").unique()
    return (
        links.with_columns(_short_sha(pl.col("sha")).alias("_short"))
        .join(named, on=["repo_id", "_short"], how="semi")
        .drop("_short")
    )


def size_bucket(lines: pl.Expr) -> pl.Expr:
    """The :data:`SIZE_BUCKETS` label of a changed-lines count (null when unknown)."""
    out = pl.when(lines.is_null()).then(None)
    bounds = list(SIZE_BUCKETS.items())
    for (label, _), (_, upper) in pairwise(bounds):
        out = out.when(lines < upper).then(pl.lit(label))
    return out.otherwise(pl.lit(bounds[-1][0]))


def _rounds_bucket(rounds: pl.Expr) -> pl.Expr:
    return pl.when(rounds >= 3).then(pl.lit("3+")).otherwise(rounds.cast(pl.String))


def _merged_compared(prs: pl.LazyFrame, period: Period) -> pl.LazyFrame:
    return prs.filter(
        pl.col("counted") & period.contains("merged_at") & pl.col("comparison").is_not_null()
    )


QUALITY_COLUMNS = (
    "merged_prs", "people", "reverted_prs", "revert_rate", "median_lines", "unreviewed_prs",
    "unreviewed_share", "reviewed_prs", "rounds_mean", "rounds_share",
)  # fmt: skip


def quality_summary(prs: pl.LazyFrame, period: Period) -> pl.LazyFrame:
    """Per ``group`` and ``comparison``, counted PRs merged in the period.

    ``prs`` needs ``reverted_at``, ``lines``, ``human_reviews``,
    ``changes_requested`` (nulls: none). Columns: ``merged_prs``, ``people``
    (distinct engineer authors), ``reverted_prs``, ``revert_rate``,
    ``median_lines``, ``unreviewed_prs``, ``unreviewed_share`` (merged without a
    human review), ``reviewed_prs``, ``rounds_mean`` (human CHANGES_REQUESTED
    reviews per human-reviewed PR), ``rounds_share`` (share of human-reviewed
    PRs with at least one).
    """
    reviewed = pl.col("human_reviews").fill_null(0) > 0
    rounds = pl.col("changes_requested").fill_null(0)
    return (
        _merged_compared(prs, period)
        .group_by(GROUP, "comparison")
        .agg(
            pl.len().cast(pl.Int64).alias("merged_prs"),
            pl.col("engineer_key").drop_nulls().n_unique().cast(pl.Int64).alias("people"),
            pl.col("reverted_at").is_not_null().sum().cast(pl.Int64).alias("reverted_prs"),
            pl.col("lines").median().alias("median_lines"),
            (~reviewed).sum().cast(pl.Int64).alias("unreviewed_prs"),
            reviewed.sum().cast(pl.Int64).alias("reviewed_prs"),
            rounds.filter(reviewed).mean().alias("rounds_mean"),
            (rounds.filter(reviewed) > 0).sum().cast(pl.Int64).alias("_with_rounds"),
        )
        .with_columns(
            share(pl.col("reverted_prs"), pl.col("merged_prs")).alias("revert_rate"),
            share(pl.col("unreviewed_prs"), pl.col("merged_prs")).alias("unreviewed_share"),
            share(pl.col("_with_rounds"), pl.col("reviewed_prs")).alias("rounds_share"),
        )
        .select(GROUP, "comparison", *QUALITY_COLUMNS)
        .sort(GROUP, "comparison")
    )


def _distribution(prs: pl.LazyFrame, bucket: pl.Expr, labels: tuple[str, ...]) -> pl.LazyFrame:
    counts = (
        prs.with_columns(bucket.alias("bucket"))
        .drop_nulls("bucket")
        .group_by(GROUP, "comparison", "bucket")
        .agg(pl.len().cast(pl.Int64).alias("prs"))
    )
    order = {b: i for i, b in enumerate(labels)}
    return (
        counts.with_columns(
            pl.col("prs").sum().over([*group_names(prs), "comparison"]).alias("_total")
        )
        .with_columns(
            share(pl.col("prs"), pl.col("_total")).alias("share"),
            pl.col("bucket").replace_strict(order, return_dtype=pl.Int8).alias("_o"),
        )
        .sort(GROUP, "comparison", "_o")
        .select(GROUP, "comparison", "bucket", "prs", "share")
    )


def size_distribution(prs: pl.LazyFrame, period: Period) -> pl.LazyFrame:
    """Per ``group``, ``comparison`` and size ``bucket``: ``prs`` and ``share`` (of the pair).

    PRs whose size is unknown are left out.
    """
    return _distribution(
        _merged_compared(prs, period), size_bucket(pl.col("lines")), tuple(SIZE_BUCKETS)
    )


def rounds_distribution(prs: pl.LazyFrame, period: Period) -> pl.LazyFrame:
    """Per ``group``, ``comparison`` and rounds ``bucket`` (0, 1, 2, 3+), human-reviewed PRs."""
    reviewed = _merged_compared(prs, period).filter(pl.col("human_reviews").fill_null(0) > 0)
    return _distribution(
        reviewed, _rounds_bucket(pl.col("changes_requested").fill_null(0)), ROUND_BUCKETS
    )


def compare_rates(
    prs: pl.LazyFrame | pl.DataFrame,
    flag: pl.Expr,
    settings: StatisticsSettings | None = None,
) -> Estimate:
    """AI-assisted minus no-marker share of PRs where ``flag`` holds, in percentage points.

    ``prs``: one row per PR with ``comparison`` and ``author_key`` (rows of
    other tools are ignored). The interval is a cluster bootstrap over authors
    (:mod:`aimetrics.metrics.stats`: a PR's author is resampled with all their
    PRs; agents are one author each). "Not enough data" below
    ``statistics.min_prs`` PRs or 2 authors on either side.
    """
    cfg = settings or StatisticsSettings()
    is_ai = pl.col("comparison") == AI_GROUP
    per = (
        prs.lazy()
        .filter(pl.col("comparison").is_not_null())
        .with_columns(flag.fill_null(False).alias("_flag"), is_ai.alias("_ai"))
        .group_by(pl.col("author_key").fill_null("(deleted account)"))
        .agg(
            pl.col("_ai").sum().alias("n_ai"),
            (pl.col("_ai") & pl.col("_flag")).sum().alias("x_ai"),
            (~pl.col("_ai")).sum().alias("n_no"),
            (~pl.col("_ai") & pl.col("_flag")).sum().alias("x_no"),
        )
        .sort("author_key")
        .collect()  # the bootstrap runs on this small per-author matrix
    )
    sums = per.select("n_ai", "x_ai", "n_no", "x_no").sum().row(0)
    n_ai, x_ai, n_no, x_no = (int(v or 0) for v in sums)
    authors_ai = per.filter(pl.col("n_ai") > 0).height
    authors_no = per.filter(pl.col("n_no") > 0).height
    if min(n_ai, n_no) < cfg.min_prs or min(authors_ai, authors_no) < 2:
        return Estimate.not_enough(
            per.height,
            n_ai + n_no,
            cfg.confidence_level,
            f"needs at least {cfg.min_prs} PRs and 2 authors on each side",
        )
    matrix = per.select("n_ai", "x_ai", "n_no", "x_no").to_numpy().astype(np.float64)
    weights = bootstrap_weights(per.height, cfg.bootstrap_samples, cfg.seed)
    boot = resampled_sums(weights, matrix)
    with np.errstate(divide="ignore", invalid="ignore"):
        diffs = (boot[:, 1] / boot[:, 0] - boot[:, 3] / boot[:, 2]) * 100.0
    point = (x_ai / n_ai - x_no / n_no) * 100.0
    return estimate(point, diffs, engineers=per.height, prs=n_ai + n_no, level=cfg.confidence_level)
