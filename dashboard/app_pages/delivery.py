"""Delivery: throughput, and cycle time split into coding, pickup, review and merge."""

from __future__ import annotations

import streamlit as st

from dashboard import breakdown_charts, breakdown_kpis, charts, components, kpis, loaders, tables

ctx = loaders.app_context()
filters = components.current_filters()
view = loaders.view(ctx, filters)

st.title("Delivery")
components.view_caption(filters, ctx.settings.tagging.min_confidence)
by = components.breakdown_choice()

# filters -> cached loader -> empty state -> KPIs -> charts -> tables
figures = loaders.delivery(view, by)
if not components.enough_people(figures.people, view.min_group_size):
    st.stop()
merged = 0 if figures.throughput.is_empty() else figures.throughput["merged_prs"][0]
components.stop_without_merged_prs(merged, filters)
empty = components.no_ai_work(filters, merged, figures.weekly["ai_prs"].sum())

components.kpi_row(
    breakdown_kpis.delivery_kpis(
        figures.throughput, figures.stages, figures.cycle, figures.changes
    ),
    empty,
)
size = kpis.size_sentence(figures.cycle.size)
st.caption(
    "AI-assisted vs no marker, like for like: each engineer's AI-assisted PRs are compared with "
    "their own no-marker PRs (the headline). "
    + (f"{size}: smaller work is faster anyway, so the ratio includes that. " if size else "")
    + "The pooled ratio sets everyone's AI-assisted PRs against everyone's others; it is "
    "descriptive only: teams differ in review habits and task sizes and adopt AI unevenly, so "
    "it mostly says who uses AI (team mix), not what AI does."
)
coverage = figures.coverage.row(0, named=True)
if coverage["git_only"]:
    st.info(
        f"{coverage['git_only']:,} of {coverage['merged_prs']:,} merged PRs were recovered "
        "from git (no opening, ready or review times): their stages are left out, not "
        f"guessed. {coverage['git_cycle']:,} of them (merge commits) count in the cycle time, "
        "from their branch's first commit to the merge; squash merges have none.",
        icon=":material/info:",
    )

st.subheader("Throughput")
charts.chart(breakdown_charts.merged_by_week_chart(figures.weekly, view.week_start, view.period))
label = components.BREAKDOWNS[by].lower()
tables.table(figures.by_group, f"throughput-by-{by}", label.title())

st.subheader("Cycle time")
st.caption(
    "First commit → ready for review (coding) → first review by a human other than the author "
    "(pickup) → last approval (review) → merged (merge). Milestones earlier than the one "
    "before them count as reached at that one, so every span is ≥ 0 and the four add up to "
    "the cycle time. AI review bots do not count as a first review."
)
if figures.stages.is_empty():
    components.empty_state("No merged PR with a known timeline in this selection.")
else:
    charts.chart(breakdown_charts.stage_chart(figures.stages))
    tables.table(figures.stages, "cycle-time-stages")
    charts.chart(breakdown_charts.box_chart(figures.stages_by_group, "cycle", label))
    tables.table(figures.stages_by_group, f"cycle-time-by-{by}", label.title())

st.subheader("Merged pull requests")
st.caption("Hours per stage; each PR links to its page on GitHub.")
tables.table(figures.prs, "merged-prs", height=420)

components.privacy_note(figures.privacy)
