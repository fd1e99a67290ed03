"""AI spend allocated to teams: each charge to the team of its holder or user, or shared
by the teams of the AI-active engineers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from aimetrics.metrics.adoption import counted_merged_in
from aimetrics.metrics.cost.lines import (
    _SEAT_ASSIGNMENT_SCHEMA,
    _daily,
    _empty,
    _lines,
    _month_segments,
    stable_sum,
)
from aimetrics.metrics.cost.spend import per_unit
from aimetrics.metrics.people import person_keys
from aimetrics.metrics.period import Period, local_date

if TYPE_CHECKING:
    pass

_MEMBERSHIP_SCHEMA = {
    "team_slug": pl.String(),
    "person_key": pl.String(),
    "valid_from": pl.Date(),
    "valid_to": pl.Date(),
}


# --- people, teams and seats ------------------------------------------------------------


def membership_keys(team_memberships: pl.LazyFrame, people: pl.LazyFrame) -> pl.LazyFrame:
    """``team_memberships`` keyed by ``person_key`` (the person's lower-cased login, else
    ``person:<id>``, as :func:`~aimetrics.metrics.people.person_directory` keys people)."""
    keys = people.select(
        pl.col("id").alias("person_id"),
        pl.coalesce(pl.col("login").str.to_lowercase(), pl.format("person:{}", pl.col("id"))).alias(
            "person_key"
        ),
    )
    return team_memberships.join(keys, on="person_id", how="inner").select(
        pl.col(c).cast(t) for c, t in _MEMBERSHIP_SCHEMA.items()
    )


def with_teams(frame: pl.LazyFrame, memberships: pl.LazyFrame, day: str = "day") -> pl.LazyFrame:
    """Each row once per team its ``person_key`` belonged to on ``day``, with ``weight``
    ``1/k`` (k teams that day); a row whose person had no team: ``team_slug`` null,
    weight 1. Money times weight is never counted twice; counts use each team."""
    rows = frame.with_row_index("_row")
    member = memberships.select(
        "person_key",
        pl.col("team_slug").alias("_team"),
        pl.col("valid_from").alias("_from"),
        pl.col("valid_to").alias("_to"),
    )
    matched = (
        rows.join(member, on="person_key", how="inner")
        .filter(
            (pl.col("_from") <= pl.col(day))
            & (pl.col("_to").is_null() | (pl.col(day) < pl.col("_to")))
        )
        .with_columns((1.0 / pl.len().over("_row")).alias("weight"))
        .drop("_from", "_to")
    )
    alone = rows.join(matched.select("_row"), on="_row", how="anti").with_columns(
        pl.lit(None, dtype=pl.String).alias("_team"), pl.lit(1.0).alias("weight")
    )
    return (
        pl.concat([matched, alone], how="diagonal_relaxed")
        .rename({"_team": "team_slug"})
        .drop("_row")
    )


def _ai_active(merged: pl.LazyFrame, memberships: pl.LazyFrame, period: Period) -> pl.LazyFrame:
    """AI-active engineers per tool, month and team: authors of AI-assisted counted merged
    PRs in the period, in their team(s) on the merge day (no team: ``team_slug`` null)."""
    prs = (
        counted_merged_in(merged, period)
        .filter(pl.col("is_ai") & pl.col("by_engineer"))
        .select(
            pl.col("author_key").alias("person_key"),
            pl.col("ai_tool").alias("tool_id"),
            local_date("merged_at", period.tz).alias("day"),
        )
        .with_columns(pl.col("day").dt.truncate("1mo").alias("month"))
    )
    return with_teams(prs, memberships)


def _allocation_weights(
    needed: pl.LazyFrame,
    memberships: pl.LazyFrame,
    merged: pl.LazyFrame,
    seat_assignments: pl.LazyFrame,
    period: Period,
    directory: pl.LazyFrame | None,
) -> pl.LazyFrame:
    """Per tool, month and component to allocate: each team's share (summing to 1) and how.

    Seats: the holders' seat-days by team; else, as usage: the team's AI-active
    engineers with that tool that month; else with any tool that month.
    """
    keys = ["tool_id", "month", "component"]
    holders = _daily(
        _lines(
            _month_segments(
                person_keys(seat_assignments, "login", directory),
                "assigned_on",
                "revoked_on",
                period.start,
                period.end,
            ),
            login=pl.col("person_key"),
            amount=pl.lit(0.0),
        )
    ).rename({"login": "person_key"})
    by_holder = (
        with_teams(holders.select("tool_id", "month", "day", "person_key"), memberships)
        .group_by("tool_id", "month", "team_slug")
        .agg(stable_sum(pl.col("weight")).alias("_w"))
        .with_columns(
            pl.lit("seats").alias("component"),
            pl.lit(0).alias("_prio"),
            pl.lit("seat_holders").alias("allocation"),
        )
    )
    active = _ai_active(merged, memberships, period)
    by_tool = (
        active.group_by("tool_id", "month", "team_slug")
        .agg(pl.col("person_key").n_unique().cast(pl.Float64).alias("_w"))
        .join(needed, on=["tool_id", "month"], how="inner")
        .with_columns(pl.lit(1).alias("_prio"), pl.lit("ai_active_tool").alias("allocation"))
    )
    by_any = (
        active.group_by("month", "team_slug")
        .agg(pl.col("person_key").n_unique().cast(pl.Float64).alias("_w"))
        .join(needed, on="month", how="inner")
        .with_columns(pl.lit(2).alias("_prio"), pl.lit("ai_active_any_tool").alias("allocation"))
    )
    columns = [*keys, "team_slug", "_w", "_prio", "allocation"]
    candidates = pl.concat(
        [
            by_holder.join(needed, on=keys, how="semi").select(columns),
            by_tool.select(columns),
            by_any.select(columns),
        ],
        how="vertical_relaxed",
    )
    return (
        candidates.filter(pl.col("_prio") == pl.col("_prio").min().over(keys))
        .with_columns((pl.col("_w") / stable_sum(pl.col("_w")).over(keys)).alias("share"))
        .select(*keys, "team_slug", "share", "allocation")
    )


def team_spend(
    lines: pl.LazyFrame,
    memberships: pl.LazyFrame,
    merged: pl.LazyFrame,
    period: Period,
    seat_assignments: pl.LazyFrame | None = None,
    directory: pl.LazyFrame | None = None,
) -> pl.LazyFrame:
    """Spend per team (null: no team), tool, month, component, basis and ``allocation``.

    ``lines``: :func:`spend_lines` of ``period`` in one currency
    (:func:`in_currency`); ``memberships``: :func:`membership_keys`. A line goes
    to the team its source names (``source_team``); else to its seat holder's
    or user's team(s) on each of its days (``holder``/``user``; split equally
    between simultaneous teams); else it is shared out per tool and month by
    :func:`_allocation_weights` (``seat_holders``, ``ai_active_tool``,
    ``ai_active_any_tool``), or left ``unallocated``. Team totals add up to the
    spend.
    """
    seats = seat_assignments if seat_assignments is not None else _empty(_SEAT_ASSIGNMENT_SCHEMA)
    keys = ["team_slug", "tool_id", "month", "component", "basis", "allocation", "currency"]
    named = lines.filter(pl.col("team_slug").is_not_null()).with_columns(
        pl.lit("source_team").alias("allocation")
    )
    personal = with_teams(
        person_keys(
            _daily(lines.filter(pl.col("team_slug").is_null() & pl.col("login").is_not_null())),
            "login",
            directory,
        ).drop("team_slug"),
        memberships,
    ).with_columns(
        pl.col("amount") * pl.col("weight"),
        pl.when(pl.col("component") == "seats")
        .then(pl.lit("holder"))
        .otherwise(pl.lit("user"))
        .alias("allocation"),
    )
    rest = lines.filter(pl.col("team_slug").is_null() & pl.col("login").is_null())
    needed = rest.select("tool_id", "month", "component").unique()
    weights = _allocation_weights(needed, memberships, merged, seats, period, directory)
    shared = (
        rest.drop("team_slug")
        .join(weights, on=["tool_id", "month", "component"], how="left")
        .with_columns(
            (pl.col("amount") * pl.col("share").fill_null(1.0)).alias("amount"),
            pl.col("allocation").fill_null("unallocated"),
        )
    )
    return (
        pl.concat(
            [f.select(*keys, "amount") for f in (named, personal, shared)], how="vertical_relaxed"
        )
        .group_by(keys)
        .agg(stable_sum(pl.col("amount")))
        .sort(keys, nulls_last=True)
    )


def team_cost_kpis(
    spend_by_team: pl.LazyFrame,
    merged: pl.LazyFrame,
    activity: pl.LazyFrame,
    memberships: pl.LazyFrame,
    period: Period,
) -> pl.LazyFrame:
    """Per team (null: no team): spend, active engineers, merged and AI-assisted merged PRs
    (by the team's members at the time of the work; a person in two teams counts in
    both), and spend per active engineer, per merged PR and per AI-assisted merged PR."""
    spend = spend_by_team.group_by("team_slug").agg(stable_sum(pl.col("amount")).alias("spend"))
    engineers = (
        with_teams(
            activity.filter(period.contains("at")).select(
                "person_key", local_date("at", period.tz).alias("day")
            ),
            memberships,
        )
        .group_by("team_slug")
        .agg(pl.col("person_key").n_unique().cast(pl.Int64).alias("active_engineers"))
    )
    prs = (
        with_teams(
            counted_merged_in(merged, period).select(
                "repo_id",
                "number",
                "is_ai",
                pl.col("author_key").alias("person_key"),
                local_date("merged_at", period.tz).alias("day"),
            ),
            memberships,
        )
        .group_by("team_slug")
        .agg(
            pl.len().cast(pl.Int64).alias("merged_prs"),
            pl.col("is_ai").sum().cast(pl.Int64).alias("ai_prs"),
        )
    )
    teams = pl.concat(
        [f.select("team_slug") for f in (spend, engineers, prs)], how="vertical"
    ).unique()
    return (
        teams.join(spend, on="team_slug", how="left", nulls_equal=True)
        .join(engineers, on="team_slug", how="left", nulls_equal=True)
        .join(prs, on="team_slug", how="left", nulls_equal=True)
        .with_columns(
            pl.col("spend").fill_null(0.0),
            pl.col("active_engineers", "merged_prs", "ai_prs").fill_null(0),
        )
        .with_columns(
            per_unit(pl.col("spend"), pl.col("active_engineers")).alias(
                "spend_per_active_engineer"
            ),
            per_unit(pl.col("spend"), pl.col("merged_prs")).alias("cost_per_merged_pr"),
            per_unit(pl.col("spend"), pl.col("ai_prs")).alias("cost_per_ai_merged_pr"),
        )
        .sort("team_slug", nulls_last=True)
    )
