"""People and identities GitHub vouches for: team members, and commit emails with their logins.

Identities stored with source ``github`` are evidence identity resolution
(`aimetrics.tagging.identities`, after collection) keeps as they are: a commit email
GitHub links to a login resolves to that login's person everywhere, also in repositories
only a local clone provides. They are derived from every stored commit GitHub
gave an author login, so they hold however a run ends. A login keeps the
person id the store already gives it; a new one gets ``person_id("login", ...)``.
Identities the configuration (or the demo) asserts are never overwritten.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

import polars as pl
import sqlalchemy as sa
from github import GithubException

from aimetrics.ids import person_id
from aimetrics.store import read_table, write_frames
from aimetrics.store import schema as s
from collectors.github.auth import NotInstalled
from collectors.github.client import GitHubClient, GitHubUnavailable, graphql_error_types
from collectors.github.progress import Reporter
from collectors.github.teams import (
    OrgTeams,
    fetch_teams,
    membership_rows,
    stored_open_memberships,
)

SOURCE = "github"
PROTECTED = ("config", "demo")
"""Identity sources a GitHub observation does not override."""
TEAMS_HELP = (
    "the token needs the read:org scope (fine-grained token or GitHub App: the organization "
    "permission Members: read)"
)


@dataclass(frozen=True)
class Directory:
    """The stored people and identities that new rows must agree with."""

    people: pl.DataFrame
    identities: pl.DataFrame

    @classmethod
    def read(cls, engine: sa.Engine) -> Directory:
        return cls(read_table(engine, s.people), read_table(engine, s.identities))

    def ids(self, logins: pl.Series) -> pl.DataFrame:
        """``login`` (lower-cased) -> ``person_id``: the stored identity's person, else the
        stored person with that login, else a new stable id."""
        by_identity = self.identities.filter(pl.col("kind") == "login").select(
            pl.col("value").alias("login"), pl.col("person_id").alias("_by_identity")
        )
        by_person = self.people.filter(pl.col("login").is_not_null()).select(
            pl.col("login").str.to_lowercase(), pl.col("id").alias("_by_person")
        )
        return (
            pl.DataFrame({"login": logins.str.to_lowercase().unique().sort()})
            .join(by_identity.unique("login"), on="login", how="left")
            .join(by_person.unique("login"), on="login", how="left")
            .with_columns(
                pl.coalesce(
                    "_by_identity",
                    "_by_person",
                    pl.col("login").map_elements(
                        lambda v: person_id("login", v), return_dtype=pl.Int64
                    ),
                ).alias("person_id")
            )
            .select("login", "person_id")
        )


def commit_emails(engine: sa.Engine) -> pl.DataFrame:
    """``email`` -> ``login`` (lower-cased) from stored commits GitHub linked to an author
    login; an email seen with several logins takes the most frequent (then the first)."""
    c = s.commits
    rows = read_table(
        engine,
        c,
        columns=["author_email", "author_login"],
        where=c.c.author_login.is_not(None) & c.c.author_email.is_not(None),
    )
    return (
        rows.select(
            pl.col("author_email").str.to_lowercase().alias("email"),
            pl.col("author_login").str.to_lowercase().alias("login"),
        )
        .filter(pl.col("email") != "")
        .group_by("email", "login")
        .len()
        .sort("email", "len", "login", descending=[False, True, False])
        .unique("email", keep="first", maintain_order=True)
        .select("email", "login")
    )


def _is_bot(login: pl.Expr) -> pl.Expr:
    return login.str.ends_with("[bot]")


def identity_frames(
    directory: Directory,
    *,
    members: pl.DataFrame,
    emails: pl.DataFrame,
    exclude: Iterable[str] = (),
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(people, identities) to upsert.

    ``members`` (``login``, ``name``): people GitHub lists (team members), upserted with
    their display name and a ``login`` identity; a stored person keeps its flags.
    ``emails`` (``email``, ``login``): commit emails, each an ``email`` identity of its
    login's person; a login nobody stores yet becomes a person (identity resolution
    later settles its name and bot flag like any other login's).
    """
    excluded = sorted({e.lower() for e in exclude})
    members = members.select(pl.col("login").str.to_lowercase(), "name").unique(
        "login", keep="first", maintain_order=True
    )
    ids = directory.ids(pl.concat([members["login"], emails["login"]]))
    stored = directory.people.rename({c: f"_{c}" for c in directory.people.columns if c != "id"})
    listed = (
        members.join(ids, on="login")
        .join(stored, left_on="person_id", right_on="id", how="left")
        .select(
            pl.col("person_id").alias("id"),
            pl.coalesce("_login", "login").alias("login"),
            pl.coalesce("name", "_display_name", "login").alias("display_name"),
            pl.coalesce("_is_bot", _is_bot(pl.col("login"))).alias("is_bot"),
            pl.coalesce("_excluded", pl.col("login").is_in(excluded)).alias("excluded"),
        )
    )
    authors = (
        emails.select("login")
        .unique()
        .join(members.select("login"), on="login", how="anti")
        .join(ids, on="login")
        .join(directory.people.select("id"), left_on="person_id", right_on="id", how="anti")
        .select(
            pl.col("person_id").alias("id"),
            "login",
            pl.col("login").alias("display_name"),
            _is_bot(pl.col("login")).alias("is_bot"),
            pl.col("login").is_in(excluded).alias("excluded"),
        )
    )
    people = pl.concat([listed, authors]).unique("id", keep="first").sort("id")

    protected = directory.identities.filter(pl.col("source").is_in(PROTECTED)).select(
        "kind", "value"
    )
    identities = (
        pl.concat(
            [
                members.join(ids, on="login").select(
                    pl.lit("login").alias("kind"), pl.col("login").alias("value"), "person_id"
                ),
                emails.join(ids, on="login").select(
                    pl.lit("email").alias("kind"), pl.col("email").alias("value"), "person_id"
                ),
            ]
        )
        .with_columns(pl.lit(SOURCE).alias("source"))
        .join(protected, on=["kind", "value"], how="anti")
        .unique(["kind", "value"], keep="first")
        .sort("kind", "value")
    )
    return people, identities


