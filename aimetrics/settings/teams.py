"""``teams:`` and ``people:``: teams with dated memberships, people with their identities."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator, Field, field_validator, model_validator

from aimetrics.settings.checks import Day, Email, Login, Slug, Text, _at, _list_section, _Model


class TeamMember(_Model):
    example: ClassVar[str] = "members: [alice, {login: bob, from: 2026-03-01, to: 2026-09-01}]"

    login: Annotated[Login, Field(examples=["alice"])]
    valid_from: Annotated[Day | None, Field(alias="from", examples=[date(2026, 3, 1)])] = None
    """First day in the team (inclusive); None = always."""
    valid_to: Annotated[Day | None, Field(alias="to", examples=[date(2026, 9, 1)])] = None
    """First day no longer in the team (exclusive); None = still there."""

    @model_validator(mode="after")
    def _period_order(self) -> TeamMember:
        if self.valid_from and self.valid_to and self.valid_to <= self.valid_from:
            raise _at(f"'to' ({self.valid_to}) must be after 'from' ({self.valid_from})", "to")
        return self

    def active_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day < self.valid_to
        )


def _member_entry(value: Any) -> Any:
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return {"login": value}
    return value


def _overlaps(a: TeamMember, b: TeamMember) -> bool:
    a_from, b_from = a.valid_from or date.min, b.valid_from or date.min
    a_to, b_to = a.valid_to or date.max, b.valid_to or date.max
    return a_from < b_to and b_from < a_to


class Team(_Model):
    example: ClassVar[str] = "- {slug: payments, name: Payments, members: [alice, bob]}"

    slug: Annotated[Slug, Field(examples=["payments"])]
    name: Annotated[Text, Field(examples=["Payments"])]
    members: Annotated[
        list[Annotated[TeamMember, BeforeValidator(_member_entry)]],
        BeforeValidator(_list_section),
        Field(examples=[["alice", {"login": "bob", "from": date(2026, 3, 1)}]]),
    ] = []

    @model_validator(mode="before")
    @classmethod
    def _default_name(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("name") is None:
            slug = data.get("slug")
            if isinstance(slug, str):
                return {**data, "name": slug.strip()}
        return data

    @field_validator("members")
    @classmethod
    def _no_overlapping_membership(cls, members: list[TeamMember]) -> list[TeamMember]:
        for i, member in enumerate(members):
            for j in range(i):
                other = members[j]
                if other.login.lower() == member.login.lower() and _overlaps(other, member):
                    raise _at(
                        f"'{member.login}' is listed twice for overlapping periods "
                        f"(also members[{j}]); give each stay its own from/to dates",
                        i,
                    )
        return members

    def members_on(self, day: date) -> list[str]:
        """Logins in the team on ``day``."""
        return [m.login for m in self.members if m.active_on(day)]


class Person(_Model):
    example: ClassVar[str] = "- {login: alice, name: Alice Example, emails: [alice@corp.example]}"

    login: Annotated[Login, Field(examples=["alice"])]
    name: Annotated[Text | None, Field(examples=["Alice Example"])] = None
    emails: Annotated[list[Email], Field(examples=[["alice@corp.example"]])] = []
    names: Annotated[list[Text], Field(examples=[["Alice E.", "alice-laptop"]])] = []
    """Other author names this person commits under."""
