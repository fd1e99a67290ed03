"""The YAML configuration: pydantic models, file selection and loading.

Every mistake in a configuration file becomes one `ConfigError` whose message names the file, the
line, the field path (``privacy.min_group_size``), what is wrong and an example of what is right.
Several mistakes are listed one per line. Nothing here logs or echoes a token.
"""

from __future__ import annotations

import difflib
import fnmatch
import os
import re
import types
import typing
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from aimetrics.errors import ConfigError
from aimetrics.vocabulary import TOOL_IDS, TOOL_NAMES, WEEKDAYS

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_CONFIG_NAME",
    "DEFAULT_STORE_URL",
    "AiTool",
    "ExcludeSettings",
    "GitHubApp",
    "GitHubSettings",
    "Person",
    "PrivacySettings",
    "ReportingSettings",
    "RetentionSettings",
    "RoiSettings",
    "SeatChange",
    "SeatPlan",
    "Settings",
    "StatisticsSettings",
    "StoreSettings",
    "TaggingSettings",
    "Team",
    "TeamMember",
    "load_settings",
    "parse_settings",
]

CONFIG_ENV = "AIMETRICS_CONFIG"
"""Environment variable naming the configuration file when no path is given."""

DEFAULT_CONFIG_NAME = "aimetrics.yaml"
"""Looked for in the working directory when neither a path nor ``AIMETRICS_CONFIG`` is given."""

DEFAULT_STORE_URL = "sqlite:///aimetrics.db"

_MAX_LISTED_PROBLEMS = 25
_NO_ECHO_FIELDS = frozenset({"token_env", "url"})  # never repeat these values in a message

# --------------------------------------------------------------------------------------------------
# Value checks. Each raises ValueError with a message that reads after "<field path>: ".
# --------------------------------------------------------------------------------------------------


