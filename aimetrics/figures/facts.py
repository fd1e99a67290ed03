"""The store edge: :class:`Facts`, every frame the figures start from, read once.

:func:`load_facts` reads the store in one snapshot (every PR with its flags, team, timeline,
revert; default-branch commits; activity; seats, seat plans and cost records; the explain
view's inputs); :func:`load_facts_for` passes it a configuration's settings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import polars as pl
import sqlalchemy as sa

from aimetrics.figures.line_facts import commit_evidence, empty_line_rows, line_rows
from aimetrics.figures.store_reads import (
    read_commits,
    read_links,
    read_revert_bodies,
    read_revert_commits,
    read_seats,
    unresolved_identities,
)
from aimetrics.figures.tags import ExplainInputs
from aimetrics.figures.view import non_ai_bots
from aimetrics.metrics.adoption import seat_facts
from aimetrics.metrics.delivery import (
    ai_review_ids,
    cycle_spans,
    review_summary,
)
from aimetrics.metrics.evidence import (
    VENDOR_ACTIVITY,
    copilot_evidence,
    evidence,
    marker_evidence,
    seat_evidence,
    vendor_evidence,
    vendor_usage_evidence,
)
from aimetrics.metrics.marker_coverage import vendor_users
from aimetrics.metrics.people import person_directory
from aimetrics.metrics.quality import reverted_prs
from aimetrics.metrics.work_facts import (
    PR_COLUMNS,
    commit_facts,
    contributor_activity,
    memberships_by_person,
    pr_facts,
)
from aimetrics.settings import AiTool, Settings
from aimetrics.store import Snapshot
from aimetrics.store import schema as s
from aimetrics.tagging import commit_flags, pr_flags
from aimetrics.vocabulary import LINE_EVIDENCE_RULE

# Commit facts' columns the figures read (commit_shares, the Data page's per-tool counts,
# selection and breakdowns); the rest served contributor_activity and is dropped at load.
_COMMIT_FIGURE_COLUMNS = (
    "repo_id", "author_key", "is_ai", "is_agent", "ai_tool", "at", "lines", "counted",
    "is_engineer", "repository", "teams", "evidence_added_lines",
)  # fmt: skip


@dataclass(frozen=True)
class Facts:
    """Every frame the Adoption, Delivery, Quality and Data pages start from."""

    prs: pl.DataFrame  # pr_facts + first commit, review summary, reverted_at, cycle spans
    commits: pl.DataFrame  # commit_facts of default-branch commits: _COMMIT_FIGURE_COLUMNS
    activity: pl.DataFrame  # contributor_activity
    seats: pl.DataFrame  # seat_facts of the store's seats and the configured holders
    seat_plans: pl.DataFrame  # the store's and the configuration's (store_reads.read_seats)
    cost_records: pl.DataFrame  # the store table
    directory: pl.DataFrame  # person_directory
    memberships: pl.DataFrame  # memberships_by_person
    unresolved: pl.DataFrame  # identities nothing resolved: email, name, commits
    sync_state: pl.DataFrame
    teams: pl.DataFrame  # slug, name
    repositories: tuple[str, ...]
    tools: pl.DataFrame  # id, name: every tool in the catalogue table or in a tag
    explain: ExplainInputs  # what the Data page's explain view (``tags``) is built from
    # Evidence of AI use (aimetrics.metrics.evidence): person_key, day, tool_id, source.
    evidence: pl.DataFrame
    # The vendors' usage rows naming a user (aimetrics.metrics.marker_coverage.vendor_users)
    # and every marked commit of any branch a tool made (not PR merge commits, which
    # GitHub makes): the Data page's marker coverage.
    vendor_usage: pl.DataFrame
    marked_commits: pl.DataFrame
    # Line evidence of the default-branch commits, every source (figures.line_facts).
    ai_lines: pl.DataFrame = field(default_factory=empty_line_rows)

    @cached_property
    def tags(self) -> pl.DataFrame:
        """Tagged changes: the explain view (matched text masked unless allowed).

        Built on first use (only the Data page and the exports show it), from rows read
        in :func:`load_facts`' snapshot, so it is as consistent as every other frame."""
        return self.explain.build(self.prs, self.directory, self.memberships)


