"""`aimetrics collect cursor` and `collect all` through the CLI against the fake Cursor APIs
(tests/fakes/cursor_server.py): a refused key in one line, the key kept out of output, store
and exports, kill -9 and re-run equal to an uninterrupted run (SQLite and PostgreSQL), and
`collect all` running or skipping Cursor."""

from __future__ import annotations

import base64
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from aimetrics.store import create_store_engine, read_table, upgrade
from aimetrics.store import schema as s
from collectors.vendors.cursor import DAILY_USAGE, SPEND
from collectors.vendors.http import BACKOFF_ENV

from fakes.cursor_server import DEFAULT_KEY, FakeCursor, Fault, commit_hash, store_commits

KEY_ENV = "CURSOR_API_KEY"


@pytest.fixture
def fake() -> Iterator[FakeCursor]:
    with FakeCursor() as server:
        yield server


def rows(engine: sa.Engine, table: sa.Table) -> list[tuple]:
    return sorted(read_table(engine, table).rows(), key=repr)


# --- through the CLI ------------------------------------------------------------------------------


def _config(tmp_path: Path, fake: FakeCursor, history: int = 6, **top: object) -> Path:
    data = {
        "vendors": {"cursor": {"base_url": fake.root, "history_days": history, "lookback_days": 2}},
        **top,
    }
    path = tmp_path / "aimetrics.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "aimetrics.cli", *args]


def _env_for(key: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != KEY_ENV}
    env[BACKOFF_ENV] = "0.01"
    if key is not None:
        env[KEY_ENV] = key
    return env


def _run(args: list[str], key: str | None = DEFAULT_KEY) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, capture_output=True, text=True, env=_env_for(key), timeout=300, check=False
    )


def _dump(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return "\n".join(conn.iterdump())


def test_cli_401_is_one_line_and_the_key_is_nowhere(fake: FakeCursor, tmp_path: Path) -> None:
    config, db = _config(tmp_path, fake), tmp_path / "s.db"
    wrong = "key_WRONGcursor_abcdefghijklmnopqrstuvwxyz0123456789"
    done = _run(
        _cli("collect", "cursor", "--config", str(config), "--db", f"sqlite:///{db}", "--quiet"),
        wrong,
    )
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.strip()]
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
    out = tmp_path / "csv"
    exported = _run(
        _cli("export", "csv", "--config", str(config), "--db", f"sqlite:///{db}", "--out", str(out))
    )
    assert exported.returncode == 0, exported.stderr
    assert any(out.rglob("*.csv"))
    texts = [done.stdout, done.stderr, exported.stdout, exported.stderr, _dump(db)]
    texts += [p.read_text(errors="replace") for p in out.rglob("*") if p.is_file()]
    basic = base64.b64encode(f"{DEFAULT_KEY}:".encode()).decode()
    for text in texts:
        assert DEFAULT_KEY not in text and DEFAULT_KEY[:20] not in text and basic not in text


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


def _wait_held(fake: FakeCursor, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while not fake.held.is_set():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.01)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def two_stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two migrated store URLs on one backend holding the same commits: an uninterrupted
    run's and a killed run's."""
    if request.param == "sqlite":
        urls = [f"sqlite:///{tmp_path / 'reference.db'}", f"sqlite:///{tmp_path / 'killed.db'}"]
        stores = None
    else:
        from fakes.trials import PG_ENV, Stores

        if not os.environ.get(PG_ENV):
            pytest.skip(f"PostgreSQL tests skipped: set {PG_ENV}=postgresql://user@host:port/db")
        stores = Stores(tmp_path, pg_admin=os.environ[PG_ENV])
        urls = [stores.new("postgresql", "reference"), stores.new("postgresql", "killed")]
    today = datetime.now(UTC).date()
    for url in urls:
        engine = create_store_engine(url)
        upgrade(engine)
        store_commits(engine, {
            "acme-eng/payments-api": [(commit_hash(today - timedelta(i), 0), 300)
                                      for i in range(1, 30)],
            "acme-eng/web": [(commit_hash(today - timedelta(i), 2), 50) for i in range(1, 30)],
        })  # fmt: skip
        engine.dispose()
    try:
        yield urls[0], urls[1]
    finally:
        if stores is not None:
            stores.close()


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
        fake.hold_after = fake.count() + after  # the run blocks on its next request...
        proc = subprocess.Popen(
            _cli(*args, "--db", killed), env=_env_for(DEFAULT_KEY),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        _wait_held(fake, proc)
        proc.send_signal(signal.SIGKILL)  # ...and dies there, nothing cleaned up
        proc.wait(30)
        assert _domain(killed) != _domain(reference)
        fake.hold_after = None
        fake.release()
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
