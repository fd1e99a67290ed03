"""Billed over estimated, decided per tool and day (issue 16): API data and file imports
that overlap on some days count each day once and drop none. Hand-made records, answers
by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from aimetrics.metrics.cost.basis import billed_and_estimated
from aimetrics.metrics.cost.lines import spend_lines
from aimetrics.metrics.period import Period
from aimetrics.store import schema as s
from tests.test_cost_model import frame, rec

D = dt.date
JULY = Period(D(2026, 7, 1), D(2026, 8, 1))
NO_PLANS = frame(s.seat_plans, [])


def days(first: int, last: int) -> list[dt.date]:
    return [D(2026, 7, n) for n in range(first, last + 1)]


def daily(feed: str, tool: str, first: int, last: int, amount: float, **more) -> list[dict]:  # type: ignore[type-arg]
    return [rec(f"{feed}:{day}:x", tool, day, amount, **more) for day in days(first, last)]


def counted(records: list[dict], period: Period = JULY) -> list[tuple]:  # type: ignore[type-arg]
    """(day, basis, feed, amount) of every line that counts, by day."""
    lines = spend_lines(NO_PLANS, frame(s.cost_records, records), period).collect()
    return lines.sort("day").select("day", "basis", "feed", "amount").rows()


def test_overlapping_api_file_and_estimates_count_every_day_once() -> None:
    # Cursor, July: a file import billed days 1-10 ($1 a day), the Admin API billed days
    # 5-20 ($0.50 a day: smaller, and still the one that counts where both have the day),
    # and estimates every day ($4).
    records = [
        *daily("cursor:usage-events", "cursor", 1, 10, 1.0),
        *daily("cursor:spend-daily", "cursor", 5, 20, 0.5),
        *daily("generic:csv", "cursor", 1, 31, 4.0, billed=False),
    ]
    got = counted(records)
    assert [row[0] for row in got] == days(1, 31)  # every day, once
    assert got == [
        *((day, "billed", "cursor:usage-events", 1.0) for day in days(1, 4)),
        *((day, "billed", "cursor:spend-daily", 0.5) for day in days(5, 20)),
        *((day, "estimate", "generic:csv", 4.0) for day in days(21, 31)),
    ]
    total = billed_and_estimated(
        spend_lines(NO_PLANS, frame(s.cost_records, records), JULY), "USD"
    ).collect()
    assert total.row(0, named=True)["spend_billed"] == pytest.approx(4 * 1.0 + 16 * 0.5)
    assert total.row(0, named=True)["spend_estimated"] == pytest.approx(11 * 4.0)
    # Part of the month: the same choice, cut to the period's days.
    mid = Period(D(2026, 7, 3), D(2026, 7, 7))
    assert [row[2] for row in counted(records, mid)] == [
        "cursor:usage-events", "cursor:usage-events", "cursor:spend-daily", "cursor:spend-daily",
    ]  # fmt: skip


def test_two_reports_of_one_vendor_are_compared_day_by_day() -> None:
    # GitHub's usage report and its AI-credit report describe the same charges: on a day
    # both list, the larger counts; a day only one lists still counts (per month, the
    # AI-credit report would have dropped the 4th).
    records = [
        rec("github-billing:usage:3:a", "github-copilot", D(2026, 7, 3), 5.0),
        rec("github-billing:ai-credit:3:b", "github-copilot", D(2026, 7, 3), 7.0),
        rec("github-billing:usage:4:a", "github-copilot", D(2026, 7, 4), 5.0),
    ]
    assert counted(records) == [
        (D(2026, 7, 3), "billed", "github-billing:ai-credit", 7.0),
        (D(2026, 7, 4), "billed", "github-billing:usage", 5.0),
    ]


def test_a_record_for_the_whole_cycle_competes_with_its_month() -> None:
    # Cursor's /teams/spend snapshot from a file, dated on the cycle's first day, stands
    # for the month: billed, it replaces every estimate of July, not just the 1st's.
    snapshot = rec("cursor:spend:1:s", "cursor", D(2026, 7, 1), 100.0)
    estimates = daily("generic:csv", "cursor", 1, 31, 4.0, billed=False)
    assert counted([snapshot, *estimates]) == [(D(2026, 7, 1), "billed", "cursor:spend", 100.0)]
    # The Admin API's daily spend of the same cycle counts instead of the snapshot (the
    # API's over a file's), so the cycle is not counted twice.
    api = daily("cursor:spend-daily", "cursor", 1, 31, 3.0)
    got = counted([snapshot, *api, *estimates])
    assert {row[2] for row in got} == {"cursor:spend-daily"}
    assert [row[0] for row in got] == days(1, 31)


def test_seat_licences_stay_monthly() -> None:
    # A seat invoice dated the 31st is July's seat bill: an estimated seat record of the
    # 2nd is not added to it (seats are decided per month, as before).
    records = [
        rec("generic:csv:31:i", "cursor", D(2026, 7, 31), 200.0, unit="seat-months"),
        rec("generic:csv:2:e", "cursor", D(2026, 7, 2), 40.0, unit="seats", billed=False),
    ]
    assert counted(records) == [(D(2026, 7, 31), "billed", "generic:csv", 200.0)]


def test_one_feeds_people_count_together_whatever_their_basis() -> None:
    # Cursor's spend snapshots, 3 July: Alice's overage is billed ($2), Bob's snapshot has no
    # includedSpendCents so his spend is an estimate ($5); both are spend, of two people. A
    # file's estimate of the same day (no person) still gives way to the billed lines.
    records = [
        rec("cursor:spend-daily:3:a", "cursor", D(2026, 7, 3), 2.0, user_login="alice@x.io"),
        rec("cursor:spend-daily:3:b", "cursor", D(2026, 7, 3), 5.0, user_login="bob@x.io",
            billed=False),
        rec("generic:csv:3:e", "cursor", D(2026, 7, 3), 9.0, billed=False),
    ]  # fmt: skip
    assert sorted(counted(records)) == [
        (D(2026, 7, 3), "billed", "cursor:spend-daily", 2.0),
        (D(2026, 7, 3), "estimate", "cursor:spend-daily", 5.0),
    ]
