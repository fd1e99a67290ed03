"""Forgetting a person: their identities and personal fields leave the store.

Their work stays in the aggregates under a pseudonym (``person-<random>``), so
team figures do not change, but nothing in the store names them any more: not
the people and identities tables, not the author and committer fields, not the
seat and usage records, not the matched text of AI tags, not commit messages or
PR bodies (co-author trailers), not the raw API payloads kept for re-processing
(rewritten, with new digests). One transaction: all of it or none of it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from aimetrics.errors import AimetricsError
from aimetrics.store import schema as s
from aimetrics.store.version import write_transaction


class UnknownPerson(AimetricsError):
    """No person in the store has that login or email."""


@dataclass(frozen=True)
class Forgotten:
    pseudonym: str
    values: tuple[str, ...]  # the identities that were removed
    rows: dict[str, int]


# (table, column) pairs holding a login, an email or a name, compared exactly.
_EXACT = [
    (s.pull_requests, "author_login"),
    (s.reviews, "reviewer_login"),
    (s.commits, "author_login"),
    (s.commits, "author_email"),
    (s.commits, "author_name"),
    (s.commits, "committer_login"),
    (s.commits, "committer_email"),
    (s.commits, "committer_name"),
    (s.seat_assignments, "login"),
    (s.cost_records, "user_login"),
    (s.copilot_usage, "user_login"),
    (s.copilot_user_teams, "user_login"),
    (s.copilot_adoption_phases, "user_login"),
    (s.vendor_usage, "user_login"),
    (s.cursor_spend_snapshots, "email"),
    (s.cursor_ai_commits, "user_email"),
]
# Free text where a person may be named (co-author trailers, mentions, matched markers).
_TEXT = [
    (s.commits, "message"),
    (s.pull_requests, "body"),
    (s.ai_tags, "matched"),
    (s.vendor_usage, "record"),  # the vendor's row names the user (actor.email_address)
    (s.cursor_spend_snapshots, "record"),  # email and name
    (s.cursor_ai_commits, "record"),  # userEmail
]


def _person_ids(conn: sa.Connection, who: str) -> list[int]:
    value = who.strip().lower()
    ids = conn.execute(
        sa.select(s.identities.c.person_id).where(s.identities.c.value == value)
    ).scalars()
    by_login = conn.execute(
        sa.select(s.people.c.id).where(sa.func.lower(s.people.c.login) == value)
    ).scalars()
    return sorted(set(ids) | set(by_login))


def _spellings(conn: sa.Connection, values: set[str]) -> set[str]:
    """Every spelling (case) of the values as stored in the exact-match columns."""
    found = set(values)
    for table, column in _EXACT:
        col = table.c[column]
        found |= set(
            conn.execute(
                sa.select(col).where(sa.func.lower(col).in_(sorted(values))).distinct()
            ).scalars()
        )
    return {v for v in found if v}


def _names_used(conn: sa.Connection, values: set[str]) -> set[str]:
    """The author and committer names a person committed under (by their email or login)."""
    c = s.commits.c
    names: set[str] = set()
    for name, email, login in (
        (c.author_name, c.author_email, c.author_login),
        (c.committer_name, c.committer_email, c.committer_login),
    ):
        mine = sa.func.lower(email).in_(sorted(values)) | sa.func.lower(login).in_(sorted(values))
        names |= {
            n.lower() for n in conn.execute(sa.select(name).where(mine).distinct()).scalars() if n
        }
    return names


def forget_person(engine: sa.Engine, who: str) -> Forgotten:
    """Remove ``who`` (a login or an email of theirs) from the store; return what was done."""
    pseudonym = f"person-{secrets.token_hex(4)}"
    rows: dict[str, int] = {}
    with write_transaction(engine) as conn:
        ids = _person_ids(conn, who)
        if not ids:
            raise UnknownPerson(
                f"no person with the login or email {who!r} in the store "
                "(`aimetrics tag` lists how many people and identities it knows)"
            )
        idents = conn.execute(
            sa.select(s.identities.c.value).where(s.identities.c.person_id.in_(ids))
        ).scalars()
        logins = conn.execute(sa.select(s.people.c.login, s.people.c.display_name).where(
            s.people.c.id.in_(ids))).all()  # fmt: skip
        values = {v.lower() for v in idents} | {v.lower() for row in logins for v in row if v}
        values |= _names_used(conn, values)
        spellings = _spellings(conn, values)
        for table, column in _EXACT:
            col = table.c[column]
            result = conn.execute(
                sa.update(table).where(col.in_(sorted(spellings))).values({column: pseudonym})
            )
            rows[f"{table.name}.{column}"] = result.rowcount
        # Longest first, so "alice@corp.example" is replaced before "alice"; in free
        # text only values long enough not to be parts of ordinary words.
        for value in sorted((v for v in spellings if len(v) >= 4), key=len, reverse=True):
            for table, column in _TEXT:
                col = table.c[column]
                result = conn.execute(
                    sa.update(table)
                    .where(col.contains(value, autoescape=True))
                    .values({column: sa.func.replace(col, value, pseudonym)})
                )
                key = f"{table.name}.{column}"
                rows[key] = rows.get(key, 0) + result.rowcount
        rows["raw_payloads"] = _rewrite_payloads(conn, spellings, pseudonym)
        conn.execute(sa.delete(s.identities).where(s.identities.c.person_id.in_(ids)))
        keep = ids[0]
        conn.execute(
            sa.update(s.people)
            .where(s.people.c.id == keep)
            .values(login=pseudonym, display_name=pseudonym)
        )
        conn.execute(
            sa.insert(s.identities).values(
                kind="login", value=pseudonym, person_id=keep, source="forgotten"
            )
        )
        # Several person rows for one human (merged identities) become one.
        for other in ids[1:]:
            conn.execute(sa.delete(s.team_memberships).where(
                s.team_memberships.c.person_id == other))  # fmt: skip
            conn.execute(sa.delete(s.people).where(s.people.c.id == other))
    return Forgotten(pseudonym, tuple(sorted(values)), rows)


def _rewrite_payloads(conn: sa.Connection, spellings: set[str], pseudonym: str) -> int:
    """Replace the person's identities in stored API payloads; recompute their digests."""
    changed = 0
    if not any(len(v) >= 4 for v in spellings):
        return 0
    condition = sa.or_(*(s.raw_payloads.c.payload.contains(v, autoescape=True) for v in spellings))
    for pid, payload in conn.execute(
        sa.select(s.raw_payloads.c.id, s.raw_payloads.c.payload).where(condition)
    ).all():
        text = payload
        for value in sorted((v for v in spellings if len(v) >= 4), key=len, reverse=True):
            text = text.replace(value, pseudonym)
        digest = hashlib.sha256(text.encode()).hexdigest()
        conn.execute(
            sa.update(s.raw_payloads)
            .where(s.raw_payloads.c.id == pid)
            .values(payload=text, digest=digest)
        )
        changed += 1
    return changed