def _show(value: Any) -> str:
    """A short, safe rendering of a scalar input for 'got ...' phrases."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return repr(text)
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple, set, frozenset)):
        return "a list"
    return f"a {type(value).__name__}"


def _suggest(word: str, choices: Iterable[str]) -> str | None:
    choices = list(choices)
    lowered = {c.lower(): c for c in choices}
    if word.lower() in lowered:
        return lowered[word.lower()]
    found = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[found[0]] if found else None


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    best = _suggest(word, choices)
    return f" Did you mean '{best}'?" if best else ""


def _plain_text(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be empty")
    return value


_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _check_slug(value: str) -> str:
    value = value.strip()
    if not _ID_RE.fullmatch(value):
        raise ValueError(
            f"{_show(value)} is not a usable id: use letters, digits, '-', '_' or '.', "
            "without spaces (put the display name in 'name')"
        )
    return value


def _check_login(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("a GitHub login must not be empty")
    if value.startswith("@"):
        raise ValueError(f"write the login without the '@', e.g. {value[1:]!r}")
    if "@" in value:
        raise ValueError(
            f"{_show(value)} looks like an email address, not a GitHub login; "
            "put emails under people[].emails"
        )
    if any(c.isspace() for c in value) or "/" in value:
        raise ValueError(f"{_show(value)} is not a GitHub login (no spaces or '/')")
    return value


def _check_org(value: str) -> str:
    value = value.strip()
    if "/" in value:
        raise ValueError(
            f"{_show(value)} is a repository, not an organization: list it under github.repos"
        )
    if not value or any(c.isspace() for c in value):
        raise ValueError(f"{_show(value)} is not an organization name")
    return value


_REPO_RE = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


def _check_repo(value: str) -> str:
    value = value.strip().removesuffix(".git")
    for prefix in ("https://github.com/", "http://github.com/", "github.com/"):
        if value.startswith(prefix):
            raise ValueError(f"write just 'owner/name', without {prefix!r}")
    if not _REPO_RE.fullmatch(value):
        raise ValueError(f"{_show(value)} is not 'owner/name'")
    return value


_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+$")


def _check_email(value: str) -> str:
    value = value.strip()
    if not _EMAIL_RE.fullmatch(value):
        raise ValueError(f"{_show(value)} is not an email address")
    return value.lower()


_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")


def _check_currency(value: str) -> str:
    if not _CURRENCY_RE.fullmatch(value):
        if _CURRENCY_RE.fullmatch(value.upper()):
            raise ValueError(f"{_show(value)}: write currency codes in capitals: {value.upper()}")
        raise ValueError(f"{_show(value)} is not a currency code: use 3 capital letters (ISO 4217)")
    return value


_ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TOKEN_PREFIXES = ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "sk-")


def _looks_like_token(value: str) -> bool:
    if value.startswith(_TOKEN_PREFIXES):
        return True
    upper_snake = re.fullmatch(r"[A-Z][A-Z0-9_]*", value) is not None
    return len(value) >= 30 and not upper_snake


def _check_env_name(value: str) -> str:
    # Never include the value in these messages: it may be a token pasted by mistake.
    value = value.strip()
    if _looks_like_token(value):
        raise ValueError(
            "this looks like a token itself (value not shown). Never put the token in the file: "
            "put the NAME of the environment variable that holds it here, and export the token "
            "in that variable (export GITHUB_TOKEN=...)"
        )
    if not _ENV_NAME_RE.fullmatch(value):
        raise ValueError(
            "must be the name of an environment variable (letters, digits and '_', "
            "not starting with a digit)"
        )
    return value


def _check_base_url(value: str) -> str:
    value = value.strip()
    if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
        raise ValueError(
            f"{_show(value)} is not an http(s) URL (GitHub Enterprise Server: https://HOST/api/v3)"
        )
    return value.rstrip("/")


_DB_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


def _check_store_url(value: str) -> str:
    # Not echoed: a database URL may carry a password.
    value = value.strip()
    if not _DB_URL_RE.match(value):
        raise ValueError(
            "is not a database URL (value not shown); use sqlite:///PATH "
            "or postgresql://USER@HOST:5432/DB"
        )
    return value


def _check_tool_id(value: str) -> str:
    value = value.strip()
    if value not in TOOL_NAMES:
        raise ValueError(
            f"unknown AI tool {_show(value)}.{_did_you_mean(value, TOOL_IDS)} "
            f"Valid ids: {', '.join(TOOL_IDS)}"
        )
    return value


@cache
def _time_zone_names() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones() | {"UTC"}))


def _check_time_zone(value: str) -> str:
    value = value.strip()
    try:
        zoneinfo.ZoneInfo(value)
    except Exception:  # ZoneInfoNotFoundError, ValueError for malformed keys, OSError, ...
        raise ValueError(
            f"{_show(value)} is not a time zone name.{_did_you_mean(value, _time_zone_names())} "
            "Use an IANA name such as Europe/Berlin or America/New_York"
        ) from None
    return value


def _check_weekday(value: Any) -> Any:
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in WEEKDAYS:
            return lowered
        raise ValueError(
            f"{_show(value)} is not a weekday name.{_did_you_mean(lowered, WEEKDAYS)} "
            f"Use one of {', '.join(WEEKDAYS)}"
        )
    return value


_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _to_date(value: Any) -> Any:
    """Accept YAML dates and quoted 'YYYY-MM-DD' text; refuse timestamps and numbers."""
    if value is None:
        return value
    if isinstance(value, datetime):
        raise ValueError(f"must be a day, without a time: write {value.date().isoformat()}")
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _DATE_RE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError(f"{_show(value)} is not a real date ({exc})") from None
    raise ValueError(f"must be a date written YYYY-MM-DD, got {_show(value)}")


Text = Annotated[str, AfterValidator(_plain_text)]
Slug = Annotated[str, AfterValidator(_check_slug)]
Login = Annotated[str, AfterValidator(_check_login)]
OrgName = Annotated[str, AfterValidator(_check_org)]
RepoName = Annotated[str, AfterValidator(_check_repo)]
Email = Annotated[str, AfterValidator(_check_email)]
Currency = Annotated[str, AfterValidator(_check_currency)]
Day = Annotated[date, BeforeValidator(_to_date)]
Money = Annotated[float, Field(ge=0, allow_inf_nan=False)]
PositiveRate = Annotated[float, Field(gt=0, allow_inf_nan=False)]


def _at(message: str, *where: str | int) -> PydanticCustomError:
    """An error raised by a container validator but located at one of its items."""
    return PydanticCustomError("aimetrics", "{message}", {"message": message, "at": where})


# --------------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        populate_by_name=True,
        coerce_numbers_to_str=True,
    )
    example: ClassVar[str] = ""
    """A one-line YAML example of this mapping, shown when the mapping as a whole is wrong."""


def _section(value: Any) -> Any:
    """An empty section (`privacy:` with every key commented out) means 'all defaults'."""
    return {} if value is None else value


def _list_section(value: Any) -> Any:
    return [] if value is None else value


class StoreSettings(_Model):
    example: ClassVar[str] = "store: {url: sqlite:///aimetrics.db}"

    url: Annotated[
        str | None,
        AfterValidator(lambda v: v if v is None else _check_store_url(v)),
        Field(examples=["postgresql://aimetrics@db.internal:5432/aimetrics"]),
    ] = None
    """Database URL; None = ``AIMETRICS_DB``, else ``sqlite:///aimetrics.db`` (see the store)."""


