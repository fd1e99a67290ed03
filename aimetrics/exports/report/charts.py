"""The report's charts: plotly figures drawn from the report's own frames.

Each chart's title states its question, its axes their units, in the dashboard's
colours (AI-assisted violet, "no marker" grey, one colour per tool). They are sized
for the printed page (A4 portrait, 182 mm of text width ≈ 680 CSS pixels), static
(no mode bar, no zoom), so the PDF and the HTML show the same thing.
"""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import polars as pl

from aimetrics.format import (
    AI_COLOR,
    NO_MARKER_COLOR,
    NUMBER_AXIS,
    STAGE_NAMES,
    format_money,
    hover_money,
    money_axis,
    tool_colors,
)
from aimetrics.metrics.overview import rollouts_in_weeks
from aimetrics.metrics.period import Period, partial_days
from aimetrics.metrics.roi import RoiFigures
from aimetrics.vocabulary import AI_GROUP, NO_MARKER, STAGES, tool_name

ROLLOUT_COLOR = "#b45309"
SPEND_COLOR = "#334155"
VALUE_COLOR = "#0f766e"
PAGE_WIDTH = 680  # CSS pixels of an A4 page's text width


def _layout(fig: go.Figure, title: str, height: int, **kwargs: object) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 13}},
        width=PAGE_WIDTH,
        height=height,
        margin={"l": 56, "r": 12, "t": 36, "b": 36},
        template="plotly_white",
        font={"family": "Helvetica, Arial, sans-serif", "size": 10, "color": "#1e293b"},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1},
        bargap=0.25,
        **kwargs,
    )
    return fig


