"""A small demo store served as by a freshly started dashboard server: the fixtures the
freshness and warm tests share (every Streamlit cache empty, a disk cache of the test's own)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from typer.testing import CliRunner

from aimetrics.cli import app
from dashboard import loaders


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    res = CliRunner().invoke(
        app, ["demo", "--no-serve", "--scale", "0.05", "--end-date", "2026-10-31",
              "--db", f"sqlite:///{db}"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    return db


@pytest.fixture
def store(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A copy of the demo store served by the app (defaults, this test's own disk cache),
    with every Streamlit cache empty: a freshly started server."""
    copy = tmp_path / "store.db"
    shutil.copy(demo_db, copy)
    url = f"sqlite:///{copy}"
    monkeypatch.setenv("AIMETRICS_DB", url)
    monkeypatch.setenv("AIMETRICS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("AIMETRICS_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)  # no ./aimetrics.yaml to pick up
    restart_server()
    yield url
    loaders.flush_disk_cache()
    restart_server()


def restart_server() -> None:
    """What a new server process starts with: no cached data or resource in memory."""
    st.cache_data.clear()
    st.cache_resource.clear()
