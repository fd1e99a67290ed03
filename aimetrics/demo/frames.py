"""The generated organization as store frames: schema column names, one frame per table."""

from __future__ import annotations

import numpy as np
import polars as pl
import sqlalchemy as sa

from aimetrics.demo import markers as mk
from aimetrics.demo.commit_messages import MERGE
from aimetrics.demo.commits import Commits
from aimetrics.demo.org import Org
from aimetrics.demo.pr_params import AGENT, DEPENDABOT, RENOVATE, STATE_NAMES
from aimetrics.demo.random_text import random_token
from aimetrics.demo.timeline import US_PER_HOUR, lognormal_hours
from aimetrics.ids import stable_id
from aimetrics.store import schema as s

_NODE_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

# Bots that appear as authors or reviewers: (login, email or None).
BOT_ACCOUNTS = (
    (mk.COPILOT_AGENT_LOGIN, mk.COPILOT_AGENT_EMAIL),
    (mk.COPILOT_REVIEWER, None),
    (mk.CODERABBIT, None),
    mk.DEPENDABOT,
    mk.RENOVATE,
    mk.GITHUB_ACTIONS,
)


def instant(column: str) -> pl.Expr:
    """int64 microseconds (-1: none) → Datetime(us, UTC)."""
    return (
        pl.when(pl.col(column) >= 0)
        .then(pl.from_epoch(pl.col(column), time_unit="us"))
        .dt.replace_time_zone("UTC")
        .alias(column)
    )


def repositories(org: Org) -> pl.DataFrame:
    return org.repos.select(
        pl.col("repo_id").alias("id"),
        "full_name",
        pl.lit("demo").alias("source"),
        pl.format("https://github.com/{}", "full_name").alias("web_url"),
        "default_branch",
        pl.lit(False).alias("is_fork"),
        pl.lit(False).alias("is_archived"),
        "created_at",
    ).sort("id")


def pull_requests(rng: np.random.Generator, org: Org, prs: pl.DataFrame) -> pl.DataFrame:
    """PR rows; ``prs`` already carries merge_commit_sha and commit_count."""
    n = prs.height
    logins = org.people["login"]
    kind = prs["kind"].to_numpy()
    author = prs["author"].to_numpy()
    author_login = pl.Series(logins.gather(np.maximum(author, 0))).to_numpy().astype(object)
    author_login[kind == AGENT] = mk.COPILOT_AGENT_LOGIN
    author_login[kind == DEPENDABOT] = mk.DEPENDABOT[0]
    author_login[kind == RENOVATE] = mk.RENOVATE[0]
    bot = np.isin(kind, [AGENT, DEPENDABOT, RENOVATE])
    end = org.timeline.end_us
    latest = np.max(
        np.stack(
            [prs[c].to_numpy() for c in ("created", "ready", "merged", "closed", "last_review")]
        ),
        axis=0,
    )
    updated = np.minimum(latest + lognormal_hours(rng, 0.3, 1.0, n), end - US_PER_HOUR)
    updated = np.maximum(updated, latest)
    frame = prs.with_columns(
        pl.Series("author_login", author_login.astype(str)),
        pl.Series("author_type", np.where(bot, "Bot", "User")),
        pl.Series("updated", updated),
        pl.Series("node_id", "PR_kwDO" + random_token(rng, n, 16, _NODE_ALPHABET)),
        # GitHub sets closed_at on merge too.
        pl.when(pl.col("merged") >= 0).then(pl.col("merged")).otherwise("closed").alias("closed"),
    )
    return frame.select(
        "repo_id",
        "number",
        "node_id",
        "title",
        "body",
        pl.col("state").replace_strict(range(3), STATE_NAMES, return_dtype=pl.String),
        (pl.col("ready") < 0).alias("is_draft"),
        "author_login",
        "author_type",
        instant("created").alias("created_at"),
        instant("ready").alias("ready_at"),
        instant("merged").alias("merged_at"),
        instant("closed").alias("closed_at"),
        instant("updated").alias("updated_at"),
        "additions",
        "deletions",
        "changed_files",
        pl.col("commit_count").fill_null(0),
        "head_ref",
        "base_ref",
        "merge_commit_sha",
        pl.lit("demo").alias("source"),
    ).sort("repo_id", "number")


def commit_rows(org: Org, commits: Commits) -> pl.DataFrame:
    return commits.frame.select(
        "repo_id",
        "sha",
        "author_name",
        "author_email",
        "author_login",
        "committer_name",
        "committer_email",
        "committer_login",
        instant("authored_us").alias("authored_at"),
        instant("authored_us").alias("committed_at"),
        "message",
        "additions",
        "deletions",
        pl.when((pl.col("part") == MERGE) & pl.col("merge_commits"))
        .then(2)
        .otherwise(1)
        .alias("parent_count"),
        "on_default_branch",
    ).sort("repo_id", "sha")


