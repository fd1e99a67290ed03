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

from aimetrics.metrics.adoption import AI_GROUP, NO_MARKER, OTHER_TOOLS, Selection
from aimetrics.metrics.period import DEFAULT_PERIOD_DAYS, Period
from aimetrics.metrics.privacy import OTHER
from aimetrics.metrics.stats import Comparison, Estimate

# --- colours: one per group, the same on every page ------------------------------------
AI_COLOR = "#7c3aed"  # AI-assisted (an AI marker at or above the configured confidence)
NO_MARKER_COLOR = "#94a3b8"  # "no marker": the comparison group (unknown, not proven human)
THROUGHPUT_COLOR = "#0f766e"  # delivery figures that are not split by AI / no marker
AI_LABEL = AI_GROUP  # "AI-assisted"
NO_MARKER_LABEL = NO_MARKER  # "no marker"
COMPARISON_COLORS = {AI_LABEL: AI_COLOR, NO_MARKER_LABEL: NO_MARKER_COLOR}
OTHER_COLOR = "#475569"  # other tools, folded groups
# One colour per AI tool, the same on every page; unknown tools take the palette in order.
TOOL_COLORS = {
    "github-copilot": "#2563eb",
    "claude-code": "#ea580c",
    "cursor": "#0891b2",
    "openai-codex": "#16a34a",
    "aider": "#db2777",
    "devin": "#ca8a04",
    "google-jules": "#4f46e5",
    "amazon-q": "#f59e0b",
    "openhands": "#be123c",
    "unspecified": "#64748b",
}
_PALETTE = ("#0d9488", "#9333ea", "#e11d48", "#65a30d", "#0284c7", "#c2410c", "#7c2d12")
STAGE_LABELS = {
    "coding": "Coding (first commit → ready)",
    "pickup": "Pickup (ready → first human review)",
    "review": "Review (first review → last approval)",
    "merge": "Merge (approval → merged)",
    "cycle": "Cycle time (first commit → merged)",
}

# --- the shared sidebar filters ---------------------------------------------------------
PERIOD_KEY = "period"  # widget key, and the URL query parameter: ?period=FROM&period=TO
FILTERS_STATE = "aimetrics.filters"
_EARLIEST = dt.date(2000, 1, 1)

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}
MISSING = "—"


TEAMS_KEY, REPOS_KEY, TOOLS_KEY = "team", "repo", "tool"  # widget keys = URL parameters


@dataclass(frozen=True)
class FilterOptions:
    """What the sidebar offers: team slugs with names, repositories, tool ids with names."""

    teams: tuple[tuple[str, str], ...] = ()
    repositories: tuple[str, ...] = ()
    tools: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Filters:
    """What every page filters by: the period, and teams, repositories, tools (empty = all)."""

    period: Period
    teams: tuple[str, ...] = ()
    repositories: tuple[str, ...] = ()
    tools: tuple[str, ...] = ()

    @property
    def selection(self) -> Selection:
        return Selection(self.teams, self.repositories, self.tools)

    def describe(self) -> str:
        """The filters besides the period, in words ("" when none)."""
        named = (("teams", self.teams), ("repositories", self.repositories), ("tools", self.tools))
        return " · ".join(f"{label}: {', '.join(values)}" for label, values in named if values)


def _multiselect(
    label: str, key: str, options: Sequence[tuple[str, str]], help: str
) -> tuple[str, ...]:
    names = dict(options)
    picked = st.sidebar.multiselect(
        label,
        options=[value for value, _ in options],
        format_func=lambda v: names.get(v, v),
        key=key,
        bind="query-params",
        placeholder="All",
        help=help,
    )
    return tuple(sorted(picked))


def sidebar_filters(default: Period, options: FilterOptions | None = None) -> Filters:
    """Render the shared filters in the sidebar and publish them for the pages.

    Every filter is bound to the URL (``?period=2025-01-01&period=2025-03-31``,
    first and last day included; ``&team=Payments&repo=acme/api&tool=Cursor``:
    teams and tools by the names shown), so a link reproduces the view. Without a
    period the default is ``default`` (the last 90 days of data); without the
    others, everything.
    """
    options = options or FilterOptions()
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
    teams = _multiselect(
        "Teams", TEAMS_KEY, options.teams,
        "Work by members of these teams at the time (memberships have effective dates).",
    )  # fmt: skip
    repos = _multiselect(
        "Repositories", REPOS_KEY, [(r, r) for r in options.repositories],
        "Work in these repositories.",
    )  # fmt: skip
    tools = _multiselect(
        "AI tools", TOOLS_KEY, options.tools,
        "Count as AI-assisted only the changes whose AI marker names one of these tools; "
        "changes marked by other tools are left out of AI vs no-marker comparisons.",
    )  # fmt: skip
    if teams or repos or tools:
        st.sidebar.caption("Teams, repositories and tools apply to every page but Overview.")
    filters = Filters(Period(start, last + dt.timedelta(days=1), default.tz), teams, repos, tools)
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


