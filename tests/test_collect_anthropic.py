"""`aimetrics collect anthropic` and `collect all` against the fake Anthropic Admin API
(tests/fakes/anthropic_server.py), in-process on SQLite and PostgreSQL (conftest's ``engine``)
and through the CLI: first run, incremental re-run, kill -9 and re-run,
refused keys, rate limits and faults, the key kept out of everything, and the evidence a
Claude Code user without markers leaves."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from vendor_harness import (
    BACKENDS,
    VendorCli,
    assert_nowhere,
    days,
    nonblank_lines,
    resume,
    rows,
    store_pair,
    use_key,
)
from vendor_harness import cli as _cli

from aimetrics.errors import ConfigError
from aimetrics.settings import AnthropicSettings, ReportingSettings, parse_settings
from aimetrics.store import create_store_engine, read_table, upgrade
from aimetrics.store import schema as s
from collectors.costs.load import import_file
from collectors.vendors import VendorAuthError
from collectors.vendors.anthropic import collect_anthropic

from fakes.anthropic_server import (
    DEFAULT_KEY,
    USERS,
    WORKSPACE_KEY,
    FakeAnthropic,
    Fault,
    claude_code_rows,
)
from fakes.vendor_server import RESET

CODE = "/v1/organizations/usage_report/claude_code"
COST = "/v1/organizations/cost_report"
TODAY = date(2026, 8, 20)
KEY_ENV = "ANTHROPIC_ADMIN_KEY"
CLI = VendorCli("anthropic", KEY_ENV, DEFAULT_KEY)
GITHUB_FAST = {
    "AIMETRICS_GITHUB_RETRY_BACKOFF": "0.01",
    "AIMETRICS_GITHUB_SECONDS_BETWEEN_WRITES": "0",
}


@pytest.fixture
def fake() -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as server:
        yield server


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    use_key(monkeypatch, KEY_ENV, DEFAULT_KEY)


def settings(fake: FakeAnthropic, **extra: object) -> AnthropicSettings:
    values = {"base_url": fake.root, "history_days": 6, "lookback_days": 2, **extra}
    return AnthropicSettings.model_validate(values)


def collect(fake: FakeAnthropic, engine: sa.Engine, today: date = TODAY, **extra: object):
    return collect_anthropic(settings(fake, **extra), engine, ReportingSettings(), today=today)


def test_first_run_stores_every_day_of_the_window(fake: FakeAnthropic, engine: sa.Engine) -> None:
    summary = collect(fake, engine)
    assert summary.failed == []
    window = days(TODAY - timedelta(5), TODAY)
    usage = read_table(engine, s.vendor_usage)
    want = [r for d in window for r in claude_code_rows(d)]
    assert usage.height == len(want)
    assert sorted(set(usage["day"].to_list())) == window
    # One request per day for Claude Code; the cost report asked once for the whole range.
    assert fake.days_requested(CODE) == [d.isoformat() for d in window]
    assert fake.days_requested(COST) == [window[0].isoformat()]
    alice = usage.filter(
        (pl.col("user_login") == "alice@acme.example") & (pl.col("day") == window[0])
    ).row(0, named=True)
    source = next(
        r
        for r in claude_code_rows(window[0])
        if r["actor"].get("email_address") == alice["user_login"]
    )
    core = source["core_metrics"]
    assert (alice["sessions"], alice["lines_added"], alice["commits"]) == (
        core["num_sessions"], core["lines_of_code"]["added"], core["commits_by_claude_code"],
    )  # fmt: skip
    assert alice["actions_accepted"] == sum(a["accepted"] for a in source["tool_actions"].values())
    cents = sum(m["estimated_cost"]["amount"] for m in source["model_breakdown"])
    assert alice["cost"] == pytest.approx(cents / 100)
    assert json.loads(alice["record"]) == source
    api = usage.filter(pl.col("api_key_name").is_not_null())
    assert api["user_login"].null_count() == api.height > 0  # an API key is no one
    costs = read_table(engine, s.cost_records)
    billed = costs.filter(pl.col("billed"))
    assert sorted(set(billed["day"].to_list())) == window
    states = read_table(engine, s.sync_state).filter(pl.col("source") == "vendor:anthropic")
    assert states.height == 12
    today_rows = states.filter(pl.col("scope").str.ends_with(TODAY.isoformat()))
    assert set(today_rows["status"]) == {"partial"}  # today is not over: fetched again


def test_many_pages_give_the_same_rows(
    fake: FakeAnthropic, engine: sa.Engine, tmp_path: Path
) -> None:
    collect(fake, engine)
    whole = {t.name: rows(engine, t) for t in (s.vendor_usage, s.cost_records)}
    fake.page_size = 1
    fake.requests.clear()
    paged = create_store_engine(f"sqlite:///{tmp_path / 'paged.db'}")
    upgrade(paged)
    try:
        collect(fake, paged)
        assert {t.name: rows(paged, t) for t in (s.vendor_usage, s.cost_records)} == whole
    finally:
        paged.dispose()
    pages = [r for r in fake.requests if "page" in r.query]
    assert len([r for r in pages if r.path == COST]) == 5  # 6 days, one bucket a page
    assert len([r for r in pages if r.path == CODE]) > 6


def test_api_run_and_file_import_of_the_same_data_never_count_twice(
    fake: FakeAnthropic, engine: sa.Engine, tmp_path: Path
) -> None:
    collect(fake, engine)
    before = rows(engine, s.cost_records)
    # The same answers saved as files (what `import costs --source anthropic` reads).
    day = TODAY - timedelta(3)
    span = {"starting_at": [f"{day}T00:00:00Z"], "ending_at": [f"{day + timedelta(1)}T00:00:00Z"]}
    for name, path, query in (
        ("cost.json", COST, {**span, "limit": ["31"]}),
        ("code.json", CODE, {"starting_at": [day.isoformat()], "limit": ["1000"]}),
    ):
        _, _, body = fake.get(
            path, query, {"x-api-key": DEFAULT_KEY, "anthropic-version": "2023-06-01"}
        )
        (tmp_path / name).write_text(json.dumps(body))
        import_file(engine, tmp_path / name, "anthropic", ReportingSettings())
    assert rows(engine, s.cost_records) == before


def test_incremental_rerun_fetches_only_new_days_and_the_look_back(
    fake: FakeAnthropic, engine: sa.Engine
) -> None:
    collect(fake, engine)
    first_usage = read_table(engine, s.vendor_usage).height
    fake.requests.clear()
    later = TODAY + timedelta(2)
    collect(fake, engine, today=later)
    # Days not stored (today's partial day, the two new ones); the look-back is among them.
    asked = [date.fromisoformat(d) for d in fake.days_requested(CODE)]
    assert asked == days(TODAY, later)
    assert fake.days_requested(COST) == [TODAY.isoformat()]
    usage = read_table(engine, s.vendor_usage)
    assert usage.height == usage["record_key"].n_unique()  # no duplicates
    window = days(TODAY - timedelta(5), later)
    assert usage.height == len([r for d in window for r in claude_code_rows(d)])
    assert usage.height > first_usage
    # A third run the same day asks again for the look-back only.
    fake.requests.clear()
    collect(fake, engine, today=later)
    asked = [date.fromisoformat(d) for d in fake.days_requested(CODE)]
    assert asked == days(later - timedelta(2), later)
    assert read_table(engine, s.vendor_usage).height == usage.height


def test_429_with_retry_after_and_5xx_are_retried(fake: FakeAnthropic, engine: sa.Engine) -> None:
    fake.faults += [
        Fault(429, path=CODE, retry_after="1"),
        Fault(500, path=COST, times=2),
        Fault(529, path=CODE, times=1),
    ]
    started = time.monotonic()
    summary = collect(fake, engine)
    assert summary.failed == []
    assert summary.retries == 4
    assert time.monotonic() - started >= 1.0  # the Retry-After was waited out
    assert read_table(engine, s.vendor_usage)["day"].n_unique() == 6


def test_connection_reset_is_retried(fake: FakeAnthropic, engine: sa.Engine) -> None:
    fake.faults.append(Fault(RESET, path=CODE, times=2))
    summary = collect(fake, engine)
    assert summary.failed == [] and summary.retries == 2
    assert read_table(engine, s.vendor_usage)["day"].n_unique() == 6


def test_persistent_5xx_is_reported_by_name_and_stored_days_kept(
    fake: FakeAnthropic, engine: sa.Engine
) -> None:
    bad = TODAY - timedelta(2)
    fake.faults.append(Fault(503, path=CODE, times=100, day=bad.isoformat()))
    summary = collect(fake, engine)
    assert len(summary.failed) == 1
    assert "claude_code" in summary.failed[0] and str(bad) in summary.failed[0]
    assert "HTTP 503" in summary.failed[0] and "6 tries" in summary.failed[0]
    # The days before the failing one are stored; the cost report (another feed) completed.
    stored = sorted(set(read_table(engine, s.vendor_usage)["day"].to_list()))
    assert stored == days(TODAY - timedelta(5), bad - timedelta(1))
    assert summary.feeds["cost_report"].error is None
    # The next run resumes at the failed day.
    fake.faults.clear()
    fake.requests.clear()
    assert collect(fake, engine).failed == []
    assert [date.fromisoformat(d) for d in fake.days_requested(CODE)] == days(bad, TODAY)


def test_retry_after_beyond_the_cap_stops_instead_of_waiting(
    fake: FakeAnthropic, engine: sa.Engine
) -> None:
    fake.faults.append(Fault(429, path=COST, retry_after="3600"))
    summary = collect(fake, engine)
    assert "asks to wait 3600 s" in summary.feeds["cost_report"].error


@pytest.mark.parametrize(
    ("key", "status"),
    [("sk-ant-admin01-WRONGkey_000000000000000000000000000000000", 401), (WORKSPACE_KEY, 403)],
)
def test_refused_key_is_one_line_naming_the_variable(
    fake: FakeAnthropic, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch, key: str, status: int
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
    fake: FakeAnthropic, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_ENV)
    with pytest.raises(VendorAuthError, match=r"\$ANTHROPIC_ADMIN_KEY is not set"):
        collect(fake, engine)
    assert fake.count() == 0


def test_settings_refuse_a_key_in_the_file() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings(f"vendors: {{anthropic: {{admin_key_env: {DEFAULT_KEY}}}}}\n")
    message = str(caught.value)
    assert "vendors.anthropic.admin_key_env" in message and "looks like a token" in message
    assert DEFAULT_KEY not in message
    assert parse_settings("vendors: {anthropic: {}}\n").vendors.anthropic == AnthropicSettings()
    assert parse_settings("vendors:\n").vendors.anthropic is None


# --- through the CLI ------------------------------------------------------------------------------


def _config(tmp_path: Path, fake: FakeAnthropic, history: int = 6, **top: object) -> Path:
    return CLI.config(tmp_path, fake, history, **top)


_run = CLI.run
_env_for = CLI.env


def _domain(db: Path | str) -> dict[str, list[tuple]]:
    engine = create_store_engine(db if isinstance(db, str) else f"sqlite:///{db}")
    try:
        return {t.name: rows(engine, t) for t in (s.vendor_usage, s.cost_records, s.ai_tools)}
    finally:
        engine.dispose()


def test_cli_401_is_one_line_and_the_key_is_nowhere(fake: FakeAnthropic, tmp_path: Path) -> None:
    config, db = _config(tmp_path, fake), tmp_path / "s.db"
    wrong = "sk-ant-admin01-WRONGkey_abcdefghijklmnopqrstuvwxyz0123456789"
    done = _run(
        _cli("collect", "anthropic", "--config", str(config), "--db", f"sqlite:///{db}", "--quiet"),
        wrong,
    )
    assert done.returncode == 2
    lines = nonblank_lines(done.stderr)
    assert len(lines) == 1 and "$ANTHROPIC_ADMIN_KEY" in lines[0] and "HTTP 401" in lines[0]
    assert wrong not in done.stderr + done.stdout


def test_cli_run_keeps_the_key_out_of_output_store_and_exports(
    fake: FakeAnthropic, tmp_path: Path
) -> None:
    config, db = _config(tmp_path, fake), tmp_path / "s.db"
    fake.faults += [Fault(429, path=CODE, retry_after="0"), Fault(500, path=COST)]
    done = _run(_cli("collect", "anthropic", "--config", str(config), "--db", f"sqlite:///{db}"))
    assert done.returncode == 0, done.stderr
    assert "claude_code" in done.stderr and "stored" in done.stderr  # progress
    texts = [done.stdout, done.stderr, *CLI.export_texts(config, db, tmp_path / "csv")]
    assert_nowhere(texts, DEFAULT_KEY, DEFAULT_KEY[:20])


@pytest.fixture(params=BACKENDS)
def two_stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two empty store URLs on one backend: an uninterrupted run's and a killed run's."""
    with store_pair(request.param, tmp_path) as urls:
        yield urls


