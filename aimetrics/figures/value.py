"""Value in terms leadership believes, in words: capacity first (engineer-equivalents),
then value against spend quoting the conservative end of the interval, and the honest
split of spend into billed and estimated. One wording for the dashboard and the report
(docs/metrics.md, "Capacity in engineer-equivalents, and value for spend")."""

from __future__ import annotations

import math

from aimetrics.format import format_money
from aimetrics.metrics.cost.basis import RunRate
from aimetrics.metrics.roi import Roi, RoiFigures
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


def capacity_shown(est: Estimate | None) -> bool:
    """True when the capacity's interval excludes no gain: only then does a tile lead with its
    number (an interval from −4.6 to 9.7 says the gain is not shown, whatever the point)."""
    return bool(est is not None and est.ok and est.low is not None and est.low > 0)


def capacity_sentence(roi: Roi) -> str:
    """The capacity sentence ("Capacity gained: X engineer-equivalents (90% CI a–b) in the
    period — capacity, not headcount"); without enough data to measure the uplift, it says
    so and gives no number."""
    est = roi.capacity
    if est is None or not est.ok or est.value is None:
        why = _why(est) if est is not None else "not computed"
        return f"Capacity gained: not enough data to measure it ({why})."
    ci = capacity_interval(est)
    caveat = "" if capacity_shown(est) else ": the interval includes no gain, so none is shown"
    return (
        f"Capacity gained: {capacity_figure(est)}"
        + (f" ({ci})" if ci else "")
        + f" in the period — {CAPACITY_NOT_HEADCOUNT}{caveat}."
    )


def at_least(multiple: float) -> str:
    """A multiple rounded down (the claim stays conservative): ``20.9×``, ``3×`` above 10."""
    if multiple >= 10:
        return f"{math.floor(multiple):,.0f}×"
    return f"{math.floor(multiple * 10) / 10:.1f}×"


def cover_claim(roi: Roi) -> str:
    """The claim: "at least N× the spend" from the low end of the value's interval, "not shown to
    cover its spend" when that low end is below the spend, "" without enough data."""
    per = roi.value_per_spend
    if not per.ok or per.value is None:
        return ""
    low = per.low if per.low is not None else per.value
    if low < 1:
        return NOT_SHOWN_TO_COVER
    return f"at least {at_least(low)} the spend"


def cover_multiple(roi: Roi) -> str:
    """The claim in short, for a tile: "≥ 20×", "unproven" (not shown to cover its spend), ""
    without enough data."""
    claim = cover_claim(roi)
    if not claim or claim == NOT_SHOWN_TO_COVER:
        return "unproven" if claim else ""
    return "≥ " + claim.removeprefix("at least ").removesuffix(" the spend")


def value_sentence(roi: Roi) -> str:
    """Value against spend ("$V of capacity (90% CI $L–$H) for $S of AI spend: at least N×
    the spend", the conservative end first), or "not shown to cover its spend"; no number
    without data."""
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


def assumed_sentence(r: RoiFigures) -> str:
    """The assumed time-saved method in words, labelled as the assumption it is."""
    hours = r.inputs.get("hours_saved_per_ai_user_per_week", 0.0)
    users = r.inputs.get("ai_users", 0.0)
    value = format_money(r.value.value, r.currency) if r.value.ok else r.value.status
    return (
        f"Assuming {hours:g} hours saved per AI user per week (an assumption, not a "
        f"measurement) for {users:,.0f} AI users: {value} of time."
    )


def spend_split(billed: float | None, estimated: float | None, currency: str) -> str:
    """The split of spend: "of which $B billed, $E estimated (seat plans from …)"."""
    if billed is None or estimated is None:
        return ""
    return (
        f"of which {format_money(billed, currency)} billed, "
        f"{format_money(estimated, currency)} estimated ({ESTIMATE_SOURCES})"
    )


def run_rate_sentence(r: RunRate) -> str:
    """The run rate in words: $M a month ($S for the seats held on the day + $U usage of
    the 30 days up to it)."""
    return (
        f"{format_money(r.monthly, r.currency)} a month "
        f"({format_money(r.seats_monthly, r.currency)} for the seats held on "
        f"{r.as_of:%Y-%m-%d} + {format_money(r.usage_30_days, r.currency)} usage of the 30 "
        "days up to it)"
    )
