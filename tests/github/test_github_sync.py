"""Syncing pull requests, commits and reviews from the fake GitHub into a real SQLite store."""

from __future__ import annotations

import json
from datetime import date, timedelta

import polars as pl

from aimetrics.pipeline import run_pipeline
from aimetrics.store import Replace, read_table, write_frames
from aimetrics.store import schema as s
from aimetrics.store.pending import pending_repos
from collectors.github import CollectOptions, collect_github
from collectors.github import checkpoint as cp
from collectors.github.auth import Credentials
from collectors.github.client import GitHubClient
from collectors.github.run import list_org_repos

from collector_helpers import (
    Collector,
    Recorder,
    acme,
    add_repo,
    domain_rows,
    fast_options,
    settings_for,
    special_pulls,
    utc,
)
from fakes.github_data import FakeOrg, FakeRepo, iso, review, synthetic_pulls, user
from fakes.github_server import FakeGitHub

REPO_ID = 4242


def _pr(engine, number: int) -> dict:
    rows = read_table(engine, s.pull_requests, where=s.pull_requests.c.number == number)
    assert rows.height == 1, f"PR {number}: {rows.height} rows"
    return rows.row(0, named=True)


def test_full_sync_stores_recorded_prs_exactly(collector: Collector, fake_github: FakeGitHub):
    acme(fake_github)
    summary = collector.run(repos=["acme/api"])

    assert [(r.status, r.prs, r.commits, r.reviews) for r in summary.repos] == [
        ("complete", 2, 1, 3)
    ]
    assert fake_github.count("graphql") == 1  # two PRs, their commits and reviews: one query
    repo = read_table(collector.engine, s.repositories).row(0, named=True)
    assert (repo["id"], repo["full_name"], repo["source"], repo["default_branch"]) == (
        REPO_ID,
        "acme/api",
        "github",
        "main",
    )
    pr1 = _pr(collector.engine, 1)
    assert pr1["title"] == "Config files for a documentation, using Sphinx."
    assert (pr1["state"], pr1["author_login"], pr1["author_type"]) == (
        "MERGED",
        "zhquan_example",
        "User",
    )
    assert pr1["merged_at"] == utc(2016, 1, 4, 13, 51, 56)
    assert pr1["ready_at"] == pr1["created_at"] == utc(2016, 1, 3, 23, 46, 4)
    assert (pr1["head_ref"], pr1["base_ref"], pr1["commit_count"]) == ("docs", "master", 1)
    assert pr1["merge_commit_sha"] == "413ebb7d23a41484e418d4d2cda43613ca558e3c"
    labels = read_table(collector.engine, s.pull_request_labels).sort("pr_number", "label")
    assert labels.select("pr_number", "label").rows() == [(1, "bug"), (1, "feature")]
    # The same commit is in both recorded PRs: stored once, linked twice.
    commits = read_table(collector.engine, s.commits)
    assert commits.select("sha", "author_name", "author_email", "author_login").rows() == [
        (
            "53b970ee04bbc435842c14a2cbfdd623faf74a65",
            "Jesus M. Gonzalez-Barahona",
            "jgb@gsyc.es",
            "jgbarah",
        )
    ]
    assert commits["committed_at"].to_list() == [utc(2016, 1, 3, 23, 26, 58)]
    links = read_table(collector.engine, s.pull_request_commits).sort("pr_number")
    assert links["pr_number"].to_list() == [1, 2]
    reviews = read_table(collector.engine, s.reviews).sort("review_id")
    assert reviews.select("review_id", "pr_number", "reviewer_login", "state").rows() == [
        (205729156, 1, None, "APPROVED"),  # a deleted account: GitHub's ghost, kept as null
        (205729182, 1, "zhquan_example", "APPROVED"),
        (205729183, 2, "zhquan_example", "APPROVED"),
    ]
    state = read_table(collector.engine, s.sync_state).row(0, named=True)
    assert (state["scope"], state["status"], state["cursor"]) == (
        "acme/api",
        "complete",
        "2016-03-04T17:42:23Z",
    )


def test_raw_pages_are_kept_with_provenance_and_no_token(
    collector: Collector, fake_github: FakeGitHub, token: str
):
    acme(fake_github, pulls=3)
    collector.run(repos=["acme/api"])
    raw = read_table(collector.engine, s.raw_payloads)
    assert raw.height == 1
    row = raw.row(0, named=True)
    request = json.loads(row["request"])
    assert (row["source"], row["scope"], row["normalized"]) == ("github-graphql", "acme/api", True)
    assert request["operation"] == "PullRequests"
    assert request["variables"] == {
        "owner": "acme",
        "name": "api",
        "after": None,
        "nested": 100,
        "first": 100,
        "history": True,  # the page brings the default branch's history too
        "historyAfter": None,
        "since": None,
    }
    assert json.loads(row["payload"])["data"]["repository"]["pullRequests"]["totalCount"] == 5
    assert token not in row["request"] + row["payload"]


