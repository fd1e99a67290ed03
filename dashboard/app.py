"""The aimetrics dashboard: page setup, optional sign-in, the shared filters, navigation.

Served by ``aimetrics dashboard`` / ``aimetrics demo`` as
``python -m streamlit run dashboard/app.py`` with ``AIMETRICS_DB`` (and
optionally ``AIMETRICS_CONFIG``) in the environment. It only reads the store.
With ``[auth]`` in ``.streamlit/secrets.toml`` nothing shows before sign-in.
"""

from __future__ import annotations

import streamlit as st

from aimetrics.errors import AimetricsError
from aimetrics.figures.view import default_period
from dashboard import auth, components, loaders, navigation, report_button, tables

st.set_page_config(page_title="aimetrics", page_icon=":material/insights:", layout="wide")
# A tile's label and value wrap instead of ending in "…": at 1400 px five tiles to a row cut
# "Cycle time, AI ÷ no marker, same engineers" and "not enough data" short otherwise.
st.html(
    "<style>"
    '[data-testid="stMetricLabel"] *, [data-testid="stMetricValue"] * '
    "{white-space: normal !important; overflow: visible !important; "
    "text-overflow: clip !important; overflow-wrap: break-word;}"
    # "vs previous period" goes whole onto its own line under the change when the tile is too
    # narrow for both, rather than being cut to "vs previo…" or broken inside a word.
    'div:has(> [data-testid="stMetricDeltaDescription"]) {flex-wrap: wrap; row-gap: 0.2rem;}'
    '[data-testid="stMetricDeltaDescription"], [data-testid="stMetricDeltaDescription"] * '
    "{overflow: visible !important; text-overflow: clip !important;}"
    '[data-testid="stMetricValue"] {font-size: 2rem;}'
    "</style>"
)
auth.require_login()  # stops here until signed in, when sign-in is configured

try:
    ctx = loaders.app_context()
except AimetricsError as exc:  # a configuration mistake: one clear message, no traceback
    st.error(f"The configuration cannot be used: {exc}", icon=":material/error:")
    st.stop()

st.session_state[tables.CURRENCY_STATE] = ctx.settings.reporting.currency
report_button.start_pdf_check()  # in a thread, while the page computes (1-3 s, Playwright)
status = loaders.store_status(ctx.db_url)
if status.ready:
    components.sidebar_filters(
        default_period(status.latest_merged_at, ctx.settings),
        loaders.filter_options(ctx.db_url),
    )
    pages = [
        st.Page(
            e.file, title=e.title, icon=e.icon, url_path=e.url_path or None, default=not e.url_path
        )
        for e in navigation.PAGES
    ]
else:
    pages = [st.Page("app_pages/empty.py", title="Getting started", icon=":material/rocket:")]

st.navigation(pages).run()
