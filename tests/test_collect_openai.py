"""`aimetrics collect openai` and `collect all` against the fake OpenAI costs API
(tests/fakes/openai_server.py), in-process on SQLite and PostgreSQL (conftest's ``engine``)
and through the CLI: first run, paging, incremental re-run, kill -9 and re-run, refused
keys, rate limits and faults, the project/key -> tool mapping, an API run and a file
import never counted twice, and the key kept out of everything."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import date, timedelta
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
from aimetrics.settings import OpenAISettings, ReportingSettings, parse_settings
from aimetrics.store import create_store_engine, read_table, upgrade
from aimetrics.store import schema as s
from collectors.costs.load import import_file
from collectors.vendors import VendorAuthError
from collectors.vendors.openai import collect_openai

from fakes.openai_server import (
    API_KEYS,
    DEFAULT_KEY,
    PROJECT_KEY,
    PROJECTS,
    FakeOpenAI,
    Fault,
    atoms,
    bucket,
)
from fakes.vendor_server import RESET

TODAY = date(2026, 8, 20)
KEY_ENV = "OPENAI_ADMIN_KEY"
CLI = VendorCli("openai", KEY_ENV, DEFAULT_KEY)
COSTS = "/v1/organization/costs"


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    use_key(monkeypatch, KEY_ENV, DEFAULT_KEY)


def settings(fake: FakeOpenAI, **extra: object) -> OpenAISettings:
    values = {"base_url": fake.root, "history_days": 10, "lookback_days": 2, **extra}
    return OpenAISettings.model_validate(values)


def collect(fake: FakeOpenAI, engine: sa.Engine, today: date = TODAY, **extra: object):
    return collect_openai(settings(fake, **extra), engine, ReportingSettings(), today=today)


def spend_by_day(window: list[date]) -> dict[date, float]:
    """What the fake bills per day, summed from its finest rows (not from our answer)."""
    return {d: sum(a["value"] for a in atoms(d)) for d in window if atoms(d)}


def test_first_run_stores_billed_spend_of_every_day(fake: FakeOpenAI, engine: sa.Engine) -> None:
    summary = collect(fake, engine)
    assert summary.failed == []
    window = days(TODAY - timedelta(9), TODAY)
    costs = read_table(engine, s.cost_records)
    assert set(costs["source"]) == {"openai"} and costs["billed"].all()
    assert set(costs["tool_id"]) == {"openai-codex"} and set(costs["currency"]) == {"USD"}
    got = {d: a for d, a in costs.group_by("day").agg(pl.col("amount").sum()).rows()}
    want = spend_by_day(window)
    assert got.keys() == want.keys()
    for day, amount in want.items():
        assert got[day] == pytest.approx(amount)
    # One row per project and line item (grouped as asked), one request for the range.
    assert costs.height == sum(
        len(bucket(d, ("project_id", "line_item"))["results"]) for d in window
    )
    assert fake.ranges_requested() == [(window[0].isoformat(), (TODAY + timedelta(1)).isoformat())]
    asked = fake.requests[0].query
    assert sorted(asked["group_by[]"]) == ["line_item", "project_id"]
    assert fake.requests[0].headers["authorization"] == f"Bearer {DEFAULT_KEY}"
    states = read_table(engine, s.sync_state).filter(pl.col("source") == "vendor:openai")
    assert states.height == 10  # empty days are recorded too: not asked again
    assert set(states.filter(pl.col("scope") == f"costs:{TODAY}")["status"]) == {"partial"}


def test_many_pages_give_the_same_rows(fake: FakeOpenAI, engine: sa.Engine, tmp_path: Path) -> None:
    collect(fake, engine)
    whole = rows(engine, s.cost_records)
    fake.page_size = 3
    fake.requests.clear()
    paged = create_store_engine(f"sqlite:///{tmp_path / 'paged.db'}")
    upgrade(paged)
    try:
        collect(fake, paged)
        assert rows(paged, s.cost_records) == whole
    finally:
        paged.dispose()
    assert len(fake.requests) == 4  # 10 days, 3 buckets a page
    assert [("page" in r.query) for r in fake.requests] == [False, True, True, True]


def test_incremental_rerun_fetches_only_new_days_and_the_look_back(
    fake: FakeOpenAI, engine: sa.Engine
) -> None:
    collect(fake, engine)
    fake.requests.clear()
    later = TODAY + timedelta(3)
    collect(fake, engine, today=later)
    # Today's partial day and the new ones (the look-back lies among them): one range.
    assert fake.ranges_requested() == [(TODAY.isoformat(), (later + timedelta(1)).isoformat())]
    costs = read_table(engine, s.cost_records)
    assert costs.height == costs["record_key"].n_unique()
    window = days(TODAY - timedelta(9), later)
    assert costs["amount"].sum() == pytest.approx(sum(spend_by_day(window).values()))
    # The same day again: only the look-back is asked, and nothing changes.
    before = rows(engine, s.cost_records)
    fake.requests.clear()
    collect(fake, engine, today=later)
    assert fake.ranges_requested() == [
        ((later - timedelta(2)).isoformat(), (later + timedelta(1)).isoformat())
    ]
    assert rows(engine, s.cost_records) == before


def test_projects_and_keys_map_to_tools_or_out(fake: FakeOpenAI, engine: sa.Engine) -> None:
    support, eng = PROJECTS[1], PROJECTS[0]
    ci_key = API_KEYS[1]
    collect(fake, engine, projects={support: None}, api_keys={ci_key: "unspecified"})
    asked = fake.requests[0].query["group_by[]"]
    assert sorted(asked) == ["api_key_id", "line_item", "project_id"]  # keys mapped: by key
    costs = read_table(engine, s.cost_records)
    window = days(TODAY - timedelta(9), TODAY)

    def spend(tool_key: object, project: str | None = None) -> float:
        return sum(
            a["value"]
            for d in window
            for a in atoms(d)
            if tool_key(a) and (project is None or a["project_id"] == project)
        )

    by_tool = dict(costs.group_by("tool_id").agg(pl.col("amount").sum()).rows())
    # A key's mapping wins over its project's: the CI key's spend in the support project
    # counts for `unspecified`; the rest of the support project is left out.
    assert by_tool["unspecified"] == pytest.approx(spend(lambda a: a["api_key_id"] == ci_key))
    codex = spend(lambda a: a["api_key_id"] != ci_key, eng)
    assert by_tool["openai-codex"] == pytest.approx(codex)
    tools = set(read_table(engine, s.ai_tools)["id"])
    assert {"openai-codex", "unspecified"} <= tools


def test_api_run_and_file_import_of_the_same_days_never_count_twice(
    fake: FakeOpenAI, engine: sa.Engine, tmp_path: Path
) -> None:
    day = TODAY - timedelta(3)
    start = int(pl.Series([day]).cast(pl.Datetime("ms", "UTC")).dt.epoch("s")[0])
    query = {"start_time": [str(start)], "end_time": [str(start + 86400)]}
    auth = {"authorization": f"Bearer {DEFAULT_KEY}"}
    # An export grouped by project and line item (as the collector asks), and one not grouped.
    for name, extra in (("grouped.json", {"group_by[]": ["project_id", "line_item"]}),
                        ("total.json", {})):  # fmt: skip
        _, _, body = fake.get(COSTS, {**query, **extra}, auth)
        (tmp_path / name).write_text(json.dumps(body))
    import_file(engine, tmp_path / "grouped.json", "openai", ReportingSettings())
    import_file(engine, tmp_path / "total.json", "openai", ReportingSettings())
    imported = read_table(engine, s.cost_records)
    assert imported["amount"].sum() == pytest.approx(2 * sum(a["value"] for a in atoms(day)))
    collect(fake, engine)
    costs = read_table(engine, s.cost_records)
    one_day = costs.filter(pl.col("day") == day)
    # The API's day replaced both imports of it (whatever their grouping): counted once.
    assert one_day["amount"].sum() == pytest.approx(sum(a["value"] for a in atoms(day)))
    assert set(one_day["source"]) == {"openai"} and one_day["billed"].all()
    # The grouped export carries the very keys the API run writes: importing it again
    # after the run changes nothing.
    after_run = rows(engine, s.cost_records)
    import_file(engine, tmp_path / "grouped.json", "openai", ReportingSettings())
    assert rows(engine, s.cost_records) == after_run


def test_429_with_retry_after_5xx_and_resets_are_retried(
    fake: FakeOpenAI, engine: sa.Engine
) -> None:
    fake.page_size = 4
    fake.faults += [Fault(429, retry_after="1"), Fault(500, times=2), Fault(RESET), Fault(503)]
    started = time.monotonic()
    summary = collect(fake, engine)
    assert summary.failed == [] and summary.retries == 5
    assert time.monotonic() - started >= 1.0  # the Retry-After was waited out
    assert read_table(engine, s.sync_state).filter(pl.col("source") == "vendor:openai").height == 10


def test_persistent_5xx_names_the_range_keeps_stored_pages_and_resumes(
    fake: FakeOpenAI, engine: sa.Engine
) -> None:
    fake.page_size = 3
    bad = TODAY - timedelta(6)  # the second page's first day
    fake.faults.append(Fault(503, times=100, day=bad.isoformat()))
    summary = collect(fake, engine)
    assert len(summary.failed) == 1
    assert "HTTP 503" in summary.failed[0] and "6 tries" in summary.failed[0]
    assert str(TODAY - timedelta(9)) in summary.failed[0]
    assert sorted(set(read_table(engine, s.cost_records)["day"])) == [
        d for d in days(TODAY - timedelta(9), bad - timedelta(1)) if atoms(d)
    ]
    fake.faults.clear()
    fake.requests.clear()
    assert collect(fake, engine).failed == []
    assert fake.ranges_requested()[0][0] == bad.isoformat()  # resumed where it stopped


def test_retry_after_beyond_the_cap_stops_instead_of_waiting(
    fake: FakeOpenAI, engine: sa.Engine
) -> None:
    fake.faults.append(Fault(429, retry_after="3600"))
    summary = collect(fake, engine)
    assert "asks to wait 3600 s" in (summary.error or "")


@pytest.mark.parametrize(
    ("key", "status", "said"),
    [("sk-admin-WRONGkey_00000000000000000000000000000000000", 401, "Incorrect API key"),
     (PROJECT_KEY, 403, "api.usage.read")],
)  # fmt: skip
def test_refused_key_is_one_line_naming_the_variable_and_scope(
    fake: FakeOpenAI, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch,
    key: str, status: int, said: str,
) -> None:  # fmt: skip
    monkeypatch.setenv(KEY_ENV, key)
    with pytest.raises(VendorAuthError) as caught:
        collect(fake, engine)
    message = str(caught.value)
    assert "\n" not in message
    assert f"${KEY_ENV}" in message and f"HTTP {status}" in message
    assert "Admin API key" in message and "api.usage.read" in message and said in message
    assert key not in message and key[-20:] not in message
    assert fake.count() == 1  # never retried


def test_missing_key_names_the_variable(
    fake: FakeOpenAI, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_ENV)
    with pytest.raises(VendorAuthError, match=r"\$OPENAI_ADMIN_KEY is not set"):
        collect(fake, engine)
    assert fake.count() == 0


def test_settings_refuse_a_key_in_the_file_and_an_unknown_tool() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings(f"vendors: {{openai: {{admin_key_env: {DEFAULT_KEY}}}}}\n")
    assert "vendors.openai.admin_key_env" in str(caught.value)
    assert DEFAULT_KEY not in str(caught.value)
    with pytest.raises(ConfigError, match=r"vendors\.openai\.projects\.proj_x: unknown AI tool"):
        parse_settings("vendors: {openai: {projects: {proj_x: codex}}}\n")
    assert parse_settings("vendors: {openai: {}}\n").vendors.openai == OpenAISettings()
    assert parse_settings("vendors:\n").vendors.openai is None


# --- through the CLI ------------------------------------------------------------------------------


def _config(tmp_path: Path, fake: FakeOpenAI, history: int = 10, **top: object) -> Path:
    return CLI.config(tmp_path, fake, history, **top)


_run = CLI.run


def _domain(db: str) -> dict[str, list[tuple]]:
    engine = create_store_engine(db)
    try:
        return {t.name: rows(engine, t) for t in (s.cost_records, s.ai_tools)}
    finally:
        engine.dispose()


def test_cli_run_keeps_the_key_out_of_output_store_and_exports(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    config, db = _config(tmp_path, fake), tmp_path / "s.db"
    fake.faults += [Fault(429, retry_after="0"), Fault(500)]
    done = _run(_cli("collect", "openai", "--config", str(config), "--db", f"sqlite:///{db}"))
    assert done.returncode == 0, done.stderr
    assert "openai costs" in done.stderr and "stored" in done.stderr  # progress
    texts = [done.stdout, done.stderr, *CLI.export_texts(config, db, tmp_path / "csv")]
    assert_nowhere(texts, DEFAULT_KEY, DEFAULT_KEY[-24:])


def test_cli_refused_key_is_one_line(fake: FakeOpenAI, tmp_path: Path) -> None:
    config, db = _config(tmp_path, fake), tmp_path / "s.db"
    args = _cli("collect", "openai", "--config", str(config), "--db", f"sqlite:///{db}", "--quiet")
    done = _run(args, PROJECT_KEY)
    assert done.returncode == 2
    lines = nonblank_lines(done.stderr)
    assert len(lines) == 1 and "$OPENAI_ADMIN_KEY" in lines[0] and "HTTP 403" in lines[0]
    assert PROJECT_KEY not in done.stderr + done.stdout


@pytest.fixture(params=BACKENDS)
def two_stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two empty store URLs on one backend: an uninterrupted run's and a killed run's."""
    with store_pair(request.param, tmp_path) as urls:
        yield urls


