"""Identity resolution: commit emails, names and logins resolved to people.

Each human counts once across repositories and sources; bots count separately.
Evidence, strongest first:
1. the configuration's ``people`` (login, extra emails, other names): source ``config``;
2. identities another stage stored (the GitHub collector, the demo): kept as they are;
3. a commit whose author (or committer) email comes with a GitHub login;
4. GitHub's no-reply form ``ID+login@users.noreply.github.com`` (or ``login@...``);
5. an email nothing resolves becomes its own person, and is listed as *unresolved*
   so that a manager can add it to the right person in the configuration.

Derived identities (3–5) are recomputed on every run (source ``derived``), so a
configuration change takes effect without re-fetching anything.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl
import sqlalchemy as sa

from aimetrics.ids import person_id
from aimetrics.store import Replace, read_table, write_frames
from aimetrics.store import schema as s
from aimetrics.tagging.classify import login_key
from aimetrics.tagging.rules import RuleSet

_NOREPLY = r"^(?:\d+\+)?([^@]+)@users\.noreply\.github\.com$"
AUTHORITATIVE = ("config", "demo", "github")
RECOMPUTED = ("config", "derived", "unresolved")


def _agent_logins(ruleset: RuleSet) -> list[str]:
    return [r.regex for r in ruleset.rules if r.field in ("pr.author_login", "commit.author_login")]


def _is_bot(login: pl.Expr, ruleset: RuleSet) -> pl.Expr:
    agents = "|".join(_agent_logins(ruleset)) or "^$"
    bots = [b.lower() for b in ruleset.non_ai_bots.logins]
    return (
        login.str.ends_with("[bot]") | login_key(login).is_in(bots) | login.str.contains(agents)
    ).fill_null(False)


def is_bot_email(email: pl.Expr, ruleset: RuleSet) -> pl.Expr:
    """Whether a commit author's e-mail is a bot's or an AI agent's, not a person's.

    The rule catalogue decides, as for logins (:func:`_is_bot`): its non-AI bot e-mails, an
    agent's e-mail rule (``commit.author_email``), any ``[bot]@`` address, and GitHub's
    no-reply form of a bot or agent login (``ID+login@users.noreply.github.com``).
    """
    agents = "|".join(r.regex for r in ruleset.rules if r.field == "commit.author_email")
    lower = email.str.to_lowercase()
    return (
        lower.is_in([e.lower() for e in ruleset.non_ai_bots.emails])
        | lower.str.contains("[bot]@", literal=True)
        | lower.str.contains(agents or "^$")
        | _is_bot(lower.str.extract(_NOREPLY, 1), ruleset)
    ).fill_null(False)


def _pr_emails(pull_requests: pl.DataFrame) -> pl.DataFrame:
    """``email, login, name`` of PR authors known by e-mail (recovered from git)."""
    if "author_email" not in pull_requests.columns:
        return pl.DataFrame(schema={"email": pl.String, "login": pl.String, "name": pl.String})
    return pull_requests.filter(pl.col("author_login").is_null()).select(
        pl.col("author_email").alias("email"),
        pl.lit(None, pl.String).alias("login"),
        pl.lit(None, pl.String).alias("name"),
    )


def _config_frames(people: Iterable, exclude: set[str]) -> tuple[pl.DataFrame, pl.DataFrame]:  # type: ignore[type-arg]
    persons, idents = [], []
    for p in people:
        pid = person_id("login", p.login)
        values = {("login", p.login.lower())}
        values |= {("email", e.lower()) for e in p.emails}
        values |= {("name", n.lower()) for n in (*getattr(p, "names", ()), p.name) if n}
        persons.append(
            {
                "id": pid,
                "login": p.login.lower(),
                "display_name": p.name or p.login,
                "is_bot": False,
                "excluded": bool({v for _, v in values} & exclude),
            }
        )
        idents += [{"kind": k, "value": v, "person_id": pid, "source": "config"} for k, v in values]
    return (
        pl.DataFrame(persons, schema=_PEOPLE),
        pl.DataFrame(idents, schema=_IDENTS),
    )


_PEOPLE = {
    "id": pl.Int64,
    "login": pl.String,
    "display_name": pl.String,
    "is_bot": pl.Boolean,
    "excluded": pl.Boolean,
}
_IDENTS = {"kind": pl.String, "value": pl.String, "person_id": pl.Int64, "source": pl.String}


def resolve_frames(
    *,
    commits: pl.DataFrame,
    pull_requests: pl.DataFrame,
    reviews: pl.DataFrame,
    stored_identities: pl.DataFrame,
    config_people: Iterable = (),  # type: ignore[type-arg]
    exclude: Iterable[str] = (),
    ruleset: RuleSet,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(people, identities) to upsert. Pure: works on frames, testable without a store."""
    excluded = {e.lower() for e in exclude}
    cfg_people, cfg_idents = _config_frames(config_people, excluded)
    known = pl.concat(
        [
            cfg_idents,
            stored_identities.filter(pl.col("source").is_in(AUTHORITATIVE[1:])).select(
                list(_IDENTS)
            ),
        ]
    ).unique(subset=["kind", "value"], keep="first", maintain_order=True)

    # Logins seen anywhere; each is a person unless an identity already maps it.
    logins = (
        pl.concat(
            [
                pull_requests.select(pl.col("author_login").alias("login")),
                reviews.select(pl.col("reviewer_login").alias("login")),
                commits.select(pl.col("author_login").alias("login")),
                commits.select(pl.col("committer_login").alias("login")),
            ]
        )
        .drop_nulls()
        .select(pl.col("login").str.to_lowercase())
        .unique()
        .join(
            known.filter(pl.col("kind") == "login"), left_on="login", right_on="value", how="anti"
        )
        .sort("login")
    )
    login_people = logins.select(
        pl.col("login")
        .map_elements(lambda v: person_id("login", v), return_dtype=pl.Int64)
        .alias("id"),
        "login",
        pl.col("login").alias("display_name"),
        _is_bot(pl.col("login"), ruleset).alias("is_bot"),
        pl.col("login").is_in(list(excluded)).alias("excluded"),
    )
    login_idents = login_people.select(
        pl.lit("login").alias("kind"),
        pl.col("login").alias("value"),
        pl.col("id").alias("person_id"),
        pl.lit("derived").alias("source"),
    )
    by_login = pl.concat([known, login_idents]).filter(pl.col("kind") == "login")

    # Emails: from commits that carry a login, from the no-reply form, else unresolved.
    pairs = (
        pl.concat(
            [
                commits.select(
                    pl.col("author_email").alias("email"),
                    pl.col("author_login").alias("login"),
                    pl.col("author_name").alias("name"),
                ),
                commits.select(
                    pl.col("committer_email").alias("email"),
                    pl.col("committer_login").alias("login"),
                    pl.col("committer_name").alias("name"),
                ),
                # A PR recovered from git names its author by e-mail only.
                _pr_emails(pull_requests),
            ]
        )
        .filter(pl.col("email").is_not_null() & (pl.col("email") != ""))
        .with_columns(
            pl.col("email").str.to_lowercase(),
            pl.coalesce(
                pl.col("login"), pl.col("email").str.to_lowercase().str.extract(_NOREPLY, 1)
            )
            .str.to_lowercase()
            .alias("login"),
        )
    )
    email_login = (
        pairs.drop_nulls("login")
        .group_by("email", "login")
        .len()
        .sort("email", "len", "login", descending=[False, True, False])
        .unique(subset="email", keep="first", maintain_order=True)
        .join(by_login.select(pl.col("value").alias("login"), "person_id"), on="login")
        .select(
            pl.lit("email").alias("kind"),
            pl.col("email").alias("value"),
            "person_id",
            pl.lit("derived").alias("source"),
        )
        # An email the configuration or the GitHub API already resolved keeps that
        # evidence (and its source): derived rows only fill the gaps.
        .join(known.select("kind", "value"), on=["kind", "value"], how="anti")
    )
    resolved = pl.concat([known, email_login]).unique(
        subset=["kind", "value"], keep="first", maintain_order=True
    )
    unresolved = (
        pairs.join(
            resolved.filter(pl.col("kind") == "email"),
            left_on="email",
            right_on="value",
            how="anti",
        )
        .group_by("email")
        .agg(pl.col("name").drop_nulls().mode().sort().first().alias("name"))
        .sort("email")
    )
    unresolved = unresolved.with_columns(
        pl.col("email")
        .map_elements(lambda v: person_id("email", v), return_dtype=pl.Int64)
        .alias("id")
    )
    email_people = unresolved.select(
        "id",
        pl.lit(None, dtype=pl.String).alias("login"),
        pl.coalesce("name", "email").alias("display_name"),
        # The catalogue decides, as for PR authors: bot e-mails, agents' addresses, and
        # GitHub's no-reply form of a bot's or an agent's login (198982749+Copilot@...).
        is_bot_email(pl.col("email"), ruleset).alias("is_bot"),
        pl.col("email").is_in(list(excluded)).alias("excluded"),
    )
    email_idents = unresolved.select(
        pl.lit("email").alias("kind"),
        pl.col("email").alias("value"),
        pl.col("id").alias("person_id"),
        pl.lit("unresolved").alias("source"),
    )

    people = pl.concat([cfg_people, login_people, email_people]).unique("id", keep="first")
    identities = pl.concat([cfg_idents, login_idents, email_login, email_idents]).unique(
        subset=["kind", "value"], keep="first", maintain_order=True
    )
    return people.sort("id"), identities.sort("kind", "value")


def resolve_identities(engine: sa.Engine, ruleset: RuleSet, settings) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Recompute derived identities over everything stored; return counts."""
    people, identities = resolve_frames(
        commits=read_table(
            engine,
            s.commits,
            columns=[
                "author_name",
                "author_email",
                "author_login",
                "committer_name",
                "committer_email",
                "committer_login",
            ],
        ),
        pull_requests=read_table(
            engine, s.pull_requests, columns=["author_login", "author_type", "author_email"]
        ),
        reviews=read_table(engine, s.reviews, columns=["reviewer_login", "reviewer_type"]),
        stored_identities=read_table(engine, s.identities),
        config_people=settings.people,
        exclude=settings.exclude.people,
        ruleset=ruleset,
    )
    write_frames(
        engine,
        [(s.people, people), (s.identities, identities)],
        replace=[Replace(s.identities, s.identities.c.source.in_(RECOMPUTED))],
    )
    return {
        "people": people.height,
        "identities": identities.height,
        "unresolved": int((identities["source"] == "unresolved").sum()),
    }
