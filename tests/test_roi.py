"""ROI, both methods, on hand-made inputs with hand-computed answers."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
import pytest

from aimetrics.figures.cost import RoiParts, roi
from aimetrics.metrics.cost.lines import spend_lines
from aimetrics.metrics.cost.spend import spend_total
from aimetrics.metrics.period import Period
from aimetrics.metrics.roi import (
    ASSUMED,
    MEASURED,
    assumed_roi,
    measured_roi,
    post_adoption_prs,
    rates_into,
)
from aimetrics.metrics.stats import NOT_ENOUGH_DATA, Estimate
from aimetrics.metrics.uplift import SEAT, Uplift
from aimetrics.settings import RoiSettings

UTC = dt.UTC
PERIOD = Period(dt.date(2025, 3, 1), dt.date(2025, 3, 31))  # 30 days
ROI = RoiSettings(loaded_hourly_cost=100, hours_per_week=40, hours_saved_per_ai_user_per_week=2)


def uplift(ratio: float | None, baseline: float | None, replicates: int = 200) -> Uplift:
    """An uplift result as :func:`throughput_uplift` would give it, with constant replicates."""
    if ratio is None:
        est = Estimate.not_enough(5, 100, 0.9, "needs at least 8 adopting engineers")
    else:
        est = Estimate(ratio, ratio, ratio, 0.9, engineers=40, prs=4000)
    return Uplift(
        estimate=est,
        treated_engineers=25,
        comparison_engineers=15,
        cohorts=3,
        basis={SEAT: 25, "first AI change": 0},
        observed_prs=1000.0,
        expected_prs=800.0,
        baseline_rate=baseline,
        replicates=np.full(replicates, ratio if ratio else np.nan),
        baseline_replicates=np.full(replicates, baseline if baseline else np.nan),
    )


def test_measured_roi_hand_computed() -> None:
    # 100 PRs after adoption at 1.25x: 100 x (1 - 1/1.25) = 20 extra PRs; at the baseline
    # of 2 PRs per 40-hour week a PR took 20 hours: 400 hours, $40,000. Spend $10,000:
    # ROI (40,000 - 10,000) / 10,000 = 3; the spend is earned back in 10,000 / (40,000 / 30 d).
    got = measured_roi(uplift(1.25, 2.0), post_prs=100, spend=10_000.0, period=PERIOD, roi=ROI)
    assert got.method == MEASURED and len(got.assumptions) >= 3
    assert got.hours.value == pytest.approx(400.0)
    assert got.value.value == pytest.approx(40_000.0)
    assert got.roi.value == pytest.approx(3.0)
    assert got.payback_days.value == pytest.approx(7.5)
    assert (got.hours.low, got.hours.high) == pytest.approx((400.0, 400.0))
    assert got.inputs["extra_prs"] == pytest.approx(20.0)
    assert (got.spend, got.currency) == (10_000.0, "USD")


def test_measured_roi_interval_follows_the_replicates() -> None:
    u = uplift(1.25, 2.0, replicates=0)
    ratios = np.linspace(1.1, 1.4, 301)
    u = Uplift(
        **{**u.__dict__, "replicates": ratios, "baseline_replicates": np.full(301, 2.0)},
    )
    got = measured_roi(u, post_prs=100, spend=10_000.0, period=PERIOD, roi=ROI)
    hours = 100 * (1 - 1 / ratios) * 40 / 2.0
    assert got.hours.low == pytest.approx(np.quantile(hours, 0.05))
    assert got.hours.high == pytest.approx(np.quantile(hours, 0.95))
    assert got.value.low == pytest.approx(got.hours.low * 100)  # type: ignore[operator]
    assert got.roi.low == pytest.approx((got.value.low - 10_000) / 10_000)  # type: ignore[operator]
    # Payback falls as value rises: its low end comes from the value's high end.
    assert got.payback_days.low == pytest.approx(10_000 * 30 / got.value.high)  # type: ignore[operator]
    assert got.payback_days.low < got.payback_days.value < got.payback_days.high  # type: ignore[operator]


def test_measured_roi_not_enough_data_is_never_a_number() -> None:
    got = measured_roi(uplift(None, None), post_prs=100, spend=10_000.0, period=PERIOD, roi=ROI)
    for figure in (got.hours, got.value, got.roi, got.payback_days):
        assert figure.status == NOT_ENOUGH_DATA
        assert (figure.value, figure.low, figure.high) == (None, None, None)


def test_measured_roi_without_gain_never_pays_back() -> None:
    got = measured_roi(uplift(0.9, 2.0), post_prs=90, spend=1_000.0, period=PERIOD, roi=ROI)
    assert got.hours.value == pytest.approx(90 * (1 - 1 / 0.9) * 20)  # negative: -200 h
    assert got.roi.value == pytest.approx((-20_000 - 1_000) / 1_000)
    assert math.isinf(got.payback_days.value)  # type: ignore[arg-type]


def test_assumed_roi_hand_computed() -> None:
    # 10 AI users x 2 h x 30/7 weeks = 85.71 h = $8,571.43 against $1,000.
    got = assumed_roi(10, spend=1_000.0, period=PERIOD, roi=ROI)
    hours = 10 * 2 * 30 / 7
    assert got.method == ASSUMED
    assert got.hours.value == pytest.approx(hours)
    assert (got.hours.low, got.hours.high) == (None, None)
    assert got.value.value == pytest.approx(hours * 100)
    assert got.roi.value == pytest.approx((hours * 100 - 1_000) / 1_000)
    assert got.payback_days.value == pytest.approx(1_000 * 30 / (hours * 100))
    assert got.inputs["ai_users"] == 10


def test_no_spend_has_no_roi() -> None:
    got = assumed_roi(3, spend=0.0, period=PERIOD, roi=ROI)
    assert got.roi.status == NOT_ENOUGH_DATA and got.roi.value is None
    assert got.payback_days.value == 0.0


def test_rates_into_another_currency() -> None:
    # Reporting in USD with 1 EUR = 1.1 USD and 1 GBP = 1.3 USD; ROI in EUR.
    assert rates_into("USD", "USD", {"EUR": 1.1}) == {"EUR": 1.1}
    rebased = rates_into("EUR", "USD", {"EUR": 1.1, "GBP": 1.3})
    assert rebased == pytest.approx({"USD": 1 / 1.1, "GBP": 1.3 / 1.1})
    assert rates_into("CHF", "USD", {"EUR": 1.1}) == {}


# --- the pieces that read the frames ---------------------------------------------------


def _ts(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2025, 3, day, hour, tzinfo=UTC)


MERGED = pl.DataFrame(
    {
        "repo_id": [1] * 6,
        "number": [1, 2, 3, 4, 5, 6],
        "merged_at": [_ts(3), _ts(5), _ts(10), _ts(12), _ts(20), _ts(20) - dt.timedelta(days=28)],
        "author_key": ["ann", "ann", "ann", "bob", "copilot", "bob"],
        "is_ai": [False, True, True, False, True, True],
        "counted": [True] * 6,
        "by_engineer": [True, True, True, True, False, True],
    }
)
ADOPTION = pl.DataFrame(
    {
        "person_key": ["ann", "bob"],
        "adopted_on": [dt.date(2025, 3, 5), dt.date(2025, 2, 1)],
        "basis": [SEAT, SEAT],
    }
)
SEATS = pl.DataFrame(
    {
        "tool_id": ["github-copilot", "github-copilot", "cursor"],
        "login": ["Cid", "dan", "ann"],
        "assigned_on": [dt.date(2025, 1, 1)] * 3,
        "revoked_on": [None, None, None],
        "plan": ["business", "business", "business"],
        "last_activity_at": [_ts(7), dt.datetime(2025, 2, 1, tzinfo=UTC), _ts(8)],
        "source": ["config"] * 3,
    },
    schema_overrides={"revoked_on": pl.Date},
)
SEAT_PLANS = pl.DataFrame(
    {
        "tool_id": ["github-copilot"],
        "plan": ["business"],
        "valid_from": [dt.date(2025, 1, 1)],
        "valid_to": [None],
        "seats": [10],
        "price_per_seat_month": [19.0],
        "currency": ["USD"],
        "source": ["config"],
    },
    schema_overrides={"valid_to": pl.Date},
)
COST_RECORDS = pl.DataFrame(
    {
        "record_key": ["anthropic:costs:1", "anthropic:costs:2"],
        "source": ["anthropic", "anthropic"],
        "tool_id": ["claude-code", "claude-code"],
        "day": [dt.date(2025, 3, 10), dt.date(2025, 3, 11)],
        "billed": [True, True],
        "amount": [50.0, 40.0],
        "gross_amount": [50.0, 40.0],
        "currency": ["USD", "EUR"],
        "quantity": [None, None],
        "unit": [None, None],
        "user_login": [None, None],
        "team_slug": [None, None],
    },
    schema_overrides={"quantity": pl.Float64, "unit": pl.String, "user_login": pl.String,
                      "team_slug": pl.String},
)  # fmt: skip


def test_post_adoption_prs() -> None:
    # Ann from March 5 (PRs 2, 3), Bob since February (PR 4; PR 6 is before the period).
    assert post_adoption_prs(MERGED.lazy(), ADOPTION.lazy(), PERIOD) == 3


def period_spend(
    currency: str, rates: dict[str, float] | None = None
) -> tuple[float, tuple[str, ...]]:
    """The period's spend in ``currency`` as the figures compute it (``spend_lines``,
    ``spend_total``), and the currencies left out for want of a rate."""
    lines = spend_lines(SEAT_PLANS.lazy(), COST_RECORDS.lazy(), PERIOD)
    row = spend_total(lines, currency, rates).collect().row(0, named=True)
    return row["spend"], tuple(row["other_currencies"])


def test_period_spend_in_the_roi_currency() -> None:
    seats = 10 * 19.0 * 30 / (365 / 12)
    spend, other = period_spend("USD")
    assert spend == pytest.approx(seats + 50.0) and other == ("EUR",)
    spend, other = period_spend("USD", {"EUR": 1.1})
    assert spend == pytest.approx(seats + 50.0 + 44.0) and other == ()


def test_side_by_side() -> None:
    spend, other = period_spend(ROI.currency, rates_into(ROI.currency, "USD", {"EUR": 1.1}))
    parts = RoiParts(
        period=PERIOD,
        spend=spend,
        other_currencies=other,
        post_adoption_prs=post_adoption_prs(MERGED.lazy(), ADOPTION.lazy(), PERIOD),
        # Ann (AI PRs) and Cid (seat active in the period): the AI users, counted by
        # aimetrics.figures.ai_users (tested in test_evidence).
        ai_users=2,
    )
    got = roi(parts, uplift(1.25, 2.0), ROI)
    assert got is not None
    spend = 10 * 19.0 * 30 / (365 / 12) + 50.0 + 44.0
    assert got.measured.spend == got.assumed.spend == pytest.approx(spend)
    assert got.measured.hours.value == pytest.approx(3 * (1 - 1 / 1.25) * 40 / 2.0)
    assert got.assumed.hours.value == pytest.approx(2 * 2 * 30 / 7)
    # Capacity: 3 x (1 - 1/1.25) extra PRs / (2 PRs per engineer-week x 30/7 weeks).
    assert got.capacity is not None
    assert got.capacity.value == pytest.approx(3 * (1 - 1 / 1.25) / (2.0 * 30 / 7))
    # Value for spend: the measured value over the spend, its interval the value's.
    assert got.value_per_spend.value == pytest.approx(got.measured.value.value / spend)
