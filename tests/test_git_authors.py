"""Pull requests recovered from git get their authors, and `collect git` links them to people:
on repositories built by the test with real git commands, into real SQLite and PostgreSQL."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from test_git_local import CLAUDE, Repo
from typer.testing import CliRunner

from aimetrics.cli import app
from aimetrics.store import create_store_engine, read_table, upgrade
from aimetrics.store import schema as s
from aimetrics.tagging import RuleSet, build_ruleset
from aimetrics.tagging.identities import is_bot_email
from collectors.git_local import BotEmail, collect_repo, inspect_repo

BOB = {"name": "Bob Jones", "email": "Bob@acme.example"}
CAROL = {"name": "Carol Diaz", "email": "carol@acme.example"}
DEPENDABOT = {
    "name": "dependabot[bot]",
    "email": "49699333+dependabot[bot]@users.noreply.github.com",
}
COPILOT = {"name": "Copilot", "email": "198982749+Copilot@users.noreply.github.com"}


def _bots(rules: RuleSet) -> BotEmail:
    """The catalogue's bot e-mails, as `aimetrics collect git` passes them."""
    return functools.partial(is_bot_email, ruleset=rules)


@pytest.fixture
def any_engine(store_url: str) -> Iterator[sa.Engine]:
    eng = create_store_engine(store_url)
    upgrade(eng)
    yield eng
    eng.dispose()


def _branch(repo: Repo, name: str, authors: list[dict[str, str]], number: int) -> None:
    """A branch with one commit per entry of ``authors``, merged by Alice (a merge commit)."""
    repo.git("checkout", "-q", "-b", name)
    for i, who in enumerate(authors):
        repo.commit(f"{name}: step {i}", file=f"{name}.py", **who)
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", name, "-m", f"Merge pull request #{number} from acme/{name}")


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    r = Repo(tmp_path / "payments-api")
    r.commit("chore: initial commit", lines=10)
    # Bots and an agent outnumber Bob on the branch: Bob wrote it (Alice only merged it).
    _branch(r, "refunds", [BOB, DEPENDABOT, DEPENDABOT, COPILOT, COPILOT, CAROL, BOB], 1)
    # A tie (one commit each): the earliest author, Carol.
    _branch(r, "payouts", [CAROL, BOB], 2)
    # Only bots on the branch: no author rather than a guess.
    _branch(r, "deps", [DEPENDABOT], 3)
    # A squash merge keeps its own author, even when the one merging is someone else.
    r.commit(f"Add invoices (#4)\n\n{CLAUDE}", file="invoices.py", **CAROL)
    return r


@pytest.mark.parametrize("all_refs", [False, True], ids=["streamed", "whole-history"])
def test_recovered_prs_get_their_authors(repo: Repo, any_engine: sa.Engine, all_refs: bool) -> None:
    collect_repo(
        any_engine, inspect_repo(repo.path), all_refs=all_refs, bot_email=_bots(build_ruleset())
    )
    prs = read_table(any_engine, s.pull_requests).sort("number")
    assert prs.select("number", "author_login", "author_email").rows() == [
        (1, None, "bob@acme.example"),
        (2, None, "carol@acme.example"),
        (3, None, None),
        (4, None, "carol@acme.example"),
    ]


def test_rerun_keeps_authors_and_adds_new_ones(repo: Repo, any_engine: sa.Engine) -> None:
    """An incremental run: earlier PRs keep their authors, a new merge gets its own."""
    rules = build_ruleset()
    collect_repo(any_engine, inspect_repo(repo.path), bot_email=_bots(rules))
    _branch(repo, "exports", [BOB, CAROL, CAROL], 5)
    counts = collect_repo(any_engine, inspect_repo(repo.path), bot_email=_bots(rules))
    assert counts["pull_requests"] == 1
    prs = read_table(any_engine, s.pull_requests).sort("number")
    assert prs["author_email"].to_list() == [
        "bob@acme.example", "carol@acme.example", None, "carol@acme.example",
        "carol@acme.example",
    ]  # fmt: skip


