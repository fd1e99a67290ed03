"""The store reads behind :func:`aimetrics.figures.facts.load_facts` that are more than a
table read: commits and PR-commit links read in parts and reduced as they come (millions of
rows at 1M PRs), revert candidates, unresolved identities; and the small reads the
dashboard and the exports make apart: the latest merge, the Copilot usage reports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl
import sqlalchemy as sa

from aimetrics.metrics.copilot_usage import usage_records
from aimetrics.metrics.cost.seats import (
    combined_seat_plans,
    combined_seats,
    config_seat_holders,
    config_seat_plans,
)
from aimetrics.metrics.quality import revert_links
from aimetrics.settings import AiTool
from aimetrics.store import Snapshot
from aimetrics.store import schema as s
from aimetrics.store.adbc import fetch_frame
from aimetrics.store.read import restore_types
from aimetrics.store.types import UTC_DATETIME, table_schema


def read_revert_bodies(snap: Snapshot) -> pl.DataFrame:
    """Bodies of the PRs that may be reverts (reading every body would be wasteful)."""
    pr = s.pull_requests.c
    return snap.read(
        s.pull_requests,
        columns=["repo_id", "number", "body"],
        where=sa.or_(pr.title.like("Revert%"), pr.body.like("%Reverts %")),
    )


def read_revert_commits(snap: Snapshot) -> pl.DataFrame:
    c = s.commits.c
    commits = snap.read(
        s.commits,
        columns=["repo_id", "sha", "message", "authored_at", "committed_at"],
        where=sa.and_(
            c.on_default_branch.is_(True),
            sa.or_(c.message.like("Revert%"), c.message.like("%This reverts commit%")),
        ),
    )
    return commits.select(
        "repo_id", "sha", "message", pl.coalesce("committed_at", "authored_at").alias("at")
    )


# The commits' columns the facts read: commit_facts' (default branch) and the explain view's.
_COMMIT_COLUMNS = (
    "repo_id", "sha", "author_login", "author_email", "authored_at", "committed_at",
    "additions", "deletions", "on_default_branch",
)  # fmt: skip


# The explain view reads the first six; the marker coverage also counts the lines.
_EXPLAIN_COMMIT_COLUMNS = _COMMIT_COLUMNS[:8]


_READ_ROWS = 250_000  # rows of commits or links in memory at once while they are read


@dataclass(frozen=True)
class _Commits:
    """What the facts keep of the store's commits (millions at 1M PRs: read once, reduced
    as they come, so they are never all in memory)."""

    branch: pl.DataFrame  # default-branch commits: _COMMIT_COLUMNS
    tagged: pl.DataFrame  # commits (any branch) with a commit tag: _EXPLAIN_COMMIT_COLUMNS
    emails: pl.DataFrame  # email (author e-mail, lower-case), commits: every commit counted


def read_commits(snap: Snapshot, tagged_shas: pl.DataFrame) -> _Commits:
    """The store's commits reduced to :class:`_Commits` (``tagged_shas``: ``repo_id, sha``)."""
    schema = table_schema(s.commits, list(_COMMIT_COLUMNS))
    branch, tagged, emails = [], [], []
    stmt = sa.select(*(s.commits.c[c] for c in schema))
    for part in snap.batches(stmt, schema, rows=_READ_ROWS):
        branch.append(_compact(part.filter(pl.col("on_default_branch").fill_null(False))))
        tagged.append(
            _compact(
                part.join(tagged_shas, on=["repo_id", "sha"], how="semi").select(
                    _EXPLAIN_COMMIT_COLUMNS
                )
            )
        )
        emails.append(_email_counts(part))
    none = pl.DataFrame(schema=schema)
    counts = pl.concat(emails) if emails else _email_counts(none)
    return _Commits(
        branch=pl.concat(branch) if branch else none,
        tagged=pl.concat(tagged) if tagged else none.select(_EXPLAIN_COMMIT_COLUMNS),
        emails=counts.group_by("email").agg(pl.col("commits").sum()),
    )


