"""The cost model on small hand-made frames, with hand-computed answers.

A seat costs ``price x 12 / 365`` per day (``DAY`` below is ``12 / 365``), so
e.g. 21 days of 10 seats at $19 is ``210 * 19 * DAY``.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from aimetrics.ids import stable_id
from aimetrics.metrics.cost.lines import in_currency, spend_by_day, spend_by_tool_month, spend_lines
from aimetrics.metrics.cost.seats import (
    config_seat_holders,
    config_seat_plans,
    idle_seat_cost,
    idle_seats,
)
from aimetrics.metrics.cost.spend import ai_spend, cost_summary, spend_total
from aimetrics.metrics.cost.teams import membership_keys, team_cost_kpis, team_spend, with_teams
from aimetrics.metrics.period import Period
from aimetrics.settings import parse_settings
from aimetrics.store import schema as s
from aimetrics.store.types import table_schema

D = dt.date
DAY = 12 / 365
MAR, APR = D(2026, 3, 1), D(2026, 4, 1)
SPRING = Period(MAR, D(2026, 5, 1))  # March and April 2026: 31 + 30 days
UTC = dt.UTC


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def frame(table, rows: list[dict]) -> pl.LazyFrame:  # type: ignore[no-untyped-def]
    schema = table_schema(table)
    full = [{c: r.get(c) for c in schema} for r in rows]
    return pl.DataFrame(full, schema=schema, orient="row").lazy()


def plan(tool: str, name: str, start: dt.date, end: dt.date | None, seats: int, price: float):  # type: ignore[no-untyped-def]
    return {
        "tool_id": tool,
        "plan": name,
        "valid_from": start,
        "valid_to": end,
        "seats": seats,
        "price_per_seat_month": price,
        "currency": "USD",
        "source": "config",
    }


def seat(tool: str, login: str, start: dt.date, end: dt.date | None = None, **more):  # type: ignore[no-untyped-def]
    return {"tool_id": tool, "login": login, "assigned_on": start, "revoked_on": end,
            "plan": "business", "source": "github", **more}  # fmt: skip


def rec(key: str, tool: str, day: dt.date, amount: float, **more):  # type: ignore[no-untyped-def]
    source = key.split(":")[0]
    return {"record_key": key, "source": source, "tool_id": tool, "day": day, "billed": True,
            "amount": amount, "gross_amount": amount, "currency": "USD", **more}  # fmt: skip


# Copilot: 10 seats, 12 from April. Cursor: 5 seats from 11 March to 21 April (exclusive).
# Claude Code: 2 seats from 16 March.
PLANS = frame(
    s.seat_plans,
    [
        plan("github-copilot", "business", D(2026, 1, 1), APR, 10, 19.0),
        plan("github-copilot", "business", APR, None, 12, 19.0),
        plan("cursor", "teams", D(2026, 3, 11), D(2026, 4, 21), 5, 40.0),
        plan("claude-code", "team", D(2026, 3, 16), None, 2, 30.0),
    ],
)
NO_RECORDS = frame(s.cost_records, [])


def by_month(rows: list[tuple]) -> pl.DataFrame:
    """(tool, month, component, basis, amount, gross, sources) rows, in USD."""
    return pl.DataFrame(
        [(t, m, c, b, "USD", a, g, src) for t, m, c, b, a, g, src in rows],
        schema={
            "tool_id": pl.String,
            "month": pl.Date,
            "component": pl.String,
            "basis": pl.String,
            "currency": pl.String,
            "amount": pl.Float64,
            "gross_amount": pl.Float64,
            "sources": pl.List(pl.String),
        },
        orient="row",
    )


# --- seat plans ---------------------------------------------------------------------------


def test_seat_plans_prorated_by_day_with_mid_month_start_and_end() -> None:
    lines = spend_lines(PLANS, NO_RECORDS, SPRING)
    got = spend_by_tool_month(lines).collect()
    expected = by_month(
        [
            ("claude-code", MAR, "seats", "seat_plan", 16 * 2 * 30 * DAY, 16 * 2 * 30 * DAY,
             ["config"]),  # 16 March .. 31 March
            ("claude-code", APR, "seats", "seat_plan", 30 * 2 * 30 * DAY, 30 * 2 * 30 * DAY,
             ["config"]),
            ("cursor", MAR, "seats", "seat_plan", 21 * 5 * 40 * DAY, 21 * 5 * 40 * DAY,
             ["config"]),  # 11 .. 31 March
            ("cursor", APR, "seats", "seat_plan", 20 * 5 * 40 * DAY, 20 * 5 * 40 * DAY,
             ["config"]),  # 1 .. 20 April
            ("github-copilot", MAR, "seats", "seat_plan", 31 * 10 * 19 * DAY,
             31 * 10 * 19 * DAY, ["config"]),
            ("github-copilot", APR, "seats", "seat_plan", 30 * 12 * 19 * DAY,
             30 * 12 * 19 * DAY, ["config"]),
        ]
    )  # fmt: skip
    assert_frame_equal(got, expected)
    # Per day: the April Copilot seats cost 12 x 19 x 12/365 every day.
    daily = spend_by_day(lines).filter(pl.col("tool_id") == "github-copilot").collect()
    assert daily.height == 61
    assert daily.filter(pl.col("day") == D(2026, 4, 30))["amount"].item() == pytest.approx(
        12 * 19 * DAY
    )


def test_a_period_inside_a_month_counts_only_its_days() -> None:
    mid = Period(D(2026, 3, 20), D(2026, 4, 5))  # 12 days of March, 4 of April
    got = spend_by_tool_month(spend_lines(PLANS, NO_RECORDS, mid)).collect()
    amounts = dict(zip(zip(got["tool_id"], got["month"], strict=True), got["amount"], strict=True))
    assert amounts[("github-copilot", MAR)] == pytest.approx(12 * 10 * 19 * DAY)
    assert amounts[("github-copilot", APR)] == pytest.approx(4 * 12 * 19 * DAY)
    assert amounts[("cursor", MAR)] == pytest.approx(12 * 5 * 40 * DAY)


def test_config_seat_plans_and_holders_from_settings() -> None:
    settings = parse_settings(
        """