# --- privacy: small groups folded, small cells hidden -----------------------------------
# Which groups and cells to fold or hide is aimetrics.metrics.privacy's (see dashboard/data.py);
# this says so on the page.

OTHER_GROUPS = OTHER  # "Other (small groups)"


@dataclass(frozen=True)
class PrivacyNote:
    """What privacy left out of a view, so the page can say so."""

    min_group_size: int
    folded: tuple[str, ...] = ()  # groups shown together as OTHER_GROUPS
    other_hidden: bool = False  # OTHER_GROUPS itself too small: left out
    hidden_cells: tuple[str, ...] = ()  # "group · comparison" left out

    @property
    def any(self) -> bool:
        return bool(self.folded or self.other_hidden or self.hidden_cells)

    def text(self) -> str:
        k = self.min_group_size
        parts = []
        if self.folded and not self.other_hidden:
            parts.append(
                f"{', '.join(self.folded)} shown together as '{OTHER_GROUPS}': groups with "
                f"fewer than {k} active people (or none), with the smallest other group "
                "when needed so that none can be worked out from a total."
            )
        if self.other_hidden:
            parts.append(
                f"{', '.join(self.folded)} hidden: fewer than {k} active people, even together."
            )
        if self.hidden_cells:
            parts.append(f"Hidden, fewer than {k} people: {', '.join(self.hidden_cells)}.")
        return " ".join(parts)


def drop_cells(frame: pl.DataFrame, cells: pl.DataFrame) -> pl.DataFrame:
    """``frame`` without the rows of ``cells`` (:func:`dashboard.data.small_cells`)."""
    if cells.is_empty():
        return frame
    return frame.join(cells, on=cells.columns, how="anti")


def describe_cells(cells: pl.DataFrame) -> tuple[str, ...]:
    return tuple(" · ".join(str(v) for v in row) for row in cells.iter_rows())


# --- tables with their CSV ----------------------------------------------------------------


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """The CSV of exactly ``frame`` (lists joined with '; ')."""
    flat = frame.with_columns(
        pl.col(c).list.join("; ") for c, t in frame.schema.items() if isinstance(t, pl.List)
    )
    return flat.write_csv().encode()


