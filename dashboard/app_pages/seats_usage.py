"""Seats & usage: the seats each tool has and how many are used, and the vendors' own usage
reports (Copilot's editor usage and adoption phases).

Apart from the Adoption page so that neither page draws a dozen charts: a fresh browser pays for
each chart it draws (docs/operations.md, page speed).
"""

from __future__ import annotations

import streamlit as st

from aimetrics.format import format_period
from aimetrics.metrics.adoption import SEAT_ACTIVE_DAYS
from aimetrics.metrics.copilot_phases import PHASE_WINDOW_DAYS
from aimetrics.vocabulary import COPILOT_PHASE_DEFINITION
from dashboard import breakdown_charts, breakdown_kpis, charts, components, loaders, tables

ctx = loaders.app_context()
filters = components.current_filters()
view = loaders.view(ctx, filters)

st.title("Seats & usage")
components.view_caption(filters, ctx.settings.tagging.min_confidence)

# The seats come with the Adoption page's figures (one cached computation for both pages);
# they do not depend on the breakdown, so the page asks for the one last chosen, if any.
figures = loaders.adoption(view, components.last_breakdown())
if not components.enough_people(figures.people, view.min_group_size):
    st.stop()

st.subheader("Seats")
st.caption(
    "Seats assigned per tool, and on the period's last day: seats used in the last "
    f"{SEAT_ACTIVE_DAYS} days (the tool's last-activity date, or an AI-assisted PR of that "
    "tool merged by the seat holder), idle seats, utilization, and what the idle seats cost "
    "a month (what could be reclaimed)."
)
if figures.seats_weekly.is_empty() or not figures.seats_weekly["seats"].sum():
    # Weeks of zero seats (a period before any assignment) draw no chart of zeros.
    components.empty_state(
        f"No seat of the selected tools was assigned in {format_period(view.period)}."
        if not figures.seats_weekly.is_empty()
        else "No seat assignments are recorded for the selected tools."
    )
else:
    charts.chart(breakdown_charts.seats_chart(figures.seats_weekly))
    tables.table(figures.seats, "seat-utilization")

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
    charts.chart(breakdown_charts.copilot_users_chart(usage.weekly, view.week_start, view.period))
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