def load_facts(
    engine: sa.Engine,
    *,
    min_confidence: str = "medium",
    exclude: tuple[str, ...] = (),
    bots: tuple[str, ...] = (),
    tz: str = "UTC",
    show_individuals: bool = False,
    ai_tools: Sequence[AiTool] = (),
) -> Facts:
    """Read the store once and build :class:`Facts` (uncached: the dashboard caches it).

    ``min_confidence``: ``tagging.min_confidence``; ``exclude``: ``exclude.people``;
    ``bots``: the rule catalogue's non-AI bot logins and e-mails; ``tz``:
    ``reporting.timezone`` (teams of the day, weeks); ``ai_tools``: the configuration's,
    whose seat plans and holders join the store's
    (:func:`aimetrics.figures.store_reads.read_seats`). Tagged changes' matched text is
    masked unless ``show_individuals``.
    """
    # One read transaction for every table: a collector committing a sync meanwhile
    # is seen whole or not at all (aimetrics.store.Snapshot).
    with Snapshot(engine) as snap:
        return _load_facts(
            snap, min_confidence=min_confidence, exclude=exclude, bots=bots, tz=tz,
            show_individuals=show_individuals, ai_tools=ai_tools,
        )  # fmt: skip


def load_facts_for(engine: sa.Engine, settings: Settings) -> Facts:
    """:func:`load_facts` with the configuration's settings (tagging, exclusions, non-AI
    bots, time zone, ``privacy.show_individuals``, the AI tools' seats)."""
    tagging = settings.tagging
    return load_facts(
        engine,
        min_confidence=tagging.min_confidence,
        exclude=tuple(settings.exclude.people),
        bots=non_ai_bots(settings),
        tz=settings.reporting.timezone,
        show_individuals=settings.privacy.show_individuals,
        ai_tools=tuple(settings.ai_tools),
    )


def _load_facts(
    snap: Snapshot,
    *,
    min_confidence: str,
    exclude: tuple[str, ...],
    bots: tuple[str, ...],
    tz: str,
    show_individuals: bool,
    ai_tools: Sequence[AiTool],
) -> Facts:
    prs = snap.read(s.pull_requests, columns=list(PR_COLUMNS))
    prs = prs.join(read_revert_bodies(snap), on=["repo_id", "number"], how="left")
    tags = snap.read(s.ai_tags)
    tagged_shas = (
        tags.filter(pl.col("entity") == "commit")
        .select("repo_id", pl.col("entity_key").alias("sha"))
        .unique()
    )
    # Commits and links are read in parts and only what the facts use is kept of them: at
    # 1M PRs they are millions of rows each (see read_commits, read_links).
    commits = read_commits(snap, tagged_shas)
    revert_commits = read_revert_commits(snap)
    links = read_links(snap, tagged_shas, revert_commits)
    reviews = snap.read(s.reviews).lazy()
    people = snap.read(s.people)
    identities = snap.read(s.identities)
    repositories = snap.read(s.repositories, columns=["id", "full_name", "web_url"])
    directory = person_directory(people.lazy(), identities.lazy(), exclude)
    members = memberships_by_person(snap.read(s.team_memberships).lazy(), people.lazy())
    lazy_prs, lazy_tags = prs.lazy(), tags.lazy()

    flags = pr_flags(
        lazy_prs, links.tagged.lazy(), lazy_tags, min_confidence, reviews=reviews,
        bot_logins=[b for b in bots if "@" not in b], commit_counts=links.commits.lazy(),
    )  # fmt: skip
    base = pr_facts(lazy_prs, flags, directory, repositories.lazy(), members, tz, exclude, bots)
    firsts = links.commits.lazy().select("repo_id", "number", "first_commit_at")
    timeline = cycle_spans(
        base.join(firsts, on=["repo_id", "number"], how="left")
        .join(
            review_summary(
                reviews, ai_review_ids(lazy_tags, min_confidence), base, directory, bots
            ),
            on=["repo_id", "number"],
            how="left",
        )
        .join(
            reverted_prs(
                lazy_prs, revert_commits.lazy(), links.reverts.lazy(), repositories.lazy()
            ),
            on=["repo_id", "number"],
            how="left",
        )
    )
    # Collected here on purpose: every page and period filters these same frames.
    pr_frame = timeline.collect()
    del prs, lazy_prs, flags, base, firsts, timeline, links  # no longer needed: free them
    branch = commits.branch.lazy()
    commit_frame = commit_facts(
        branch, commit_flags(branch, lazy_tags, min_confidence), directory,
        repositories.lazy(), members, tz, exclude, bots,
    )  # fmt: skip
    lines = snap.read(s.commit_ai_lines).lazy()
    commit_frame = commit_evidence(commit_frame, lines).collect()
    ai_lines = line_rows(commit_frame.lazy(), lines).collect()
    del branch
    # The explain view is built on first use (the Data page's); keep only what it needs.
    explain = ExplainInputs(
        tags=tags,
        commits=commits.tagged,
        reviews=reviews.select("repo_id", "review_id", "pr_number").collect(),
        repositories=repositories,
        min_confidence=min_confidence, tz=tz, exclude=exclude, bots=bots,
        show_individuals=show_individuals,
    )  # fmt: skip
    unresolved = unresolved_identities(identities, people, commits.emails)
    marked_commits = _marked_commits(
        commits.tagged, lazy_tags, pr_frame, directory, repositories, members,
        min_confidence, tz, exclude, bots,
    )  # fmt: skip
    del commits
    seat_plans, seat_assignments = read_seats(snap, ai_tools)
    tools = pl.concat(
        [
            snap.read(s.ai_tools),
            tags.select(pl.col("tool_id").alias("id"), pl.col("tool_id").alias("name")),
        ]
    ).unique("id", keep="first", maintain_order=True)
    activity = contributor_activity(pr_frame.lazy(), commit_frame.lazy()).collect()
    cost_records = snap.read(s.cost_records)
    return Facts(
        prs=pr_frame,
        commits=commit_frame.select(_COMMIT_FIGURE_COLUMNS),
        activity=activity,
        seats=seat_facts(seat_assignments.lazy(), directory).collect(),
        seat_plans=seat_plans,
        cost_records=cost_records,
        directory=directory.collect(),
        memberships=members.collect(),
        explain=explain,
        unresolved=unresolved,
        sync_state=snap.read(s.sync_state),
        teams=snap.read(s.teams, columns=["slug", "name"]).sort("slug"),
        repositories=tuple(sorted(repositories["full_name"].to_list())),
        tools=tools.filter(pl.col("id") != "unspecified").sort("id"),
        evidence=_evidence(snap, activity, seat_assignments, cost_records, directory, tz),
        ai_lines=ai_lines,
        vendor_usage=vendor_users(
            snap.read(s.vendor_usage, columns=list(_VENDOR_COLUMNS)).lazy(), directory
        ).collect(),
        marked_commits=marked_commits,
    )


