"""The Adoption, Delivery and Quality pages' charts: tools, groups, cohorts, seats, Copilot
usage, cycle-time stages, distributions and rates (the shared layout: :mod:`dashboard.charts`).
"""

from __future__ import annotations

from collections.abc import Callable

import plotly.graph_objects as go
import polars as pl

from aimetrics.format import (
    AI_COLOR,
    COMPARISON_COLORS,
    NO_MARKER_COLOR,
    NUMBER_AXIS,
    OTHER_COLOR,
    PERCENT_AXIS,
    STAGE_LABELS,
    TOOL_COLORS,
    tool_colors,
)
from aimetrics.metrics.period import Period, partial_days
from aimetrics.vocabulary import tool_name
from dashboard.charts import add_line, group_colors, layout, percent
from dashboard.components import AI_LABEL, NO_MARKER_LABEL, OTHER_GROUPS

PARTIAL_OPACITY = 0.45  # a partial week's or month's bar, lighter than the whole ones


def partial_note(days: int | None, unit: str) -> str:
    """What a tooltip adds for a partial week or month ("" for a whole one)."""
    return "" if days is None else f" (partial {unit}: {days} days in the period)"


# --- charts for the Adoption, Delivery and Quality pages ----------------------------------


def share_lines_chart(
    frame: pl.DataFrame,
    series: str,
    x: str,
    share: str,
    part: str,
    colors: dict[str, str],
    hover: str,
    width: float = 2,
    label: Callable[[str], str] = str,
    partial: tuple[str, Period] | None = None,
) -> go.Figure:
    """One line per ``series`` value: ``share`` of merged PRs over ``x`` (in ``x`` order),
    hovering ``hover`` and "``part`` of ``merged_prs`` merged PRs"; ``label`` names a
    value in the legend (a tool id by its display name). With ``partial`` (the unit of
    ``x``, "week" or "month", and the period) a partial week or month is drawn dotted."""
    fig = go.Figure()
    for key in frame[series].unique().sort().to_list():
        rows = frame.filter(pl.col(series) == key).sort(x)
        name = label(key)
        starts = rows[x].to_list()
        days = partial_days(starts, *partial) if partial else [None] * len(starts)
        notes = [partial_note(d, partial[0] if partial else "") for d in days]
        trace = go.Scatter(
            x=starts,
            y=percent(rows[share].to_list()),
            name=name,
            mode="lines+markers",
            line={"color": colors[key], "width": width},
            customdata=list(zip(rows[part], rows["merged_prs"], notes, strict=True)),
            hovertemplate=(
                f"{name}%{{customdata[2]}}<br>{hover}"
                "<br>%{customdata[0]} of %{customdata[1]} merged PRs<extra></extra>"
            ),
        )
        add_line(fig, trace, [d is not None for d in days])
    return fig


def tool_share_chart(
    by_tool: pl.DataFrame, week_start_day: str, period: Period | None = None
) -> go.Figure:
    """Weekly share of merged PRs AI-assisted by each tool (``share_by_tool`` by week); a
    partial first or last week of ``period`` dotted."""
    colors = tool_colors(by_tool["tool"].unique().sort().to_list())
    hover = "Week of %{x|%Y-%m-%d}: %{y:.1f}%"
    fig = share_lines_chart(
        by_tool, "tool", "group", "share", "prs", colors, hover, width=2.5, label=tool_name,
        partial=("week", period) if period else None,
    )  # fmt: skip
    fig.update_yaxes(title_text="% of merged PRs", rangemode="tozero", **PERCENT_AXIS)
    fig.update_xaxes(title_text=f"Week starting ({week_start_day.title()}; dotted: a partial week)")
    return layout(fig, "Which AI tools assist our merged work, week by week?", 440)


