"""Every chart of the dashboard: trends with roll-outs, the team map, spend, and the
Adoption, Delivery and Quality pages' breakdowns.

Each takes a metric function's frame and returns a plotly figure whose title states
the question it answers; colours come from :mod:`dashboard.components`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence

import plotly.graph_objects as go
import polars as pl
import streamlit as st
from plotly.subplots import make_subplots

from aimetrics.format import (
    AI_COLOR,
    COMPARISON_COLORS,
    NO_MARKER_COLOR,
    OTHER_COLOR,
    STAGE_LABELS,
    THROUGHPUT_COLOR,
    TOOL_COLORS,
    format_money,
    tool_colors,
)
from aimetrics.format import PALETTE as _PALETTE
from aimetrics.metrics.roi import Roi
from dashboard.components import AI_LABEL, NO_MARKER_LABEL, OTHER_GROUPS

ROLLOUT_COLOR = "#b45309"
SPEND_COLOR = "#dc2626"
VALUE_COLORS = {"measured uplift": AI_COLOR, "assumed time saved": "#a78bfa"}
# How each basis of a spend figure is named and drawn (docs/metrics.md "Nothing counted twice").
BASIS_LABELS = {
    "billed": "billed",
    "api_seats": "API seats × plan price",
    "seat_plan": "seat plan (configured estimate)",
    "estimate": "estimate (not billed)",
}
MAX_LABELLED_TEAMS = 15  # more teams: names on hover only, so the map stays legible
BASIS_PATTERNS = {"billed": "", "api_seats": "/", "seat_plan": ".", "estimate": "x"}


def weekly_trend_chart(
    trend: pl.DataFrame,
    week_start_day: str,
    rollouts: pl.DataFrame | None = None,
    tool_names: Mapping[str, str] | None = None,
    highlight: tuple[dt.date, dt.date] | None = None,
) -> go.Figure:
    """AI-assisted share and throughput per week (``weekly_trend``), one above the other,
    with a dotted line where a tool was rolled out (``rollouts``) inside the weeks shown
    and the selected period (``highlight``: first day, day after the last) shaded."""
    weeks = trend["week_start"].to_list()
    partial = [
        "" if days == 7 else f" (partial week: {days} days in the period)"
        for days in trend["days"].to_list()
    ]
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.12,
        subplot_titles=(
            "AI-assisted share of merged PRs (%)",
            "Merged PRs per engineer active that week (full weeks)",
        ),
    )
    fig.add_trace(
        go.Scatter(
            x=weeks,
            y=[None if v is None else v * 100 for v in trend["ai_share"].to_list()],
            name=AI_LABEL,
            mode="lines+markers",
            line={"color": AI_COLOR, "width": 2.5},
            customdata=list(zip(trend["ai_prs"], trend["merged_prs"], partial, strict=True)),
            hovertemplate=(
                "Week of %{x|%Y-%m-%d}%{customdata[2]}<br>AI-assisted: %{y:.1f}%"
                "<br>%{customdata[0]} of %{customdata[1]} merged PRs<extra></extra>"
            ),
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=weeks,
            y=trend["throughput"].to_list(),
            name="Throughput",
            mode="lines+markers",
            line={"color": THROUGHPUT_COLOR, "width": 2.5},
            customdata=list(zip(trend["merged_prs"], trend["active_engineers"], strict=True)),
            hovertemplate=(
                "Week of %{x|%Y-%m-%d}<br>%{y:.2f} merged PRs per engineer"
                "<br>%{customdata[0]} PRs · %{customdata[1]} active engineers<extra></extra>"
            ),
        ),
        row=2,
        col=1,
    )
    if highlight is not None:
        fig.add_vrect(
            x0=highlight[0].isoformat(),
            x1=highlight[1].isoformat(),
            row="all",
            col=1,
            fillcolor="#e2e8f0",
            opacity=0.45,
            line_width=0,
            layer="below",
        )
    names = dict(tool_names or {})
    for tool, day in _rollouts_within(rollouts, weeks):
        fig.add_vline(
            x=day.isoformat(),
            row="all",
            col=1,
            line={"color": ROLLOUT_COLOR, "dash": "dot", "width": 1.5},
        )
        fig.add_annotation(
            x=day.isoformat(),
            y=1.0,
            xref="x",
            yref="y domain",  # inside the top of the upper chart
            xanchor="left",
            yanchor="top",
            text=f" {names.get(tool, tool)} rolled out",
            showarrow=False,
            font={"color": ROLLOUT_COLOR, "size": 11},
            bgcolor="rgba(255,255,255,0.8)",
        )
    fig.update_yaxes(title_text="% of merged PRs", rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title_text="PRs / engineer / week", rangemode="tozero", row=2, col=1)
    fig.update_xaxes(title_text=f"Week starting ({week_start_day.title()})", row=2, col=1)
    fig.update_layout(
        title={"text": "Is more of our merged work AI-assisted, and is throughput keeping up?"},
        showlegend=False,
        hovermode="x unified",
        height=540,
        margin={"t": 90, "l": 60, "r": 20, "b": 50},
    )
    return fig


def _rollouts_within(rollouts: pl.DataFrame | None, weeks: list[dt.date]) -> list[tuple]:  # type: ignore[type-arg]
    """The roll-outs on a day of the weeks shown."""
    if rollouts is None or rollouts.is_empty() or not weeks:
        return []
    first, stop = weeks[0], weeks[-1] + dt.timedelta(days=7)
    return [
        (tool, day)
        for tool, day in rollouts.select("tool_id", "rolled_out_on").iter_rows()
        if first <= day < stop
    ]


def team_map_chart(frame: pl.DataFrame, currency: str, level: float) -> go.Figure:
    """The signature chart: per team, AI spend per engineer (x) against the measured
    throughput change after adoption (y, with its interval), bubble area ∝ team size.

    A team whose change cannot be measured keeps y empty (no point is made up): it is
    drawn in a separate strip beneath, "not measurable", at its spend per engineer.
    """
    shown = frame.filter(pl.col("spend_per_engineer").is_not_null())
    biggest = max(shown["engineers"].to_list(), default=1) or 1
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, row_heights=[0.86, 0.14], vertical_spacing=0.04
    )
    measured = shown.filter(pl.col("uplift").is_not_null())
    unmeasured = shown.filter(pl.col("uplift").is_null())
    fig.add_trace(_team_trace(shown, currency, level, biggest, "Teams"), row=1, col=1)
    if not unmeasured.is_empty():
        lane = _team_trace(unmeasured, currency, level, biggest, "Not measurable")
        lane.y = [0] * unmeasured.height
        lane.marker.color = "rgba(0,0,0,0)"
        lane.marker.line = {"color": NO_MARKER_COLOR, "width": 2}
        lane.error_y = None
        fig.add_trace(lane, row=2, col=1)
    fig.add_hline(
        y=0,
        row=1,
        col=1,
        line={"color": "#94a3b8", "dash": "dash"},
        annotation_text="no change",
        annotation_position="bottom right",
    )
    fig.update_xaxes(
        title_text=f"AI spend per active engineer in the period ({currency})",
        rangemode="tozero",
        row=2,
        col=1,
    )
    fig.update_yaxes(
        title_text=f"Throughput change after adoption (%, {level:.0%} CI)",
        ticksuffix="%",
        row=1,
        col=1,
    )
    fig.update_yaxes(
        title_text="not<br>measurable",
        showticklabels=False,
        showgrid=False,
        zeroline=False,
        row=2,
        col=1,
    )
    if measured.is_empty():
        fig.add_annotation(
            text="No team has enough engineers to measure its throughput change",
            xref="paper",
            yref="paper",
            x=0.5,
            y=0.6,
            showarrow=False,
            font={"color": "#64748b"},
        )
    return layout(
        fig,
        "Which teams get value for their AI spend, and which pay for idle or unproductive tools?",
        560,
        showlegend=False,
    )


def _team_trace(
    rows: pl.DataFrame, currency: str, level: float, biggest: int, name: str
) -> go.Scatter:
    hover = []
    for row in rows.iter_rows(named=True):
        change = (
            f"Throughput change {row['uplift']:+.0f}% ({level:.0%} CI "
            f"{row['uplift_low']:+.0f}% to {row['uplift_high']:+.0f}%)<br>"
            f"{row['adopters']} adopters vs {row['comparison_engineers']} not yet adopted"
            if row["uplift"] is not None
            else f"Throughput change: not enough data<br>({row['note']})"
        )
        hover.append(
            f"<b>{row['group']}</b><br>{row['engineers']} active engineers · "
            f"{format_money(row['spend'], currency)} AI spend, "
            f"{format_money(row['spend_per_engineer'], currency)} per engineer<br>{change}"
        )
    colors = ["#475569" if g == OTHER_GROUPS else AI_COLOR for g in rows["group"].to_list()]
    uplift, low, high = (rows[c].to_list() for c in ("uplift", "uplift_low", "uplift_high"))
    return go.Scatter(
        x=rows["spend_per_engineer"].to_list(),
        y=uplift,
        mode="markers+text" if rows.height <= MAX_LABELLED_TEAMS else "markers",
        text=rows["group"].to_list(),
        textposition="middle right",
        marker={
            "size": [8 + 28 * math.sqrt(e / biggest) for e in rows["engineers"].to_list()],
            "color": colors,
            "opacity": 0.75,
            "line": {"color": "white", "width": 1},
        },
        error_y={
            "type": "data",
            "symmetric": False,
            "array": [_gap(h, y) for y, h in zip(uplift, high, strict=True)],
            "arrayminus": [_gap(y, lo) for y, lo in zip(uplift, low, strict=True)],
            "color": "#64748b",
            "thickness": 1.5,
        },
        hovertext=hover,
        hoverinfo="text",
        name=name,
    )


def spend_chart(by_month: pl.DataFrame, currency: str) -> go.Figure:
    """Spend per month, stacked by tool; the pattern says each figure's basis."""
    rows = (
        by_month.group_by("tool_id", "month", "basis")
        .agg(pl.col("amount").sum())
        .sort("tool_id", "basis", "month")
    )
    fig = go.Figure()
    tools = rows["tool_id"].unique().sort().to_list()
    colors = tool_colors(tools)
    for tool in tools:
        for basis in BASIS_LABELS:
            part = rows.filter((pl.col("tool_id") == tool) & (pl.col("basis") == basis))
            if part.is_empty():
                continue
            label = BASIS_LABELS[basis]
            fig.add_trace(
                go.Bar(
                    x=part["month"].to_list(),
                    y=part["amount"].to_list(),
                    name=f"{tool} · {label}",
                    legendgroup=tool,
                    marker={
                        "color": colors[tool],
                        "pattern": {"shape": BASIS_PATTERNS[basis], "solidity": 0.35},
                    },
                    hovertemplate=(
                        f"{tool}<br>%{{x|%Y-%m}}: %{{y:,.0f}} {currency}<br>"
                        f"basis: {label}<extra></extra>"
                    ),
                )
            )
    fig.update_xaxes(title_text="Month (the period's days in it)", dtick="M1", tickformat="%Y-%m")
    fig.update_yaxes(title_text=f"AI spend ({currency})", rangemode="tozero")
    return layout(
        fig, "What do we spend on AI tools each month, and on what basis?", 420, barmode="stack"
    )