class GitHubApp(_Model):
    example: ClassVar[str] = (
        "app: {app_id: 123456, private_key_file: secrets/app.pem, installation_id: 7890123}"
    )

    app_id: Annotated[int, Field(gt=0, examples=[123456])]
    private_key_file: Annotated[Path, Field(examples=["secrets/aimetrics-app.pem"])]
    installation_id: Annotated[int | None, Field(gt=0, examples=[7890123])] = None


class GitHubSettings(_Model):
    model_config = ConfigDict(hide_input_in_errors=True)
    example: ClassVar[str] = "github: {orgs: [my-org], token_env: GITHUB_TOKEN}"

    base_url: Annotated[str, AfterValidator(_check_base_url)] = Field(
        "https://api.github.com", examples=["https://github.example.com/api/v3"]
    )
    token_env: Annotated[str, AfterValidator(_check_env_name)] = Field(
        "GITHUB_TOKEN", examples=["GITHUB_TOKEN"]
    )
    app: GitHubApp | None = None
    orgs: Annotated[list[OrgName], Field(examples=[["my-org"]])] = []
    repos: Annotated[list[RepoName], Field(examples=[["my-org/payments-api"]])] = []
    include: Annotated[list[Text], Field(examples=[["*"]])] = ["*"]
    exclude: Annotated[list[Text], Field(examples=[["*-archive", "sandbox-*"]])] = []
    include_forks: bool = False
    include_archived: bool = False
    enterprise: Annotated[Slug | None, Field(examples=["my-enterprise"])] = None
    teams_from_github: bool = False
    max_parallel_repos: Annotated[int, Field(ge=1, le=64)] = 4

    def token(self) -> str | None:
        """The token from the variable named by ``token_env``; None when unset or empty."""
        return os.environ.get(self.token_env) or None

    @property
    def is_enterprise_server(self) -> bool:
        """True for GitHub Enterprise Server (a base URL other than api.github.com)."""
        return self.base_url != "https://api.github.com"

    def selects_repo(self, full_name: str, *, fork: bool = False, archived: bool = False) -> bool:
        """Whether a repository found in an org passes include/exclude, fork and archive filters.

        Patterns containing '/' match ``owner/name``; others match the name alone (fnmatch).
        Repositories listed in ``repos`` are always selected.
        """
        if full_name.lower() in {r.lower() for r in self.repos}:
            return True
        if (fork and not self.include_forks) or (archived and not self.include_archived):
            return False
        return _matches_any(full_name, self.include) and not _matches_any(full_name, self.exclude)


def _matches_any(full_name: str, patterns: Iterable[str]) -> bool:
    name = full_name.rsplit("/", 1)[-1].lower()
    for pattern in patterns:
        target = full_name.lower() if "/" in pattern else name
        if fnmatch.fnmatchcase(target, pattern.lower()):
            return True
    return False


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


class SeatChange(_Model):
    example: ClassVar[str] = "- {from: 2026-01-01, count: 20}"

    valid_from: Annotated[Day, Field(alias="from", examples=[date(2026, 1, 1)])]
    count: Annotated[int, Field(ge=0, examples=[20])]


class SeatPlan(_Model):
    example: ClassVar[str] = (
        "- {name: business, price_per_seat_month: 19, currency: USD, start: 2026-01-01, "
        "seats: [{from: 2026-01-01, count: 20}]}"
    )

    name: Annotated[Text, Field(examples=["business"])]
    price_per_seat_month: Annotated[Money, Field(examples=[19])]
    currency: Annotated[Currency, Field(examples=["USD"])] = "USD"
    start: Annotated[Day | None, Field(examples=[date(2026, 1, 1)])] = None
    end: Annotated[Day | None, Field(examples=[date(2026, 12, 31)])] = None
    seats: Annotated[
        list[SeatChange],
        BeforeValidator(_list_section),
        Field(examples=[[{"from": date(2026, 1, 1), "count": 20}]]),
    ] = []
    holders: Annotated[list[Login], Field(examples=[["alice", "bob"]])] = []

    @model_validator(mode="after")
    def _dates_in_order(self) -> SeatPlan:
        if self.start and self.end and self.end <= self.start:
            raise _at(f"'end' ({self.end}) must be after 'start' ({self.start})", "end")
        for i, change in enumerate(self.seats):
            if i and change.valid_from <= self.seats[i - 1].valid_from:
                raise _at(
                    f"seat changes must be in ascending date order: {change.valid_from} "
                    f"comes after {self.seats[i - 1].valid_from} (seats[{i - 1}])",
                    "seats",
                    i,
                    "from",
                )
            if self.start and change.valid_from < self.start:
                raise _at(
                    f"seat change on {change.valid_from} is before the plan's start ({self.start})",
                    "seats",
                    i,
                    "from",
                )
        return self

    def seats_on(self, day: date) -> int:
        """Seats paid for on ``day`` (0 outside the plan's dates or before the first change)."""
        if (self.start and day < self.start) or (self.end and day >= self.end):
            return 0
        count = 0
        for change in self.seats:
            if change.valid_from <= day:
                count = change.count
        return count