def group_trend_chart(
    trend: pl.DataFrame, label: str, period_label: str, period: Period | None = None
) -> go.Figure:
    """AI-assisted share of merged PRs per group (``group``) per month (``group_time``); a
    month ``period`` covers only in part dotted."""
    colors = group_colors(trend["group"].to_list())
    hover = "%{x|%Y-%m}: %{y:.1f}% AI-assisted"
    fig = share_lines_chart(
        trend, "group", "group_time", "ai_share", "ai_prs", colors, hover,
        partial=("month", period) if period else None,
    )  # fmt: skip
    fig.update_yaxes(title_text="% of merged PRs AI-assisted", rangemode="tozero", **PERCENT_AXIS)
    fig.update_xaxes(title_text=f"{period_label} (dotted: a partial month)", dtick="M1")
    return layout(fig, f"Is AI adoption growing in every {label}?", 440)


def group_adoption_chart(by_group: pl.DataFrame, label: str) -> go.Figure:
    """Adoption rate and AI-assisted PR share per group, side by side (horizontal bars)."""
    groups = by_group["group"].to_list()
    fig = go.Figure()
    for column, name, color, n in (
        ("adoption_rate", "AI users (%)", AI_COLOR, "active_contributors"),
        ("ai_share", "Merged PRs AI-assisted (%)", "#a78bfa", "merged_prs"),
    ):
        fig.add_trace(
            go.Bar(
                y=groups,
                x=percent(by_group[column].to_list()),
                name=name,
                orientation="h",
                marker_color=color,
                customdata=by_group[n].to_list(),
                hovertemplate=f"%{{y}}<br>{name}: %{{x:.1f}}% (n = %{{customdata}})<extra></extra>",
            )
        )
    fig.update_xaxes(title_text="% (engineers or merged PRs)", rangemode="tozero", **PERCENT_AXIS)
    fig.update_yaxes(autorange="reversed", title_text=label.title())
    return layout(
        fig,
        f"Which {label}s use AI, and on how much of their work?",
        height=max(300, 60 + 45 * len(groups)),
        barmode="group",
    )


def cohort_chart(cohorts: pl.DataFrame) -> go.Figure:
    """Engineers per adoption cohort (none / light / heavy)."""
    colors = {"none": NO_MARKER_COLOR, "light": "#c4b5fd", "heavy": AI_COLOR}
    fig = go.Figure(
        go.Bar(
            x=cohorts["cohort"].to_list(),
            y=cohorts["engineers"].to_list(),
            marker_color=[colors.get(c, OTHER_COLOR) for c in cohorts["cohort"]],
            customdata=list(zip(cohorts["prs"], cohorts["ai_prs"], strict=True)),
            hovertemplate=(
                "%{x}: %{y} engineers<br>%{customdata[1]} of %{customdata[0]} merged PRs "
                "AI-assisted<extra></extra>"
            ),
        )
    )
    fig.update_yaxes(title_text="Engineers (with a merged PR)", rangemode="tozero", **NUMBER_AXIS)
    fig.update_xaxes(title_text="Cohort: share of a person's merged PRs that are AI-assisted")
    return layout(fig, "How many engineers use AI lightly, heavily, or not at all?", 360)


def seats_chart(seats: pl.DataFrame) -> go.Figure:
    """Seats assigned per tool at the start of each week (``seats_over_time``)."""
    fig = go.Figure()
    tools = seats["tool_id"].unique().sort().to_list()
    colors = tool_colors(tools)
    for tool in tools:
        rows = seats.filter(pl.col("tool_id") == tool)
        fig.add_trace(
            go.Scatter(
                x=rows["day"].to_list(),
                y=rows["seats"].to_list(),
                name=tool_name(tool),
                mode="lines",
                line={"shape": "hv", "color": colors[tool], "width": 2.5},
                hovertemplate=f"{tool_name(tool)}<br>%{{x|%Y-%m-%d}}: %{{y}} seats<extra></extra>",
            )
        )
    fig.update_yaxes(title_text="Seats assigned", rangemode="tozero", **NUMBER_AXIS)
    fig.update_xaxes(title_text="Week")
    return layout(fig, "How many AI seats do we pay for, tool by tool?", 360)