# Table headers as shown (and in the CSV); shares become percentages, hours one decimal.
LABELS = {
    "comparison": "AI marker", "merged_prs": "Merged PRs", "ai_prs": "AI-assisted PRs",
    "no_marker_prs": "No-marker PRs", "ai_share": "AI-assisted share (%)",
    "lines": "Changed lines", "ai_lines": "AI-assisted lines",
    "ai_line_share": "AI-assisted line share (%)", "ai_reviewed_prs": "AI-reviewed PRs",
    "ai_reviewed_share": "AI-reviewed share (%)", "agent_prs": "Agent PRs",
    "active_contributors": "Active engineers", "ai_active_contributors": "Engineers using AI",
    "adoption_rate": "Adoption rate (%)", "commits": "Commits", "ai_commits": "AI-assisted commits",
    "ai_commit_share": "AI-assisted commit share (%)", "tool": "AI tool", "prs": "PRs",
    "share": "Share (%)", "cohort": "Cohort", "engineers": "Engineers", "author": "Written by",
    "opened": "Opened", "merged": "Merged", "closed_unmerged": "Closed unmerged",
    "merge_rate": "Merge rate (%)", "tool_id": "AI tool", "assigned": "Seats assigned",
    "active": "Seats used (30 days)", "idle": "Idle seats", "utilization": "Utilization (%)",
    "active_engineers": "Active engineers", "throughput": "PRs per engineer-week",
    "stage": "Stage", "n": "PRs", "people": "Engineers", "p10": "p10 (h)", "p25": "p25 (h)",
    "median": "Median (h)", "p75": "p75 (h)", "p90": "p90 (h)", "merged_at": "Merged (UTC)",
    "reverted_at": "Reverted (UTC)", "repository": "Repository", "number": "PR",
    "title": "Title", "ai_tool": "AI tool", "coding": "Coding (h)", "pickup": "Pickup (h)",
    "review": "Review (h)", "merge": "Merge (h)", "cycle": "Cycle time (h)",
    "reverted_prs": "Reverted PRs", "revert_rate": "Revert rate (%)",
    "median_lines": "Median size (lines)", "unreviewed_prs": "Merged without human review",
    "unreviewed_share": "Merged without human review (%)", "reviewed_prs": "Human-reviewed PRs",
    "rounds_mean": "Changes requested per reviewed PR",
    "rounds_share": "Reviewed PRs with changes requested (%)", "source": "Source",
    "scopes": "Scopes", "not_complete": "Not complete", "last_finished": "Last finished (UTC)",
    "scope": "Scope", "status": "Status", "started_at": "Started (UTC)",
    "finished_at": "Finished (UTC)", "detail": "Detail", "at": "When (UTC)",
    "entity": "Change", "key": "SHA / PR / review", "kind": "Kind", "rule": "Rule",
    "confidence": "Confidence", "counts": "Counts", "field": "Field",
    "matched": "Matched text", "email": "E-mail", "name": "Name", "with_timeline": "With timeline",
    "git_only": "Git-only", "idle_monthly_cost": "Idle seats' monthly cost", "url": "Link",
    "currency": "Currency",
}  # fmt: skip
PERCENT_COLUMNS = {
    "ai_share", "ai_line_share", "ai_reviewed_share", "adoption_rate", "ai_commit_share",
    "share", "merge_rate", "utilization", "revert_rate", "unreviewed_share", "rounds_share",
}  # fmt: skip
HOUR_COLUMNS = {
    "p10",
    "p25",
    "median",
    "p75",
    "p90",
    "coding",
    "pickup",
    "review",
    "merge",
    "cycle",
}
RATIO_COLUMNS = {"throughput", "rounds_mean"}


def display(frame: pl.DataFrame, group_label: str | None = None, **labels: str) -> pl.DataFrame:
    """``frame`` as a table shows it: labelled headers, shares in %, hours and rates rounded.

    ``group_label`` names the ``group`` column (e.g. "Team"); without it the column
    is dropped (the whole selection). ``labels`` override :data:`LABELS`.
    """
    if group_label is None and "group" in frame.columns:
        frame = frame.drop("group")
    out = frame.with_columns(
        *((pl.col(c) * 100).round(1) for c in frame.columns if c in PERCENT_COLUMNS),
        *(pl.col(c).round(1) for c in frame.columns if c in HOUR_COLUMNS),
        *(pl.col(c).round(2) for c in frame.columns if c in RATIO_COLUMNS),
        *(pl.col(c).replace(STAGE_LABELS) for c in frame.columns if c == "stage"),
    )
    names = {**LABELS, "group": group_label or "", **labels}
    return out.rename({c: names[c] for c in out.columns if c in names})


def table(
    frame: pl.DataFrame,
    name: str,
    group_label: str | None = None,
    *,
    height: int | str = "auto",
    **labels: str,
) -> pl.DataFrame:
    """``frame`` (a metric's output) shown as :func:`display` makes it, with a CSV download of
    exactly that table. A ``url`` column becomes "Link": each PR or commit to its page on
    GitHub (the CSV keeps the address). Returns the table shown.
    """
    shown = display(frame, group_label, **labels)
    config: dict[str, object] = {}
    if "Link" in shown.columns:  # the PR's or commit's page on GitHub
        config["Link"] = st.column_config.LinkColumn(
            "Link", display_text=r"https?://.*/(?:pull|commit)/(\w{1,7}).*"
        )
    st.dataframe(shown, hide_index=True, column_config=config, height=height)  # type: ignore[arg-type]
    st.download_button(
        f"Download CSV ({shown.height:,} rows)",
        data=csv_bytes(shown),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"csv-{name}",
        icon=":material/download:",
        on_click="ignore",
    )
    return shown


# --- charts for the Adoption, Delivery and Quality pages ----------------------------------


