"""The server warms itself when the store changes (dashboard/warm.py): after a write, the
Overview's first visitor finds its figures computed, in memory and in the disk cache.

On a small demo store built by the CLI; the writes are real CLI writers (`tag`, `import
costs`), which move the store version. ``loaders.STORE_READS`` counts the store reads, and
the disk cache's files are what a restarted server would load.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import fresh_server
import pytest
import sqlalchemy as sa
from fresh_server import restart_server
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from aimetrics.cli import app
from aimetrics.figures import disk_cache
from aimetrics.store.version import read_version
from dashboard import loaders, warm

# The shared fixtures (tests/fresh_server.py): a small demo store on a fresh server.
demo_db = fresh_server.demo_db
store = fresh_server.store

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
FIXTURES = Path(__file__).parent / "fixtures" / "costs"
TIMEOUT = 120
WAIT = 120  # seconds a test waits for the thread before failing (not a speed assertion)


def write(url: str) -> None:
    """A real writer commits (``aimetrics tag``): the store version moves."""
    res = CliRunner().invoke(app, ["tag", "--db", url])
    assert res.exit_code == 0, res.output


def version_of(url: str) -> str:
    engine = sa.create_engine(url)
    try:
        version = read_version(engine)
    finally:
        engine.dispose()
    assert version is not None
    return version


def version_folder(url: str, version: str) -> Path:
    store_folder = disk_cache.cache_dir_for(url)
    assert store_folder is not None
    return store_folder / hashlib.sha256(version.encode()).hexdigest()[:24]


def cached_files(url: str, version: str) -> set[str]:
    folder = version_folder(url, version)
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def overview_visit() -> AppTest:
    """A new session on the default page (the Overview) with the default filters."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    assert at.title and at.title[0].value == "Overview"
    return at