def reviews(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        "repo_id",
        "review_id",
        "pr_number",
        "reviewer_login",
        "reviewer_type",
        "state",
        instant("submitted_us").alias("submitted_at"),
    ).sort("repo_id", "review_id")


def people(org: Org) -> pl.DataFrame:
    humans = org.people.select(
        pl.col("person_id").alias("id"),
        "login",
        "display_name",
        pl.lit(False).alias("is_bot"),
        "excluded",
    )
    bots = pl.DataFrame(
        {
            "id": [stable_id(login) for login, _ in BOT_ACCOUNTS],
            "login": [login for login, _ in BOT_ACCOUNTS],
            "display_name": [login for login, _ in BOT_ACCOUNTS],
            "is_bot": [True] * len(BOT_ACCOUNTS),
            "excluded": [False] * len(BOT_ACCOUNTS),
        }
    )
    return pl.concat([humans, bots]).sort("id")


def identities(org: Org) -> pl.DataFrame:
    p = org.people
    parts = [
        p.select(pl.lit("login").alias("kind"), pl.col("login").alias("value"), "person_id"),
        p.select(pl.lit("email").alias("kind"), pl.col("corp_email").alias("value"), "person_id"),
        p.select(
            pl.lit("email").alias("kind"), pl.col("noreply_email").alias("value"), "person_id"
        ),
        p.select(
            pl.lit("email").alias("kind"), pl.col("personal_email").alias("value"), "person_id"
        ),
        p.select(pl.lit("name").alias("kind"), pl.col("display_name").alias("value"), "person_id"),
        pl.DataFrame(
            {
                "kind": ["login"] * len(BOT_ACCOUNTS),
                "value": [login for login, _ in BOT_ACCOUNTS],
                "person_id": [stable_id(login) for login, _ in BOT_ACCOUNTS],
            }
        ),
        pl.DataFrame(
            {
                "kind": ["email"] * sum(e is not None for _, e in BOT_ACCOUNTS),
                "value": [e for _, e in BOT_ACCOUNTS if e is not None],
                "person_id": [stable_id(login) for login, e in BOT_ACCOUNTS if e is not None],
            }
        ),
    ]
    frame = pl.concat(parts).drop_nulls("value").with_columns(pl.col("value").str.to_lowercase())
    # A name shared by two people identifies neither: leave it out.
    return (
        frame.filter(pl.col("person_id").n_unique().over("kind", "value") == 1)
        .unique(["kind", "value"], keep="first")
        .with_columns(pl.lit("demo").alias("source"))
        .sort("kind", "value")
    )


def teams(org: Org) -> pl.DataFrame:
    return org.teams.select("slug", "name", pl.lit("demo").alias("source"))


def team_memberships(org: Org) -> pl.DataFrame:
    return org.memberships.sort("team_slug", "person_id", "valid_from")


def schema_frames(
    *,
    repositories: pl.DataFrame,
    pull_requests: pl.DataFrame,
    labels: pl.DataFrame,
    commits: pl.DataFrame,
    links: pl.DataFrame,
    reviews: pl.DataFrame,
    people: pl.DataFrame,
    identities: pl.DataFrame,
    teams: pl.DataFrame,
    memberships: pl.DataFrame,
    tools: pl.DataFrame,
    plans: pl.DataFrame,
    seats: pl.DataFrame,
    costs: pl.DataFrame,
    usage: pl.DataFrame,
    ai_lines: pl.DataFrame | None = None,
    vendor_usage: pl.DataFrame | None = None,
) -> list[tuple[sa.Table, pl.DataFrame]]:
    """Frames in foreign-key order, each with exactly its table's columns and dtypes."""
    from aimetrics.store.write import conform

    pairs = [
        (s.repositories, repositories),
        (s.pull_requests, pull_requests),
        (s.pull_request_labels, labels),
        (s.commits, commits),
        (s.pull_request_commits, links.sort("repo_id", "pr_number", "sha")),
        (s.reviews, reviews),
        (s.people, people),
        (s.identities, identities),
        (s.teams, teams),
        (s.team_memberships, memberships),
        (s.ai_tools, tools),
        (s.seat_plans, plans),
        (s.seat_assignments, seats.drop("person")),
        (s.cost_records, costs),
        (s.copilot_usage, usage),
        *([(s.commit_ai_lines, ai_lines)] if ai_lines is not None else []),
    ]
    if vendor_usage is not None:  # the vendors' own usage reports (demo/vendor_usage.py)
        pairs.append((s.vendor_usage, vendor_usage))
    return [(table, conform(table, frame)) for table, frame in pairs]