COPILOT_COLOR = TOOL_COLORS.get("github-copilot", AI_COLOR)
ENGAGED_COLOR = "#7c3aed"
ACCEPTED_COLOR = AI_COLOR


def copilot_users_chart(
    weekly: pl.DataFrame, week_start_day: str, period: Period | None = None
) -> go.Figure:
    """Average daily active and engaged Copilot users per week (``weekly_usage``); a partial
    first or last week of ``period`` dotted with an open marker (two weekdays of a week average
    more users a day than the whole week with its weekend)."""
    fig = go.Figure()
    weeks = weekly["week_start"].to_list()
    days = partial_days(weeks, "week", period) if period else [None] * len(weeks)
    for column, name, color in (
        ("active_users", "Active users", COPILOT_COLOR),
        ("engaged_users", "Engaged users (prompted or accepted)", ENGAGED_COLOR),
    ):
        trace = go.Scatter(
            x=weeks,
            y=weekly[column].to_list(),
            name=name,
            mode="lines+markers",
            line={"color": color, "width": 2.5},
            customdata=[
                [n, partial_note(d, "week")] for n, d in zip(weekly["days"], days, strict=True)
            ],
            hovertemplate=(
                f"Week of %{{x|%Y-%m-%d}}%{{customdata[1]}}<br>{name}: %{{y:.1f}} a day on "
                "average<br>%{customdata[0]} reported days<extra></extra>"
            ),
        )
        add_line(fig, trace, [d is not None for d in days])
    fig.update_yaxes(title_text="Users per day (weekly average)", rangemode="tozero", **NUMBER_AXIS)
    fig.update_xaxes(title_text=f"Week starting ({week_start_day.title()}; dotted: a partial week)")
    return layout(fig, "How many people use Copilot on a typical day?", 380)


def copilot_acceptance_chart(
    weekly: pl.DataFrame, week_start_day: str, period: Period | None = None
) -> go.Figure:
    """Suggestions and acceptances per week (bars) with the acceptance rate (line); a
    partial first or last week of ``period`` lighter (its sums cover fewer days)."""
    fig = go.Figure()
    weeks = weekly["week_start"].to_list()
    days = partial_days(weeks, "week", period) if period else [None] * len(weeks)
    for column, name, color in (
        ("suggestions", "Suggestions", NO_MARKER_COLOR),
        ("acceptances", "Acceptances", ACCEPTED_COLOR),
    ):
        fig.add_trace(
            go.Bar(
                x=weekly["week_start"].to_list(),
                y=weekly[column].to_list(),
                name=name,
                marker={
                    "color": color,
                    "opacity": [1.0 if d is None else PARTIAL_OPACITY for d in days],
                },
                customdata=[partial_note(d, "week") for d in days],
                hovertemplate=(
                    f"Week of %{{x|%Y-%m-%d}}%{{customdata}}<br>{name}: %{{y:,}}<extra></extra>"
                ),
            )
        )
    fig.add_trace(
        go.Scatter(
            x=weekly["week_start"].to_list(),
            y=percent(weekly["acceptance_rate"].to_list()),
            name="Acceptance rate",
            yaxis="y2",
            mode="lines+markers",
            line={"color": COPILOT_COLOR, "width": 2.5},
            hovertemplate="Week of %{x|%Y-%m-%d}<br>Acceptance rate: %{y:.1f}%<extra></extra>",
        )
    )
    fig.update_yaxes(
        title_text="Suggestions and acceptances per week", rangemode="tozero", **NUMBER_AXIS
    )
    fig.update_xaxes(
        title_text=f"Week starting ({week_start_day.title()}; lighter: a partial week)"
    )
    return layout(
        fig,
        "How many Copilot suggestions do people accept?",
        440,
        barmode="group",
        yaxis2={
            "title": {"text": "Acceptance rate (%)"},
            "overlaying": "y",
            "side": "right",
            "rangemode": "tozero",
            # Its own round ticks, no grid: synced to the left axis' grid, plotly labels
            # them at "12.426747%".
            "tickmode": "auto",
            "showgrid": False,
            **PERCENT_AXIS,
        },
    )


