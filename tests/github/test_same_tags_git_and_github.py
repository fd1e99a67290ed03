"""One history, two collectors, the same commit tags.

The history is built as a real git repository (real ``git`` commands), and the
fake GitHub serves the very same commits (same shas, names, e-mails, messages)
as GitHub's GraphQL would: a bot author has no ``user`` (a ``Bot`` is not a
``User``), a person's e-mail is linked to their login. ``collect git`` and
``collect github`` each fill their own SQLite store, the real tagger runs over
both, and the commit tags (sha, rule, kind, tool) must be identical.

What may differ, by design, is what only GitHub has: PR authors, bodies, head
branches and labels (PR-level tags), and reviews (review tags). The tests pin
those differences down too, so that a new difference is a decision, not an
accident.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from aimetrics.store import create_store_engine, read_table, upgrade
from aimetrics.store import schema as s
from aimetrics.tagging import RuleSet, tag_store
from collectors.git_local import collect_repo, inspect_repo

from collector_helpers import Collector, add_repo
from fakes.github_data import bot, commit, git_actor, history_commit, iso, pull, review, user
from fakes.github_server import FakeGitHub

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
GITHUB = ("GitHub", "noreply@github.com")  # the committer of web merges and squashes

ALICE = ("Alice Example", "alice@corp.example")
BOB = ("Bob Example", "bob@corp.example")
MONA = ("Mona Staff", "mona@github.com")  # GitHub staff, a person: never tagged as Copilot
CLAUDE_PERSON = ("Claude Moreau", "1024+claude@users.noreply.github.com")  # a person's no-reply
CLAUDE_APP = ("claude[bot]", "209825114+claude[bot]@users.noreply.github.com")
JULES = ("google-labs-jules[bot]", "161369871+google-labs-jules[bot]@users.noreply.github.com")
COPILOT = ("Copilot", "198982749+Copilot@users.noreply.github.com")
FACTORY = ("factory-droid[bot]", "100000001+factory-droid[bot]@users.noreply.github.com")
AMAZON_Q = ("amazon-q-developer[bot]", "amazon-q-developer[bot]@users.noreply.github.com")
DEPENDABOT = ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com")
OPENDEVIN = ("OpenDevin", "opendevin@opendevin.ai")
# Ids are those seen where a source has one, else 10000000x: no rule matches an id.
DEVIN = (
    "devin-ai-integration[bot]",
    "100000002+devin-ai-integration[bot]@users.noreply.github.com",
)
RABBIT = ("coderabbitai[bot]", "136622811+coderabbitai[bot]@users.noreply.github.com")

# The logins GitHub links to these e-mails. Bots have none in GraphQL's GitActor.user.
LINKED = {
    ALICE[1]: "alice",
    BOB[1]: "bob",
    MONA[1]: "mona",
    CLAUDE_PERSON[1]: "claude",
    GITHUB[1]: "web-flow",
}


def trailer(who: tuple[str, str]) -> str:
    return f"Co-authored-by: {who[0]} <{who[1]}>"


class GitHistory:
    """A repository written with git itself; every command one hour after the last."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.clock = T0
        path.mkdir()
        self.git("init", "-q", "-b", "main")
        self.git("remote", "add", "origin", "git@github.com:acme/app.git")

    def git(self, *args: str, author=ALICE, committer=None) -> str:  # type: ignore[no-untyped-def]
        self.clock += timedelta(hours=1)
        committer = committer or author
        stamp = f"@{int(self.clock.timestamp())} +0000"
        env = dict(
            os.environ,
            GIT_AUTHOR_NAME=author[0], GIT_AUTHOR_EMAIL=author[1], GIT_AUTHOR_DATE=stamp,
            GIT_COMMITTER_NAME=committer[0], GIT_COMMITTER_EMAIL=committer[1],
            GIT_COMMITTER_DATE=stamp, GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_SYSTEM="/dev/null",
        )  # fmt: skip
        done = subprocess.run(
            ["git", "-C", str(self.path), *args], env=env, capture_output=True, text=True,
            check=True,
        )  # fmt: skip
        return done.stdout

    def commit(self, message: str, *, author=ALICE, committer=None, file: str = "app.py") -> str:  # type: ignore[no-untyped-def]
        with (self.path / file).open("a") as fh:
            fh.write(f"# {message.splitlines()[0]}\n")
        self.git("add", file, author=author)
        self.git("commit", "-q", "-m", message, author=author, committer=committer)
        return self.git("rev-parse", "HEAD").strip()

    def branch(self, name: str) -> None:
        self.git("checkout", "-q", "-b", name, "main")

    def main(self) -> None:
        self.git("checkout", "-q", "main")

    def squash(self, branch: str, message: str, *, author) -> str:  # type: ignore[no-untyped-def]
        """GitHub's squash merge: one commit on main, by the PR's author, committed by GitHub."""
        self.main()
        self.git("merge", "-q", "--squash", branch, author=author)
        self.git("commit", "-q", "-m", message, author=author, committer=GITHUB)
        return self.git("rev-parse", "HEAD").strip()

    def merge(self, branch: str, message: str, *, author) -> str:  # type: ignore[no-untyped-def]
        self.main()
        self.git("merge", "-q", "--no-ff", branch, "-m", message, author=author, committer=GITHUB)
        return self.git("rev-parse", "HEAD").strip()

    def nodes(self) -> dict[str, dict]:
        """Every commit (all refs) as GraphQL's ``Commit`` node, by sha."""
        fmt = "%H%x1f%P%x1f%an%x1f%ae%x1f%aI%x1f%cn%x1f%ce%x1f%cI%x1f%B%x1e"
        out = {}
        for record in self.git("log", "--all", f"--format={fmt}").split("\x1e"):
            if not record.strip():
                continue
            oid, parents, an, ae, ad, cn, ce, cd, message = record.strip("\n").split("\x1f")
            node = history_commit(
                oid,
                message.rstrip("\n"),
                git_actor(an, ae, _utc(ad), LINKED.get(ae)),
                git_actor(cn, ce, _utc(cd), LINKED.get(ce)),
                parents=len(parents.split()),
            )
            node["parents"] = [{"oid": p} for p in parents.split()]
            out[oid] = node
        return out

    def on_main(self) -> list[str]:
        return self.git("rev-list", "main").split()


