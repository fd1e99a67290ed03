"""Every fault the fake GitHub can inject, and what the collector makes of it."""

from __future__ import annotations

import pytest

from aimetrics.store import create_store_engine, read_table, upgrade
from aimetrics.store import schema as s
from collectors.github import GitHubAuthError

from collector_helpers import Collector, acme, add_repo, domain_rows
from fakes.github_server import FakeGitHub


def _sizes(fake: FakeGitHub) -> list[tuple[int, int | None]]:
    """(page size, status) of the bulk PR queries."""
    return [
        (r.variables.get("first"), r.status) for r in fake.requests if r.operation == "PullRequests"
    ]


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("status", {"status": 500}),
        ("status", {"status": 503}),
        ("rate_limit", {"status": 403, "retry_after": 1}),
        ("rate_limit", {"status": 429, "retry_after": 1}),
        ("reset", {}),
        ("truncated", {}),
        ("malformed", {}),
    ],
    ids=["500", "503", "403-retry-after", "429-retry-after", "reset", "truncated", "malformed"],
)
def test_transient_faults_are_retried(
    collector: Collector, fake_github: FakeGitHub, kind: str, params: dict
):
    acme(fake_github, pulls=5)
    fake_github.inject(kind, "graphql", times=1, **params)

    summary = collector.run(repos=["acme/api"])

    assert [(r.status, r.prs) for r in summary.repos] == [("complete", 7)]
    assert fake_github.count("graphql") == 2  # the fault, then the answer
    assert read_table(collector.engine, s.pull_requests).height == 7


def test_slow_answer_within_the_timeout_is_waited_for(collector: Collector, fake_github):
    acme(fake_github, pulls=2)
    fake_github.inject("slow", "graphql", seconds=0.5)
    summary = collector.run(repos=["acme/api"], timeout=3)
    assert summary.repos[0].status == "complete"
    assert fake_github.count("graphql") == 1


def test_502_on_large_pages_halves_the_page_and_grows_it_back(collector: Collector, fake_github):
    acme(fake_github, pulls=298)  # 300 PRs
    fake_github.max_pull_page = 60

    summary = collector.run(repos=["acme/api"])

    assert [(r.status, r.prs) for r in summary.repos] == [("complete", 300)]
    assert _sizes(fake_github) == [
        (100, 502),  # too heavy: halve
        (50, 200),
        (50, 200),
        (50, 200),  # three successes: try twice the size again
        (100, 502),
        (50, 200),
        (50, 200),
        (50, 200),
    ]
    assert read_table(collector.engine, s.pull_requests).height == 300


def test_timeouts_on_large_pages_halve_the_page(collector: Collector, fake_github):
    acme(fake_github, pulls=58)  # 60 PRs
    fake_github.slow_pull_page = (30, 2.0)

    summary = collector.run(repos=["acme/api"], timeout=1)

    assert [(r.status, r.prs) for r in summary.repos] == [("complete", 60)]
    assert [size for size, _ in _sizes(fake_github)][:3] == [100, 50, 25]


def test_persistent_5xx_leaves_the_repository_incomplete_and_resumable(
    collector: Collector, fake_github: FakeGitHub, tmp_path, ruleset
):
    acme(fake_github, pulls=250)
    fake_github.max_pull_page = 50  # so pages of 50 after the first 502
    # Three answers get through (the 502, two pages of 50), then every request fails.
    fake_github.inject("status", "graphql", status=500, times=10_000, skip=3)

    summary = collector.run(repos=["acme/api"], retries=1)

    assert [r.status for r in summary.repos] == ["incomplete"]
    assert "500" in summary.repos[0].detail
    state = read_table(collector.engine, s.sync_state).row(0, named=True)
    assert state["status"] == "incomplete"
    assert read_table(collector.engine, s.pull_requests).height == 0  # nothing half-written
    assert read_table(collector.engine, s.raw_payloads).height == 2  # the pages that arrived

    fake_github.faults.clear()
    fake_github.reset_log()
    summary = collector.run(repos=["acme/api"])

    assert [(r.status, r.prs) for r in summary.repos] == [("complete", 252)]
    # Resumed after the two stored pages: 152 PRs left, in pages of 50 (and a 502 or two);
    # the default branch's history rides on them.
    answered = [r.operation for r in fake_github.requests if r.status == 200]
    assert answered == ["PullRequests"] * 4
    reference = create_store_engine(f"sqlite:///{tmp_path / 'reference.db'}")
    upgrade(reference)
    Collector(fake_github, reference, ruleset).run(repos=["acme/api"])
    assert domain_rows(collector.engine) == domain_rows(reference)
    reference.dispose()


def test_exhausted_rate_limit_leaves_the_repository_incomplete(collector: Collector, fake_github):
    acme(fake_github, pulls=2)
    fake_github.inject("exhausted", "graphql", times=5)
    summary = collector.run(repos=["acme/api"])  # waits at most 10 s here: the reset is in 1 h
    assert [(r.status, r.detail) for r in summary.repos] == [
        ("incomplete", "GitHub's rate limit is exhausted; re-run later")
    ]
    assert fake_github.count("graphql") == 1  # no pointless retries against an empty budget


def test_forbidden_repository_is_skipped_with_a_warning(collector: Collector, fake_github):
    org = acme(fake_github, pulls=2)
    add_repo(fake_github, "acme/secret", [], 99).forbidden = True
    summary = collector.run(repos=["acme/secret", "acme/api"])
    assert {r.full_name: r.status for r in summary.repos} == {
        "acme/secret": "not_found",
        "acme/api": "complete",
    }
    assert collector.recorder.warnings == [
        "acme/secret: not accessible with this token (FORBIDDEN); skipped"
    ]
    assert org.repos[0].name == "api"


def test_bad_token_is_one_clear_error(collector: Collector, fake_github, monkeypatch):
    acme(fake_github)
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_wrongwrongwrongwrongwrongwrongwrong0")
    with pytest.raises(GitHubAuthError) as err:
        collector.run(repos=["acme/api"])
    assert str(err.value) == "GitHub rejected the token in $GITHUB_TOKEN (401 Bad credentials)"
    assert "ghp_" not in str(err.value)