def _compact(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` holding only its own rows' text: a filtered frame's strings still point
    into the whole part's buffers, which would then stay in memory with it (a third of the
    commits kept would hold all of them)."""
    out = pl.from_arrow(frame.to_arrow(compat_level=pl.CompatLevel.oldest()))
    assert isinstance(out, pl.DataFrame)
    return out


def _email_counts(commits: pl.DataFrame) -> pl.DataFrame:
    """``email, commits``: commits per author e-mail, lower-cased."""
    return commits.group_by(pl.col("author_email").str.to_lowercase().alias("email")).agg(
        pl.len().cast(pl.Int64).alias("commits")
    )


@dataclass(frozen=True)
class _Links:
    """What the facts need of the PRs' commit links (millions at 1M PRs, reduced as read)."""

    commits: pl.DataFrame  # per PR with links: first_commit_at (first_commits'), commits (links)
    tagged: pl.DataFrame  # the links of tagged commits: repo_id, pr_number, sha
    reverts: pl.DataFrame  # the links a revert commit may name (quality.revert_links)


def read_links(snap: Snapshot, tagged_shas: pl.DataFrame, revert_commits: pl.DataFrame) -> _Links:
    """Every PR-commit link with its commit's authored date (one join in the database), reduced
    as it comes to :class:`_Links`. ``first_commit_at`` is :func:`first_commits`' (the
    earliest authored date of the PR's commits in the store), added up over the parts."""
    link, commit = s.pull_request_commits.c, s.commits.c
    stmt = sa.select(link.repo_id, link.pr_number, link.sha, commit.authored_at).select_from(
        s.pull_request_commits.outerjoin(
            s.commits, sa.and_(commit.repo_id == link.repo_id, commit.sha == link.sha)
        )
    )
    schema = {
        **table_schema(s.pull_request_commits, ["repo_id", "pr_number", "sha"]),
        **table_schema(s.commits, ["authored_at"]),
    }
    per_pr, tagged, reverts = [], [], []
    reverting = revert_commits.lazy()
    for part in snap.batches(stmt, schema, rows=_READ_ROWS):
        per_pr.append(_per_pr(part))
        links = part.lazy().select("repo_id", "pr_number", "sha")
        tagged.append(
            _compact(links.join(tagged_shas.lazy(), on=["repo_id", "sha"], how="semi").collect())
        )
        reverts.append(_compact(revert_links(links, reverting).collect()))
    if not per_pr:  # no links: one empty part, for the frames' columns and dtypes
        part = pl.DataFrame(schema=schema)
        per_pr, tagged, reverts = [_per_pr(part)], [part.drop("authored_at")], []
    return _Links(
        commits=pl.concat(per_pr)
        .group_by("repo_id", "number")
        .agg(pl.col("first_commit_at").min(), pl.col("commits").sum()),
        tagged=pl.concat(tagged),
        reverts=pl.concat([tagged[0].clear(), *reverts]),
    )


def _per_pr(links: pl.DataFrame) -> pl.DataFrame:
    """Per PR: ``first_commit_at`` (earliest ``authored_at``), ``commits`` (links)."""
    return links.group_by("repo_id", pl.col("pr_number").alias("number")).agg(
        pl.col("authored_at").min().alias("first_commit_at"),
        pl.len().cast(pl.Int64).alias("commits"),
    )


def unresolved_identities(identities: pl.DataFrame, people: pl.DataFrame, counts: pl.DataFrame):  # type: ignore[no-untyped-def]
    """``counts``: commits per lower-cased author e-mail (:func:`_email_counts`)."""
    emails = identities.filter(pl.col("source") == "unresolved").select(
        pl.col("value").alias("email"), "person_id"
    )
    return (
        emails.join(
            people.select(pl.col("id").alias("person_id"), pl.col("display_name").alias("name")),
            on="person_id",
            how="left",
        )
        .join(counts, on="email", how="left")
        .select("email", "name", pl.col("commits").fill_null(0))
        .sort("commits", "email", descending=[True, False])
    )


def load_copilot_usage(engine: sa.Engine) -> pl.DataFrame:
    """The store's Copilot usage reports, decoded (:func:`usage_records`).

    Read apart from :func:`load_facts`, by the pages and exports that show them: the
    table stands alone (one collector step writes it whole, in its own transaction), so
    reading it in its own snapshot sees a whole collection as :func:`load_facts` does.
    """
    with Snapshot(engine) as snap:
        usage = snap.read(s.copilot_usage)
    return usage_records(usage.lazy()).collect()


def load_copilot_phases(engine: sa.Engine) -> pl.DataFrame:
    """The store's Copilot adoption phases (``copilot_adoption_phases``), read apart as
    :func:`load_copilot_usage` (the same collector step writes both)."""
    with Snapshot(engine) as snap:
        return snap.read(s.copilot_adoption_phases)


def load_copilot_user_teams(engine: sa.Engine) -> pl.DataFrame:
    """The Copilot user-teams report (``copilot_user_teams``): the teams of people in no
    team of ours, for the Copilot figures' team filter (figures.copilot.copilot_records)."""
    with Snapshot(engine) as snap:
        return snap.read(s.copilot_user_teams, columns=["day", "user_login", "team_slug"])


def latest_merged_at(engine: sa.Engine) -> dt.datetime | None:
    """The latest ``merged_at`` in the store (one small query; None when nothing merged)."""
    stmt = sa.select(sa.func.max(s.pull_requests.c.merged_at).label("latest"))
    return restore_types(fetch_frame(engine, stmt), {"latest": UTC_DATETIME})["latest"][0]


def read_seats(snap: Snapshot, ai_tools: Sequence[AiTool] = ()) -> tuple[pl.DataFrame, ...]:
    """The seat plans and seat assignments every cost figure uses: the store's tables with
    the configuration's ``ai_tools`` added
    (:func:`~aimetrics.metrics.cost.seats.combined_seat_plans`,
    :func:`~aimetrics.metrics.cost.seats.combined_seats`).
    Returns ``(seat_plans, seat_assignments)``."""
    return (
        combined_seat_plans(snap.read(s.seat_plans), config_seat_plans(ai_tools)),
        combined_seats(snap.read(s.seat_assignments), config_seat_holders(ai_tools)),
    )