# --- the step: teams (when asked for) and identities, after the repositories -------------------


@dataclass
class PeopleResult:
    teams: int = 0
    members: int = 0
    identities: int = 0
    warnings: list[str] = field(default_factory=list)


def _fetch_all(
    orgs: list[str], client_for: Callable[[str], GitHubClient], result: PeopleResult
) -> list[OrgTeams]:
    fetched = []
    for org in orgs:
        try:
            fetched.append(fetch_teams(client_for(org), org))
        except NotInstalled as exc:
            result.warnings.append(f"teams of {org}: {exc}; teams skipped")
        except GitHubUnavailable as exc:
            # its message already names what failed ("teams of ORG: ...")
            result.warnings.append(f"{exc}; teams skipped, stored ones kept")
        except GithubException as exc:
            why = ", ".join(sorted(graphql_error_types(exc))) or f"GitHub answered {exc.status}"
            result.warnings.append(
                f"teams of {org}: not readable ({why}); {TEAMS_HELP}. Teams skipped"
            )
    return fetched


def collect_people(
    engine: sa.Engine,
    *,
    orgs: list[str],
    client_for: Callable[[str], GitHubClient],
    exclude: Iterable[str],
    today: date,
    reporter: Reporter,
    store_lock: threading.Lock,
) -> PeopleResult:
    """Teams of ``orgs`` with dated memberships, their members as people, and every stored
    GitHub commit email as an identity: one transaction."""
    result = PeopleResult()
    fetched = _fetch_all(orgs, client_for, result)
    for warning in result.warnings:
        reporter.warn(warning)
    members = pl.concat([OrgTeams("").members_frame(), *(o.members_frame() for o in fetched)])
    with store_lock:
        directory = Directory.read(engine)
        people, identities = identity_frames(
            directory,
            members=members.select("login", "name"),
            emails=commit_emails(engine),
            exclude=exclude,
        )
        observed = members.with_columns(pl.col("login").str.to_lowercase()).join(
            directory.ids(members["login"]), on="login"
        )
        memberships = membership_rows(
            observed, stored_open_memberships(engine, [o.org for o in fetched]), today
        )
        teams = [(s.teams, o.teams_frame()) for o in fetched]
        write_frames(
            engine,
            [(s.people, people), (s.identities, identities), *teams,
             (s.team_memberships, memberships)],
        )  # fmt: skip
    result.teams = sum(len(o.teams) for o in fetched)
    result.members = observed.height
    result.identities = identities.height
    return result
