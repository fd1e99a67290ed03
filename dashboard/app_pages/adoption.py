"""Adoption: who uses AI, on how much of the work and with which tools; cohorts, agents, seats."""

from __future__ import annotations

import streamlit as st

from aimetrics.metrics.adoption import SEAT_ACTIVE_DAYS
from aimetrics.metrics.copilot_phases import PHASE_WINDOW_DAYS
from aimetrics.vocabulary import COPILOT_PHASE_DEFINITION
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

st.subheader("Seats")
st.caption(
    "Seats assigned per tool, and on the period's last day: seats used in the last "
    f"{SEAT_ACTIVE_DAYS} days (the tool's last-activity date, or an AI-assisted PR of that "
    "tool merged by the seat holder), idle seats, utilization, and what the idle seats cost "
    "a month (what could be reclaimed)."
)
if figures.seats_weekly.is_empty():
    components.empty_state("No seat assignments are recorded for the selected tools.")
else:
    charts.chart(breakdown_charts.seats_chart(figures.seats_weekly))
    tables.table(figures.seats, "seat-utilization")

components.privacy_note(figures.privacy)

st.subheader("Copilot usage")
st.caption(
    "From GitHub's Copilot usage reports: who uses Copilot in the editor, how many of its "
    "suggestions they accept, and how many lines it writes. A team filter counts the per-user "
    "reports of its members (on each day); nothing is shown per person unless "
    "privacy.show_individuals is set."
)
usage = loaders.copilot_usage(view)
if usage.status:
    components.empty_state(usage.status)
else:
    components.kpi_row(breakdown_kpis.copilot_kpis(usage.figures, usage.changes))
    charts.chart(breakdown_charts.copilot_users_chart(usage.weekly, view.week_start))
    charts.chart(
        breakdown_charts.copilot_acceptance_chart(usage.weekly, view.week_start, view.period)
    )
    tables.table(usage.weekly, "copilot-usage-weekly", days="Reported days")
    for by, frame in (
        ("editor", usage.by_editor),
        ("feature", usage.by_feature),
        ("language", usage.by_language),
    ):
        if not frame.is_empty():
            charts.chart(breakdown_charts.copilot_breakdown_chart(frame, by))
            tables.table(frame, f"copilot-usage-by-{by}", by.title())
    if view.show_individuals and not usage.users.is_empty():
        with st.expander("Each Copilot user"):
            tables.table(usage.users, "copilot-usage-by-user")
    components.privacy_note(usage.privacy)

st.subheader("Copilot adoption phases")
st.caption(
    f"{COPILOT_PHASE_DEFINITION} People per phase on the latest day with per-user reports: "
    f"each person counted once, in the phase of their last reported day within the "
    f"{PHASE_WINDOW_DAYS} days ending on it (the reports list a user only on active days)."
)
phases = loaders.copilot_phases(view)
if phases.status:
    components.empty_state(phases.status)
else:
    versions = ", ".join(phases.versions) or "not given"
    st.caption(f"On {phases.day}: {phases.people} people. GitHub's rules version: {versions}.")
    tables.table(phases.latest, "copilot-adoption-phases", people="People")
    components.privacy_note(phases.privacy)