def balance_chart(measured: RoiFigures, assumed: RoiFigures) -> go.Figure:
    """The period's AI spend against the value of each ROI method (with its interval)."""
    currency = measured.currency
    labels, values, minus, plus, colors, texts = [], [], [], [], [], []
    rows = [("AI spend", measured.spend, None, None, SPEND_COLOR)]
    for m in (measured, assumed):
        est = m.value
        label = f"Value: {m.method}" + ("" if m is measured else " (assumption)")
        rows.append((label, est.value, est.low, est.high, VALUE_COLOR))
    for label, value, low, high, color in rows:
        labels.append(label)
        values.append(value or 0.0)
        minus.append(value - low if value is not None and low is not None else 0.0)
        plus.append(high - value if value is not None and high is not None else 0.0)
        colors.append(color)
        texts.append("not enough data" if value is None else format_money(value, currency))
    fig = go.Figure(
        go.Bar(
            y=labels,
            x=values,
            orientation="h",
            marker_color=colors,
            error_x={"type": "data", "array": plus, "arrayminus": minus, "color": "#0f172a"},
            text=texts,
            textposition="auto",
            cliponaxis=False,
            hoverinfo="skip",
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text=currency, rangemode="tozero", **money_axis(currency))
    return _layout(
        fig, "Does the value AI brings cover what it costs?", 170, showlegend=False
    ).update_layout(margin={"l": 150, "r": 60})


def weekly_chart(
    trend: pl.DataFrame, other_label: str = NO_MARKER, period: Period | None = None
) -> go.Figure:
    """Merged PRs per week, AI-assisted and not (stacked); ``period`` shaded, a partial
    first or last week of it lighter (its days in the tooltip)."""
    weeks = trend["week_start"].to_list()
    ai = trend["ai_prs"].to_list()
    rest = (trend["merged_prs"] - trend["ai_prs"]).to_list()
    # The trend's own window (``days``: its days in each week) decides which week is partial:
    # the year before the period is drawn whole, only its cut first and last weeks are not.
    if "days" in trend.columns:
        days = [None if d == 7 else d for d in trend["days"].to_list()]
    else:
        days = partial_days(weeks, "week", period) if period else [None] * len(weeks)
    opacity = [1.0 if d is None else 0.35 for d in days]  # pale: only partly covered
    notes = ["" if d is None else f" (partial week: {d} days)" for d in days]
    hover = "Week of %{x|%Y-%m-%d}%{customdata}<br>%{y:,} merged PRs<extra></extra>"
    fig = go.Figure(
        [
            go.Bar(
                x=weeks, y=values, name=name, customdata=notes, hovertemplate=hover,
                marker={"color": color, "opacity": opacity},
            )
            for values, name, color in (
                (ai, AI_GROUP, AI_COLOR), (rest, other_label, NO_MARKER_COLOR)
            )
        ]
    )  # fmt: skip
    if period is not None and weeks and period.start > weeks[0]:
        fig.add_vrect(
            x0=period.start - dt.timedelta(days=3.5),
            x1=period.last_day,
            fillcolor="#e2e8f0",
            opacity=0.5,
            layer="below",
            line_width=0,
            annotation_text="this period",
            annotation_position="top left",
        )
    fig.update_xaxes(title_text="Week starting (lighter: a partial week)", tickformat="%b %Y")
    fig.update_yaxes(title_text="Merged PRs", **NUMBER_AXIS)
    return _layout(
        fig, "How much of the merged work is AI-assisted, week by week?", 230, barmode="stack"
    )


def share_trend_chart(
    trend: pl.DataFrame,
    period: Period | None = None,
    rollouts: pl.DataFrame | None = None,
    week_start_day: str = "monday",
) -> go.Figure:
    """Page 1's trend: the AI-assisted share of merged PRs per week (``weekly_trend``).

    Whole weeks are joined by a line; a week only partly inside the weeks shown (the first
    or the last) is a hollow point on its own, never drawn as if it were whole; a week without
    merged PRs is a gap. ``period`` is shaded, tools rolled out inside the weeks are marked."""
    whole = trend.filter(pl.col("days") == 7)
    part = trend.filter((pl.col("days") < 7) & (pl.col("merged_prs") > 0))

    def pct(rows: pl.DataFrame) -> list[float | None]:
        return [None if v is None else v * 100 for v in rows["ai_share"].to_list()]

    def hover(rows: pl.DataFrame) -> list[str]:
        return [
            f"Week of {w:%Y-%m-%d}" + (f" (partial: {d} days)" if d < 7 else "")
            + f": {a:,} of {n:,} merged PRs AI-assisted"
            for w, d, a, n in rows.select("week_start", "days", "ai_prs", "merged_prs").iter_rows()
        ]  # fmt: skip

    fig = go.Figure(
        [
            go.Scatter(
                x=whole["week_start"].to_list(),
                y=pct(whole),
                name="whole weeks",
                mode="lines+markers",
                line={"color": AI_COLOR, "width": 2.5},
                marker={"size": 5},
                connectgaps=False,
                text=hover(whole),
                hoverinfo="text",
            ),
            go.Scatter(
                x=part["week_start"].to_list(),
                y=pct(part),
                name="partial week (fewer than 7 days)",
                mode="markers",
                marker={"color": AI_COLOR, "size": 7, "symbol": "circle-open"},
                text=hover(part),
                hoverinfo="text",
            ),
        ]
    )
    weeks = trend["week_start"].to_list()
    if period is not None and weeks and period.start > weeks[0]:
        fig.add_vrect(
            x0=period.start, x1=period.last_day, fillcolor="#e2e8f0", opacity=0.5,
            layer="below", line_width=0, annotation_text="this period",
            annotation_position="top left",
        )  # fmt: skip
    if weeks:
        for k, (tool, day) in enumerate(rollouts_in_weeks(rollouts, weeks)):
            fig.add_vline(x=day, line={"color": ROLLOUT_COLOR, "dash": "dot", "width": 1})
            # Staggered heights: roll-outs weeks apart must not print over each other.
            fig.add_annotation(
                x=day, y=0.02 + 0.09 * (k % 3), yref="paper", yanchor="bottom", xanchor="left",
                showarrow=False, text=f" {tool_name(tool)}",
                font={"color": ROLLOUT_COLOR, "size": 9}, bgcolor="rgba(255,255,255,0.8)",
            )  # fmt: skip
    fig.update_xaxes(title_text=f"Week starting ({week_start_day.title()})", tickformat="%b %Y")
    fig.update_yaxes(title_text="% of merged PRs", rangemode="tozero", ticksuffix="%")
    return _layout(fig, "Is more of the merged work AI-assisted, week by week?", 230)


def spend_chart(by_month: pl.DataFrame, currency: str) -> go.Figure:
    """AI spend per whole calendar month and tool (stacked; every component and basis
    summed): the period's part solid, the rest of a partly covered month pale (hatched in
    print), so a four-day month is never drawn as a whole month's bill."""
    per = (
        by_month.group_by("tool_id", "month")
        .agg(pl.col("amount").sum(), pl.col("month_amount").sum())
        .with_columns((pl.col("month_amount") - pl.col("amount")).clip(0).alias("outside"))
        .sort("tool_id", "month")
    )
    colors = tool_colors(per["tool_id"].unique().sort().to_list())
    bars = []
    for column, suffix, opacity in (("amount", "", 1.0), ("outside", " (rest of month)", 0.3)):
        for (tool,), rows in per.group_by("tool_id", maintain_order=True):
            if column == "outside" and not rows["outside"].sum():
                continue
            bars.append(
                go.Bar(
                    x=rows["month"].to_list(),
                    y=rows[column].to_list(),
                    name=f"{tool_name(tool)}{suffix}",
                    marker={
                        "color": colors[tool],
                        "pattern": {"shape": "/" if suffix else ""},
                    },
                    opacity=opacity,
                    hovertemplate=f"{tool_name(tool)}{suffix}<br>%{{x|%b %Y}}: "
                    f"{hover_money(currency)}<extra></extra>",
                )
            )
    fig = go.Figure(bars)
    fig.update_xaxes(
        title_text="Calendar month (solid: the period's days; pale: the rest of the month)",
        tickformat="%b %Y",
        dtick="M1",
    )
    fig.update_yaxes(title_text=currency, **money_axis(currency))
    return _layout(
        fig, "What do the AI tools cost each month?", 230, barmode="stack", showlegend=True
    )


def stage_chart(stages: pl.DataFrame) -> go.Figure:
    """Median hours per cycle-time stage, AI-assisted vs no marker."""
    fig = go.Figure()
    for group, color in ((AI_GROUP, AI_COLOR), (NO_MARKER, NO_MARKER_COLOR)):
        rows = stages.filter(pl.col("comparison") == group)
        medians = dict(zip(rows["stage"].to_list(), rows["median"].to_list(), strict=True))
        fig.add_bar(
            x=[STAGE_NAMES[s] for s in STAGES],
            y=[medians.get(s) for s in STAGES],
            name=group,
            marker_color=color,
        )
    fig.update_yaxes(title_text="Median hours", **NUMBER_AXIS)
    return _layout(fig, "Where does the time from first commit to merge go?", 230, barmode="group")
