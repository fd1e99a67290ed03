"""Adoption: who uses AI, on how much of the work and with which tools; cohorts, agents.

Seats and the vendors' usage reports are on the Seats & usage page (``seats_usage.py``)."""

from __future__ import annotations

import streamlit as st

from dashboard import (
    ai_written_panel,
    breakdown_charts,
    breakdown_kpis,
    charts,
    components,
    loaders,
    tables,
)

ctx = loaders.app_context()
filters = components.current_filters()
view = loaders.view(ctx, filters)

st.title("Adoption")
components.view_caption(filters, ctx.settings.tagging.min_confidence)
by = components.breakdown_choice()

# filters -> cached loader -> empty state -> KPIs -> charts -> tables
figures = loaders.adoption(view, by)
if not components.enough_people(figures.people, view.min_group_size):
    st.stop()
org = {} if figures.headline.is_empty() else figures.headline.row(0, named=True)
components.stop_without_merged_prs(org.get("merged_prs"), filters)
empty = components.no_ai_work(filters, org.get("merged_prs"), org.get("ai_prs"))

headline = breakdown_kpis.adoption_kpis(
    figures.headline,
    figures.agents,
    figures.changes,
    figures.seats,
    ctx.settings.reporting.currency,
    view.period.last_day,
)
components.kpi_row(headline[:5], empty)
components.kpi_row(headline[5:], empty)

st.subheader("By tool")
if figures.tools_weekly.is_empty():
    components.empty_state(
        components.nothing_message(filters, "AI-assisted merged PRs", "nothing to draw")
    )
else:
    charts.chart(
        breakdown_charts.tool_share_chart(figures.tools_weekly, view.week_start, view.period)
    )
tables.table(figures.tools, "adoption-by-tool")

label = components.BREAKDOWNS[by].lower()
st.subheader(f"By {label}")
charts.chart(breakdown_charts.group_adoption_chart(figures.by_group, label))
charts.chart(breakdown_charts.group_trend_chart(figures.trend, label, "Month", view.period))
tables.table(figures.by_group, f"adoption-by-{by}", label.title())

ai_written_panel.section(
    loaders.ai_written(view, by), by, label.title(), ctx.settings.statistics.min_prs
)

st.subheader("Adoption cohorts")
st.caption(
    "Engineers with a merged PR in the period, by the share of their merged PRs that are "
    "AI-assisted: none (0 %), light (under 50 %), heavy (50 % or more)."
)
if figures.cohorts.is_empty():
    components.empty_state("No engineer merged a PR in this period.")
else:
    charts.chart(breakdown_charts.cohort_chart(figures.cohorts))
    tables.table(figures.cohorts, "adoption-cohorts")

st.subheader("Agent-authored pull requests")
st.caption(
    "Opened, merged and closed without merging in the period, by who wrote the PR: an AI "
    "agent, a person with AI assistance, or no marker."
)
tables.table(figures.agents, "agent-outcomes")

components.privacy_note(figures.privacy)
