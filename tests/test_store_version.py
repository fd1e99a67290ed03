"""The store version (aimetrics.store.version): every CLI run that writes moves it, in the
write's own transaction; a failed write does not; the disk cache keyed by it returns exactly
what was saved, and only for the version, store and settings it was built from.

Every writer is run as a user runs it (the CLI, in process), on a copy of one small demo
store; collectors talk to the local fake servers (tests/fakes) built from recorded responses.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import polars as pl
import pytest
import yaml
from test_git_local import CLAUDE, Repo
from typer.testing import CliRunner

from aimetrics.cli import app
from aimetrics.errors import StoreError
from aimetrics.figures import disk_cache
from aimetrics.figures.facts import load_facts
from aimetrics.store import create_store_engine, read_table, upgrade, write_frames
from aimetrics.store import schema as s
from aimetrics.store.version import read_version
from collectors.vendors.http import BACKOFF_ENV

from fakes.anthropic_server import DEFAULT_KEY, FakeAnthropic
from fakes.trials import GitHubScenario, _cli_env

FIXTURES = Path(__file__).parent / "fixtures"
A_TEAM = pl.DataFrame({"slug": ["x"], "name": ["X"], "source": ["config"]})
DEMO_ARGS = ("--no-serve", "--scale", "0.05", "--end-date", "2026-10-31")


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo store, built once through the CLI (copied by each test)."""
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    res = CliRunner().invoke(app, ["demo", *DEMO_ARGS, "--db", f"sqlite:///{db}"])
    assert res.exit_code == 0, res.output
    return db


@pytest.fixture
def store(demo_db: Path, tmp_path: Path) -> str:
    """A fresh copy of the demo store: its URL."""
    copy = tmp_path / "store.db"
    shutil.copy(demo_db, copy)
    return f"sqlite:///{copy}"


def version(url: str) -> tuple[str, int] | None:
    engine = create_store_engine(url, must_exist=True)
    try:
        token = read_version(engine)
    finally:
        engine.dispose()
    if token is None:
        return None
    store_id, counter = token.split(".")
    return store_id, int(counter)


def cli(*args: str, env: dict[str, str] | None = None) -> None:
    res = CliRunner().invoke(app, list(args), env=env)
    assert res.exit_code == 0, res.output


# --- each CLI writer ----------------------------------------------------------------------


def _tag(url: str, tmp_path: Path) -> None:
    cli("tag", "--db", url)


def _import_costs(url: str, tmp_path: Path) -> None:
    cli("import", "costs", str(FIXTURES / "costs" / "generic.csv"), "--source", "generic",
        "--db", url)  # fmt: skip


def _import_traces(url: str, tmp_path: Path) -> None:
    cli("import", "traces", str(FIXTURES / "agent-trace" / "spec-example.json"), "--db", url)


def _collect_git(url: str, tmp_path: Path) -> None:
    repo = Repo(tmp_path / "payments-api")
    repo.commit("chore: initial commit", lines=10)
    repo.commit(f"feat: retry payments\n\n{CLAUDE}")
    cli("collect", "git", str(repo.path), "--db", url)


def _collect_github(url: str, tmp_path: Path) -> None:
    scenario = GitHubScenario.build(big=3, small=2)
    with scenario.serve() as fake:
        config = tmp_path / "github.yaml"
        config.write_text(yaml.safe_dump({"github": scenario.github_config(fake)}))
        env = {k: v for k, v in _cli_env().items() if k != "AIMETRICS_DB"}
        cli("collect", "github", "--config", str(config), "--db", url, "--quiet", env=env)


def _collect_anthropic(url: str, tmp_path: Path) -> None:
    with FakeAnthropic() as fake:
        config = tmp_path / "anthropic.yaml"
        vendor = {"base_url": fake.root, "history_days": 3, "lookback_days": 1}
        config.write_text(yaml.safe_dump({"vendors": {"anthropic": vendor}}))
        env = {"ANTHROPIC_ADMIN_KEY": DEFAULT_KEY, BACKOFF_ENV: "0.01"}
        cli("collect", "anthropic", "--config", str(config), "--db", url, "--quiet", env=env)


