"""The small decisions of how figures are drawn (issue 15, "Polish, everywhere"): which week
or month is partial, how a partial one is drawn, how money reads in a chart, how an empty
number reads in a table, and when a tile says "no data"."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import polars as pl
import pytest

from aimetrics.format import MISSING, NOT_ENOUGH_DATA, format_money, hover_money, money_axis
from aimetrics.metrics.period import Period, days_in, partial_days, week_of
from dashboard.charts import add_line, partial_segments
from dashboard.components import NO_DATA, Filters, Kpi, no_data
from dashboard.tables import csv_bytes, display, readable

D = dt.date


# --- partial weeks and months -------------------------------------------------------------


def test_days_in_a_month_follow_the_calendar() -> None:
    assert [days_in(D(2024, m, 1), "month") for m in (1, 2, 4, 12)] == [31, 29, 30, 31]
    assert days_in(D(2025, 2, 1), "month") == 28
    assert days_in(D(2025, 2, 3), "week") == 7


def test_a_period_cut_inside_its_first_and_last_week_marks_both() -> None:
    # Wednesday 2025-01-01 to Thursday 2025-01-30 (last day): weeks start on Monday.
    period = Period(D(2025, 1, 1), D(2025, 1, 31))
    weeks = [D(2024, 12, 30) + dt.timedelta(weeks=i) for i in range(5)]
    assert [week_of(w) for w in weeks] == weeks
    # 5 days of the first week (Wed..Sun), 3 wholes, 4 days of the last (Mon..Thu).
    assert partial_days(weeks, "week", period) == [5, None, None, None, 4]


def test_a_period_of_whole_weeks_has_no_partial_week() -> None:
    period = Period(D(2025, 1, 6), D(2025, 2, 3))  # four Monday-to-Sunday weeks
    weeks = [D(2025, 1, 6) + dt.timedelta(weeks=i) for i in range(4)]
    assert partial_days(weeks, "week", period) == [None] * 4


def test_months_partly_in_the_period_are_marked_with_their_days() -> None:
    period = Period(D(2025, 1, 20), D(2025, 3, 5))  # 12 days of January, February, 4 of March
    months = [D(2025, 1, 1), D(2025, 2, 1), D(2025, 3, 1)]
    assert partial_days(months, "month", period) == [12, None, 4]


def test_a_partial_point_is_reached_by_a_dotted_line_only() -> None:
    solid, dotted = partial_segments([1.0, 2.0, 3.0, 4.0], [True, False, False, True])
    assert solid == [None, 2.0, 3.0, None]
    assert dotted == [1.0, 2.0, 3.0, 4.0]  # from each partial point to its whole neighbour
    solid, dotted = partial_segments([1.0, 2.0, 3.0, 4.0], [False, False, False, True])
    assert dotted == [None, None, 3.0, 4.0]


def test_a_line_with_a_partial_week_draws_it_dotted_with_an_open_marker() -> None:
    fig = go.Figure()
    trace = go.Scatter(x=[1, 2, 3], y=[5, 6, 7], name="AI", line={"color": "#123456"})
    add_line(fig, trace, [False, False, True])
    solid, dotted, markers = fig.data
    assert solid.line.dash is None and list(solid.y) == [5, 6, None]
    assert dotted.line.dash == "dot" and list(dotted.y) == [None, 6, 7]
    assert list(markers.marker.symbol) == ["circle", "circle", "circle-open"]
    assert solid.hoverinfo == dotted.hoverinfo == "skip"  # one tooltip per point: the marker's
    assert [t.showlegend for t in fig.data].count(False) == 2  # one legend entry


def test_whole_weeks_add_no_dotted_line() -> None:
    fig = go.Figure()
    add_line(fig, go.Scatter(x=[1, 2], y=[1, 2], name="x"), [False, False])
    assert [t.line.dash for t in fig.data if t.mode == "lines"] == [None]


# --- money in charts ----------------------------------------------------------------------


@pytest.mark.parametrize("currency", ["USD", "EUR", "CHF"])
def test_chart_money_reads_as_the_tables_and_tiles(currency: str) -> None:
    """The tooltip format, filled in as plotly fills it in, gives what format_money writes."""
    template = hover_money(currency)
    value = 1234567.4
    filled = template.replace("%{y:,.0f}", f"{value:,.0f}")
    assert filled == format_money(value, currency)
    axis = money_axis(currency)
    assert "," in axis["tickformat"]
    symbol_or_code = axis.get("tickprefix") or axis["ticksuffix"].strip()
    assert symbol_or_code in format_money(1, currency)


# --- empty numbers in tables --------------------------------------------------------------


def test_an_empty_number_reads_as_text_in_the_grid_and_empty_in_the_csv() -> None:
    frame = pl.DataFrame(
        {
            "group": ["payments", "identity"],
            "engineers": [12, 5],
            "cost_per_ai_merged_pr": [1234.5, None],
            "uplift": [12.3456, None],
        }
    )
    shown = display(frame, "Team")
    names = {"group": "Team", "cost_per_ai_merged_pr": "Cost per AI-assisted merged PR",
             "uplift": "Throughput change (%)"}  # fmt: skip
    grid = readable(frame, shown, "USD", names)
    assert grid["Cost per AI-assisted merged PR"].to_list() == ["$1,234.50", MISSING]
    assert grid["Throughput change (%)"].to_list() == ["12.35", NOT_ENOUGH_DATA]
    assert grid["Engineers"].dtype == pl.Int64  # a full number column stays a number
    csv = pl.read_csv(csv_bytes(shown))
    assert csv["Cost per AI-assisted merged PR"].to_list() == [1234.5, None]
    assert csv["Throughput change (%)"].dtype == pl.Float64


# --- tiles of an empty selection ------------------------------------------------------------


def _kpi(value: str, uncertainty: str = "") -> Kpi:
    return Kpi("AI-assisted PR share", value, "+0.0 pp", "normal", "0 of 259", "", uncertainty)


@pytest.mark.parametrize("value", ["$0", "0.0%", "$0.00", "0", "— lines", "—", "not enough data"])
def test_a_zero_tile_of_an_empty_selection_says_no_data(value: str) -> None:
    tile = no_data(_kpi(value, "90% CI 0.0% to 0.0%"))
    assert (tile.value, tile.delta, tile.uncertainty) == (NO_DATA, None, "")
    assert tile.n == "0 of 259"  # the sample size stays: it says why


@pytest.mark.parametrize("value", ["1.9%", "4.03", "$1,000", "0.5%", "10%", "28.0 h"])
def test_a_measured_tile_keeps_its_figure(value: str) -> None:
    assert no_data(_kpi(value)).value == value


def test_the_selection_in_words_names_teams_tools_and_days() -> None:
    filters = Filters(
        Period(D(2026, 9, 6), D(2026, 12, 5)),
        teams=("identity", "payments"),
        tools=("cursor",),
        names=(("identity", "Identity"), ("payments", "Payments")),
    )
    assert filters.words() == (
        " by Identity or Payments with Cursor between 2026-09-06 and 2026-12-04"
    )
    assert Filters(Period(D(2026, 1, 1), D(2026, 2, 1))).words() == (
        " between 2026-01-01 and 2026-01-31"
    )


def test_buckets_named_as_tables_name_them_are_understood() -> None:
    """Breakdown frames carry their week or month as text ("2025-01-27", "2025-03")."""
    period = Period(D(2025, 1, 1), D(2025, 3, 5))
    assert partial_days(["2024-12-30", "2025-01-06"], "week", period) == [5, None]
    assert partial_days(["2025-02", "2025-03"], "month", period) == [None, 4]


def test_a_week_outside_the_period_is_not_called_partial() -> None:
    period = Period(D(2025, 1, 6), D(2025, 1, 20))
    assert partial_days([D(2024, 12, 30), D(2025, 1, 20)], "week", period) == [None, None]


def test_the_report_trend_marks_the_weeks_its_own_window_cuts() -> None:
    """The report's trend runs over the year before the period: the week holding the
    period's first day is whole there, so only the trend's own cut weeks are lighter."""
    from aimetrics.exports.report.charts import weekly_chart

    trend = pl.DataFrame(
        {
            "week_start": [D(2025, 1, 6), D(2025, 1, 13), D(2025, 1, 20)],
            "days": [7, 7, 3],
            "merged_prs": [10, 12, 4],
            "ai_prs": [3, 4, 1],
        }
    )
    fig = weekly_chart(trend, period=Period(D(2025, 1, 15), D(2025, 1, 23)))
    assert list(fig.data[0].marker.opacity) == [1.0, 1.0, 0.35]
    assert "partial week: 3 days" in fig.data[0].customdata[2]


def test_copilot_users_in_a_partial_week_are_dotted_not_drawn_as_a_whole_week() -> None:
    """Two weekdays of a week average more Copilot users a day than a whole week with its
    weekend: the period's cut last week is dotted, its marker open, its tooltip says so."""
    from dashboard.breakdown_charts import copilot_users_chart

    weekly = pl.DataFrame(
        {
            "week_start": [D(2025, 6, 16), D(2025, 6, 23), D(2025, 6, 30)],
            "days": [7, 7, 2],
            "active_users": [30.0, 31.0, 42.0],
            "engaged_users": [29.0, 30.0, 41.0],
        }
    )
    fig = copilot_users_chart(weekly, "monday", Period(D(2025, 4, 2), D(2025, 7, 2)))
    markers = [t for t in fig.data if t.mode == "markers"]
    assert len(markers) == 2  # active and engaged users
    for trace in markers:
        assert list(trace.marker.symbol) == ["circle", "circle", "circle-open"]
        assert "partial week: 2 days" in trace.customdata[2][1]
    dotted = [t for t in fig.data if t.line.dash == "dot"]
    assert [list(t.y) for t in dotted] == [[None, 31.0, 42.0], [None, 30.0, 41.0]]