def test_cli_collect_git_links_pr_authors_to_people(repo: Repo, tmp_path: Path) -> None:
    """`collect git` resolves identities as `collect github` does: each e-mail of a PR's
    author or a commit's is a person, bots are marked, and the config merges two e-mails."""
    config = tmp_path / "aimetrics.yaml"
    config.write_text(
        "people:\n  - login: carol\n    name: Carol Diaz\n"
        "    emails: [carol@acme.example, carol.diaz@home.example]\n"
    )
    repo.commit("Tidy (#6)", file="tidy.py", name="Carol", email="carol.diaz@home.example")
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    res = CliRunner().invoke(
        app, ["collect", "git", str(repo.path), "--db", url, "--config", str(config)]
    )
    assert res.exit_code == 0, res.output
    engine = create_store_engine(url)
    people = read_table(engine, s.people)
    identities = read_table(engine, s.identities)
    email_person = dict(
        identities.filter(pl.col("kind") == "email").select("value", "person_id").iter_rows()
    )
    # Carol's two e-mails are one person (the configuration's), whose PRs are #2, #4 and #6.
    assert email_person["carol@acme.example"] == email_person["carol.diaz@home.example"]
    carol = people.filter(pl.col("id") == email_person["carol@acme.example"])
    assert carol["login"].to_list() == ["carol"]
    bots = people.filter("is_bot")["display_name"].to_list()
    assert "dependabot[bot]" in bots
    assert not people.filter(pl.col("id") == email_person["bob@acme.example"])["is_bot"].item()
    engine.dispose()


def test_migration_0002_adds_author_email_to_stored_prs(store_url: str) -> None:
    """A store at 0001 with a PR in it gains ``author_email`` (null) and keeps the PR."""
    from alembic import command

    from aimetrics.store.migrate import _config

    engine = create_store_engine(store_url)
    with engine.begin() as conn:
        command.upgrade(_config(conn), "0001")
        conn.execute(sa.text(
            "INSERT INTO repositories (id, full_name, source, is_fork, is_archived) "
            "VALUES (1, 'acme/old', 'git', false, false)"
        ))  # fmt: skip
        conn.execute(sa.text(
            "INSERT INTO pull_requests (repo_id, number, state, is_draft, source) "
            "VALUES (1, 7, 'MERGED', false, 'git')"
        ))  # fmt: skip
    upgrade(engine)
    prs = read_table(engine, s.pull_requests)
    assert prs.select("number", "author_email").rows() == [(7, None)]
    engine.dispose()


def test_facts_of_git_prs_have_authors_and_merge_cycle_times(
    repo: Repo, any_engine: sa.Engine
) -> None:
    """Through load_facts: each recovered PR counts for its author (the person, not the
    one who merged); a merge commit's cycle runs from its branch's first authored commit
    to the merge, a squash merge has none, and no stage is guessed."""
    from aimetrics.figures.facts import load_facts_for
    from aimetrics.pipeline import run_pipeline
    from aimetrics.settings import load_settings

    rules, settings = build_ruleset(), load_settings(None)
    collect_repo(any_engine, inspect_repo(repo.path), bot_email=_bots(rules))
    run_pipeline(any_engine, settings, rules)  # identities, then the new rows' tags
    facts = load_facts_for(any_engine, settings)
    prs = facts.prs.sort("number")
    bob = facts.directory.filter(pl.col("value") == "bob@acme.example")["person_key"].item()
    carol = facts.directory.filter(pl.col("value") == "carol@acme.example")["person_key"].item()
    assert prs["engineer_key"].to_list() == [bob, carol, None, carol]
    # #1: the Copilot agent wrote two of its commits; #4: a Claude trailer.
    assert prs["is_ai"].to_list() == [True, False, False, True]
    commits = read_table(any_engine, s.commits)
    authored = dict(commits.select("message", "authored_at").iter_rows())
    merged = prs["merged_at"].to_list()
    hours = [
        (merged[0] - authored["refunds: step 0"]).total_seconds() / 3600,
        (merged[1] - authored["payouts: step 0"]).total_seconds() / 3600,
    ]
    # The clock moves an hour per git command: #1's first commit came 21 commands before
    # its merge (7 commits of 3 commands; the checkout, the merge).
    assert prs["cycle"].to_list()[:2] == pytest.approx(hours) and hours == [21, 6]
    assert prs["cycle"][3] is None  # the squash merge
    assert prs.select("coding", "pickup", "review", "merge").null_count().row(0) == (4, 4, 4, 4)
    assert not prs["timeline"].any()
