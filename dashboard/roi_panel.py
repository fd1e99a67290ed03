"""The ROI calculator: its inputs (defaults from ``roi`` in the configuration), both methods
side by side with their intervals and assumptions, and the table behind them."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from aimetrics.figures import value as value_text
from aimetrics.format import MISSING, format_interval, format_money
from aimetrics.metrics.period import Period
from aimetrics.metrics.roi import MEASURED, Roi, RoiFigures
from aimetrics.metrics.stats import Estimate
from aimetrics.settings import RoiSettings
from dashboard import components, tables
from dashboard.kpis import NOT_ENOUGH, payback

HOURLY_KEY, SAVED_KEY, PERIOD_KEY = "roi_hourly_cost", "roi_hours_saved", "roi_period"
SELECTED = "selected"
PERIOD_CHOICES = {
    SELECTED: "The selected period",
    30: "Last 30 days",
    90: "Last 90 days",
    180: "Last 180 days",
    365: "Last 365 days",
}
TITLES = {
    "measured uplift": "Measured uplift",
    "assumed time saved": "Assumed time saved",
}


def calculator_inputs(defaults: RoiSettings, selected: Period) -> tuple[RoiSettings, Period]:
    """The three inputs; every change reruns the page at once (the uplift stays cached)."""
    hourly_col, saved_col, period_col = st.columns(3)
    hourly = hourly_col.number_input(
        f"Loaded hourly cost ({defaults.currency})",
        min_value=0.0,
        value=float(defaults.loaded_hourly_cost),
        step=5.0,
        key=HOURLY_KEY,
        help="Salary, benefits and overhead per working hour (roi.loaded_hourly_cost).",
    )
    saved = saved_col.number_input(
        "Hours saved per AI user per week (assumption)",
        min_value=0.0,
        max_value=float(defaults.hours_per_week),
        value=float(defaults.hours_saved_per_ai_user_per_week),
        step=0.5,
        key=SAVED_KEY,
        help="Used by the assumed-time-saved method only (roi.hours_saved_per_ai_user_per_week).",
    )
    choice = period_col.selectbox(
        "Period",
        list(PERIOD_CHOICES),
        format_func=PERIOD_CHOICES.__getitem__,
        key=PERIOD_KEY,
        help="Counted back from the last day of the period selected in the sidebar.",
    )
    settings = defaults.model_copy(
        update={"loaded_hourly_cost": hourly, "hours_saved_per_ai_user_per_week": saved}
    )
    return settings, calculator_period(selected, choice)


def calculator_period(selected: Period, choice: object) -> Period:
    if choice == SELECTED or not isinstance(choice, int):
        return selected
    return Period(selected.end - dt.timedelta(days=choice), selected.end, selected.tz)


def _estimate(est: Estimate, fmt: str) -> str:
    if not est.ok or est.value is None:
        return NOT_ENOUGH
    ci = format_interval(est, fmt)
    return f"{est.value:{fmt}}" + (f" ({ci})" if ci else "")


def side_by_side(roi: Roi, empty: bool = False) -> None:
    """Both methods in two columns: value (against the spend, the conservative end first),
    hours, and the assumptions. ROI in percent and payback: :func:`appendix`. ``empty``: the
    selection has no AI-assisted work, so a zero value reads "no data" as the tiles do."""
    for column, r in zip(st.columns(2), (roi.measured, roi.assumed), strict=True):
        with column, st.container(border=True):
            measured = r.method == MEASURED
            title = TITLES.get(r.method, r.method)
            st.markdown(f"#### {title}" + ("" if measured else " (an assumption)"))
            ok = r.value.ok and r.value.value is not None
            value = format_money(r.value.value, r.currency) if ok else NOT_ENOUGH
            if empty and components.is_nothing(value):
                value = components.NO_DATA
            st.metric(
                f"Value, {r.method}", value, help="Engineering hours gained × loaded hourly cost"
            )
            lines = [f"- Value: {_money(r.value, r.currency)}"]
            if measured:
                lines += [
                    f"- {value_text.capacity_sentence(roi)}",
                    f"- {value_text.value_sentence(roi)}",
                ]
            else:
                users = int(r.inputs.get("ai_users", 0))
                lines.append(f"- AI users in the period: {users:,} (the Adoption page's)")
            lines += [
                f"- Engineering hours gained: {_estimate(r.hours, ',.0f')}",
                f"- AI spend: {format_money(r.spend, r.currency)}",
            ]
            if not ok:
                lines.append(f"- Why not: {r.value.note or r.hours.note or 'too little data'}")
            st.markdown(components.plain("\n".join(lines)))
            st.markdown("**Assumptions**\n" + "\n".join(f"- {a}" for a in r.assumptions))


def appendix(roi: Roi) -> None:
    """ROI in percent and payback of both methods, with their intervals: an appendix, never
    a headline (a four-digit ROI invites disbelief; value against spend says the same)."""
    with st.expander("ROI in percent (appendix)"):
        st.caption(
            "ROI = (value − spend) / spend; payback = the days of value that pay for the "
            "period's spend. The assumed method's figures rest on an assumption."
        )
        lines = []
        for r in (roi.measured, roi.assumed):
            ok = r.roi.ok and r.roi.value is not None
            pct = r.roi.map(lambda x: x * 100)
            ci = format_interval(pct, "+.0f", "%")
            figure = f"{r.roi.value:+.0%}" if ok else NOT_ENOUGH  # type: ignore[operator]
            lines.append(
                f"- {TITLES.get(r.method, r.method)}: ROI {figure}"
                + (f" ({ci})" if ci else "")
                + f" · payback {payback(r)}"
            )
        st.markdown(components.plain("\n".join(lines)))
        tables.table(roi_table(roi), "roi")


def _money(est: Estimate, currency: str) -> str:
    if not est.ok or est.value is None:
        return NOT_ENOUGH
    low, high = est.low, est.high
    ci = (
        f" ({est.level:.0%} CI {format_money(low, currency)} to {format_money(high, currency)})"
        if low is not None and high is not None
        else ""
    )
    return format_money(est.value, currency) + ci


def roi_table(roi: Roi) -> pl.DataFrame:
    """Both methods' figures, one row each (the table and its CSV)."""

    def row(r: RoiFigures) -> dict[str, object]:
        return {
            "Method": r.method,
            "Status": r.roi.status,
            "ROI (%)": _pct(r.roi.value),
            "ROI low (%)": _pct(r.roi.low),
            "ROI high (%)": _pct(r.roi.high),
            f"Value ({r.currency})": _round(r.value.value),
            f"Value low ({r.currency})": _round(r.value.low),
            f"Value high ({r.currency})": _round(r.value.high),
            "Hours gained": _round(r.hours.value),
            f"AI spend ({r.currency})": _round(r.spend),
            "Payback (days)": _round(r.payback_days.value)
            if r.payback_days.value not in (None, float("inf"))
            else None,
            "Confidence level": r.roi.level or None,
            "Engineers": r.hours.engineers,
            "Note": r.roi.note or r.hours.note or MISSING,
        }

    return pl.DataFrame([row(roi.measured), row(roi.assumed)])


def _pct(x: float | None) -> float | None:
    return None if x is None else round(x * 100, 1)


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 1)
