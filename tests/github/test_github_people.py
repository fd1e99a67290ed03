"""Teams and members from GitHub with effective dates; people and identities GitHub vouches for."""

from __future__ import annotations

from datetime import date

import polars as pl

from aimetrics.ids import person_id
from aimetrics.settings import parse_settings
from aimetrics.store import read_table, write_frames
from aimetrics.store import schema as s
from aimetrics.tagging.identities import resolve_identities

from collector_helpers import Collector, acme, settings_for
from fakes.github_data import team
from fakes.github_server import FakeGitHub

D1, D2 = date(2026, 5, 4), date(2026, 5, 11)


def _teams_settings(fake: FakeGitHub, **github):
    return settings_for(fake, orgs=["acme"], teams_from_github=True, **github)


def _memberships(collector: Collector) -> list[tuple]:
    rows = read_table(collector.engine, s.team_memberships).join(
        read_table(collector.engine, s.people).select(pl.col("id").alias("person_id"), "login"),
        on="person_id",
    )
    return sorted(rows.select("team_slug", "login", "valid_from", "valid_to").rows())


def test_teams_and_members_with_effective_dates(collector: Collector, fake_github: FakeGitHub):
    org = acme(fake_github, pulls=2)
    org.teams = [team("payments", ["alice", "bob"]), team("platform", ["carol", "dave"])]

    summary = collector.run(_teams_settings(fake_github), today=D1)

    assert fake_github.count(op="OrgTeams") == 1
    assert (summary.teams, summary.team_members) == (2, 4)
    teams = read_table(collector.engine, s.teams).sort("slug")
    assert teams.rows() == [
        ("acme/payments", "Payments", "github"),
        ("acme/platform", "Platform", "github"),
    ]
    assert _memberships(collector) == [
        ("acme/payments", "alice", D1, None),
        ("acme/payments", "bob", D1, None),
        ("acme/platform", "carol", D1, None),
        ("acme/platform", "dave", D1, None),
    ]
    alice = read_table(collector.engine, s.people, where=s.people.c.login == "alice")
    assert alice.select("id", "display_name", "is_bot", "excluded").rows() == [
        (person_id("login", "alice"), "Alice Example", False, False)
    ]
    logins = read_table(collector.engine, s.identities, where=s.identities.c.kind == "login")
    assert set(logins.select("value", "source").rows()) >= {
        ("alice", "github"),
        ("dave", "github"),
    }

    # A week later bob has left payments and dave joined it.
    org.teams[0] = team("payments", ["alice", "dave"])
    collector.run(_teams_settings(fake_github), today=D2)

    assert _memberships(collector) == [
        ("acme/payments", "alice", D1, None),
        ("acme/payments", "bob", D1, D2),  # closed: history keeps bob in payments until D2
        ("acme/payments", "dave", D2, None),
        ("acme/platform", "carol", D1, None),
        ("acme/platform", "dave", D1, None),
    ]


def test_large_teams_are_completed_and_excluded_people_marked(
    collector: Collector, fake_github: FakeGitHub
):
    org = acme(fake_github)
    org.teams = [team("everyone", [f"dev{i:03d}" for i in range(130)])]
    settings = parse_settings(
        f"github: {{base_url: '{fake_github.base_url}', orgs: [acme], teams_from_github: true}}\n"
        "exclude: {people: [dev007]}"
    )
    collector.run(settings, today=D1)

    assert [r.operation for r in fake_github.requests if r.kind == "graphql"][-2:] == [
        "OrgTeams",
        "TeamMembers",
    ]
    assert len(_memberships(collector)) == 130
    flagged = read_table(collector.engine, s.people).filter(pl.col("excluded"))
    assert flagged["login"].to_list() == ["dev007"]


def test_missing_read_org_warns_and_keeps_stored_teams(
    collector: Collector, fake_github: FakeGitHub
):
    org = acme(fake_github, pulls=2)
    org.teams = [team("payments", ["alice"])]
    collector.run(_teams_settings(fake_github), today=D1)
    org.teams_error = "INSUFFICIENT_SCOPES"

    summary = collector.run(_teams_settings(fake_github), today=D2)

    assert [r.status for r in summary.repos] == ["unchanged"]
    teams_warnings = [w for w in collector.recorder.warnings if w.startswith("teams of")]
    assert teams_warnings == [
        "teams of acme: not readable (INSUFFICIENT_SCOPES); the token needs the read:org scope "
        "(fine-grained token or GitHub App: the organization permission Members: read). "
        "Teams skipped"
    ]
    assert _memberships(collector) == [("acme/payments", "alice", D1, None)]  # not closed


