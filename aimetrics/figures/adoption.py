"""The Adoption page's figures: adoption, AI shares, tools, cohorts, agents; and the seats,
shown on the Seats & usage page."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from aimetrics.figures.ai_users import selected_ai_users
from aimetrics.figures.facts import Facts
from aimetrics.figures.folds import Fold, PrivacyNote, fold_of
from aimetrics.figures.seats import idle_change, seats_on
from aimetrics.figures.selection import (
    figure_columns,
    first_row,
    grouped,
    grouped_lazy,
    previous_hidden,
    selection_people,
)
from aimetrics.figures.view import View
from aimetrics.metrics.adoption import (
    adoption_cohorts,
    agent_outcomes,
    commit_shares,
    contributor_adoption,
    pr_shares,
    seat_utilization,
    seats_over_time,
    select_seats,
    share_by_tool,
    with_group,
)
from aimetrics.metrics.change import Change, row_change
from aimetrics.metrics.period import Period
from aimetrics.metrics.privacy import (
    OTHER,
    group_visibility,
    individual_rows,
)
from aimetrics.settings import StatisticsSettings

# What the Adoption page's breakdowns read (selection, pr_shares, commit_shares).
_SELECTION_COLUMNS = ("repository", "teams", "is_ai", "ai_tool")


_ADOPTION_PR_COLUMNS = (
    *_SELECTION_COLUMNS, "merged_at", "counted", "lines", "is_ai_reviewed", "is_agent",
)  # fmt: skip


_ADOPTION_COMMIT_COLUMNS = (*_SELECTION_COLUMNS, "at", "counted")


def _period_rows(frame: pl.DataFrame, v: View, at: str) -> pl.DataFrame:
    return frame.filter(v.period.contains(at))


@dataclass(frozen=True)
class AdoptionData:
    # One row: contributor_adoption (AI users by the evidence definition) + pr_shares +
    # commit_shares (org).
    headline: pl.DataFrame
    by_group: pl.DataFrame  # the same per group (``by``), small groups folded
    trend: pl.DataFrame  # pr_shares per group and month (group_time)
    tools_weekly: pl.DataFrame  # share_by_tool per week, small tools folded
    tools: pl.DataFrame  # share_by_tool over the period (org)
    cohorts: pl.DataFrame  # adoption_cohorts (org); PR counts of small cohorts hidden
    agents: pl.DataFrame  # agent_outcomes (org)
    seats_weekly: pl.DataFrame  # seats_over_time
    seats: pl.DataFrame  # seat_utilization
    idle_seats: pl.DataFrame  # idle_seat_cost: one row per idle seat; none unless individuals
    people: int
    privacy: PrivacyNote
    changes: dict[str, Change]  # ADOPTION_CHANGES: each headline figure vs the previous period


def _users(f: Facts, v: View, period: Period) -> pl.LazyFrame:
    """The ``person_key`` of the selection's AI users in ``period`` (the one definition:
    :func:`aimetrics.figures.ai_users.selected_ai_users`)."""
    users = selected_ai_users(f, v, period)
    return users.lazy().filter("ai_user").select("person_key")


def _adoption_table(
    activity: pl.DataFrame,
    prs: pl.DataFrame,
    commits: pl.DataFrame,
    period: Period,
    users: pl.LazyFrame,
) -> pl.DataFrame:
    adoption = contributor_adoption(activity.lazy(), period, users)
    shares = pr_shares(prs.lazy(), period)
    commit = commit_shares(commits.lazy(), period)
    keys = [c for c in activity.columns if c.startswith("group")]
    return (
        adoption.join(shares, on=keys, how="full", coalesce=True)
        .join(commit, on=keys, how="full", coalesce=True)
        .sort(keys)
        .collect()
    )


def _fold_tools(prs: pl.DataFrame, activity: pl.DataFrame, k: int) -> tuple[pl.DataFrame, tuple]:
    """Relabel the tools fewer than ``k`` people used (their AI activity) on PR rows."""
    users = activity.filter("ai").with_columns(pl.col("ai_tool").alias("group"))
    fold = Fold(group_visibility(users, ["group"], k))
    folded = fold.folded(prs.filter("ai").with_columns(pl.col("ai_tool").alias("group")))
    if not folded:
        return prs, ()
    hidden = fold.hidden
    relabel = (
        pl.when(pl.col("ai_tool").is_in(list(folded)))
        .then(pl.lit(None if hidden else OTHER, dtype=pl.String))
        .otherwise(pl.col("ai_tool"))
    )
    out = prs.with_columns(relabel.alias("ai_tool"))
    if hidden:  # still counted in the denominators, never shown as a tool
        out = out.with_columns((pl.col("ai") & pl.col("ai_tool").is_not_null()).alias("ai"))
    return out, folded


def _headline(
    activity: pl.DataFrame,
    prs: pl.DataFrame,
    commits: pl.DataFrame,
    period: Period,
    users: pl.LazyFrame,
) -> dict[str, object]:
    """The Adoption page's headline figures (org rows of the selection) in ``period``: one
    row, with the agents' merge rate (``agent_merge_rate``; ``agent_decided`` = merged +
    closed unmerged)."""
    in_period = activity.filter(period.contains("at"))
    row = dict(first_row(_adoption_table(in_period, prs, commits, period, users)))
    agents = agent_outcomes(prs.lazy(), period).filter(pl.col("author") == "agent")
    agent = first_row(agents.collect())
    row["agent_merge_rate"] = agent.get("merge_rate")
    row["agent_decided"] = int(agent.get("merged") or 0) + int(agent.get("closed_unmerged") or 0)  # type: ignore[call-overload]
    return row


# Adoption's headline figures: value column -> (sample column, minimum setting, unit).
ADOPTION_CHANGES = {
    "adoption_rate": ("active_contributors", "min_engineers", "active engineers"),
    "ai_share": ("merged_prs", "min_prs", "merged PRs"),
    "ai_commit_share": ("commits", "min_prs", "default-branch commits"),
    "marked_pr_line_share": ("merged_prs", "min_prs", "merged PRs"),
    "ai_reviewed_share": ("merged_prs", "min_prs", "merged PRs"),
    "agent_share": ("merged_prs", "min_prs", "merged PRs"),
    "agent_merge_rate": ("agent_decided", "min_prs", "agent PRs merged or closed"),
}


def _changes(
    cur: dict[str, object],
    prev: dict[str, object],
    spec: dict[str, tuple[str, str, str]],
    statistics: StatisticsSettings,
    hidden: str,
) -> dict[str, Change]:
    return {
        value: row_change(cur, prev, value, sample, getattr(statistics, minimum), unit, hidden)
        for value, (sample, minimum, unit) in spec.items()
    }


def adoption(f: Facts, v: View, by: str) -> AdoptionData:
    """The Adoption page's figures for the view, broken down ``by`` team or repository."""
    period, k = v.period, v.min_group_size
    act_all = grouped(f.activity, v, "org", "at")
    act_org = _period_rows(act_all, v, "at")
    prs = figure_columns(f.prs)
    prs_org = grouped(prs, v, "org", "merged_at")
    commits_org = grouped(f.commits, v, "org", "at")
    fold = fold_of(f, v, by)

    def by_group(frame: pl.DataFrame, at: str) -> pl.DataFrame:
        return fold.apply(grouped_lazy(frame, v, by, at))

    # A row per team of each PR and commit: only the columns the shares read are copied.
    by_prs = by_group(prs.select(_ADOPTION_PR_COLUMNS), "merged_at")
    trend_prs = with_group(by_prs.lazy(), "month", "merged_at", v.tz, name="group_time")
    weekly = grouped(prs, v, "week", "merged_at")
    weekly_tools, tool_fold = _fold_tools(weekly, act_org, k)
    org_tools, _ = _fold_tools(prs_org, act_org, k)
    cohorts = adoption_cohorts(prs_org.lazy(), period).collect()
    small_cohort = pl.col("engineers") < k
    cohorts = cohorts.with_columns(
        pl.when(small_cohort).then(None).otherwise(pl.col(c)).alias(c) for c in ("prs", "ai_prs")
    )
    idle, idle_cost = seats_on(f, v, period)
    seats = seat_utilization(idle, idle_cost.lazy()).collect()
    folded = fold.folded(
        grouped_lazy(prs.select("merged_at", *_SELECTION_COLUMNS), v, by, "merged_at")
        .filter(period.contains("merged_at"))
        .select("group")
        .collect()
    )
    note = PrivacyNote(
        k, folded + tool_fold, fold.hidden,
        tuple(f"{c} cohort PR counts" for c in cohorts.filter(small_cohort)["cohort"]),
    )  # fmt: skip
    users = _users(f, v, period)
    headline = _adoption_table(act_org, prs_org, commits_org, period, users)
    hidden = previous_hidden(f, v)
    changes = _changes(
        _headline(act_all, prs_org, commits_org, period, users),
        _headline(
            act_all, prs_org, commits_org, period.previous(), _users(f, v, period.previous())
        ),
        ADOPTION_CHANGES, v.statistics, hidden,
    )  # fmt: skip
    changes["idle_monthly_cost"] = idle_change(f, v, seats, hidden)
    return AdoptionData(
        headline=headline,
        by_group=_adoption_table(
            _period_rows(by_group(f.activity, "at"), v, "at"),
            by_prs,
            by_group(f.commits.select(_ADOPTION_COMMIT_COLUMNS), "at"),
            period,
            users,
        ),
        trend=pr_shares(trend_prs, period).collect(),
        tools_weekly=share_by_tool(weekly_tools.lazy(), period).collect(),
        tools=share_by_tool(org_tools.lazy(), period).collect(),
        cohorts=cohorts,
        agents=agent_outcomes(prs_org.lazy(), period).collect(),
        seats_weekly=seats_over_time(
            select_seats(f.seats.lazy(), f.memberships.lazy(), v.selection, period),
            period,
            v.week_start,
        ).collect(),
        seats=seats,
        idle_seats=individual_rows(idle_cost, v.show_individuals),
        people=selection_people(f, v),
        privacy=note,
        changes=changes,
    )
