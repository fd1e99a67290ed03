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
