"""Real recorded PRs (2017-2025) and the cases no recording holds, into a real store.

Recorded (``fixtures/github/graphql/recorded-2025.json``): PyGithub/PyGithub#3370
(dependabot, 2025, a PR id past 2^31, a 12 kB HTML body) and #538 with five real
reviews; simonw/datasette#571, merged without a review. Built from GitHub's schema
and documentation (``fakes.github_data.edge_case_pulls``): a deleted author and
reviewer, the Copilot agent and Copilot code review, mannequins, emoji and a body at
GitHub's 65,536-character cap, an unreviewed PR, a force-pushed then squash-merged PR;
review ids of today, past 2^31. Every repository completes, the rows are exactly these,
and a re-run costs one request per repository. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa

from aimetrics.store import read_table
from aimetrics.store import schema as s

from collector_helpers import Collector, add_repo
from fakes.github_data import (
    BODY_LIMIT,
    FIXTURES,
    FakeOrg,
    edge_case_pulls,
    recorded_2025_repos,
    sha,
)
from fakes.github_server import FakeGitHub

REPOS = ["PyGithub/PyGithub", "simonw/datasette", "acme/edge"]
PYGITHUB, DATASETTE, EDGE = 3544490, 107914493, 512_000_777


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _serve(fake: FakeGitHub) -> None:
    for repo in recorded_2025_repos():
        fake.add_org(FakeOrg(repo.owner, repo.database_id + 7, repos=[repo]))
    add_repo(fake, "acme/edge", edge_case_pulls(), EDGE)


def _rows(engine: sa.Engine, table: sa.Table, *columns: str) -> list[tuple]:
    return _sorted(read_table(engine, table).select(*columns).rows())


def _sorted(rows: list[tuple]) -> list[tuple]:
    return sorted(rows, key=repr)  # repr: rows hold None next to strings


def test_recorded_and_edge_case_prs_are_stored_exactly(
    engine: sa.Engine, fake_github: FakeGitHub, ruleset, token: str
):
    _serve(fake_github)
    collector = Collector(fake_github, engine, ruleset)

    summary = collector.run(repos=REPOS)

    assert [(r.full_name, r.status) for r in summary.repos] == [(n, "complete") for n in REPOS]
    assert _rows(engine, s.repositories, "id", "full_name", "default_branch") == _sorted(
        [
            (EDGE, "acme/edge", "main"),
            (PYGITHUB, "PyGithub/PyGithub", "main"),
            (DATASETTE, "simonw/datasette", "master"),
        ]
    )
    # fmt: off
    expected_prs = [
        (DATASETTE, 571, "MDExOlB1bGxSZXF1ZXN0MzEzMzg0OTI2", "MERGED", "simonw", "User",
         utc("2019-09-03T00:23:39Z"), utc("2019-09-03T00:32:28Z"), 1, "detect-fts", "master"),
        (PYGITHUB, 3370, "PR_kwDOADYVqs6nTpdc", "MERGED", "dependabot[bot]", "Bot",
         utc("2025-09-08T06:01:05Z"), utc("2025-11-19T17:43:18Z"), 1,
         "dependabot/github_actions/actions/setup-python-6", "main"),
        (PYGITHUB, 538, "MDExOlB1bGxSZXF1ZXN0NTM4", "OPEN", "sfdye", "User",
         utc("2017-03-20T10:00:00Z"), None, 1, "review-api", "master"),
        (EDGE, 701, "PR_kwDO00000701", "CLOSED", None, None,  # a deleted account
         utc("2025-06-02T09:00:00Z"), None, 1, "feature/701", "main"),
        (EDGE, 702, "PR_kwDO00000702", "MERGED", "copilot-swe-agent[bot]", "Bot",
         utc("2025-06-02T10:00:00Z"), utc("2025-06-02T14:00:00Z"), 1,
         "copilot/webhook-retries", "main"),
        (EDGE, 703, "PR_kwDO00000703", "MERGED", "mona-imported", "Mannequin",
         utc("2025-06-02T11:00:00Z"), utc("2025-06-02T15:00:00Z"), 1, "feature/703", "main"),
        (EDGE, 704, "PR_kwDO00000704", "OPEN", "carol", "User",
         utc("2025-06-02T12:00:00Z"), None, 1, "feature/704", "main"),
        (EDGE, 705, "PR_kwDO00000705", "OPEN", "dave", "User",
         utc("2025-06-02T13:00:00Z"), None, 1, "feature/705", "main"),
        (EDGE, 706, "PR_kwDO00000706", "MERGED", "bob", "User",
         utc("2025-06-02T14:00:00Z"), utc("2025-06-02T18:00:00Z"), 2, "bob/rework", "main"),
    ]
    # fmt: on
    columns = (
        "repo_id",
        "number",
        "node_id",
        "state",
        "author_login",
        "author_type",
        "created_at",
        "merged_at",
        "commit_count",
        "head_ref",
        "base_ref",
    )  # fmt: skip
    assert _rows(engine, s.pull_requests, *columns) == _sorted(expected_prs)
    # Bodies and titles byte for byte: the recorded HTML, emoji, GitHub's maximum length.
    recorded = json.loads((FIXTURES / "graphql" / "recorded-2025.json").read_text())
    bodies = dict(read_table(engine, s.pull_requests).select("number", "body").rows())
    assert bodies[3370] == recorded["repositories"][0]["pullRequests"][0]["body"]
    assert len(bodies[3370]) == 12371 and "@\u200bsalmanmkc" in bodies[3370]
    assert len(bodies[704]) == BODY_LIMIT
    assert bodies[704].startswith("🚀 Faster parser 🐍, naïve café 漢字 — ✅\n\n📈")
    assert bodies[704] == edge_case_pulls()[3]["body"]
    titles = dict(read_table(engine, s.pull_requests).select("number", "title").rows())
    assert titles[704] == "🚀 Ship the 🐍 parser (naïve café, 漢字)"

    # fmt: off
    expected_reviews = [
        (PYGITHUB, 104584375, 538, "electrofelix", "User", "COMMENTED",
         utc("2018-03-16T14:23:47Z")),
        (PYGITHUB, 105360043, 538, "sfdye", "User", "COMMENTED", utc("2018-03-20T14:03:38Z")),
        (PYGITHUB, 105365629, 538, "sfdye", "User", "COMMENTED", utc("2018-03-20T14:15:45Z")),
        (PYGITHUB, 105368184, 538, "sfdye", "User", "COMMENTED", utc("2018-03-20T14:21:07Z")),
        (PYGITHUB, 28482091, 538, "jzelinskie", "User", "APPROVED", utc("2017-03-22T19:06:59Z")),
        (EDGE, 2244849547, 701, None, None, "COMMENTED", utc("2025-06-02T10:00:00Z")),
        (EDGE, 2836401112, 702, "copilot-pull-request-reviewer[bot]", "Bot", "COMMENTED",
         utc("2025-06-02T11:00:00Z")),
        (EDGE, 2999000001, 703, "ops-imported", "Mannequin", "APPROVED",
         utc("2025-06-02T12:00:00Z")),
        (EDGE, 3012345678, 702, "alice", "User", "APPROVED", utc("2025-06-02T12:00:00Z")),
    ]
    # fmt: on
    columns = (
        "repo_id",
        "review_id",
        "pr_number",
        "reviewer_login",
        "reviewer_type",
        "state",
        "submitted_at",
    )  # fmt: skip
    assert _rows(engine, s.reviews, *columns) == _sorted(expected_reviews)
    # The 64-bit id reaches the AI tags too: Copilot code review's review is tagged.
    tags = read_table(engine, s.ai_tags, where=s.ai_tags.c.entity == "review")
    assert set(tags.select("repo_id", "entity_key", "kind").rows()) == {
        (EDGE, "2836401112", "reviewed")
    }
    unreviewed = {571, 3370, 704, 705, 706}
    reviewed = set(read_table(engine, s.reviews)["pr_number"].to_list())
    assert not unreviewed & reviewed
    # PR commits; the force-pushed-away commit of #706 is in no table, and #706's own
    # commits are on no branch after its squash merge (only the squash commit is).
    pr_commits = {
        (PYGITHUB, "3253acaabd86de12b73d0a24c98eb9c13d1987b5", "dependabot[bot]", "web-flow"),
        (PYGITHUB, "2f0e4e55fe87e38d26efc9aa1346f56abfbd6c52", "sfdye", "sfdye"),
        (DATASETTE, "a85239f69261c10f1a9f90514c8b5d113cb94585", "simonw", "simonw"),
        (EDGE, sha("edge-ghost"), None, None),
        (EDGE, sha("edge-agent"), None, "web-flow"),
        (EDGE, sha("edge-imported"), None, None),
        (EDGE, sha("edge-emoji"), "carol", "carol"),
        (EDGE, sha("edge-unreviewed"), "dave", "dave"),
        (EDGE, sha("edge-kept-0"), "bob", "bob"),
        (EDGE, sha("edge-kept-1"), "bob", "bob"),
    }
    commits = read_table(engine, s.commits)
    on_branch = commits.filter(commits["on_default_branch"])
    off_branch = commits.filter(~commits["on_default_branch"])
    assert (
        set(off_branch.select("repo_id", "sha", "author_login", "committer_login").rows())
        == pr_commits
    )
    squashes = {
        (PYGITHUB, "1f5f434b321e963171a27c13c1137cedb54cc4d0"),
        (DATASETTE, "2dc5c8dc259a0606162673d394ba8cc1c6f54428"),
    }
    edge_merged = {p["number"]: p for p in edge_case_pulls() if p["mergeCommit"]}
    squashes |= {(EDGE, p["mergeCommit"]["oid"]) for p in edge_merged.values()}
    assert set(on_branch.select("repo_id", "sha").rows()) == squashes
    assert sha("edge-force-pushed-away") not in commits["sha"].to_list()
    recorded_commit = commits.filter(commits["sha"].str.starts_with("3253acaa")).row(0, named=True)
    assert (recorded_commit["additions"], recorded_commit["deletions"]) == (7, 7)
    assert recorded_commit["message"].startswith("Bump actions/setup-python from 5 to 6\n\n")
    assert recorded_commit["authored_at"] == utc("2025-09-08T06:01:04Z")
    assert _rows(engine, s.pull_request_commits, "repo_id", "pr_number", "sha") == _sorted(
        [
            (PYGITHUB, 538, "2f0e4e55fe87e38d26efc9aa1346f56abfbd6c52"),
            (PYGITHUB, 3370, "3253acaabd86de12b73d0a24c98eb9c13d1987b5"),
            (DATASETTE, 571, "a85239f69261c10f1a9f90514c8b5d113cb94585"),
            (EDGE, 701, sha("edge-ghost")),
            (EDGE, 702, sha("edge-agent")),
            (EDGE, 703, sha("edge-imported")),
            (EDGE, 704, sha("edge-emoji")),
            (EDGE, 705, sha("edge-unreviewed")),
            (EDGE, 706, sha("edge-kept-0")),
            (EDGE, 706, sha("edge-kept-1")),
        ]
    )
    assert _rows(engine, s.pull_request_labels, "repo_id", "pr_number", "label") == _sorted(
        [(EDGE, 705, "wip"), (PYGITHUB, 3370, "dependencies"), (PYGITHUB, 3370, "github_actions")]
    )

    fake_github.reset_log()
    again = collector.run(repos=REPOS)

    assert [(r.full_name, r.status) for r in again.repos] == [(n, "unchanged") for n in REPOS]
    per_repo = sorted(f"{r.variables['owner']}/{r.variables['name']}" for r in fake_github.requests)
    assert per_repo == sorted(REPOS)  # exactly one request per unchanged repository
