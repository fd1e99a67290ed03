"""Who did the work: authors resolved to people, and who counts as an engineer.

People are identified by login for now: a PR author by its login, a commit
author by its login, else by its email through the ``identities`` table. A
login or email that maps to a person in ``people`` takes that person's key
(their primary login), so one person with several emails or logins counts once.

An *engineer* is a human author: not a bot (``people.is_bot``, GitHub type
``Bot``, a ``[bot]`` login or bot e-mail, GitHub's own automation
addresses), not an AI agent, and not excluded (``people.excluded`` or
``exclude.people`` in the configuration, matched on any login or e-mail of the
person, case-insensitively).
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

# GitHub's own automation: web-flow merges and Actions commit under these addresses.
AUTOMATION_EMAILS = ("noreply@github.com", "actions@github.com")

DIRECTORY_SCHEMA = {
    "kind": pl.String(),
    "value": pl.String(),
    "person_key": pl.String(),
    "is_bot": pl.Boolean(),
    "excluded": pl.Boolean(),
}


def _normalized(values: Iterable[str]) -> list[str]:
    return sorted({v.strip().lower() for v in values if v and v.strip()})


def person_directory(
    people: pl.LazyFrame, identities: pl.LazyFrame, exclude: Iterable[str] = ()
) -> pl.LazyFrame:
    """Every known login and e-mail with the person it belongs to.

    Columns: ``kind`` (login | email | name), ``value`` (lower-cased),
    ``person_key`` (the person's login, else ``person:<id>``), ``is_bot``,
    ``excluded``.
    """
    excluded_values = _normalized(exclude)
    persons = people.select(
        pl.col("id").alias("person_id"),
        pl.coalesce(
            pl.col("login").str.to_lowercase(),
            pl.format("person:{}", pl.col("id")),
        ).alias("person_key"),
        pl.col("login").str.to_lowercase().alias("login"),
        pl.col("is_bot").fill_null(False),
        pl.col("excluded").fill_null(False),
    )
    known = pl.concat(
        [
            identities.select(
                "kind", pl.col("value").str.to_lowercase().alias("value"), "person_id"
            ),
            persons.filter(pl.col("login").is_not_null()).select(
                pl.lit("login").alias("kind"), pl.col("login").alias("value"), "person_id"
            ),
        ]
    ).unique(subset=["kind", "value", "person_id"])
    # A person is excluded when any of their logins or e-mails is in the exclude list.
    excluded_ids = known.filter(pl.col("value").is_in(excluded_values)).select("person_id")
    persons = persons.join(
        excluded_ids.unique().with_columns(pl.lit(True).alias("_listed")),
        on="person_id",
        how="left",
    ).with_columns((pl.col("excluded") | pl.col("_listed").fill_null(False)).alias("excluded"))
    return (
        known.join(persons, on="person_id", how="inner")
        # One value naming two people is a data error; take the lowest key, deterministically.
        .sort("kind", "value", "person_key")
        .unique(subset=["kind", "value"], keep="first", maintain_order=True)
        .select(list(DIRECTORY_SCHEMA))
    )


def _lookup(directory: pl.LazyFrame, kind: str, suffix: str) -> pl.LazyFrame:
    return directory.filter(pl.col("kind") == kind).select(
        pl.col("value").alias(f"_value{suffix}"),
        pl.col("person_key").alias(f"_key{suffix}"),
        pl.col("is_bot").alias(f"_bot{suffix}"),
        pl.col("excluded").alias(f"_excl{suffix}"),
    )


def _bot_values(bots: Iterable[str]) -> list[str]:
    """Bot logins and e-mails, lower-cased, logins both with and without ``[bot]``."""
    values = set(_normalized(bots))
    return sorted(values | {f"{v}[bot]" for v in values if "@" not in v and "[" not in v})


def _bot_login(login: pl.Expr) -> pl.Expr:
    return login.str.ends_with("[bot]")


def with_columns_of(frame: pl.LazyFrame, columns: dict[str, pl.DataType]) -> pl.LazyFrame:
    """``frame`` with each of ``columns`` it lacks added as nulls of its type (frames built
    before a column existed, e.g. PRs without ``author_email``)."""
    have = frame.collect_schema().names()
    missing = [pl.lit(None, dtype).alias(n) for n, dtype in columns.items() if n not in have]
    return frame.with_columns(missing) if missing else frame


def resolve_pr_authors(
    pull_requests: pl.LazyFrame,
    directory: pl.LazyFrame,
    exclude: Iterable[str] = (),
    bots: Iterable[str] = (),
) -> pl.LazyFrame:
    """``pull_requests`` plus ``author_key``, ``author_is_bot`` and ``author_excluded``.

    The login decides; a PR without one (recovered from git) is resolved by its
    ``author_email`` (when the frame has one) exactly as a commit author is
    (:func:`resolve_commit_authors`). ``bots``: logins (or e-mails) of known bots (the
    rule catalogue's ``non_ai_bots``), with or without their ``[bot]`` suffix.
    """
    prs = with_columns_of(pull_requests, {"author_email": pl.String()})
    login = pl.col("author_login").str.to_lowercase()
    # The e-mail speaks only for a PR without a login: GitHub's PRs keep theirs.
    email = pl.when(login.is_null()).then(pl.col("author_email").str.to_lowercase())
    return _resolve(
        prs.with_columns(login.alias("_login"), email.alias("_email")), directory, exclude, bots
    ).with_columns(
        (pl.col("author_is_bot") | (pl.col("author_type") == "Bot").fill_null(False)).alias(
            "author_is_bot"
        )
    )


def resolve_commit_authors(
    commits: pl.LazyFrame,
    directory: pl.LazyFrame,
    exclude: Iterable[str] = (),
    bots: Iterable[str] = (),
) -> pl.LazyFrame:
    """``commits`` plus ``author_key``, ``author_is_bot`` and ``author_excluded``.

    The login decides when it is known to the directory, else the e-mail does;
    an unknown author keeps its own login, else its e-mail, as key. ``bots``:
    logins or e-mails of known bots (the rule catalogue's ``non_ai_bots``).
    """
    login = pl.col("author_login").str.to_lowercase()
    email = pl.col("author_email").str.to_lowercase()
    return _resolve(
        commits.with_columns(login.alias("_login"), email.alias("_email")), directory, exclude, bots
    )


def _resolve(
    frame: pl.LazyFrame, directory: pl.LazyFrame, exclude: Iterable[str], bots: Iterable[str]
) -> pl.LazyFrame:
    """An author by ``_login``, else ``_email`` (both lower-case): key, bot, excluded."""
    excluded_values = _normalized(exclude)
    bot_values = _bot_values(bots)
    return (
        frame.join(
            _lookup(directory, "login", "_l"), left_on="_login", right_on="_value_l", how="left"
        )
        .join(_lookup(directory, "email", "_e"), left_on="_email", right_on="_value_e", how="left")
        .with_columns(
            pl.coalesce("_key_l", "_key_e", "_login", "_email").alias("author_key"),
            (
                pl.coalesce("_bot_l", "_bot_e").fill_null(False)
                | _bot_login(pl.col("_login")).fill_null(False)
                | pl.col("_email").str.contains("[bot]@", literal=True).fill_null(False)
                | pl.col("_email").is_in(list(AUTOMATION_EMAILS)).fill_null(False)
                | pl.col("_login").is_in(bot_values).fill_null(False)
                | pl.col("_email").is_in(bot_values).fill_null(False)
            ).alias("author_is_bot"),
            (
                pl.coalesce("_excl_l", "_excl_e").fill_null(False)
                | pl.col("_login").is_in(excluded_values).fill_null(False)
                | pl.col("_email").is_in(excluded_values).fill_null(False)
            ).alias("author_excluded"),
        )
        .drop("_login", "_email", "_key_l", "_bot_l", "_excl_l", "_key_e", "_bot_e", "_excl_e")
    )


def person_keys(
    frame: pl.LazyFrame, column: str, directory: pl.LazyFrame | None = None
) -> pl.LazyFrame:
    """``person_key`` for the login or e-mail in ``column``: the person it resolves to in
    ``directory`` (:func:`person_directory`), else itself lower-cased, so it matches
    ``merged.author_key``."""
    value = pl.col(column).str.strip_chars().str.to_lowercase()
    if directory is None:
        return frame.with_columns(value.alias("person_key"))
    lookup = directory.select(
        pl.col("kind").alias("_kind"),
        pl.col("value").alias("_value"),
        pl.col("person_key").alias("_person"),
    )
    kind = pl.when(value.str.contains("@")).then(pl.lit("email")).otherwise(pl.lit("login"))
    return (
        frame.with_columns(value.alias("_value"), kind.alias("_kind"))
        .join(lookup, on=["_kind", "_value"], how="left")
        .with_columns(pl.coalesce("_person", "_value").alias("person_key"))
        .drop("_kind", "_value", "_person")
    )
