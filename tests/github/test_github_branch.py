"""Default-branch commits: pushed outside PRs, merge commits, and the on_default_branch flag."""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from aimetrics.store import read_table, write_frames
from aimetrics.store import schema as s
from collectors.github.sync import HISTORY_SOURCE

from collector_helpers import Collector, acme, add_repo, utc
from fakes.github_data import (
    commit,
    git_actor,
    history_commit,
    iso,
    merge_commit,
    pull,
    sha,
    user,
)
from fakes.github_server import FakeGitHub

T0 = utc(2026, 4, 6, 9)
HOUR = timedelta(hours=1)
ALICE = ("Alice Example", "alice@corp.example")


def _commit(key: str, at, *, login: str | None = "alice") -> dict:
    return commit(sha(key), f"Work {key}", git_actor(*ALICE, iso(at), login))


def _direct(key: str, at) -> dict:
    """A commit pushed straight to the default branch."""
    return history_commit(sha(key), f"Hotfix {key}", git_actor(*ALICE, iso(at), "alice"))


def _as_history(pr_commit: dict) -> dict:
    return {"__typename": "Commit", **pr_commit["commit"]}


def _repo(fake: FakeGitHub):
    """PR 1 squashed into main, PR 2 merged into main with a merge commit, PR 3 merged into
    a release branch; two commits pushed to main directly."""
    squashed = pull(1, author=user("alice"), created=T0, commits=[_commit("c1", T0)])
    merged_commits = [_commit("c2a", T0 + HOUR), _commit("c2b", T0 + 2 * HOUR)]
    merged = pull(2, author=user("alice"), created=T0 + HOUR, commits=merged_commits)
    merged["mergeCommit"] = merge_commit(merged, squash=False)
    release = pull(
        3, author=user("alice"), created=T0, base="release-1", commits=[_commit("c3", T0)]
    )
    repo = add_repo(fake, "acme/app", [squashed, merged, release], 31)
    repo.branch = [
        _direct("d2", T0 + 10 * HOUR),
        merged["mergeCommit"],
        *(_as_history(c) for c in reversed(merged_commits)),
        squashed["mergeCommit"],
        _direct("d1", T0 - HOUR),
    ]
    return repo


def _commits(collector: Collector) -> dict[str, tuple]:
    rows = read_table(collector.engine, s.commits)
    return {
        r["sha"]: (r["on_default_branch"], r["parent_count"]) for r in rows.iter_rows(named=True)
    }


def test_default_branch_commits_and_flags(collector: Collector, fake_github: FakeGitHub):
    repo = _repo(fake_github)
    summary = collector.run(repos=["acme/app"])

    assert fake_github.count("graphql") == 1  # PRs and the branch's history in one query
    stored = _commits(collector)
    squash = repo.pull(1)["mergeCommit"]["oid"]
    merge = repo.pull(2)["mergeCommit"]["oid"]
    assert stored == {
        sha("d1"): (True, 1),  # pushed outside any PR
        sha("d2"): (True, 1),
        squash: (True, 1),  # PR 1's squash commit
        sha("c1"): (False, None),  # PR 1's own commit was squashed away
        merge: (True, 2),  # PR 2's merge commit
        sha("c2a"): (True, 1),  # PR 2's commits came in with it
        sha("c2b"): (True, 1),
        sha("c3"): (False, None),  # merged into another branch
    }
    assert summary.repos[0].commits == 8
    state = read_table(
        collector.engine, s.sync_state, where=s.sync_state.c.source == HISTORY_SOURCE
    )
    assert state.select("scope", "cursor").rows() == [("acme/app", iso(T0 + 10 * HOUR))]


