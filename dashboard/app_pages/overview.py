"""Overview: how much merged work is AI-assisted, throughput, and what the AI tools cost."""

from __future__ import annotations

import streamlit as st

from dashboard import components, data

ctx = data.app_context()
reporting = ctx.settings.reporting
filters = components.current_filters()
period = filters.period

# filters -> cached loader -> empty state -> KPIs -> chart -> table
figures = data.overview(
    data.scope(ctx),
    period,
    reporting.currency,
    data.reporting_rates(ctx.settings),
    reporting.week_start,
)

st.title("Overview")
st.caption(
    f"{components.format_period(period)} ({period.days} days, {period.tz}), compared with "
    f"the {period.days} days before. AI-assisted: merged PRs with an AI marker at or above "
    f"'{ctx.settings.tagging.min_confidence}' confidence; the rest is "
    f"'{components.NO_MARKER_LABEL}'."
)

components.kpi_row(components.overview_kpis(figures.kpis, reporting.currency))
others = figures.kpis["other_currencies"][0].to_list()
if others:
    st.warning(
        f"Spend recorded in {', '.join(others)} is not included: add "
        f"`reporting.exchange_rates` for it to convert it into {reporting.currency}.",
        icon=":material/currency_exchange:",
    )

if figures.kpis["merged_prs"][0] == 0:
    st.info(
        "No merged pull requests in this period: pick another period in the sidebar.",
        icon=":material/info:",
    )
else:
    st.plotly_chart(
        components.weekly_trend_chart(figures.trend, reporting.week_start),
        config={"displaylogo": False},
    )
    with st.expander("Weekly figures"):
        components.weekly_table(figures.trend)

st.caption(
    "Data last collected: "
    + components.format_timestamp(figures.last_collected, reporting.timezone)
)