def test_unchanged_repository_costs_one_small_request(collector: Collector, fake_github):
    acme(fake_github, pulls=40)
    collector.run(repos=["acme/api"])
    fake_github.reset_log()

    summary = collector.run(repos=["acme/api"])

    assert [r.status for r in summary.repos] == ["unchanged"]
    assert fake_github.count() == 1
    assert fake_github.requests[0].variables["first"] == 10  # a small probe, not a full page
    assert read_table(collector.engine, s.raw_payloads).height == 1  # the probe is not kept


def test_incremental_sync_fetches_only_changed_prs(collector: Collector, fake_github):
    org = acme(fake_github, pulls=40)
    collector.run(repos=["acme/api"])
    repo = org.repos[0]
    later = utc(2026, 6, 1, 12)
    changed = repo.pull(105)
    changed["updatedAt"] = iso(later)
    changed["reviews"].append(review(999_001, user("dave"), "APPROVED", iso(later)))
    changed["labels"] = [{"name": "hotfix"}]
    repo.pulls += synthetic_pulls(1, seed=9, first_number=900, start=later)
    fake_github.reset_log()

    summary = collector.run(repos=["acme/api"])

    assert [(r.status, r.prs) for r in summary.repos] == [("complete", 2)]
    assert fake_github.count() == 1
    reviews = read_table(collector.engine, s.reviews, where=s.reviews.c.pr_number == 105)
    assert 999_001 in reviews["review_id"].to_list()
    labels = read_table(
        collector.engine, s.pull_request_labels, where=s.pull_request_labels.c.pr_number == 105
    )
    assert labels["label"].to_list() == ["hotfix"]  # replaced, not merged with "backend"
    assert read_table(collector.engine, s.pull_requests).height == 43
    state = read_table(collector.engine, s.sync_state).row(0, named=True)
    assert state["cursor"] == iso(later + timedelta(hours=5))  # PR 900's updatedAt


def test_full_flag_ignores_the_cursor(collector: Collector, fake_github):
    acme(fake_github, pulls=40)
    collector.run(repos=["acme/api"])
    fake_github.reset_log()
    summary = collector.run(repos=["acme/api"], full=True)
    assert [(r.status, r.prs) for r in summary.repos] == [("complete", 42)]


def test_since_limits_the_first_sync(collector: Collector, fake_github):
    acme(fake_github, pulls=40)  # one PR every 3 hours from 2026-01-05 09:00
    summary = collector.run(repos=["acme/api"], since=date(2026, 1, 9))
    prs = read_table(collector.engine, s.pull_requests)
    assert summary.repos[0].prs == prs.height
    assert prs["updated_at"].min() >= utc(2026, 1, 9)
    assert 0 < prs.height < 40


def test_prs_with_more_than_100_commits_reviews_labels_are_completed(
    collector: Collector, fake_github
):
    add_repo(fake_github, "acme/web", special_pulls(), 77)
    collector.run(repos=["acme/web"])

    big = _pr(collector.engine, 506)
    assert big["commit_count"] == 150
    links = read_table(
        collector.engine, s.pull_request_commits, where=s.pull_request_commits.c.pr_number == 506
    )
    assert links.height == 150
    reviews = read_table(collector.engine, s.reviews, where=s.reviews.c.pr_number == 506)
    assert reviews.height == 120
    labels = read_table(
        collector.engine, s.pull_request_labels, where=s.pull_request_labels.c.pr_number == 506
    )
    assert labels.height == 105
    ops = [r.operation for r in fake_github.requests]
    assert ops == [
        "PullRequests",
        "PullRequestCommits",
        "PullRequestLabels",
        "PullRequestReviews",
    ]


