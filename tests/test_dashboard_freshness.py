"""The dashboard re-reads the store when its data changed (the store version), not on a timer,
and a freshly started server shows a page from the disk cache without reading the store.

Through AppTest on a small demo store built by the CLI. ``loaders.STORE_READS`` counts the
times the facts were built from the store. The version is re-read at most every
``VERSION_TTL_SECONDS``; the tests clear that one small cache where a user would wait those
seconds, and clear Streamlit's caches where a server would restart.
"""

from __future__ import annotations

from pathlib import Path

import fresh_server
import polars as pl
from fresh_server import restart_server
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from aimetrics.cli import app
from dashboard import loaders

# The shared fixtures (tests/fresh_server.py): a small demo store on a fresh server.
demo_db = fresh_server.demo_db
store = fresh_server.store

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
DATA_PAGE = "app_pages/data_page.py"
FIXTURES = Path(__file__).parent / "fixtures" / "costs"
TIMEOUT = 120


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
