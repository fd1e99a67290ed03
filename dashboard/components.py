"""The dashboard's building blocks: shared filters, colours, number formats, KPIs and charts.

Every page uses these, so figures look and read the same everywhere. Nothing
here reads the store (that is ``data.py``) or computes a metric (that is
``aimetrics.metrics``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go
import polars as pl
import streamlit as st
from plotly.subplots import make_subplots

from aimetrics.metrics.period import DEFAULT_PERIOD_DAYS, Period

# --- colours: one per group, the same on every page ------------------------------------
AI_COLOR = "#7c3aed"  # AI-assisted (an AI marker at or above the configured confidence)
NO_MARKER_COLOR = "#94a3b8"  # "no marker": the comparison group (unknown, not proven human)
THROUGHPUT_COLOR = "#0f766e"  # delivery figures that are not split by AI / no marker
AI_LABEL = "AI-assisted"
NO_MARKER_LABEL = "no marker"

# --- the shared sidebar filters ---------------------------------------------------------
PERIOD_KEY = "period"  # widget key, and the URL query parameter: ?period=FROM&period=TO
FILTERS_STATE = "aimetrics.filters"
_EARLIEST = dt.date(2000, 1, 1)

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}
MISSING = "—"


@dataclass(frozen=True)
class Filters:
    """What every page filters by. Teams, repositories and tools come later."""

    period: Period


def sidebar_filters(default: Period) -> Filters:
    """Render the shared filters in the sidebar and publish them for the pages.

    The date range is bound to the URL (``?period=2025-01-01&period=2025-03-31``,
    first and last day included), so a link reproduces the view; without it
    the default is ``default`` (the last 90 days of data).
    """
    last_allowed = max(default.last_day, dt.date.today()) + dt.timedelta(days=366)
    picked = st.sidebar.date_input(
        "Period",
        value=(default.start, default.last_day),
        min_value=_EARLIEST,
        max_value=last_allowed,
        key=PERIOD_KEY,
        bind="query-params",
        format="YYYY-MM-DD",
        help=(
            f"First and last day, in the reporting time zone ({default.tz}). "
            f"Default: the last {DEFAULT_PERIOD_DAYS} days up to the latest merged pull "
            "request. Figures are compared with the period of equal length just before."
        ),
    )
    days = tuple(picked) if isinstance(picked, Sequence) else (picked,)
    if len(days) == 2 and days[0] is not None and days[1] is not None:
        start, last = days
    elif days and days[0] is not None:
        st.sidebar.caption("Pick the last day of the period too.")
        start = last = days[0]
    else:
        start, last = default.start, default.last_day
    filters = Filters(Period(start, last + dt.timedelta(days=1), default.tz))
    st.session_state[FILTERS_STATE] = filters
    return filters


def current_filters() -> Filters:
    """The filters the entry point rendered for this run (see :func:`sidebar_filters`)."""
    filters = st.session_state.get(FILTERS_STATE)
    if not isinstance(filters, Filters):
        raise RuntimeError("run the dashboard through dashboard/app.py, which sets the filters")
    return filters


# --- number formats ----------------------------------------------------------------------


def format_share(value: float | None) -> str:
    return MISSING if value is None else f"{value:.1%}"


def format_rate(value: float | None) -> str:
    return MISSING if value is None else f"{value:.2f}"


def format_money(value: float | None, currency: str, decimals: int = 0) -> str:
    if value is None:
        return MISSING
    symbol = CURRENCY_SYMBOLS.get(currency)
    amount = f"{abs(value):,.{decimals}f}"
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol}{amount}" if symbol else f"{sign}{amount} {currency}"


def format_period(period: Period) -> str:
    return f"{period.start:%Y-%m-%d} – {period.last_day:%Y-%m-%d}"


def _relative(current: float, previous: float) -> str:
    return f" ({current / previous - 1:+.0%})" if previous else ""


def delta_points(current: float | None, previous: float | None) -> str | None:
    """A change of a share, in percentage points."""
    if current is None or previous is None:
        return None
    return f"{(current - previous) * 100:+.1f} pp"


def delta_rate(current: float | None, previous: float | None) -> str | None:
    if current is None or previous is None:
        return None
    return f"{current - previous:+.2f}{_relative(current, previous)}"


def delta_money(
    current: float | None, previous: float | None, currency: str, decimals: int = 0
) -> str | None:
    if current is None or previous is None:
        return None
    diff = current - previous
    sign = "+" if diff >= 0 else "-"
    return f"{sign}{format_money(abs(diff), currency, decimals)}{_relative(current, previous)}"


# --- KPIs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kpi:
    """One headline figure as shown: label, value, change, sample size, definition."""

    label: str
    value: str
    delta: str | None
    delta_color: str
    n: str
    help: str


def overview_kpis(kpis: pl.DataFrame, currency: str) -> list[Kpi]:
    """The Overview's four KPIs from :func:`aimetrics.metrics.overview.overview_kpis`' rows."""
    cur = kpis.filter(pl.col("period") == "current").row(0, named=True)
    prev = kpis.filter(pl.col("period") == "previous").row(0, named=True)
    prev_last = prev["end"] - dt.timedelta(days=1)
    prev_period = f"Previous period {prev['start']:%Y-%m-%d} – {prev_last:%Y-%m-%d}"
    return [
        Kpi(
            "AI-assisted PR share",
            format_share(cur["ai_share"]),
            delta_points(cur["ai_share"], prev["ai_share"]),
            "normal",
            f"{cur['ai_prs']:,} of {cur['merged_prs']:,} merged PRs",
            "AI-assisted share of merged PRs: merged PRs with an AI marker (authored or "
            "assisted, at or above the configured "
            "confidence) / all merged PRs, non-AI bots and excluded people left out. "
            f"The rest is '{NO_MARKER_LABEL}', not proven human. "
            f"{prev_period}: {format_share(prev['ai_share'])}.",
        ),
        Kpi(
            "PRs per engineer-week",
            format_rate(cur["throughput"]),
            delta_rate(cur["throughput"], prev["throughput"]),
            "normal",
            f"{cur['merged_prs']:,} PRs · {cur['active_engineers']:,} active engineers",
            "Merged PRs per active engineer per week: merged PRs / active engineers / "
            "weeks in the period. Active: at least one "
            "merged PR or default-branch commit in the period (humans only). "
            f"{prev_period}: {format_rate(prev['throughput'])}.",
        ),
        Kpi(
            "AI spend in period",
            format_money(cur["spend"], currency),
            delta_money(cur["spend"], prev["spend"], currency),
            "off",
            f"seat plans prorated by day + usage records, in {currency}",
            "Seat plans (seats × price per seat-month × 12 / 365 per day) plus cost records "
            f"dated in the period. {prev_period}: {format_money(prev['spend'], currency)}.",
        ),
        Kpi(
            "AI cost per merged PR",
            format_money(cur["cost_per_merged_pr"], currency, 2),
            delta_money(cur["cost_per_merged_pr"], prev["cost_per_merged_pr"], currency, 2),
            "inverse",
            f"{cur['merged_prs']:,} merged PRs",
            "AI spend in the period / merged PRs in the period. "
            f"{prev_period}: {format_money(prev['cost_per_merged_pr'], currency, 2)}.",
        ),
    ]


def kpi_row(kpis: Sequence[Kpi]) -> None:
    """The KPIs side by side, each with its change and its sample size beneath."""
    for column, kpi in zip(st.columns(len(kpis)), kpis, strict=True):
        with column:
            st.metric(
                kpi.label,
                kpi.value,
                kpi.delta,
                delta_color=kpi.delta_color,  # type: ignore[arg-type]
                help=kpi.help,
                border=True,
            )
            st.caption(f"n: {kpi.n}")


# --- charts -------------------------------------------------------------------------------


def weekly_trend_chart(trend: pl.DataFrame, week_start_day: str) -> go.Figure:
    """AI-assisted share and throughput per week (``weekly_trend``'s frame), one above the other."""
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
    fig.update_yaxes(title_text="% of merged PRs", rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title_text="PRs / engineer / week", rangemode="tozero", row=2, col=1)
    fig.update_xaxes(title_text=f"Week starting ({week_start_day.title()})", row=2, col=1)
    fig.update_layout(
        title={"text": "Is more of our merged work AI-assisted, and is throughput keeping up?"},
        showlegend=False,
        hovermode="x unified",
        height=520,
        margin={"t": 90, "l": 60, "r": 20, "b": 50},
    )
    return fig


def weekly_table(trend: pl.DataFrame) -> None:
    """The chart's numbers, week by week."""
    st.dataframe(
        trend.select(
            "week_start",
            "days",
            "merged_prs",
            "ai_prs",
            (pl.col("ai_share") * 100).alias("ai_share"),
            "active_engineers",
            "throughput",
        ),
        hide_index=True,
        column_config={
            "week_start": st.column_config.DateColumn("Week starting", format="YYYY-MM-DD"),
            "days": st.column_config.NumberColumn("Days in period"),
            "merged_prs": st.column_config.NumberColumn("Merged PRs"),
            "ai_prs": st.column_config.NumberColumn(f"{AI_LABEL} PRs"),
            "ai_share": st.column_config.NumberColumn(f"{AI_LABEL} (%)", format="%.1f"),
            "active_engineers": st.column_config.NumberColumn("Active engineers"),
            "throughput": st.column_config.NumberColumn("PRs / engineer / week", format="%.2f"),
        },
    )


def format_timestamp(value: dt.datetime | None, tz: str) -> str:
    if value is None:
        return "never (no collection run is recorded)"
    from zoneinfo import ZoneInfo

    return value.astimezone(ZoneInfo(tz)).strftime(f"%Y-%m-%d %H:%M {tz}")