def test_bots_deleted_users_and_drafts(collector: Collector, fake_github):
    add_repo(fake_github, "acme/web", special_pulls(), 77)
    collector.run(repos=["acme/web"])
    engine = collector.engine

    agent = _pr(engine, 501)
    assert (agent["author_login"], agent["author_type"]) == ("copilot-swe-agent[bot]", "Bot")
    assert _pr(engine, 502)["author_login"] == "dependabot[bot]"
    ghost = _pr(engine, 503)
    assert (ghost["author_login"], ghost["author_type"], ghost["state"]) == (None, None, "CLOSED")
    readied = _pr(engine, 504)
    assert readied["ready_at"] == utc(2026, 3, 2, 14)
    draft = _pr(engine, 505)
    assert (draft["is_draft"], draft["ready_at"]) == (True, None)

    reviewers = read_table(engine, s.reviews, where=s.reviews.c.pr_number == 501).sort("review_id")
    assert reviewers.select("reviewer_login", "reviewer_type").rows() == [
        ("Copilot", "Bot"),  # REST spells Copilot's reviewer without [bot]
        ("coderabbitai[bot]", "Bot"),
        ("alice", "User"),
    ]
    commits = read_table(engine, s.commits).filter(pl.col("author_login").is_not_null())
    logins = dict(commits.select("author_email", "author_login").rows())
    assert logins["49699333+dependabot[bot]@users.noreply.github.com"] == "dependabot[bot]"
    agent_commit = read_table(
        engine, s.commits, where=s.commits.c.author_email.like("198982749+Copilot%")
    )
    assert agent_commit["author_login"].to_list() == [None]  # no GraphQL user, not a [bot] address


def test_repository_is_retagged_after_sync(collector: Collector, fake_github):
    add_repo(fake_github, "acme/web", special_pulls(), 77)
    collector.run(repos=["acme/web"])
    tags = read_table(collector.engine, s.ai_tags)
    agent = tags.filter((pl.col("entity") == "pull_request") & (pl.col("entity_key") == "501"))
    assert "github-copilot" in agent["tool_id"].to_list()
    assert set(agent["kind"]) >= {"authored"}
    reviewed = tags.filter(pl.col("kind") == "reviewed")
    assert reviewed.height >= 1


def test_changed_repository_waits_for_the_pipeline_and_an_unchanged_one_does_not(
    collector: Collector, fake_github
):
    """The collector lists the repositories it changed (in the rows' transaction); the
    pipeline (here `Collector.run`'s) tags them and empties the list."""
    add_repo(fake_github, "acme/web", special_pulls(), 77)
    settings = settings_for(fake_github)
    summary = collect_github(
        settings,
        collector.engine,
        CollectOptions(repos=["acme/web"], client=fast_options(fake_github.base_url)),
        Recorder(),
    )
    assert [r.status for r in summary.repos] == ["complete"]
    assert pending_repos(collector.engine) == [77]
    assert read_table(collector.engine, s.ai_tags).is_empty()
    assert run_pipeline(collector.engine, settings, collector.ruleset).repos_tagged == [77]
    assert pending_repos(collector.engine) == []
    tagged = read_table(collector.engine, s.ai_tags)
    assert collector.run(repos=["acme/web"]).repos[0].status == "unchanged"
    assert pending_repos(collector.engine) == []
    assert read_table(collector.engine, s.ai_tags).equals(tagged)  # not re-tagged


def test_a_store_killed_in_the_old_tagging_phase_is_tagged(collector: Collector, fake_github):
    """A store an older version left killed between a sync's write and its tagging (sync
    state ``running``, phase ``tag``) is handed to the pipeline."""
    add_repo(fake_github, "acme/web", special_pulls(), 77)
    collector.run(repos=["acme/web"])
    tags = read_table(collector.engine, s.ai_tags).drop("tagged_at")
    write_frames(collector.engine, [], replace=[Replace(s.ai_tags, None)])
    done = cp.read_state(collector.engine, "acme/web")
    cp.write_state(
        collector.engine,
        "acme/web",
        status="running",
        detail={"phase": "tag", "repo_id": 77},
        cursor=done.cursor,
        started_at=done.started_at,
    )
    again = collector.run(repos=["acme/web"])
    assert [r.status for r in again.repos] == ["unchanged"]
    assert read_table(collector.engine, s.ai_tags).drop("tagged_at").equals(tags)
    assert cp.read_state(collector.engine, "acme/web").status == "complete"


def test_missing_repository_warns_and_others_go_on(collector: Collector, fake_github):
    acme(fake_github, pulls=2)
    summary = collector.run(repos=["acme/gone", "acme/api"])
    assert {r.full_name: r.status for r in summary.repos} == {
        "acme/gone": "not_found",
        "acme/api": "complete",
    }
    assert collector.recorder.warnings == [
        "acme/gone: repository not found or not accessible with this token; skipped"
    ]


