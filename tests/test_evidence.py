"""The evidence model and the AI-user definition, on hand-made rows with hand-computed answers."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import polars as pl
import pytest

from aimetrics.metrics.evidence import (
    COPILOT_USAGE,
    MARKER,
    SEAT_ACTIVITY,
    UNSPECIFIED,
    VENDOR_USAGE,
    ai_user_weeks,
    ai_users,
    copilot_evidence,
    evidence,
    marker_evidence,
    seat_evidence,
    tool_weights,
    vendor_evidence,
)
from aimetrics.metrics.period import Period

DIRECTORY = pl.LazyFrame(
    {"kind": ["login", "login", "email"], "value": ["ann", "bob", "cy@x.io"],
     "person_key": ["p-ann", "p-bob", "p-cy"]}
)  # fmt: skip


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def activity() -> pl.LazyFrame:
    # ann: marked PR (claude) on Mon 2 March and an unmarked commit; bob: unmarked work only;
    # cy: a marked commit without a known tool; dan: unmarked work, no evidence at all.
    return pl.LazyFrame(
        {
            "person_key": ["p-ann", "p-ann", "p-bob", "p-cy", "p-dan"],
            "at": [at(2), at(3), at(4), at(10), at(5)],
            "is_ai": [True, False, False, True, False],
            "ai_tool": ["claude-code", None, None, None, None],
        }
    )


def usage_row(login: str, day: date, **record: object) -> dict[str, object]:
    return {"scope": "user", "owner": "acme", "day": day, "user_login": login,
            "record": json.dumps(record)}  # fmt: skip


def copilot_usage() -> pl.LazyFrame:
    rows = [
        usage_row("Bob", date(2026, 3, 3), user_initiated_interaction_count=0,
                  code_acceptance_activity_count=4),  # accepted suggestions: use
        usage_row("bob", date(2026, 3, 11), code_generation_activity_count=9,
                  code_acceptance_activity_count=0),  # shown, none accepted: not use
        usage_row("ann", date(2026, 3, 3), used_chat=True),  # chat: use
        usage_row("eve", date(2026, 3, 4), used_copilot_code_review_passive=True),  # not use
        {"scope": "organization", "owner": "acme", "day": date(2026, 3, 3), "user_login": "",
         "record": json.dumps({"code_acceptance_activity_count": 50})},  # aggregate row
    ]  # fmt: skip
    return pl.LazyFrame(rows)


def test_copilot_rows_count_only_real_use() -> None:
    got = copilot_evidence(copilot_usage(), DIRECTORY).collect()
    assert got.rows() == [
        ("p-bob", date(2026, 3, 3), "github-copilot", COPILOT_USAGE),
        ("p-ann", date(2026, 3, 3), "github-copilot", COPILOT_USAGE),
    ]


def test_markers_seats_and_vendor_rows() -> None:
    marks = marker_evidence(activity()).collect()
    assert marks.rows() == [
        ("p-ann", date(2026, 3, 2), "claude-code", MARKER),
        ("p-cy", date(2026, 3, 10), UNSPECIFIED, MARKER),
    ]
    seats = pl.LazyFrame(
        {"tool_id": ["copilot", "copilot"], "login": ["DAN", "fay"],
         "last_activity_at": [at(9, 23), None]}
    )  # fmt: skip
    # In Berlin 23:00 UTC is already the next day; a seat never used adds nothing.
    assert seat_evidence(seats, DIRECTORY, tz="Europe/Berlin").collect().rows() == [
        ("dan", date(2026, 3, 10), "copilot", SEAT_ACTIVITY)
    ]
    costs = pl.LazyFrame(
        {"tool_id": ["cursor", "cursor", "cursor"], "day": [date(2026, 3, 5)] * 3,
         "user_login": ["bob", None, "bob"], "quantity": [12.0, 99.0, 0.0],
         "amount": [0.0, 5.0, 0.0]}
    )  # fmt: skip
    assert vendor_evidence(costs, DIRECTORY).collect().rows() == [
        ("p-bob", date(2026, 3, 5), "cursor", VENDOR_USAGE)
    ]


def all_evidence() -> pl.LazyFrame:
    costs = pl.LazyFrame(
        {"tool_id": ["cursor"], "day": [date(2026, 3, 5)], "user_login": ["bob"],
         "quantity": [3.0], "amount": [1.0]}
    )  # fmt: skip
    return evidence(
        marker_evidence(activity()),
        copilot_evidence(copilot_usage(), DIRECTORY),
        vendor_evidence(costs, DIRECTORY),
    )


def test_ai_user_weeks_and_tool_weights_by_hand() -> None:
    weeks = ai_user_weeks(all_evidence()).collect()
    assert weeks.select("person_key", "week", "tools", "days").rows() == [
        ("p-ann", date(2026, 3, 2), ["claude-code", "github-copilot"], 2),
        ("p-bob", date(2026, 3, 2), ["cursor", "github-copilot"], 2),
        ("p-cy", date(2026, 3, 9), [UNSPECIFIED], 1),
    ]
    # ann: 1/2 claude-code + 1/2 copilot; bob: 1/2 copilot + 1/2 cursor; cy: 1 unspecified.
    w = tool_weights(ai_user_weeks(all_evidence())).collect()
    assert dict(zip(w["tool_id"], w["user_weeks"], strict=True)) == {
        "claude-code": 0.5, "github-copilot": 1.0, "cursor": 0.5, UNSPECIFIED: 1.0,
    }  # fmt: skip
    assert w["weight"].sum() == pytest.approx(1.0)
    assert dict(zip(w["tool_id"], w["weight"], strict=True))["github-copilot"] == pytest.approx(
        1 / 3
    )


def test_ai_users_count_use_without_markers() -> None:
    period = Period(date(2026, 3, 1), date(2026, 3, 15))
    got = ai_users(all_evidence(), activity(), period).collect()
    assert got.rows() == [
        ("p-ann", True, True, False),
        ("p-bob", True, False, True),  # Copilot and Cursor use, no marker on the work
        ("p-cy", True, True, False),
        ("p-dan", False, False, False),  # active, no evidence
    ]
    # eve's passive review and a seat holder who did nothing in the period are not users,
    # and someone with evidence who merged nothing is not in the denominator either.
    first_week = Period(date(2026, 3, 1), date(2026, 3, 8))
    got = ai_users(all_evidence(), activity(), first_week).collect()
    assert got.filter("ai_user")["person_key"].to_list() == ["p-ann", "p-bob"]
    assert got.height == 3  # cy's only activity is on 10 March
