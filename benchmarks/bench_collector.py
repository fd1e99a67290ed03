"""Benchmark the GitHub collector against the local fake GitHub (no network).

A repository of 1,000 pull requests (1-6 commits and 0-3 reviews each, plus 3
PRs with 150 commits that need follow-up queries) is synced into a fresh SQLite
store, then synced again with nothing changed. Prints PRs per request, requests
for the no-change re-sync, and wall time per 1,000 PRs, with PyGithub's write
spacing off (the collector's own cost) and at the shipped default (0.25 s).

    /work/venv/bin/python benchmarks/bench_collector.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from aimetrics.settings import parse_settings  # noqa: E402
from aimetrics.store import create_store_engine, upgrade  # noqa: E402
from aimetrics.tagging import build_ruleset  # noqa: E402
from collectors.github import ClientOptions, CollectOptions, collect_github  # noqa: E402
from collectors.github.progress import QuietReporter  # noqa: E402

from fakes.github_data import (  # noqa: E402
    FakeOrg,
    FakeRepo,
    commit,
    git_actor,
    sha,
    synthetic_pulls,
)
from fakes.github_server import DEFAULT_TOKEN, FakeGitHub  # noqa: E402

PRS = 1000
BIG_PRS = 3


def _repo() -> FakeRepo:
    pulls = synthetic_pulls(PRS, seed=11)
    for pull in pulls[100 : 100 + BIG_PRS * 200 : 200]:
        created = pull["createdAt"]
        pull["commits"] = [
            commit(sha(f"big-{pull['number']}-{i}"), f"Step {i}",
                   git_actor("Bob Example", "bob@corp.example", created, "bob"))
            for i in range(150)
        ]  # fmt: skip
    repo = FakeRepo("bench", "monolith", 1, pulls=pulls)
    return repo


def _run(fake: FakeGitHub, spacing: float) -> dict[str, float]:
    from rich.console import Console

    with tempfile.TemporaryDirectory() as tmp:
        engine = create_store_engine(f"sqlite:///{tmp}/bench.db")
        upgrade(engine)
        settings = parse_settings(f"github: {{base_url: '{fake.base_url}'}}")
        options = CollectOptions(
            repos=["bench/monolith"],
            client=ClientOptions(base_url=fake.base_url, seconds_between_writes=spacing),
        )
        reporter = QuietReporter(Console(file=open(os.devnull, "w")))  # noqa: SIM115
        rules = build_ruleset()
        fake.reset_log()
        started = time.perf_counter()
        summary = collect_github(settings, engine, rules, options, reporter)
        full_seconds = time.perf_counter() - started
        full_requests = fake.count()
        server_seconds = sum(r.seconds for r in fake.requests)
        assert summary.repos[0].prs == PRS, summary
        fake.reset_log()
        collect_github(settings, engine, rules, options, reporter)
        resync_requests = fake.count()
        engine.dispose()
    return {
        "requests": full_requests,
        "prs_per_request": PRS / full_requests,
        "resync_requests": resync_requests,
        "seconds_per_1000": full_seconds * 1000 / PRS,
        "server_per_1000": server_seconds * 1000 / PRS,
    }


def main() -> None:
    os.environ["GITHUB_TOKEN"] = DEFAULT_TOKEN
    with FakeGitHub() as fake:
        fake.add_org(FakeOrg("bench", 1, repos=[_repo()]))
        fast = _run(fake, 0.0)
        polite = _run(fake, ClientOptions().seconds_between_writes)
    print(f"repository: {PRS:,} PRs with commits and reviews ({BIG_PRS} with 150 commits)")
    print(f"full sync: {fast['requests']:.0f} requests, {fast['prs_per_request']:.1f} PRs/request")
    print(f"no-change re-sync: {fast['resync_requests']:.0f} request(s)")
    print(
        f"wall time per 1,000 PRs: {fast['seconds_per_1000']:.1f} s without spacing, "
        f"{polite['seconds_per_1000']:.1f} s at the default 0.25 s between queries; "
        f"of which the fake server answering: {fast['server_per_1000']:.1f} s"
    )


if __name__ == "__main__":
    main()