def _forget(url: str, tmp_path: Path) -> None:
    engine = create_store_engine(url)
    login = read_table(engine, s.people, columns=["login"])["login"].drop_nulls().sort()[0]
    engine.dispose()
    cli("forget", login, "--yes", "--db", url)


def _prune(url: str, tmp_path: Path) -> None:
    cli("prune", "--raw-older-than", "1", "--db", url)


def _demo(url: str, tmp_path: Path) -> None:
    cli("demo", *DEMO_ARGS, "--db", url)  # idempotent: same rows, but a run that writes


WRITERS: dict[str, Callable[[str, Path], None]] = {
    "tag": _tag,
    "import costs": _import_costs,
    "import traces": _import_traces,
    "collect git": _collect_git,
    "collect github": _collect_github,
    "collect anthropic": _collect_anthropic,
    "forget": _forget,
    "prune": _prune,
    "demo": _demo,
}


@pytest.mark.parametrize("writer", list(WRITERS))
def test_every_cli_writer_moves_the_version(store: str, tmp_path: Path, writer: str) -> None:
    before = version(store)
    assert before is not None
    WRITERS[writer](store, tmp_path)
    after = version(store)
    assert after is not None
    assert after[0] == before[0]  # the same store
    assert after[1] > before[1]


def test_migrate_creates_the_version_and_a_no_op_migrate_leaves_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    cli("migrate", "--db", url)
    first = version(url)
    assert first is not None
    cli("migrate", "--db", url)  # nothing to migrate: nothing written
    assert version(url) == first


def test_migrating_an_older_schema_moves_the_version(tmp_path: Path) -> None:
    from alembic import command

    from aimetrics.store.migrate import _config

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_store_engine(url)
    with engine.begin() as conn:
        command.upgrade(_config(conn), "0004")  # the schema before the store version
    engine.dispose()
    assert version(url) is None  # no table yet: readers treat it as "unknown"
    cli("migrate", "--db", url)
    assert version(url) is not None


def test_a_rebuilt_store_is_another_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    cli("migrate", "--db", url)
    first = version(url)
    (tmp_path / "x.db").unlink()
    cli("migrate", "--db", url)
    second = version(url)
    assert first is not None and second is not None
    assert first[0] != second[0]  # same path, counter restarted: told apart by the id


def test_a_failed_write_leaves_the_version(store: str) -> None:
    before = version(store)
    engine = create_store_engine(store)
    bad = pl.DataFrame({"slug": ["x"], "name": [None], "source": ["config"]})  # name: NOT NULL
    with pytest.raises(StoreError):
        write_frames(engine, [(s.teams, bad)])
    engine.dispose()
    assert version(store) == before


def test_each_write_moves_it_once(store: str) -> None:
    before = version(store)
    assert before is not None
    engine = create_store_engine(store)
    for _ in range(3):
        write_frames(engine, [(s.teams, A_TEAM)])
    engine.dispose()
    assert version(store) == (before[0], before[1] + 3)


@pytest.mark.postgres
def test_postgresql_writers_move_it(pg_database_url: str) -> None:
    from samples import reset_pg

    reset_pg(pg_database_url)
    engine = create_store_engine(pg_database_url)
    upgrade(engine)
    engine.dispose()
    before = version(pg_database_url)
    assert before is not None
    _import_costs(pg_database_url, Path())
    cli("prune", "--raw-older-than", "1", "--db", pg_database_url)
    after = version(pg_database_url)
    assert after is not None and after[0] == before[0]
    assert after[1] >= before[1] + 2


# --- the disk cache -----------------------------------------------------------------------


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "cache"
    monkeypatch.setenv(disk_cache.CACHE_ENV, str(path))
    yield path


def _key(url: str, token: str | None, **changes: object) -> disk_cache.FactsKey:
    key = disk_cache.FactsKey(url, token, "medium", (), ("dependabot[bot]",), "UTC", False, ())
    return dataclasses.replace(key, **changes)


