"""Helpers for the GitHub collector tests (fixtures are in ``conftest.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
import yaml

from aimetrics.pipeline import run_pipeline
from aimetrics.settings import Settings, parse_settings
from aimetrics.tagging import RuleSet
from collectors.github import ClientOptions, CollectOptions, Summary, collect_github
from collectors.github.progress import RepoResult

from fakes.github_data import FakeOrg, FakeRepo, recorded_pulls, synthetic_pulls
from fakes.github_server import FakeGitHub


def fast_options(base_url: str, **changes: Any) -> ClientOptions:
    """No spacing, tiny backoff: the fake needs no politeness and the tests stay fast."""
    defaults: dict[str, Any] = {
        "base_url": base_url,
        "timeout": 5,
        "retries": 2,
        "backoff": 0.01,
        "seconds_between_writes": 0.0,
        "transport_retries": 2,
        "max_rate_limit_wait": 10.0,
        "secondary_rate_wait": 0.05,
    }
    return ClientOptions(**(defaults | changes))


def settings_for(fake: FakeGitHub, **github: Any) -> Settings:
    """Settings pointing at the fake (``github:`` keys as in a config file)."""
    data = {"github": {"base_url": fake.base_url, **github}}
    return parse_settings(yaml.safe_dump(data))


@dataclass
class Recorder:
    """A reporter that keeps what it was told."""

    warnings: list[str] = field(default_factory=list)
    finished: list[RepoResult] = field(default_factory=list)
    progress: list[dict[str, Any]] = field(default_factory=list)

    def start(self, repos: int) -> None:
        pass

    def repo_started(self, name: str) -> None:
        pass

    def repo_progress(self, name: str, **fields: Any) -> None:
        self.progress.append({"repository": name, **fields})

    def repo_finished(self, result: RepoResult) -> None:
        self.finished.append(result)

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def finish(self, summary: Summary) -> None:
        pass

    def close(self) -> None:
        pass


@dataclass
class Collector:
    fake: FakeGitHub
    engine: sa.Engine
    ruleset: RuleSet
    recorder: Recorder = field(default_factory=Recorder)

    def run(
        self,
        settings: Settings | None = None,
        *,
        repos: list[str] | None = None,
        full: bool = False,
        since: date | None = None,
        today: date | None = None,
        **client: Any,
    ) -> Summary:
        self.recorder = Recorder()
        options = CollectOptions(
            repos=repos or [],
            full=full,
            since=since,
            client=fast_options(self.fake.base_url, **client),
            today=today,
        )
        settings = settings or settings_for(self.fake)
        summary = collect_github(settings, self.engine, options, self.recorder)
        # The tagging the pipeline runs after a collection (identities are the tests' call).
        run_pipeline(self.engine, settings, self.ruleset, identities=False)
        return summary


def acme(fake: FakeGitHub, *, pulls: int = 0, seed: int = 1) -> FakeOrg:
    """Org ``acme`` with repo ``api`` (the recorded PRs plus ``pulls`` synthetic ones)."""
    repo = FakeRepo("acme", "api", 4242, pulls=recorded_pulls())
    repo.pulls += synthetic_pulls(pulls, seed=seed, first_number=100)
    return fake.add_org(FakeOrg("acme", 9001, repos=[repo]))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def special_pulls() -> list[dict]:
    """PRs for the edge cases: bots, a deleted author, drafts, > 100 commits and reviews."""
    from fakes.github_data import bot, commit, git_actor, iso, pull, review, sha, user

    t0 = utc(2026, 3, 2, 9)
    hour = timedelta(hours=1)
    agent_commit = commit(
        sha("agent-1"),
        "Add retry to the payment client\n\nCo-authored-by: alice <alice@corp.example>",
        git_actor("Copilot", "198982749+Copilot@users.noreply.github.com", iso(t0)),
    )
    dependabot_commit = commit(
        sha("dependabot-1"),
        "Bump requests from 2.31.0 to 2.32.3",
        git_actor("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com", iso(t0)),
    )
    big_commits = [
        commit(
            sha(f"big-{i}"),
            f"Migrate module {i}",
            git_actor("Bob Example", "bob@corp.example", iso(t0 + i * timedelta(minutes=1)), "bob"),
        )
        for i in range(150)
    ]
    big_reviews = [
        review(800_000_000 + i, user("carol"), "COMMENTED", iso(t0 + 3 * hour)) for i in range(120)
    ]
    return [
        pull(
            501,
            author=bot("copilot-swe-agent"),
            created=t0,
            title="Add retry to the payment client",
            head="copilot/fix-retries",
            commits=[agent_commit],
            reviews=[
                review(601, bot("Copilot"), "COMMENTED", iso(t0 + hour)),
                review(602, bot("coderabbitai"), "COMMENTED", iso(t0 + hour)),
                review(603, user("alice"), "APPROVED", iso(t0 + 2 * hour)),
            ],
        ),
        pull(
            502,
            author=bot("dependabot"),
            created=t0 + hour,
            title="Bump requests from 2.31.0 to 2.32.3",
            head="dependabot/pip/requests-2.32.3",
            labels=["dependencies"],
            commits=[dependabot_commit],
        ),
        pull(
            503,
            author=None,  # the author deleted their account
            created=t0 + 2 * hour,
            state="CLOSED",
            commits=[
                commit(
                    sha("ghost-1"),
                    "Old work",
                    git_actor("Former Dev", "former@corp.example", iso(t0)),
                )
            ],
        ),
        pull(
            504,
            author=user("carol"),
            created=t0 + 3 * hour,
            state="OPEN",
            draft=False,
            ready=t0 + 5 * hour,  # opened as draft, ready later
        ),
        pull(505, author=user("dave"), created=t0 + 4 * hour, state="OPEN", draft=True),
        pull(
            506,
            author=user("bob"),
            created=t0 + 5 * hour,
            commits=big_commits,
            reviews=big_reviews,
            labels=[f"area-{i}" for i in range(105)],
        ),
    ]


def add_repo(fake: FakeGitHub, full_name: str, pulls: list[dict], repo_id: int) -> FakeRepo:
    owner, _, name = full_name.partition("/")
    org = fake.orgs.get(owner.lower()) or fake.add_org(FakeOrg(owner, repo_id + 10_000))
    repo = FakeRepo(owner, name, repo_id, pulls=pulls)
    org.repos.append(repo)
    return repo


def domain_rows(engine: sa.Engine) -> dict[str, list[tuple]]:
    """Every domain table's rows, sorted, without fetch/tag times: for run-vs-run comparison."""
    from aimetrics.store import read_table
    from aimetrics.store import schema as s

    out = {}
    for table in (
        s.repositories,
        s.pull_requests,
        s.pull_request_labels,
        s.commits,
        s.pull_request_commits,
        s.reviews,
        s.people,
        s.identities,
        s.teams,
        s.team_memberships,
        s.seat_assignments,
        s.copilot_usage,
        s.ai_tags,
    ):
        frame = read_table(engine, table)
        if "tagged_at" in frame.columns:
            frame = frame.drop("tagged_at")
        out[table.name] = sorted(frame.rows(), key=repr)
    return out