def _utc(stamp: str) -> str:
    return iso(datetime.fromisoformat(stamp))


@dataclass
class Built:
    git: GitHistory
    pulls: list[dict]


def build(path: Path) -> Built:
    """Persons and bots with the catalogue's markers; squash and merge PRs; direct pushes."""
    h = GitHistory(path)
    h.commit("chore: initial commit", file="README.md")
    prs: list[tuple[int, str, dict, list[str], str, dict]] = []

    # 1. A person's PR the Claude app pushed to, squash-merged: claude[bot] becomes a
    #    co-author of Alice's commit (assisted); its own branch commit is authored.
    h.branch("claude/issue-1-20260302-1030")
    c1 = [
        h.commit("Start export", file="export.py"),
        h.commit("Implement export", author=CLAUDE_APP, file="export.py"),
    ]
    s1 = h.squash(
        "claude/issue-1-20260302-1030",
        f"Add export (#1)\n\n* Start export\n\n* Implement export\n\n{trailer(CLAUDE_APP)}",
        author=ALICE,
    )
    prs.append((1, s1, user("alice"), c1, "claude/issue-1-20260302-1030", {"body": ""}))

    # 2. Jules authored a PR, merged with a merge commit: its commit reaches main as it is.
    h.branch("fix-flaky")
    c2 = [h.commit("Fix flaky retry test", author=JULES, file="test_retry.py")]
    m2 = h.merge("fix-flaky", "Merge pull request #2 from acme/fix-flaky\n\nFix flaky", author=BOB)
    body2 = "Created automatically by Jules: https://jules.google.com/task/123"
    prs.append((2, m2, bot("google-labs-jules"), c2, "fix-flaky", {"body": body2}))

    # 3. The Copilot coding agent's PR, squash-merged: author Copilot plus its trailer.
    h.branch("copilot/fix-login-timeout")
    c3 = [h.commit("Initial plan", author=COPILOT, file="login.py")]
    c3.append(h.commit("Fix login timeout", author=COPILOT, file="login.py"))
    s3 = h.squash(
        "copilot/fix-login-timeout",
        "Fix login timeout (#3)\n\n* Initial plan\n\n* Fix login timeout\n\n"
        f"Co-authored-by: copilot-swe-agent[bot] <{COPILOT[1]}>\n{trailer(ALICE)}",
        author=COPILOT,
    )
    prs.append((3, s3, bot("Copilot"), c3, "copilot/fix-login-timeout", {"body": ""}))

    # 4. Bob's PR with Devin's help and an applied CodeRabbit suggestion, squash-merged.
    h.branch("bob/cache")
    c4 = [
        h.commit("Add cache", author=BOB, file="cache.py"),
        h.commit(
            f"Apply suggestions from code review\n\n{trailer(RABBIT)}", author=BOB, file="cache.py"
        ),
    ]
    s4 = h.squash(
        "bob/cache",
        "Add cache (#4)\n\n* Add cache\n\n* Apply suggestions\n\n"
        f"{trailer(DEVIN)}\n{trailer(RABBIT)}",
        author=BOB,
    )
    prs.append((4, s4, user("bob"), c4, "bob/cache", {"body": "", "labels": ["ai-assisted"]}))

    # Direct pushes: bots and people, markers and traps.
    h.main()
    h.commit("Bump ruff", author=FACTORY, file="pyproject.toml")  # agent: derived login
    h.commit("Tidy imports", author=AMAZON_Q, file="app.py")  # older no-reply form
    h.commit("Bump requests", author=DEPENDABOT, file="requirements.txt")  # not AI
    h.commit("fix: typo", author=CLAUDE_PERSON, file="app.py")  # a person called Claude
    h.commit(f"Port parser\n\n{trailer(('Qwen-Coder', 'qwen-coder@alibabacloud.com'))}",
             author=MONA, file="parser.py")  # fmt: skip
    h.commit(
        f"docs: GitHub writes {trailer(CLAUDE_APP)} on squash merges", author=MONA, file="docs.md"
    )  # quoted mid-sentence
    h.commit("Scaffold sandbox", author=OPENDEVIN, file="sandbox.py")

    nodes = h.nodes()
    pulls = []
    for number, merged, author, branch_shas, head, extra in prs:
        node = pull(
            number,
            author=author,
            created=T0 + timedelta(hours=number),
            title=nodes[merged]["message"].splitlines()[0].removesuffix(f" (#{number})"),
            body=extra["body"],
            labels=extra.get("labels", []),
            head=head,
            commits=[
                commit(
                    sha,
                    nodes[sha]["message"],
                    nodes[sha]["author"],
                    nodes[sha]["committer"],
                    parents=len(nodes[sha]["parents"]),
                )
                for sha in branch_shas
            ],
            reviews=[review(7_000 + number, bot("coderabbitai"), "COMMENTED", iso(T0))],
        )
        node["mergeCommit"] = nodes[merged]
        pulls.append(node)
    return Built(h, pulls)