def copilot_breakdown_chart(frame: pl.DataFrame, label: str) -> go.Figure:
    """Lines suggested and accepted per editor, feature or language (``usage_by``)."""
    fig = go.Figure()
    for column, name, color in (
        ("lines_suggested", "Lines suggested", NO_MARKER_COLOR),
        ("lines_accepted", "Lines added (accepted)", ACCEPTED_COLOR),
    ):
        fig.add_trace(
            go.Bar(
                x=frame["group"].to_list(),
                y=frame[column].to_list(),
                name=name,
                marker_color=color,
                customdata=list(
                    zip(frame["users"], percent(frame["acceptance_rate"].to_list()), strict=True)
                ),
                hovertemplate=(
                    f"%{{x}}<br>{name}: %{{y:,}}<br>%{{customdata[0]}} users · acceptance "
                    "rate %{customdata[1]:.1f}%<extra></extra>"
                ),
            )
        )
    fig.update_yaxes(title_text="Lines in the period", rangemode="tozero", **NUMBER_AXIS)
    fig.update_xaxes(title_text=label.capitalize())
    return layout(fig, f"Where does Copilot write our code, by {label}?", 360, barmode="group")


def merged_by_week_chart(
    weekly: pl.DataFrame, week_start_day: str, period: Period | None = None
) -> go.Figure:
    """Merged PRs per week, AI-assisted vs no marker (``pr_shares`` by week), stacked; a
    partial first or last week of ``period`` lighter, its days in the tooltip."""
    fig = go.Figure()
    weeks = weekly["group"].to_list()
    days = partial_days(weeks, "week", period) if period else [None] * len(weeks)
    for column, name in (("ai_prs", AI_LABEL), ("no_marker_prs", NO_MARKER_LABEL)):
        fig.add_trace(
            go.Bar(
                x=weeks,
                y=weekly[column].to_list(),
                name=name,
                marker={
                    "color": COMPARISON_COLORS[name],
                    "opacity": [1.0 if d is None else PARTIAL_OPACITY for d in days],
                },
                customdata=[partial_note(d, "week") for d in days],
                hovertemplate=(
                    f"Week of %{{x|%Y-%m-%d}}%{{customdata}}<br>{name}: %{{y:,}} merged PRs"
                    "<extra></extra>"
                ),
            )
        )
    fig.update_yaxes(title_text="Merged PRs per week", rangemode="tozero", **NUMBER_AXIS)
    fig.update_xaxes(
        title_text=f"Week starting ({week_start_day.title()}; lighter: a partial week)"
    )
    return layout(
        fig, "How much do we merge each week, and how much of it is AI-assisted?", barmode="stack"
    )


def stage_chart(summary: pl.DataFrame) -> go.Figure:
    """Median hours per stage, AI-assisted vs no marker (``cycle_time_summary``, org)."""
    fig = go.Figure()
    for comparison, color in COMPARISON_COLORS.items():
        rows = summary.filter(pl.col("comparison") == comparison)
        if rows.is_empty():
            continue
        fig.add_trace(
            go.Bar(
                y=[STAGE_LABELS[s] for s in rows["stage"]],
                x=rows["median"].to_list(),
                name=comparison,
                orientation="h",
                marker_color=color,
                customdata=list(zip(rows["p75"], rows["p90"], rows["n"], strict=True)),
                hovertemplate=(
                    f"{comparison}<br>%{{y}}<br>median %{{x:.1f}} h · p75 %{{customdata[0]:.1f}} h"
                    " · p90 %{customdata[1]:.1f} h<br>n = %{customdata[2]} PRs<extra></extra>"
                ),
            )
        )
    fig.update_xaxes(title_text="Median hours", rangemode="tozero", **NUMBER_AXIS)
    fig.update_yaxes(autorange="reversed")
    return layout(
        fig, "Where does the time go between first commit and merge?", 420, barmode="group"
    )