def test_a_table_in_several_currencies_leaves_the_currency_to_each_row() -> None:
    from dashboard.tables import money_format, table_currency

    one = pl.DataFrame({"amount": [1.0, 0.0], "currency": ["EUR", None]})
    assert table_currency(one) == "EUR"  # a row without money names none
    several = pl.DataFrame({"amount": [1.0, 2.0], "currency": ["EUR", "USD"]})
    assert table_currency(several) is None
    assert money_format(None) == "%,.2f"  # each row's currency column says which


def test_team_names_of_close_bubbles_go_above_and_below() -> None:
    """payments ($55, +22%) and growth ($58, +20.5%) on axes of $680 and 47 points: their
    names would print over each other at the bubbles' right; platform, far off, keeps it."""
    from dashboard.team_map_chart import label_positions

    positions = label_positions([55.0, 58.0, 680.0, None], [22.0, 20.5, 19.0, None], 680, 47)
    assert positions == ["top right", "bottom right", "middle right", "middle right"]
    assert label_positions([10.0, 300.0], [5.0, 5.0], 300, 10) == ["middle right"] * 2


def test_a_legend_goes_below_the_x_axis_title_it_would_cover() -> None:
    """Just under the ticks, where plotly puts a horizontal legend, a long x axis title and a
    few tool names print over each other: with an x title the legend goes to the foot."""
    from dashboard.charts import layout

    titled = go.Figure(go.Scatter(x=[1], y=[1], name="Claude Code"))
    titled.update_xaxes(title_text="Week starting (Monday; dotted: a partial week)")
    layout(titled, "Which AI tools assist our merged work, week by week?")
    assert (titled.layout.legend.yref, titled.layout.legend.y) == ("container", 0)
    assert titled.layout.margin.b > 100  # room for both
    plain = layout(go.Figure(go.Bar(x=["a"], y=[1])), "Which teams?")
    assert plain.layout.legend.yref is None and plain.layout.legend.y == -0.18