def _serve(fake: FakeGitHub, built: Built) -> None:
    repo = add_repo(fake, "acme/app", built.pulls, 4343)
    nodes = built.git.nodes()
    repo.branch = [nodes[sha] for sha in built.git.on_main()]


def _git_store(path: Path, built: Built, ruleset: RuleSet, *, all_refs: bool) -> sa.Engine:
    engine = create_store_engine(f"sqlite:///{path}")
    upgrade(engine)
    collect_repo(engine, inspect_repo(built.git.path), all_refs=all_refs)
    tag_store(engine, ruleset)
    return engine


def _tags(engine: sa.Engine, entity: str) -> set[tuple[str, str, str, str]]:
    tags = read_table(engine, s.ai_tags).filter(pl.col("entity") == entity)
    return set(tags.select("entity_key", "rule_id", "kind", "tool_id").iter_rows())


@pytest.fixture
def built(tmp_path: Path) -> Built:
    return build(tmp_path / "app")


@pytest.fixture
def github_store(collector: Collector, fake_github: FakeGitHub, built: Built) -> sa.Engine:
    _serve(fake_github, built)
    collector.run(repos=["acme/app"])
    tag_store(collector.engine, collector.ruleset)
    return collector.engine


# The commit tags both stores must hold: the markers, and nothing on the traps.
EXPECTED_ON_MAIN = {
    ("Add export (#1)", "claude-code.app-co-author", "assisted", "claude-code"),
    ("Fix flaky retry test", "google-jules.author", "authored", "google-jules"),
    ("Fix login timeout (#3)", "github-copilot.agent-author-email", "authored", "github-copilot"),
    ("Fix login timeout (#3)", "github-copilot.agent-author-login", "authored", "github-copilot"),
    ("Fix login timeout (#3)", "github-copilot.agent-co-author", "assisted", "github-copilot"),
    ("Add cache (#4)", "devin.co-author", "assisted", "devin"),
    ("Add cache (#4)", "coderabbit.suggestion-co-author", "assisted", "unspecified"),
    ("Bump ruff", "factory.author", "authored", "factory"),
    ("Tidy imports", "amazon-q.author", "authored", "amazon-q"),
    ("Port parser", "qwen-code.co-author", "assisted", "qwen-code"),
    ("Scaffold sandbox", "openhands.author", "authored", "openhands"),
}
# Commits squashed away: on their PR branch only (GitHub lists them as the PR's commits).
EXPECTED_ON_BRANCHES = {
    ("Implement export", "claude-code.app-author-email", "authored", "claude-code"),
    ("Implement export", "claude-code.app-author-login", "authored", "claude-code"),
    ("Initial plan", "github-copilot.agent-author-email", "authored", "github-copilot"),
    ("Initial plan", "github-copilot.agent-author-login", "authored", "github-copilot"),
    ("Fix login timeout", "github-copilot.agent-author-email", "authored", "github-copilot"),
    ("Fix login timeout", "github-copilot.agent-author-login", "authored", "github-copilot"),
    ("Apply suggestions from code review", "coderabbit.suggestion-co-author", "assisted",
     "unspecified"),
}  # fmt: skip