def test_org_repositories_are_listed_with_link_pagination_and_filters(
    fake_github: FakeGitHub, token: str
):
    org = fake_github.add_org(FakeOrg("acme", 9001))
    org.repos = [FakeRepo("acme", f"svc-{i:03d}", 5000 + i) for i in range(230)]
    org.repos[3].fork = True
    org.repos[4].archived = True
    settings = settings_for(fake_github, orgs=["acme"], exclude=["svc-01*"])
    auth = Credentials(settings.github, settings.resolve_path).for_owner("acme")
    client = GitHubClient(auth, fast_options(fake_github.base_url))

    names = list_org_repos(client, settings, "acme")

    assert fake_github.count("rest") == 3  # 230 repositories, 100 per page
    assert len(names) == 230 - 2 - 10
    assert "acme/svc-003" not in names and "acme/svc-004" not in names
    assert not any(n.startswith("acme/svc-01") for n in names)
    pages = [r.query.get("page", ["1"])[0] for r in fake_github.requests]
    assert pages == ["1", "2", "3"]


def test_org_sync_runs_repositories_in_parallel(collector: Collector, fake_github):
    for i in range(4):
        add_repo(fake_github, f"acme/r{i}", synthetic_pulls(5, seed=i, first_number=1), 300 + i)
    settings = settings_for(fake_github, orgs=["acme"], max_parallel_repos=3)
    summary = collector.run(settings)
    assert sorted(r.full_name for r in summary.repos) == [f"acme/r{i}" for i in range(4)]
    assert {r.status for r in summary.repos} == {"complete"}
    assert read_table(collector.engine, s.pull_requests).height == 20


def test_github_enterprise_server_base_url(store, ruleset, token):
    with FakeGitHub(ghes=True) as ghes:
        acme(ghes, pulls=3)
        assert ghes.base_url.endswith("/api/v3")
        summary = Collector(ghes, store, ruleset).run(repos=["acme/api"])
        assert [(r.status, r.prs) for r in summary.repos] == [("complete", 5)]
        assert [r.path for r in ghes.requests] == ["/api/graphql"]
        assert not ghes.invalid_queries


def test_sync_checkpoint_and_resume_on_both_backends(engine, fake_github, ruleset, token):
    """The same sync on SQLite and PostgreSQL: checkpoints, resume, incremental replace."""
    org = acme(fake_github, pulls=120)
    add_repo(fake_github, "acme/web", special_pulls(), 77)
    collector = Collector(fake_github, engine, ruleset)
    fake_github.inject("status", "graphql", status=500, times=100, skip=1)  # after one page

    broken = collector.run(repos=["acme/api"], retries=0)
    assert [r.status for r in broken.repos] == ["incomplete"]
    assert read_table(engine, s.raw_payloads).height == 1

    fake_github.faults.clear()
    summary = collector.run(repos=["acme/api", "acme/web"])
    assert [(r.status, r.prs) for r in summary.repos] == [("complete", 122), ("complete", 6)]
    assert read_table(engine, s.pull_requests).height == 128
    assert read_table(engine, s.pull_request_commits).height > 150
    assert read_table(engine, s.ai_tags).height > 0

    org.repos[0].pull(105)["labels"] = [{"name": "hotfix"}]
    org.repos[0].pull(105)["updatedAt"] = iso(utc(2026, 7, 1))
    again = collector.run(repos=["acme/api", "acme/web"])
    assert [r.status for r in again.repos] == ["complete", "unchanged"]
    labels = read_table(
        engine, s.pull_request_labels, where=s.pull_request_labels.c.pr_number == 105
    )
    assert labels["label"].to_list() == ["hotfix"]
    states = read_table(engine, s.sync_state)
    assert set(states["status"]) == {"complete"}


def test_chunked_normalization_gives_the_same_rows(
    collector: Collector, fake_github: FakeGitHub, ruleset, tmp_path, monkeypatch
):
    """Pages become frames a few PRs at a time (memory); the rows are those of one chunk."""
    from aimetrics.store import create_store_engine, upgrade
    from collectors.github import buffer

    acme(fake_github, pulls=60)
    add_repo(fake_github, "acme/web", special_pulls(), 77)  # follow-ups across chunk borders
    reference = create_store_engine(f"sqlite:///{tmp_path / 'reference.db'}")
    upgrade(reference)
    Collector(fake_github, reference, ruleset).run(repos=["acme/api", "acme/web"])

    monkeypatch.setattr(buffer, "CHUNK_PRS", 4)
    monkeypatch.setattr(buffer, "CHUNK_COMMITS", 3)
    chunks: list[int] = []

    def pull_frames(repo_id, pulls, default_branch):
        chunks.append(len(pulls))
        return normalize(repo_id, pulls, default_branch)

    normalize = buffer.pull_frames
    monkeypatch.setattr(buffer, "pull_frames", pull_frames)
    fake_github.max_pull_page = 20  # pages of 12 PRs after the 502s
    collector.run(repos=["acme/api", "acme/web"])

    assert len(chunks) > 6 and sum(chunks) == 62 + 6
    assert domain_rows(collector.engine) == domain_rows(reference)
    reference.dispose()
