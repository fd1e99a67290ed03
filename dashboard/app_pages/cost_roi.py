"""Cost & ROI: what the AI tools cost, per tool, month, PR and team; idle seats; the ROI
calculator with both methods side by side."""

from __future__ import annotations

import polars as pl
import streamlit as st

from aimetrics.figures import value as value_text
from aimetrics.figures.selection import selection_people
from aimetrics.format import format_period
from dashboard import (
    auth,
    balance,
    budget_table,
    charts,
    components,
    kpis,
    loaders,
    measured_panel,
    roi_panel,
    tables,
)

ctx = loaders.app_context()
filters = components.current_filters()
view = loaders.view(ctx, filters)
money = balance.money(ctx.settings)
currency = money.currency

st.title("Cost & ROI")
components.view_caption(filters, ctx.settings.tagging.min_confidence)

# filters -> cached loaders -> empty state -> KPIs -> charts -> tables -> calculator
if not components.enough_people(
    selection_people(loaders.view_facts(view), view), view.min_group_size
):
    st.stop()
spend = balance.spend(view, money)
current, _ = kpis.rows(spend.figures)
if view.selection.repositories:
    st.info(kpis.NO_REPO_SPEND + " to see spend, cost per PR and ROI.", icon=":material/info:")
    st.stop()
others = current["other_currencies"] or []
if others:
    st.warning(
        f"Spend recorded in {', '.join(others)} is not included: add "
        f"`reporting.exchange_rates` for it to convert it into {currency}.",
        icon=":material/currency_exchange:",
    )

empty = components.no_ai_work(filters, current["merged_prs"], current["ai_prs"])
# Capacity first, its value against the spend (conservative end first); ROI in percent is in
# the calculator's appendix below.
measured = balance.view_measured(view)
headline = balance.roi(balance.roi_parts(view, money, view.period), measured.uplift, money.roi)
components.kpi_row(
    [
        kpis.capacity_kpi(headline, measured.uplift),
        kpis.value_kpi(headline),
        kpis.assumed_value_kpi(headline),
    ],
    empty,
)
if headline is not None and not empty:
    lead = f"**{value_text.capacity_sentence(headline)}** {value_text.value_sentence(headline)}"
    st.markdown(components.plain(lead))
components.kpi_row(
    [
        kpis.spend_kpi(spend.figures, currency),
        kpis.run_rate_kpi(spend.run_rate),
        kpis.cost_per_pr_kpi(spend.figures, currency),
        kpis.cost_per_ai_pr_kpi(spend.figures, currency),
        kpis.idle_kpi(spend.seats, currency, spend.as_of, spend.idle_change),
    ],
    empty,
)
split = value_text.spend_split(current["spend_billed"], current["spend_estimated"], currency)
st.caption(
    components.plain(f"Spend {split}. Run rate: {value_text.run_rate_sentence(spend.run_rate)}.")
)

st.subheader("Spend by tool and month")
st.caption(
    "Per tool and component one basis counts, the best present (seats per month, usage per "
    "day): billed records > API seats priced by plan > seat plans (the configuration's "
    "estimate) > estimated records; the pattern of each bar says which. Each bar is the "
    "whole calendar month; the solid part is the period's days, the pale part the rest of a "
    "month the period only partly covers."
)
if spend.by_month.is_empty():
    components.empty_state("No AI spend is recorded for this period and selection.")
else:
    charts.chart(charts.spend_chart(spend.by_month, currency))
    tables.table(
        spend.by_month.with_columns(
            pl.col("month").dt.strftime("%Y-%m"), pl.col("basis").replace(charts.BASIS_LABELS)
        ),
        "spend-by-tool-month",
        amount="In the period",
    )

st.subheader("Cost per team")
st.caption(
    "Spend attributed to each team (seats follow their holder, usage its user, the rest is "
    "shared by seat-days or AI-active engineers), per active engineer and per merged PR."
)
team_data = balance.teams(view, money)
tables.table(
    team_data.map.select(
        "group", "engineers", "merged_prs", "ai_prs", "spend", "spend_per_engineer",
        "cost_per_merged_pr", "cost_per_ai_merged_pr",
    ),
    "cost-by-team",
    "Team",
)  # fmt: skip
components.privacy_note(team_data.privacy)

st.subheader("Budgets")
if not ctx.settings.budgets:
    st.caption(
        "No budgets are configured. Add monthly budgets per tool or team (`budgets:` in the "
        "configuration) to see spend to date and a month-end forecast here; `aimetrics budget "
        "check` gives the same for cron."
    )
else:
    key = repr([b.model_dump() for b in ctx.settings.budgets])
    status = balance.budgets(view, ctx.settings, key)
    budget_table.show(status)

st.subheader("Idle seats")
st.caption(
    f"Seats held on {spend.as_of:%Y-%m-%d} (the period's last day) without use in the 30 days "
    "up to it, and what they cost a month: what could be reclaimed."
)
if spend.seats.is_empty():
    components.empty_state("No seat assignments are recorded for the selected tools and teams.")
else:
    tables.table(spend.seats, "idle-seats-by-tool")
    if not spend.idle.is_empty() and (
        view.show_individuals or auth.is_administrator(ctx.settings.privacy.administrators)
    ):
        with st.expander(f"Seats to reclaim ({spend.idle.height})"):
            st.caption(
                "Each idle seat: its holder, team, the last day of use seen and what it costs a "
                "month. Only tools that report use per holder are listed; new seats never are."
            )
            tables.table(spend.idle.drop("person_key"), "idle-seat-holders")
    elif not spend.idle.is_empty():
        st.caption(
            f"{spend.idle.height} idle seat(s). Who holds them is shown to administrators "
            "(privacy.administrators, with sign-in) or with privacy.show_individuals."
        )

st.subheader("ROI calculator")
st.caption(
    "Two methods side by side, each with its assumptions in plain words. Change the inputs: "
    "the figures update at once. The measured uplift uses the whole history of the selection."
)
settings, period = roi_panel.calculator_inputs(money.roi, view.period)
result = balance.roi(balance.roi_parts(view, money, period), measured.uplift, settings)
if result is not None:
    st.caption(
        f"{format_period(period)} ({period.days} days) · hours per week "
        f"{settings.hours_per_week:g} · currency {settings.currency}"
    )
    roi_panel.side_by_side(result, empty and period == view.period)
    roi_panel.appendix(result)

st.subheader("Measured uplift: what it rests on")
pct = measured.uplift.percent
st.caption(
    (
        f"Throughput change after adoption {pct.value:+.1f}% ({pct.level:.0%} CI "
        f"{pct.low:+.1f}% to {pct.high:+.1f}%), {measured.uplift.treated_engineers} adopters "
        f"vs {measured.uplift.comparison_engineers} not yet adopted."
        if pct.ok and pct.value is not None and pct.low is not None and pct.high is not None
        else f"Throughput change after adoption: not enough data ({pct.note})."
    )
    + (
        " Under a tool filter the uplift is the organization's; the measured value is the "
        "selected tools' share of it (AI-user weeks per tool)."
        if view.selection.tools
        else ""
    )
)
measured_panel.show(measured, bool(view.selection.teams))