def test_a_write_is_warmed_before_any_visit_and_the_first_page_computes_nothing(
    store: str,
) -> None:
    warmer = warm.Warmer(seconds=0.1)
    reads = loaders.STORE_READS["facts"]
    assert warmer.check_once()  # the server's start: nothing cached, the store is read
    assert loaders.STORE_READS["facts"] == reads + 1
    first = version_of(store)
    assert warmer.warmed == first
    assert not warmer.check_once()  # no write: nothing read, nothing computed
    assert loaders.STORE_READS["facts"] == reads + 1

    write(store)
    second = version_of(store)
    assert second != first
    thread = threading.Thread(target=warmer.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + WAIT
        while warmer.warmed != second and time.monotonic() < deadline:
            time.sleep(0.05)
        assert warmer.warmed == second, "the thread did not notice the write"
        while warmer.warms < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        warmer.stop()
        thread.join(WAIT)
    assert warmer.warms == 2
    assert loaders.STORE_READS["facts"] == reads + 2  # read once for the new version

    # The new version's facts and the Overview's figures are on disk, the old version gone.
    warmed = cached_files(store, second)
    assert any(name.startswith("facts-") for name in warmed)
    figures = {name.split("/")[1].rsplit("-", 1)[0] for name in warmed if "figures/" in name}
    assert {"dashboard.balance.overview", "dashboard.balance.spend",
            "dashboard.balance.teams", "dashboard.balance.team_actions"} <= figures  # fmt: skip
    assert not version_folder(store, first).exists()

    # A visitor now (same server): nothing is read or computed (a computation would add a
    # file to the disk cache: every figure is saved as it is computed).
    overview_visit()
    loaders.flush_disk_cache()
    assert loaders.STORE_READS["facts"] == reads + 2
    assert cached_files(store, second) == warmed

    # A server started on the changed store: its first page is answered from the cache.
    restart_server()
    overview_visit()
    loaders.flush_disk_cache()
    assert loaders.STORE_READS["facts"] == reads + 2
    assert cached_files(store, second) == warmed


def test_with_the_disk_cache_off_the_warm_fills_the_servers_own_caches(
    store: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(disk_cache.CACHE_ENV, "off")
    reads = loaders.STORE_READS["facts"]
    warmer = warm.Warmer(seconds=0.1)
    assert warmer.check_once()
    assert loaders.STORE_READS["facts"] == reads + 1
    overview_visit()  # the same server: from memory, the store not read again
    assert loaders.STORE_READS["facts"] == reads + 1
    assert not (tmp_path / "cache").exists()  # nothing written anywhere


def test_a_failed_warm_is_logged_once_and_retried_at_the_next_write(
    store: str, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[str | None] = []

    def failing(ctx: loaders.AppContext) -> str | None:
        calls.append(loaders.store_version(ctx.db_url))
        raise RuntimeError("the figures could not be computed")

    warmer = warm.Warmer(seconds=0.05, warm=failing)
    caplog.set_level(logging.WARNING, logger=warm.__name__)
    thread = threading.Thread(target=warmer.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + WAIT
        while not calls and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # several checks at the same version: no retry, no new message
        assert len(calls) == 1
        failures = [r for r in caplog.records if "failed" in r.getMessage()]
        assert len(failures) == 1
        assert "the figures could not be computed" in failures[0].getMessage()

        res = CliRunner().invoke(
            app, ["import", "costs", str(FIXTURES / "generic.csv"), "--source", "generic",
                  "--db", store],
        )  # fmt: skip
        assert res.exit_code == 0, res.output
        while len(calls) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(calls) == 2, "the next write was not warmed again"
        assert calls[1] == version_of(store) != calls[0]  # the new version, as visitors see it
        assert thread.is_alive()
    finally:
        warmer.stop()
        thread.join(WAIT)
    assert len([r for r in caplog.records if "failed" in r.getMessage()]) == 2
    assert warmer.warms == 0


def test_an_unreachable_store_is_reported_once_and_the_thread_goes_on(
    store: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A PostgreSQL store that refuses connections (nothing listens on the port): one
    warning, without the password, and the check goes on."""
    monkeypatch.setenv("AIMETRICS_DB", "postgresql://aim:s3cret-pw@127.0.0.1:9/aimetrics")
    caplog.set_level(logging.WARNING, logger=warm.__name__)
    warmer = warm.Warmer(seconds=0.05)
    for _ in range(3):
        assert not warmer.check_once()
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 1, messages
    assert "s3cret-pw" not in messages[0]


def test_an_empty_store_has_nothing_to_warm_and_no_store_is_never_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    missing = tmp_path / "later.db"
    monkeypatch.setenv("AIMETRICS_DB", f"sqlite:///{missing}")
    monkeypatch.setenv("AIMETRICS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("AIMETRICS_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    restart_server()
    caplog.set_level(logging.WARNING, logger=warm.__name__)
    warmer = warm.Warmer(seconds=0.05)
    assert not warmer.check_once()
    assert not missing.exists()  # the demo has not built it yet: the warm never creates it

    res = CliRunner().invoke(app, ["migrate", "--db", f"sqlite:///{missing}"])
    assert res.exit_code == 0, res.output
    assert not warmer.check_once()  # no merged PR: the page says so, nothing to compute
    assert warmer.warms == 0
    assert not [r for r in caplog.records if r.name == warm.__name__]
    assert not (tmp_path / "cache").exists()
    restart_server()


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("", warm.DEFAULT_SECONDS), ("5", 5.0), ("0.5", 0.5), ("off", None), ("0", None),
     ("soon", warm.DEFAULT_SECONDS), ("-3", warm.DEFAULT_SECONDS)],
)  # fmt: skip
def test_the_interval_setting(
    value: str, seconds: float | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(warm.WARM_ENV, value)
    assert warm.interval() == seconds


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(condition: Callable[[], bool], proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert proc.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.1)


def _warmed(url: str, version: str) -> bool:
    figures = version_folder(url, version) / "figures"
    names = {p.name.rsplit("-", 1)[0] for p in figures.glob("*.pickle")}
    return {"dashboard.balance.overview", "dashboard.balance.teams"} <= names


def test_a_running_server_warms_itself_at_start_and_after_a_write(
    demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real `aimetrics dashboard` (dashboard/serve.py): no visitor, yet the disk cache
    gets the Overview's figures of the store's version, then of the version after a write."""
    copy = tmp_path / "store.db"
    shutil.copy(demo_db, copy)
    url = f"sqlite:///{copy}"
    cache = tmp_path / "cache"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIMETRICS_")}
    env |= {"HOME": str(tmp_path), "AIMETRICS_CACHE_DIR": str(cache),
            warm.WARM_ENV: "0.2"}  # fmt: skip
    cmd = [sys.executable, "-m", "aimetrics.cli", "dashboard", "--port", str(port), "--db", url]
    monkeypatch.setenv(disk_cache.CACHE_ENV, str(cache))  # where this test looks
    log = tmp_path / "out.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd, cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        first = version_of(url)
        _wait_for(lambda: _warmed(url, first), proc, log)
        write(url)
        second = version_of(url)
        assert second != first
        _wait_for(lambda: _warmed(url, second), proc, log)
        assert not version_folder(url, first).exists()
        assert proc.poll() is None
        assert "Traceback" not in log.read_text()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
