"""An organization's teams and their members, with effective dates.

One GraphQL query brings 100 teams with their first 100 members each (one
point); a team with more members is completed with ``TeamMembers`` pages.
GitHub only knows today's membership, so each run compares it with the open
memberships stored for the org's teams: a membership first seen today starts
today (``valid_from``), one no longer listed ends today (``valid_to``,
exclusive), and history is reported with the membership of its time. Team
slugs are stored as ``org/slug`` (GitHub's ``combinedSlug``), so two orgs'
teams, and the configuration's teams, never collide.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl
import sqlalchemy as sa

from aimetrics.store import read_table
from aimetrics.store import schema as s
from aimetrics.store.types import table_schema
from collectors.github.client import GitHubClient
from collectors.github.pulls import PageSizer, fetch_adaptive
from collectors.github.queries import ORG_TEAMS, TEAM_MEMBERS

SOURCE = "github"
MEMBERS_PAGE = 100


@dataclass
class OrgTeams:
    """An org's teams as GitHub lists them today: ``slug -> (name, members)``."""

    org: str
    teams: dict[str, tuple[str, list[dict[str, Any]]]] = field(default_factory=dict)

    def slug(self, team_slug: str) -> str:
        return f"{self.org.lower()}/{team_slug}"

    def teams_frame(self) -> pl.DataFrame:
        rows = [(self.slug(k), name, SOURCE) for k, (name, _) in sorted(self.teams.items())]
        return pl.DataFrame(rows, schema=["slug", "name", "source"], orient="row")

    def members_frame(self) -> pl.DataFrame:
        """``team_slug``, ``login``, ``name``: one row per membership."""
        rows = [
            (self.slug(k), m["login"], m.get("name"))
            for k, (_, members) in sorted(self.teams.items())
            for m in members
            if m and m.get("login")
        ]
        return pl.DataFrame(
            rows,
            schema={"team_slug": pl.String, "login": pl.String, "name": pl.String},
            orient="row",
        )


def fetch_teams(client: GitHubClient, org: str) -> OrgTeams:
    """Every team of ``org`` with all its members. Raises GithubException (403, scopes)."""
    found = OrgTeams(org)
    sizer, member_sizer = PageSizer(), PageSizer()
    after: str | None = None
    while True:
        variables = {"org": org, "after": after, "members": MEMBERS_PAGE}
        _, body = fetch_adaptive(client, ORG_TEAMS, variables, sizer, f"teams of {org}")
        connection = body["data"]["organization"]["teams"]
        for node in connection["nodes"]:
            members = node["members"]
            found.teams[node["slug"]] = (node["name"], list(members["nodes"]))
            if members["pageInfo"]["hasNextPage"]:
                rest = _more_members(
                    client, org, node["slug"], members["pageInfo"]["endCursor"], member_sizer
                )
                found.teams[node["slug"]][1].extend(rest)
        if not connection["pageInfo"]["hasNextPage"]:
            return found
        after = connection["pageInfo"]["endCursor"]


def _more_members(
    client: GitHubClient, org: str, slug: str, after: str, sizer: PageSizer
) -> list[dict[str, Any]]:
    members: list[dict[str, Any]] = []
    while True:
        variables = {"org": org, "slug": slug, "after": after}
        what = f"members of {org}/{slug}"
        _, body = fetch_adaptive(client, TEAM_MEMBERS, variables, sizer, what)
        connection = body["data"]["organization"]["team"]["members"]
        members += connection["nodes"]
        if not connection["pageInfo"]["hasNextPage"]:
            return members
        after = connection["pageInfo"]["endCursor"]


def stored_open_memberships(engine: sa.Engine, orgs: list[str]) -> pl.DataFrame:
    """Open memberships (``valid_to`` null) of the GitHub teams of ``orgs``."""
    m = s.team_memberships
    if not orgs:
        return pl.DataFrame(schema=table_schema(m))
    of_orgs = sa.or_(*(m.c.team_slug.like(f"{org.lower()}/%") for org in orgs))
    github_teams = sa.select(s.teams.c.slug).where(s.teams.c.source == SOURCE)
    return read_table(
        engine, m, where=m.c.valid_to.is_(None) & of_orgs & m.c.team_slug.in_(github_teams)
    )


def membership_rows(observed: pl.DataFrame, stored_open: pl.DataFrame, today: date) -> pl.DataFrame:
    """Memberships to upsert: those first seen today open today; stored open ones no
    longer observed close today. ``observed``: ``team_slug``, ``person_id``."""
    keys = ["team_slug", "person_id"]
    opened = (
        observed.select(keys)
        .unique()
        .join(stored_open.select(keys), on=keys, how="anti")
        .with_columns(
            pl.lit(today).alias("valid_from"), pl.lit(None, dtype=pl.Date).alias("valid_to")
        )
    )
    closed = (
        stored_open.join(observed.select(keys).unique(), on=keys, how="anti")
        .select(*keys, "valid_from")
        .with_columns(pl.lit(today).alias("valid_to"))
    )
    return pl.concat([opened, closed], how="vertical_relaxed").sort(keys)
