"""The Overview's and Cost & ROI's charts (trends with roll-outs, spend, the balance) and what
every chart shares (layout, colours of groups, rendering); the team map is in
:mod:`dashboard.team_map_chart`, the Adoption, Delivery and Quality pages' breakdowns in
:mod:`dashboard.breakdown_charts`.

Each takes a metric function's frame and returns a plotly figure whose title states
the question it answers; colours come from :mod:`aimetrics.format`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import plotly.graph_objects as go
import polars as pl
import streamlit as st
from plotly.subplots import make_subplots

from aimetrics.format import (
    AI_COLOR,
    NUMBER_AXIS,
    OTHER_COLOR,
    PERCENT_AXIS,
    THROUGHPUT_COLOR,
    format_money,
    hover_money,
    money_axis,
    tool_colors,
)
from aimetrics.format import PALETTE as _PALETTE
from aimetrics.metrics.overview import rollouts_in_weeks
from aimetrics.metrics.roi import Roi
from aimetrics.vocabulary import tool_name
from dashboard.components import AI_LABEL, OTHER_GROUPS

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
    add_line(
        fig,
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
        [days != 7 for days in trend["days"].to_list()],
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
    for k, (tool, day) in enumerate(rollouts_in_weeks(rollouts, weeks)):
        fig.add_vline(
            x=day.isoformat(),
            row="all",
            col=1,
            line={"color": ROLLOUT_COLOR, "dash": "dot", "width": 1.5},
        )
        # Staggered heights: roll-outs weeks apart must not print over each other.
        fig.add_annotation(
            x=day.isoformat(),
            y=1.0 - 0.13 * (k % 3),
            xref="x",
            yref="y domain",  # inside the top of the upper chart
            xanchor="left",
            yanchor="top",
            text=f" {names.get(tool, tool)} rolled out",
            showarrow=False,
            font={"color": ROLLOUT_COLOR, "size": 11},
            bgcolor="rgba(255,255,255,0.8)",
        )
    fig.update_yaxes(title_text="% of merged PRs", rangemode="tozero", row=1, col=1, **PERCENT_AXIS)
    fig.update_yaxes(
        title_text="PRs / engineer / week", rangemode="tozero", row=2, col=1, **NUMBER_AXIS
    )
    fig.update_xaxes(
        title_text=f"Week starting ({week_start_day.title()}; dotted: a partial week)",
        row=2,
        col=1,
    )
    fig.update_layout(
        title={"text": "Is more of our merged work AI-assisted, and is throughput keeping up?"},
        showlegend=False,
        hovermode="x unified",
        height=540,
        margin={"t": 90, "l": 60, "r": 20, "b": 50},
    )
    return fig


def spend_chart(by_month: pl.DataFrame, currency: str) -> go.Figure:
    """Spend per whole calendar month, stacked by tool; the pattern says each figure's basis.

    ``by_month``: :func:`aimetrics.figures.cost.spend_by_month`. The period's part of a month
    is solid, the rest of a month the period only partly covers pale on top of it, so a
    four-day month is never drawn as if it were the month's bill."""
    rows = (
        by_month.group_by("tool_id", "month", "basis")
        .agg(pl.col("amount").sum(), pl.col("month_amount").sum())
        .with_columns((pl.col("month_amount") - pl.col("amount")).clip(0).alias("outside"))
        .sort("tool_id", "basis", "month")
    )
    fig = go.Figure()
    tools = rows["tool_id"].unique().sort().to_list()
    colors = tool_colors(tools)
    for column, part_name, opacity in (
        ("amount", "in the period", 1.0),
        ("outside", "rest of the month", 0.3),
    ):
        for tool in tools:
            for basis in BASIS_LABELS:
                part = rows.filter(
                    (pl.col("tool_id") == tool) & (pl.col("basis") == basis) & (pl.col(column) > 0)
                )
                if part.is_empty():
                    continue
                label = BASIS_LABELS[basis]
                fig.add_trace(
                    go.Bar(
                        x=part["month"].to_list(),
                        y=part[column].to_list(),
                        name=f"{tool_name(tool)} · {label}"
                        + ("" if column == "amount" else f" ({part_name})"),
                        legendgroup=tool,
                        # One legend entry per tool and basis: the pale part is its own month's.
                        showlegend=column == "amount",
                        opacity=opacity,
                        marker={
                            "color": colors[tool],
                            "pattern": {"shape": BASIS_PATTERNS[basis], "solidity": 0.35},
                        },
                        customdata=part["month_amount"].to_list(),
                        hovertemplate=(
                            f"{tool_name(tool)}<br>%{{x|%Y-%m}}: {hover_money(currency)} "
                            f"{part_name}<br>whole month: {hover_money(currency, 'customdata')}"
                            f"<br>basis: {label}<extra></extra>"
                        ),
                    )
                )
    fig.update_xaxes(
        title_text="Calendar month (solid: the period's days; pale: the rest of the month)",
        dtick="M1",
        tickformat="%Y-%m",
    )
    fig.update_yaxes(
        title_text=f"AI spend ({currency})", rangemode="tozero", **money_axis(currency)
    )
    return layout(
        fig, "What do we spend on AI tools each month, and on what basis?", 440, barmode="stack"
    )


