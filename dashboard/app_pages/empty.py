"""Shown while the store cannot be displayed: no store, no data yet, or an old schema."""

from __future__ import annotations

import streamlit as st

from aimetrics.store.engine import safe_url
from dashboard import loaders

ctx = loaders.app_context()
status = loaders.store_status(ctx.db_url)
store = safe_url(ctx.db_url)

st.title("aimetrics")

if status.kind == "outdated":
    st.warning(
        f"The store's schema is not this version's: {status.message}", icon=":material/update:"
    )
    st.markdown(
        "The dashboard never changes the store itself (several copies may be running). "
        "Bring the schema up to date once, then reload this page:"
    )
    st.code(f"aimetrics migrate --db {store}", language="bash")
elif status.kind == "error":
    st.error(f"The store cannot be read: {status.message}", icon=":material/error:")
    st.markdown("Check the store URL (`--db`, `AIMETRICS_DB` or `store.url` in the config).")
else:
    st.info(
        f"{status.message} Nothing to show yet: load the demo or collect your own loaders.",
        icon=":material/info:",
    )
    st.subheader("See it on a demo organization")
    st.markdown(
        "Builds a realistic organization (teams, repositories, AI tools rolled out in "
        "stages, seat plans and costs) into the store and serves this dashboard:"
    )
    st.code(f"aimetrics demo --db {store}", language="bash")
    st.subheader("Or collect your own data")
    st.markdown("From GitHub (a token in the variable the config names, e.g. `GITHUB_TOKEN`):")
    st.code(f"aimetrics collect github --config aimetrics.yaml --db {store}", language="bash")
    st.markdown("Or from local clones, without any token:")
    st.code(f"aimetrics collect git PATH --db {store}", language="bash")
    st.markdown("Then reload this page.")
st.caption(f"Store: `{store}`")
