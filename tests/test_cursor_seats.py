"""Cursor's team members as seat assignments (`collect cursor`, source ``cursor``) against
the fake Cursor Admin API (tests/fakes/cursor_server.py), on SQLite and PostgreSQL: the paid
members become seats on the day first seen, re-runs add nothing, a removed member's seat is
revoked; on the collected store the seat list calls an idle member idle (with days idle and
the configured plan's price) and an active one active, and the seats and the spend snapshots
are not counted twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest
import sqlalchemy as sa
from vendor_harness import use_key

from aimetrics.figures.facts import load_facts_for
from aimetrics.figures.seats import seats_on
from aimetrics.figures.view import view_of
from aimetrics.ids import stable_id
from aimetrics.metrics.adoption import Selection
from aimetrics.metrics.cost.lines import SEAT_DAYS_PER_MONTH, spend_lines
from aimetrics.metrics.period import Period
from aimetrics.settings import CursorSettings, ReportingSettings, parse_settings
from aimetrics.store import read_table, write_frames
from aimetrics.store import schema as s
from collectors.vendors.cursor import collect_cursor
from collectors.vendors.cursor_seats import SEAT_SCHEMA, holders, seat_changes

from fakes.cursor_server import DEFAULT_KEY, FakeCursor

TODAY = date(2026, 12, 4)
NOW = datetime(2026, 12, 4, 6, 15, tzinfo=UTC)
ALICE, BOB = "alice@acme.example", "bob@acme.example"  # owner, member (paid seats)
CAROL, DAN = "carol@acme.example", "dan@acme.example"  # free-owner (unpaid), removed
CONFIG = """
ai_tools:
  - id: cursor
    plans:
      - name: teams
        price_per_seat_month: 40
        currency: USD
        start: 2026-03-01
        seats:
          - {from: 2026-03-01, count: 2}
