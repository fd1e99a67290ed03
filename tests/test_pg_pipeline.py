"""The whole pipeline on PostgreSQL gives what it gives on SQLite (issue 7).

The same demo organization (seed 42, scale 5: about 52k PRs, 240k commits) is built
as ``aimetrics demo`` builds it (generate, write, resolve identities, tag) into a
SQLite file and into a PostgreSQL database; then, on each, the same commands run:
``aimetrics export csv``, ``aimetrics export tags`` and ``aimetrics report``. A
difference between the two is a bug (timestamp precision, ties in a sort, NULL order,
a float sum that depends on row order), so everything must be equal:

- every store table: row count and an order-independent content hash;
- every exported CSV file, byte for byte; ``export tags`` byte for byte;
- the report's HTML, byte for byte.

Normalized before comparing (each is the run, not the data): the time a command ran
(``generated_at`` in ``manifest.json`` and the report, which states it to the minute),
the store's URL (manifest, report), and the wall-clock times the demo load records in
``sync_state`` (``started_at``, ``finished_at``: and so ``freshness.csv``,
``sync-state.csv`` and the report's "Data last collected").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from aimetrics.cli import app
from aimetrics.figures.facts import load_facts_for
from aimetrics.settings import load_settings
from aimetrics.store import create_store_engine, read_table
from aimetrics.store import schema as s

from samples import build_demo_store, reset_pg

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SCALE = 5.0  # about 52k PRs: big enough for ties, folds and every page's tables
END = dt.date(2025, 6, 30)
# Wall-clock times of the demo load (the run, not the data).
RUN_TIMES = {
    "sync_state": ("started_at", "finished_at"),
    "ai_tags": ("tagged_at",),
    # Each store's own identity (drawn at creation) and the time of its last write.
    "store_version": ("store_id", "updated_at"),
}
SYNC_TIME = dt.datetime(2025, 7, 1, tzinfo=dt.UTC)
BACKENDS = ("sqlite", "postgresql")


def _set_sync_times(url: str) -> None:
    """Give both stores the same collection time: the demo records when it ran."""
    engine = create_store_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.update(s.sync_state).values(started_at=SYNC_TIME, finished_at=SYNC_TIME))
    engine.dispose()


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory, pg_database_url: str) -> dict[str, str]:
    """The same demo organization in a SQLite file and in a PostgreSQL database."""
    reset_pg(pg_database_url)
    urls = {
        "sqlite": f"sqlite:///{tmp_path_factory.mktemp('pipeline') / 'store.db'}",
        "postgresql": pg_database_url,
    }
    for url in urls.values():
        build_demo_store(url, scale=SCALE, end_date=END)
    return urls


def table_digest(frame: pl.DataFrame) -> tuple[int, str]:
    """Row count and a content hash that does not depend on the rows' order."""
    keyed = frame.select(pl.all().cast(pl.String))  # one text form per value on both sides
    hashes = keyed.hash_rows().sort()
    return frame.height, hashlib.sha256(hashes.to_numpy().tobytes()).hexdigest()


def store_digests(url: str) -> dict[str, tuple[int, str]]:
    engine = create_store_engine(url)
    try:
        out = {}
        for table in s.metadata.sorted_tables:
            frame = read_table(engine, table)
            frame = frame.drop(*(c for c in RUN_TIMES.get(table.name, ()) if c in frame.columns))
            out[table.name] = table_digest(frame)
        return out
    finally:
        engine.dispose()


def _cli(*args: str) -> None:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output


def normalize_manifest(text: str) -> str:
    text = re.sub(r'"generated_at": "[^"]*"', '"generated_at": "-"', text)
    return re.sub(r'"store": "[^"]*"', '"store": "-"', text)


def normalize_report(html: str, url: str) -> str:
    html = html.replace(sa.make_url(url).render_as_string(hide_password=True), "STORE")
    html = html.replace(
        sa.make_url(url).set(drivername="postgresql+psycopg").render_as_string(hide_password=True),
        "STORE",
    )
    html = re.sub(r'"generated_at": "[^"]*"', '"generated_at": "-"', html)
    html = re.sub(r"generated \d{4}-\d\d-\d\d \d\d:\d\d UTC", "generated -", html)
    return re.sub(r"(Generated</td><td[^>]*>)[^<]*", r"\1-", html)


