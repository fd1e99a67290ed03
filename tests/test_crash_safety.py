"""kill -9 at seeded random points of `aimetrics collect github` and `aimetrics collect git`,
then a re-run: the store equals an uninterrupted run's, table by table (row counts and
content hashes), on SQLite and on PostgreSQL.

Three trials per collector (two on SQLite, one on PostgreSQL), each compared with one
SQLite reference run (both backends give identical stores). The trial code is shared with the
full-size script: ``python benchmarks/crash_trials.py --collector both --trials 10``.
A failing trial prints its seed and index; ``AIMETRICS_CRASH_SEED=N`` replays a seed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes.trials import (
    GitHubScenario,
    GitScenario,
    Reference,
    Stores,
    TrialResult,
    git_kill_trial,
    git_reference,
    github_kill_trial,
    github_reference,
)

SEED = int(os.environ.get("AIMETRICS_CRASH_SEED", "20260807"))
TRIALS = [("sqlite", 0), ("sqlite", 1), pytest.param("postgresql", 2, marks=pytest.mark.postgres)]
"""(backend, trial index): even trials kill at a random request, odd ones after a delay."""
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stores]:
    made = Stores(tmp_path_factory.mktemp("crash"))
    yield made
    made.close()


@pytest.fixture
def trial_stores(stores: Stores, request: pytest.FixtureRequest, backend: str) -> Stores:
    """The module's stores; for PostgreSQL, the session's private database."""
    if backend == "postgresql":
        stores.pg_database = request.getfixturevalue("pg_database_url")
    return stores


@pytest.fixture(scope="module")
def github_scenario() -> GitHubScenario:
    # 120 PRs in pages of at most 30 (with 502s to adapt to), a repository needing
    # follow-up queries, a small one, Copilot seats and reports, teams: ~25 requests.
    return GitHubScenario.build(big=120, small=10, max_pull_page=30)


@pytest.fixture(scope="module")
def github_ref(github_scenario: GitHubScenario, stores: Stores) -> Reference:
    return github_reference(github_scenario, stores, "sqlite")


@pytest.fixture(scope="module")
def git_scenario(stores: Stores) -> GitScenario:
    return GitScenario.build(stores.workdir, (2500, 800))


@pytest.fixture(scope="module")
def git_ref(git_scenario: GitScenario, stores: Stores) -> Reference:
    return git_reference(git_scenario, stores, "sqlite")


def _check(result: TrialResult, reference: Reference) -> None:
    print(result.line())
    assert result.ok, f"replay: AIMETRICS_CRASH_SEED={result.seed}; {result.line()}"
    # Not vacuous: the reference holds real data, and the resumed store was compared to it.
    assert reference.digest["pull_requests"][0] > 100
    assert reference.digest["commits"][0] > 500


@pytest.mark.parametrize(("backend", "index"), TRIALS)
def test_github_kill_9_at_a_random_point_then_resume(
    github_scenario: GitHubScenario,
    github_ref: Reference,
    trial_stores: Stores,
    backend: str,
    index: int,
) -> None:
    result = github_kill_trial(
        github_scenario, trial_stores, backend, github_ref, seed=SEED, index=index
    )
    _check(result, github_ref)
    assert github_ref.digest["seat_assignments"][0] and github_ref.digest["teams"][0]


@pytest.mark.parametrize(("backend", "index"), TRIALS)
def test_git_kill_9_at_a_random_point_then_resume(
    git_scenario: GitScenario, git_ref: Reference, trial_stores: Stores, backend: str, index: int
) -> None:
    result = git_kill_trial(git_scenario, trial_stores, backend, git_ref, seed=SEED, index=index)
    _check(result, git_ref)


def test_a_torn_store_would_be_caught(stores: Stores, git_ref: Reference, tmp_path: Path) -> None:
    """The comparison is not vacuous: a store missing one commit differs from the reference."""
    import sqlalchemy as sa

    from aimetrics.store import schema as s

    from fakes.trials import differences, engine_for, store_digest

    url = f"sqlite:///{tmp_path / 'copy.db'}"
    reference_url = next(
        f"sqlite:///{p}" for p in stores.workdir.glob("git-reference-*.db")
    )  # the reference store, copied
    (tmp_path / "copy.db").write_bytes(Path(reference_url.removeprefix("sqlite:///")).read_bytes())
    assert differences(store_digest(url), git_ref.digest) == []
    with engine_for(url) as engine, engine.begin() as conn:
        sha = conn.execute(sa.select(s.commits.c.sha).limit(1)).scalar_one()
        conn.execute(sa.delete(s.commits).where(s.commits.c.sha == sha))
    assert [d.split(":")[0] for d in differences(store_digest(url), git_ref.digest)] == ["commits"]
