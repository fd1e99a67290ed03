"""Value in terms leadership believes, in words: capacity first (engineer-equivalents),
then value against spend quoting the conservative end of the interval, and the honest
split of spend into billed and estimated. One wording for the dashboard and the report
(docs/metrics.md, "Capacity in engineer-equivalents, and value for spend")."""

from __future__ import annotations

import math

from aimetrics.format import format_money
from aimetrics.metrics.cost.basis import RunRate
from aimetrics.metrics.roi import Roi
from aimetrics.metrics.stats import Estimate

NOT_SHOWN_TO_COVER = "not shown to cover its spend"
CAPACITY_NOT_HEADCOUNT = "capacity, not headcount"
ESTIMATE_SOURCES = "seat plans from configuration, seats priced by plan, unbilled usage"


def _why(est: Estimate) -> str:
    return est.note or "too little data"


def capacity_figure(est: Estimate | None) -> str:
    """``13.5 engineer-equivalents``, or "" without enough data."""
    if est is None or not est.ok or est.value is None:
        return ""
    return f"{est.value:,.1f} engineer-equivalents"


def capacity_interval(est: Estimate | None) -> str:
    """``90% CI 7.8–19.5`` ("" without an interval)."""
    if est is None or not est.ok or est.low is None or est.high is None:
        return ""
    return f"{est.level:.0%} CI {est.low:,.1f}–{est.high:,.1f}"


def capacity_sentence(roi: Roi) -> str:
    """ "Capacity gained: X engineer-equivalents (90% CI a–b) in the period — capacity, not
    headcount"; without enough data to measure the uplift, says so and gives no number."""
    est = roi.capacity
    if est is None or not est.ok or est.value is None:
        why = _why(est) if est is not None else "not computed"
        return f"Capacity gained: not enough data to measure it ({why})."
    ci = capacity_interval(est)
    return (
        f"Capacity gained: {capacity_figure(est)}"
        + (f" ({ci})" if ci else "")
        + f" in the period — {CAPACITY_NOT_HEADCOUNT}."
    )


def at_least(multiple: float) -> str:
    """A multiple rounded down (the claim stays conservative): ``20.9×``, ``3×`` above 10."""
    if multiple >= 10:
        return f"{math.floor(multiple):,.0f}×"
    return f"{math.floor(multiple * 10) / 10:.1f}×"


def cover_claim(roi: Roi) -> str:
    """ "at least N× the spend" from the low end of the value's interval, "not shown to
    cover its spend" when that low end is below the spend, "" without enough data."""
    per = roi.value_per_spend
    if not per.ok or per.value is None:
        return ""
    low = per.low if per.low is not None else per.value
    if low < 1:
        return NOT_SHOWN_TO_COVER
    return f"at least {at_least(low)} the spend"


def value_sentence(roi: Roi) -> str:
    """ "$V of capacity (90% CI $L–$H) for $S of AI spend: at least N× the spend" (the
    conservative end first), or "not shown to cover its spend"; no number without data."""
    m = roi.measured
    value, cur = m.value, m.currency
    if m.spend <= 0:
        return "Value for spend: no AI spend recorded in the period."
    if not value.ok or value.value is None:
        return f"Value of the capacity: not enough data to measure it ({_why(value)})."
    ci = (
        f" ({value.level:.0%} CI {format_money(value.low, cur)}–{format_money(value.high, cur)})"
        if value.low is not None and value.high is not None
        else ""
    )
    return (
        f"{format_money(value.value, cur)} of capacity{ci} for {format_money(m.spend, cur)} "
        f"of AI spend: {cover_claim(roi)}."
    )


def spend_split(billed: float | None, estimated: float | None, currency: str) -> str:
    """ "of which $B billed, $E estimated (seat plans from configuration, …)"."""
    if billed is None or estimated is None:
        return ""
    return (
        f"of which {format_money(billed, currency)} billed, "
        f"{format_money(estimated, currency)} estimated ({ESTIMATE_SOURCES})"
    )


def run_rate_sentence(r: RunRate) -> str:
    """ "$M a month at today's seats ($S) and the last 30 days' usage ($U), as of …"."""
    return (
        f"{format_money(r.monthly, r.currency)} a month: the seats held on {r.as_of:%Y-%m-%d} "
        f"at their monthly price ({format_money(r.seats_monthly, r.currency)}) plus the usage "
        f"of the 30 days up to it ({format_money(r.usage_30_days, r.currency)})"
    )
