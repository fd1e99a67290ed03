"""The 2026 fields of the Copilot usage reports stored as vendor evidence (``vendor_usage``,
source ``github-copilot-report``): per-user AI credits and CLI use, and the coding agent's
pull requests per organization and day, from the sample reports the fake GitHub serves."""

from __future__ import annotations

import copy
import json
from datetime import date

import polars as pl
import pytest

from aimetrics.metrics.evidence import vendor_usage_evidence
from aimetrics.store import read_table
from aimetrics.store import schema as s

from collector_helpers import Collector, acme, settings_for
from fakes.github_data import FakeOrg, ndjson_records, with_copilot
from fakes.github_server import FakeGitHub

SOURCE = "github-copilot-report"


def _usage(collector: Collector) -> pl.DataFrame:
    return read_table(collector.engine, s.vendor_usage).filter(pl.col("source") == SOURCE)


def _users() -> list[dict]:
    return ndjson_records("copilot-users-28-day-report.ndjson")


def _org_totals() -> list[dict]:
    return ndjson_records("copilot-org-28-day-report.ndjson")[0]["day_totals"]


def test_ai_credits_cli_use_and_coding_agent_prs_are_stored(
    collector: Collector, fake_github: FakeGitHub
) -> None:
    with_copilot(acme(fake_github))
    collector.run(settings_for(fake_github, orgs=["acme"]))
    usage = _usage(collector)
    people = usage.filter(pl.col("user_login").is_not_null())
    assert people.height == len(_users())
    for user in _users():
        row = people.filter(
            (pl.col("user_login") == user["user_login"])
            & (pl.col("day") == date.fromisoformat(user["day"]))
        ).row(0, named=True)
        assert row["cost"] == pytest.approx(user["ai_credits_used"] * 0.01)
        assert row["currency"] == "USD" and row["tool_id"] == "github-copilot"
        cli = user.get("totals_by_cli") or {}
        assert (row["sessions"], row["requests"]) == (
            cli.get("session_count"), cli.get("request_count")
        )  # fmt: skip
        assert json.loads(row["record"])["ai_credits_used"] == user["ai_credits_used"]
    prs = usage.filter(pl.col("user_login").is_null()).sort("day")
    assert prs.select("day", "pull_requests").rows() == [
        (date.fromisoformat(t["day"]), t["pull_requests"]["total_created_by_copilot"])
        for t in _org_totals()
    ]
    assert json.loads(prs["record"][0])["pull_requests"] == _org_totals()[0]["pull_requests"]
    # Never billed spend: nothing of it reaches the cost records.
    costs = read_table(collector.engine, s.cost_records)
    assert costs.filter(pl.col("source") == SOURCE).is_empty()


def test_rerun_keeps_one_row_per_user_day_and_absent_credits_stay_unknown(
    collector: Collector, fake_github: FakeGitHub
) -> None:
    org = with_copilot(acme(fake_github))
    users = copy.deepcopy(_users())
    for user in users[:2]:
        user.pop("ai_credits_used")
        user.pop("totals_by_cli", None)
    start, end, _ = org.latest["users"]
    org.latest["users"] = (start, end, users)
    settings = settings_for(fake_github, orgs=["acme"])
    collector.run(settings)
    first = _usage(collector)
    collector.run(settings)
    again = _usage(collector)
    assert sorted(again.rows()) == sorted(first.rows())
    assert again.height == again["record_key"].n_unique()
    logins = set(
        again.filter(pl.col("user_login").is_not_null()).select("user_login", "day").rows()
    )
    for user in users[:2]:  # no field to add: no row, not a row of zeros
        assert (user["user_login"], date.fromisoformat(user["day"])) not in logins


def test_org_and_enterprise_reports_of_a_user_day_are_one_row(
    collector: Collector, fake_github: FakeGitHub
) -> None:
    org = with_copilot(acme(fake_github))
    enterprise = FakeOrg("acme-ent", 77, latest=copy.deepcopy(org.latest))
    enterprise.latest["enterprise"] = enterprise.latest.pop("organization")
    fake_github.enterprises["acme-ent"] = enterprise
    collector.run(settings_for(fake_github, orgs=["acme"], enterprise="acme-ent"))
    usage = _usage(collector)
    people = usage.filter(pl.col("user_login").is_not_null())
    assert people.height == len(_users())
    # The enterprise's PR totals hold the org's again: only the org's are kept.
    prs = usage.filter(pl.col("user_login").is_null())
    assert {json.loads(r)["scope"] for r in prs["record"]} == {"organization"}
    assert prs.height == len(_org_totals())


