"""Identity resolution: one person per human across emails, logins and repositories."""

from __future__ import annotations

import polars as pl
import sqlalchemy as sa

from aimetrics.settings import Person, Settings
from aimetrics.store import read_table, write_frames
from aimetrics.store import schema as s
from aimetrics.tagging import build_ruleset
from aimetrics.tagging.identities import person_id, resolve_frames, resolve_identities

RULES = build_ruleset()
COMMIT_COLS = [
    "author_name", "author_email", "author_login",
    "committer_name", "committer_email", "committer_login",
]  # fmt: skip


def _commits(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=dict.fromkeys(COMMIT_COLS, pl.String), orient="row")


def _resolve(commits: pl.DataFrame, prs=None, config=(), exclude=()):  # type: ignore[no-untyped-def]
    return resolve_frames(
        commits=commits,
        pull_requests=prs
        if prs is not None
        else pl.DataFrame(schema={"author_login": pl.String, "author_type": pl.String}),
        reviews=pl.DataFrame(schema={"reviewer_login": pl.String, "reviewer_type": pl.String}),
        stored_identities=pl.DataFrame(
            schema={
                "kind": pl.String,
                "value": pl.String,
                "person_id": pl.Int64,
                "source": pl.String,
            }
        ),
        config_people=config,
        exclude=exclude,
        ruleset=RULES,
    )


def test_email_with_login_and_noreply_resolve_to_one_person() -> None:
    people, idents = _resolve(
        _commits(
            [
                (
                    "Alice",
                    "alice@corp.example",
                    "alice",
                    "GitHub",
                    "noreply@github.com",
                    "web-flow",
                ),
                ("Alice S", "12345+Alice@users.noreply.github.com", None, None, None, None),
                ("Bob", "bob@corp.example", None, None, None, None),
            ]
        )
    )
    alice = person_id("login", "alice")
    lookup = dict(zip(zip(idents["kind"], idents["value"], strict=True), idents["person_id"],
                      strict=True))  # fmt: skip
    assert lookup[("email", "alice@corp.example")] == alice
    assert lookup[("email", "12345+alice@users.noreply.github.com")] == alice
    # Bob's email resolves to nothing: his own person, reported as unresolved.
    bob = idents.filter(pl.col("value") == "bob@corp.example").row(0, named=True)
    assert bob["source"] == "unresolved" and bob["person_id"] == person_id(
        "email", "bob@corp.example"
    )
    assert people.filter(pl.col("id") == bob["person_id"])["display_name"].to_list() == ["Bob"]


def test_config_people_merge_emails_and_exclude() -> None:
    cfg = [
        Person(login="carol", name="Carol C", emails=["carol@home.example", "carol@corp.example"])
    ]
    people, idents = _resolve(
        _commits(
            [
                ("Carol", "carol@home.example", None, None, None, None),
                ("Carol", "carol@corp.example", None, None, None, None),
                ("Dan", "dan@contractor.example", None, None, None, None),
            ]
        ),
        config=cfg,
        exclude=["dan@contractor.example"],
    )
    carol = person_id("login", "carol")
    assert set(idents.filter(pl.col("person_id") == carol)["value"]) >= {
        "carol", "carol@home.example", "carol@corp.example",
    }  # fmt: skip
    assert people.filter(pl.col("excluded"))["display_name"].to_list() == ["Dan"]


def test_bots_and_agents_are_marked() -> None:
    prs = pl.DataFrame(
        {
            "author_login": ["dependabot[bot]", "Copilot", "erin", "renovate"],
            "author_type": ["Bot", "Bot", "User", "Bot"],
        }
    )
    people, _ = _resolve(_commits([]), prs=prs)
    bots = dict(zip(people["login"], people["is_bot"], strict=True))
    assert bots == {"dependabot[bot]": True, "copilot": True, "erin": False, "renovate": True}


def test_agents_known_only_by_address_are_bots_in_a_git_only_store() -> None:
    """Read by ``collect git`` (no logins), an agent's address still makes a bot: the
    catalogue's agent logins in GitHub's no-reply form and its agents' e-mails; a person's
    own no-reply address, or an address at a tool vendor's domain, stays a person."""
    people, idents = _resolve(
        _commits(
            [
                ("Copilot", "198982749+Copilot@users.noreply.github.com", None, None, None, None),
                ("OpenDevin", "opendevin@all-hands.dev", None, None, None, None),
                (
                    "claude[bot]",
                    "209825114+claude[bot]@users.noreply.github.com",
                    None,
                    None,
                    None,
                    None,
                ),
                ("Claude Fan", "1024+claude@users.noreply.github.com", None, None, None, None),
                ("Hubber", "hubber@github.com", None, None, None, None),
            ]
        )
    )
    bot = dict(zip(idents["value"], idents["person_id"], strict=True))
    is_bot = dict(zip(people["id"], people["is_bot"], strict=True))
    assert is_bot[bot["198982749+copilot@users.noreply.github.com"]] is True
    assert is_bot[bot["opendevin@all-hands.dev"]] is True
    assert is_bot[bot["209825114+claude[bot]@users.noreply.github.com"]] is True
    assert is_bot[bot["1024+claude@users.noreply.github.com"]] is False
    assert is_bot[bot["hubber@github.com"]] is False


def test_resolution_in_the_store_is_repeatable(engine: sa.Engine) -> None:
    write_frames(
        engine,
        [
            (s.repositories, pl.DataFrame({"id": [1], "full_name": ["a/b"], "source": ["git"]})),
            (
                s.commits,
                _commits([("Fay", "fay@corp.example", "fay", None, None, None)]).with_columns(
                    repo_id=pl.lit(1), sha=pl.lit("f1")
                ),
            ),
        ],
    )

    cfg = Settings.model_validate({"people": [{"login": "fay", "emails": ["fay@home.example"]}]})
    first = resolve_identities(engine, RULES, cfg)
    second = resolve_identities(engine, RULES, cfg)
    assert first == second == {"people": 1, "identities": 3, "unresolved": 0}
    assert read_table(engine, s.identities).height == 3


def test_github_evidence_is_kept_not_relabelled() -> None:
    stored = pl.DataFrame(
        {
            "kind": ["login", "email"],
            "value": ["gina", "gina@corp.example"],
            "person_id": [person_id("login", "gina")] * 2,
            "source": ["github", "github"],
        }
    )
    _, idents = resolve_frames(
        commits=_commits([("Gina", "gina@corp.example", "gina", None, None, None)]),
        pull_requests=pl.DataFrame(schema={"author_login": pl.String, "author_type": pl.String}),
        reviews=pl.DataFrame(schema={"reviewer_login": pl.String, "reviewer_type": pl.String}),
        stored_identities=stored,
        ruleset=RULES,
    )
    # Nothing to add: the stored GitHub rows already say who this is.
    assert idents.filter(pl.col("value") == "gina@corp.example").is_empty()