# What marker coverage reads of vendor_usage (not the record JSON).
_VENDOR_COLUMNS = ("tool_id", "day", "user_login", *VENDOR_ACTIVITY)


def _marked_commits(
    tagged: pl.DataFrame,
    tags: pl.LazyFrame,
    prs: pl.DataFrame,
    directory: pl.LazyFrame,
    repositories: pl.DataFrame,
    members: pl.LazyFrame,
    min_confidence: str,
    tz: str,
    exclude: tuple[str, ...],
    bots: tuple[str, ...],
) -> pl.DataFrame:
    """Commit facts of the marked commits on any branch (a tool commits on PR branches;
    a squash merge leaves one default-branch commit of many), without the commits GitHub
    made to merge a PR (``merge_commit_sha``: squash and merge commits carry the trailers
    of commits already counted). Line-evidence tags are left out: they are not markers."""
    merges = prs.select("repo_id", pl.col("merge_commit_sha").alias("sha")).drop_nulls()
    commits = tagged.lazy().with_columns(pl.lit(True).alias("on_default_branch"))
    # Markers only: line evidence is not a marker, and coverage asks what markers miss.
    markers = tags.filter(~pl.col("rule_id").str.starts_with(LINE_EVIDENCE_RULE))
    flags = commit_flags(commits, markers, min_confidence)
    facts = commit_facts(commits, flags, directory, repositories.lazy(), members, tz, exclude, bots)
    return (
        facts.filter("is_ai")
        .join(merges.lazy(), on=["repo_id", "sha"], how="anti")
        .select("author_key", "is_ai", "ai_tool", "at", "lines", "counted", "repository", "teams")
        .collect()
    )


def _evidence(
    snap: Snapshot,
    activity: pl.DataFrame,
    seat_assignments: pl.DataFrame,
    cost_records: pl.DataFrame,
    directory: pl.LazyFrame,
    tz: str,
) -> pl.DataFrame:
    """Every source's evidence of AI use (:func:`aimetrics.metrics.evidence.evidence`):
    markers, per-user Copilot usage rows, seats' last activity, vendor rows naming a user
    (cost records, and the vendors' usage APIs' ``vendor_usage`` rows).
    Only the usage report's per-user rows are read (the aggregates are no one's use)."""
    usage = snap.read(
        s.copilot_usage,
        where=s.copilot_usage.c.scope == "user",
        columns=["scope", "day", "user_login", "record"],
    )
    # The record JSON is not needed: evidence reads the activity columns only.
    vendor = snap.read(
        s.vendor_usage,
        columns=["tool_id", "day", "user_login", *VENDOR_ACTIVITY],
    )
    return evidence(
        marker_evidence(activity.lazy(), tz),
        copilot_evidence(usage.lazy(), directory),
        seat_evidence(seat_assignments.lazy(), directory, tz),
        vendor_evidence(cost_records.lazy(), directory),
        vendor_usage_evidence(vendor.lazy(), directory),
    ).collect()
