"""The dashboard re-reads the store when its data changed (the store version), not on a timer,
and a freshly started server shows a page from the disk cache without reading the store.

Through AppTest on a small demo store built by the CLI. ``loaders.STORE_READS`` counts the
times the facts were built from the store. The version is re-read at most every
``VERSION_TTL_SECONDS``; the tests clear that one small cache where a user would wait those
seconds, and clear Streamlit's caches where a server would restart.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from aimetrics.cli import app
from dashboard import loaders

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
DATA_PAGE = "app_pages/data_page.py"
FIXTURES = Path(__file__).parent / "fixtures" / "costs"
TIMEOUT = 120


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


def versions_seconds_pass() -> None:
    """The rerun after ``VERSION_TTL_SECONDS``: the version is read again."""
    loaders.store_version.clear()


def data_page() -> AppTest:
    """A new session (a fresh browser tab) on the Data page."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()  # st.navigation registers the pages on the first run
    at.switch_page(DATA_PAGE)
    at.run()
    assert not at.exception, at.exception
    return at


def sources(at: AppTest) -> list[str]:
    """The Freshness table's sources (its first table)."""
    freshness = pl.from_pandas(at.dataframe[0].value)
    return sorted(freshness["Source"].to_list())


def tables(at: AppTest) -> list[pl.DataFrame]:
    return [pl.from_pandas(t.value) for t in at.dataframe]


def test_a_write_shows_at_the_next_rerun_and_no_write_reads_nothing(store: str) -> None:
    reads = loaders.STORE_READS["facts"]
    at = data_page()
    assert loaders.STORE_READS["facts"] == reads + 1
    before = sources(at)
    assert not any(s.startswith("costs:") for s in before)

    # No write: reruns, new sessions and version checks never read the store again.
    versions_seconds_pass()
    at.run()
    data_page()
    versions_seconds_pass()
    assert sources(data_page()) == before
    assert loaders.STORE_READS["facts"] == reads + 1

    # A CLI writer commits: the next rerun after the version check shows its rows.
    res = CliRunner().invoke(
        app, ["import", "costs", str(FIXTURES / "generic.csv"), "--source", "generic",
              "--db", store],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    versions_seconds_pass()
    at.run()
    assert "costs:generic" in sources(at)
    assert set(before) < set(sources(at))
    assert loaders.STORE_READS["facts"] == reads + 2


def test_a_fresh_server_shows_the_page_from_the_disk_cache(store: str) -> None:
    reads = loaders.STORE_READS["facts"]
    first = tables(data_page())
    assert loaders.STORE_READS["facts"] == reads + 1
    loaders.flush_disk_cache()  # what the first server wrote aside

    restart_server()
    again = tables(data_page())
    assert loaders.STORE_READS["facts"] == reads + 1  # not read again: from the disk
    assert len(again) == len(first)
    for got, want in zip(again, first, strict=True):
        assert got.equals(want)

    # The disk cache is keyed by the version: after a write, a fresh server reads the store.
    res = CliRunner().invoke(app, ["tag", "--db", store])
    assert res.exit_code == 0, res.output
    restart_server()
    data_page()
    assert loaders.STORE_READS["facts"] == reads + 2
