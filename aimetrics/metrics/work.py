"""The shared intermediate frames every delivery and adoption metric starts from.

Built once per store load, then filtered by period:

- :func:`merged_work`: one row per merged PR with its AI flags and its author;
- :func:`engineer_activity`: one row per piece of work that makes an engineer
  active (a merged PR they authored, a default-branch commit they authored).
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from aimetrics.metrics.people import resolve_commit_authors, resolve_pr_authors, with_columns_of

FLAG_COLUMNS = ("is_ai", "is_agent", "is_ai_reviewed", "is_bot_non_ai")

MERGED_WORK_SCHEMA = {
    "repo_id": pl.Int64(),
    "number": pl.Int64(),
    "merged_at": pl.Datetime("us", "UTC"),
    "author_key": pl.String(),
    "is_ai": pl.Boolean(),
    "is_agent": pl.Boolean(),
    "is_ai_reviewed": pl.Boolean(),
    "ai_tool": pl.String(),
    "counted": pl.Boolean(),
    "by_engineer": pl.Boolean(),
}

ACTIVITY_SCHEMA = {"person_key": pl.String(), "at": pl.Datetime("us", "UTC")}


def merged_work(
    pull_requests: pl.LazyFrame,
    pr_flags: pl.LazyFrame,
    directory: pl.LazyFrame,
    exclude: Iterable[str] = (),
    bots: Iterable[str] = (),
) -> pl.LazyFrame:
    """Merged PRs with their AI flags and author.

    ``pr_flags`` is :func:`aimetrics.tagging.classify.pr_flags`' output (a PR
    without a row there has no marker). ``counted`` marks the PRs every merged-PR
    metric counts: not authored by a non-AI bot, not by an excluded person.
    ``by_engineer`` marks the counted PRs whose author is an engineer (a human, not
    a bot or an agent's bot account). A PR an engineer opened counts for them even
    when an agent wrote its commits (``is_agent``): they asked for it, reviewed
    the result and answer for it; only PRs an agent opened under its own account
    belong to no engineer.
    """
    flags = pr_flags.select("repo_id", "number", *FLAG_COLUMNS, "ai_tool")
    return (
        resolve_pr_authors(
            with_columns_of(pull_requests, {"author_email": pl.String()})
            .filter(pl.col("merged_at").is_not_null())
            .select(
                "repo_id", "number", "merged_at", "author_login", "author_type", "author_email"
            ),
            directory,
            exclude,
            bots,
        )
        .join(flags, on=["repo_id", "number"], how="left")
        .with_columns(pl.col(c).fill_null(False) for c in FLAG_COLUMNS)
        .with_columns((~pl.col("is_bot_non_ai") & ~pl.col("author_excluded")).alias("counted"))
        .with_columns(
            (
                pl.col("counted") & pl.col("author_key").is_not_null() & ~pl.col("author_is_bot")
            ).alias("by_engineer")
        )
        .select(
            pl.col(name).cast(dtype) if name == "number" else pl.col(name)
            for name, dtype in MERGED_WORK_SCHEMA.items()
        )
    )


def engineer_activity(
    merged: pl.LazyFrame,
    commits: pl.LazyFrame,
    directory: pl.LazyFrame,
    exclude: Iterable[str] = (),
    commit_flags: pl.LazyFrame | None = None,
    bots: Iterable[str] = (),
) -> pl.LazyFrame:
    """When each engineer did work that makes them active: ``person_key``, ``at`` (UTC).

    ``merged``: :func:`merged_work`; its ``by_engineer`` PRs count at ``merged_at``.
    ``commits``: the ``commits`` table; default-branch commits by a human,
    non-excluded author count at ``committed_at`` (the time the commit was
    made on the branch; ``authored_at`` when unknown), except commits an AI
    agent authored (``is_agent`` in ``commit_flags``, the output of
    :func:`aimetrics.tagging.classify.commit_flags`).
    """
    branch_commits = commits.filter(pl.col("on_default_branch").fill_null(False)).select(
        "repo_id", "sha", "author_login", "author_email", "authored_at", "committed_at"
    )
    if commit_flags is not None:
        agents = commit_flags.filter(pl.col("is_agent")).select("repo_id", "sha")
        branch_commits = branch_commits.join(agents, on=["repo_id", "sha"], how="anti")
    from_commits = (
        resolve_commit_authors(branch_commits, directory, exclude, bots)
        .filter(
            pl.col("author_key").is_not_null()
            & ~pl.col("author_is_bot")
            & ~pl.col("author_excluded")
        )
        .select(
            pl.col("author_key").alias("person_key"),
            pl.coalesce("committed_at", "authored_at").alias("at"),
        )
    )
    from_prs = merged.filter(pl.col("by_engineer")).select(
        pl.col("author_key").alias("person_key"), pl.col("merged_at").alias("at")
    )
    return pl.concat([from_prs, from_commits]).filter(pl.col("at").is_not_null())
