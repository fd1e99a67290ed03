"""The pipeline after a collection (`aimetrics.pipeline`): identities, then tagging of the
repositories a collector listed as changed; a run killed before or during tagging finishes
it on the next run; an unchanged repository and a cost import re-tag nothing."""

from __future__ import annotations

import functools
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from test_git_local import CLAUDE, Repo
from typer.testing import CliRunner

from aimetrics.cli import app
from aimetrics.pipeline import run_pipeline
from aimetrics.settings import load_settings
from aimetrics.store import create_store_engine, read_table, upgrade
from aimetrics.store import schema as s
from aimetrics.store.pending import clear_pending, mark_pending, pending_repos
from aimetrics.tagging import build_ruleset, tag_store
from aimetrics.tagging.identities import is_bot_email
from collectors.git_local import collect_repo, inspect_repo

FIXTURES = Path(__file__).parent / "fixtures" / "costs"


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    r = Repo(tmp_path / "payments-api")
    r.commit("chore: initial commit", lines=10)
    r.commit(f"feat: retry payments\n\n{CLAUDE}")
    return r


@pytest.fixture
def engine(tmp_path: Path) -> sa.Engine:
    eng = create_store_engine(f"sqlite:///{tmp_path / 'store.db'}")
    upgrade(eng)
    yield eng
    eng.dispose()


def _collect(engine: sa.Engine, repo: Repo) -> int:
    bots = functools.partial(is_bot_email, ruleset=build_ruleset())
    return collect_repo(engine, inspect_repo(repo.path), bot_email=bots)["repo_id"]


def _tags(engine: sa.Engine) -> pl.DataFrame:
    return read_table(engine, s.ai_tags).sort("entity", "entity_key", "rule_id")


def test_a_collection_lists_its_repository_and_the_pipeline_tags_it(
    engine: sa.Engine, repo: Repo
) -> None:
    repo_id = _collect(engine, repo)
    assert pending_repos(engine) == [repo_id]
    assert read_table(engine, s.ai_tags).is_empty()  # collectors collect; they do not tag
    result = run_pipeline(engine, load_settings(None), build_ruleset())
    assert result.repos_tagged == [repo_id]
    assert result.tags == {"commit": 1}
    assert result.people >= 1
    assert pending_repos(engine) == []
    assert _tags(engine)["tool_id"].to_list() == ["claude-code"]
    # The same tags as tagging everything at once.
    before = _tags(engine).drop("tagged_at")
    tag_store(engine, build_ruleset())
    assert _tags(engine).drop("tagged_at").equals(before)


def test_an_unchanged_repository_is_not_retagged(engine: sa.Engine, repo: Repo) -> None:
    settings, rules = load_settings(None), build_ruleset()
    _collect(engine, repo)
    run_pipeline(engine, settings, rules)
    first = _tags(engine)
    _collect(engine, repo)  # nothing new
    assert pending_repos(engine) == []
    assert run_pipeline(engine, settings, rules).repos_tagged == []
    assert _tags(engine).equals(first)  # same rows, same tagged_at
    repo.commit("fix: a new commit")
    repo_id = _collect(engine, repo)
    assert run_pipeline(engine, settings, rules).repos_tagged == [repo_id]


def test_a_run_killed_before_or_during_tagging_tags_on_the_next_run(
    engine: sa.Engine, repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, rules = load_settings(None), build_ruleset()
    repo_id = _collect(engine, repo)
    other = 2**62 + 1  # above any stable id: a second repository, tagged after it
    mark_pending(engine, [other])
    assert pending_repos(engine) == [repo_id, other]

    # Killed while tagging the second repository: the first is done and off the list.
    def tag_then_die(engine_, rules_, *, repo_ids):  # type: ignore[no-untyped-def]
        if repo_ids == [other]:
            raise KeyboardInterrupt
        return tag_store(engine_, rules_, repo_ids=repo_ids)

    monkeypatch.setattr("aimetrics.pipeline.tag_store", tag_then_die)
    with pytest.raises(KeyboardInterrupt):
        run_pipeline(engine, settings, rules)
    assert pending_repos(engine) == [other]
    monkeypatch.undo()

    # The next run: the collector finds nothing new, the pipeline finishes the list.
    _collect(engine, repo)
    assert run_pipeline(engine, settings, rules).repos_tagged == [other]
    assert pending_repos(engine) == []
    assert _tags(engine)["tool_id"].to_list() == ["claude-code"]


def test_a_kill_between_the_write_and_the_pipeline_is_tagged_by_any_later_command(
    engine: sa.Engine, repo: Repo, tmp_path: Path
) -> None:
    repo_id = _collect(engine, repo)  # ... and killed: the pipeline never ran
    engine.dispose()
    db = f"sqlite:///{tmp_path / 'store.db'}"
    runner = CliRunner()
    # A cost import changes no repository, but finishes what the collection left.
    res = runner.invoke(
        app, ["import", "costs", str(FIXTURES / "generic.csv"), "--source", "generic", "--db", db]
    )
    assert res.exit_code == 0, res.output
    assert pending_repos(engine) == []
    tags = _tags(engine)
    assert tags["repo_id"].unique().to_list() == [repo_id]
    # A second import re-tags nothing.
    res = runner.invoke(
        app, ["import", "costs", str(FIXTURES / "generic.csv"), "--source", "generic", "--db", db]
    )
    assert res.exit_code == 0, res.output
    assert _tags(engine).equals(tags)


def test_collect_git_runs_the_pipeline(tmp_path: Path, repo: Repo) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    res = CliRunner().invoke(app, ["collect", "git", str(repo.path), "--db", db])
    assert res.exit_code == 0, res.output
    engine = create_store_engine(db)
    try:
        assert pending_repos(engine) == []
        assert _tags(engine)["tool_id"].to_list() == ["claude-code"]
        clear_pending(engine)  # nothing to clear: no error
    finally:
        engine.dispose()