@pytest.fixture(scope="module")
def outputs(stores: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each backend's exports and report, made by the CLI commands."""
    out = {}
    for backend, url in stores.items():
        _set_sync_times(url)
        root = tmp_path_factory.mktemp(backend)
        _cli("export", "csv", "--out", str(root / "csv"), "--db", url)
        _cli("export", "tags", "--out", str(root / "tags.csv"), "--db", url)
        _cli("report", "--out", str(root / "report.html"), "--db", url)
        out[backend] = root
    return out


def test_store_tables_are_equal(stores: dict[str, str]) -> None:
    sqlite, pg = (store_digests(stores[b]) for b in BACKENDS)
    assert sqlite["pull_requests"][0] > 45_000  # the scale the test is about
    assert sqlite["ai_tags"][0] > 0
    differ = {name: (sqlite[name], pg[name]) for name in sqlite if sqlite[name] != pg[name]}
    assert not differ, f"tables differ between SQLite and PostgreSQL: {differ}"


def sorted_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """The rows in one order, whatever order they came in (lists sort as text)."""
    keys = [pl.col(c).cast(pl.List(pl.String)).list.join("|") if isinstance(t, pl.List)
            else pl.col(c) for c, t in frame.schema.items()]  # fmt: skip
    return frame.sort(keys, nulls_last=True, maintain_order=True)


def test_facts_are_equal(stores: dict[str, str]) -> None:
    """What every page and export starts from (the dashboard caches these same frames)."""
    settings = load_settings(None)
    facts = {}
    for backend, url in stores.items():
        engine = create_store_engine(url)
        facts[backend] = load_facts_for(engine, settings)
        engine.dispose()
    sqlite, pg = (facts[b] for b in BACKENDS)
    assert sqlite.prs.height > 45_000
    assert_same(sqlite, pg, "Facts")
    assert_same(sqlite.tags, pg.tags, "Facts.tags")  # built on first use


def assert_same(a: object, b: object, name: str) -> None:
    """Frames equal whatever their row order; dataclasses field by field; else ==."""
    if isinstance(a, pl.DataFrame):
        assert isinstance(b, pl.DataFrame), name
        table = {"Facts.sync_state": "sync_state", "Facts.explain.tags": "ai_tags"}.get(name)
        if table:  # the store's rows as read: without the times the demo and tagger ran
            a, b = (f.drop(*RUN_TIMES[table]) for f in (a, b))
        try:
            assert_frame_equal(sorted_rows(a), sorted_rows(b), check_exact=True)
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from None
    elif dataclasses.is_dataclass(a) and not isinstance(a, type):
        for field in dataclasses.fields(a):
            assert_same(getattr(a, field.name), getattr(b, field.name), f"{name}.{field.name}")
    else:
        assert a == b, name


def test_csv_exports_are_equal(outputs: dict[str, Path]) -> None:
    sqlite, pg = (outputs[b] / "csv" for b in BACKENDS)
    names = sorted(p.name for p in sqlite.iterdir())
    assert names == sorted(p.name for p in pg.iterdir())
    assert len(names) > 20
    differ = []
    for name in names:
        a, b = (sqlite / name).read_text(), (pg / name).read_text()
        if name == "manifest.json":
            a, b = normalize_manifest(a), normalize_manifest(b)
        if a != b:
            differ.append(name)
    assert not differ, f"exported files differ between SQLite and PostgreSQL: {differ}"


def test_tag_exports_are_equal(outputs: dict[str, Path]) -> None:
    sqlite, pg = ((outputs[b] / "tags.csv").read_bytes() for b in BACKENDS)
    assert sqlite.count(b"\n") > 10_000
    assert sqlite == pg


def test_reports_are_equal(stores: dict[str, str], outputs: dict[str, Path]) -> None:
    sqlite, pg = (
        normalize_report((outputs[b] / "report.html").read_text(), stores[b]) for b in BACKENDS
    )
    # Neither report names its store (a report travels); otherwise they are the same.
    assert "STORE" not in sqlite and "STORE" not in pg
    assert sqlite == pg
