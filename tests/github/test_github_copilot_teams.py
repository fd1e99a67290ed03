"""The Copilot user-teams report (``copilot_user_teams``) and the users' AI adoption phases
(``copilot_adoption_phases``), read from the fake GitHub serving the sample reports
(tests/fixtures/github/copilot/copilot-user-teams-1-day-report*.ndjson, SOURCE in
tests/fixtures/github/README.md)."""

from __future__ import annotations

import copy
from datetime import date

import polars as pl

from aimetrics.store import read_table
from aimetrics.store import schema as s

from collector_helpers import Collector, acme, settings_for
from fakes.github_data import FakeOrg, ndjson_records, with_copilot
from fakes.github_server import FakeGitHub

ORG_FILE = "copilot-user-teams-1-day-report.ndjson"
ENTERPRISE_FILE = "copilot-user-teams-1-day-report-enterprise.ndjson"
TODAY = date(2026, 8, 3)


def _teams(name: str, day: str) -> list[dict]:
    records = copy.deepcopy(ndjson_records(name))
    for record in records:
        record["day"] = day
    return records


def _stored(collector: Collector) -> pl.DataFrame:
    return read_table(collector.engine, s.copilot_user_teams).sort(
        "scope", "day", "user_id", "team_id"
    )


def _keys(records: list[dict], scope: str = "organization") -> list[tuple]:
    return sorted(
        (
            scope,
            date.fromisoformat(r["day"]),
            r["user_id"],
            r["team_id"],
            r["user_login"],
            r["slug"],
        )
        for r in records
    )


def _asked(fake: FakeGitHub) -> list[str]:
    return sorted(
        r.query["day"][0] for r in fake.requests if r.kind == "rest" and "user-teams" in r.path
    )


def _org_with_teams(fake: FakeGitHub) -> FakeOrg:
    org = with_copilot(acme(fake))
    org.reports[("user-teams", "2026-08-01")] = _teams(ORG_FILE, "2026-08-01")
    org.reports[("user-teams", "2026-08-02")] = _teams(ORG_FILE, "2026-08-02")
    org.reports[("user-teams", "2026-07-31")] = 204  # no report that day
    return org


def _rows(frame: pl.DataFrame) -> list[tuple]:
    return sorted(
        frame.select("scope", "day", "user_id", "team_id", "user_login", "team_slug").rows()
    )


def test_first_run_then_rerun_asks_only_new_days_and_keeps_one_row_each(
    collector: Collector, fake_github: FakeGitHub
) -> None:
    org = _org_with_teams(fake_github)
    settings = settings_for(fake_github, orgs=["acme"])
    collector.run(settings, today=TODAY)
    # The finished days of the 28-day window; days without a report (204/404) are fine.
    assert _asked(fake_github) == [f"2026-07-{d:02d}" for d in range(6, 32)] + [
        "2026-08-01",
        "2026-08-02",
    ]
    assert not collector.recorder.warnings
    want = _keys(
        org.reports[("user-teams", "2026-08-01")] + org.reports[("user-teams", "2026-08-02")]
    )
    assert _rows(_stored(collector)) == want
    # Next day: the new day and the look-back only, nothing doubles.
    fake_github.reset_log()
    collector.run(settings, today=date(2026, 8, 4))
    assert _asked(fake_github) == ["2026-08-01", "2026-08-02", "2026-08-03"]
    assert _rows(_stored(collector)) == want


def test_a_day_read_again_replaces_its_rows(collector: Collector, fake_github: FakeGitHub) -> None:
    org = _org_with_teams(fake_github)
    settings = settings_for(fake_github, orgs=["acme"])
    collector.run(settings, today=TODAY)
    # GitHub corrects Aug 2: carol left the team; the look-back reads it again.
    corrected = [
        r for r in org.reports[("user-teams", "2026-08-02")] if r["user_login"] != "carol-sre"
    ]
    org.reports[("user-teams", "2026-08-02")] = corrected
    collector.run(settings, today=date(2026, 8, 4))
    day = _stored(collector).filter(pl.col("day") == date(2026, 8, 2))
    assert _rows(day) == _keys(corrected)


def test_enterprise_report_keeps_a_user_in_two_teams_as_two_rows(
    collector: Collector, fake_github: FakeGitHub
) -> None:
    org = _org_with_teams(fake_github)
    enterprise = FakeOrg("acme-ent", 77, latest=copy.deepcopy(org.latest))
    enterprise.latest["enterprise"] = enterprise.latest.pop("organization")
    records = _teams(ENTERPRISE_FILE, "2026-08-02")
    enterprise.reports[("user-teams", "2026-08-02")] = records
    fake_github.enterprises["acme-ent"] = enterprise
    collector.run(settings_for(fake_github, orgs=["acme"], enterprise="acme-ent"), today=TODAY)
    stored = _stored(collector)
    assert _rows(stored.filter(pl.col("scope") == "enterprise")) == _keys(records, "enterprise")
    alice = stored.filter((pl.col("scope") == "enterprise") & (pl.col("user_login") == "alice-dev"))
    assert sorted(alice["team_slug"]) == sorted(r["slug"] for r in records if r["user_id"] == 1001)
    assert alice.height == 2  # one row per team: never one user counted once across teams
    # The org's rows stay apart from the enterprise's.
    assert stored.filter(pl.col("scope") == "organization").height == 2 * len(
        ndjson_records(ORG_FILE)
    )


