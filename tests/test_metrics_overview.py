"""The Overview's metrics on a small hand-made organization, with hand-computed answers.

The frames are written into a real store (SQLite and PostgreSQL) and read back,
so the metrics see exactly the types the dashboard gives them.

The organization (repository 1; period 2025-03-01 .. 2025-03-15, 14 days, UTC):

- alice (login ``Alice``, two e-mails), bob: engineers;
- carol: ``people.excluded``; dave: excluded by the configuration (by e-mail);
- erin: no person row, commits by e-mail only; gina: only a commit in the previous period;
- dependabot (a non-AI bot), Copilot (an AI agent), a ghost (deleted account).
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from aimetrics.figures.facts import load_facts
from aimetrics.ids import stable_id
from aimetrics.metrics.adoption import Selection, ai_share_of_merged_prs
from aimetrics.metrics.cost.spend import ai_spend, seat_plan_spend, spend_total
from aimetrics.metrics.delivery import active_engineers, throughput
from aimetrics.metrics.freshness import last_collected
from aimetrics.metrics.overview import (
    KPI_COLUMNS,
    CostInputs,
    overview_figures,
    select_work,
    weekly_trend,
)
from aimetrics.metrics.people import person_directory
from aimetrics.metrics.period import Period, week_of
from aimetrics.metrics.work_facts import (
    commit_facts,
    contributor_activity,
    memberships_by_person,
    pr_facts,
)
from aimetrics.store import read_table, write_frames
from aimetrics.store import schema as s

UTC = dt.UTC
PERIOD = Period(dt.date(2025, 3, 1), dt.date(2025, 3, 15))
EXCLUDE = ["Dave@Corp.com"]  # as a user would type it in exclude.people
BOTS = ["renovate"]  # the catalogue's non-AI bots, without [bot]


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def pid(key: str) -> int:
    return stable_id(key)


PEOPLE = pl.DataFrame(
    {
        "id": [pid("alice"), pid("bob"), pid("carol"), pid("dave")],
        "login": ["Alice", "bob", "carol", "dave"],
        "display_name": ["Alice A.", "Bob B.", "Carol C.", "Dave D."],
        "is_bot": [False, False, False, False],
        "excluded": [False, False, True, False],
    }
)
IDENTITIES = pl.DataFrame(
    {
        "kind": ["login", "email", "email", "login", "email", "login", "login", "email"],
        "value": [
            "alice",
            "alice@corp.com",
            "alice@home.org",
            "bob",
            "bob@corp.com",
            "carol",
            "dave",
            "dave@corp.com",
        ],
        "person_id": [
            pid("alice"),
            pid("alice"),
            pid("alice"),
            pid("bob"),
            pid("bob"),
            pid("carol"),
            pid("dave"),
            pid("dave"),
        ],
        "source": ["demo"] * 8,
    }
)

# number, author_login, author_type, merged_at (None: not merged)
_PRS = [
    (1, "Alice", "User", "2025-03-02T10:00:00"),  # AI (claude-code)
    (2, "alice", "User", "2025-03-09T23:30:00"),  # no marker; Monday 00:30 in Berlin
    (3, "bob", "User", "2025-03-05T12:00:00"),  # AI (github-copilot)
    (4, "dependabot[bot]", "Bot", "2025-03-06T08:00:00"),  # non-AI bot: not counted
    (5, "Copilot", "Bot", "2025-03-10T09:00:00"),  # agent: counted, AI, no engineer
    (6, "carol", "User", "2025-03-07T09:00:00"),  # excluded person: not counted
    (7, "dave", "User", "2025-03-08T09:00:00"),  # excluded by config e-mail: not counted
    (8, None, None, "2025-03-11T09:00:00"),  # ghost: counted, no engineer
    (9, "bob", "User", "2025-02-20T09:00:00"),  # previous period
    (10, "alice", "User", "2025-02-25T09:00:00"),  # previous period, AI
    (11, "bob", "User", None),  # open
    (12, "alice", "User", "2025-03-15T00:00:00"),  # exactly at the end: outside
    (13, "bob", "User", "2025-03-01T00:00:00"),  # exactly at the start: inside
    (14, "bob", "User", "2025-02-28T23:30:00"),  # previous in UTC, current in Berlin
]
PULL_REQUESTS = pl.DataFrame(
    {
        "repo_id": [1] * len(_PRS),
        "number": [p[0] for p in _PRS],
        "state": ["MERGED" if p[3] else "OPEN" for p in _PRS],
        "author_login": [p[1] for p in _PRS],
        "author_type": [p[2] for p in _PRS],
        "created_at": [ts("2025-02-01T00:00:00")] * len(_PRS),
        "merged_at": [ts(p[3]) if p[3] else None for p in _PRS],
        "source": ["demo"] * len(_PRS),
    }
)
# The tagging's pr_flags output, hand-made (the metrics never see a tag).
_AI = {1: "claude-code", 3: "github-copilot", 5: "github-copilot", 6: "cursor", 10: "cursor"}
PR_FLAGS = pl.LazyFrame(
    {
        "repo_id": [1] * len(_PRS),
        "number": [p[0] for p in _PRS],
        "is_ai": [p[0] in _AI for p in _PRS],
        "is_agent": [p[0] == 5 for p in _PRS],
        "is_ai_reviewed": [False] * len(_PRS),
        "ai_tool": [_AI.get(p[0]) for p in _PRS],
        "is_bot_non_ai": [p[0] == 4 for p in _PRS],
    }
)

# sha, author_login, author_email, committed_at, on_default_branch
_COMMITS = [
    ("c1", None, "Erin@Corp.com", "2025-03-03T10:00:00", True),  # erin, by e-mail only
    ("c2", None, "alice@home.org", "2025-03-04T10:00:00", True),  # alice's 2nd e-mail
    ("c3", None, "noreply@anthropic.com", "2025-03-05T10:00:00", True),  # agent-authored
    (
        "c4",
        "github-actions[bot]",
        "41898282+github-actions[bot]@users.noreply.github.com",
        "2025-03-05T11:00:00",
        True,
    ),  # a non-AI bot
    ("c5", "frank", "frank@corp.com", "2025-03-05T12:00:00", False),  # not default branch
    ("c6", "gina", "gina@corp.com", "2025-02-20T10:00:00", True),  # authored 03-02
    ("c7", None, "DAVE@corp.com", "2025-03-06T10:00:00", True),  # excluded (config)
    ("c8", "renovate", "bot@renovateapp.com", "2025-03-06T11:00:00", True),  # catalogue bot
    ("c9", "carol", "carol@corp.com", "2025-03-06T12:00:00", True),  # excluded (people)
]
COMMITS = pl.DataFrame(
    {
        "repo_id": [1] * len(_COMMITS),
        "sha": [c[0] for c in _COMMITS],
        "author_login": [c[1] for c in _COMMITS],
        "author_email": [c[2] for c in _COMMITS],
        "authored_at": [ts("2025-03-02T10:00:00") if c[0] == "c6" else ts(c[3]) for c in _COMMITS],
        "committed_at": [ts(c[3]) for c in _COMMITS],
        "on_default_branch": [c[4] for c in _COMMITS],
    }
)
COMMIT_FLAGS = pl.LazyFrame(
    {
        "repo_id": [1] * len(_COMMITS),
        "sha": [c[0] for c in _COMMITS],
        "is_ai": [c[0] == "c3" for c in _COMMITS],
        "is_agent": [c[0] == "c3" for c in _COMMITS],
        "ai_tool": ["claude-code" if c[0] == "c3" else None for c in _COMMITS],
    }
)

SEAT_PLANS = pl.DataFrame(
    {
        "tool_id": ["github-copilot", "claude-code", "cursor"],
        "plan": ["business", "team", "pro"],
        "valid_from": [dt.date(2025, 1, 1), dt.date(2025, 3, 8), dt.date(2025, 1, 1)],
        "valid_to": [None, dt.date(2025, 4, 1), dt.date(2025, 2, 20)],
        "seats": [10, 4, 2],
        "price_per_seat_month": [19.0, 30.0, 40.0],
        "currency": ["USD", "USD", "USD"],
        "source": ["config", "config", "config"],
    }
)
COST_RECORDS = pl.DataFrame(
    {
        "record_key": ["r1", "r2", "r3", "r4"],
        "source": ["anthropic", "anthropic", "openai", "anthropic"],
        "tool_id": ["claude-code", "claude-code", "openai-codex", "claude-code"],
        "day": [
            dt.date(2025, 3, 3),
            dt.date(2025, 3, 15),
            dt.date(2025, 3, 10),
            dt.date(2025, 2, 28),
        ],
        "billed": [True, True, True, True],
        "amount": [12.5, 100.0, 7.0, 3.0],
        "gross_amount": [20.0, 100.0, 7.0, 3.0],
        "currency": ["USD", "USD", "EUR", "USD"],
    }
)
SYNC_STATE = pl.DataFrame(
    {
        "source": ["github", "github", "git"],
        "scope": ["org/a", "org/b", "/src/a"],
        "status": ["complete", "running", "complete"],
        "started_at": [ts("2025-03-14T01:00:00"), ts("2025-03-15T01:00:00"), None],
        "finished_at": [ts("2025-03-14T02:00:00"), None, ts("2025-03-14T03:30:00")],
    }
)

# Hand-computed spend: seat-days x monthly price x 12 / 365, plus USD records in the period.
SPEND_CURRENT = (14 * 10 * 19 + 7 * 4 * 30) * 12 / 365 + 12.5
SPEND_PREVIOUS = (14 * 10 * 19 + 5 * 2 * 40) * 12 / 365 + 3.0


@pytest.fixture
def store(engine):  # type: ignore[no-untyped-def]
    """The hand-made organization written into a real store, read back as the app reads it."""
    repos = pl.DataFrame({"id": [1], "full_name": ["org/a"], "source": ["demo"]})
    tools = pl.DataFrame(
        {
            "id": ["github-copilot", "claude-code", "cursor", "openai-codex"],
            "name": ["GitHub Copilot", "Claude Code", "Cursor", "OpenAI Codex"],
        }
    )
    write_frames(
        engine,
        [
            (s.repositories, repos),
            (s.pull_requests, PULL_REQUESTS),
            (s.commits, COMMITS),
            (s.people, PEOPLE),
            (s.identities, IDENTITIES),
            (s.ai_tools, tools),
            (s.seat_plans, SEAT_PLANS),
            (s.cost_records, COST_RECORDS),
            (s.sync_state, SYNC_STATE),
        ],
    )
    tables = (
        s.repositories,
        s.team_memberships,
        s.pull_requests,
        s.commits,
        s.people,
        s.identities,
        s.seat_plans,
        s.cost_records,
        s.sync_state,
    )
    return {t.name: read_table(engine, t).lazy() for t in tables}


def _work(store, exclude=EXCLUDE, pr_flags=PR_FLAGS, commit_flags=COMMIT_FLAGS):  # type: ignore[no-untyped-def]
    """Merged PRs and engineer activity as the dashboard builds them (``pr_facts``,
    ``commit_facts``, ``contributor_activity``, ``select_work``)."""
    directory = person_directory(store["people"], store["identities"], exclude)
    members = memberships_by_person(store["team_memberships"], store["people"])
    repos = store["repositories"]
    prs = pr_facts(
        store["pull_requests"], pr_flags, directory, repos, members, "UTC", exclude, BOTS
    )
    commits = commit_facts(
        store["commits"], commit_flags, directory, repos, members, "UTC", exclude, BOTS
    )
    return select_work(prs, contributor_activity(prs, commits), Selection())


def overview_kpis(merged, activity, seat_plans, cost_records, period, currency):  # type: ignore[no-untyped-def]
    """The headline figures of ``period`` and the one before (``overview_figures``)."""
    costs = CostInputs(seat_plans, cost_records)
    return overview_figures(merged, activity, costs, period, currency).select(KPI_COLUMNS)


# --- periods ---------------------------------------------------------------------------


def test_period_bounds_previous_and_default() -> None:
    assert PERIOD.days == 14 and PERIOD.weeks == 2.0
    assert PERIOD.start_utc == ts("2025-03-01T00:00:00")
    assert PERIOD.previous() == Period(dt.date(2025, 2, 15), dt.date(2025, 3, 1))
    berlin = Period(dt.date(2025, 3, 1), dt.date(2025, 3, 31), "Europe/Berlin")
    assert berlin.start_utc == ts("2025-02-28T23:00:00")  # CET, UTC+1
    assert berlin.end_utc == ts("2025-03-30T22:00:00")  # CEST from 03-30, UTC+2
    # Default: 90 days up to and including the local day of the latest merge.
    default = Period.ending_at(ts("2025-03-14T23:30:00"), "Europe/Berlin")
    assert (default.start, default.end) == (dt.date(2024, 12, 16), dt.date(2025, 3, 16))
    assert week_of(dt.date(2025, 3, 1)) == dt.date(2025, 2, 24)
    assert week_of(dt.date(2025, 3, 1), "sunday") == dt.date(2025, 2, 23)
    with pytest.raises(ValueError):
        Period(dt.date(2025, 3, 1), dt.date(2025, 3, 1))


# --- people ----------------------------------------------------------------------------


def test_person_directory_resolves_and_excludes(store) -> None:  # type: ignore[no-untyped-def]
    directory = (
        person_directory(store["people"], store["identities"], EXCLUDE)
        .filter(pl.col("kind") == "email")
        .sort("value")
        .collect()
    )
    expected = pl.DataFrame(
        {
            "kind": ["email"] * 4,
            "value": ["alice@corp.com", "alice@home.org", "bob@corp.com", "dave@corp.com"],
            "person_key": ["alice", "alice", "bob", "dave"],
            "is_bot": [False] * 4,
            "excluded": [False, False, False, True],
        }
    )
    assert_frame_equal(directory, expected)


def test_engineer_activity(store) -> None:  # type: ignore[no-untyped-def]
    _, activity = _work(store)
    got = activity.select("person_key", "at").sort("at", "person_key").collect()
    expected = pl.DataFrame(
        {
            "person_key": [
                *("bob", "gina", "alice", "bob", "bob", "alice", "erin@corp.com"),
                *("alice", "bob", "alice", "alice"),
            ],
            "at": [
                ts("2025-02-20T09:00:00"),  # PR 9
                ts("2025-02-20T10:00:00"),  # c6 (committed, not authored, time)
                ts("2025-02-25T09:00:00"),  # PR 10
                ts("2025-02-28T23:30:00"),  # PR 14
                ts("2025-03-01T00:00:00"),  # PR 13
                ts("2025-03-02T10:00:00"),  # PR 1
                ts("2025-03-03T10:00:00"),  # c1
                ts("2025-03-04T10:00:00"),  # c2 (alice's second e-mail)
                ts("2025-03-05T12:00:00"),  # PR 3
                ts("2025-03-09T23:30:00"),  # PR 2
                ts("2025-03-15T00:00:00"),  # PR 12
            ],
        },
        schema={"person_key": pl.String, "at": pl.Datetime("us", "UTC")},
    )
    assert_frame_equal(got, expected)


# --- adoption, delivery ----------------------------------------------------------------


def test_ai_share_of_merged_prs(store) -> None:  # type: ignore[no-untyped-def]
    merged, _ = _work(store)
    # Counted: 1, 2, 3, 5 (agent), 8 (ghost), 13 (at the start); AI: 1, 3, 5.
    expected = pl.DataFrame({"merged_prs": [6], "ai_prs": [3], "ai_share": [0.5]})
    assert_frame_equal(ai_share_of_merged_prs(merged, PERIOD).collect(), expected)
    # Previous period: 9, 10 (AI), 14.
    expected = pl.DataFrame({"merged_prs": [3], "ai_prs": [1], "ai_share": [1 / 3]})
    assert_frame_equal(ai_share_of_merged_prs(merged, PERIOD.previous()).collect(), expected)


def test_excluded_people_count_when_not_excluded(store) -> None:  # type: ignore[no-untyped-def]
    merged, activity = _work(store, exclude=[])
    # dave's PR 7 and commit c7 count again; carol stays excluded by her person row.
    got = ai_share_of_merged_prs(merged, PERIOD).collect()
    assert got.row(0) == (7, 3, 3 / 7)
    assert active_engineers(activity, PERIOD).collect().item() == 4


def test_reporting_time_zone_moves_the_boundaries(store) -> None:  # type: ignore[no-untyped-def]
    merged, activity = _work(store)
    berlin = Period(dt.date(2025, 3, 1), dt.date(2025, 3, 15), "Europe/Berlin")
    # PR 14 (2025-02-28 23:30 UTC) is 2025-03-01 00:30 in Berlin: inside.
    assert ai_share_of_merged_prs(merged, berlin).collect().row(0) == (7, 3, 3 / 7)
    trend = weekly_trend(merged, activity, berlin).collect()
    # PR 2 (Sunday 23:30 UTC) falls on Monday 03-10 in Berlin.
    assert trend["week_start"].to_list() == [
        dt.date(2025, 2, 24),
        dt.date(2025, 3, 3),
        dt.date(2025, 3, 10),
    ]
    assert trend["merged_prs"].to_list() == [3, 1, 3]


def test_active_engineers_and_throughput(store) -> None:  # type: ignore[no-untyped-def]
    merged, activity = _work(store)
    # alice (PRs, c2), bob (PRs), erin (c1). Not: Copilot, ghost, agent commit c3,
    # github-actions, renovate, frank (not on the default branch), dave, carol,
    # gina (her commit was made on the branch in the previous period).
    assert_frame_equal(
        active_engineers(activity, PERIOD).collect(), pl.DataFrame({"active_engineers": [3]})
    )
    expected = pl.DataFrame(
        {"merged_prs": [6], "active_engineers": [3], "weeks": [2.0], "throughput": [1.0]}
    )
    assert_frame_equal(throughput(merged, activity, PERIOD).collect(), expected)
    # Previous: PRs 9, 10, 14 by bob and alice, plus gina's commit: 3 / 3 / 2.
    expected = pl.DataFrame(
        {"merged_prs": [3], "active_engineers": [3], "weeks": [2.0], "throughput": [0.5]}
    )
    assert_frame_equal(throughput(merged, activity, PERIOD.previous()).collect(), expected)


def test_no_data_in_period(store) -> None:  # type: ignore[no-untyped-def]
    merged, activity = _work(store)
    empty = Period(dt.date(2030, 1, 1), dt.date(2030, 1, 8))
    assert ai_share_of_merged_prs(merged, empty).collect().row(0) == (0, 0, None)
    assert throughput(merged, activity, empty).collect().row(0) == (0, 0, 1.0, None)
    kpis = overview_kpis(
        merged, activity, store["seat_plans"], store["cost_records"], empty, "USD"
    ).collect()
    # The open-ended Copilot plan still costs money; per merged PR it is undefined.
    assert kpis["spend"][0] == pytest.approx(7 * 10 * 19 * 12 / 365)
    assert kpis["cost_per_merged_pr"].to_list() == [None, None]
    assert kpis["ai_share"].to_list() == [None, None]


def test_empty_store(engine) -> None:  # type: ignore[no-untyped-def]
    frames = {
        t.name: read_table(engine, t).lazy()
        for t in (
            *(s.repositories, s.team_memberships, s.pull_requests, s.commits),
            *(s.people, s.identities, s.seat_plans, s.cost_records, s.sync_state),
        )
    }
    merged, activity = _work(frames, (), PR_FLAGS.clear(), COMMIT_FLAGS.clear())
    kpis = overview_kpis(
        merged, activity, frames["seat_plans"], frames["cost_records"], PERIOD, "USD"
    ).collect()
    assert kpis.select("merged_prs", "ai_share", "active_engineers", "throughput").rows() == [
        (0, None, 0, None),
        (0, None, 0, None),
    ]
    assert kpis["spend"].to_list() == [0.0, 0.0]
    assert kpis["other_currencies"].to_list() == [[], []]
    trend = weekly_trend(merged, activity, PERIOD).collect()
    assert trend["merged_prs"].to_list() == [0, 0, 0]
    assert last_collected(frames["sync_state"]).collect().item() is None


# --- cost ------------------------------------------------------------------------------


def test_seat_plan_spend_prorated_by_day(store) -> None:  # type: ignore[no-untyped-def]
    got = seat_plan_spend(store["seat_plans"], PERIOD).sort("tool_id").collect()
    expected = pl.DataFrame(
        {
            "tool_id": ["claude-code", "github-copilot"],
            "plan": ["team", "business"],
            "source": ["config", "config"],
            "currency": ["USD", "USD"],
            "valid_from": [dt.date(2025, 3, 8), dt.date(2025, 1, 1)],
            "days": [7, 14],  # the Claude plan starts mid-period; Cursor ended before it
            "seat_days": [28, 140],
            "amount": [28 * 30 * 12 / 365, 140 * 19 * 12 / 365],
        }
    )
    assert_frame_equal(got, expected)


def test_ai_spend_and_total(store) -> None:  # type: ignore[no-untyped-def]
    spend = ai_spend(store["seat_plans"], store["cost_records"], PERIOD)
    expected = pl.DataFrame(
        {
            "origin": ["cost_record", "cost_record", "seat_plan", "seat_plan"],
            "source": ["anthropic", "openai", "config", "config"],
            "tool_id": ["claude-code", "openai-codex", "claude-code", "github-copilot"],
            "currency": ["USD", "EUR", "USD", "USD"],
            "amount": [12.5, 7.0, 28 * 30 * 12 / 365, 140 * 19 * 12 / 365],
        }
    )
    assert_frame_equal(spend.collect(), expected)
    total = spend_total(spend, "USD").collect()
    assert total["spend"].item() == pytest.approx(SPEND_CURRENT)
    assert total["other_currencies"].to_list() == [["EUR"]]  # named, never added in
    # With a configured rate (USD per EUR) the EUR record is converted and added.
    converted = spend_total(spend, "USD", {"EUR": 1.1}).collect()
    assert converted["spend"].item() == pytest.approx(SPEND_CURRENT + 7.0 * 1.1)
    assert converted["other_currencies"].to_list() == [[]]


# --- the overview ----------------------------------------------------------------------


def test_overview_kpis_current_and_previous(store) -> None:  # type: ignore[no-untyped-def]
    merged, activity = _work(store)
    got = overview_kpis(
        merged, activity, store["seat_plans"], store["cost_records"], PERIOD, "USD"
    ).collect()
    expected = pl.DataFrame(
        {
            "period": ["current", "previous"],
            "start": [dt.date(2025, 3, 1), dt.date(2025, 2, 15)],
            "end": [dt.date(2025, 3, 15), dt.date(2025, 3, 1)],
            "days": [14, 14],
            "merged_prs": [6, 3],
            "ai_prs": [3, 1],
            "ai_share": [0.5, 1 / 3],
            "active_engineers": [3, 3],
            "throughput": [1.0, 0.5],
            "spend": [SPEND_CURRENT, SPEND_PREVIOUS],
            # The USD records are billed; the configured seat plans are the estimate.
            "spend_billed": [12.5, 3.0],
            "spend_estimated": [SPEND_CURRENT - 12.5, SPEND_PREVIOUS - 3.0],
            "currency": ["USD", "USD"],
            "other_currencies": [["EUR"], []],
            "cost_per_merged_pr": [SPEND_CURRENT / 6, SPEND_PREVIOUS / 3],
        },
        schema_overrides={"other_currencies": pl.List(pl.String)},
    )
    assert_frame_equal(got, expected)


def test_weekly_trend(store) -> None:  # type: ignore[no-untyped-def]
    merged, activity = _work(store)
    got = weekly_trend(merged, activity, PERIOD, "monday").collect()
    # 2025-03-01 is a Saturday: the first week has 2 days in the period, the last 5.
    expected = pl.DataFrame(
        {
            "week_start": [dt.date(2025, 2, 24), dt.date(2025, 3, 3), dt.date(2025, 3, 10)],
            "days": [2, 7, 5],
            "merged_prs": [2, 2, 2],  # 13, 1 | 3, 2 | 5, 8
            "ai_prs": [1, 1, 1],
            "ai_share": [0.5, 0.5, 0.5],
            "active_engineers": [2, 3, 0],  # bob, alice | + erin | the agent and the ghost
            "throughput": [None, 2 / 3, None],  # full weeks only
        }
    )
    assert_frame_equal(got, expected)
    sunday = weekly_trend(merged, activity, PERIOD, "sunday").collect()
    assert sunday["week_start"].to_list() == [
        dt.date(2025, 2, 23),
        dt.date(2025, 3, 2),
        dt.date(2025, 3, 9),
    ]
    assert sunday["days"].to_list() == [1, 7, 6]
    assert sunday["merged_prs"].to_list() == [1, 2, 3]  # 13 | 1, 3 | 2, 5, 8


def test_last_collected(store) -> None:  # type: ignore[no-untyped-def]
    got = last_collected(store["sync_state"]).collect()
    assert_frame_equal(
        got,
        pl.DataFrame(
            {"last_collected": [ts("2025-03-14T03:30:00")]},
            schema={"last_collected": pl.Datetime("us", "UTC")},
        ),
    )


# --- the edge: store + tags -> facts ----------------------------------------------------


def test_load_facts_from_stored_tags(engine, store) -> None:  # type: ignore[no-untyped-def]
    """With tags equivalent to the hand-made flags, the store gives the same frames."""
    # entity, entity_key, rule, tool, kind
    rows = [
        ("pull_request", "1", "claude-body", "claude-code", "assisted"),
        ("pull_request", "3", "copilot-label", "github-copilot", "assisted"),
        ("pull_request", "5", "copilot-agent", "github-copilot", "authored"),
        ("pull_request", "6", "cursor-label", "cursor", "assisted"),
        ("pull_request", "10", "cursor-label", "cursor", "assisted"),
        ("commit", "c3", "claude-author", "claude-code", "authored"),
        ("pull_request", "2", "weak-guess", "cursor", "assisted"),  # low: below the floor
    ]
    tags = pl.DataFrame(
        {
            "entity": [r[0] for r in rows],
            "repo_id": [1] * len(rows),
            "entity_key": [r[1] for r in rows],
            "rule_id": [r[2] for r in rows],
            "tool_id": [r[3] for r in rows],
            "kind": [r[4] for r in rows],
            "field": ["pr.body"] * len(rows),
            "confidence": ["high"] * (len(rows) - 1) + ["low"],
            "matched": ["x"] * len(rows),
            "tagged_at": [ts("2025-03-16T00:00:00")] * len(rows),
        }
    )
    write_frames(engine, [(s.ai_tags, tags)])
    facts = load_facts(engine, min_confidence="medium", exclude=tuple(EXCLUDE), bots=tuple(BOTS))
    merged, activity = _work(store)
    order = ["repo_id", "number"]
    columns = [
        "repo_id", "number", "merged_at", "author_key", "is_ai", "is_agent", "is_ai_reviewed",
        "ai_tool", "counted", "by_engineer",
    ]  # fmt: skip
    stored = facts.prs.filter(pl.col("merged_at").is_not_null()).select(columns).sort(order)
    assert_frame_equal(stored, merged.select(columns).collect().sort(order))
    who = ["person_key", "at"]
    assert_frame_equal(
        facts.activity.select(who).sort("at", "person_key"),
        activity.select(who).collect().sort("at", "person_key"),
    )
    assert facts.prs["merged_at"].max() == ts("2025-03-15T00:00:00")
    assert facts.seat_plans.height == 3 and facts.cost_records.height == 4
