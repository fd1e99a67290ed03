"""ROI of the AI tools, two ways side by side, each with its assumptions in plain words.

1. **Measured uplift** (:func:`measured_roi`): the throughput uplift of
   :func:`aimetrics.metrics.uplift.throughput_uplift` turned into the engineering
   hours the extra PRs would have taken at the engineers' pre-adoption pace, and
   into money. Its interval comes from the same engineer bootstrap replicates.
2. **Assumed time saved** (:func:`assumed_roi`): a configured number of hours
   saved per AI user (:mod:`aimetrics.metrics.evidence`) per week, as DX and GitHub
   present it. No interval: it is an assumption, not a measurement.

ROI = (value − spend) / spend; payback = the days of value that pay for the
period's spend. Formulas: docs/metrics.md ("Uplift and ROI").
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from aimetrics.metrics.adoption import counted_merged_in
from aimetrics.metrics.period import Period, local_date
from aimetrics.metrics.stats import Estimate, percentile_interval
from aimetrics.metrics.uplift import Uplift
from aimetrics.settings import RoiSettings

MEASURED = "measured uplift"
ASSUMED = "assumed time saved"

MEASURED_ASSUMPTIONS = (
    "The change in merged PRs per week of engineers after they adopted AI, beyond the change "
    "their not-yet-adopted colleagues show over the same weeks, is caused by AI.",
    "An extra merged PR is worth the engineering time a PR took before adoption: hours per "
    "week divided by the adopters' merged PRs per week before adoption.",
    "PRs after adoption are as large and as useful as before (the quality pages check this).",
    "Every engineering hour is worth the loaded hourly cost.",
    "The spend is all AI spend in the period, whoever used it.",
)
ASSUMED_ASSUMPTIONS = (
    "Each AI user saves the configured hours every week of the period "
    "(an assumption, as DX and GitHub present it; nothing here measures it).",
    "AI users: engineers active in the period with evidence of AI use in it (an AI marker on "
    "their work, Copilot usage, seat activity or vendor usage naming them), the one definition "
    "every page uses.",
    "Every saved hour is worth the loaded hourly cost and is spent on useful work.",
    "The spend is all AI spend in the period.",
)


@dataclass(frozen=True)
class RoiFigures:
    """One method's figures for a period, in ``currency``."""

    method: str
    assumptions: tuple[str, ...]
    hours: Estimate  # engineering hours gained in the period
    value: Estimate  # hours x loaded hourly cost
    roi: Estimate  # (value - spend) / spend; 0.5 = +50 %
    payback_days: Estimate  # spend / value per day; inf = never
    spend: float
    currency: str
    other_currencies: tuple[str, ...] = ()
    inputs: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Roi:
    measured: RoiFigures
    assumed: RoiFigures
    # Engineer-equivalents of the measured uplift (capacity_engineer_equivalents); None when
    # the caller did not compute it.
    capacity: Estimate | None = None

    @property
    def value_per_spend(self) -> Estimate:
        """The measured value as a multiple of the spend (:func:`value_per_spend`)."""
        return value_per_spend(self.measured.value, self.measured.spend)


def rates_into(
    currency: str, reporting_currency: str, rates: Mapping[str, float] | None
) -> dict[str, float]:
    """``reporting.exchange_rates`` (per unit of the reporting currency) re-based on ``currency``.

    Empty of useful rates when ``currency`` is neither the reporting currency
    nor has a rate itself (then amounts in other currencies are left out and named).
    """
    rates = dict(rates or {})
    if currency == reporting_currency:
        return rates
    if currency not in rates:
        return {}
    unit = rates[currency]  # reporting units per unit of ``currency``
    rebased = {c: r / unit for c, r in rates.items() if c != currency}
    rebased[reporting_currency] = 1.0 / unit
    return rebased


def post_adoption_prs(merged: pl.LazyFrame, adoption: pl.LazyFrame, period: Period) -> int:
    """Counted PRs merged in ``period`` by engineers on or after their adoption day.

    ``adoption``: :func:`aimetrics.metrics.uplift.adoption_dates`.
    """
    return int(
        counted_merged_in(merged, period)
        .join(adoption, left_on="author_key", right_on="person_key", how="inner")
        .filter(local_date("merged_at", period.tz) >= pl.col("adopted_on"))
        .select(pl.len())
        .collect()
        .item()
    )


def _money_figures(
    method: str,
    assumptions: tuple[str, ...],
    hours: Estimate,
    hourly_cost: float,
    spend: float,
    days: int,
    currency: str,
    other: tuple[str, ...],
    inputs: dict[str, float],
) -> RoiFigures:
    """Value, ROI and payback from an hours estimate (all increasing or decreasing in it)."""
    value = hours.map(lambda h: h * hourly_cost)
    if spend > 0:
        roi = value.map(lambda v: (v - spend) / spend)
    else:
        roi = Estimate.not_enough(hours.engineers, hours.prs, hours.level, "no AI spend")

    def payback(v: float) -> float:
        return spend * days / v if v > 0 else math.inf

    if value.ok:
        # Decreasing in value: the interval's ends swap.
        pb = Estimate(
            payback(value.value or 0.0),
            None if value.high is None else payback(value.high),
            None if value.low is None else payback(value.low),
            value.level,
            value.engineers,
            value.prs,
            note=value.note,
        )
    else:
        pb = value
    return RoiFigures(method, assumptions, hours, value, roi, pb, spend, currency, other, inputs)