def test_kill_9_then_rerun_equals_an_uninterrupted_run(
    tmp_path: Path, two_stores: tuple[str, str]
) -> None:
    reference, killed = two_stores
    with FakeOpenAI() as fake:
        fake.page_size = 5
        config = _config(tmp_path, fake, history=30)
        args = ["collect", "openai", "--config", str(config), "--quiet"]
        assert _run(_cli(*args, "--db", reference)).returncode == 0
        CLI.kill_mid_run(fake, _cli(*args, "--db", killed), 3)  # killed on its fourth page
        partial = _domain(killed)
        assert 0 < len(partial["cost_records"]) < len(_domain(reference)["cost_records"])
        resume(fake)
        assert _run(_cli(*args, "--db", killed)).returncode == 0
    assert _domain(killed) == _domain(reference)


def test_collect_all_runs_openai_and_skips_it_without_its_key(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    config, db = _config(tmp_path, fake), tmp_path / "s.db"
    args = _cli("collect", "all", "--config", str(config), "--db", f"sqlite:///{db}")
    done = _run(args, key=None)
    assert done.returncode == 0, done.stderr
    assert "openai: skipped ($OPENAI_ADMIN_KEY is not set)" in done.stderr
    done = _run(args)
    assert done.returncode == 0, done.stderr
    assert "collect all: openai completed" in done.stderr
    assert _domain(f"sqlite:///{db}")["cost_records"]


def test_a_malformed_row_names_itself_and_stores_nothing_of_its_page(
    fake: FakeOpenAI, engine: sa.Engine
) -> None:
    fake.page_size = 3
    bad = TODAY - timedelta(5)  # on the second page (days -6 .. -4)
    fake.corrupt_day = bad.isoformat()
    summary = collect(fake, engine)
    assert summary.error is not None and "amount" in summary.error
    assert "row" in summary.error and "\n" not in summary.error
    stored = set(read_table(engine, s.cost_records)["day"])
    assert stored and max(stored) < TODAY - timedelta(6)  # the first page only
    fake.corrupt_day = None
    assert collect(fake, engine).failed == []
    assert max(read_table(engine, s.cost_records)["day"]) == TODAY


def test_has_more_without_next_page_is_an_error_not_a_loop(
    fake: FakeOpenAI, engine: sa.Engine
) -> None:
    fake.page_size = 3
    fake.lost_cursor = True
    summary = collect(fake, engine)
    assert "has_more is true but next_page is None" in (summary.error or "")
    assert fake.count() == 1
