"""Budgets: the month-end forecast by hand, a team's spend as the Cost page allocates it, and
`aimetrics budget check`'s exit codes as cron sees them (the installed command, real stores)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from aimetrics.figures.budget import budgets
from aimetrics.figures.compute import compute_figures
from aimetrics.metrics.adoption import Selection
from aimetrics.metrics.budget import OVER, WITHIN, last_data_day
from aimetrics.metrics.period import Period
from aimetrics.settings import parse_settings
from aimetrics.store import create_store_engine, upgrade, write_frames
from aimetrics.store import schema as s

from samples import seed_small_store, store_facts

AIMETRICS = shutil.which("aimetrics", path=str(Path(sys.executable).parent)) or "aimetrics"
AS_OF = dt.date(2026, 3, 10)

# GitHub Copilot: 10 seats at $36.50 a month = 10 × 36.5 × 12 / 365 = $12 a day; billed
# usage of $3 a day from Feb 15 to Mar 10 (daily records, as the billing usage report has).
CONFIG = """
ai_tools:
  - id: github-copilot
    plans:
      - {name: business, price_per_seat_month: 36.5, seats: [{from: 2026-01-01, count: 10}]}
budgets:
  - {tool: github-copilot, monthly: BUDGET}
"""


def _settings(budget: float):  # type: ignore[no-untyped-def]
    return parse_settings(CONFIG.replace("BUDGET", str(budget)), "budget.yaml")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('budget') / 'store.db'}"
    engine = create_store_engine(url)
    upgrade(engine)
    seed_small_store(engine)
    days = pl.date_range(dt.date(2026, 2, 15), AS_OF, eager=True)
    usage = pl.DataFrame(
        {
            "record_key": [f"github-billing:acme:{d}" for d in days],
            "source": "github-billing",
            "tool_id": "github-copilot",
            "day": days,
            "billed": True,
            "amount": 3.0,
            "currency": "USD",
            "quantity": 75.0,
            "unit": "premium-requests",
        }
    )
    write_frames(engine, [(s.cost_records, usage)])
    engine.dispose()
    return url


def test_the_forecast_by_hand(store: str) -> None:
    # To date (Mar 1-10): 10 × (12 + 3) = 150. Run rate: seats 12 a day; usage of the 30
    # days Feb 9 - Mar 10: 24 days × 3 = 72, so 2.4 a day. 21 days left: 150 + 21 × 14.4.
    settings = _settings(400)
    row = budgets(store_facts(store, settings), settings, AS_OF).row(0, named=True)
    assert row["month"] == dt.date(2026, 3, 1) and row["days_left"] == 21
    assert row["spend_to_date"] == pytest.approx(150.0)
    assert row["daily_run_rate"] == pytest.approx(14.4)
    assert row["forecast"] == pytest.approx(452.4)
    assert row["gap"] == pytest.approx(400 - 452.4)
    assert row["status"] == OVER
    within = budgets(store_facts(store, _settings(500)), _settings(500), AS_OF)
    assert within["status"].to_list() == [WITHIN]


def test_the_forecast_starts_from_the_last_day_with_data() -> None:
    # Billing lags: with cost data to Mar 10 and merges to Mar 8, a check on Mar 20
    # forecasts from Mar 10, not from today; and never from a day after today.
    costs = pl.LazyFrame({"day": [dt.date(2026, 2, 1), AS_OF]})
    merged = pl.LazyFrame({"merged_at": [dt.datetime(2026, 3, 8, 23, tzinfo=dt.UTC)]})
    assert last_data_day(costs, merged, dt.date(2026, 3, 20)) == AS_OF
    assert last_data_day(costs, merged, dt.date(2026, 3, 5)) == dt.date(2026, 3, 5)
    no_costs = pl.LazyFrame(schema={"day": pl.Date})
    assert last_data_day(no_costs, merged, dt.date(2026, 3, 20)) == dt.date(2026, 3, 8)


def test_a_team_budget_counts_the_spend_the_cost_page_allocates_to_it(
    demo_store_url: str,
) -> None:
    from aimetrics.tagging.rules import shipped_config

    text = Path(shipped_config("demo.yaml")).read_text()
    settings = parse_settings(text, "demo.yaml")
    facts = store_facts(demo_store_url, settings)
    last = facts.cost_records["day"].max()
    month_end = (last.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(1)
    rows = budgets(facts, settings, month_end)
    payments = rows.filter(pl.col("target") == "payments").row(0, named=True)
    month = Period(month_end.replace(day=1), month_end + dt.timedelta(days=1))
    page = compute_figures(facts, settings, month, Selection(teams=("payments",)))
    spend = page.spend.figures.filter(pl.col("period") == "current")["spend"].item()
    assert payments["days_left"] == 0
    assert payments["spend_to_date"] == pytest.approx(spend, rel=1e-9)
    assert payments["forecast"] == pytest.approx(spend, rel=1e-9)


def _check(config: Path, db: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIMETRICS_")}
    return subprocess.run(
        [AIMETRICS, "budget", "check", "--db", db, "--config", str(config), *args],
        env={**env, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_budget_check_exit_codes(store: str, tmp_path: Path) -> None:
    over, within, none = tmp_path / "over.yaml", tmp_path / "within.yaml", tmp_path / "none.yaml"
    over.write_text(CONFIG.replace("BUDGET", "400"))
    within.write_text(CONFIG.replace("BUDGET", "500"))
    none.write_text("reporting: {currency: USD}\n")
    res = _check(over, store, "--as-of", "2026-03-10")
    assert res.returncode == 1, res.stderr
    assert "GitHub Copilot" in res.stdout and "$452" in res.stdout and "over budget" in res.stdout
    assert "Forecast over budget: GitHub Copilot" in res.stderr
    res = _check(within, store, "--as-of", "2026-03-10")
    assert res.returncode == 0, res.stderr
    assert "within budget" in res.stdout
    res = _check(none, store)
    assert res.returncode == 2
    assert "has no budgets" in res.stderr and "budgets:" in res.stderr
    res = _check(over, f"sqlite:///{tmp_path / 'missing.db'}")
    assert res.returncode == 2 and "error" in res.stderr


def test_the_store_needs_no_extra_table(store: str) -> None:
    # Budgets live in the configuration: nothing is written to the store.
    engine = create_store_engine(store)
    try:
        names = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert not any("budget" in n for n in names)


def test_a_mid_month_forecast_lands_near_the_month_end_spend(demo_store_url: str) -> None:
    # The demo's usage comes day by day (as the vendors' feeds do): a forecast made on the
    # 10th from seats and the usage run rate is within 10% of what the month then cost.
    from aimetrics.tagging.rules import shipped_config

    settings = parse_settings(Path(shipped_config("demo.yaml")).read_text(), "demo.yaml")
    facts = store_facts(demo_store_url, settings)
    last = facts.cost_records["day"].max()
    month_end = (last.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(1)
    early = budgets(facts, settings, month_end.replace(day=10))
    actual = budgets(facts, settings, month_end)
    assert early["days_left"].unique().to_list() == [month_end.day - 10]
    checked = 0
    for e, a in zip(early.iter_rows(named=True), actual.iter_rows(named=True), strict=True):
        assert e["target"] == a["target"]
        if a["spend_to_date"] == 0:  # a tool this small demo does not have
            continue
        checked += 1
        assert e["spend_to_date"] < a["spend_to_date"]
        assert e["forecast"] == pytest.approx(a["forecast"], rel=0.10), e["target"]
    assert checked >= 2