def test_cached_facts_are_the_facts_and_only_for_their_version(store: str, cache_dir: Path) -> None:
    engine = create_store_engine(store)
    token = read_version(engine)
    built = load_facts(engine, bots=("dependabot[bot]",))
    key = _key(store, token)
    entry = disk_cache.save(key, built)
    assert entry is not None and entry.is_relative_to(cache_dir)
    assert (entry.parent.parent.stat().st_mode & 0o077) == 0  # the owner's only
    loaded = disk_cache.load(key)
    assert loaded is not None
    for field in dataclasses.fields(built):
        got, want = getattr(loaded, field.name), getattr(built, field.name)
        if isinstance(want, pl.DataFrame):
            assert got.equals(want), field.name
            assert got.schema == want.schema, field.name
        elif field.name != "explain":
            assert got == want, field.name
    assert loaded.tags.equals(built.tags)  # the explain view built from the cached inputs
    # Anything else it depends on is another entry: a miss.
    assert disk_cache.load(_key(store, token, tz="Europe/Paris")) is None
    assert disk_cache.load(_key(store, token, show_individuals=True)) is None
    # A write moves the version: the old entry is never read again, and the next save
    # removes it from disk.
    write_frames(engine, [(s.teams, A_TEAM)])
    newer = read_version(engine)
    assert newer != token
    assert disk_cache.load(_key(store, newer)) is None
    disk_cache.save(_key(store, newer), built)
    assert not entry.exists()
    engine.dispose()


def test_a_damaged_entry_is_a_miss_and_removed(store: str, cache_dir: Path) -> None:
    engine = create_store_engine(store)
    key = _key(store, read_version(engine))
    entry = disk_cache.save(key, load_facts(engine, bots=("dependabot[bot]",)))
    engine.dispose()
    assert entry is not None
    (entry / "prs.arrow").write_bytes(b"not arrow")
    assert disk_cache.load(key) is None
    assert not entry.exists()


def test_the_cache_holds_no_store_password(cache_dir: Path) -> None:
    url = "postgresql://reader:s3cret-pw@db.example:5432/metrics"
    folder = disk_cache.cache_dir_for(url)
    assert folder is not None and "s3cret" not in str(folder)
    path = disk_cache.figure_path(url, "abc.1", "dashboard.loaders.delivery", "args")
    assert path is not None
    disk_cache.save_figure(path, {"figure": 1})
    assert disk_cache.load_figure(path) == {"figure": 1}
    for file in cache_dir.rglob("*"):
        assert "s3cret" not in str(file)
        if file.is_file():
            assert b"s3cret" not in file.read_bytes()


def test_forget_clears_the_store_cache(store: str, cache_dir: Path) -> None:
    path = disk_cache.figure_path(store, "abc.1", "dashboard.loaders.delivery", "args")
    disk_cache.save_figure(path, {"figure": 1})
    assert disk_cache.cache_dir_for(store).exists()  # type: ignore[union-attr]
    _forget(store, cache_dir)
    assert not disk_cache.cache_dir_for(store).exists()  # type: ignore[union-attr]


def test_cache_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(disk_cache.CACHE_ENV, "off")
    assert disk_cache.cache_dir_for("sqlite:///x.db") is None
    assert disk_cache.load(_key("sqlite:///x.db", "a.1")) is None
    assert disk_cache.figure_path("sqlite:///x.db", "a.1", "f", "args") is None


def test_a_cache_others_can_write_is_not_read(cache_dir: Path) -> None:
    """Pickles are code: one from a folder another user could write is never loaded."""
    path = disk_cache.figure_path("sqlite:///x.db", "abc.1", "dashboard.loaders.delivery", "a")
    assert path is not None
    disk_cache.save_figure(path, {"figure": 1})
    store_folder = disk_cache.cache_dir_for("sqlite:///x.db")
    assert store_folder is not None
    assert disk_cache.load_figure(path) == {"figure": 1}
    store_folder.chmod(0o777)
    assert disk_cache.load_figure(path) is disk_cache.MISSING