def _by_subject(engine: sa.Engine, tags: set[tuple[str, str, str, str]]) -> set[tuple]:
    subjects = {
        sha: message.splitlines()[0]
        for sha, message in read_table(engine, s.commits).select("sha", "message").iter_rows()
    }
    return {(subjects[sha], *rest) for sha, *rest in tags}


def test_git_and_github_give_the_same_commit_tags(
    tmp_path: Path, built: Built, github_store: sa.Engine, ruleset: RuleSet
) -> None:
    # With --all, git reads the PR branches too: the same commits as GitHub, the same tags.
    git_store = _git_store(tmp_path / "git.db", built, ruleset, all_refs=True)
    git_shas = set(read_table(git_store, s.commits)["sha"].to_list())
    assert git_shas == set(read_table(github_store, s.commits)["sha"].to_list())
    assert _tags(git_store, "commit") == _tags(github_store, "commit")
    assert _by_subject(git_store, _tags(git_store, "commit")) == (
        EXPECTED_ON_MAIN | EXPECTED_ON_BRANCHES
    )
    # The logins came from the no-reply addresses at tagging time; git stored none.
    assert read_table(git_store, s.commits)["author_login"].null_count() == len(git_shas)


def test_default_branch_only_sees_the_squash_commits(
    tmp_path: Path, built: Built, github_store: sa.Engine, ruleset: RuleSet
) -> None:
    # Without --all, git reads main: its tags are GitHub's on the commits main has.
    git_store = _git_store(tmp_path / "git.db", built, ruleset, all_refs=False)
    on_main = set(built.git.on_main())
    assert set(read_table(git_store, s.commits)["sha"].to_list()) == on_main
    github_on_main = {t for t in _tags(github_store, "commit") if t[0] in on_main}
    assert _tags(git_store, "commit") == github_on_main
    assert _by_subject(git_store, _tags(git_store, "commit")) == EXPECTED_ON_MAIN


def test_pr_level_tags_differ_only_where_github_knows_more(
    tmp_path: Path, built: Built, github_store: sa.Engine, ruleset: RuleSet
) -> None:
    git_store = _git_store(tmp_path / "git.db", built, ruleset, all_refs=True)
    # Git recovers PRs from merge/squash messages: no author, body or labels, and a head
    # branch only from a merge commit's message ("from acme/fix-flaky").
    assert _tags(git_store, "pull_request") == set()
    assert _tags(github_store, "pull_request") == {
        ("1", "claude-code.branch-action", "authored", "claude-code"),
        ("1", "claude-code.branch", "authored", "claude-code"),
        ("2", "google-jules.pr-author", "authored", "google-jules"),
        ("2", "google-jules.pr-body", "authored", "google-jules"),
        ("3", "github-copilot.pr-author", "authored", "github-copilot"),
        ("3", "github-copilot.branch", "authored", "github-copilot"),
    }
    # Reviews exist on GitHub only.
    assert _tags(git_store, "review") == set()
    assert {t[1] for t in _tags(github_store, "review")} == {"coderabbit.reviewer"}