def box_chart(summary: pl.DataFrame, stage: str, label: str) -> go.Figure:
    """Distribution boxes per group, AI-assisted vs no marker, drawn from the quantiles.

    Box: p25-p75 with the median; whiskers: p10 and p90 (the metric's own figures,
    so the chart never ships every PR to the browser).
    """
    rows = summary.filter(pl.col("stage") == stage)
    fig = go.Figure()
    for comparison, color in COMPARISON_COLORS.items():
        part = rows.filter(pl.col("comparison") == comparison)
        if part.is_empty():
            continue
        fig.add_trace(
            go.Box(
                x=part["group"].to_list(),
                q1=part["p25"].to_list(),
                median=part["median"].to_list(),
                q3=part["p75"].to_list(),
                lowerfence=part["p10"].to_list(),
                upperfence=part["p90"].to_list(),
                name=comparison,
                marker_color=color,
                hovertext=[f"n = {n} PRs" for n in part["n"]],
            )
        )
    fig.update_yaxes(
        title_text=f"{STAGE_LABELS[stage].split(' (')[0]} (hours, log scale)",
        type="log",
        dtick=1,  # ticks at 1, 10, 100 hours
    )
    groups = sorted(set(rows["group"].to_list()), key=lambda g: (g == OTHER_GROUPS, g))
    fig.update_xaxes(title_text=label.title(), categoryorder="array", categoryarray=groups)
    return layout(
        fig,
        f"How long do PRs take in each {label}, AI-assisted vs no marker? (p10–p90)",
        boxmode="group",
    )


def distribution_chart(dist: pl.DataFrame, title: str, x_title: str) -> go.Figure:
    """Share of PRs per bucket, AI-assisted vs no marker (``size_distribution`` etc., org)."""
    fig = go.Figure()
    for comparison, color in COMPARISON_COLORS.items():
        rows = dist.filter(pl.col("comparison") == comparison)
        if rows.is_empty():
            continue
        fig.add_trace(
            go.Bar(
                x=rows["bucket"].to_list(),
                y=percent(rows["share"].to_list()),
                name=comparison,
                marker_color=color,
                customdata=rows["prs"].to_list(),
                hovertemplate=(
                    f"{comparison}<br>%{{x}}: %{{y:.1f}}% (%{{customdata}} PRs)<extra></extra>"
                ),
            )
        )
    fig.update_yaxes(title_text="% of merged PRs in the group", rangemode="tozero", **PERCENT_AXIS)
    # Buckets are categories ("0", "1", "2+" rounds; XS..XL), never a numeric scale.
    fig.update_xaxes(title_text=x_title, type="category")
    return layout(fig, title, 380, barmode="group")


def rate_chart(summary: pl.DataFrame, column: str, title: str, y_title: str) -> go.Figure:
    """A share per group, AI-assisted vs no marker (``quality_summary``)."""
    fig = go.Figure()
    n_column = "reviewed_prs" if column == "rounds_share" else "merged_prs"
    for comparison, color in COMPARISON_COLORS.items():
        rows = summary.filter(pl.col("comparison") == comparison)
        if rows.is_empty():
            continue
        fig.add_trace(
            go.Bar(
                x=rows["group"].to_list(),
                y=percent(rows[column].to_list()),
                name=comparison,
                marker_color=color,
                customdata=rows[n_column].to_list(),
                hovertemplate=f"{comparison}<br>%{{x}}: %{{y:.1f}}% (n = %{{customdata}} PRs)"
                "<extra></extra>",
            )
        )
    fig.update_yaxes(title_text=y_title, rangemode="tozero", **PERCENT_AXIS)
    return layout(fig, title, 380, barmode="group")
