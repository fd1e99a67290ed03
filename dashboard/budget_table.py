"""The Cost page's budgets: each budget's month to date, month-end forecast and gap, in words,
and a warning naming the budgets a forecast exceeds."""

from __future__ import annotations

import polars as pl
import streamlit as st

from aimetrics.format import format_money
from aimetrics.metrics.budget import OVER, budget_label
from dashboard import tables


def show(status: pl.DataFrame) -> None:
    """The budgets table (:func:`aimetrics.metrics.budget.budget_status` rows)."""
    if status.is_empty():
        return
    first = status.row(0, named=True)
    st.caption(
        f"{first['month']:%B %Y}, data to {first['as_of']:%Y-%m-%d} ({first['days_left']} days "
        "left): the forecast adds the seats and the usage run rate (last 30 days) for the days "
        "left, from the last day with data (billing data lags). Budgets cover the whole "
        "organization, whatever the filters."
    )
    rows = [
        {
            "Budget for": budget_label(r),
            "Monthly budget": format_money(r["budget"], r["currency"]),
            "Spent to date": format_money(r["spend_to_date"], r["currency"]),
            "Month-end forecast": format_money(r["forecast"], r["currency"]),
            "Gap (budget − forecast)": format_money(r["gap"], r["currency"]),
            "Status": r["status"],
        }
        for r in status.iter_rows(named=True)
    ]
    tables.table(pl.DataFrame(rows), "budgets")
    over = [r for r in status.iter_rows(named=True) if r["status"] == OVER]
    if over:
        st.warning(
            "Forecast over budget: "
            + "; ".join(
                f"{budget_label(r)} ({format_money(r['forecast'], r['currency'])} against "
                f"{format_money(r['budget'], r['currency'])})"
                for r in over
            )
            + ".",
            icon=":material/warning:",
        )
