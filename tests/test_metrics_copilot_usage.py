"""Copilot usage figures (aimetrics.metrics.copilot_usage) against hand-computed values.

The rows are what the GitHub collector stores (``collectors.github.copilot.usage_rows``):
aggregate rows (``user_login`` '') whose record is the report's ``day_totals`` element,
and per-user rows (scope ``user``) whose record is the users report's line.
"""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from aimetrics.metrics.copilot_usage import (
    breakdown_rows,
    daily_usage,
    usage_by,
    usage_by_user,
    usage_figures,
    usage_people,
    usage_records,
    weekly_usage,
)
from aimetrics.metrics.period import Period
from aimetrics.store import schema as s
from aimetrics.store.types import table_schema
from collectors.github.copilot import Owner, usage_rows

D1, D2, D3 = dt.date(2025, 11, 3), dt.date(2025, 11, 4), dt.date(2025, 11, 10)  # Mon, Tue, Mon
PERIOD = Period(dt.date(2025, 11, 3), dt.date(2025, 11, 17))  # two weeks


def counters(prompts: int, suggested: int, accepted: int, loc_s: int, loc_a: int) -> dict:
    return {
        "user_initiated_interaction_count": prompts,
        "code_generation_activity_count": suggested,
        "code_acceptance_activity_count": accepted,
        "loc_suggested_to_add_sum": loc_s,
        "loc_added_sum": loc_a,
    }


def user(day: dt.date, login: str, ide: str, lang: str, *c: int) -> dict:
    return {
        "day": day.isoformat(),
        "user_id": hash(login) % 1000,
        "user_login": login,
        **counters(*c),
        "totals_by_ide": [{"ide": ide, **counters(*c)}],
        "totals_by_feature": [{"feature": "code_completion", **counters(*c)}],
        "totals_by_language_feature": [
            {"language": lang, "feature": "code_completion", **counters(*c)}
        ],
        "used_chat": c[0] > 0,  # an unknown field: ignored
    }


def aggregate(day: dt.date, dau: int, *c: int) -> dict:
    return {"day": day.isoformat(), "daily_active_users": dau, "monthly_active_users": 9,
            **counters(*c)}  # fmt: skip


def stored() -> pl.DataFrame:
    """Rows as collect_copilot writes them: two orgs and their enterprise, and users."""
    org_a, org_b, ent = (
        Owner("organization", "a"),
        Owner("organization", "b"),
        Owner("enterprise", "e"),
    )
    rows = usage_rows(
        org_a,
        "organization",
        [{"day_totals": [aggregate(D1, 2, 1, 10, 4, 20, 8), aggregate(D3, 4, 2, 40, 10, 80, 30)]}],
    )
    rows += usage_rows(
        org_b, "organization", [{"day_totals": [aggregate(D3, 3, 0, 20, 5, 40, 10)]}]
    )
    rows += usage_rows(ent, "enterprise", [{"day_totals": [aggregate(D1, 5, 9, 99, 9, 99, 9)]}])
    rows += usage_rows(org_a, "users", [
        user(D2, "Alice", "vscode", "python", 3, 20, 10, 40, 25),
        user(D2, "bob", "vscode", "go", 0, 10, 0, 20, 0),  # active, not engaged
        user(D2, "carol", "neovim", "python", 1, 10, 2, 10, 4),
    ])  # fmt: skip
    return pl.DataFrame(rows, schema=table_schema(s.copilot_usage), orient="row")


@pytest.fixture
def records() -> pl.LazyFrame:
    return usage_records(stored().lazy())


def test_daily_usage_users_first_then_the_organization_report(records: pl.LazyFrame) -> None:
    daily = daily_usage(records).collect()
    # D1: no per-user row -> the enterprise's report (preferred over its organizations);
    # D2: the per-user rows (3 active, alice and carol engaged); D3: organizations a + b.
    expected = pl.DataFrame(
        {
            "day": [D1, D2, D3],
            "active_users": [5, 3, 7],
            "engaged_users": [None, 2, None],
            "interactions": [9, 4, 2],
            "suggestions": [99, 40, 60],
            "acceptances": [9, 12, 15],
            "lines_suggested": [99, 70, 120],
            "lines_accepted": [9, 29, 40],
        },
        schema_overrides={"day": pl.Date},
    )
    assert_frame_equal(daily, expected, check_dtypes=False)
    # A team filter: per-user rows only (the organization report cannot be split by team).
    assert daily_usage(records, users_only=True).collect()["day"].to_list() == [D2]


def test_period_and_weekly_figures(records: pl.LazyFrame) -> None:
    daily = daily_usage(records)
    row = usage_figures(daily, PERIOD).collect().row(0, named=True)
    assert row["days"] == 3
    assert row["active_users"] == pytest.approx((5 + 3 + 7) / 3)
    assert row["engaged_users"] == 2  # the mean over days that have it
    assert (row["suggestions"], row["acceptances"]) == (199, 36)
    assert row["acceptance_rate"] == pytest.approx(36 / 199)
    assert (row["lines_suggested"], row["lines_accepted"]) == (289, 78)
    weekly = weekly_usage(daily, PERIOD).collect()
    assert weekly["week_start"].to_list() == [D1, D3]
    assert weekly["days"].to_list() == [2, 1]
    assert weekly["active_users"].to_list() == [4.0, 7.0]
    assert weekly["acceptance_rate"].to_list() == pytest.approx([21 / 139, 15 / 60])
    # Nothing reported in a period: zero days, undefined figures.
    empty = usage_figures(daily, Period(dt.date(2024, 1, 1), dt.date(2024, 2, 1))).collect()
    assert empty.row(0, named=True)["days"] == 0
    assert empty["acceptance_rate"][0] is None


def test_breakdowns_and_users(records: pl.LazyFrame) -> None:
    by_editor = usage_by(breakdown_rows(records, "editor"), PERIOD).collect()
    assert by_editor.select("group", "users", "suggestions", "acceptances").rows() == [
        ("vscode", 2, 30, 10),
        ("neovim", 1, 10, 2),
    ]
    by_language = usage_by(breakdown_rows(records, "language"), PERIOD).collect()
    assert dict(by_language.select("group", "lines_accepted").iter_rows()) == {
        "python": 29,
        "go": 0,
    }
    users = usage_by_user(records, PERIOD).collect()
    assert users["login"].to_list() == ["alice", "bob", "carol"]  # lower-cased
    assert users.row(0, named=True)["acceptance_rate"] == 0.5


def test_people_behind_the_figures(records: pl.LazyFrame) -> None:
    assert usage_people(records, PERIOD) == 3  # distinct per-user logins
    only_aggregates = usage_records(stored().filter(pl.col("scope") != "user").lazy())
    assert usage_people(only_aggregates, PERIOD) == 9  # the largest monthly active users
    assert usage_people(only_aggregates, PERIOD, users_only=True) == 0


def test_the_stored_record_is_the_source(records: pl.LazyFrame) -> None:
    """The figures come from the report's own fields in ``record`` (unknown ones ignored)."""
    raw = stored().filter(pl.col("user_login") == "Alice")["record"][0]
    assert json.loads(raw)["used_chat"] is True
    alice = records.filter(pl.col("login") == "alice").collect().row(0, named=True)
    assert (alice["suggestions"], alice["acceptances"], alice["lines_accepted"]) == (20, 10, 25)
