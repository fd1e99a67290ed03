"""Adoption metrics: who uses AI, on what, and how much of the work carries an AI marker.

Every metric here starts from the frames of :mod:`aimetrics.metrics.work_facts`
(:func:`~aimetrics.metrics.work_facts.pr_facts`, :func:`~aimetrics.metrics.work_facts.commit_facts`,
:func:`~aimetrics.metrics.work_facts.contributor_activity`; see docs/metrics.md "Adoption").

:func:`select` applies a :class:`Selection` (teams, repositories, tools) and
:func:`with_group` adds the ``group`` a metric is broken down by (org, team,
repository, tool, week, month). Every metric below aggregates per ``group``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl
import polars.selectors as cs

from aimetrics.metrics.people import person_keys
from aimetrics.metrics.period import Period, local_date, week_of, week_start
from aimetrics.metrics.work_facts import teams_at
from aimetrics.vocabulary import AI_GROUP, CLOSED, GROUPINGS, NO_MARKER

OTHER_TOOLS = "other tools"  # AI-assisted with a tool outside the tool filter
NO_TEAM = "(no team)"
ORG = "All"
# The breakdown columns every metric aggregates by: ``group`` and any other
# ``group_*`` column (e.g. ``group_week`` for a team's weekly trend).
GROUP = cs.starts_with("group")

# Adoption cohorts: the share of a person's merged PRs in the period that are AI-assisted.
HEAVY_SHARE = 0.5  # heavy: >= 50 %; light: > 0 and < 50 %; none: 0
COHORTS = ("none", "light", "heavy")
SEAT_ACTIVE_DAYS = 30  # cost.IDLE_WINDOW_DAYS: a seat is active with use in the last 30 days


def share(part: pl.Expr, whole: pl.Expr) -> pl.Expr:
    """``part / whole``, null when ``whole`` is zero (no data is not 0 %)."""
    return pl.when(whole > 0).then(part / whole).otherwise(None).cast(pl.Float64)


def counted_merged_in(merged: pl.LazyFrame, period: Period) -> pl.LazyFrame:
    """Counted merged PRs (``counted`` of :func:`~aimetrics.metrics.work_facts.pr_facts`)
    merged in ``period``."""
    return merged.filter(pl.col("counted") & period.contains("merged_at"))


def ai_share_of_merged_prs(merged: pl.LazyFrame, period: Period) -> pl.LazyFrame:
    """One row: ``merged_prs``, ``ai_prs``, ``ai_share`` (null when nothing was merged).

    ``merged``: merged PRs of :func:`~aimetrics.metrics.work_facts.pr_facts` (``select_work``'s).
    """
    return (
        counted_merged_in(merged, period)
        .select(
            pl.len().cast(pl.Int64).alias("merged_prs"),
            pl.col("is_ai").sum().cast(pl.Int64).alias("ai_prs"),
        )
        .with_columns(share(pl.col("ai_prs"), pl.col("merged_prs")).alias("ai_share"))
    )


# --- the selection and the grouping ---------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """The dashboard's filters besides the period; empty means "all".

    ``tools`` narrows what counts as AI-assisted: a change AI-assisted with
    another tool is neither AI-assisted nor "no marker" (it is left out of
    comparisons, and counts in the denominators of shares).
    """

    teams: tuple[str, ...] = ()
    repositories: tuple[str, ...] = ()
    tools: tuple[str, ...] = ()


def select(frame: pl.LazyFrame, selection: Selection) -> pl.LazyFrame:
    """Rows of ``frame`` (PR/commit facts, activity) in ``selection``, plus ``ai``, ``comparison``.

    A row is in the selected teams when any of its ``teams`` is selected, in the
    selected repositories by ``repository``. ``ai``: AI-assisted with a selected
    tool (any tool without a tool filter); ``comparison``: ``AI-assisted``,
    ``no marker``, or null for AI-assisted with another tool.
    """
    keep = pl.lit(True)
    if selection.repositories:
        keep &= pl.col("repository").is_in(list(selection.repositories))
    if selection.teams:
        keep &= pl.col("teams").list.set_intersection(list(selection.teams)).list.len() > 0
    ai = pl.col("is_ai")
    if selection.tools:
        ai &= pl.col("ai_tool").is_in(list(selection.tools)).fill_null(False)
    return (
        frame.filter(keep)
        .with_columns(ai.alias("ai"))
        .with_columns(
            pl.when(pl.col("ai"))
            .then(pl.lit(AI_GROUP))
            .when(~pl.col("is_ai"))
            .then(pl.lit(NO_MARKER))
            .alias("comparison")
        )
    )


def group_names(frame: pl.LazyFrame) -> list[str]:
    """The names of ``frame``'s breakdown columns (:data:`GROUP`)."""
    return [c for c in frame.collect_schema().names() if c.startswith("group")]


def with_group(
    frame: pl.LazyFrame,
    by: str,
    at: str,
    tz: str = "UTC",
    week_start_day: str = "monday",
    teams: Sequence[str] = (),
    name: str = "group",
) -> pl.LazyFrame:
    """``frame`` plus ``name`` (String): the breakdown ``by`` one of :data:`GROUPINGS`.

    ``team``: one row per team the author belonged to at the time (``(no team)``
    when none; only ``teams`` when given); ``tool``: the AI tool, ``no marker``
    or ``other tools``; ``week``/``month``: the first day (ISO date) of the
    local week or month of ``at``; ``person``: the author's person key (per-person
    figures, shown only when ``privacy.show_individuals`` is true).
    """
    if by == "org":
        return frame.with_columns(pl.lit(ORG).alias(name))
    if by == "team":
        out = (
            frame.with_columns(pl.col("teams").alias(name))
            .explode(name, empty_as_null=True)
            .with_columns(pl.col(name).fill_null(NO_TEAM))
        )
        return out.filter(pl.col(name).is_in(list(teams))) if teams else out
    if by == "repository":
        return frame.with_columns(pl.col("repository").alias(name))
    if by == "person":
        # Per-person rows: callers show them only where privacy.show_individuals allows
        # (aimetrics.metrics.privacy.individual_rows).
        names = frame.collect_schema().names()
        key = "person_key" if "person_key" in names else "author_key"
        return frame.with_columns(pl.col(key).alias(name))
    if by == "tool":
        return frame.with_columns(
            pl.when(pl.col("ai"))
            .then(pl.col("ai_tool"))
            .when(~pl.col("is_ai"))
            .then(pl.lit(NO_MARKER))
            .otherwise(pl.lit(OTHER_TOOLS))
            .alias(name)
        )
    day = local_date(at, tz)
    if by == "week":
        return frame.with_columns(week_start(day, week_start_day).cast(pl.String).alias(name))
    if by == "month":
        return frame.with_columns(day.dt.truncate("1mo").cast(pl.String).alias(name))
    raise ValueError(f"unknown grouping {by!r}: use one of {', '.join(GROUPINGS)}")


# --- adoption metrics (inputs: selected, grouped frames) ------------------------------


ADOPTION_COLUMNS = (
    "active_contributors", "ai_users", "ai_users_without_markers", "marked_contributors",
    "adoption_rate",
)  # fmt: skip


def contributor_adoption(
    activity: pl.LazyFrame, period: Period, users: pl.LazyFrame
) -> pl.LazyFrame:
    """Per ``group``: :data:`ADOPTION_COLUMNS` (docs/metrics.md "Active engineers, AI users,
    adoption rate").

    Active: >= 1 activity row in the period (in the group). ``users``: the ``person_key``
    of the period's AI users (:func:`aimetrics.metrics.evidence.ai_users`, ``ai_user``).
    An active engineer counts as an AI user in every group they were active in: evidence
    is per person, not per team or repository. Marked: >= 1 of their activity rows in the
    group AI-assisted (``ai``); without markers: an AI user not marked in the group, so
    ``ai_users = marked_contributors + ai_users_without_markers``. Adoption rate = AI users
    / active. Sorted by group.
    """
    evidenced = users.select("person_key").unique().with_columns(pl.lit(True).alias("_user"))
    people = (
        activity.filter(period.contains("at"))
        .group_by(GROUP, "person_key")
        .agg(pl.col("ai").any().alias("_marked"))
        .join(evidenced, on="person_key", how="left")
        # A marker is evidence itself: a marked engineer is an AI user even when the
        # caller's evidence left markers out.
        .with_columns((pl.col("_user").fill_null(False) | pl.col("_marked")).alias("_user"))
    )
    return (
        people.group_by(GROUP)
        .agg(
            pl.len().cast(pl.Int64).alias("active_contributors"),
            pl.col("_user").sum().cast(pl.Int64).alias("ai_users"),
            (pl.col("_user") & ~pl.col("_marked"))
            .sum()
            .cast(pl.Int64)
            .alias("ai_users_without_markers"),
            pl.col("_marked").sum().cast(pl.Int64).alias("marked_contributors"),
        )
        .with_columns(
            share(pl.col("ai_users"), pl.col("active_contributors")).alias("adoption_rate")
        )
        .select(GROUP, *ADOPTION_COLUMNS)
        .sort(GROUP)
    )


PR_SHARE_COLUMNS = (
    "merged_prs", "ai_prs", "no_marker_prs", "ai_share", "lines", "ai_lines",
    "marked_pr_line_share", "ai_reviewed_prs", "ai_reviewed_share", "agent_prs", "agent_share",
)  # fmt: skip


def pr_shares(prs: pl.LazyFrame, period: Period) -> pl.LazyFrame:
    """Per ``group``, counted PRs merged in the period: PR and changed-line AI shares.

    Columns: :data:`PR_SHARE_COLUMNS`: ``ai_prs`` AI-assisted (with a selected
    tool), ``no_marker_prs`` without any marker (the rest: other tools), lines =
    additions + deletions, ``ai_reviewed_prs`` with an AI review, ``agent_prs``
    AI-assisted PRs an agent authored (``agent_share`` of the merged PRs).
    """
    lines = pl.col("lines").fill_null(0)
    return (
        prs.filter(pl.col("counted") & period.contains("merged_at"))
        .group_by(GROUP)
        .agg(
            pl.len().cast(pl.Int64).alias("merged_prs"),
            pl.col("ai").sum().cast(pl.Int64).alias("ai_prs"),
            (~pl.col("is_ai")).sum().cast(pl.Int64).alias("no_marker_prs"),
            lines.sum().cast(pl.Int64).alias("lines"),
            lines.filter("ai").sum().cast(pl.Int64).alias("ai_lines"),
            pl.col("is_ai_reviewed").sum().cast(pl.Int64).alias("ai_reviewed_prs"),
            (pl.col("is_agent") & pl.col("ai")).sum().cast(pl.Int64).alias("agent_prs"),
        )
        .with_columns(
            share(pl.col("ai_prs"), pl.col("merged_prs")).alias("ai_share"),
            share(pl.col("ai_lines"), pl.col("lines")).alias("marked_pr_line_share"),
            share(pl.col("ai_reviewed_prs"), pl.col("merged_prs")).alias("ai_reviewed_share"),
            share(pl.col("agent_prs"), pl.col("merged_prs")).alias("agent_share"),
        )
        .select(GROUP, *PR_SHARE_COLUMNS)
        .sort(GROUP)
    )


def commit_shares(commits: pl.LazyFrame, period: Period) -> pl.LazyFrame:
    """Per ``group``, counted default-branch commits made in the period.

    Columns: ``commits``, ``ai_commits``, ``ai_commit_share``.
    """
    return (
        commits.filter(pl.col("counted") & period.contains("at"))
        .group_by(GROUP)
        .agg(
            pl.len().cast(pl.Int64).alias("commits"),
            pl.col("ai").sum().cast(pl.Int64).alias("ai_commits"),
        )
        .with_columns(share(pl.col("ai_commits"), pl.col("commits")).alias("ai_commit_share"))
        .sort(GROUP)
    )


def share_by_tool(prs: pl.LazyFrame, period: Period) -> pl.LazyFrame:
    """Per ``group`` and AI ``tool`` (a PR's primary tool): AI-assisted PRs and their share.

    The share's denominator is every counted PR merged in the group (all tools
    and no marker). Columns: ``group``, ``tool``, ``prs``, ``merged_prs``, ``share``.
    """
    merged = prs.filter(pl.col("counted") & period.contains("merged_at"))
    totals = merged.group_by(GROUP).agg(pl.len().cast(pl.Int64).alias("merged_prs"))
    return (
        merged.filter("ai")
        .group_by(GROUP, pl.col("ai_tool").alias("tool"))
        .agg(pl.len().cast(pl.Int64).alias("prs"))
        .join(totals, on=group_names(merged))
        .with_columns(share(pl.col("prs"), pl.col("merged_prs")).alias("share"))
        .sort(GROUP, "tool")
    )


def agent_outcomes(prs: pl.LazyFrame, period: Period) -> pl.LazyFrame:
    """Per ``group`` and ``author``: PRs opened, merged, closed unmerged; merge rate.

    ``author``: ``agent`` (AI-agent-authored, an AI-assisted PR), ``AI-assisted``
    (the other AI-assisted PRs), ``no marker``. Opened: ``created_at`` in the
    period; merged: ``merged_at`` in it; closed unmerged: state ``CLOSED`` and
    ``closed_at`` in it (a reopened PR is open again: its old ``closed_at`` does
    not count). Merge rate = merged / (merged + closed unmerged).
    """
    author = (
        pl.when(pl.col("ai") & pl.col("is_agent"))
        .then(pl.lit("agent"))
        .when(pl.col("ai"))
        .then(pl.lit(AI_GROUP))
        .when(~pl.col("is_ai"))
        .then(pl.lit(NO_MARKER))
    )
    closed_unmerged = (pl.col("state") == CLOSED) & period.contains("closed_at")
    return (
        prs.filter(pl.col("counted"))
        .with_columns(author.alias("author"))
        .filter(pl.col("author").is_not_null())
        .group_by(GROUP, "author")
        .agg(
            period.contains("created_at").fill_null(False).sum().cast(pl.Int64).alias("opened"),
            period.contains("merged_at").fill_null(False).sum().cast(pl.Int64).alias("merged"),
            closed_unmerged.fill_null(False).sum().cast(pl.Int64).alias("closed_unmerged"),
        )
        .filter((pl.col("opened") + pl.col("merged") + pl.col("closed_unmerged")) > 0)
        .with_columns(
            share(pl.col("merged"), pl.col("merged") + pl.col("closed_unmerged")).alias(
                "merge_rate"
            )
        )
        .sort(GROUP, "author")
    )


def adoption_cohorts(prs: pl.LazyFrame, period: Period) -> pl.LazyFrame:
    """Per ``group`` and ``cohort``: engineers, their merged PRs and AI-assisted PRs.

    An engineer with >= 1 counted merged PR in the period (in the group) is in
    cohort ``none`` (no AI-assisted PR), ``light`` (some, under
    :data:`HEAVY_SHARE`) or ``heavy`` (at least :data:`HEAVY_SHARE` of them).
    """
    person = (
        prs.filter(pl.col("by_engineer") & period.contains("merged_at"))
        .group_by(GROUP, "engineer_key")
        .agg(
            pl.len().cast(pl.Int64).alias("prs"),
            pl.col("ai").sum().cast(pl.Int64).alias("ai_prs"),
        )
        .with_columns(
            pl.when(pl.col("ai_prs") == 0)
            .then(pl.lit("none"))
            .when(pl.col("ai_prs") / pl.col("prs") < HEAVY_SHARE)
            .then(pl.lit("light"))
            .otherwise(pl.lit("heavy"))
            .alias("cohort")
        )
    )
    return (
        person.group_by(GROUP, "cohort")
        .agg(
            pl.len().cast(pl.Int64).alias("engineers"),
            pl.col("prs").sum().cast(pl.Int64),
            pl.col("ai_prs").sum().cast(pl.Int64),
        )
        .with_columns(
            pl.col("cohort").replace_strict({c: i for i, c in enumerate(COHORTS)}).alias("_o")
        )
        .sort(GROUP, "_o")
        .drop("_o")
    )


# --- seats ----------------------------------------------------------------------------


def seat_facts(seat_assignments: pl.LazyFrame, directory: pl.LazyFrame) -> pl.LazyFrame:
    """Seat assignments with the holder's ``person_key``: the person their login or e-mail
    (Cursor names holders by e-mail) resolves to, else the login itself lower-cased."""
    return person_keys(seat_assignments, "login", directory)


def select_seats(
    seats: pl.LazyFrame, memberships: pl.LazyFrame, selection: Selection, period: Period
) -> pl.LazyFrame:
    """Seats of the selected tools whose holder is in a selected team on the period's last day."""
    if selection.tools:
        seats = seats.filter(pl.col("tool_id").is_in(list(selection.tools)))
    if not selection.teams:
        return seats
    return (
        teams_at(seats, memberships, "person_key", pl.lit(period.last_day))
        .filter(pl.col("teams").list.set_intersection(list(selection.teams)).list.len() > 0)
        .drop("teams")
    )


def seats_over_time(
    seats: pl.LazyFrame, period: Period, week_start_day: str = "monday"
) -> pl.LazyFrame:
    """Seats assigned per tool on the first day of each week of the period (clipped).

    A seat is assigned on ``day`` when ``assigned_on <= day < revoked_on``
    (open when null). Columns: ``day``, ``tool_id``, ``seats``; sorted.
    """
    first = week_of(period.start, week_start_day)
    days = (
        pl.LazyFrame()
        .select(pl.date_range(first, period.last_day, interval="1w").alias("day"))
        .with_columns(pl.max_horizontal("day", pl.lit(period.start)).alias("day"))
    )
    tools = seats.select("tool_id").unique()
    assigned = (
        days.join(seats.select("tool_id", "assigned_on", "revoked_on"), how="cross")
        .filter(
            (pl.col("assigned_on") <= pl.col("day"))
            & (pl.col("revoked_on").is_null() | (pl.col("day") < pl.col("revoked_on")))
        )
        .group_by("day", "tool_id")
        .agg(pl.len().cast(pl.Int64).alias("seats"))
    )
    return (
        days.join(tools, how="cross")
        .join(assigned, on=["day", "tool_id"], how="left")
        .with_columns(pl.col("seats").fill_null(0))
        .sort("day", "tool_id")
    )


def seat_utilization(idle: pl.LazyFrame, idle_cost: pl.LazyFrame | None = None) -> pl.LazyFrame:
    """Per tool: seats ``assigned``, ``active``, ``idle``, ``new``, ``no_activity_data`` (by
    their ``status``) and ``utilization`` = active / (active + idle): the seats whose use is
    known and that are old enough to judge (null when there are none).

    ``idle``: :func:`aimetrics.metrics.cost.seats.idle_seats` (one row per seat held on
    a day with its ``status``: the one definition of an idle seat);
    ``idle_cost``: :func:`aimetrics.metrics.cost.seats.idle_seat_cost`, summed per tool
    as ``idle_monthly_cost`` in its ``currency`` (what could be reclaimed a month).
    """
    counts = (
        idle.group_by("tool_id")
        .agg(
            pl.len().cast(pl.Int64).alias("assigned"),
            (pl.col("status") == "active").sum().cast(pl.Int64).alias("active"),
            pl.col("idle").sum().cast(pl.Int64).alias("idle"),
            (pl.col("status") == "new").sum().cast(pl.Int64).alias("new"),
            (pl.col("status") == "no activity data").sum().cast(pl.Int64).alias("no_activity_data"),
        )
        .with_columns(
            share(pl.col("active"), pl.col("active") + pl.col("idle")).alias("utilization")
        )
    )
    if idle_cost is not None:
        cost = idle_cost.group_by("tool_id").agg(
            pl.col("monthly_cost").sum().alias("idle_monthly_cost"),
            pl.col("currency").drop_nulls().unique().sort().str.join(", ").alias("currency"),
        )
        counts = counts.join(cost, on="tool_id", how="left").with_columns(
            pl.when(pl.col("idle") == 0)
            .then(pl.lit(0.0))
            .otherwise(pl.col("idle_monthly_cost"))
            .alias("idle_monthly_cost")
        )
    return counts.sort("tool_id")