def test_history_is_incremental_and_merge_commits_bring_their_prs(
    collector: Collector, fake_github: FakeGitHub
):
    repo = _repo(fake_github)
    collector.run(repos=["acme/app"])
    fake_github.reset_log()
    assert [r.status for r in collector.run(repos=["acme/app"]).repos] == ["unchanged"]
    assert fake_github.count() == 1

    # PR 4's commits were made before the last sync, merged after it with a merge commit:
    # the history since the last sync lists the merge commit only.
    old_work = [_commit("c4", T0 - 2 * HOUR)]
    late = pull(4, author=user("alice"), created=T0 + 20 * HOUR, commits=old_work)
    late["mergeCommit"] = merge_commit(late, squash=False)
    repo.pulls.append(late)
    repo.branch = [
        _direct("d3", T0 + 30 * HOUR),
        late["mergeCommit"],
        _as_history(old_work[0]),
        *repo.branch,
    ]
    fake_github.reset_log()

    summary = collector.run(repos=["acme/app"])

    assert [(r.status, r.prs) for r in summary.repos] == [("complete", 1)]
    assert fake_github.count() == 1
    since = fake_github.requests[0].variables["since"]
    assert since == iso(T0 + 10 * HOUR)
    stored = _commits(collector)
    assert stored[sha("d3")] == (True, 1)
    assert stored[late["mergeCommit"]["oid"]] == (True, 2)
    assert stored[sha("c4")] == (True, None)  # an ancestor of PR 4's merge commit
    assert len(stored) == 11


def test_long_history_is_paged(collector: Collector, fake_github: FakeGitHub):
    repo = add_repo(fake_github, "acme/tools", [], 32)
    repo.branch = [_direct(f"p{i}", T0 - i * HOUR) for i in range(250)]
    collector.run(repos=["acme/tools"])
    ops = [r.operation for r in fake_github.requests]
    assert ops == ["PullRequests", "DefaultBranchHistory", "DefaultBranchHistory"]
    stored = read_table(collector.engine, s.commits)
    assert stored.height == 250 and stored["on_default_branch"].all()


def test_a_stored_true_flag_and_parent_count_are_kept(
    collector: Collector, fake_github: FakeGitHub
):
    repo = _repo(fake_github)
    # The local-git collector stored PR 1's commit first, seen on the default branch.
    git_row = pl.DataFrame(
        {
            "repo_id": [31],
            "sha": [sha("c1")],
            "message": ["Work c1"],
            "parent_count": [1],
            "on_default_branch": [True],
        }
    )
    repos = pl.DataFrame({"id": [31], "full_name": ["acme/app"], "source": ["git"]})
    write_frames(collector.engine, [(s.repositories, repos), (s.commits, git_row)])

    collector.run(repos=["acme/app"])
    collector.run(repos=["acme/app"], full=True)

    stored = _commits(collector)
    assert stored[sha("c1")] == (True, 1)  # never turned false, parent count kept
    row = read_table(collector.engine, s.commits, where=s.commits.c.sha == sha("c1"))
    assert row["author_login"].to_list() == ["alice"]  # GitHub's richer row otherwise
    assert repo.pull(1)["commits"][0]["commit"]["oid"] == sha("c1")


def test_history_rides_on_the_pr_pages_of_a_full_sync(collector: Collector, fake_github):
    acme(fake_github, pulls=298)  # 300 PRs, most squash-merged: ~240 default-branch commits
    collector.run(repos=["acme/api"])
    assert [r.operation for r in fake_github.requests] == ["PullRequests"] * 3
    squashes = {
        p["mergeCommit"]["oid"] for p in fake_github.repo("acme/api").pulls[2:] if p["mergeCommit"]
    }
    flagged = read_table(collector.engine, s.commits).filter(pl.col("on_default_branch"))
    assert set(flagged["sha"]) == squashes


def test_empty_repository(collector: Collector, fake_github):
    add_repo(fake_github, "acme/new", [], 33).default_branch = None
    summary = collector.run(repos=["acme/new"])
    assert [(r.status, r.prs, r.commits) for r in summary.repos] == [("unchanged", 0, 0)]
    assert fake_github.count() == 1
    repo = read_table(collector.engine, s.repositories).row(0, named=True)
    assert (repo["full_name"], repo["default_branch"]) == ("acme/new", None)
