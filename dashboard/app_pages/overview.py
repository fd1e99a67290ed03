"""Overview: the balance at a glance: what AI costs, what it measurably gives, for whom."""

from __future__ import annotations

import streamlit as st

from aimetrics.figures import value as value_text
from aimetrics.format import format_money, format_timestamp
from dashboard import (
    balance,
    charts,
    components,
    kpis,
    loaders,
    report_button,
    tables,
    team_actions,
    team_map_chart,
)

ctx = loaders.app_context()
filters = components.current_filters()
view = loaders.view(ctx, filters)
money = balance.money(ctx.settings)
currency = money.currency

st.title("Overview")
components.view_caption(filters, ctx.settings.tagging.min_confidence)

# filters -> cached loaders -> empty state -> KPIs -> charts -> tables
figures = balance.overview(view)
if not components.enough_people(figures.people, view.min_group_size):
    st.stop()
spend = balance.spend(view, money)
current, _ = kpis.rows(spend.figures)
others = current["other_currencies"] or []
if others:
    st.warning(
        f"Spend recorded in {', '.join(others)} is not included: add "
        f"`reporting.exchange_rates` for it to convert it into {currency}.",
        icon=":material/currency_exchange:",
    )
components.stop_without_merged_prs(current["merged_prs"], filters)
empty = components.no_ai_work(filters, current["merged_prs"], current["ai_prs"])

measured = balance.view_measured(view)
roi_now = balance.roi(balance.roi_parts(view, money, view.period), measured.uplift, money.roi)

report_button.report_downloads(ctx, view.period, view.selection)
st.subheader("What AI costs, and what it gives")
# Capacity first, then its value against the spend (conservative end first), then what the
# spend is made of; ROI in percent is only in Cost & ROI's appendix.
components.kpi_row(
    [
        kpis.capacity_kpi(roi_now, measured.uplift),
        kpis.value_kpi(roi_now),
        kpis.spend_kpi(spend.figures, currency),
        kpis.assumed_value_kpi(roi_now),
        kpis.cost_per_pr_kpi(spend.figures, currency),
    ],
    empty,
)
if roi_now is not None and not empty:
    lead = f"**{value_text.capacity_sentence(roi_now)}** {value_text.value_sentence(roi_now)}"
    st.markdown(components.plain(lead))
components.kpi_row(
    [
        kpis.share_kpi(spend.figures, figures.uncertainty),
        kpis.throughput_kpi(spend.figures, figures.uncertainty),
        kpis.uplift_kpi(measured.uplift),
        kpis.cycle_kpi(figures.cycle, figures.cycle_previous),
    ],
    empty,
)
if roi_now is not None and not empty:  # spend against value: nothing to weigh without AI work
    charts.chart(charts.balance_chart(roi_now, money.roi.currency))

st.subheader("Teams at a glance")
if empty:  # as the tiles: no AI work to compare, so no 0.0% and $0 rows (see the message above)
    components.empty_state(
        components.nothing_message(
            filters, "AI-assisted merged PRs", "the teams' AI figures have nothing to compare"
        )
    )
elif view.selection.repositories:
    components.empty_state(kpis.NO_REPO_SPEND + " to see the teams' figures.")
else:
    actions = balance.team_actions(view, money)
    if actions.is_empty():
        components.empty_state("No team had active engineers in this period and selection.")
    else:
        st.caption(
            "Sorted by AI spend. Each figure is the one the other views show for the team: the "
            "throughput change is the team map's (and the team filter's), the cycle-time ratio "
            "the Delivery page's under the team's filter, each with its interval or 'not "
            "enough data'."
        )
        team_actions.show(actions, currency, view.statistics.confidence_level)

st.subheader("Team map")
if empty:  # as the tiles and the team table: nothing computed, nothing drawn
    components.empty_state(
        components.nothing_message(
            filters, "AI-assisted merged PRs", "the team map has no AI work to place"
        )
    )
else:
    team_data = balance.teams(view, money)
    team_map = team_data.map
    if view.selection.repositories:
        components.empty_state(kpis.NO_REPO_SPEND + " to see the team map.")
    elif team_map.is_empty():
        components.empty_state("No team had active engineers in this period and selection.")
    else:
        level = view.statistics.confidence_level
        charts.chart(team_map_chart.team_map_chart(team_map, currency, level))
        unknown = [
            f"{row['group']} ({row['note']})"
            for row in team_map.iter_rows(named=True)
            if row["uplift"] is None and row["spend_per_engineer"] is not None
        ]
        if unknown:
            st.caption(
                ":material/help: Not drawn, throughput change not measurable (not enough data): "
                + "; ".join(unknown)
                + "."
            )
        if team_data.unattributed:
            st.caption(
                f"{format_money(team_data.unattributed, currency)} of spend belongs "
                "to no team (seats of people in no team, or usage nobody visibly used) and is "
                f"shown in '{components.OTHER_GROUPS}'."
            )
        st.caption(
            "x: AI spend attributed to the team in the period / its active engineers; y: the "
            "measured throughput change of the team's engineers after their own adoption, over "
            "the whole history, with its interval; bubble area: active engineers."
        )
    with st.expander("Team map figures"):
        tables.table(team_map, "team-map", "Team")
    components.privacy_note(team_data.privacy)

st.subheader("Trends")
names = dict(loaders.filter_options(ctx.db_url).tools)
charts.chart(
    charts.weekly_trend_chart(
        figures.trend,
        view.week_start,
        figures.rollouts,
        names,
        (view.period.start, view.period.end),
    )
)
st.caption(
    "The year up to the period's last day, the selected period shaded; dotted lines: a tool's "
    "first seat. Throughput per week counts the engineers active that week, so it runs above "
    "the period's figure."
)
if not figures.rollouts.is_empty():
    st.caption(
        "Roll-outs (first seat of each tool): "
        + ", ".join(
            f"{names.get(t, t)} {d:%Y-%m-%d}"
            for t, d in figures.rollouts.select("tool_id", "rolled_out_on").iter_rows()
        )
        + "."
    )
with st.expander("Weekly figures"):
    tables.table(figures.trend, "weekly-trend")

components.privacy_note(figures.privacy)
st.caption(
    "Data last collected: "
    + format_timestamp(figures.last_collected, ctx.settings.reporting.timezone)
)