def measured_roi(
    uplift: Uplift,
    post_prs: int,
    spend: float,
    period: Period,
    roi: RoiSettings,
    other_currencies: tuple[str, ...] = (),
    share: float = 1.0,
) -> RoiFigures:
    """Method 1: the measured uplift in hours and money.

    ``post_prs``: :func:`post_adoption_prs` of the period. With uplift ratio ``r``
    and the adopters' baseline ``b`` merged PRs per engineer-week:

        extra PRs = post_prs x (1 − 1/r);  hours = extra PRs x roi.hours_per_week / b

    computed in every bootstrap replicate of ``(r, b)``, so the interval carries
    both uncertainties. "Not enough data" when the uplift is.

    ``share``: the part of that value the selection's tools account for under a tool
    filter (:mod:`aimetrics.figures.tool_share`); extra PRs, hours and value scale by it.
    """
    inputs = {
        "post_adoption_prs": float(post_prs),
        "hours_per_week": roi.hours_per_week,
        "value_share": share,
    }
    prs = post_prs * share  # the selected tools' part of the adopters' PRs
    est = uplift.estimate
    if not est.ok or est.value is None or uplift.baseline_rate is None:
        hours = Estimate.not_enough(est.engineers, est.prs, est.level, est.note)
    else:

        def hours_of(ratio: np.ndarray | float, base: np.ndarray | float) -> np.ndarray:
            with np.errstate(divide="ignore", invalid="ignore"):
                return prs * (1.0 - 1.0 / np.asarray(ratio)) * roi.hours_per_week / base

        point = float(hours_of(est.value, uplift.baseline_rate))
        interval = percentile_interval(
            hours_of(uplift.replicates, uplift.baseline_replicates), est.level
        )
        if interval is None:
            hours = Estimate.not_enough(est.engineers, est.prs, est.level, "unstable")
        else:
            hours = Estimate(point, *interval, est.level, est.engineers, est.prs)
        inputs |= {"uplift_ratio": est.value, "baseline_prs_per_week": uplift.baseline_rate}
        if hours.ok:
            inputs["extra_prs"] = prs * (1.0 - 1.0 / est.value)
    return _money_figures(
        MEASURED,
        MEASURED_ASSUMPTIONS,
        hours,
        roi.loaded_hourly_cost,
        spend,
        period.days,
        roi.currency,
        other_currencies,
        inputs,
    )


def capacity_engineer_equivalents(
    uplift: Uplift, post_prs: float, period: Period, share: float = 1.0
) -> Estimate:
    """Capacity gained in the period, in engineer-equivalents (not headcount).

    With uplift ratio ``r`` and the adopters' baseline ``b`` merged PRs per engineer-week:

        EE = extra PRs / (b x weeks in the period),  extra PRs = post_prs x (1 - 1/r)

    the number of engineers who, at the adopters' pace before adoption, would have merged the
    extra PRs in the period. Computed in every bootstrap replicate of ``(r, b)``; "not enough
    data" when the uplift is. ``share``: under a tool filter, the selected tools' part (as
    :func:`measured_roi` scales its value), so capacity and value rest on the same extra PRs.
    """
    post_prs = post_prs * share
    est = uplift.estimate
    if not est.ok or est.value is None or uplift.baseline_rate is None:
        return Estimate.not_enough(est.engineers, est.prs, est.level, est.note)

    def ee(ratio: np.ndarray | float, base: np.ndarray | float) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            extra = post_prs * (1.0 - 1.0 / np.asarray(ratio))
            return extra / (np.asarray(base) * period.weeks)

    interval = percentile_interval(ee(uplift.replicates, uplift.baseline_replicates), est.level)
    if interval is None:
        return Estimate.not_enough(est.engineers, est.prs, est.level, "unstable")
    point = float(ee(est.value, uplift.baseline_rate))
    return Estimate(point, *interval, est.level, est.engineers, est.prs)


def value_per_spend(value: Estimate, spend: float) -> Estimate:
    """Value as a multiple of the spend (2.0: the value is twice the spend), with the value's
    interval; "not enough data" without spend. Its ``low`` is the conservative claim: "at least
    low x the spend", and below 1 the spend is not shown to be covered."""
    if spend <= 0:
        return Estimate.not_enough(value.engineers, value.prs, value.level, "no AI spend")
    return value.map(lambda v: v / spend)


def assumed_roi(
    users: int,
    spend: float,
    period: Period,
    roi: RoiSettings,
    other_currencies: tuple[str, ...] = (),
) -> RoiFigures:
    """Method 2: ``roi.hours_saved_per_ai_user_per_week`` x AI users x weeks.

    ``users``: the AI users of the period (:func:`aimetrics.metrics.evidence.ai_users`, the
    one definition). No interval (an assumption).
    """
    hours_value = users * roi.hours_saved_per_ai_user_per_week * period.weeks
    hours = Estimate(hours_value, None, None, 0.0, users, 0, note="assumed: no interval")
    inputs = {
        "ai_users": float(users),
        "weeks": period.weeks,
        "hours_saved_per_ai_user_per_week": roi.hours_saved_per_ai_user_per_week,
    }
    return _money_figures(
        ASSUMED,
        ASSUMED_ASSUMPTIONS,
        hours,
        roi.loaded_hourly_cost,
        spend,
        period.days,
        roi.currency,
        other_currencies,
        inputs,
    )
