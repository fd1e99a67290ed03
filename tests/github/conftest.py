"""Fixtures for the GitHub collector tests: the local fake GitHub, a store, a collector.

The fake is real HTTP on 127.0.0.1 (``tests/fakes/github_server.py``); PyGithub
talks to it through ``base_url``. Every GraphQL query it receives is validated
against GitHub's schema; a test fails if the collector sent an invalid one, or one
using a deprecated field, argument or enum value.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from aimetrics.store import create_store_engine, upgrade
from aimetrics.tagging import RuleSet, build_ruleset

from collector_helpers import Collector
from fakes.github_server import DEFAULT_TOKEN, FakeGitHub


@pytest.fixture
def fake_github() -> Iterator[FakeGitHub]:
    with FakeGitHub() as fake:
        yield fake
        assert not fake.invalid_queries, f"invalid GraphQL sent: {fake.invalid_queries[0][1]}"
        assert not fake.deprecated_queries, (
            f"deprecated GraphQL sent: {fake.deprecated_queries[0][1]}"
        )


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("GITHUB_TOKEN", DEFAULT_TOKEN)
    return DEFAULT_TOKEN


@pytest.fixture
def store(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = create_store_engine(f"sqlite:///{tmp_path / 'store.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def ruleset() -> RuleSet:
    return build_ruleset()


@pytest.fixture
def collector(fake_github: FakeGitHub, store: sa.Engine, ruleset: RuleSet, token: str) -> Collector:
    return Collector(fake_github, store, ruleset)
