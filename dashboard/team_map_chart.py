"""The Overview's signature chart: per team, AI spend per engineer against the measured
throughput change after adoption, with the teams whose change cannot be measured in a strip
beneath."""

from __future__ import annotations

import math

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from aimetrics.format import AI_COLOR, NO_MARKER_COLOR, PERCENT_AXIS, format_money, money_axis
from dashboard.charts import error_gap, layout
from dashboard.components import OTHER_GROUPS

MAX_LABELLED_TEAMS = 15  # more teams: names on hover only, so the map stays legible


def team_map_chart(frame: pl.DataFrame, currency: str, level: float) -> go.Figure:
    """The signature chart: per team, AI spend per engineer (x) against the measured
    throughput change after adoption (y, with its interval), bubble area ∝ team size.

    A team whose change cannot be measured keeps y empty (no point is made up): it is
    drawn in a separate strip beneath, "not measurable", at its spend per engineer.
    """
    shown = frame.filter(pl.col("spend_per_engineer").is_not_null())
    biggest = max(shown["engineers"].to_list(), default=1) or 1
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, row_heights=[0.8, 0.2], vertical_spacing=0.04
    )
    measured = shown.filter(pl.col("uplift").is_not_null())
    unmeasured = shown.filter(pl.col("uplift").is_null())
    # The axes' extents: the spend from $0, the change with its intervals.
    right = max(shown["spend_per_engineer"].to_list(), default=0.0) or 1.0
    ends = measured.select(pl.concat_list("uplift_low", "uplift_high").explode()).to_series()
    ends = ends.drop_nulls()
    height = (max(ends.max(), 0.0) - min(ends.min(), 0.0)) if ends.len() else 1.0  # type: ignore[operator,type-var]
    teams = _team_trace(shown, currency, level, biggest, "Teams")
    teams.textposition = label_positions(list(teams.x), list(teams.y), right, height)
    fig.add_trace(teams, row=1, col=1)
    if not unmeasured.is_empty():
        lane = _team_trace(unmeasured, currency, level, biggest, "Not measurable")
        lane.y = [0] * unmeasured.height
        lane.textposition = label_positions(list(lane.x), list(lane.y), right, 1.0)
        lane.cliponaxis = False  # a name above or below its bubble may pass the strip's edge
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
    # From a little below $0: a team without spend is drawn whole, not cut by the axis.
    fig.update_xaxes(
        title_text=f"AI spend per active engineer in the period ({currency})",
        range=[-0.04 * right, 1.1 * right],
        row=2,
        col=1,
        **money_axis(currency),
    )
    fig.update_yaxes(
        title_text=f"Throughput change after adoption (%, {level:.0%} CI)",
        row=1,
        col=1,
        **PERCENT_AXIS,
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


def label_positions(
    xs: list[float | None], ys: list[float | None], x_span: float, y_span: float
) -> list[str]:
    """Where each team's name goes: right of its bubble, or above and below it in turn
    within a run of teams of about the same spend and change (``x_span``, ``y_span``: the
    axes' extents), whose names would otherwise print over each other ("payments" over
    "growth")."""
    points = [i for i, (x, y) in enumerate(zip(xs, ys, strict=True)) if None not in (x, y)]
    x_span, y_span = x_span or 1.0, y_span or 1.0

    def near(a: int, b: int) -> bool:
        return (
            abs(xs[a] - xs[b]) < 0.12 * x_span  # type: ignore[operator]
            and abs(ys[a] - ys[b]) < 0.15 * y_span  # type: ignore[operator]
        )

    runs: list[list[int]] = []
    for i in sorted(points, key=lambda i: xs[i]):  # type: ignore[arg-type,return-value]
        if runs and near(runs[-1][-1], i):
            runs[-1].append(i)
        else:
            runs.append([i])
    positions = ["middle right"] * len(xs)
    for run in (r for r in runs if len(r) > 1):
        for k, i in enumerate(sorted(run, key=lambda i: -ys[i])):  # type: ignore[operator]
            positions[i] = ("top right", "bottom right", "middle right")[k % 3]
    return positions


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
            "array": [error_gap(h, y) for y, h in zip(uplift, high, strict=True)],
            "arrayminus": [error_gap(y, lo) for y, lo in zip(uplift, low, strict=True)],
            "color": "#64748b",
            "thickness": 1.5,
        },
        hovertext=hover,
        hoverinfo="text",
        name=name,
    )