def test_403_warns_once_naming_the_permission_and_the_rest_is_stored(
    collector: Collector, fake_github: FakeGitHub
) -> None:
    org = _org_with_teams(fake_github)
    org.reports[("user-teams", "2026-07-06")] = 403
    collector.run(settings_for(fake_github, orgs=["acme"]), today=TODAY)
    warnings = collector.recorder.warnings
    assert len(warnings) == 1
    assert warnings[0].startswith("Copilot user-teams report of acme: GitHub answered 403")
    assert "read:org" in warnings[0] and "\n" not in warnings[0]
    assert _stored(collector).is_empty()
    # The usage reports and their phases are stored all the same.
    assert not read_table(collector.engine, s.copilot_usage).is_empty()
    assert not read_table(collector.engine, s.copilot_adoption_phases).is_empty()
    # A later run asks again (the refused day was not recorded as read).
    fake_github.reset_log()
    org.reports.pop(("user-teams", "2026-07-06"))
    collector.run(settings_for(fake_github, orgs=["acme"]), today=TODAY)
    assert "2026-07-06" in _asked(fake_github)
    assert not _stored(collector).is_empty()


def test_5xx_is_retried(collector: Collector, fake_github: FakeGitHub) -> None:
    _org_with_teams(fake_github)
    fault = fake_github.inject("status", target=r"reports/user-teams-1-day", times=2, status=500)
    collector.run(settings_for(fake_github, orgs=["acme"]), today=TODAY)
    assert fault.times == 0  # both 500s were served, then retried
    assert not collector.recorder.warnings
    assert _stored(collector).height == 2 * len(ndjson_records(ORG_FILE))


def test_a_lasting_5xx_warns_and_the_days_before_it_are_kept(
    collector: Collector, fake_github: FakeGitHub
) -> None:
    _org_with_teams(fake_github)
    # The 28th day asked (Aug 2) fails on every attempt; the days before it were read.
    fault = fake_github.inject(
        "status", target=r"reports/user-teams-1-day", times=50, status=503, skip=27
    )
    collector.run(settings_for(fake_github, orgs=["acme"]), today=TODAY)
    assert fault.times < 50
    warnings = collector.recorder.warnings
    assert len(warnings) == 1 and "re-run later" in warnings[0]
    assert warnings[0].startswith("Copilot user-teams report of acme:")
    assert set(_stored(collector)["day"]) == {date(2026, 8, 1)}


def test_adoption_phases_one_row_per_user_day_keyed_on_phase_number(
    collector: Collector, fake_github: FakeGitHub
) -> None:
    org = with_copilot(acme(fake_github))
    enterprise = FakeOrg("acme-ent", 77, latest=copy.deepcopy(org.latest))
    enterprise.latest["enterprise"] = enterprise.latest.pop("organization")
    fake_github.enterprises["acme-ent"] = enterprise
    settings = settings_for(fake_github, orgs=["acme"], enterprise="acme-ent")
    collector.run(settings, today=TODAY)
    collector.run(settings, today=TODAY)
    stored = read_table(collector.engine, s.copilot_adoption_phases)
    users = ndjson_records("copilot-users-28-day-report.ndjson")
    assert sorted(
        stored.select("day", "user_login", "phase_number", "phase", "version").rows()
    ) == (
        sorted(
            (
                date.fromisoformat(u["day"]),
                u["user_login"].lower(),
                u["ai_adoption_phase"]["phase_number"],
                u["ai_adoption_phase"]["phase"],
                u["ai_adoption_phase"]["version"],
            )
            for u in users
        )
    )


def test_users_without_a_phase_are_unknown_not_phase_0(
    collector: Collector, fake_github: FakeGitHub
) -> None:
    org = with_copilot(acme(fake_github))
    start, end, users = org.latest["users"]
    users = copy.deepcopy(users)
    for user in users[:3]:
        user.pop("ai_adoption_phase")
    org.latest["users"] = (start, end, users)
    collector.run(settings_for(fake_github, orgs=["acme"]), today=TODAY)
    stored = read_table(collector.engine, s.copilot_adoption_phases)
    assert stored.height == len(users) - 3
    gone = {(date.fromisoformat(u["day"]), u["user_login"].lower()) for u in users[:3]}
    assert not gone & set(stored.select("day", "user_login").rows())