ai_tools:
  - id: github-copilot
    plans:
      - name: business
        price_per_seat_month: 19
        start: 2026-01-01
        seats: [{from: 2026-01-01, count: 10}, {from: 2026-04-01, count: 12}]
  - id: cursor
    plans:
      - {name: teams, price_per_seat_month: 40, start: 2026-03-11, end: 2026-04-21,
         holders: [ann, ben, cat, dee, eve]}
"""
    )
    plans = config_seat_plans(settings.ai_tools)
    assert_frame_equal(plans, PLANS.filter(pl.col("tool_id") != "claude-code").collect())
    holders = config_seat_holders(settings.ai_tools)
    assert holders.select("tool_id", "login", "assigned_on", "revoked_on", "source").rows() == [
        ("cursor", login, D(2026, 3, 11), D(2026, 4, 21), "config")
        for login in ["ann", "ben", "cat", "dee", "eve"]
    ]


# --- precedence: billed > API seats > seat plans > estimates; one feed per vendor ----------

SEATS = frame(
    s.seat_assignments,
    [
        seat("github-copilot", "alice", D(2026, 2, 15)),  # all of March
        seat("github-copilot", "bob", D(2026, 1, 1), D(2026, 3, 10)),  # 1 .. 9 March
        {**seat("github-copilot", "carol", D(2026, 3, 20)), "plan": "Business"},  # 20 .. 31 March
        {**seat("devin", "dan", D(2026, 3, 1)), "plan": "enterprise"},  # no price: not counted
    ],
)
RECORDS = frame(
    s.cost_records,
    [
        # April's Copilot seat invoice (a seat unit): wins over the API seats and the plan.
        rec("github-billing:usage-detailed:a", "github-copilot", D(2026, 4, 30), 57.0,
            unit="user-months"),
        # April's AI credits, in two exports of the same bill: the larger feed is used.
        rec("github-billing:usage-detailed:b", "github-copilot", D(2026, 4, 2), 5.0,
            gross_amount=9.0, unit="ai-credits"),
        rec("github-billing:ai-credit:c", "github-copilot", D(2026, 4, 2), 4.0,
            gross_amount=9.0, unit="ai-credits"),
        # Claude Code: a billed cost report beats the estimate of the same month ...
        rec("anthropic:claude-code:d", "claude-code", D(2026, 3, 5), 20.0, billed=False),
        rec("anthropic:cost-report:e", "claude-code", D(2026, 3, 5), 30.0),
        # ... and in April only the estimate exists.
        rec("anthropic:claude-code:f", "claude-code", D(2026, 4, 7), 8.0, billed=False),
        rec("generic:csv:g", "cursor", D(2026, 5, 2), 100.0),  # after the period
    ],
)  # fmt: skip


def test_precedence_per_tool_month_and_component() -> None:
    lines = spend_lines(PLANS, RECORDS, SPRING, SEATS)
    got = spend_by_tool_month(lines).collect()
    expected = by_month(
        [
            ("claude-code", MAR, "seats", "seat_plan", 32 * 30 * DAY, 32 * 30 * DAY, ["config"]),
            ("claude-code", MAR, "usage", "billed", 30.0, 30.0, ["anthropic"]),
            ("claude-code", APR, "seats", "seat_plan", 60 * 30 * DAY, 60 * 30 * DAY, ["config"]),
            ("claude-code", APR, "usage", "estimate", 8.0, 8.0, ["anthropic"]),
            ("cursor", MAR, "seats", "seat_plan", 105 * 40 * DAY, 105 * 40 * DAY, ["config"]),
            ("cursor", APR, "seats", "seat_plan", 100 * 40 * DAY, 100 * 40 * DAY, ["config"]),
            # 31 + 9 + 12 seat-days from the API, priced by the "business" plan
            ("github-copilot", MAR, "seats", "api_seats", 52 * 19 * DAY, 52 * 19 * DAY,
             ["github"]),
            ("github-copilot", APR, "seats", "billed", 57.0, 57.0, ["github-billing"]),
            ("github-copilot", APR, "usage", "billed", 5.0, 9.0, ["github-billing"]),
        ]
    )  # fmt: skip
    assert_frame_equal(got, expected)
    # Nothing counted twice: the total is the sum of the figures above, not of every source.
    total = spend_total(lines, "USD").collect()["spend"].item()
    assert total == pytest.approx(expected["amount"].sum())
    assert ai_spend(PLANS, RECORDS, SPRING, SEATS).collect().filter(
        pl.col("tool_id") == "github-copilot"
    ).rows() == [
        ("api_seats", "github", "github-copilot", "USD", pytest.approx(52 * 19 * DAY)),
        ("cost_record", "github-billing", "github-copilot", "USD", 57.0 + 5.0),
    ]


def test_precedence_is_decided_on_the_whole_month() -> None:
    # 1 .. 14 April: the April seat invoice is dated the 30th, outside this period, yet it
    # is April's basis, so neither the API seats nor the plan are counted for these days.
    early = Period(APR, D(2026, 4, 15))
    got = spend_by_tool_month(spend_lines(PLANS, RECORDS, early, SEATS)).collect()
    copilot = got.filter(pl.col("tool_id") == "github-copilot")
    assert copilot.select("component", "basis", "amount").rows() == [("usage", "billed", 5.0)]


def test_api_seats_without_a_price_fall_back_to_the_plan() -> None:
    # Only an unpriced Devin seat from the API: Devin has no plan, so nothing is counted;
    # Copilot has no API seats in this frame, so its plan is used.
    devin = SEATS.filter(pl.col("tool_id") == "devin")
    got = spend_by_tool_month(spend_lines(PLANS, NO_RECORDS, SPRING, devin)).collect()
    assert "devin" not in got["tool_id"].to_list()
    assert set(got.filter(pl.col("tool_id") == "github-copilot")["basis"]) == {"seat_plan"}


def test_currencies_converted_never_mixed() -> None:
    eur = frame(
        s.cost_records,
        [rec("generic:csv:x", "cursor", D(2026, 3, 31), 100.0, currency="EUR")],
    )
    lines = spend_lines(PLANS.filter(pl.col("tool_id") == "claude-code"), eur, SPRING)
    seats = (32 + 60) * 30 * DAY
    without = spend_total(lines, "USD").collect()
    assert without["spend"].item() == pytest.approx(seats)
    assert without["other_currencies"].to_list() == [["EUR"]]  # named, not added
    converted = in_currency(lines, "USD", {"EUR": 1.1}).collect()
    assert converted["currency"].unique().to_list() == ["USD"]
    assert converted["amount"].sum() == pytest.approx(seats + 110.0)


# --- people, teams, AI work ---------------------------------------------------------------

MARCH = Period(MAR, APR)
PEOPLE = pl.LazyFrame(
    {"id": [stable_id(p) for p in ("alice", "bob", "carol", "dave")],
     "login": ["Alice", "bob", "carol", "dave"]}
)  # fmt: skip
MEMBERSHIPS = membership_keys(
    pl.LazyFrame(
        {
            "team_slug": ["platform", "platform", "web", "web"],
            "person_id": [stable_id(p) for p in ("alice", "bob", "bob", "carol")],
            "valid_from": [D(2026, 1, 1), D(2026, 1, 1), D(2026, 3, 16), D(2026, 1, 1)],
            "valid_to": [None, D(2026, 3, 16), None, None],  # bob moves to web on 16 March
        },
        schema_overrides={"valid_to": pl.Date},
    ),
    PEOPLE,
)

# number, author, merged_at, AI tool (None: no marker)
_PRS = [
    (1, "alice", "2026-03-03T10:00:00", "claude-code"),
    (2, "carol", "2026-03-04T10:00:00", "claude-code"),
    (3, "dave", "2026-03-20T10:00:00", "claude-code"),  # no team
    (4, "bob", "2026-03-25T10:00:00", "cursor"),  # in web by then
    (5, "alice", "2026-03-26T10:00:00", None),
]
# The columns the cost metrics read of merged PRs (pr_facts) and activity.
MERGED_WORK_SCHEMA = {
    "repo_id": pl.Int64(),
    "number": pl.Int64(),
    "merged_at": pl.Datetime("us", "UTC"),
    "author_key": pl.String(),
    "is_ai": pl.Boolean(),
    "is_agent": pl.Boolean(),
    "is_ai_reviewed": pl.Boolean(),
    "ai_tool": pl.String(),
    "counted": pl.Boolean(),
    "by_engineer": pl.Boolean(),
}
ACTIVITY_SCHEMA = {"person_key": pl.String(), "at": pl.Datetime("us", "UTC")}
MERGED = pl.LazyFrame(
    {
        "repo_id": [1] * len(_PRS),
        "number": [p[0] for p in _PRS],
        "merged_at": [ts(p[2]) for p in _PRS],
        "author_key": [p[1] for p in _PRS],
        "is_ai": [p[3] is not None for p in _PRS],
        "is_agent": [False] * len(_PRS),
        "is_ai_reviewed": [False] * len(_PRS),
        "ai_tool": [p[3] for p in _PRS],
        "counted": [True] * len(_PRS),
        "by_engineer": [True] * len(_PRS),
    },
    schema=MERGED_WORK_SCHEMA,
)
ACTIVITY = pl.LazyFrame(
    {"person_key": [p[1] for p in _PRS], "at": [ts(p[2]) for p in _PRS]}, schema=ACTIVITY_SCHEMA
)

TEAM_PLANS = frame(
    s.seat_plans,
    [
        plan("github-copilot", "business", D(2026, 1, 1), None, 10, 19.0),
        plan("cursor", "teams", D(2026, 1, 1), None, 2, 40.0),
    ],
)
TEAM_SEATS = frame(
    s.seat_assignments,
    [
        seat("github-copilot", "Alice", D(2026, 1, 1)),
        seat("github-copilot", "bob", D(2026, 1, 1)),
        {**seat("cursor", "carol", D(2026, 1, 1)), "plan": "teams", "source": "config"},
    ],
)
TEAM_RECORDS = frame(
    s.cost_records,
    [
        rec("github-billing:usage-detailed:u", "github-copilot", D(2026, 3, 10), 10.0,
            user_login="alice", unit="ai-credits"),
        rec("generic:csv:t", "claude-code", D(2026, 3, 12), 6.0, team_slug="web"),
        rec("anthropic:cost-report:n", "claude-code", D(2026, 3, 5), 12.0),
        rec("openai:costs:o", "openai-codex", D(2026, 3, 6), 9.0),
    ],
)  # fmt: skip

TEAM_KEYS = ["team_slug", "tool_id", "month", "component", "basis", "allocation", "currency"]


def test_spend_per_team() -> None:
    lines = spend_lines(TEAM_PLANS, TEAM_RECORDS, MARCH, TEAM_SEATS)
    got = team_spend(lines, MEMBERSHIPS, MERGED, MARCH, TEAM_SEATS).collect()
    rows = [
        # Seats follow the holder: alice 31 days in platform; bob 15 in platform, 16 in web.
        ("platform", "github-copilot", "seats", "api_seats", "holder", (31 + 15) * 19 * DAY),
        ("web", "github-copilot", "seats", "api_seats", "holder", 16 * 19 * DAY),
        # A usage record with a user follows the user.
        ("platform", "github-copilot", "usage", "billed", "user", 10.0),
        # The cursor plan has no holder per seat line: shared by the holders' seat-days
        # (carol, web, all month).
        ("web", "cursor", "seats", "seat_plan", "seat_holders", 2 * 31 * 40 * DAY),
        # A record naming its team goes there.
        ("web", "claude-code", "usage", "billed", "source_team", 6.0),
        # Claude Code usage without users: by Claude-Code-active engineers in March:
        # alice (platform), carol (web), dave (no team): a third each.
        ("platform", "claude-code", "usage", "billed", "ai_active_tool", 4.0),
        ("web", "claude-code", "usage", "billed", "ai_active_tool", 4.0),
        (None, "claude-code", "usage", "billed", "ai_active_tool", 4.0),
        # Nobody is Codex-active: by AI-active engineers with any tool: alice (platform),
        # carol and bob (web), dave (no team): 1/4, 2/4, 1/4 of 9.
        ("platform", "openai-codex", "usage", "billed", "ai_active_any_tool", 2.25),
        ("web", "openai-codex", "usage", "billed", "ai_active_any_tool", 4.5),
        (None, "openai-codex", "usage", "billed", "ai_active_any_tool", 2.25),
    ]
    expected = pl.DataFrame(
        [(t, tool, MAR, c, b, a, "USD", amount) for t, tool, c, b, a, amount in rows],
        schema={**dict.fromkeys(TEAM_KEYS, pl.String), "month": pl.Date, "amount": pl.Float64},
        orient="row",
    ).sort(TEAM_KEYS, nulls_last=True)
    assert_frame_equal(got, expected)
    # Team totals add up to the spend: nothing lost, nothing counted twice.
    assert got["amount"].sum() == pytest.approx(lines.collect()["amount"].sum())

    kpis = team_cost_kpis(got.lazy(), MERGED, ACTIVITY, MEMBERSHIPS, MARCH).collect()
    platform = 46 * 19 * DAY + 10.0 + 4.0 + 2.25
    web = 16 * 19 * DAY + 62 * 40 * DAY + 6.0 + 4.0 + 4.5
    expected_kpis = pl.DataFrame(
        {
            "team_slug": ["platform", "web", None],
            "spend": [platform, web, 4.0 + 2.25],
            "active_engineers": [1, 2, 1],  # alice | carol, bob (web on 25 March) | dave
            "merged_prs": [2, 2, 1],
            "ai_prs": [1, 2, 1],
            "spend_per_active_engineer": [platform, web / 2, 6.25],
            "cost_per_merged_pr": [platform / 2, web / 2, 6.25],
            "cost_per_ai_merged_pr": [platform, web / 2, 6.25],
        },
        schema_overrides={"team_slug": pl.String},
    )
    assert_frame_equal(kpis, expected_kpis)


def test_simultaneous_teams_share_money_and_each_count_people() -> None:
    both = membership_keys(
        pl.LazyFrame(
            {"team_slug": ["a", "b"], "person_id": [stable_id("alice")] * 2,
             "valid_from": [D(2026, 1, 1)] * 2, "valid_to": [None, None]},
            schema_overrides={"valid_to": pl.Date},
        ),
        PEOPLE,
    )  # fmt: skip
    rows = pl.LazyFrame({"person_key": ["alice", "zed"], "day": [D(2026, 3, 1)] * 2})
    got = with_teams(rows, both).sort("person_key", "team_slug").collect()
    assert got.rows() == [
        ("alice", D(2026, 3, 1), "a", 0.5),
        ("alice", D(2026, 3, 1), "b", 0.5),
        ("zed", D(2026, 3, 1), None, 1.0),
    ]


def test_cost_summary_per_engineer_and_per_pr() -> None:
    lines = spend_lines(TEAM_PLANS, TEAM_RECORDS, MARCH, TEAM_SEATS)
    spend = 62 * 19 * DAY + 62 * 40 * DAY + 10.0 + 6.0 + 12.0 + 9.0
    got = cost_summary(lines, MERGED, ACTIVITY, MARCH, "USD").collect()
    expected = pl.DataFrame(
        {
            "spend": [spend],
            "gross_amount": [spend],
            "currency": ["USD"],
            "bases": [["api_seats", "billed", "seat_plan"]],
            "other_currencies": [[]],
            "merged_prs": [5],
            "ai_prs": [4],
            "active_engineers": [4],
            "spend_per_active_engineer": [spend / 4],
            "cost_per_merged_pr": [spend / 5],
            "cost_per_ai_merged_pr": [spend / 4],
        },
        schema_overrides={"other_currencies": pl.List(pl.String)},
    )
    assert_frame_equal(got, expected)


# --- idle seats ---------------------------------------------------------------------------

AS_OF = D(2026, 4, 30)  # window: 1 April 00:00 UTC .. 1 May 00:00 UTC
IDLE_SEATS = frame(
    s.seat_assignments,
    [
        seat("github-copilot", "alice", D(2026, 1, 1), last_activity_at=ts("2026-04-20T09:00:00")),
        seat("github-copilot", "bob", D(2026, 1, 1), last_activity_at=ts("2026-03-15T09:00:00")),
        seat("github-copilot", "carol", D(2026, 1, 1)),  # never used
        seat("github-copilot", "dan", D(2026, 1, 1), D(2026, 4, 15)),  # revoked: not held
        {**seat("github-copilot", "alice", D(2026, 1, 1)), "source": "config"},  # duplicate
        {**seat("cursor", "erin", D(2026, 2, 1)), "plan": "teams", "source": "config"},
        seat("github-copilot", "fay", D(2026, 4, 20)),  # assigned 10 days ago, unused yet
        seat("github-copilot", "gus", D(2026, 1, 1)),  # Copilot usage report on 28 April
    ],
)
# Evidence of use besides markers: gus's Copilot usage-report row (completions leave none).
IDLE_EVIDENCE = pl.LazyFrame(
    {"person_key": ["gus"], "day": [D(2026, 4, 28)], "tool_id": ["github-copilot"],
     "source": ["copilot usage"]}
)  # fmt: skip
IDLE_WORK = pl.LazyFrame(
    {
        "repo_id": [1, 1, 1],
        "number": [1, 2, 3],
        "merged_at": [ts("2026-04-10T10:00:00"), ts("2026-04-11T10:00:00"),
                      ts("2026-03-20T10:00:00")],
        "author_key": ["bob", "carol", "erin"],
        "is_ai": [True, True, True],
        "is_agent": [False] * 3,
        "is_ai_reviewed": [False] * 3,
        "ai_tool": ["github-copilot", "cursor", "cursor"],
        "counted": [True] * 3,
        "by_engineer": [True] * 3,
    },
    schema=MERGED_WORK_SCHEMA,
)  # fmt: skip


def test_idle_seats_and_their_monthly_cost() -> None:
    seats = idle_seats(IDLE_SEATS, IDLE_WORK, AS_OF, evidence=IDLE_EVIDENCE)
    got = seats.select(
        "tool_id", "login", "source", "last_ai_work_at", "status", "idle", "days_idle"
    ).collect()
    assert got.rows() == [
        # Her Cursor PR is older than 30 days, and Cursor's configured seats say nothing
        # of use: not called idle for want of a marker.
        ("cursor", "erin", "config", None, "no activity data", False, None),
        ("github-copilot", "alice", "github", None, "active", False, None),  # 20 April
        ("github-copilot", "bob", "github", ts("2026-04-10T10:00:00"), "active", False, None),
        # Her AI PR is Cursor's; assigned 1 January, never used: 119 days.
        ("github-copilot", "carol", "github", None, "idle", True, 119),
        ("github-copilot", "fay", "github", None, "new", False, None),  # 10 days old
        ("github-copilot", "gus", "github", None, "active", False, None),  # usage report
    ]
    prices = frame(
        s.seat_plans,
        [
            plan("github-copilot", "business", D(2026, 1, 1), APR, 10, 19.0),
            plan("github-copilot", "business", APR, None, 12, 21.0),  # the price on 30 April
            plan("cursor", "teams", D(2026, 1, 1), None, 5, 40.0),
        ],
    )
    cost = idle_seat_cost(seats, prices, AS_OF).collect()
    assert cost.select("tool_id", "login", "monthly_cost", "currency").rows() == [
        ("github-copilot", "carol", 21.0, "USD"),
    ]
    per_team = (
        with_teams(cost.lazy().with_columns(pl.lit(AS_OF).alias("day")), MEMBERSHIPS)
        .group_by("team_slug")
        .agg((pl.col("monthly_cost") * pl.col("weight")).sum())
        .sort("team_slug", nulls_last=True)
        .collect()
    )
    assert per_team.rows() == [("web", 21.0)]
