"""`aimetrics collect cursor` and `collect all` through the CLI against the fake Cursor APIs
(tests/fakes/cursor_server.py): a refused key in one line, the key kept out of output, store
and exports, kill -9 and re-run equal to an uninterrupted run (SQLite and PostgreSQL), and
`collect all` running or skipping Cursor."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from vendor_harness import (
    BACKENDS,
    VendorCli,
    assert_nowhere,
    nonblank_lines,
    resume,
    rows,
    store_pair,
)
from vendor_harness import cli as _cli

from aimetrics.store import create_store_engine, read_table, upgrade
from aimetrics.store import schema as s
from collectors.vendors.cursor import DAILY_USAGE, SPEND

from fakes.cursor_server import DEFAULT_KEY, FakeCursor, Fault, commit_hash, store_commits

KEY_ENV = "CURSOR_API_KEY"
CLI = VendorCli("cursor", KEY_ENV, DEFAULT_KEY)


@pytest.fixture
def fake() -> Iterator[FakeCursor]:
    with FakeCursor() as server:
        yield server


# --- through the CLI ------------------------------------------------------------------------------


def _config(tmp_path: Path, fake: FakeCursor, history: int = 6, **top: object) -> Path:
    return CLI.config(tmp_path, fake, history, **top)


_run = CLI.run


def test_cli_401_is_one_line_and_the_key_is_nowhere(fake: FakeCursor, tmp_path: Path) -> None:
    config, db = _config(tmp_path, fake), tmp_path / "s.db"
    wrong = "key_WRONGcursor_abcdefghijklmnopqrstuvwxyz0123456789"
    done = _run(
        _cli("collect", "cursor", "--config", str(config), "--db", f"sqlite:///{db}", "--quiet"),
        wrong,
    )
    assert done.returncode == 2
    lines = nonblank_lines(done.stderr)
    assert len(lines) == 1 and "$CURSOR_API_KEY" in lines[0] and "HTTP 401" in lines[0]
    assert wrong not in done.stderr + done.stdout


def test_cli_run_keeps_the_key_out_of_output_store_and_exports(
    fake: FakeCursor, tmp_path: Path
) -> None:
    config, db = _config(tmp_path, fake), tmp_path / "s.db"
    fake.faults += [Fault(429, path=DAILY_USAGE, retry_after="0"), Fault(500, path=SPEND)]
    done = _run(_cli("collect", "cursor", "--config", str(config), "--db", f"sqlite:///{db}"))
    assert done.returncode == 0, done.stderr
    assert "daily_usage" in done.stderr and "stored" in done.stderr  # progress
    texts = [done.stdout, done.stderr, *CLI.export_texts(config, db, tmp_path / "csv")]
    basic = base64.b64encode(f"{DEFAULT_KEY}:".encode()).decode()
    assert_nowhere(texts, DEFAULT_KEY, DEFAULT_KEY[:20], basic)


def _domain(url: str) -> dict[str, list[tuple]]:
    engine = create_store_engine(url)
    try:
        out = {
            t.name: rows(engine, t)
            for t in (s.vendor_usage, s.cost_records, s.ai_tools, s.cursor_ai_commits,
                      s.commit_ai_lines)
        }  # fmt: skip
        # Each run takes its own spend snapshot: the same figures, another time.
        snaps = read_table(engine, s.cursor_spend_snapshots).drop("taken_at").unique()
        out["cursor_spend_snapshots"] = sorted(snaps.rows(), key=repr)
        return out
    finally:
        engine.dispose()


@pytest.fixture(params=BACKENDS)
def two_stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two migrated store URLs on one backend holding the same commits: an uninterrupted
    run's and a killed run's."""
    with store_pair(request.param, tmp_path) as urls:
        today = datetime.now(UTC).date()
        for url in urls:
            engine = create_store_engine(url)
            upgrade(engine)
            store_commits(engine, {
                "acme-eng/payments-api": [(commit_hash(today - timedelta(i), 0), 300)
                                          for i in range(1, 30)],
                "acme-eng/web": [(commit_hash(today - timedelta(i), 2), 50)
                                 for i in range(1, 30)],
            })  # fmt: skip
            engine.dispose()
        yield urls


@pytest.mark.parametrize("after", [2, 5])
def test_kill_9_then_rerun_equals_an_uninterrupted_run(
    tmp_path: Path, two_stores: tuple[str, str], after: int
) -> None:
    reference, killed = two_stores
    with FakeCursor() as fake:
        config = _config(tmp_path, fake, history=40)
        args = ["collect", "cursor", "--config", str(config), "--quiet"]
        assert _run(_cli(*args, "--db", reference)).returncode == 0
        assert _domain(reference)["commit_ai_lines"]
        CLI.kill_mid_run(fake, _cli(*args, "--db", killed), after)  # blocked, then killed
        assert _domain(killed) != _domain(reference)
        resume(fake)
        assert _run(_cli(*args, "--db", killed)).returncode == 0
    assert _domain(killed) == _domain(reference)


def test_collect_all_runs_cursor_and_skips_it_without_its_key(
    fake: FakeCursor, tmp_path: Path
) -> None:
    fake.tracking = 404
    config, db = _config(tmp_path, fake), tmp_path / "s.db"
    args = _cli("collect", "all", "--config", str(config), "--db", f"sqlite:///{db}", "--quiet")
    skipped = _run(args, key=None)
    assert skipped.returncode == 0, skipped.stderr
    assert "cursor: skipped ($CURSOR_API_KEY is not set)" in skipped.stderr
    done = _run(args)
    assert done.returncode == 0, done.stderr
    assert "Enterprise" in done.stderr  # the one line about the plan, even --quiet
    assert "collect all: cursor completed" in done.stderr
    assert _domain(f"sqlite:///{db}")["vendor_usage"]