class AiTool(_Model):
    example: ClassVar[str] = (
        "- {id: github-copilot, plans: [{name: business, price_per_seat_month: 19}]}"
    )

    id: Annotated[str, AfterValidator(_check_tool_id), Field(examples=["github-copilot"])]
    name: Annotated[Text, Field(examples=["GitHub Copilot"])]
    plans: Annotated[list[SeatPlan], BeforeValidator(_list_section)] = []

    @model_validator(mode="before")
    @classmethod
    def _default_name(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("name") is None:
            tool = data.get("id")
            name = TOOL_NAMES.get(tool, tool) if isinstance(tool, str) else None
            if name:
                return {**data, "name": name}
        return data

    @field_validator("plans")
    @classmethod
    def _unique_plan_names(cls, plans: list[SeatPlan]) -> list[SeatPlan]:
        _refuse_duplicates([p.name for p in plans], "plan name", "name")
        return plans


class RoiSettings(_Model):
    example: ClassVar[str] = "roi: {currency: USD, loaded_hourly_cost: 100}"

    currency: Currency = "USD"
    loaded_hourly_cost: Money = 100
    hours_per_week: Annotated[float, Field(gt=0, le=168, allow_inf_nan=False)] = 40
    hours_saved_per_ai_user_per_week: Annotated[float, Field(ge=0, allow_inf_nan=False)] = 2

    @model_validator(mode="after")
    def _saved_within_week(self) -> RoiSettings:
        if self.hours_saved_per_ai_user_per_week > self.hours_per_week:
            raise _at(
                f"{self.hours_saved_per_ai_user_per_week:g} hours saved is more than the "
                f"{self.hours_per_week:g} hours in a working week",
                "hours_saved_per_ai_user_per_week",
            )
        return self


class ExcludeSettings(_Model):
    example: ClassVar[str] = "exclude: {people: [contractor-bob], repos: [my-org/sandbox-*]}"

    people: Annotated[list[Login], Field(examples=[["contractor-bob", "deploy-bot"]])] = []
    repos: Annotated[list[Text], Field(examples=[["my-org/legacy-*"]])] = []


class ReportingSettings(_Model):
    example: ClassVar[str] = "reporting: {timezone: Europe/Berlin, week_start: monday}"

    timezone: Annotated[
        str, AfterValidator(_check_time_zone), Field(examples=["Europe/Berlin"])
    ] = "UTC"
    week_start: Annotated[
        Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
        BeforeValidator(_check_weekday),
    ] = "monday"
    currency: Currency = "USD"
    exchange_rates: Annotated[
        dict[Currency, PositiveRate],
        BeforeValidator(lambda v: {} if v is None else v),
        Field(examples=[{"EUR": 1.08}]),
    ] = {}

    @model_validator(mode="after")
    def _own_rate_is_one(self) -> ReportingSettings:
        own = self.exchange_rates.get(self.currency)
        if own is not None and own != 1:
            raise _at(
                f"the rate of the reporting currency {self.currency} to itself must be 1",
                "exchange_rates",
                self.currency,
            )
        return self

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def week_start_index(self) -> int:
        """0 for Monday ... 6 for Sunday (as ``date.weekday()``)."""
        return WEEKDAYS.index(self.week_start)

    def to_reporting(self, amount: float, currency: str) -> float:
        """Convert an amount into the reporting currency."""
        if currency == self.currency:
            return amount
        try:
            return amount * self.exchange_rates[currency]
        except KeyError:
            raise ConfigError(
                f"reporting.exchange_rates: no rate for {currency} into {self.currency}. "
                f"For example: exchange_rates: {{{currency}: 1.10}}"
            ) from None


class PrivacySettings(_Model):
    example: ClassVar[str] = "privacy: {min_group_size: 5, show_individuals: false}"

    min_group_size: Annotated[int, Field(ge=1)] = 5
    show_individuals: bool = False


class RetentionSettings(_Model):
    example: ClassVar[str] = "retention: {raw_payload_days: 90}"

    raw_payload_days: Annotated[int | None, Field(ge=1, examples=[90])] = None
    """Prune raw API payloads older than this many days (None: keep them all). Normalized
    rows are kept; only re-normalizing that old data without a re-fetch is given up."""


class TaggingSettings(_Model):
    example: ClassVar[str] = "tagging: {min_confidence: medium, disable: [cursor-branch-prefix]}"

    min_confidence: Literal["high", "medium", "low"] = "medium"
    rules_file: Annotated[Path | None, Field(examples=["config/our_ai_rules.yaml"])] = None
    extra_rules: Annotated[list[dict[str, Any]], BeforeValidator(_list_section)] = []
    disable: Annotated[list[Text], Field(examples=[["cursor-branch-prefix"]])] = []


class StatisticsSettings(_Model):
    example: ClassVar[str] = "statistics: {min_engineers: 8, min_prs: 30}"

    min_engineers: Annotated[int, Field(ge=1)] = 8
    min_prs: Annotated[int, Field(ge=1)] = 30
    bootstrap_samples: Annotated[int, Field(ge=100, le=1_000_000)] = 1000
    confidence_level: Annotated[float, Field(gt=0, lt=1)] = 0.9
    seed: Annotated[int, Field(ge=0)] = 7


def _refuse_duplicates(values: Sequence[str], what: str, key: str) -> None:
    seen: dict[str, int] = {}
    for i, value in enumerate(values):
        folded = value.lower()
        if folded in seen:
            raise _at(
                f"{what} '{value}' appears twice (first at [{seen[folded]}]); each must be unique",
                i,
                key,
            )
        seen[folded] = i


class Settings(_Model):
    """The whole configuration. ``Settings()`` is valid: every key has a default."""

    store: Annotated[StoreSettings, BeforeValidator(_section)] = StoreSettings()
    github: Annotated[GitHubSettings, BeforeValidator(_section)] = GitHubSettings()
    teams: Annotated[list[Team], BeforeValidator(_list_section)] = []
    people: Annotated[list[Person], BeforeValidator(_list_section)] = []
    ai_tools: Annotated[list[AiTool], BeforeValidator(_list_section)] = []
    roi: Annotated[RoiSettings, BeforeValidator(_section)] = RoiSettings()
    exclude: Annotated[ExcludeSettings, BeforeValidator(_section)] = ExcludeSettings()
    reporting: Annotated[ReportingSettings, BeforeValidator(_section)] = ReportingSettings()
    privacy: Annotated[PrivacySettings, BeforeValidator(_section)] = PrivacySettings()
    tagging: Annotated[TaggingSettings, BeforeValidator(_section)] = TaggingSettings()
    statistics: Annotated[StatisticsSettings, BeforeValidator(_section)] = StatisticsSettings()
    retention: Annotated[RetentionSettings, BeforeValidator(_section)] = RetentionSettings()

    _source_file: Path | None = PrivateAttr(None)

    @property
    def source_file(self) -> Path | None:
        """The file these settings were read from (absolute), or None for defaults."""
        return self._source_file

    @field_validator("teams")
    @classmethod
    def _unique_teams(cls, teams: list[Team]) -> list[Team]:
        _refuse_duplicates([t.slug for t in teams], "team slug", "slug")
        return teams

    @field_validator("people")
    @classmethod
    def _unique_people(cls, people: list[Person]) -> list[Person]:
        _refuse_duplicates([p.login for p in people], "login", "login")
        return people

    @field_validator("ai_tools")
    @classmethod
    def _unique_tools(cls, tools: list[AiTool]) -> list[AiTool]:
        _refuse_duplicates([t.id for t in tools], "AI tool", "id")
        return tools

    @model_validator(mode="after")
    def _currencies_convertible(self) -> Settings:
        reporting = self.reporting
        used: list[tuple[str, tuple[str | int, ...]]] = [(self.roi.currency, ("roi", "currency"))]
        for t, tool in enumerate(self.ai_tools):
            for p, plan in enumerate(tool.plans):
                used.append((plan.currency, ("ai_tools", t, "plans", p, "currency")))
        for currency, where in used:
            if currency != reporting.currency and currency not in reporting.exchange_rates:
                raise _at(
                    f"{currency} differs from the reporting currency {reporting.currency} and "
                    f"reporting.exchange_rates has no rate for it; add one, e.g. "
                    f"exchange_rates: {{{currency}: 1.10}}",
                    *where,
                )
        return self

    # -- helpers -----------------------------------------------------------------------------------

    def resolve_path(self, path: str | Path) -> Path:
        """A path from the config, relative to the config file's folder (or working directory)."""
        path = Path(path).expanduser()
        if path.is_absolute() or self._source_file is None:
            return path
        return self._source_file.parent / path

    def team(self, slug: str) -> Team | None:
        return next((t for t in self.teams if t.slug.lower() == slug.lower()), None)

    def tool(self, tool_id: str) -> AiTool | None:
        return next((t for t in self.ai_tools if t.id == tool_id), None)

    def is_excluded_person(self, login: str) -> bool:
        return login.lower() in {p.lower() for p in self.exclude.people}

    def is_excluded_repo(self, full_name: str) -> bool:
        """True when ``exclude.repos`` lists the repository (exactly or by glob)."""
        return _matches_any(full_name, self.exclude.repos)

    def to_yaml(self) -> str:
        """The settings as YAML that `parse_settings` reads back to equal settings."""
        data = self.model_dump(mode="json", by_alias=True)
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


# --------------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------------


def load_settings(path: str | Path | None = None) -> Settings:
    """Read the configuration.

    The file is ``path``, else the file named by ``AIMETRICS_CONFIG``, else ``./aimetrics.yaml`` if
    it exists; with none of these the defaults are returned. Raises `ConfigError` for every mistake.
    """
    chosen, how = _choose_file(path)
    if chosen is None:
        return Settings()
    text = _read_text(chosen, how)
    return parse_settings(text, source=chosen)


def parse_settings(text: str, source: str | Path = "<config>") -> Settings:
    """Validate configuration text; ``source`` names the file in error messages."""
    name = str(source)
    root, data = _parse_yaml(text, name)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        line = root.start_mark.line + 1 if root is not None else 1
        raise ConfigError(
            f"{name}, line {line}: the file must be a mapping of sections such as 'github:' and "
            f"'privacy:', but it is {_show(data)}. For example: privacy: {{min_group_size: 5}}"
        )
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        problems = [_problem(error, root) for error in exc.errors(include_url=False)]
        raise ConfigError(_format(name, problems)) from None
    if isinstance(source, Path):
        settings._source_file = source.absolute()
    return settings


def _choose_file(path: str | Path | None) -> tuple[Path | None, str]:
    if path is not None and str(path) != "":
        return Path(path).expanduser(), ""
    env = os.environ.get(CONFIG_ENV, "").strip()
    if env:
        return Path(env).expanduser(), f" (named by {CONFIG_ENV})"
    local = Path(DEFAULT_CONFIG_NAME)
    if local.exists():
        return local, " (found in the working directory)"
    return None, ""


def _read_text(path: Path, how: str) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: config file not found{how}. Copy config/aimetrics.example.yaml to start one, "
            f"or pass an existing file, e.g. --config config/aimetrics.yaml"
        ) from None
    except IsADirectoryError:
        raise ConfigError(
            f"{path}: is a folder, not a config file{how}. "
            f"For example: --config {path / DEFAULT_CONFIG_NAME}"
        ) from None
    except PermissionError:
        raise ConfigError(
            f"{path}: config file cannot be read (permission denied){how}. "
            f"Make it readable by this user, e.g. chmod 644 {path}"
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"{path}: config file cannot be read: {exc.strerror or exc}{how}"
        ) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}, line {line}: not UTF-8 text (byte 0x{raw[exc.start]:02x}). "
            "Save the file as UTF-8 YAML, e.g. 'privacy: {min_group_size: 5}'"
        ) from None


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys and reports bad scalars with their position."""

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except yaml.YAMLError:
            raise
        except (ValueError, TypeError, AttributeError, OverflowError) as exc:
            # e.g. `2026-02-30` (resolved as a date, then out of range) or `!!int abc`
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read the value {node.value!r}: {exc}", node.start_mark
            ) from None

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[tuple[str, str], int] = {}
        for key_node, _value in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = (key_node.tag, key_node.value)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"the key '{key_node.value}' appears twice in this mapping (first on line "
                    f"{seen[key] + 1}); keep only one",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep)


_YAML_HINT = (
    "Hint: nested keys are indented with spaces under their section, "
    "e.g. 'privacy:' then '  min_group_size: 5' on the next line"
)
_YAML_HINTS = (
    ("'\\t'", "Hint: indent with spaces, not tabs, e.g. '  min_group_size: 5'"),
    ("appears twice", "Delete one of the two lines"),
    ("cannot read the value", "For example: a real date written YYYY-MM-DD, such as 2026-03-01"),
    ("another document", "Hint: keep one document, e.g. remove the '---' line"),
    ("could not determine a constructor", "Hint: remove the '!tag', e.g. count: 20"),
    ("found undefined alias", "Hint: define '&name' before using '*name'"),
    ("flow sequence", "Hint: close each '[' with ']' on the same line, e.g. orgs: [acme, beta]"),
    ("flow mapping", "Hint: close each '{' with '}', e.g. privacy: {min_group_size: 5}"),
    (
        "mapping values are not allowed",
        "Hint: check the indentation of this line, and quote a value containing ': ', "
        'e.g. name: "Payments: core"',
    ),
)


def _parse_yaml(text: str, name: str) -> tuple[Node | None, Any]:
    loader: _Loader | None = None
    try:
        loader = _Loader(text)  # the reader already refuses some characters here
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "malformed YAML"
        if exc.context and exc.problem and exc.context_mark and exc.context_mark != mark:
            problem += f" ({exc.context} on line {exc.context_mark.line + 1})"
        hint = next((h for needle, h in _YAML_HINTS if needle in str(exc)), _YAML_HINT)
        raise ConfigError(f"{name}{where}: malformed YAML: {problem}. {hint}") from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise ConfigError(
            f"{name}, line {line}: malformed YAML: the control character U+{code:04X} is not "
            'allowed in YAML text. Delete it (e.g. retype the line as name: "Payments")'
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{name}: malformed YAML: {exc}") from None
    except RecursionError:
        raise ConfigError(
            f"{name}: malformed YAML: values are nested too deeply. "
            "Configuration needs only a few levels, e.g. privacy: {min_group_size: 5}"
        ) from None
    finally:
        if loader is not None:
            loader.dispose()
    return root, data


# --------------------------------------------------------------------------------------------------
# Turning pydantic errors into messages
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Problem:
    line: int | None
    path: str
    message: str


def _format(name: str, problems: list[_Problem]) -> str:
    problems = sorted(set(problems), key=lambda p: (p.line or 0, p.path, p.message))

    def one(p: _Problem) -> str:
        where = f"line {p.line}: " if p.line else ""
        field = f"{p.path}: " if p.path else ""
        return f"{where}{field}{p.message}"

    if len(problems) == 1:
        p = problems[0]
        prefix = f"{name}, line {p.line}" if p.line else name
        field = f"{p.path}: " if p.path else ""
        return f"{prefix}: {field}{p.message}"
    lines = [f"{name}: {len(problems)} problems in the configuration:"]
    lines += [f"  {one(p)}" for p in problems[:_MAX_LISTED_PROBLEMS]]
    if len(problems) > _MAX_LISTED_PROBLEMS:
        lines.append(f"  ... and {len(problems) - _MAX_LISTED_PROBLEMS} more")
    return "\n".join(lines)


def _problem(error: Mapping[str, Any], root: Node | None) -> _Problem:
    ctx = error.get("ctx") or {}
    loc: tuple[Any, ...] = tuple(error["loc"]) + tuple(ctx.get("at", ()))
    # pydantic marks errors about a dict's keys with a trailing "[key]"
    key_error = bool(loc) and loc[-1] == "[key]"
    loc = tuple(part for part in loc if part != "[key]")
    if error["type"] == "invalid_key":  # a key YAML read as a number, boolean or null
        loc = loc[:-1]
    path = _path_text(loc)
    line, node = _node_at(root, loc)
    if error["type"] == "invalid_key" and isinstance(node, MappingNode):
        line = next(
            (k.start_mark.line + 1 for k, _ in node.value if k.tag != "tag:yaml.org,2002:str"),
            line,
        )
    message = _describe(error, loc, ctx)
    if key_error:
        message = f"key {message}"
    example = _example(loc) if error["type"] != "extra_forbidden" else None
    if example and "For example" not in message and "e.g." not in message:
        message = f"{message}. For example: {example}"
    return _Problem(line, path, message)


def _path_text(loc: Sequence[Any]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int) and not isinstance(part, bool):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _node_at(root: Node | None, loc: Sequence[Any]) -> tuple[int | None, Node | None]:
    """The 1-based line of the YAML node at ``loc`` (or of its nearest existing ancestor)."""
    if root is None:
        return None, None
    node: Node = root
    line = root.start_mark.line + 1
    for part in loc:
        if isinstance(node, MappingNode):
            for key_node, value_node in reversed(node.value):  # the last duplicate wins in YAML
                if isinstance(key_node, ScalarNode) and key_node.value == str(part):
                    line, node = key_node.start_mark.line + 1, value_node
                    break
            else:
                break
        elif isinstance(node, SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line, node


_TYPE_MESSAGES = {
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number, not a fraction",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be text",
    "string_unicode": "must be text",
    "list_type": "must be a list",
    "dict_type": "must be a mapping of 'key: value' pairs",
    "model_type": "must be a mapping of 'key: value' pairs",
    "model_attributes_type": "must be a mapping of 'key: value' pairs",
    "path_type": "must be a file path",
    "date_type": "must be a date written YYYY-MM-DD",
    "date_parsing": "must be a date written YYYY-MM-DD",
    "date_from_datetime_parsing": "must be a date written YYYY-MM-DD",
    "date_from_datetime_inexact": "must be a day, without a time",
    "recursion_loop": "refers to itself (a YAML alias loop)",
}
_BOUND_MESSAGES = {
    "greater_than_equal": ("ge", "must be at least {}"),
    "greater_than": ("gt", "must be more than {}"),
    "less_than_equal": ("le", "must be at most {}"),
    "less_than": ("lt", "must be less than {}"),
}
_SYNONYMS = {
    "token": "token_env",
    "github_token": "token_env",
    "since": "from",
    "date": "from",
    "until": "to",
    "seat_count": "count",
    "price": "price_per_seat_month",
    "tz": "timezone",
    "time_zone": "timezone",
    "db": "url",
    "database": "url",
    "organizations": "orgs",
    "repositories": "repos",
    "email": "emails",
    "tools": "ai_tools",
}


def _describe(error: Mapping[str, Any], loc: Sequence[Any], ctx: Mapping[str, Any]) -> str:
    kind = error["type"]
    value = error.get("input")
    echo = not (loc and loc[-1] in _NO_ECHO_FIELDS)
    if kind == "missing":
        return "is required but missing"
    if kind == "invalid_key":
        return (
            f"a key reads as {_show(value)}, not as text (YAML reads unquoted yes/no/on/off, "
            "numbers and null as values): quote it, e.g. 'on': ..."
        )
    if kind == "extra_forbidden":
        return _unknown_key(loc)
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind == "aimetrics":
        return str(error["msg"])
    if kind == "literal_error":
        got = f", got {_show(value)}" if echo else ""
        return f"must be one of {ctx.get('expected', '')}{got}"
    if kind in _BOUND_MESSAGES:
        key, template = _BOUND_MESSAGES[kind]
        got = f", got {_show(value)}" if echo else ""
        bound = ctx.get(key)
        return template.format(f"{bound:g}" if isinstance(bound, float) else bound) + got
    if kind in _TYPE_MESSAGES:
        got = f", got {_show(value)}" if echo else ""
        return _TYPE_MESSAGES[kind] + got
    return str(error["msg"])


def _unknown_key(loc: Sequence[Any]) -> str:
    key = str(loc[-1]) if loc else ""
    allowed = _keys_at(loc[:-1])
    if key in {"token", "github_token"} and "token_env" in allowed:
        return (
            "the token itself never goes in the file (value not shown). Export it in an "
            "environment variable and name that variable in token_env. "
            "For example: token_env: GITHUB_TOKEN"
        )
    hint = ""
    synonym = _SYNONYMS.get(key.lower())
    best = synonym if synonym in allowed else _suggest(key, allowed)
    if best:
        hint = f" Did you mean '{best}'?"
    else:
        elsewhere = _paths_of_key(key)
        if elsewhere:
            hint = f" It belongs elsewhere: {' or '.join(elsewhere)}."
    valid = f" Valid keys here: {', '.join(sorted(allowed))}." if allowed else ""
    return f"unknown key '{key}'.{hint}{valid}"


# -- walking the models along an error location ----------------------------------------------------


def _unwrap(tp: Any) -> Any:
    """Strip Annotated and Optional wrappers."""
    while True:
        origin = typing.get_origin(tp)
        if origin is Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _field(model: type[BaseModel], key: str) -> tuple[str, FieldInfo] | None:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info.alias or name, info
    return None


def _resolve(loc: Sequence[Any]) -> tuple[Any, tuple[str, FieldInfo] | None]:
    """The type at ``loc`` and the last model field passed on the way (None if lost)."""
    tp: Any = Settings
    last: tuple[str, FieldInfo] | None = None
    for part in loc:
        tp = _unwrap(tp)
        if _is_model(tp) and isinstance(part, str):
            found = _field(tp, part)
            if found is None:
                return None, None
            last, tp = found, found[1].annotation
        elif typing.get_origin(tp) is list and isinstance(part, int):
            tp = typing.get_args(tp)[0]
        elif typing.get_origin(tp) is dict:
            tp = typing.get_args(tp)[1]
        else:
            return None, None
    return _unwrap(tp), last


def _keys_at(loc: Sequence[Any]) -> list[str]:
    tp, _ = _resolve(loc)
    if not _is_model(tp):
        return []
    return [info.alias or name for name, info in tp.model_fields.items()]


@cache
def _key_index() -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}

    def visit(model: type[BaseModel], prefix: str) -> None:
        for name, info in model.model_fields.items():
            key = info.alias or name
            path = f"{prefix}.{key}" if prefix else key
            index.setdefault(key, []).append(path)
            tp = _unwrap(info.annotation)
            if typing.get_origin(tp) is list:
                tp, path = _unwrap(typing.get_args(tp)[0]), f"{path}[]"
            if _is_model(tp):
                visit(tp, path)

    visit(Settings, "")
    return {key: tuple(paths) for key, paths in index.items()}


def _paths_of_key(key: str) -> tuple[str, ...]:
    return _key_index().get(key, ())


def _flow(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=10**6, sort_keys=False).strip()
    return text.removesuffix("...").strip()


def _example(loc: Sequence[Any]) -> str | None:
    tp, last = _resolve(loc)
    if _is_model(tp) and tp.example:
        return tp.example
    if last is None:
        return None
    key, info = last
    if info.examples:
        return f"{key}: {_flow(info.examples[0])}"
    default = info.get_default(call_default_factory=True)
    if default is None or default == [] or default == {} or isinstance(default, BaseModel):
        return None
    return f"{key}: {_flow(default)}"