def test_users_with_ai_credits_are_evidence_of_copilot_use(
    collector: Collector, fake_github: FakeGitHub
) -> None:
    with_copilot(acme(fake_github))
    collector.run(settings_for(fake_github, orgs=["acme"]))
    usage = read_table(collector.engine, s.vendor_usage)
    evidence = vendor_usage_evidence(usage.lazy()).collect()
    want = {
        (u["user_login"], date.fromisoformat(u["day"]))
        for u in _users()
        if u["ai_credits_used"] > 0 or (u.get("totals_by_cli") or {}).get("session_count")
    }
    assert set(evidence.select("person_key", "day").rows()) == want
    assert set(evidence["tool_id"]) == {"github-copilot"}


def _repos(day: str) -> list[dict]:
    records = copy.deepcopy(ndjson_records("copilot-repos-1-day-report.ndjson"))
    for record in records:
        record["day"] = day
    return records


def _pr_rows(collector: Collector) -> pl.DataFrame:
    usage = _usage(collector).filter(pl.col("user_login").is_null())
    kind = pl.col("record").map_elements(
        lambda r: "repo" if "repo_id" in json.loads(r) else "org", return_dtype=pl.String
    )
    return usage.with_columns(kind.alias("kind")).sort("day", "record_key")


def test_repository_report_counts_a_day_instead_of_the_org_total(
    collector: Collector, fake_github: FakeGitHub
) -> None:
    org = with_copilot(acme(fake_github))
    # Aug 1 and 2 with repositories, Jul 31 none (204); the other days have no report (404).
    org.reports[("repos", "2026-08-01")] = _repos("2026-08-01")
    org.reports[("repos", "2026-08-02")] = _repos("2026-08-02")
    org.reports[("repos", "2026-07-31")] = 204
    settings = settings_for(fake_github, orgs=["acme"])
    collector.run(settings, today=date(2026, 8, 3))
    asked = sorted(
        r.query["day"][0]
        for r in fake_github.requests
        if r.kind == "rest" and "repos-1-day" in r.path
    )  # the finished days since the report exists (2026-07-17), within 28 days
    assert asked == [f"2026-07-{d}" for d in range(17, 32)] + ["2026-08-01", "2026-08-02"]
    prs = _pr_rows(collector)
    by_day = {
        day: (sorted(set(g["kind"])), g["pull_requests"].sum())
        for (day,), g in prs.group_by("day", maintain_order=True)
    }
    repos = _repos("x")
    per_day = sum(r["pull_requests"]["total_created_by_copilot"] for r in repos)
    totals = {date.fromisoformat(t["day"]): t["pull_requests"] for t in _org_totals()}
    assert by_day == {
        date(2026, 7, 31): (["org"], totals[date(2026, 7, 31)]["total_created_by_copilot"]),
        date(2026, 8, 1): (["repo"], per_day),
        date(2026, 8, 2): (["repo"], per_day),
    }
    names = {json.loads(r)["repo_name"] for r in prs.filter(pl.col("kind") == "repo")["record"]}
    assert names == {r["repo_name"] for r in repos}
    # Next day: only the new day and the look-back are asked; nothing doubles.
    fake_github.reset_log()
    collector.run(settings, today=date(2026, 8, 4))
    asked = sorted(
        r.query["day"][0]
        for r in fake_github.requests
        if r.kind == "rest" and "repos-1-day" in r.path
    )
    assert asked == ["2026-08-01", "2026-08-02", "2026-08-03"]
    again = _pr_rows(collector)
    assert sorted(again.rows()) == sorted(prs.rows())


def test_org_row_stored_before_the_repository_report_is_replaced(
    collector: Collector, fake_github: FakeGitHub
) -> None:
    org = with_copilot(acme(fake_github))
    settings = settings_for(fake_github, orgs=["acme"])
    collector.run(settings, today=date(2026, 8, 2))  # Aug 2 not finished: org total only
    assert _pr_rows(collector).filter(pl.col("day") == date(2026, 8, 2))["kind"].to_list() == [
        "org"
    ]
    org.reports[("repos", "2026-08-02")] = _repos("2026-08-02")
    collector.run(settings, today=date(2026, 8, 3))
    day = _pr_rows(collector).filter(pl.col("day") == date(2026, 8, 2))
    assert set(day["kind"]) == {"repo"}
