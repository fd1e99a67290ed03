"""Copilot seats (snapshots build the history) and usage reports (signed downloads)."""

from __future__ import annotations

import copy
import json
from datetime import date

from aimetrics.store import read_table
from aimetrics.store import schema as s

from collector_helpers import Collector, acme, settings_for
from fakes.github_data import FakeOrg, ndjson_records, seat, with_copilot
from fakes.github_server import FakeGitHub


def _redate(records: list[dict], day: str) -> list[dict]:
    out = copy.deepcopy(records)
    for record in out:
        for key in ("day", "report_start_day", "report_end_day"):
            if key in record:
                record[key] = day
        for total in record.get("day_totals", []):
            total["day"] = day
    return out


def _with_copilot(fake: FakeGitHub) -> FakeOrg:
    return with_copilot(acme(fake, pulls=2))


def test_seats_snapshot_builds_history(collector: Collector, fake_github: FakeGitHub):
    org = _with_copilot(fake_github)
    settings = settings_for(fake_github, orgs=["acme"])
    summary = collector.run(settings, today=date(2026, 8, 3))
    assert summary.seats == 2
    org.seats = [org.seats[0], seat("carol", "2026-08-05T08:00:00Z", plan="enterprise")]

    collector.run(settings, today=date(2026, 8, 10))

    seats = read_table(collector.engine, s.seat_assignments).sort("login")
    assert seats.select("tool_id", "login", "assigned_on", "revoked_on", "plan").rows() == [
        ("github-copilot", "alice", date(2026, 1, 5), None, "business"),
        ("github-copilot", "bob", date(2026, 2, 1), date(2026, 8, 10), "business"),
        ("github-copilot", "carol", date(2026, 8, 5), None, "enterprise"),
    ]
    alice = seats.row(0, named=True)
    assert alice["last_activity_at"].isoformat() == "2026-08-01T09:00:00+00:00"
    assert read_table(collector.engine, s.ai_tools).rows() == [("github-copilot", "GitHub Copilot")]


def test_usage_reports_are_downloaded_without_authorization(
    collector: Collector, fake_github: FakeGitHub, token: str
):
    _with_copilot(fake_github)
    summary = collector.run(settings_for(fake_github, orgs=["acme"]))

    downloads = [r for r in fake_github.requests if r.kind == "blob"]
    assert len(downloads) == 3  # the org file, and the users report split in two parts
    assert all(r.authorization is None and r.status == 200 for r in downloads)
    usage = read_table(collector.engine, s.copilot_usage)
    assert summary.usage_rows == usage.height == 3 + 12
    aggregate = usage.filter(usage["user_login"] == "")
    totals = ndjson_records("copilot-org-28-day-report.ndjson")[0]["day_totals"]
    assert aggregate.sort("day").select("scope", "owner", "day", "active_users").rows() == [
        ("organization", "acme", date.fromisoformat(t["day"]), t["daily_active_users"])
        for t in totals
    ]
    alice = usage.filter(
        (usage["user_login"] == "alice-dev") & (usage["day"] == date(2026, 8, 2))
    ).row(0, named=True)
    assert alice["scope"] == "user"
    assert json.loads(alice["record"])["user_login"] == "alice-dev"
    assert alice["interactions"] == json.loads(alice["record"])["user_initiated_interaction_count"]
    assert not collector.recorder.warnings


def test_since_backfills_days_and_skips_missing_ones_quietly(
    collector: Collector, fake_github: FakeGitHub
):
    org = _with_copilot(fake_github)
    wrapped = ndjson_records("copilot-org-1-day-report.ndjson")
    users = ndjson_records("copilot-users-1-day-report.ndjson")
    org.reports = {
        ("organization", "2026-07-01"): _redate(wrapped, "2026-07-01"),
        ("users", "2026-07-01"): _redate(users, "2026-07-01"),
        # The flat shape: one day_totals element, no wrapper.
        ("organization", "2026-07-02"): _redate(wrapped, "2026-07-02")[0]["day_totals"],
        ("users", "2026-07-02"): _redate(users, "2026-07-02"),
        ("organization", "2026-07-03"): 204,
        ("users", "2026-07-03"): 204,
        ("organization", "2026-07-04"): 404,
        ("users", "2026-07-04"): 404,
    }

    collector.run(settings_for(fake_github, orgs=["acme"]), since=date(2026, 7, 1))

    usage = read_table(collector.engine, s.copilot_usage)
    days = sorted(set(usage.filter(usage["user_login"] == "")["day"].to_list()))
    assert [d.isoformat() for d in days] == [
        "2026-07-01",
        "2026-07-02",
        "2026-07-31",
        "2026-08-01",
        "2026-08-02",
    ]
    assert usage.filter(usage["day"] == date(2026, 7, 2)).height == 1 + 3
    assert not collector.recorder.warnings  # 204 and 404 mean "no report that day"
    asked = sorted(
        {
            r.query["day"][0]
            for r in fake_github.requests
            # repositories and user-teams: their own windows
            if "day" in r.query and not any(x in r.path for x in ("repos-1-day", "user-teams"))
        }
    )
    assert asked == ["2026-07-01", "2026-07-02", "2026-07-03", "2026-07-04", "2026-07-05"]


def test_copilot_403_warns_once_and_pull_requests_go_on(
    collector: Collector, fake_github: FakeGitHub
):
    org = _with_copilot(fake_github)
    org.copilot_status = 403

    summary = collector.run(settings_for(fake_github, orgs=["acme"]))

    assert [(r.full_name, r.status) for r in summary.repos] == [("acme/api", "complete")]
    assert len(collector.recorder.warnings) == 2
    seats_warning, usage_warning = collector.recorder.warnings
    assert seats_warning.startswith("Copilot seats of acme: GitHub answered 403")
    assert "manage_billing:copilot" in seats_warning
    assert usage_warning.startswith("Copilot usage reports of acme: GitHub answered 403")
    assert "'Copilot usage metrics' policy" in usage_warning
    assert read_table(collector.engine, s.seat_assignments).height == 0