"""


@pytest.fixture
def fake() -> Iterator[FakeCursor]:
    with FakeCursor() as server:
        yield server


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    use_key(monkeypatch, "CURSOR_API_KEY", DEFAULT_KEY)


def collect(fake: FakeCursor, engine: sa.Engine, now: datetime = NOW, **extra: object):
    values = {"base_url": fake.root, "history_days": 6, "lookback_days": 2, "tracking": False}
    settings = CursorSettings.model_validate({**values, **extra})
    return collect_cursor(settings, engine, ReportingSettings(), today=now.date(), now=now)


def seats(engine: sa.Engine) -> list[tuple]:
    frame = read_table(engine, s.seat_assignments).sort("login", "assigned_on")
    return frame.select("tool_id", "login", "assigned_on", "revoked_on", "source").rows()


def member(fake: FakeCursor, email: str) -> dict:
    return next(m for m in fake.members if m["email"] == email)


# --- collecting -----------------------------------------------------------------------------------


def test_first_run_writes_the_paid_members_as_seats(fake: FakeCursor, engine: sa.Engine) -> None:
    summary = collect(fake, engine)
    assert summary.failed == []
    assert (summary.seats, summary.seats_opened, summary.seats_revoked) == (2, 2, 0)
    assert "2 seats (2 new, 0 revoked)" in summary.line()
    # The unpaid admin (free-owner) and the removed member hold no seat.
    assert seats(engine) == [
        ("cursor", ALICE, TODAY, None, "cursor"),
        ("cursor", BOB, TODAY, None, "cursor"),
    ]
    stored = read_table(engine, s.seat_assignments)
    assert stored["plan"].is_null().all() and stored["last_activity_at"].is_null().all()


def test_a_rerun_writes_no_duplicates_and_keeps_assigned_on(
    fake: FakeCursor, engine: sa.Engine
) -> None:
    collect(fake, engine)
    first = seats(engine)
    # An e-mail in another case is the same holder (Cursor's ids and e-mails join lower-cased).
    member(fake, BOB)["email"] = "Bob@Acme.example"
    for later in (NOW + timedelta(hours=3), NOW + timedelta(days=3)):
        summary = collect(fake, engine, now=later)
        assert (summary.seats_opened, summary.seats_revoked) == (0, 0)
        assert seats(engine) == first


def test_a_member_removed_between_runs_is_revoked(fake: FakeCursor, engine: sa.Engine) -> None:
    collect(fake, engine)
    member(fake, BOB)["isRemoved"] = True
    summary = collect(fake, engine, now=NOW + timedelta(days=2))
    assert (summary.seats_opened, summary.seats_revoked) == (0, 1)
    revoked = TODAY + timedelta(days=2)
    assert seats(engine) == [
        ("cursor", ALICE, TODAY, None, "cursor"),
        ("cursor", BOB, TODAY, revoked, "cursor"),
    ]
    # A member left out of the list (as the forum reports removed members) is revoked too;
    # a removed member listed again gets a new seat from the day seen, the old one kept.
    fake.members = [m for m in fake.members if m["email"] != ALICE]
    member(fake, BOB)["isRemoved"] = False
    summary = collect(fake, engine, now=NOW + timedelta(days=5))
    assert (summary.seats_opened, summary.seats_revoked) == (1, 1)
    back = TODAY + timedelta(days=5)
    assert seats(engine) == [
        ("cursor", ALICE, TODAY, back, "cursor"),
        ("cursor", BOB, TODAY, revoked, "cursor"),
        ("cursor", BOB, back, None, "cursor"),
    ]
    # The same again the next day changes nothing.
    collect(fake, engine, now=NOW + timedelta(days=6))
    assert len(seats(engine)) == 3


def test_an_empty_or_partial_member_list_revokes_nothing(
    fake: FakeCursor, engine: sa.Engine
) -> None:
    collect(fake, engine)
    before = seats(engine)
    fake.members = []  # Cursor keeps one paid member at all times: a bad answer
    collect(fake, engine, now=NOW + timedelta(days=1))
    assert seats(engine) == before
    # A member without an e-mail may be anyone: no seat is closed for it.
    held, whole = holders(
        [{"id": 1, "email": ALICE, "role": "member"}, {"id": 2, "role": "member"}]
    )
    assert (held, whole) == ({ALICE}, False)
    stored = pl.DataFrame(
        [{"tool_id": "cursor", "login": BOB, "assigned_on": TODAY, "revoked_on": None,
          "plan": None, "last_activity_at": None, "source": "cursor"}],
        schema=SEAT_SCHEMA, orient="row",
    )  # fmt: skip
    changes = seat_changes(held, whole, stored, "cursor", TODAY)
    assert changes.revoked == 0 and changes.rows["login"].to_list() == [ALICE]


# --- the seat list and the spend on the collected store ------------------------------------------


def _people(engine: sa.Engine) -> None:
    """Alice and Bob as the GitHub collection and the directory know them: a login, their
    Cursor e-mail as an identity, and a team."""
    people = pl.DataFrame(
        {"id": [stable_id("alice"), stable_id("bob")], "login": ["alice", "bob"],
         "display_name": ["Alice", "Bob"], "is_bot": [False, False], "excluded": [False, False]}
    )  # fmt: skip
    identities = pl.DataFrame(
        {"kind": ["email", "email"], "value": [ALICE, BOB],
         "person_id": [stable_id("alice"), stable_id("bob")], "source": ["config", "config"]}
    )  # fmt: skip
    teams = pl.DataFrame({"slug": ["payments"], "name": ["Payments"], "source": ["config"]})
    memberships = pl.DataFrame(
        {"team_slug": ["payments", "payments"], "person_id": [stable_id("alice"), stable_id("bob")],
         "valid_from": [date(2026, 1, 1)] * 2, "valid_to": [None, None]},
        schema_overrides={"valid_to": pl.Date},
    )  # fmt: skip
    write_frames(
        engine,
        [(s.people, people), (s.identities, identities), (s.teams, teams),
         (s.team_memberships, memberships)],
    )  # fmt: skip


def test_the_seat_list_calls_an_idle_member_idle_and_an_active_one_active(
    fake: FakeCursor, engine: sa.Engine
) -> None:
    _people(engine)
    fake.idle = {BOB}
    fake.spend[BOB] = 0  # no use, no spend
    first_seen = TODAY - timedelta(days=20)
    collect(fake, engine, now=NOW - timedelta(days=20))
    collect(fake, engine, now=NOW)
    settings = parse_settings(CONFIG)
    facts = load_facts_for(engine, settings)
    period = Period(TODAY - timedelta(days=29), TODAY + timedelta(days=1))
    # The team filter finds the holders by e-mail too.
    view = view_of(settings, period, Selection(teams=("payments",)))
    status, idle = seats_on(facts, view, period)
    by_login = {r["login"]: r for r in status.collect().iter_rows(named=True)}
    assert set(by_login) == {ALICE, BOB}
    alice, bob = by_login[ALICE], by_login[BOB]
    assert (alice["person_key"], alice["status"], alice["source"]) == ("alice", "active", "cursor")
    assert alice["last_seen"] is not None and alice["last_seen"] >= TODAY - timedelta(days=3)
    # Bob's daily-usage rows are all zero rows: no evidence, so idle since first seen.
    assert (bob["person_key"], bob["status"], bob["last_seen"]) == ("bob", "idle", None)
    assert bob["days_idle"] == (TODAY - first_seen).days == 20
    # The list of seats to reclaim: the holder, team and the configured plan's price.
    assert idle.select("login", "team", "days_idle", "monthly_cost", "currency").rows() == [
        (BOB, "payments", 20, 40.0, "USD")
    ]
    # Within seats.new_seat_days of first being seen, an unused seat is new, not idle.
    early = Period(first_seen, first_seen + timedelta(days=10))
    status, idle = seats_on(facts, view_of(settings, early), early)
    assert {r["login"]: r["status"] for r in status.collect().iter_rows(named=True)}[BOB] == "new"
    assert idle.is_empty()


def test_cursor_seats_and_spend_snapshots_are_not_counted_twice(
    fake: FakeCursor, engine: sa.Engine
) -> None:
    # Alice's snapshot has includedSpendCents (billed overage); Bob's has none, so his is an
    # estimate of his whole spend: both count, one feed's lines being different people's.
    collect(fake, engine)  # first seen on TODAY; the spend cycle began on 22 November
    settings = parse_settings(CONFIG)
    facts = load_facts_for(engine, settings)
    records = facts.cost_records.filter(pl.col("tool_id") == "cursor")
    assert records.height > 0 and (records["amount"] < records["gross_amount"]).any()
    december = Period(date(2026, 12, 1), TODAY + timedelta(days=1))
    lines = spend_lines(
        facts.seat_plans.lazy(), facts.cost_records.lazy(), december, facts.seats.lazy()
    ).collect()
    seat_lines = lines.filter(pl.col("component") == "seats")
    # The month's seats are the API's two holders from the day first seen, priced by the
    # configured plan; the configured plan's own two seats are not added on top.
    assert set(seat_lines["basis"]) == {"api_seats"} and set(seat_lines["source"]) == {"cursor"}
    assert sorted(seat_lines["login"]) == [ALICE, BOB]
    assert seat_lines["amount"].sum() == pytest.approx(2 * 40 / SEAT_DAYS_PER_MONTH)
    # The spend snapshots are usage: their net amount (the overage; the plan-included part
    # is paid with the seat), never the gross that holds the included usage again.
    usage = lines.filter(pl.col("component") == "usage")
    in_december = records.filter(pl.col("day") >= december.start)
    assert set(in_december["billed"]) == {True, False}  # Alice billed, Bob estimated
    assert usage["amount"].sum() == pytest.approx(in_december["amount"].sum())
    assert set(usage.filter(pl.col("login") == BOB)["basis"]) == {"estimate"}
    assert usage["amount"].sum() < in_december["gross_amount"].sum()
    assert lines["amount"].sum() == pytest.approx(
        seat_lines["amount"].sum() + usage["amount"].sum()
    )
    # November, before the members were first seen: the configured plan's seats, once.
    november = Period(date(2026, 11, 1), date(2026, 12, 1))
    before = spend_lines(
        facts.seat_plans.lazy(), facts.cost_records.lazy(), november, facts.seats.lazy()
    ).collect()
    nov_seats = before.filter(pl.col("component") == "seats")
    assert set(nov_seats["basis"]) == {"seat_plan"}
    assert nov_seats["amount"].sum() == pytest.approx(2 * 40 * 30 / SEAT_DAYS_PER_MONTH)
