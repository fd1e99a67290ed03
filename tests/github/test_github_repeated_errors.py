"""A GraphQL error that ends two runs in a row is reported with its field and what to do.

The fake injects the same partial answer (HTTP 200, a node nulled, an ``errors`` entry
with GitHub's Int-overflow message) on every reviews follow-up of ``acme/web``: the
error a field GitHub broke gives on every run. Other repositories complete; the pages
``acme/web`` fetched are kept, so once GitHub answers again only the missing page is
asked for.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from aimetrics.cli import app
from aimetrics.store import read_table
from aimetrics.store import schema as s
from collectors.github import checkpoint as cp
from collectors.github.client import BACKOFF_ENV, THROTTLE_ENV

from collector_helpers import Collector, acme, add_repo, domain_rows, special_pulls
from fakes.github_server import FakeGitHub

OVERFLOW = "Int cannot represent non 32-bit signed integer value: 2244849547"
FIELD = "repository.pullRequest.reviews.nodes.author"
"""Where the fake's partial answer points (the middle review's first nested object)."""


def _break_reviews(fake: FakeGitHub) -> None:
    fake.inject("partial", "graphql", op="PullRequestReviews", message=OVERFLOW, times=10_000)


def test_same_error_two_runs_in_a_row_names_field_error_and_fix(
    collector: Collector, fake_github: FakeGitHub, tmp_path, ruleset
):
    acme(fake_github, pulls=5)
    add_repo(fake_github, "acme/web", special_pulls(), 77)  # #506: 120 reviews, a follow-up
    _break_reviews(fake_github)

    first = collector.run(repos=["acme/api", "acme/web"])

    web = next(r for r in first.repos if r.full_name == "acme/web")
    assert (web.status, web.repeated) == ("incomplete", False)  # once may be chance
    assert web.failure == {"field": FIELD, "message": OVERFLOW, "type": None, "runs": 1}
    assert collector.recorder.warnings == []
    assert first.repeated == []

    second = collector.run(repos=["acme/api", "acme/web"])

    assert {r.full_name: r.status for r in second.repos} == {
        "acme/api": "unchanged",
        "acme/web": "incomplete",
    }
    assert [r.full_name for r in second.repeated] == ["acme/web"]
    web = second.repeated[0]
    assert web.failure == {"field": FIELD, "message": OVERFLOW, "type": None, "runs": 2}
    assert web.detail == (
        f"acme/web: the same GitHub error ended 2 runs in a row at field {FIELD} ({OVERFLOW}); "
        "re-running will not fix it: upgrade aimetrics (pip install -U aimetrics), or re-run "
        "with --full, or report it to the aimetrics maintainers with this message. The pages "
        "fetched so far are kept."
    )
    # What was fetched is kept: the bulk page and the commit and label follow-ups.
    state = cp.read_state(collector.engine, "acme/web")
    assert state.status == "incomplete" and state.detail["failure"]["runs"] == 2
    raw = read_table(collector.engine, s.raw_payloads, where=s.raw_payloads.c.scope == "acme/web")
    kept = {json.loads(request)["operation"] for request in raw["request"]}
    assert kept == {"PullRequests", "PullRequestCommits", "PullRequestLabels"}
    stored = read_table(collector.engine, s.pull_requests)
    assert stored.filter(stored["repo_id"] == 77).is_empty()  # never half-written
    assert stored.filter(stored["repo_id"] == 4242).height == 7  # the other repository

    fake_github.faults.clear()
    fake_github.reset_log()
    third = collector.run(repos=["acme/api", "acme/web"])

    assert {r.full_name: r.status for r in third.repos} == {
        "acme/api": "unchanged",
        "acme/web": "complete",
    }
    web_ops = [r.operation for r in fake_github.requests if r.variables.get("name") == "web"]
    assert web_ops == ["PullRequestReviews"]  # only the missing page
    assert cp.read_state(collector.engine, "acme/web").detail == {}
    fake_github.reset_log()
    reference = _reference(fake_github, tmp_path, ruleset)
    assert domain_rows(collector.engine) == reference


def _reference(fake: FakeGitHub, tmp_path: Path, ruleset) -> dict:
    from aimetrics.store import create_store_engine, upgrade

    engine = create_store_engine(f"sqlite:///{tmp_path / 'reference.db'}")
    upgrade(engine)
    Collector(fake, engine, ruleset).run(repos=["acme/api", "acme/web"])
    rows = domain_rows(engine)
    engine.dispose()
    return rows


def test_a_different_error_or_a_success_in_between_starts_the_count_again(
    collector: Collector, fake_github: FakeGitHub
):
    add_repo(fake_github, "acme/web", special_pulls(), 77)
    _break_reviews(fake_github)
    collector.run(repos=["acme/web"])
    fake_github.faults.clear()
    fake_github.inject(
        "partial", "graphql", op="PullRequestReviews", error_type="FORBIDDEN", times=10_000
    )

    other = collector.run(repos=["acme/web"])

    assert other.repeated == []
    assert other.repos[0].failure is not None and other.repos[0].failure["runs"] == 1
    assert other.repos[0].failure["type"] == "FORBIDDEN"

    fake_github.faults.clear()
    assert collector.run(repos=["acme/web"]).repos[0].status == "complete"
    _break_reviews(fake_github)
    fake_github.repo("acme/web").pull(506)["updatedAt"] = "2027-01-01T00:00:00Z"
    again = collector.run(repos=["acme/web"])
    assert again.repos[0].failure["runs"] == 1  # type: ignore[index]


def test_cli_reports_the_repeating_error_and_exits_1(
    fake_github: FakeGitHub, tmp_path: Path, token: str, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv(THROTTLE_ENV, "0")
    monkeypatch.setenv(BACKOFF_ENV, "0.01")
    acme(fake_github, pulls=2)
    add_repo(fake_github, "acme/web", special_pulls(), 77)
    _break_reviews(fake_github)
    config = tmp_path / "aimetrics.yaml"
    config.write_text(
        yaml.safe_dump({"github": {"base_url": fake_github.base_url,
                                   "repos": ["acme/api", "acme/web"]}})
    )  # fmt: skip
    base = ["collect", "github", "--config", str(config), "--db", f"sqlite:///{tmp_path}/s.db"]

    first = CliRunner().invoke(app, [*base, "--quiet"])
    assert first.exit_code == 1, first.output
    assert "re-run to resume" in first.output and "runs in a row" not in first.output

    quiet = CliRunner().invoke(app, [*base, "--quiet"])
    assert quiet.exit_code == 1, quiet.output
    text = " ".join(quiet.output.split())
    assert (
        f"warning: acme/web: the same GitHub error ended 2 runs in a row at field {FIELD}" in text
    )
    assert OVERFLOW in text and "--full" in text and "upgrade aimetrics" in text
    assert "the same error as last run in acme/web (see the warning)" in text

    logged = CliRunner().invoke(app, [*base, "--log-format", "json"])
    assert logged.exit_code == 1, logged.output
    events = [json.loads(line) for line in logged.output.splitlines() if line.startswith("{")]
    summary = events[-1]
    assert summary["incomplete"] == ["acme/web"]
    assert [
        (e["repository"], e["field"], e["message"], e["runs"]) for e in summary["repeated_errors"]
    ] == [("acme/web", FIELD, OVERFLOW, 3)]


def test_a_field_github_removed_is_reported_on_the_second_run(
    collector: Collector, fake_github: FakeGitHub
):
    """GitHub answers a query naming a removed field with 200, no data, and an error whose
    path starts with the operation: no page arrives at all, on every run."""
    acme(fake_github, pulls=2)
    add_repo(fake_github, "acme/web", special_pulls(), 77)
    fake_github.inject("invalid", "graphql", times=10_000)

    first = collector.run(repos=["acme/web"])
    second = collector.run(repos=["acme/web"])

    field = "repository.pullRequests.nodes.reviews.nodes.databaseId"
    message = "Field 'databaseId' doesn't exist on type 'PullRequestReview'"
    assert first.repos[0].failure == {"field": field, "message": message, "type": None, "runs": 1}
    assert first.repos[0].detail == f"GitHub answered 400: {message}"
    assert [r.full_name for r in second.repeated] == ["acme/web"]
    assert second.repos[0].detail.startswith(
        f"acme/web: the same GitHub error ended 2 runs in a row at field {field} ({message}); "
    )
    assert fake_github.count("graphql") == 2  # one query a run: nothing to shrink or retry