def tool_color(tool: str, index: int = 0) -> str:
    if tool == NO_MARKER_LABEL:
        return NO_MARKER_COLOR
    if tool in (OTHER_TOOLS, OTHER_GROUPS):
        return OTHER_COLOR
    return TOOL_COLORS.get(tool, _PALETTE[index % len(_PALETTE)])


def group_colors(groups: Sequence[str]) -> dict[str, str]:
    """A colour per group (teams, repositories) in a stable order; folded groups grey."""
    ordered = sorted(g for g in set(groups) if g != OTHER_GROUPS)
    colors = {g: _PALETTE[i % len(_PALETTE)] for i, g in enumerate(ordered)}
    colors[OTHER_GROUPS] = OTHER_COLOR
    return colors


def _layout(fig: go.Figure, title: str, height: int = 420, **kwargs: object) -> go.Figure:
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
    for i, tool in enumerate(by_tool["tool"].unique().sort().to_list()):
        rows = by_tool.filter(pl.col("tool") == tool)
        fig.add_trace(
            go.Scatter(
                x=rows["group"].to_list(),
                y=percent(rows["share"].to_list()),
                name=tool,
                mode="lines+markers",
                line={"color": tool_color(tool, i), "width": 2.5},
                customdata=list(zip(rows["prs"], rows["merged_prs"], strict=True)),
                hovertemplate=(
                    f"{tool}<br>Week of %{{x|%Y-%m-%d}}: %{{y:.1f}}%"
                    "<br>%{customdata[0]} of %{customdata[1]} merged PRs<extra></extra>"
                ),
            )
        )
    fig.update_yaxes(title_text="% of merged PRs", rangemode="tozero")
    fig.update_xaxes(title_text=f"Week starting ({week_start_day.title()})")
    return _layout(fig, "Which AI tools assist our merged work, week by week?")


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
    return _layout(fig, f"Is AI adoption growing in every {label}?")


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
    return _layout(
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
    return _layout(fig, "How many engineers use AI lightly, heavily, or not at all?", 360)


def seats_chart(seats: pl.DataFrame) -> go.Figure:
    """Seats assigned per tool at the start of each week (``seats_over_time``)."""
    fig = go.Figure()
    for i, tool in enumerate(seats["tool_id"].unique().sort().to_list()):
        rows = seats.filter(pl.col("tool_id") == tool)
        fig.add_trace(
            go.Scatter(
                x=rows["day"].to_list(),
                y=rows["seats"].to_list(),
                name=tool,
                mode="lines",
                line={"shape": "hv", "color": tool_color(tool, i), "width": 2.5},
                hovertemplate=f"{tool}<br>%{{x|%Y-%m-%d}}: %{{y}} seats<extra></extra>",
            )
        )
    fig.update_yaxes(title_text="Seats assigned", rangemode="tozero")
    fig.update_xaxes(title_text="Week")
    return _layout(fig, "How many AI seats do we pay for, tool by tool?", 360)


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
    return _layout(
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
    return _layout(
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
    return _layout(
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
    return _layout(fig, title, 380, barmode="group")


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
    return _layout(fig, title, 380, barmode="group")


def empty_state(message: str) -> None:
    """The helpful message shown instead of a chart when nothing matches."""
    st.info(message, icon=":material/filter_alt_off:")


def chart(fig: go.Figure) -> None:
    st.plotly_chart(fig, config={"displaylogo": False})


# --- page furniture: caption, breakdown choice, privacy, KPIs of the new pages -------------

BY_KEY = "by"  # the page's breakdown choice, in the URL like the filters
BREAKDOWNS = {"team": "Team", "repository": "Repository"}


def view_caption(filters: Filters, min_confidence: str) -> None:
    """Period, filters and what "AI-assisted" means, under a page's title."""
    period = filters.period
    where = filters.describe()
    st.caption(
        f"{format_period(period)} ({period.days} days, {period.tz})"
        + (f" · {where}" if where else "")
        + f". AI-assisted: an AI marker at or above '{min_confidence}' confidence; the rest is "
        f"'{NO_MARKER_LABEL}' (unknown, not proven human)."
    )


def breakdown_choice() -> str:
    """Team or repository: what the page's breakdowns group by (bound to ``?by=``)."""
    return str(
        st.radio(
            "Break down by",
            list(BREAKDOWNS),
            format_func=BREAKDOWNS.__getitem__,
            horizontal=True,
            key=BY_KEY,
            bind="query-params",
        )
    )


def enough_people(people: int, min_group_size: int) -> bool:
    """False (and a visible note) when the selection has 1..k-1 active people."""
    if 0 < people < min_group_size:
        st.warning(
            f"This selection has {people} active engineer(s), fewer than the privacy threshold "
            f"(privacy.min_group_size = {min_group_size}): its figures are not shown. "
            "Widen the teams or repositories in the sidebar.",
            icon=":material/visibility_off:",
        )
        return False
    return True


def privacy_note(note: PrivacyNote) -> None:
    if note.any:
        st.caption(f":material/visibility_off: Privacy: {note.text()}")


def format_hours(value: float | None) -> str:
    if value is None:
        return MISSING
    return f"{value:.1f} h" if value < 48 else f"{value / 24:.1f} d"


def format_estimate(est: Estimate, unit: str) -> str:
    """A comparison with its interval, or "not enough data"."""
    if not est.ok or est.value is None:
        return "not enough data"
    return f"{est.value:+.1f}{unit} ({est.level:.0%} CI {est.low:+.1f} to {est.high:+.1f})"


def _row(frame: pl.DataFrame) -> dict[str, object]:
    return frame.row(0, named=True) if frame.height else {}


def adoption_kpis(headline: pl.DataFrame, agents: pl.DataFrame) -> list[Kpi]:
    """Adoption rate, AI-assisted shares of PRs, commits and lines, agent PR merge rate."""
    h = _row(headline)

    def get(name: str) -> int:
        return int(h.get(name) or 0)

    agent = _row(agents.filter(pl.col("author") == "agent"))
    return [
        Kpi(
            "Engineers using AI",
            format_share(h.get("adoption_rate")),  # type: ignore[arg-type]
            None, "off",
            f"{get('ai_active_contributors'):,} of {get('active_contributors'):,} active",
            "Active engineers with at least one AI-assisted merged PR or default-branch commit "
            "in the period / engineers with any merged PR or default-branch commit.",
        ),
        Kpi(
            "AI-assisted PR share",
            format_share(h.get("ai_share")),  # type: ignore[arg-type]
            None, "off",
            f"{get('ai_prs'):,} of {get('merged_prs'):,} merged PRs",
            "Merged PRs with an AI marker (authored or assisted) / all merged PRs.",
        ),
        Kpi(
            "AI-assisted commit share",
            format_share(h.get("ai_commit_share")),  # type: ignore[arg-type]
            None, "off",
            f"{get('ai_commits'):,} of {get('commits'):,} default-branch commits",
            "Default-branch commits with an AI marker / all default-branch commits "
            "(non-AI bots and excluded people left out).",
        ),
        Kpi(
            "AI-assisted share of changed lines",
            format_share(h.get("ai_line_share")),  # type: ignore[arg-type]
            None, "off",
            f"{get('ai_lines'):,} of {get('lines'):,} lines of merged PRs",
            "Additions + deletions of AI-assisted merged PRs / of all merged PRs.",
        ),
        Kpi(
            "AI-reviewed PR share",
            format_share(h.get("ai_reviewed_share")),  # type: ignore[arg-type]
            None, "off",
            f"{get('ai_reviewed_prs'):,} of {get('merged_prs'):,} merged PRs",
            "Merged PRs with at least one review by an AI reviewer (Copilot, CodeRabbit, ...).",
        ),
        Kpi(
            "Agent PR merge rate",
            format_share(agent.get("merge_rate")),  # type: ignore[arg-type]
            None, "off",
            f"{int(agent.get('merged') or 0):,} merged, "
            f"{int(agent.get('closed_unmerged') or 0):,} closed unmerged",
            "PRs an AI agent authored: merged / (merged + closed without merging) in the period.",
        ),
    ]  # fmt: skip


def _stage(stages: pl.DataFrame, comparison: str, stage: str = "cycle") -> dict[str, object]:
    return _row(stages.filter((pl.col("comparison") == comparison) & (pl.col("stage") == stage)))


def delivery_kpis(
    throughput: pl.DataFrame, stages: pl.DataFrame, cycle: Comparison | None
) -> list[Kpi]:
    """Throughput, median cycle time AI-assisted and no marker, and their ratio with its CI."""
    t = _row(throughput)
    ai, no = _stage(stages, AI_LABEL), _stage(stages, NO_MARKER_LABEL)
    ratio = (
        "not enough data"
        if cycle is None or not cycle.ratio.ok
        else f"{cycle.ratio.value:.2f}× ({cycle.ratio.level:.0%} CI "
        f"{cycle.ratio.low:.2f}–{cycle.ratio.high:.2f})"
    )
    return [
        Kpi(
            "PRs per engineer-week",
            format_rate(t.get("throughput")),  # type: ignore[arg-type]
            None, "off",
            f"{int(t.get('merged_prs') or 0):,} PRs · "
            f"{int(t.get('active_engineers') or 0):,} active engineers",
            "Merged PRs / active engineers / weeks in the period.",
        ),
        Kpi(
            f"Median cycle time, {AI_LABEL}",
            format_hours(ai.get("median")),  # type: ignore[arg-type]
            None, "off",
            f"{int(ai.get('n') or 0):,} PRs · p90 {format_hours(ai.get('p90'))}",  # type: ignore[arg-type]
            "First commit (authored) to merge, merged PRs of the period.",
        ),
        Kpi(
            f"Median cycle time, {NO_MARKER_LABEL}",
            format_hours(no.get("median")),  # type: ignore[arg-type]
            None, "off",
            f"{int(no.get('n') or 0):,} PRs · p90 {format_hours(no.get('p90'))}",  # type: ignore[arg-type]
            "First commit (authored) to merge, merged PRs of the period.",
        ),
        Kpi(
            "Cycle time ratio, AI ÷ no marker",
            ratio.split(" (")[0],
            None, "off",
            ratio.split(" (", 1)[1].rstrip(")") if "(" in ratio else "needs more PRs/engineers",
            "Ratio of the median cycle times with a bootstrap interval that resamples engineers "
            "(below 1: AI-assisted PRs are faster).",
        ),
    ]  # fmt: skip


def quality_kpis(summary: pl.DataFrame, revert: Estimate, unreviewed: Estimate) -> list[Kpi]:
    """Revert rate, unreviewed merges, PR size and changes requested: AI-assisted, with the
    no-marker figure (and the difference with its interval) beneath."""
    ai = _row(summary.filter(pl.col("comparison") == AI_LABEL))
    no = _row(summary.filter(pl.col("comparison") == NO_MARKER_LABEL))

    def n(row: dict[str, object], column: str = "merged_prs") -> str:
        return f"{int(row.get(column) or 0):,}"  # type: ignore[call-overload]

    def share_of(row: dict[str, object], column: str) -> str:
        return format_share(row.get(column))  # type: ignore[arg-type]

    def lines(row: dict[str, object]) -> str:
        value = row.get("median_lines")
        return MISSING if value is None else f"{value:,.0f}"

    return [
        Kpi(
            "Revert rate, AI-assisted",
            share_of(ai, "revert_rate"),
            None, "off",
            f"{n(ai)} PRs · {NO_MARKER_LABEL}: {share_of(no, 'revert_rate')} of {n(no)} · "
            f"difference {format_estimate(revert, ' pp')}",
            "Merged PRs that a later revert references / merged PRs. The difference "
            "(AI-assisted minus no marker) has a bootstrap interval that resamples authors.",
        ),
        Kpi(
            "No human review, AI-assisted",
            share_of(ai, "unreviewed_share"),
            None, "off",
            f"{n(ai)} PRs · {NO_MARKER_LABEL}: {share_of(no, 'unreviewed_share')} · "
            f"difference {format_estimate(unreviewed, ' pp')}",
            "Merged PRs without a review by a human other than the author before the merge "
            "(bots and AI reviewers do not count).",
        ),
        Kpi(
            "Median PR size, AI-assisted",
            f"{lines(ai)} lines",
            None, "off",
            f"{NO_MARKER_LABEL}: {lines(no)} lines",
            "Median additions + deletions of merged PRs.",
        ),
        Kpi(
            "Changes requested, AI-assisted",
            share_of(ai, "rounds_share"),
            None, "off",
            f"{n(ai, 'reviewed_prs')} reviewed PRs · {NO_MARKER_LABEL}: "
            f"{share_of(no, 'rounds_share')} of {n(no, 'reviewed_prs')}",
            "Human-reviewed merged PRs with at least one CHANGES_REQUESTED review by a human.",
        ),
    ]  # fmt: skip
