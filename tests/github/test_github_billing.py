"""Copilot's billed spend from GitHub's billing usage API inside ``collect github``, against
the fake GitHub (``/organizations|enterprises/{owner}/settings/billing/usage``, items built
from the documented sample in tests/fixtures/github/rest/billing-usage.json)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from aimetrics.settings import ReportingSettings
from aimetrics.store import read_table
from aimetrics.store import schema as s
from aimetrics.tagging import RuleSet
from collectors.costs.load import import_file

from collector_helpers import Collector, acme, settings_for
from fakes.github_data import FakeOrg, billing_items, with_copilot
from fakes.github_server import FakeGitHub, Fault

TODAY = date(2026, 7, 10)
FIRST = TODAY - timedelta(days=19)  # a 20-day window: June 21 .. July 10


def _billing(
    fake: FakeGitHub, *, first: date = FIRST, last: date = TODAY + timedelta(5)
) -> FakeOrg:
    org = acme(fake)
    org.billing_items = billing_items(first.isoformat(), last.isoformat(), "acme")
    return org


def _settings(fake: FakeGitHub, **github: object):
    values = {"orgs": ["acme"], "billing_history_days": 20, "billing_lookback_days": 2, **github}
    return settings_for(fake, **values)


def _billing_requests(fake: FakeGitHub) -> list[tuple[str, str]]:
    return [
        (r.query["year"][0], r.query["month"][0])
        for r in fake.requests
        if "/settings/billing/usage" in r.path
    ]


def _copilot_net(items: list[dict], days: set[date]) -> dict[date, float]:
    """Net Copilot spend per day, from the fake's own items (Actions is no AI spend)."""
    out: dict[date, float] = {}
    for item in items:
        day = date.fromisoformat(item["date"])
        if item["product"] == "copilot" and day in days:
            out[day] = out.get(day, 0.0) + item["netAmount"]
    return out


def _costs(collector: Collector) -> pl.DataFrame:
    return read_table(collector.engine, s.cost_records)


def test_first_run_stores_copilot_billed_spend_per_day_and_sku(
    collector: Collector, fake_github: FakeGitHub
) -> None:
    org = _billing(fake_github)
    summary = collector.run(_settings(fake_github), today=TODAY)
    assert not collector.recorder.warnings
    costs = _costs(collector)
    window = {FIRST + timedelta(i) for i in range(20)}
    assert set(costs["day"]) == window  # nothing after today, nothing before the window
    assert set(costs["source"]) == {"github-billing"} and costs["billed"].all()
    assert set(costs["tool_id"]) == {"github-copilot"}
    got = dict(costs.group_by("day").agg(pl.col("amount").sum()).rows())
    want = _copilot_net(org.billing_items, window)
    assert got.keys() == want.keys()
    for day, amount in want.items():
        assert got[day] == pytest.approx(amount)
    # A seat SKU is a seat licence; AI credits keep their unit; one request per month.
    units = dict(costs.select("unit", "quantity").group_by("unit").len().rows())
    assert {"user-months", "ai-credits"} <= set(units)
    assert _billing_requests(fake_github) == [("2026", "6"), ("2026", "7")]
    assert summary.billing_rows == costs.height
    states = read_table(collector.engine, s.sync_state).filter(
        pl.col("source") == "vendor:github-billing"
    )
    assert states.height == 20
    assert set(states.filter(pl.col("scope").str.ends_with(str(TODAY)))["status"]) == {"partial"}


def test_rerun_asks_only_for_months_with_new_days_and_never_duplicates(
    collector: Collector, fake_github: FakeGitHub
) -> None:
    org = _billing(fake_github, last=date(2026, 8, 10))
    collector.run(_settings(fake_github), today=TODAY)
    fake_github.reset_log()
    later = date(2026, 8, 2)
    wider = _settings(fake_github, billing_history_days=40)  # back to June 24: no gap
    collector.run(wider, today=later)
    # July 10 (partial) .. August 2 are new: July and August; June is complete.
    assert _billing_requests(fake_github) == [("2026", "7"), ("2026", "8")]
    costs = _costs(collector)
    assert costs.height == costs["record_key"].n_unique()
    window = {FIRST + timedelta(i) for i in range((later - FIRST).days + 1)}
    assert costs["amount"].sum() == pytest.approx(
        sum(_copilot_net(org.billing_items, window).values())
    )
    # A correction GitHub makes inside the look-back replaces the day's amount.
    for item in org.billing_items:
        if item["date"] == str(later) and item["sku"] == "copilot_ai_credit":
            item["netAmount"] += 100.0
    fake_github.reset_log()
    collector.run(wider, today=later)
    assert _billing_requests(fake_github) == [("2026", "7"), ("2026", "8")]  # look-back: Jul 31
    after = _costs(collector)
    assert after.height == costs.height
    assert after["amount"].sum() == pytest.approx(costs["amount"].sum() + 100.0)


