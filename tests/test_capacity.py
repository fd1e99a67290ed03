"""Capacity in engineer-equivalents and value as a multiple of spend, computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from aimetrics.metrics.roi import capacity_engineer_equivalents, measured_roi, value_per_spend
from aimetrics.metrics.stats import NOT_ENOUGH_DATA
from aimetrics.metrics.uplift import Uplift
from tests.test_roi import PERIOD, ROI, uplift


def test_capacity_hand_computed() -> None:
    # 100 PRs after adoption at 1.25x: 20 extra PRs. At the baseline of 2 PRs per engineer-week
    # over the period's 30/7 weeks an engineer merges 8.571 PRs: 20 / 8.571 = 2.333 engineers.
    got = capacity_engineer_equivalents(uplift(1.25, 2.0), post_prs=100, period=PERIOD)
    assert got.value == pytest.approx(20 / (2.0 * 30 / 7))
    assert (got.low, got.high) == pytest.approx((got.value, got.value))
    # The same figure as the measured hours over an engineer's hours in the period.
    hours = measured_roi(uplift(1.25, 2.0), 100, 10_000.0, PERIOD, ROI).hours.value
    assert got.value == pytest.approx(hours / (ROI.hours_per_week * 30 / 7))


def test_capacity_interval_follows_the_replicates() -> None:
    ratios = np.linspace(1.1, 1.4, 301)
    u = uplift(1.25, 2.0, replicates=0)
    u = Uplift(**{**u.__dict__, "replicates": ratios, "baseline_replicates": np.full(301, 2.0)})
    got = capacity_engineer_equivalents(u, post_prs=100, period=PERIOD)
    ee = 100 * (1 - 1 / ratios) / (2.0 * 30 / 7)
    assert (got.low, got.high) == pytest.approx((np.quantile(ee, 0.05), np.quantile(ee, 0.95)))


def test_capacity_and_cover_not_enough_data() -> None:
    got = capacity_engineer_equivalents(uplift(None, None), post_prs=100, period=PERIOD)
    assert got.status == NOT_ENOUGH_DATA and got.value is None


def test_value_per_spend_quotes_the_conservative_end() -> None:
    value = measured_roi(uplift(1.25, 2.0), 100, 10_000.0, PERIOD, ROI).value  # $40,000
    cover = value_per_spend(value, 10_000.0)
    assert cover.value == pytest.approx(4.0)
    assert value_per_spend(value, 0.0).status == NOT_ENOUGH_DATA
