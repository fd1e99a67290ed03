"""The work facts: the per-PR, per-commit and per-activity frames every metric starts from.

Pure, built once per store load (:func:`aimetrics.figures.facts.load_facts`; see
docs/metrics.md "Adoption"):

- :func:`pr_facts`: every PR with its AI flags, author, repository, link and the
  author's team(s) of the time;
- :func:`commit_facts`: default-branch commits with AI flags, author, teams, lines;
- :func:`contributor_activity`: what makes an engineer active, with AI flags;
- :func:`memberships_by_person` / :func:`teams_at`: a person's teams on a day.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from aimetrics.metrics.people import resolve_commit_authors, resolve_pr_authors, with_columns_of
from aimetrics.metrics.period import local_date

_FLAGS = ("is_ai", "is_agent", "is_ai_reviewed", "is_bot_non_ai")


PR_COLUMNS = (
    "repo_id", "number", "title", "state", "is_draft", "author_login", "author_type",
    "created_at", "ready_at", "merged_at", "closed_at", "additions", "deletions",
    "changed_files", "merge_commit_sha", "source", "author_email", "head_ref",
)  # fmt: skip


# Columns a PR frame built before they existed may lack (PRs recovered from git use them).
GIT_PR_COLUMNS = {"author_email": pl.String(), "head_ref": pl.String()}


# --- the facts ------------------------------------------------------------------------


def memberships_by_person(team_memberships: pl.LazyFrame, people: pl.LazyFrame) -> pl.LazyFrame:
    """Team memberships keyed like :func:`aimetrics.metrics.people.person_directory`.

    Columns: ``person_key`` (the person's login lower-cased, else ``person:<id>``),
    ``team``, ``valid_from`` (inclusive), ``valid_to`` (exclusive, null = open).
    """
    keys = people.select(
        pl.col("id").alias("person_id"),
        pl.coalesce(pl.col("login").str.to_lowercase(), pl.format("person:{}", pl.col("id"))).alias(
            "person_key"
        ),
    )
    return team_memberships.join(keys, on="person_id").select(
        "person_key", pl.col("team_slug").alias("team"), "valid_from", "valid_to"
    )


def teams_at(
    frame: pl.LazyFrame, memberships: pl.LazyFrame, person: str, day: pl.Expr
) -> pl.LazyFrame:
    """``frame`` plus ``teams`` (sorted list): the ``person``'s teams on ``day`` (a Date).

    Membership of the time: ``valid_from <= day < valid_to`` (open when null);
    ``[]`` when the person was in no team that day.
    """
    rows = frame.with_columns(day.alias("_day"))
    teams = (
        rows.select(pl.col(person).alias("person_key"), "_day")
        .unique()
        .join(memberships, on="person_key")
        .filter(
            (pl.col("valid_from") <= pl.col("_day"))
            & (pl.col("valid_to").is_null() | (pl.col("_day") < pl.col("valid_to")))
        )
        .group_by("person_key", "_day")
        .agg(pl.col("team").unique().sort().alias("teams"))
    )
    return (
        rows.join(
            teams,
            left_on=[person, "_day"],
            right_on=["person_key", "_day"],
            how="left",
            maintain_order="left",
        )
        .with_columns(pl.col("teams").fill_null(pl.lit([], dtype=pl.List(pl.String))))
        .drop("_day")
    )


def _repo_names(repositories: pl.LazyFrame) -> pl.LazyFrame:
    return repositories.select(
        pl.col("id").alias("repo_id"),
        pl.col("full_name").alias("repository"),
        pl.col("web_url").str.strip_chars_end("/").alias("web_url"),
    )


def _lines(additions: str = "additions", deletions: str = "deletions") -> pl.Expr:
    """Changed lines: additions + deletions (null when both are unknown)."""
    return (
        pl.when(pl.col(additions).is_null() & pl.col(deletions).is_null())
        .then(None)
        .otherwise(pl.col(additions).fill_null(0) + pl.col(deletions).fill_null(0))
        .cast(pl.Int64)
    )


def pr_facts(
    pull_requests: pl.LazyFrame,
    flags: pl.LazyFrame,
    directory: pl.LazyFrame,
    repositories: pl.LazyFrame,
    memberships: pl.LazyFrame,
    tz: str = "UTC",
    exclude: Iterable[str] = (),
    bots: Iterable[str] = (),
) -> pl.LazyFrame:
    """Every PR (any state) with AI flags, author, repository, link and teams.

    ``flags``: :func:`aimetrics.tagging.classify.pr_flags` over all PRs;
    ``memberships``: :func:`memberships_by_person`. ``counted``: not authored by a
    non-AI bot, not by an excluded person; ``by_engineer``: counted, and its author is
    an engineer (a human, not a bot or an agent's bot account) and no AI agent wrote it
    (``is_agent``);
    ``engineer_key`` is the author's key when ``by_engineer`` (else null),
    ``human_key`` when the author is a person (also for a person's PR an agent
    wrote: privacy counts people, not engineers);
    ``url`` is ``web_url/pull/N``; ``teams`` are the author's teams on the day
    the PR was merged (else closed, else opened); ``lines`` = additions + deletions.
    """
    base = resolve_pr_authors(
        with_columns_of(pull_requests, GIT_PR_COLUMNS).select(PR_COLUMNS),
        directory,
        tuple(exclude),
        tuple(bots),
    )
    facts = (
        base.join(
            flags.select("repo_id", "number", *_FLAGS, "ai_tool"),
            on=["repo_id", "number"],
            how="left",
        )
        .with_columns(pl.col(c).fill_null(False) for c in _FLAGS)
        .with_columns((~pl.col("is_bot_non_ai") & ~pl.col("author_excluded")).alias("counted"))
        .with_columns(
            (
                pl.col("counted")
                & pl.col("author_key").is_not_null()
                & ~pl.col("author_is_bot")
                & ~pl.col("is_agent")
            ).alias("by_engineer")
        )
        .with_columns(
            pl.when(pl.col("by_engineer")).then(pl.col("author_key")).alias("engineer_key"),
            pl.when(~pl.col("author_is_bot")).then(pl.col("author_key")).alias("human_key"),
            _lines().alias("lines"),
        )
        .join(_repo_names(repositories), on="repo_id", how="left")
        .with_columns(pl.format("{}/pull/{}", pl.col("web_url"), pl.col("number")).alias("url"))
        .drop("web_url")
    )
    when = pl.coalesce("merged_at", "closed_at", "created_at")
    return teams_at(facts, memberships, "author_key", local_date(when, tz))


def commit_facts(
    commits: pl.LazyFrame,
    flags: pl.LazyFrame,
    directory: pl.LazyFrame,
    repositories: pl.LazyFrame,
    memberships: pl.LazyFrame,
    tz: str = "UTC",
    exclude: Iterable[str] = (),
    bots: Iterable[str] = (),
) -> pl.LazyFrame:
    """Default-branch commits with AI flags, author, repository, teams and lines.

    ``flags``: :func:`aimetrics.tagging.classify.commit_flags`. ``at``: when the
    commit was made on the branch (``committed_at``, else ``authored_at``).
    ``counted``: not by a non-AI bot and not by an excluded person (AI agents'
    commits count: they are AI-assisted); ``is_engineer``: a human, not excluded,
    not an agent's commit (what makes an engineer active: :func:`contributor_activity`).
    """
    branch = commits.filter(pl.col("on_default_branch").fill_null(False)).select(
        "repo_id", "sha", "author_login", "author_email", "authored_at", "committed_at",
        "additions", "deletions",
    )  # fmt: skip
    facts = (
        resolve_commit_authors(branch, directory, tuple(exclude), tuple(bots))
        .join(
            flags.select("repo_id", "sha", "is_ai", "is_agent", "ai_tool"),
            on=["repo_id", "sha"],
            how="left",
        )
        .with_columns(pl.col("is_ai", "is_agent").fill_null(False))
        .with_columns(
            pl.coalesce("committed_at", "authored_at").alias("at"),
            _lines().alias("lines"),
            (~(pl.col("author_is_bot") & ~pl.col("is_agent")) & ~pl.col("author_excluded")).alias(
                "counted"
            ),
            (
                pl.col("author_key").is_not_null()
                & ~pl.col("author_is_bot")
                & ~pl.col("author_excluded")
                & ~pl.col("is_agent")
            ).alias("is_engineer"),
        )
        .join(_repo_names(repositories).drop("web_url"), on="repo_id", how="left")
    )
    return teams_at(facts, memberships, "author_key", local_date("at", tz))


ACTIVITY_COLUMNS = ("person_key", "at", "kind", "repository", "teams", "is_ai", "ai_tool")


def contributor_activity(prs: pl.LazyFrame, commits: pl.LazyFrame) -> pl.LazyFrame:
    """What makes an engineer active, with AI flags and context.

    One row per counted merged PR an engineer authored (at ``merged_at``, kind
    ``pr``) and per default-branch commit an engineer authored (at ``at``, kind
    ``commit``). ``prs``/``commits``: :func:`pr_facts` / :func:`commit_facts`.
    """
    from_prs = prs.filter(pl.col("by_engineer") & pl.col("merged_at").is_not_null()).select(
        pl.col("author_key").alias("person_key"),
        pl.col("merged_at").alias("at"),
        pl.lit("pr").alias("kind"),
        *ACTIVITY_COLUMNS[3:],
    )
    from_commits = commits.filter(pl.col("is_engineer") & pl.col("at").is_not_null()).select(
        pl.col("author_key").alias("person_key"),
        "at",
        pl.lit("commit").alias("kind"),
        *ACTIVITY_COLUMNS[3:],
    )
    return pl.concat([from_prs, from_commits])