def test_teams_unavailable_warns_once_by_name_and_keeps_stored_teams(
    collector: Collector, fake_github: FakeGitHub
):
    org = acme(fake_github, pulls=2)
    org.teams = [team("payments", ["alice"])]
    collector.run(_teams_settings(fake_github), today=D1)
    fake_github.inject("status", "graphql", status=502, times=10_000, op="OrgTeams")

    collector.run(_teams_settings(fake_github), today=D2, retries=1)

    teams_warnings = [w for w in collector.recorder.warnings if "teams" in w]
    # The failure names what it was reading once (no "teams of acme: teams of acme: ...").
    assert teams_warnings == ["teams of acme: GitHub answered 502; teams skipped, stored ones kept"]
    assert _memberships(collector) == [("acme/payments", "alice", D1, None)]


def test_teams_are_not_asked_for_unless_configured(collector: Collector, fake_github):
    acme(fake_github).teams = [team("payments", ["alice"])]
    collector.run(settings_for(fake_github, orgs=["acme"]), today=D1)
    collector.run(_teams_settings(fake_github), repos=["acme/api"], today=D1)  # --repo: no teams
    assert fake_github.count(op="OrgTeams") == 0
    assert read_table(collector.engine, s.teams).is_empty()


def _emails(collector: Collector) -> dict[str, tuple[int, str]]:
    rows = read_table(collector.engine, s.identities, where=s.identities.c.kind == "email")
    return {r["value"]: (r["person_id"], r["source"]) for r in rows.iter_rows(named=True)}


def test_commit_emails_become_github_identities(
    collector: Collector, fake_github: FakeGitHub, ruleset
):
    acme(fake_github, pulls=30)  # commits by alice@corp.example etc., linked to their logins
    collector.run(repos=["acme/api"])

    found = _emails(collector)
    assert found["alice@corp.example"] == (person_id("login", "alice"), "github")
    assert found["bob@corp.example"] == (person_id("login", "bob"), "github")
    people = read_table(collector.engine, s.people)
    assert person_id("login", "alice") in people["id"].to_list()  # the identity's person

    # A repository known only from a local clone: alice's email, no login.
    git_repo = pl.DataFrame({"id": [7], "full_name": ["acme/legacy"], "source": ["git"]})
    git_commit = pl.DataFrame(
        {"repo_id": [7], "sha": ["f" * 40], "author_email": ["Alice@Corp.example"]}
    )
    write_frames(collector.engine, [(s.repositories, git_repo), (s.commits, git_commit)])
    resolve_identities(collector.engine, ruleset, settings_for(fake_github))

    person, source = _emails(collector)["alice@corp.example"]
    assert person == person_id("login", "alice") and source != "unresolved"


def test_configured_identities_are_not_overwritten(
    collector: Collector, fake_github: FakeGitHub, ruleset
):
    acme(fake_github, pulls=30)
    settings = parse_settings(
        f"github: {{base_url: '{fake_github.base_url}'}}\n"
        "people: [{login: bobby, name: Bob, emails: [bob@corp.example]}]"
    )
    resolve_identities(collector.engine, ruleset, settings)  # the configuration's people first
    collector.run(settings, repos=["acme/api"])
    bob = read_table(
        collector.engine, s.identities, where=s.identities.c.value == "bob@corp.example"
    )
    assert bob.select("person_id", "source").rows() == [(person_id("login", "bobby"), "config")]


def test_teams_people_and_history_on_both_backends(engine, fake_github: FakeGitHub, ruleset, token):
    """Foreign keys hold on PostgreSQL: people before identities and memberships."""
    org = acme(fake_github, pulls=30)
    org.teams = [team("payments", ["alice", "bob"]), team("bots", ["renovate[bot]"])]
    collector = Collector(fake_github, engine, ruleset)
    collector.run(_teams_settings(fake_github), today=D1)
    org.teams[0] = team("payments", ["alice"])
    collector.run(_teams_settings(fake_github), today=D2)
    resolve_identities(engine, ruleset, _teams_settings(fake_github))

    assert _memberships(collector) == [
        ("acme/bots", "renovate[bot]", D1, None),
        ("acme/payments", "alice", D1, None),
        ("acme/payments", "bob", D1, D2),
    ]
    commits = read_table(engine, s.commits)
    assert commits.filter(pl.col("on_default_branch")).height > 0
    assert _emails(collector)["carol@corp.example"][0] == person_id("login", "carol")
