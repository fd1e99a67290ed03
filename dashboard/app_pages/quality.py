"""Quality guardrails: reverts, PR size, merges without a human review, review rounds."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import breakdown_charts, breakdown_kpis, charts, components, loaders, tables

ctx = loaders.app_context()
filters = components.current_filters()
view = loaders.view(ctx, filters)

st.title("Quality")
components.view_caption(filters, ctx.settings.tagging.min_confidence)
by = components.breakdown_choice()

# filters -> cached loader -> empty state -> KPIs -> charts -> tables
figures = loaders.quality(view, by)
if not components.enough_people(figures.people, view.min_group_size):
    st.stop()
merged = figures.summary["merged_prs"].sum() if figures.summary.height else 0
components.stop_without_merged_prs(merged, filters)
ai = figures.summary.filter(pl.col("comparison") == components.AI_LABEL)["merged_prs"].sum()
empty = components.no_ai_work(filters, merged, ai)

components.kpi_row(
    breakdown_kpis.quality_kpis(
        figures.summary, figures.revert_diff, figures.unreviewed_diff, figures.changes
    ),
    empty,
)
st.caption(
    "AI-assisted vs no marker here is pooled and unadjusted (descriptive): every AI-assisted PR "
    "against every no-marker PR of the selection, so differences between teams and tasks "
    "show up as differences between the two groups. The like-for-like comparison (each "
    "engineer against their own PRs) is on the Delivery page."
)
tables.table(figures.summary, "quality-summary")

label = components.BREAKDOWNS[by].lower()
st.subheader(f"By {label}")
charts.chart(
    breakdown_charts.rate_chart(
        figures.by_group,
        "unreviewed_share",
        f"Which {label}s merge without a human review, AI-assisted vs no marker?",
        "% of merged PRs without a human review",
    )
)
charts.chart(
    breakdown_charts.rate_chart(
        figures.by_group,
        "revert_rate",
        f"Which {label}s revert more of their merged work?",
        "% of merged PRs reverted later",
    )
)
tables.table(figures.by_group, f"quality-by-{by}", label.title())

st.subheader("PR size and review rounds")
charts.chart(
    breakdown_charts.distribution_chart(
        figures.sizes,
        "Are AI-assisted PRs bigger?",
        "PR size: XS < 10, S < 50, M < 250, L < 1000, XL ≥ 1000 changed lines",
    )
)
tables.table(figures.sizes, "pr-size-distribution", bucket="Size")
charts.chart(
    breakdown_charts.distribution_chart(
        figures.rounds,
        "How often do reviewers request changes?",
        "CHANGES_REQUESTED reviews by humans per reviewed PR",
    )
)
tables.table(figures.rounds, "review-rounds", bucket="Changes requested")

st.subheader("Reverted pull requests")
st.caption(
    "Merged PRs that a later revert references (`Reverts owner/repo#N`, "
    '`Revert "<title>"`, `This reverts commit <sha>`). Recent PRs have had less time to be '
    "reverted."
)
if figures.reverted.is_empty():
    components.empty_state("No merged PR of this selection was reverted.")
else:
    tables.table(figures.reverted, "reverted-prs")

st.caption(
    "Follow-up fixes (a fix PR touching the same files within 7 days) are not shown: the "
    "store does not keep the files each PR changed (see docs/metrics.md)."
)
components.privacy_note(figures.privacy)
