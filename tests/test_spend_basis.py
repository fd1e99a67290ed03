"""Billed vs estimated spend, the monthly run rate and whole-month bars, computed by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from aimetrics.metrics.cost.basis import billed_and_estimated, month_span, run_rate, whole_months
from aimetrics.metrics.cost.lines import spend_lines
from aimetrics.metrics.period import Period
from aimetrics.store import schema as s
from tests.test_cost_model import frame, plan, rec

D = dt.date
PLANS = frame(s.seat_plans, [plan("github-copilot", "business", D(2026, 1, 1), None, 10, 19.0)])
RECORDS = frame(
    s.cost_records,
    [
        rec("anthropic:cost-report:a", "claude-code", D(2026, 3, 5), 30.0),  # billed usage
        rec("anthropic:claude-code:b", "claude-code", D(2026, 4, 7), 8.0, billed=False),
    ],
)
SPRING = Period(D(2026, 3, 1), D(2026, 5, 1))  # 61 days
SEAT_DAY = 19.0 * 12 / 365  # a seat's price per day


def test_billed_and_estimated_add_up_to_the_spend() -> None:
    row = (
        billed_and_estimated(spend_lines(PLANS, RECORDS, SPRING), "USD")
        .collect()
        .row(0, named=True)
    )
    seats = 10 * 61 * SEAT_DAY  # 381.04: the configured plan, an estimate
    assert row["spend"] == pytest.approx(seats + 30 + 8)
    assert row["spend_billed"] == pytest.approx(30.0)
    assert row["spend_estimated"] == pytest.approx(seats + 8)
    assert row["spend_estimated_seats"] == pytest.approx(seats)
    assert row["spend_estimated_usage"] == pytest.approx(8.0)


def test_run_rate_is_todays_seats_plus_the_last_30_days_of_usage() -> None:
    rate = run_rate(PLANS, RECORDS, D(2026, 4, 30), "USD")
    assert rate.seats_monthly == pytest.approx(190.0)  # 10 seats x 19 a month
    assert rate.usage_30_days == pytest.approx(8.0)  # 1..30 April; March's bill is older
    assert rate.monthly == pytest.approx(198.0)
    assert run_rate(PLANS, RECORDS, D(2026, 3, 31), "USD").usage_30_days == pytest.approx(30.0)


def test_month_bars_are_whole_with_the_in_period_part_marked() -> None:
    period = Period(D(2026, 3, 20), D(2026, 4, 5))
    span = month_span(period)
    assert (span.start, span.end) == (D(2026, 3, 1), D(2026, 5, 1))
    assert month_span(Period(D(2026, 12, 3), D(2026, 12, 8))).end == D(2027, 1, 1)
    bars = whole_months(spend_lines(PLANS, RECORDS, span), period).collect()
    got = {(r["tool_id"], r["month"]): r for r in bars.iter_rows(named=True)}
    march = got[("github-copilot", D(2026, 3, 1))]
    assert march["amount"] == pytest.approx(10 * 31 * SEAT_DAY)
    assert march["in_period"] == pytest.approx(10 * 12 * SEAT_DAY)  # 20..31 March
    assert got[("github-copilot", D(2026, 4, 1))]["in_period"] == pytest.approx(10 * 4 * SEAT_DAY)
    # The whole March bill of Claude Code is drawn, none of it inside the period.
    assert got[("claude-code", D(2026, 3, 1))]["amount"] == pytest.approx(30.0)
    assert got[("claude-code", D(2026, 3, 1))]["in_period"] == 0.0
    assert bars["partial"].all()
