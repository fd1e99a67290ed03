"""`aimetrics collect cursor` against the fake Cursor APIs (tests/fakes/cursor_server.py),
in-process on SQLite and PostgreSQL (conftest's ``engine``): first run, paging and 30-day
windows, incremental re-run, refused keys, rate limits and faults, spend from snapshot
differences, and tracked commits joined to stored ones by repository and SHA. Through the
CLI (kill -9, the key kept out of output, store and exports, `collect all`):
test_collect_cursor_cli.py."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
import requests
import sqlalchemy as sa
from vendor_harness import days, rows, use_key

from aimetrics.errors import ConfigError
from aimetrics.ids import stable_id
from aimetrics.settings import CursorSettings, ReportingSettings, parse_settings
from aimetrics.store import create_store_engine, read_table, upgrade, write_frames
from aimetrics.store import schema as s
from aimetrics.store.types import table_schema
from collectors.vendors import VendorAuthError
from collectors.vendors.cursor import (
    AI_COMMITS,
    DAILY_USAGE,
    SPEND,
    PacedClient,
    collect_cursor,
    make_client,
)

from fakes.cursor_server import (
    ACTIVE,
    DEFAULT_KEY,
    MEMBER_KEY,
    REPOS,
    FakeCursor,
    Fault,
    amended,
    commit_hash,
    day_commits,
    store_commits,
    usage_row,
)
from fakes.vendor_server import RESET

TODAY = date(2026, 12, 4)
NOW = datetime(2026, 12, 4, 6, 15, tzinfo=UTC)
CYCLE = date(2026, 11, 22)  # the sample's subscriptionCycleStart
KEY_ENV = "CURSOR_API_KEY"


@pytest.fixture
def fake() -> Iterator[FakeCursor]:
    with FakeCursor() as server:
        yield server


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    use_key(monkeypatch, KEY_ENV, DEFAULT_KEY)


def settings(fake: FakeCursor, **extra: object) -> CursorSettings:
    values = {"base_url": fake.root, "history_days": 6, "lookback_days": 2, **extra}
    return CursorSettings.model_validate(values)


def collect(fake: FakeCursor, engine: sa.Engine, now: datetime = NOW, **extra: object):
    return collect_cursor(
        settings(fake, **extra), engine, ReportingSettings(), today=now.date(), now=now
    )


# --- first run ------------------------------------------------------------------------------------


def test_first_run_stores_usage_spend_and_tracking(fake: FakeCursor, engine: sa.Engine) -> None:
    summary = collect(fake, engine)
    assert summary.failed == [] and summary.notes == []
    assert (summary.members, summary.removed) == (4, 1)
    window = days(TODAY - timedelta(5), TODAY)
    usage = read_table(engine, s.vendor_usage)
    # Paged requests: every current member on every day, idle ones too (zero rows).
    assert usage.height == len(window) * len(ACTIVE)
    assert set(usage["source"]) == {"cursor-admin-api"} and set(usage["tool_id"]) == {"cursor"}
    assert all("page" in r.body and "pageSize" in r.body for r in fake.requests
               if r.path == DAILY_USAGE)  # fmt: skip
    assert fake.windows(DAILY_USAGE) == [(str(window[0]), str(window[-1]))]
    alice = ACTIVE[0]
    for day in window:
        row = usage.filter((pl.col("user_login") == alice["email"]) & (pl.col("day") == day)).row(
            0, named=True
        )
        source = usage_row(day, alice)
        assert json.loads(row["record"]) == source
        assert (row["lines_added"], row["lines_removed"]) == (
            source["acceptedLinesAdded"], source["acceptedLinesDeleted"],
        )  # fmt: skip
        assert row["requests"] == sum(
            source[f]
            for f in ("composerRequests", "chatRequests", "agentRequests", "cmdkUsages",
                      "bugbotUsages")
        )  # fmt: skip
        assert row["actions_accepted"] == source["totalAccepts"] + source["totalTabsAccepted"]
    idle = [json.loads(r) for r in usage["record"] if not json.loads(r)["isActive"]]
    assert idle, "the fake has idle member-days; they are stored as zero rows"
    # Spend: one snapshot; the running total spread over the cycle's days so far.
    snaps = read_table(engine, s.cursor_spend_snapshots)
    assert snaps.height == 3 and set(snaps["taken_at"]) == {NOW}
    costs = read_table(engine, s.cost_records)
    assert set(costs["source"]) == {"cursor"}
    assert costs["record_key"].str.starts_with("cursor:spend-daily:").all()
    assert sorted(set(costs["day"])) == days(CYCLE, TODAY)
    # Tracking: each day's commits, and the day before the window's first amended one.
    tracked = read_table(engine, s.cursor_ai_commits)
    assert tracked.height == len(window) * 4 + 1
    states = read_table(engine, s.sync_state).filter(pl.col("source") == "vendor:cursor")
    partial = states.filter(pl.col("status") == "partial")["scope"].to_list()
    assert sorted(partial) == sorted(f"{f}:{TODAY}" for f in ("daily_usage", "ai_code", "spend"))


def test_many_pages_give_the_same_rows(fake: FakeCursor, engine: sa.Engine, tmp_path: Path) -> None:
    tables = (s.vendor_usage, s.cost_records, s.cursor_spend_snapshots, s.cursor_ai_commits)
    collect(fake, engine)
    whole = {t.name: rows(engine, t) for t in tables}
    fake.page_size = 1
    fake.requests.clear()
    paged = create_store_engine(f"sqlite:///{tmp_path / 'paged.db'}")
    upgrade(paged)
    try:
        collect(fake, paged, requests_per_minute=1000)  # 30 tracking pages, no waiting
        assert {t.name: rows(paged, t) for t in tables} == whole
    finally:
        paged.dispose()
    pages = {path: [r for r in fake.requests if r.path == path] for path in (DAILY_USAGE, SPEND)}
    assert len(pages[DAILY_USAGE]) == len(ACTIVE)  # one member a page
    assert len(pages[SPEND]) == 3
    # One commit a page, no empty page at the end: totalCount says when to stop.
    assert len([r for r in fake.requests if r.path == AI_COMMITS]) == 6 * 5


def test_long_history_is_asked_in_windows_of_30_days(fake: FakeCursor, engine: sa.Engine) -> None:
    summary = collect(fake, engine, history_days=75, tracking=False)
    assert summary.failed == []
    first = TODAY - timedelta(74)
    assert fake.windows(DAILY_USAGE) == [
        (str(first), str(first + timedelta(29))),
        (str(first + timedelta(30)), str(first + timedelta(59))),
        (str(first + timedelta(60)), str(TODAY)),
    ]
    assert read_table(engine, s.vendor_usage)["day"].n_unique() == 75
    # The fake refuses a longer range as the real API does: the windows are needed.
    start = int(datetime(2026, 10, 1, tzinfo=UTC).timestamp() * 1000)
    refused = requests.post(
        fake.root + DAILY_USAGE, auth=(DEFAULT_KEY, ""), timeout=10,
        json={"startDate": start, "endDate": start + 31 * 86_400_000},
    )  # fmt: skip
    assert refused.status_code == 400 and "30 days" in refused.json()["message"]


def test_incremental_rerun_fetches_only_new_days_and_the_look_back(
    fake: FakeCursor, engine: sa.Engine
) -> None:
    collect(fake, engine)
    fake.requests.clear()
    later = NOW + timedelta(days=2)
    collect(fake, engine, now=later)
    # Days not stored (today's partial day, the two new ones); the look-back is among them.
    span = (str(TODAY), str(later.date()))
    assert fake.windows(DAILY_USAGE) == [span]
    assert fake.windows(AI_COMMITS) == [span]
    usage = read_table(engine, s.vendor_usage)
    assert usage.height == usage["record_key"].n_unique() == 8 * len(ACTIVE)
    tracked = read_table(engine, s.cursor_ai_commits)
    assert tracked.height == 8 * 4 + 1  # no duplicates
    # A third run the same day asks again for the look-back only.
    fake.requests.clear()
    collect(fake, engine, now=later + timedelta(hours=1))
    assert fake.windows(DAILY_USAGE) == [(str(later.date() - timedelta(2)), str(later.date()))]
    assert read_table(engine, s.vendor_usage).height == usage.height


def test_a_usage_row_without_email_takes_the_member_lists(
    fake: FakeCursor, engine: sa.Engine
) -> None:
    bob = ACTIVE[1]
    fake.without_email = {bob["email"]}
    collect(fake, engine)
    usage = read_table(engine, s.vendor_usage)
    records = [(r, json.loads(r["record"])) for r in usage.iter_rows(named=True)]
    mine = [r for r, raw in records if raw["userId"] == bob["id"]]
    assert len(mine) == 6 and {r["user_login"] for r in mine} == {bob["email"]}
    assert all(json.loads(r["record"])["email"] is None for r in mine)  # kept as received


# --- spend ----------------------------------------------------------------------------------------


def _spend(engine: sa.Engine, who: str) -> dict[date, tuple[float, float, bool]]:
    costs = read_table(engine, s.cost_records).filter(pl.col("user_login") == who)
    return {r["day"]: (r["amount"], r["gross_amount"], r["billed"])
            for r in costs.iter_rows(named=True)}  # fmt: skip


def test_spend_per_day_is_the_difference_between_snapshots(
    fake: FakeCursor, engine: sa.Engine
) -> None:
    alice, bob = "alice@acme.example", "bob@acme.example"  # alice has includedSpendCents 4000
    fake.spend.update({alice: 3000, bob: 1300})  # alice within the plan's included amount
    collect(fake, engine)
    first = _spend(engine, alice)
    cycle_days = days(CYCLE, TODAY)
    assert sorted(first) == cycle_days  # 30.00 spread over the 13 days of the cycle so far
    assert sum(g for _, g, _ in first.values()) == pytest.approx(30.00)
    assert all(net == 0 and billed for net, _, billed in first.values())  # all included
    # Next morning: 45.00 in total, 5.00 of it over the included 40.00.
    fake.spend.update({alice: 4500, bob: 1900})
    collect(fake, engine, now=NOW + timedelta(days=1))
    # A second snapshot the same day replaces the day's figure, never adds to it.
    fake.spend.update({alice: 4600})
    collect(fake, engine, now=NOW + timedelta(days=1, hours=2))
    # Three days later (no run between): 52.00, the difference spread over the three days.
    fake.spend.update({alice: 5200})
    collect(fake, engine, now=NOW + timedelta(days=4))
    got = _spend(engine, alice)
    day1 = TODAY + timedelta(1)
    assert got[day1] == pytest.approx((6.00, 16.00, True))
    for d in days(TODAY + timedelta(2), TODAY + timedelta(4)):
        assert got[d] == pytest.approx((2.00, 2.00, True))
    assert got[TODAY] == pytest.approx(first[TODAY])  # earlier days keep their share
    assert sum(g for _, g, _ in got.values()) == pytest.approx(52.00)  # the last total
    assert sum(n for n, _, _ in got.values()) == pytest.approx(12.00)  # overage only
    # Bob's rows have no includedSpendCents: the whole spend, an estimate.
    assert {billed for _, _, billed in _spend(engine, bob).values()} == {False}
    assert sum(n for n, _, _ in _spend(engine, bob).values()) == pytest.approx(19.00)
    assert read_table(engine, s.cursor_spend_snapshots).height == 4 * 3  # every snapshot kept
    # Carol spent nothing: no records.
    assert _spend(engine, "carol@acme.example") == {}


def test_a_refund_is_a_negative_day_and_the_days_add_up_to_the_last_total() -> None:
    from collectors.vendors.cursor_rows import daily_spend

    cycle = datetime(2026, 11, 22, tzinfo=UTC)
    totals = [(datetime(2026, 11, 23, 8, tzinfo=UTC), 2000.0),
              (datetime(2026, 11, 24, 8, tzinfo=UTC), 2600.0),
              (datetime(2026, 11, 25, 8, tzinfo=UTC), 2300.0)]  # fmt: skip
    snaps = pl.DataFrame(
        [{"taken_at": t, "member": "id:1", "cycle_start": cycle, "user_id": 1,
          "email": "a@x.io", "spend_cents": c, "included_spend_cents": 1000.0, "record": "{}"}
         for t, c in totals],
        schema=table_schema(s.cursor_spend_snapshots), orient="row",
    )  # fmt: skip
    got = {r["day"]: (r["amount"], r["gross_amount"]) for r in daily_spend(snaps).to_dicts()}
    assert got[date(2026, 11, 22)] == pytest.approx((5.00, 10.00))  # first: spread over 2 days
    assert got[date(2026, 11, 24)] == pytest.approx((6.00, 6.00))
    assert got[date(2026, 11, 25)] == pytest.approx((-3.00, -3.00))  # the refund
    assert sum(g for _, g in got.values()) == pytest.approx(23.00)
    assert sum(n for n, _ in got.values()) == pytest.approx(13.00)


# --- tracking -------------------------------------------------------------------------------------


def test_tracked_commits_join_stored_commits_by_repository_and_sha(
    fake: FakeCursor, engine: sa.Engine
) -> None:
    day = TODAY - timedelta(3)
    today_commits = day_commits(day)
    # Stored: the day's first two (payments-api) and third (web); the first was amended the
    # next day. The same SHA in another repository is another commit: not joined.
    store_commits(engine, {
        "acme-eng/payments-api": [(today_commits[0]["commitHash"], 500),
                                  (today_commits[1]["commitHash"], None)],
        "acme-eng/web": [(today_commits[2]["commitHash"], 90),
                         (today_commits[0]["commitHash"], 10)],
    })  # fmt: skip
    summary = collect(fake, engine)
    assert summary.joined == 3
    lines = read_table(engine, s.commit_ai_lines).sort("repo_id", "sha", "model")
    assert set(lines["source"]) == {"cursor"}
    first = lines.filter(
        (pl.col("repo_id") == REPOS["acme-eng/payments-api"])
        & (pl.col("sha") == commit_hash(day, 0))
    )
    latest = amended(day + timedelta(1))  # the amended record, not the first one
    by_model = dict(zip(first["model"], first["ai_added_lines"], strict=True))
    want = {"tab": latest["tabLinesAdded"], "agent": latest["composerLinesAdded"]}
    assert by_model == {k: v for k, v in want.items() if v}
    ai = sum(want.values())
    assert set(first["added_lines"]) == {500} and set(first["untracked_lines"]) == {500 - ai}
    assert set(first["human_lines"]) == {0}  # Cursor's non-AI lines are not known as human
    # Additions unknown: Cursor's total.
    second = lines.filter(pl.col("sha") == commit_hash(day, 1))
    assert set(second["added_lines"]) == {today_commits[1]["totalLinesAdded"]}
    web = lines.filter(pl.col("repo_id") == REPOS["acme-eng/web"])
    assert set(web["sha"]) == {commit_hash(day, 2)}
    # Stored tracked commits: the amended one once, with the later record.
    tracked = read_table(engine, s.cursor_ai_commits).filter(
        pl.col("commit_hash") == commit_hash(day, 0)
    )
    assert tracked.height == 1
    assert tracked["composer_lines_added"][0] == latest["composerLinesAdded"]
    pending = read_table(engine, s.sync_state).filter(pl.col("source") == "tagging")
    assert set(pending["scope"]) == {str(v) for v in REPOS.values()}


def test_commits_collected_later_join_on_the_next_run(fake: FakeCursor, engine: sa.Engine) -> None:
    collect(fake, engine)
    assert read_table(engine, s.commit_ai_lines).is_empty()
    day = TODAY - timedelta(5)
    store_commits(engine, {"acme-eng/web": [(commit_hash(day, 2), 40)]})
    summary = collect(fake, engine, now=NOW + timedelta(minutes=5))
    assert summary.joined == 1
    assert set(read_table(engine, s.commit_ai_lines)["sha"]) == {commit_hash(day, 2)}


@pytest.mark.parametrize("status", [403, 404])
def test_a_plan_without_tracking_is_one_note_and_the_rest_runs(
    fake: FakeCursor, engine: sa.Engine, status: int
) -> None:
    fake.tracking = status
    summary = collect(fake, engine)
    assert summary.failed == []
    assert len(summary.notes) == 1 and "Enterprise" in summary.notes[0]
    assert f"HTTP {status}" in summary.notes[0]
    assert read_table(engine, s.vendor_usage).height > 0
    assert read_table(engine, s.cost_records).height > 0
    assert read_table(engine, s.cursor_ai_commits).is_empty()
    assert "ai_code skipped" in summary.line()


def test_tracking_off_asks_nothing_of_it(fake: FakeCursor, engine: sa.Engine) -> None:
    collect(fake, engine, tracking=False)
    assert not [r for r in fake.requests if r.path == AI_COMMITS]


def test_requests_keep_to_the_limit_per_endpoint(fake: FakeCursor) -> None:
    waits: list[float] = []
    client = make_client(settings(fake, requests_per_minute=2))
    assert isinstance(client, PacedClient)
    client._sleep = waits.append  # the waits, not waited: the clock below moves instead
    moments = iter([0.0, 0.0, 1.0, 1.0, 2.0, 60.0, 61.0, 61.0])
    client.clock = lambda: next(moments)
    for _ in range(3):
        client.get_json("/teams/members", {}, "members")
    client.post_json(SPEND, {}, "spend")  # another endpoint: its own minute
    assert waits == [pytest.approx(58.0)]  # the third request within the minute waited
    assert fake.count() == 4


# --- faults ---------------------------------------------------------------------------------------


def test_429_with_retry_after_5xx_and_resets_are_retried(
    fake: FakeCursor, engine: sa.Engine
) -> None:
    fake.faults += [
        Fault(429, path=DAILY_USAGE, retry_after="1"),
        Fault(500, path=SPEND, times=2),
        Fault(503, path=AI_COMMITS),
        Fault(RESET, path="/teams/members"),
    ]
    started = time.monotonic()
    summary = collect(fake, engine)
    assert summary.failed == [] and summary.retries == 5
    assert time.monotonic() - started >= 1.0  # the Retry-After was waited out
    assert read_table(engine, s.vendor_usage)["day"].n_unique() == 6


def test_persistent_5xx_is_named_and_the_other_feeds_complete(
    fake: FakeCursor, engine: sa.Engine
) -> None:
    fake.faults.append(Fault(502, path=DAILY_USAGE, times=100))
    summary = collect(fake, engine)
    assert len(summary.failed) == 1
    failure = summary.failed[0]
    assert failure.startswith("daily_usage:") and "HTTP 502" in failure and "6 tries" in failure
    assert "Too" not in failure and read_table(engine, s.vendor_usage).is_empty()
    assert read_table(engine, s.cost_records).height > 0  # spend and tracking still ran
    assert read_table(engine, s.cursor_ai_commits).height > 0
    fake.faults.clear()
    assert collect(fake, engine).failed == []  # the next run resumes
    assert read_table(engine, s.vendor_usage)["day"].n_unique() == 6


def test_rate_limit_message_is_cursors_own(fake: FakeCursor, engine: sa.Engine) -> None:
    fake.faults.append(Fault(429, path=SPEND, retry_after="3600"))
    summary = collect(fake, engine)
    assert "asks to wait 3600 s" in summary.feeds["spend"].error


@pytest.mark.parametrize(
    ("key", "status"),
    [("key_WRONGcursor0123456789abcdef0123456789abcdef0123456789", 401), (MEMBER_KEY, 403)],
)
def test_refused_key_is_one_line_naming_the_variable(
    fake: FakeCursor, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch, key: str, status: int
) -> None:
    monkeypatch.setenv(KEY_ENV, key)
    with pytest.raises(VendorAuthError) as caught:
        collect(fake, engine)
    message = str(caught.value)
    assert "\n" not in message
    assert f"${KEY_ENV}" in message and f"HTTP {status}" in message and "Admin API key" in message
    assert key not in message
    assert fake.count() == 1  # never retried


def test_missing_key_names_the_variable(
    fake: FakeCursor, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_ENV)
    with pytest.raises(VendorAuthError, match=r"\$CURSOR_API_KEY is not set"):
        collect(fake, engine)
    assert fake.count() == 0


def test_settings_refuse_a_key_in_the_file() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings(f"vendors: {{cursor: {{api_key_env: {DEFAULT_KEY}}}}}\n")
    message = str(caught.value)
    assert "vendors.cursor.api_key_env" in message and "looks like a token" in message
    assert DEFAULT_KEY not in message
    with pytest.raises(ConfigError, match=r"vendors\.cursor\.lookback_days"):
        parse_settings("vendors: {cursor: {lookback_days: 45}}\n")
    assert parse_settings("vendors: {cursor: {}}\n").vendors.cursor == CursorSettings()
    assert parse_settings("vendors:\n").vendors.cursor is None


# --- evidence and forgetting ----------------------------------------------------------------------


def test_idle_members_are_no_evidence(fake: FakeCursor, engine: sa.Engine) -> None:
    from aimetrics.metrics.evidence import vendor_usage_evidence

    collect(fake, engine)
    usage = read_table(engine, s.vendor_usage)
    ev = vendor_usage_evidence(usage.lazy()).collect()
    active = {
        (r["user_login"], r["day"])
        for r in usage.iter_rows(named=True)
        if json.loads(r["record"])["isActive"]
    }
    assert {(r["person_key"], r["day"]) for r in ev.iter_rows(named=True)} == active
    assert set(ev["tool_id"]) == {"cursor"}


def test_forget_removes_the_member_from_the_cursor_tables(
    fake: FakeCursor, engine: sa.Engine
) -> None:
    from aimetrics.store.forget import forget_person

    people = pl.DataFrame({"id": [stable_id("alice")], "login": ["alice"],
                           "display_name": ["Alice Dev"], "is_bot": [False],
                           "excluded": [False]})  # fmt: skip
    identities = pl.DataFrame({"kind": ["email"], "value": ["alice@acme.example"],
                               "person_id": [stable_id("alice")],
                               "source": ["config"]})  # fmt: skip
    write_frames(engine, [(s.people, people), (s.identities, identities)])
    collect(fake, engine)
    forget_person(engine, "alice")
    for table in (s.vendor_usage, s.cursor_spend_snapshots, s.cursor_ai_commits, s.cost_records):
        text = repr(read_table(engine, table).rows())
        assert "alice@acme.example" not in text and "Alice Dev" not in text, table.name
