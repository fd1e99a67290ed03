"""Cost exports into ``cost_records``: every source and format, bad rows, currencies, re-imports.

The fixtures in ``tests/fixtures/costs`` are the synthesized vendor samples plus
hand-written files (see its README). Expected values are read off the files by
hand: GitHub's ``net_amount`` is what is billed; Anthropic amounts are cents;
OpenAI's are dollars; Cursor's ``Included`` events are paid by the seat.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from aimetrics.settings import ReportingSettings
from aimetrics.store import read_table
from aimetrics.store import schema as s
from aimetrics.store.types import table_schema
from collectors.costs import CostImportError, parse
from collectors.costs.load import import_file

FIXTURES = Path(__file__).parent / "fixtures" / "costs"
USD = ReportingSettings()
COLUMNS = {c: t for c, t in table_schema(s.cost_records).items() if c != "record_key"}
D = dt.date


def expected(rows: list[tuple]) -> pl.DataFrame:
    """Rows of (source, tool, day, billed, amount, gross, currency, quantity, unit, user, team)."""
    return pl.DataFrame(rows, schema=COLUMNS, orient="row")


def got(name: str, source: str) -> pl.DataFrame:
    frame = parse(FIXTURES / name, source)
    assert frame["record_key"].n_unique() == frame.height
    return frame.drop("record_key").sort("day", "amount", "gross_amount", "user_login")


def check(name: str, source: str, rows: list[tuple]) -> None:
    want = expected(rows).sort("day", "amount", "gross_amount", "user_login")
    assert_frame_equal(got(name, source), want)


# --- GitHub billing ---------------------------------------------------------------------


def test_github_usage_report_csv_keeps_copilot_rows_only() -> None:
    seat = 14.709677419354838  # a prorated seat: 0.774 user-months x $19
    check(
        "github-billing-usage.csv",
        "github-billing",
        [
            # AI credits inside the included quota: billed 0, worth $1.43 at list price
            ("github-billing", "github-copilot", D(2026, 7, 1), True, 0.0, 1.4327, "USD",
             143.27, "ai-credits", "alice-dev", None),
            ("github-billing", "github-copilot", D(2026, 7, 1), True, seat, seat, "USD",
             0.7741935483870968, "user-months", "alice-dev", None),
            # the Actions row is not AI spend
        ],
    )  # fmt: skip
    keys = parse(FIXTURES / "github-billing-usage.csv", "github-billing")["record_key"]
    assert all(k.startswith("github-billing:usage-detailed:2026-07-01:") for k in keys)


def test_github_ai_credit_report_with_bom_and_quotes() -> None:
    assert (FIXTURES / "github-billing-ai-credit-report.csv").read_bytes()[:3] == b"\xef\xbb\xbf"
    check(
        "github-billing-ai-credit-report.csv",
        "github-billing",
        [
            ("github-billing", "github-copilot", D(2026, 5, 28), True, 0.0, 0.48, "USD",
             12.0, "requests", "alice-dev", None),
            ("github-billing", "github-copilot", D(2026, 7, 2), True, 0.0, 2.125, "USD",
             212.5, "ai-credits", "alice-dev", None),
            ("github-billing", "github-copilot", D(2026, 7, 2), True, 0.0, 6.4, "USD",
             640.0, "ai-credits", "carol-sre", None),
            ("github-billing", "github-copilot", D(2026, 7, 2), True, 0.3825, 0.8825, "USD",
             88.25, "ai-credits", "bob-eng", None),
        ],
    )  # fmt: skip


def test_github_usage_json_and_ai_credit_json() -> None:
    check(
        "github-billing-usage.json",
        "github-billing",
        [
            ("github-billing", "github-copilot", D(2026, 7, 1), True, 0.0, 23.114, "USD",
             2311.4, "ai-credits", None, None),
            ("github-billing", "github-copilot", D(2026, 7, 1), True, 14.71, 14.71, "USD",
             0.774, "user-months", None, None),
        ],
    )  # fmt: skip
    # Monthly items (timePeriod {2026, 7}) are dated on the month's first day.
    check(
        "github-billing-ai-credit-usage.json",
        "github-billing",
        [
            ("github-billing", "github-copilot", D(2026, 7, 1), True, 0.0, 51.205, "USD",
             5120.5, "ai-credits", "alice-dev", None),
            ("github-billing", "github-copilot", D(2026, 7, 1), True, 13.0, 34.0, "USD",
             3400.0, "ai-credits", "carol-sre", None),
        ],
    )  # fmt: skip


def test_github_premium_request_analytics_is_an_estimate() -> None:
    # Request counts only: $0.04 per request, billed only when over the monthly quota.
    check(
        "github-premium-requests.csv",
        "github-billing",
        [
            ("github-billing", "github-copilot", D(2026, 5, 20), False, 0.0, 10 * 0.04, "USD",
             10.0, "requests", "alice-dev", None),
            ("github-billing", "github-copilot", D(2026, 5, 21), False, 25 * 0.04, 25 * 0.04,
             "USD", 25.0, "requests", "alice-dev", None),
        ],
    )  # fmt: skip


# --- Anthropic, OpenAI ------------------------------------------------------------------


def test_anthropic_cost_report_amounts_are_cents() -> None:
    check(
        "anthropic-cost-report.json",
        "anthropic",
        [
            ("anthropic", "claude-code", D(2026, 8, 1), True, 0.14, 0.14, "USD", None, None,
             None, None),
            ("anthropic", "claude-code", D(2026, 8, 1), True, 5.529633, 5.529633, "USD", None,
             None, None, None),
            ("anthropic", "claude-code", D(2026, 8, 1), True, 7.681155, 7.681155, "USD", None,
             None, None, None),
        ],
    )  # fmt: skip


def test_anthropic_claude_code_usage_is_an_estimate_per_user() -> None:
    check(
        "anthropic-claude-code-usage.json",
        "anthropic",
        [
            # the API-key actor has no user
            ("anthropic", "claude-code", D(2026, 8, 1), False, 0.97, 0.97, "USD",
             410000 + 52000 + 900000 + 60000, "tokens", None, None),
            ("anthropic", "claude-code", D(2026, 8, 1), False, 18.73, 18.73, "USD",
             182000 + 41000 + 2310000 + 120000, "tokens", "alice@acme.example", None),
        ],
    )  # fmt: skip


def test_anthropic_pages_as_a_list(tmp_path: Path) -> None:
    page = json.loads((FIXTURES / "anthropic-cost-report.json").read_text())
    later = json.loads(json.dumps(page).replace("2026-08-0", "2026-09-0"))
    path = tmp_path / "pages.json"
    path.write_text(json.dumps([page, later]))
    frame = parse(path, "anthropic")
    assert frame.height == 6
    assert frame["day"].unique().sort().to_list() == [D(2026, 8, 1), D(2026, 9, 1)]


def test_openai_costs_are_dollars() -> None:
    check(
        "openai-costs.json",
        "openai",
        [
            ("openai", "openai-codex", D(2026, 8, 1), True, 41.2731, 41.2731, "USD", None, None,
             None, None),
            ("openai", "openai-codex", D(2026, 8, 1), True, 88.0194, 88.0194, "USD", None, None,
             None, None),
        ],
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "source", "says"),
    [
        ("anthropic-usage-report-messages.json", "anthropic", "no cost"),
        ("openai-usage-completions.json", "openai", "no cost"),
        ("cursor-daily-usage.json", "cursor", "daily usage"),
        ("cursor-usage-events-requests.csv", "cursor", "counts Requests, not Cost"),
        ("generic.csv", "github-billing", "is not a GitHub billing export"),
        ("github-billing-usage.json", "openai", "is not an OpenAI costs response"),
    ],
)
def test_files_without_money_are_refused_with_a_reason(name: str, source: str, says: str) -> None:
    with pytest.raises(CostImportError, match=says) as err:
        parse(FIXTURES / name, source)
    assert str(err.value).startswith(name)
    assert str(err.value).endswith(f"Nothing from {name} was imported")


# --- Cursor -----------------------------------------------------------------------------


def test_cursor_usage_events_included_is_paid_by_the_seat() -> None:
    check(
        "cursor-usage-events.csv",
        "cursor",
        [
            ("cursor", "cursor", D(2026, 8, 1), True, 0.0, 0.0, "USD", 0.0, "tokens",
             "bob@acme.example", None),  # Errored, No Charge; cost "Free"
            ("cursor", "cursor", D(2026, 8, 1), True, 0.0, 0.19, "USD", 432470.0, "tokens",
             "alice@acme.example", None),  # Included
            ("cursor", "cursor", D(2026, 8, 1), True, 0.07, 0.07, "USD", 104200.0, "tokens",
             "alice@acme.example", None),  # On-Demand, "$0.07"
        ],
    )  # fmt: skip


def test_cursor_older_export_without_optional_columns() -> None:
    check(
        "cursor-usage-events-old.csv",
        "cursor",
        [
            ("cursor", "cursor", D(2026, 7, 3), True, 0.0, 0.0, "USD", 0.0, "tokens", None, None),
            ("cursor", "cursor", D(2026, 7, 3), True, 0.31, 0.31, "USD", 150.0, "tokens", None,
             None),
        ],
    )  # fmt: skip


def test_cursor_spend_net_is_the_overage(tmp_path: Path) -> None:
    # subscriptionCycleStart 1784160000000 ms = 2026-07-16 UTC
    check(
        "cursor-spend.json",
        "cursor",
        [
            ("cursor", "cursor", D(2026, 7, 16), True, 0.0, 22.10, "USD", None, None,
             "bob@acme.example", None),
            ("cursor", "cursor", D(2026, 7, 16), True, (6412 - 4000) / 100, 64.12, "USD", None,
             None, "alice@acme.example", None),
        ],
    )  # fmt: skip
    data = json.loads((FIXTURES / "cursor-spend.json").read_text())
    del data["teamMemberSpend"][0]["includedSpendCents"]
    path = tmp_path / "spend.json"
    path.write_text(json.dumps(data))
    alice = parse(path, "cursor").filter(pl.col("user_login") == "alice@acme.example")
    # Without the included amount the net cannot be split off: an estimate of the whole.
    assert alice.select("billed", "amount").row(0) == (False, 64.12)


# --- generic ----------------------------------------------------------------------------


def test_generic_csv_bom_crlf_quotes_and_parts_added_up() -> None:
    check(
        "generic.csv",
        "generic",
        [
            ("generic", "claude-code", D(2026, 3, 31), True, 250.0, None, "USD", None, None,
             None, "platform"),
            ("generic", "cursor", D(2026, 3, 31), True, 80.0 + 20.0, None, "USD", None, None,
             "alice", None),
            ("generic", "openai-codex", D(2026, 4, 1), True, 12.5, None, "USD", None, None, None,
             None),
        ],
    )  # fmt: skip


@pytest.mark.parametrize(
    ("text", "where", "says"),
    [
        ("2026-03-01,claude-code,10,USD\n2026-02-30,cursor,5,USD\n", "row 3, column date",
         "YYYY-MM-DD"),
        ("2026-03-01,copilot,10,USD\n", "row 2, column tool", "not a known tool id"),
        ("2026-03-01,Claude Code,10,USD\n", "row 2, column tool", "did you mean 'claude-code'"),
        ("2026-03-01,cursor,10,dollars\n", "row 2, column currency", "3-letter currency code"),
        ("2026-03-01,cursor,,USD\n", "row 2, column amount", "is empty"),
        ("2026-03-01,cursor,1,USD,extra\n", "row 2", "quote values that contain commas"),
    ],
)  # fmt: skip
def test_generic_bad_values_name_row_and_column(
    tmp_path: Path, text: str, where: str, says: str
) -> None:
    path = tmp_path / "costs.csv"
    path.write_text("date,tool,amount,currency\n" + text)
    with pytest.raises(CostImportError, match=says) as err:
        parse(path, "generic")
    assert str(err.value).startswith(f"costs.csv, {where}:")


def test_generic_missing_column_lists_the_file_columns(tmp_path: Path) -> None:
    path = tmp_path / "costs.csv"
    path.write_text("day,tool,cost,currency\n2026-03-01,cursor,1,USD\n")
    with pytest.raises(CostImportError, match="has no column 'amount' \\(its columns: day, tool"):
        parse(path, "generic")


def test_json_bad_value_names_row_and_path(tmp_path: Path) -> None:
    data = json.loads((FIXTURES / "openai-costs.json").read_text())
    data["data"][0]["results"][1]["amount"]["value"] = "lots"
    path = tmp_path / "costs.json"
    path.write_text(json.dumps(data))
    with pytest.raises(
        CostImportError,
        match=r"^costs\.json, row 2 \(data\[0\]\.results\[1\]\), column amount\.value: must be",
    ):
        parse(path, "openai")


# --- into the store ---------------------------------------------------------------------


def stored(engine) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    return read_table(engine, s.cost_records).sort("record_key")


def test_import_twice_leaves_the_same_rows(engine) -> None:  # type: ignore[no-untyped-def]
    now = dt.datetime(2026, 8, 2, 9, 0, tzinfo=dt.UTC)
    files = [
        ("github-billing-usage.csv", "github-billing"),
        ("github-billing-ai-credit-report.csv", "github-billing"),
        ("anthropic-cost-report.json", "anthropic"),
        ("anthropic-claude-code-usage.json", "anthropic"),
        ("openai-costs.json", "openai"),
        ("cursor-usage-events.csv", "cursor"),
        ("cursor-spend.json", "cursor"),
        ("generic.csv", "generic"),
    ]
    for name, source in files:
        summary = import_file(engine, FIXTURES / name, source, USD, now=now)
        assert summary.records == parse(FIXTURES / name, source).height
    once = stored(engine)
    assert once.height == 2 + 4 + 3 + 2 + 2 + 3 + 2 + 3
    for name, source in files:
        import_file(engine, FIXTURES / name, source, USD, now=now)
    assert_frame_equal(stored(engine), once)
    state = read_table(engine, s.sync_state).sort("source", "scope")
    assert state.filter(pl.col("source") == "costs:generic").select(
        "scope", "status", "finished_at"
    ).rows() == [("generic.csv", "complete", now)]
    assert state.height == len(files)
    tools = read_table(engine, s.ai_tools).sort("id")
    assert tools["id"].to_list() == ["claude-code", "cursor", "github-copilot", "openai-codex"]


def test_bad_row_imports_nothing_of_the_file(engine) -> None:  # type: ignore[no-untyped-def]
    import_file(engine, FIXTURES / "generic.csv", "generic", USD)
    before = stored(engine)
    with pytest.raises(CostImportError) as err:
        import_file(engine, FIXTURES / "generic-bad-row.csv", "generic", USD)
    assert str(err.value) == (
        "generic-bad-row.csv, row 4, column amount: must be a number such as 12.50, got "
        "'twelve'. Nothing from generic-bad-row.csv was imported"
    )
    assert_frame_equal(stored(engine), before)  # rows 2 and 3 were fine, and still not imported
    assert read_table(engine, s.sync_state)["scope"].to_list() == ["generic.csv"]


def test_mixed_currencies_need_a_rate(engine) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CostImportError) as err:
        import_file(engine, FIXTURES / "generic-eur.csv", "generic", USD)
    message = str(err.value)
    assert "EUR" in message and "reporting currency is USD" in message
    assert "reporting.exchange_rates" in message and "{EUR: 1.10}" in message
    assert stored(engine).is_empty()
    # With a rate the file imports; amounts keep their currency and are converted when summed.
    with_rate = ReportingSettings(currency="USD", exchange_rates={"EUR": 1.1})
    summary = import_file(engine, FIXTURES / "generic-eur.csv", "generic", with_rate)
    assert summary.net == (("EUR", 500.0), ("USD", 40.0))
    assert sorted(stored(engine)["currency"].to_list()) == ["EUR", "USD"]


def test_cli_imports_each_file_and_reports_the_bad_one(tmp_path: Path) -> None:
    aimetrics = shutil.which("aimetrics", path=str(Path(sys.executable).parent)) or "aimetrics"
    db = tmp_path / "x.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIMETRICS_")}
    args = [
        aimetrics, "import", "costs",
        str(FIXTURES / "generic.csv"), str(FIXTURES / "generic-bad-row.csv"),
        "--source", "generic", "--db", f"sqlite:///{db}",
    ]  # fmt: skip
    res = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 2
    assert "generic.csv: 3 cost records (generic; claude-code, cursor, openai-codex)" in res.stderr
    assert "error: generic-bad-row.csv, row 4, column amount" in res.stderr
    again = subprocess.run(
        args[:4] + args[5:], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert again.returncode == 0, again.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM cost_records").fetchone() == (3,)
        assert conn.execute("SELECT source, scope FROM sync_state").fetchall() == [
            ("costs:generic", "generic.csv")
        ]
    unknown = subprocess.run(
        [aimetrics, "import", "costs", "x.csv", "--source", "excel"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert unknown.returncode == 2 and "--source 'excel' is not one of" in unknown.stderr