def test_an_api_run_and_an_import_of_the_same_response_are_one_set_of_rows(
    collector: Collector, fake_github: FakeGitHub, tmp_path: Path
) -> None:
    org = _billing(fake_github)
    collector.run(_settings(fake_github), today=TODAY)
    before = sorted(_costs(collector).rows(), key=repr)
    july = [
        i for i in org.billing_items if i["date"].startswith("2026-07") and i["date"] <= str(TODAY)
    ]
    path = tmp_path / "usage_2026-07.json"
    path.write_text(json.dumps({"usageItems": july}))
    import_file(collector.engine, path, "github-billing", ReportingSettings())
    assert sorted(_costs(collector).rows(), key=repr) == before


def test_org_and_its_enterprise_list_the_same_items_once(
    collector: Collector, fake_github: FakeGitHub
) -> None:
    org = _billing(fake_github)
    fake_github.enterprises["acme-ent"] = FakeOrg("acme-ent", 77, billing_items=org.billing_items)
    collector.run(_settings(fake_github, enterprise="acme-ent"), today=TODAY)
    paths = {r.path for r in fake_github.requests if "/settings/billing/usage" in r.path}
    assert paths == {
        "/organizations/acme/settings/billing/usage",
        "/enterprises/acme-ent/settings/billing/usage",
    }
    costs = _costs(collector)
    window = {FIRST + timedelta(i) for i in range(20)}
    assert costs["amount"].sum() == pytest.approx(
        sum(_copilot_net(org.billing_items, window).values())
    )


@pytest.mark.parametrize(
    ("status", "said"),
    [(403, "manage_billing:copilot"), (404, "set github.enterprise")],
)
def test_refused_billing_is_one_warning_and_the_rest_is_collected(
    collector: Collector, fake_github: FakeGitHub, status: int, said: str
) -> None:
    org = _billing(fake_github)
    org.billing_status = status
    summary = collector.run(_settings(fake_github), today=TODAY)
    warnings = [w for w in collector.recorder.warnings if "billing" in w]
    assert len(warnings) == 1 and "\n" not in warnings[0]
    assert "acme" in warnings[0] and said in warnings[0] and "Billing skipped" in warnings[0]
    assert len(_billing_requests(fake_github)) == 1  # not asked again for every month
    assert _costs(collector).is_empty()
    assert summary.count("complete") == 1  # the repository was still collected


def test_a_5xx_keeps_the_months_stored_and_the_next_run_resumes(
    collector: Collector, fake_github: FakeGitHub
) -> None:
    _billing(fake_github)
    fake_github.faults.append(
        Fault("status", target=r"billing/usage", status=503, times=20, skip=1)
    )
    collector.run(_settings(fake_github), today=TODAY)
    warnings = [w for w in collector.recorder.warnings if "billing" in w]
    assert len(warnings) == 1 and "re-run later" in warnings[0]
    assert {d.month for d in _costs(collector)["day"]} == {6}  # June stored, July failed
    fake_github.faults.clear()
    fake_github.reset_log()
    collector.run(_settings(fake_github), today=TODAY)
    assert _billing_requests(fake_github) == [("2026", "7")]
    assert {d.month for d in _costs(collector)["day"]} == {6, 7}


def test_billing_can_be_turned_off(collector: Collector, fake_github: FakeGitHub) -> None:
    _billing(fake_github)
    collector.run(_settings(fake_github, billing=False), today=TODAY)
    assert _billing_requests(fake_github) == []
    assert _costs(collector).is_empty()


def test_billing_and_report_evidence_on_both_backends(
    fake_github: FakeGitHub, engine: sa.Engine, ruleset: RuleSet, token: str
) -> None:
    """The same run on SQLite and PostgreSQL (conftest's ``engine``): billed spend and the
    Copilot report's vendor evidence, stored once however often the run repeats."""
    org = with_copilot(_billing(fake_github))
    collector = Collector(fake_github, engine, ruleset)
    for _ in range(2):
        collector.run(_settings(fake_github), today=TODAY)
    costs = read_table(engine, s.cost_records)
    window = {FIRST + timedelta(i) for i in range(20)}
    want = sum(_copilot_net(org.billing_items, window).values())
    assert costs["amount"].sum() == pytest.approx(want)
    assert costs.height == costs["record_key"].n_unique()
    usage = read_table(engine, s.vendor_usage)
    assert usage.height == usage["record_key"].n_unique() > 0
    assert set(usage["source"]) == {"github-copilot-report"}


def test_rate_limit_with_retry_after_is_waited_out(
    collector: Collector, fake_github: FakeGitHub
) -> None:
    org = _billing(fake_github)
    fake_github.faults.append(
        Fault("rate_limit", target=r"billing/usage", status=429, retry_after=1)
    )
    collector.run(_settings(fake_github), today=TODAY)
    assert not [w for w in collector.recorder.warnings if "billing" in w]
    assert len(_billing_requests(fake_github)) == 3  # June asked twice, then July
    window = {FIRST + timedelta(i) for i in range(20)}
    want = sum(_copilot_net(org.billing_items, window).values())
    assert _costs(collector)["amount"].sum() == pytest.approx(want)
