"""The Copilot usage reports' figures (the Seats & usage page's usage section)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from aimetrics.figures.facts import Facts
from aimetrics.figures.folds import Fold, PrivacyNote
from aimetrics.figures.selection import first_row
from aimetrics.figures.view import View
from aimetrics.metrics.change import Change, row_change
from aimetrics.metrics.copilot_usage import (
    BREAKDOWN_COLUMNS,
    BREAKDOWNS,
    COUNTERS,
    USER_SCOPE,
    breakdown_rows,
    daily_usage,
    usage_by,
    usage_by_user,
    usage_figures,
    usage_people,
    weekly_usage,
)
from aimetrics.metrics.privacy import (
    group_visibility,
    individual_rows,
)
from aimetrics.metrics.work_facts import teams_at
from aimetrics.vocabulary import COPILOT as COPILOT_TOOL
from aimetrics.vocabulary import copilot_feature_name


@dataclass(frozen=True)
class CopilotUsageData:
    status: str  # "" when figures are shown, else why not (no reports, filters, privacy)
    figures: pl.DataFrame  # usage_figures of the period (one row)
    weekly: pl.DataFrame  # weekly_usage
    by_editor: pl.DataFrame  # usage_by (BREAKDOWN_COLUMNS), small groups folded
    by_feature: pl.DataFrame
    by_language: pl.DataFrame
    users: pl.DataFrame  # usage_by_user: no rows unless individuals are shown
    changes: dict[str, Change]  # COPILOT_CHANGES vs the previous period
    people: int  # users the figures are about
    users_only: bool  # True: per-user reports only (a team filter)
    privacy: PrivacyNote


# Copilot usage figures: value column -> (sample column, minimum, unit).
COPILOT_CHANGES = {
    "active_users": ("days", 1, "reported days"),
    "engaged_users": ("days", 1, "reported days"),
    "suggestions": ("days", 1, "reported days"),
    "acceptances": ("days", 1, "reported days"),
    "acceptance_rate": ("suggestions", 0, "suggestions"),
    "lines_suggested": ("days", 1, "reported days"),
    "lines_accepted": ("days", 1, "reported days"),
}


def copilot_records(
    records: pl.DataFrame, f: Facts, v: View, user_teams: pl.DataFrame | None = None
) -> pl.DataFrame:
    """The usage records the view counts: per-user rows of engineers (bots and excluded
    people left out), of the selected teams (membership on the report's day; the
    organization-wide rows then drop out: they cannot be split by team). ``person_key``:
    the user's person (their login when unknown). A person in no team that day (neither
    the configuration nor GitHub teams) takes the teams GitHub's Copilot user-teams report
    names for them that day (``user_teams``: ``copilot_user_teams`` rows), if any."""
    logins = f.directory.filter(pl.col("kind") == "login").select(
        pl.col("value").alias("login"), "person_key", "is_bot", "excluded"
    )
    rows = (
        records.lazy()
        .join(logins.lazy(), on="login", how="left")
        .with_columns(
            pl.when(pl.col("scope") == USER_SCOPE)
            .then(pl.coalesce("person_key", "login"))
            .alias("person_key")
        )
        .filter(
            (pl.col("scope") != USER_SCOPE)
            | ~(pl.col("is_bot").fill_null(False) | pl.col("excluded").fill_null(False))
        )
    )
    if v.selection.teams:
        rows = (
            teams_at(
                rows.filter(pl.col("scope") == USER_SCOPE),
                f.memberships.lazy(),
                "person_key",
                pl.col("day"),
            )
            .pipe(_reported_teams, user_teams)
            .filter(pl.col("teams").list.set_intersection(list(v.selection.teams)).list.len() > 0)
            .drop("teams")
        )
    return rows.drop("is_bot", "excluded").collect()


def _reported_teams(rows: pl.LazyFrame, user_teams: pl.DataFrame | None) -> pl.LazyFrame:
    """``rows`` (``login``, ``day``, ``teams``) with an empty ``teams`` filled from the
    Copilot user-teams report: the last source of a person's team, after the configuration
    and GitHub teams (docs/collecting.md). A user in N teams is in each of them."""
    if user_teams is None or user_teams.is_empty():
        return rows
    reported = (
        user_teams.lazy()
        .select(pl.col("user_login").str.to_lowercase().alias("login"), "day", "team_slug")
        .group_by("login", "day")
        .agg(pl.col("team_slug").unique().sort().alias("_reported"))
    )
    fallback = pl.col("_reported").fill_null(pl.lit([], dtype=pl.List(pl.String)))
    return (
        rows.join(reported, on=["login", "day"], how="left", maintain_order="left")
        .with_columns(
            pl.when(pl.col("teams").list.len() == 0)
            .then(fallback)
            .otherwise(pl.col("teams"))
            .alias("teams")
        )
        .drop("_reported")
    )


def _usage_breakdown(rows: pl.DataFrame, v: View, by: str) -> tuple[pl.DataFrame, tuple]:
    """:func:`usage_by` of ``by``, groups with fewer than ``min_group_size`` users folded."""
    items = breakdown_rows(rows.lazy(), by).join(
        rows.lazy().select("login", "person_key").unique(), on="login", how="left"
    )
    items = items.collect()
    active = items.filter(v.period.contains_day("day"))
    fold = Fold(group_visibility(active, ["group"], v.min_group_size))
    shown = usage_by(fold.apply(items).lazy(), v.period).collect()
    if by == "feature":  # "Chat: agent mode", not the report's "chat_panel_agent_mode"
        names = {g: copilot_feature_name(g) for g in shown["group"].drop_nulls().unique()}
        shown = shown.with_columns(pl.col("group").replace(names))
    return shown, fold.folded(active)


def copilot_usage(
    records: pl.DataFrame, f: Facts, v: View, user_teams: pl.DataFrame | None = None
) -> CopilotUsageData:
    """The Copilot usage figures of the view (:mod:`aimetrics.metrics.copilot_usage`):
    period figures with their change vs the previous period, weekly, by editor, feature
    and language (small groups folded), per user (only with ``show_individuals``)."""
    k = v.min_group_size
    users_only = bool(v.selection.teams)
    empty = usage_figures(pl.LazyFrame(schema=_DAILY_SCHEMA), v.period).collect()
    status = ""
    if records.is_empty():
        status = (
            "No Copilot usage report is stored: `aimetrics collect github` stores them "
            "(from 2025-10-10, with a token allowed to read Copilot metrics)."
        )
    elif v.selection.tools and COPILOT_TOOL not in v.selection.tools:
        status = "The AI-tool filter leaves out GitHub Copilot."
    elif v.selection.repositories:
        status = "Copilot usage reports are not attributed to repositories: clear the filter."
    rows = copilot_records(records, f, v, user_teams) if not status else records.clear()
    people = usage_people(rows.lazy(), v.period, users_only) if not status else 0
    if not status and 0 < people < k:
        status = (
            f"Copilot usage of this selection is about {people} user(s), fewer than the "
            f"privacy threshold (privacy.min_group_size = {k}): not shown."
        )
    if not status and people == 0:
        status = "No Copilot usage is reported for this period and selection."
    if status:
        none = pl.DataFrame(schema=dict.fromkeys(BREAKDOWN_COLUMNS, pl.Int64)).cast(
            {"group": pl.String, "acceptance_rate": pl.Float64}
        )
        return CopilotUsageData(
            status, empty, pl.DataFrame(), none, none, none, pl.DataFrame(), {}, people,
            users_only, PrivacyNote(k),
        )  # fmt: skip
    daily = daily_usage(rows.lazy(), users_only)
    figures = usage_figures(daily, v.period).collect()
    before = usage_figures(daily, v.period.previous()).collect()
    previous_people = usage_people(rows.lazy(), v.period.previous(), users_only)
    hidden = (
        f"fewer than {k} Copilot users in the previous period" if 0 < previous_people < k else ""
    )
    cur, prev = first_row(figures), first_row(before)
    changes = {
        value: row_change(cur, prev, value, sample, minimum, unit, hidden)
        for value, (sample, minimum, unit) in COPILOT_CHANGES.items()
    }
    changes["acceptance_rate"] = row_change(
        cur, prev, "acceptance_rate", "suggestions", v.statistics.min_prs, "suggestions", hidden
    )
    parts = {by: _usage_breakdown(rows, v, by) for by in BREAKDOWNS}
    folded = tuple(f"{name} ({by})" for by, (_, names) in parts.items() for name in names)
    return CopilotUsageData(
        status="",
        figures=figures,
        weekly=weekly_usage(daily, v.period, v.week_start).collect(),
        by_editor=parts["editor"][0],
        by_feature=parts["feature"][0],
        by_language=parts["language"][0],
        users=individual_rows(usage_by_user(rows.lazy(), v.period).collect(), v.show_individuals),
        changes=changes,
        people=people,
        users_only=users_only,
        privacy=PrivacyNote(k, folded),
    )


_DAILY_SCHEMA = {
    "day": pl.Date, "active_users": pl.Int64, "engaged_users": pl.Int64,
    **dict.fromkeys(COUNTERS, pl.Int64),
}  # fmt: skip