def balance_chart(roi: Roi, currency: str) -> go.Figure:
    """AI spend against the value each ROI method puts on the period (with its interval)."""
    names = ["AI spend", "Value: measured uplift", "Value: assumed time saved (assumption)"]
    measured, assumed = roi.measured.value, roi.assumed.value
    values = [roi.measured.spend, measured.value, assumed.value]
    plus = [None, error_gap(measured.high, measured.value), None]
    minus = [None, error_gap(measured.value, measured.low), None]
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
        **money_axis(currency),
    )
    fig.update_yaxes(autorange="reversed")
    return layout(
        fig,
        "Is what AI gives us worth what we spend on it?",
        300,
        showlegend=False,
    )


def error_gap(a: float | None, b: float | None) -> float | None:
    """An error bar's length from ``b`` to ``a`` (None where either end is unknown)."""
    return None if a is None or b is None else max(a - b, 0.0)


# --- shared by every chart ---------------------------------------------------------------


def partial_segments(
    y: Sequence[float | None], partial: Sequence[bool]
) -> tuple[list[float | None], list[float | None]]:
    """``y`` split in the line between whole periods and the dotted line that reaches each
    partial one from its neighbours (None breaks a line)."""
    solid = [None if p else v for v, p in zip(y, partial, strict=True)]
    near = [
        p or (i > 0 and partial[i - 1]) or (i + 1 < len(partial) and partial[i + 1])
        for i, p in enumerate(partial)
    ]
    dotted = [v if n else None for v, n in zip(y, near, strict=True)]
    return solid, dotted


def add_line(
    fig: go.Figure, trace: go.Scatter, partial: Sequence[bool], **where: object
) -> go.Figure:
    """``trace`` (a line with markers) drawn solid over whole weeks or months and dotted to
    a partial one, whose marker is open: a stub of a week is not drawn as if it were whole.
    The markers carry the trace's hover; the lines have none of their own."""
    y = list(trace.y)
    solid, dotted = partial_segments(y, partial)
    line = dict(trace.line.to_plotly_json())
    common = {"x": trace.x, "mode": "lines", "hoverinfo": "skip", "legendgroup": trace.name}
    fig.add_trace(go.Scatter(y=solid, line=line, name=trace.name, **common), **where)
    if any(partial):
        dots = {**line, "dash": "dot"}
        fig.add_trace(go.Scatter(y=dotted, line=dots, showlegend=False, **common), **where)
    trace.mode = "markers"
    trace.legendgroup = trace.name
    trace.showlegend = False  # the solid line stands for the series in the legend
    trace.marker.color = line.get("color")
    trace.marker.symbol = ["circle-open" if p else "circle" for p in partial]
    fig.add_trace(trace, **where)
    return fig


def group_colors(groups: Sequence[str]) -> dict[str, str]:
    """A colour per group (teams, repositories) in a stable order; folded groups grey."""
    ordered = sorted(g for g in set(groups) if g != OTHER_GROUPS)
    colors = {g: _PALETTE[i % len(_PALETTE)] for i, g in enumerate(ordered)}
    colors[OTHER_GROUPS] = OTHER_COLOR
    return colors


def layout(fig: go.Figure, title: str, height: int = 420, **kwargs: object) -> go.Figure:
    """Title, height, margins and a horizontal legend under the plot. With an x axis title the
    legend goes to the figure's foot, below it: just under the ticks, where plotly puts it,
    a title and a legend of a few long names print over each other, depending on the data
    (found on the tool-share, team-trend, spend and Copilot charts)."""
    fig.update_layout(
        title={"text": title},
        height=height,
        margin={"t": 70, "l": 60, "r": 20, "b": 50},
        legend={"orientation": "h", "y": -0.18},
        **kwargs,
    )
    if fig.layout.showlegend is not False and fig.layout.xaxis.title.text:
        fig.update_layout(
            legend={"yref": "container", "y": 0, "yanchor": "bottom"}, margin={"b": 105}
        )
    return fig


def percent(values: Sequence[float | None]) -> list[float | None]:
    return [None if v is None else v * 100 for v in values]


def chart(fig: go.Figure) -> None:
    st.plotly_chart(fig, config={"displaylogo": False})
