"""`collect git` on repositories built by the test with real git commands."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from aimetrics.cli import app
from aimetrics.store import create_store_engine, read_table, upgrade
from aimetrics.store import schema as s
from aimetrics.tagging import build_ruleset, pr_flags, tag_store
from collectors.git_local import GitError, collect_repo, inspect_repo

CLAUDE = "Co-Authored-By: Claude <noreply@anthropic.com>"
CURSOR = "Co-authored-by: Cursor Agent <cursoragent@cursor.com>"


class Repo:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.clock = 1_767_225_600  # 2026-01-01T00:00:00Z
        path.mkdir()
        self.git("init", "-q", "-b", "main")
        self.git("remote", "add", "origin", "git@github.com:acme/payments-api.git")

    def git(self, *args: str, name: str = "Alice Smith", email: str = "alice@acme.example") -> str:
        self.clock += 3600
        env = dict(
            os.environ,
            GIT_AUTHOR_NAME=name, GIT_AUTHOR_EMAIL=email,
            GIT_COMMITTER_NAME=name, GIT_COMMITTER_EMAIL=email,
            GIT_AUTHOR_DATE=f"@{self.clock} +0200", GIT_COMMITTER_DATE=f"@{self.clock} +0200",
            GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_SYSTEM="/dev/null",
        )  # fmt: skip
        return subprocess.run(
            ["git", "-C", str(self.path), *args], check=True, env=env, capture_output=True,
            text=True,
        ).stdout  # fmt: skip

    def commit(self, message: str, file: str = "app.py", lines: int = 3, **who: str) -> str:
        target = self.path / file
        with target.open("a") as fh:
            fh.write("x = 1\n" * lines)
        self.git("add", file, **who)
        self.git("commit", "-q", "-m", message, **who)
        return self.git("rev-parse", "HEAD").strip()


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    r = Repo(tmp_path / "payments-api")
    r.commit("chore: initial commit", lines=10)
    # A feature branch merged with a merge commit, one commit with a Claude trailer.
    r.git("checkout", "-q", "-b", "feature-x")
    r.commit(f"feat: add refunds\n\nBody text.\n\n{CLAUDE}", file="refunds.py", lines=5)
    r.commit("test: cover refunds", file="test_refunds.py", lines=4)
    r.git("checkout", "-q", "main")
    r.git("merge", "-q", "--no-ff", "feature-x", "-m",
          "Merge pull request #12 from acme/feature-x\n\nAdd refunds")  # fmt: skip
    # A squash merge that gathered a Cursor agent trailer, by the same person under another name.
    r.commit(f"Add payouts (#13)\n\n* wip\n\n{CURSOR}", file="payouts.py", lines=7,
             name="A. Smith", email="alice@acme.example")  # fmt: skip
    # A direct push and a human called Claude.
    r.commit("fix: typo", name="Claude Moreau", email="claude.moreau@acme.example")
    return r


@pytest.fixture
def engine(tmp_path: Path) -> sa.Engine:
    eng = create_store_engine(f"sqlite:///{tmp_path / 'store.db'}")
    upgrade(eng)
    return eng


def test_collect_reads_commits_prs_and_links(repo: Repo, engine: sa.Engine) -> None:
    info = inspect_repo(repo.path)
    assert (info.full_name, info.web_url, info.default_branch) == (
        "acme/payments-api", "https://github.com/acme/payments-api", "main",
    )  # fmt: skip
    counts = collect_repo(engine, info)
    assert (counts["commits"], counts["pull_requests"]) == (6, 2)
    commits = read_table(engine, s.commits).sort("committed_at")
    assert commits["message"][1].endswith(CLAUDE)
    assert commits["additions"].to_list() == [10, 5, 4, 0, 7, 3]
    assert commits["parent_count"].to_list() == [1, 1, 1, 2, 1, 1]
    assert commits["on_default_branch"].all()
    # Dates keep the instant (the +0200 offset is converted to UTC).
    assert str(commits["authored_at"][0]) == "2026-01-01 04:00:00+00:00"  # 4th git call
    prs = read_table(engine, s.pull_requests).sort("number")
    assert prs.select("number", "title", "state", "head_ref", "source").rows() == [
        (12, "Merge pull request #12 from acme/feature-x", "MERGED", "feature-x", "git"),
        (13, "Add payouts", "MERGED", None, "git"),
    ]
    # Git-only PRs carry their merge time only: no creation or review times invented.
    assert prs["created_at"].null_count() == 2 and prs["merged_at"].null_count() == 0
    links = read_table(engine, s.pull_request_commits)
    by_pr = links.group_by("pr_number").len().sort("pr_number")
    assert by_pr.rows() == [(12, 3), (13, 1)]  # merge commit + 2 branch commits; the squash


def test_tags_and_flags_on_git_data(repo: Repo, engine: sa.Engine) -> None:
    collect_repo(engine, inspect_repo(repo.path))
    rules = build_ruleset()
    tag_store(engine, rules)
    flags = (
        pr_flags(
            read_table(engine, s.pull_requests).lazy(),
            read_table(engine, s.pull_request_commits).lazy(),
            read_table(engine, s.ai_tags).lazy(),
        )
        .collect()
        .sort("number")
    )
    assert flags.select("number", "is_ai", "ai_tool").rows() == [
        (12, True, "claude-code"),
        (13, True, "cursor"),
    ]
    # The human named Claude is not tagged.
    tagged = set(read_table(engine, s.ai_tags)["entity_key"].to_list())
    human = read_table(engine, s.commits).filter(pl.col("author_name") == "Claude Moreau")
    assert human["sha"][0] not in tagged


def test_rerun_reads_only_new_commits(repo: Repo, engine: sa.Engine) -> None:
    info = inspect_repo(repo.path)
    collect_repo(engine, info)
    assert collect_repo(engine, info)["commits"] == 0
    repo.commit("feat: more (#14)")
    again = collect_repo(engine, info)
    assert (again["commits"], again["pull_requests"]) == (1, 1)
    assert read_table(engine, s.commits).height == 7
    full = collect_repo(engine, info, full=True)
    assert full["commits"] == 7
    assert read_table(engine, s.commits).height == 7


def test_errors_are_clear(tmp_path: Path, engine: sa.Engine) -> None:
    with pytest.raises(GitError, match="no such folder"):
        inspect_repo(tmp_path / "nope")
    (tmp_path / "plain").mkdir()
    with pytest.raises(GitError, match="git rev-parse failed"):
        inspect_repo(tmp_path / "plain")


def test_cli_collect_git(repo: Repo, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    res = CliRunner().invoke(
        app, ["collect", "git", str(repo.path), "--repo-name", "acme/pay", "--db", url]
    )
    assert res.exit_code == 0, res.output
    assert "acme/pay: 6 new commits, 2 pull requests" in res.output
    engine = create_store_engine(url)
    assert read_table(engine, s.ai_tags).height == 2
    assert read_table(engine, s.repositories)["full_name"].to_list() == ["acme/pay"]


def test_git_adds_to_what_github_stored(repo: Repo, engine: sa.Engine) -> None:
    from aimetrics.store import write_frames

    info = inspect_repo(repo.path)
    head = repo.git("rev-parse", "HEAD").strip()
    write_frames(
        engine,
        [
            (s.repositories, pl.DataFrame({"id": [77], "full_name": [info.full_name],
                                           "source": ["github"], "web_url": [info.web_url]})),
            (s.commits, pl.DataFrame({"repo_id": [77], "sha": [head], "author_login": ["cmoreau"],
                                      "message": ["fix: typo"], "on_default_branch": [False]})),
        ],
    )  # fmt: skip
    counts = collect_repo(engine, info)
    assert counts["repo_id"] == 77
    commits = read_table(engine, s.commits)
    assert commits.height == 6
    row = commits.filter(pl.col("sha") == head).row(0, named=True)
    # GitHub's login stays; git adds what it knows better.
    assert (row["author_login"], row["on_default_branch"], row["parent_count"]) == (
        "cmoreau",
        True,
        1,
    )
    assert read_table(engine, s.repositories)["source"].to_list() == ["github"]