@pytest.mark.parametrize("after", [3, 9])
def test_kill_9_then_rerun_equals_an_uninterrupted_run(
    tmp_path: Path, two_stores: tuple[str, str], after: int
) -> None:
    reference, killed = two_stores
    with FakeAnthropic() as fake:
        config = _config(tmp_path, fake, history=12)
        args = ["collect", "anthropic", "--config", str(config), "--quiet"]
        assert _run(_cli(*args, "--db", reference)).returncode == 0
        CLI.kill_mid_run(fake, _cli(*args, "--db", killed), after)  # blocked, then killed
        partial = _domain(killed)
        assert len(partial["vendor_usage"]) < len(_domain(reference)["vendor_usage"])
        resume(fake)
        assert _run(_cli(*args, "--db", killed)).returncode == 0
    assert _domain(killed) == _domain(reference)


def test_collect_all_runs_past_a_failure_and_names_it(fake: FakeAnthropic, tmp_path: Path) -> None:
    # GitHub points at a closed port: it fails; Anthropic still runs and completes.
    config = _config(tmp_path, fake, github={"orgs": ["acme"], "base_url": "http://127.0.0.1:9"})
    db = tmp_path / "s.db"
    env_args = _cli("collect", "all", "--config", str(config), "--db", f"sqlite:///{db}", "--quiet")
    done = subprocess.run(
        env_args, capture_output=True, text=True, timeout=300, check=False,
        env={**_env_for(DEFAULT_KEY), "GITHUB_TOKEN": "ghp_x", **GITHUB_FAST},
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    last = nonblank_lines(done.stderr)[-1]
    assert "failed: github" in last and "anthropic" not in last
    assert _domain(db)["vendor_usage"]


def test_collect_all_skips_anthropic_without_its_key(fake: FakeAnthropic, tmp_path: Path) -> None:
    config, db = _config(tmp_path, fake), tmp_path / "s.db"
    done = _run(
        _cli("collect", "all", "--config", str(config), "--db", f"sqlite:///{db}"), key=None
    )
    assert done.returncode == 0, done.stderr
    assert "anthropic: skipped ($ANTHROPIC_ADMIN_KEY is not set)" in done.stderr


# --- evidence -------------------------------------------------------------------------------------


def test_claude_code_user_without_markers_is_in_the_evidence(
    fake: FakeAnthropic, engine: sa.Engine
) -> None:
    from aimetrics.figures.facts import load_facts_for

    _alice(engine)
    collect(fake, engine, today=datetime.now(UTC).date())
    facts = load_facts_for(engine, parse_settings(""))
    ev = facts.evidence.filter(pl.col("source") == "vendor usage")
    alice = ev.filter(pl.col("person_key") == "alice")
    assert alice.height > 0 and set(alice["tool_id"]) == {"claude-code"}
    assert USERS[0] not in set(ev["person_key"])  # resolved through the e-mail, not kept apart
    assert "ci-review-bot" not in set(ev["person_key"])  # an API key is no one


def _alice(engine: sa.Engine) -> None:
    from aimetrics.ids import stable_id
    from aimetrics.store import write_frames

    people = pl.DataFrame(
        {"id": [stable_id("alice")], "login": ["alice"], "display_name": ["Alice"],
         "is_bot": [False], "excluded": [False]}
    )  # fmt: skip
    identities = pl.DataFrame(
        {"kind": ["email"], "value": [USERS[0]], "person_id": [stable_id("alice")],
         "source": ["config"]}
    )  # fmt: skip
    write_frames(engine, [(s.people, people), (s.identities, identities)])


def test_forget_removes_the_user_from_vendor_usage(fake: FakeAnthropic, engine: sa.Engine) -> None:
    from aimetrics.store.forget import forget_person

    _alice(engine)
    collect(fake, engine)
    done = forget_person(engine, "alice")
    assert done.rows["vendor_usage.user_login"] > 0
    usage = read_table(engine, s.vendor_usage)
    assert USERS[0] not in set(usage["user_login"].drop_nulls())
    assert not any(USERS[0] in r for r in usage["record"])
    assert usage.filter(pl.col("user_login") == done.pseudonym).height > 0


def test_vendor_usage_evidence_rows() -> None:
    from aimetrics.metrics.evidence import VENDOR_ACTIVITY, vendor_usage_evidence

    directory = pl.LazyFrame(
        {"kind": ["login", "email"], "value": ["ann", "ann@x.io"], "person_key": ["ann", "ann"]}
    )
    base = dict.fromkeys(VENDOR_ACTIVITY, 0)
    usage = pl.LazyFrame(
        [
            {**base, "tool_id": "claude-code", "day": date(2026, 3, 2), "user_login": "Ann@X.io",
             "sessions": 2},
            {**base, "tool_id": "claude-code", "day": date(2026, 3, 3), "user_login": "ann@x.io"},
            {**base, "tool_id": "claude-code", "day": date(2026, 3, 2), "user_login": None,
             "sessions": 9},
            {**base, "tool_id": "cursor", "day": date(2026, 3, 4), "user_login": "ann",
             "lines_added": 5},
            {**base, "tool_id": "claude-code", "day": date(2026, 3, 4), "user_login": "zed@x.io",
             "cost": 0.5},
        ]
    )  # fmt: skip
    rows = vendor_usage_evidence(usage, directory).sort("day", "tool_id").collect().rows()
    assert rows == [
        ("ann", date(2026, 3, 2), "claude-code", "vendor usage"),  # e-mail, any case
        ("zed@x.io", date(2026, 3, 4), "claude-code", "vendor usage"),  # unknown: its own key
        ("ann", date(2026, 3, 4), "cursor", "vendor usage"),  # a login
    ]  # no activity on 3 March, and the API key's row: no evidence