def balance_chart(roi: Roi, currency: str) -> go.Figure:
    """AI spend against the value each ROI method puts on the period (with its interval)."""
    names = ["AI spend", "Value: measured uplift", "Value: assumed time saved"]
    measured, assumed = roi.measured.value, roi.assumed.value
    values = [roi.measured.spend, measured.value, assumed.value]
    plus = [None, _gap(measured.high, measured.value), None]
    minus = [None, _gap(measured.value, measured.low), None]
    texts = [
        format_money(roi.measured.spend, currency),
        format_money(measured.value, currency) if measured.ok else "not enough data",
        format_money(assumed.value, currency),
    ]
    fig = go.Figure(
        go.Bar(
            y=names,
            x=[0 if v is None else v for v in values],
            orientation="h",
            marker_color=[
                SPEND_COLOR,
                VALUE_COLORS["measured uplift"],
                VALUE_COLORS["assumed time saved"],
            ],
            error_x={
                "type": "data",
                "symmetric": False,
                "array": plus,
                "arrayminus": minus,
                "color": "#334155",
            },
            text=texts,
            textposition="outside",
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    fig.update_xaxes(
        title_text=f"{currency} in the period (error bar: the measured value's interval)",
        rangemode="tozero",
    )
    fig.update_yaxes(autorange="reversed")
    return layout(
        fig,
        "Is what AI gives us worth what we spend on it?",
        300,
        showlegend=False,
    )


def _gap(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else max(a - b, 0.0)


# --- charts for the Adoption, Delivery and Quality pages ----------------------------------


def group_colors(groups: Sequence[str]) -> dict[str, str]:
    """A colour per group (teams, repositories) in a stable order; folded groups grey."""
    ordered = sorted(g for g in set(groups) if g != OTHER_GROUPS)
    colors = {g: _PALETTE[i % len(_PALETTE)] for i, g in enumerate(ordered)}
    colors[OTHER_GROUPS] = OTHER_COLOR
    return colors


def layout(fig: go.Figure, title: str, height: int = 420, **kwargs: object) -> go.Figure:
    fig.update_layout(
        title={"text": title},
        height=height,
        margin={"t": 70, "l": 60, "r": 20, "b": 50},
        legend={"orientation": "h", "y": -0.18},
        **kwargs,
    )
    return fig


def percent(values: Sequence[float | None]) -> list[float | None]:
    return [None if v is None else v * 100 for v in values]


def tool_share_chart(by_tool: pl.DataFrame, week_start_day: str) -> go.Figure:
    """Weekly share of merged PRs AI-assisted by each tool (``share_by_tool`` by week)."""
    fig = go.Figure()
    tools = by_tool["tool"].unique().sort().to_list()
    colors = tool_colors(tools)
    for tool in tools:
        rows = by_tool.filter(pl.col("tool") == tool)
        fig.add_trace(
            go.Scatter(
                x=rows["group"].to_list(),
                y=percent(rows["share"].to_list()),
                name=tool,
                mode="lines+markers",
                line={"color": colors[tool], "width": 2.5},
                customdata=list(zip(rows["prs"], rows["merged_prs"], strict=True)),
                hovertemplate=(
                    f"{tool}<br>Week of %{{x|%Y-%m-%d}}: %{{y:.1f}}%"
                    "<br>%{customdata[0]} of %{customdata[1]} merged PRs<extra></extra>"
                ),
            )
        )
    fig.update_yaxes(title_text="% of merged PRs", rangemode="tozero")
    fig.update_xaxes(title_text=f"Week starting ({week_start_day.title()})")
    return layout(fig, "Which AI tools assist our merged work, week by week?")


def group_trend_chart(trend: pl.DataFrame, label: str, period_label: str) -> go.Figure:
    """AI-assisted share of merged PRs per group (``group``) over time (``group_time``)."""
    fig = go.Figure()
    colors = group_colors(trend["group"].to_list())
    for group in trend["group"].unique().sort().to_list():
        rows = trend.filter(pl.col("group") == group).sort("group_time")
        fig.add_trace(
            go.Scatter(
                x=rows["group_time"].to_list(),
                y=percent(rows["ai_share"].to_list()),
                name=group,
                mode="lines+markers",
                line={"color": colors[group], "width": 2},
                customdata=list(zip(rows["ai_prs"], rows["merged_prs"], strict=True)),
                hovertemplate=(
                    f"{group}<br>%{{x|%Y-%m-%d}}: %{{y:.1f}}% AI-assisted"
                    "<br>%{customdata[0]} of %{customdata[1]} merged PRs<extra></extra>"
                ),
            )
        )
    fig.update_yaxes(title_text="% of merged PRs AI-assisted", rangemode="tozero")
    fig.update_xaxes(title_text=period_label)
    return layout(fig, f"Is AI adoption growing in every {label}?")


def group_adoption_chart(by_group: pl.DataFrame, label: str) -> go.Figure:
    """Adoption rate and AI-assisted PR share per group, side by side (horizontal bars)."""
    groups = by_group["group"].to_list()
    fig = go.Figure()
    for column, name, color, n in (
        ("adoption_rate", "Engineers using AI (%)", AI_COLOR, "active_contributors"),
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
    fig.update_xaxes(title_text="% (engineers or merged PRs)", rangemode="tozero")
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
    fig.update_yaxes(title_text="Engineers (with a merged PR)", rangemode="tozero")
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
                name=tool,
                mode="lines",
                line={"shape": "hv", "color": colors[tool], "width": 2.5},
                hovertemplate=f"{tool}<br>%{{x|%Y-%m-%d}}: %{{y}} seats<extra></extra>",
            )
        )
    fig.update_yaxes(title_text="Seats assigned", rangemode="tozero")
    fig.update_xaxes(title_text="Week")
    return layout(fig, "How many AI seats do we pay for, tool by tool?", 360)


COPILOT_COLOR = TOOL_COLORS.get("github-copilot", AI_COLOR)
ENGAGED_COLOR = "#7c3aed"
ACCEPTED_COLOR = AI_COLOR


def copilot_users_chart(weekly: pl.DataFrame, week_start_day: str) -> go.Figure:
    """Average daily active and engaged Copilot users per week (``weekly_usage``)."""
    fig = go.Figure()
    for column, name, color in (
        ("active_users", "Active users", COPILOT_COLOR),
        ("engaged_users", "Engaged users (prompted or accepted)", ENGAGED_COLOR),
    ):
        fig.add_trace(
            go.Scatter(
                x=weekly["week_start"].to_list(),
                y=weekly[column].to_list(),
                name=name,
                mode="lines+markers",
                line={"color": color, "width": 2.5},
                customdata=weekly["days"].to_list(),
                hovertemplate=(
                    f"Week of %{{x|%Y-%m-%d}}<br>{name}: %{{y:.1f}} a day on average"
                    "<br>%{customdata} reported days<extra></extra>"
                ),
            )
        )
    fig.update_yaxes(title_text="Users per day (weekly average)", rangemode="tozero")
    fig.update_xaxes(title_text=f"Week starting ({week_start_day.title()})")
    return layout(fig, "How many people use Copilot on a typical day?", 360)


def copilot_acceptance_chart(weekly: pl.DataFrame, week_start_day: str) -> go.Figure:
    """Suggestions and acceptances per week (bars) with the acceptance rate (line)."""
    fig = go.Figure()
    for column, name, color in (
        ("suggestions", "Suggestions", NO_MARKER_COLOR),
        ("acceptances", "Acceptances", ACCEPTED_COLOR),
    ):
        fig.add_trace(
            go.Bar(
                x=weekly["week_start"].to_list(),
                y=weekly[column].to_list(),
                name=name,
                marker_color=color,
                hovertemplate=f"Week of %{{x|%Y-%m-%d}}<br>{name}: %{{y:,}}<extra></extra>",
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
    fig.update_yaxes(title_text="Suggestions and acceptances per week", rangemode="tozero")
    fig.update_xaxes(title_text=f"Week starting ({week_start_day.title()})")
    return layout(
        fig,
        "How many Copilot suggestions do people accept?",
        barmode="group",
        yaxis2={
            "title": {"text": "Acceptance rate (%)"},
            "overlaying": "y",
            "side": "right",
            "rangemode": "tozero",
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
    fig.update_yaxes(title_text="Lines in the period", rangemode="tozero")
    fig.update_xaxes(title_text=label.capitalize())
    return layout(fig, f"Where does Copilot write our code, by {label}?", 360, barmode="group")


def merged_by_week_chart(weekly: pl.DataFrame, week_start_day: str) -> go.Figure:
    """Merged PRs per week, AI-assisted vs no marker (``pr_shares`` by week), stacked."""
    fig = go.Figure()
    for column, name in (("ai_prs", AI_LABEL), ("no_marker_prs", NO_MARKER_LABEL)):
        fig.add_trace(
            go.Bar(
                x=weekly["group"].to_list(),
                y=weekly[column].to_list(),
                name=name,
                marker_color=COMPARISON_COLORS[name],
                hovertemplate=(
                    f"Week of %{{x|%Y-%m-%d}}<br>{name}: %{{y}} merged PRs<extra></extra>"
                ),
            )
        )
    fig.update_yaxes(title_text="Merged PRs per week", rangemode="tozero")
    fig.update_xaxes(title_text=f"Week starting ({week_start_day.title()})")
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
    fig.update_xaxes(title_text="Median hours", rangemode="tozero")
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
    fig.update_yaxes(title_text="% of merged PRs in the group", rangemode="tozero")
    fig.update_xaxes(title_text=x_title)
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
    fig.update_yaxes(title_text=y_title, rangemode="tozero")
    return layout(fig, title, 380, barmode="group")


def chart(fig: go.Figure) -> None:
    st.plotly_chart(fig, config={"displaylogo": False})
