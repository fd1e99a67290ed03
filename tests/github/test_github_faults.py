"""Every fault the fake GitHub can inject, and what the collector makes of it."""

from __future__ import annotations

import pytest

from aimetrics.store import create_store_engine, read_table, upgrade
from aimetrics.store import schema as s
from collectors.github import GitHubAuthError

from collector_helpers import Collector, acme, add_repo, domain_rows, settings_for, special_pulls
from fakes.github_data import ndjson_records
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


def test_abuse_limit_outlasting_the_retries_is_incomplete_not_inaccessible(
    collector: Collector, fake_github: FakeGitHub
):
    """A secondary-limit 403 without Retry-After, again and again: it used to be taken for
    "not accessible with this token" (skipped, exit 0)."""
    acme(fake_github, pulls=2)
    fake_github.inject("abuse", "graphql", times=100)
    summary = collector.run(repos=["acme/api"])
    assert [(r.status, r.detail) for r in summary.repos] == [
        ("incomplete", "GitHub's rate limit is exhausted; re-run later")
    ]
    assert collector.recorder.warnings == []
    assert fake_github.count("graphql") == 3  # waited (briefly here) and retried twice


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


def _reference_rows(fake: FakeGitHub, tmp_path, ruleset, **run) -> dict:
    reference = create_store_engine(f"sqlite:///{tmp_path / 'reference.db'}")
    upgrade(reference)
    Collector(fake, reference, ruleset).run(**run)
    rows = domain_rows(reference)
    reference.dispose()
    return rows


@pytest.mark.parametrize("error_type", [None, "RESOURCE_LIMITS_EXCEEDED"])
@pytest.mark.parametrize("op", ["PullRequests", "PullRequestCommits"])
def test_partial_graphql_answer_is_asked_again_smaller_never_kept(
    collector: Collector, fake_github: FakeGitHub, tmp_path, ruleset, error_type, op
):
    """HTTP 200 with a node nulled and an ``errors`` entry (a nested timeout or resource
    limit): the page is dropped whole and asked again smaller, never stored with a hole."""
    acme(fake_github, pulls=5)
    add_repo(fake_github, "acme/web", special_pulls(), 77)  # #506 needs follow-up pages
    fake_github.inject("partial", "graphql", op=op, error_type=error_type)

    summary = collector.run(repos=["acme/api", "acme/web"])

    assert {r.full_name: r.status for r in summary.repos} == {
        "acme/api": "complete",
        "acme/web": "complete",
    }
    faulted = next(r for r in fake_github.requests if r.fault)
    assert (faulted.operation, faulted.fault) == (op, "partial")
    same = [r for r in fake_github.requests if r.operation == op and r.variables == {
        **faulted.variables, "first": r.variables.get("first")}]  # fmt: skip
    assert same[1].variables["first"] == faulted.variables["first"] // 2  # asked again, smaller
    raw = read_table(collector.engine, s.raw_payloads)["payload"].to_list()
    assert not any('"errors"' in page for page in raw)  # the partial page was never kept
    fake_github.faults.clear()
    assert domain_rows(collector.engine) == _reference_rows(
        fake_github, tmp_path, ruleset, repos=["acme/api", "acme/web"]
    )


@pytest.mark.parametrize("error_type", ["FORBIDDEN", "NOT_FOUND"])
def test_partial_answer_refusing_a_nested_object_leaves_the_repository_incomplete(
    collector: Collector, fake_github: FakeGitHub, tmp_path, ruleset, error_type
):
    """A nested FORBIDDEN (IP allow list) or NOT_FOUND is not the repository missing: it was
    reported "not found" and skipped with exit 0 before; now it is incomplete, named, with
    GitHub's reason, nothing half-written, and a re-run completes it."""
    acme(fake_github, pulls=30)
    add_repo(fake_github, "acme/web", special_pulls(), 77)
    fake_github.inject("partial", "graphql", op="PullRequests", error_type=error_type, skip=1)

    summary = collector.run(repos=["acme/api", "acme/web"])

    statuses = {r.full_name: (r.status, r.detail) for r in summary.repos}
    assert [name for name, (status, _) in statuses.items() if status != "complete"] == ["acme/web"]
    status, detail = statuses["acme/web"]
    assert status == "incomplete"
    assert detail.startswith(f"acme/web: GitHub's answer was partial ({error_type} at repository.")
    assert collector.recorder.warnings == []  # not "not found or not accessible"
    stored = read_table(collector.engine, s.pull_requests)
    assert stored.filter(stored["repo_id"] == 77).is_empty()

    fake_github.faults.clear()
    again = collector.run(repos=["acme/api", "acme/web"])
    assert {r.full_name: r.status for r in again.repos} == {
        "acme/api": "unchanged",
        "acme/web": "complete",
    }
    assert domain_rows(collector.engine) == _reference_rows(
        fake_github, tmp_path, ruleset, repos=["acme/api", "acme/web"]
    )


def test_repository_list_failure_is_reported_incomplete_not_fatal(
    collector: Collector, fake_github: FakeGitHub
):
    """Persistent 5xx on an org's repository list: the run goes on (Copilot, teams) and
    reports ``acme/*`` incomplete; it used to end in a traceback."""
    acme(fake_github, pulls=2)
    fake_github.inject("status", r"/orgs/acme/repos$", status=502, times=100)

    summary = collector.run(settings_for(fake_github, orgs=["acme"]))

    assert [(r.full_name, r.status, r.detail) for r in summary.incomplete] == [
        ("acme/*", "incomplete", "repositories not listed: GitHub answered 502")
    ]
    fake_github.faults.clear()
    again = collector.run(settings_for(fake_github, orgs=["acme"]))
    assert [(r.full_name, r.status) for r in again.repos] == [("acme/api", "complete")]


@pytest.mark.parametrize("kind", ["malformed", "truncated", "status"])
def test_broken_copilot_report_download_warns_and_the_run_goes_on(
    collector: Collector, fake_github: FakeGitHub, kind: str
):
    """A report file that stays malformed, cut short or 5xx: one warning, usage skipped
    (nothing partial stored), everything else collected; it used to end the run."""
    org = acme(fake_github, pulls=2)
    records = ndjson_records("copilot-org-28-day-report.ndjson")
    org.latest = {"organization": ("2026-07-06", "2026-08-02", records)}
    fake_github.inject(kind, "blob", status=503, times=100)

    summary = collector.run(settings_for(fake_github, orgs=["acme"]))

    assert [r.status for r in summary.repos] == ["complete"]
    assert summary.usage_rows == 0
    assert len(collector.recorder.warnings) == 1
    assert collector.recorder.warnings[0].startswith("Copilot usage reports of acme: ")
    assert collector.recorder.warnings[0].endswith("Usage skipped; re-run later")
    fake_github.faults.clear()
    assert collector.run(settings_for(fake_github, orgs=["acme"])).usage_rows > 0
