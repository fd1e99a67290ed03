"""Data: how fresh the data is, how much of it carries a marker, why each change counts as AI."""

from __future__ import annotations

import os

import polars as pl
import streamlit as st

from aimetrics.figures.marker_coverage import CAVEAT, NO_REPOSITORY
from aimetrics.settings import EXPOSED_ENV
from dashboard import components, loaders, tables

ctx = loaders.app_context()
filters = components.current_filters()
view = loaders.view(ctx, filters)

st.title("Data")
exposed = os.environ.get(EXPOSED_ENV)
if exposed:
    st.warning(
        f"This dashboard listens on {exposed} without sign-in: anyone who can reach this "
        "machine on the network can read these figures. Configure sign-in ([auth] in "
        ".streamlit/secrets.toml) or serve on 127.0.0.1 (the default)."
    )
components.view_caption(filters, ctx.settings.tagging.min_confidence)

# filters -> cached loader -> empty state -> tables
figures = loaders.data_page(view)

st.subheader("Freshness")
st.caption("When each source was last collected (times in UTC).")
if figures.freshness.is_empty():
    components.empty_state("No collection run is recorded yet.")
else:
    tables.table(figures.freshness, "freshness")
    with st.expander("Every collected scope"):
        tables.table(figures.sync, "sync-state")

st.subheader("Coverage")
st.caption(
    "Merged PRs and default-branch commits in the period with and without an AI marker, per "
    "repository and per tool. Markers can be switched off, so 'no marker' is unknown, "
    "not proven human."
)
if figures.coverage.is_empty():
    components.empty_state(
        components.nothing_message(filters, "merged PRs or default-branch commits")
    )
else:
    tables.table(figures.coverage, "coverage-by-repository", "Repository")
    tables.table(figures.tools, "coverage-by-tool")

st.subheader("Marker coverage")
markers = figures.markers
st.caption(
    "Per tool and month, what the vendor's own usage report counts for the people aimetrics "
    "covers (matched by e-mail or login) against the AI markers on the same people's work: "
    "commits (of any branch, PR merge commits left out), PRs (by the day opened) and lines "
    "(added + removed). " + CAVEAT
)
if markers.repository_filtered:
    components.empty_state(NO_REPOSITORY)
elif markers.coverage.is_empty():
    components.empty_state(
        "No vendor usage report names a covered person in this period (collect anthropic, "
        "collect cursor), or every tool-month has too few people to show."
    )
else:
    if markers.sentence:
        st.markdown(markers.sentence)
    tables.table(
        markers.coverage.with_columns(pl.col("month").dt.strftime("%Y-%m")),
        "marker-coverage",
        people="People",
    )
if markers.unmatched:
    st.caption(
        f"{markers.unmatched:,} vendor user(s) in the period match no one in the store and are "
        "left out: add their e-mail to a person's `emails` in the configuration."
    )
components.privacy_note(markers.privacy)

st.subheader("Evidence of AI use by source")
st.caption(
    "Who shows evidence of AI use per tool, month and source (markers, Copilot usage reports, "
    "seat activity, vendor usage): people, and person-days with evidence. Tools with fewer "
    "people than the privacy minimum in a month and source are shown together."
)
if markers.evidence.is_empty():
    components.empty_state("No evidence of AI use in this period and selection.")
else:
    tables.table(
        markers.evidence.with_columns(pl.col("month").dt.strftime("%Y-%m")),
        "ai-evidence",
        people="People",
    )

st.subheader("Tagged changes")
st.caption(
    "Every AI marker in the period: the rule that fired and the text it matched (the "
    "`aimetrics explain` view). 'counts' is false for markers below the configured "
    "confidence. People's e-mail addresses and names are masked unless "
    "privacy.show_individuals is set."
)
if figures.tags.is_empty():
    components.empty_state(
        components.nothing_message(filters, "AI markers", "no change of it matched a rule")
    )
else:
    tables.table(figures.tags, "tagged-changes", height=420)

st.subheader("Unresolved identities")
if not figures.individuals_shown:
    st.markdown(
        f"**{figures.unresolved_count:,}** commit e-mail address(es) belong to no known person. "
        "Names and addresses are shown only with `privacy.show_individuals: true`; add them "
        "to a person's `emails` in the configuration to merge them."
    )
elif figures.unresolved.is_empty():
    st.markdown("Every commit author is resolved to a person.")
else:
    st.caption("Add these addresses to a person's `emails` in the configuration.")
    tables.table(figures.unresolved, "unresolved-identities")

components.privacy_note(figures.privacy)
