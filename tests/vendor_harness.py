"""What the vendor collector tests (Anthropic, OpenAI, Cursor) share: the CLI run in a
subprocess against a fake's URL with a key in the environment, the kill -9 / resume
harness, the two stores (SQLite or PostgreSQL) it compares, and the scan that a key is in no
output, store or export. Each test file keeps its own assertions."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from aimetrics.store import read_table
from collectors.vendors.http import BACKOFF_ENV

from fakes.vendor_server import VendorServer

_DEFAULT = object()
"""`VendorCli.run`'s key when none is given: the fake's good key."""


def use_key(monkeypatch: pytest.MonkeyPatch, key_env: str, key: str) -> None:
    """In-process runs: the key in its variable, retries without waiting."""
    monkeypatch.setenv(key_env, key)
    monkeypatch.setenv(BACKOFF_ENV, "0.01")


def rows(engine: sa.Engine, table: sa.Table) -> list[tuple]:
    """A table's rows in a stable order, to compare stores."""
    return sorted(read_table(engine, table).rows(), key=repr)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(i) for i in range((last - first).days + 1)]


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "aimetrics.cli", *args]


def dump(db: Path) -> str:
    """A SQLite store as SQL text: where a leaked key would show."""
    with sqlite3.connect(db) as conn:
        return "\n".join(conn.iterdump())


def nonblank_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


@dataclass(frozen=True)
class VendorCli:
    """Runs ``aimetrics`` in a subprocess for one vendor: its config section, its key
    variable (``key_env``) holding ``key`` (the fake's good key) or another."""

    vendor: str
    key_env: str
    key: str

    def config(self, tmp_path: Path, fake: VendorServer, history: int, **top: object) -> Path:
        """An aimetrics.yaml pointing the vendor at ``fake`` (lookback 2 days)."""
        section = {"base_url": fake.root, "history_days": history, "lookback_days": 2}
        path = tmp_path / "aimetrics.yaml"
        path.write_text(yaml.safe_dump({"vendors": {self.vendor: section}, **top}))
        return path

    def env(self, key: str | None) -> dict[str, str]:
        """This process's environment with ``key`` (None: no key) and fast retries."""
        env = {k: v for k, v in os.environ.items() if k != self.key_env}
        env[BACKOFF_ENV] = "0.01"
        if key is not None:
            env[self.key_env] = key
        return env

    def run(
        self, args: list[str], key: str | object | None = _DEFAULT
    ) -> subprocess.CompletedProcess:
        key = self.key if key is _DEFAULT else key
        assert key is None or isinstance(key, str)
        return subprocess.run(
            args, capture_output=True, text=True, env=self.env(key), timeout=300, check=False
        )

    def export_texts(self, config: Path, db: Path, out: Path) -> list[str]:
        """``export csv`` of the store ``db`` into ``out`` (it must succeed and write CSV):
        its output, the store's SQL and every exported file, to scan for the key."""
        exported = self.run(
            cli("export", "csv", "--config", str(config), "--db", f"sqlite:///{db}",
                "--out", str(out))
        )  # fmt: skip
        assert exported.returncode == 0, exported.stderr
        assert any(out.rglob("*.csv"))
        texts = [exported.stdout, exported.stderr, dump(db)]
        return texts + [p.read_text(errors="replace") for p in out.rglob("*") if p.is_file()]

    def kill_mid_run(self, fake: VendorServer, args: list[str], after: int) -> None:
        """Start ``args``, let it make ``after`` more requests, block it on the next one and
        kill -9 it there (nothing cleaned up). `resume` lets the fake answer again."""
        fake.hold_after = fake.count() + after
        proc = subprocess.Popen(
            args, env=self.env(self.key), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_held(fake, proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)


def wait_held(fake: VendorServer, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while not fake.held.is_set():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.01)


def resume(fake: VendorServer) -> None:
    """Undo `VendorCli.kill_mid_run`'s hold: requests are answered again."""
    fake.hold_after = None
    fake.release()


def assert_nowhere(texts: list[str], *secrets: str) -> None:
    """None of ``secrets`` (a key, a part of it, its encoded form) in any of ``texts``."""
    for text in texts:
        for secret in secrets:
            assert secret not in text


@contextmanager
def store_pair(backend: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two empty store URLs on ``backend`` (sqlite or postgresql): an uninterrupted run's
    and a killed run's. PostgreSQL is skipped unless its variable names a server."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'reference.db'}", f"sqlite:///{tmp_path / 'killed.db'}"
        return
    from fakes.trials import PG_ENV, Stores

    if not os.environ.get(PG_ENV):
        pytest.skip(f"PostgreSQL tests skipped: set {PG_ENV}=postgresql://user@host:port/db")
    stores = Stores(tmp_path, pg_admin=os.environ[PG_ENV])
    try:
        yield stores.new("postgresql", "reference"), stores.new("postgresql", "killed")
    finally:
        stores.close()


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
"""Params for a ``two_stores`` fixture built on `store_pair`."""
