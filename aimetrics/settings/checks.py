"""Value checks and the base model every settings section derives from.

Each check raises ValueError with a message that reads after "<field path>: "; the
annotated types (``Slug``, ``Login``, ``Day``...) attach them to fields.
"""

from __future__ import annotations

import difflib
import re
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from functools import cache
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from aimetrics.vocabulary import TOOL_IDS, TOOL_NAMES, WEEKDAYS

_MAX_LISTED_PROBLEMS = 25
_NO_ECHO_FIELDS = frozenset(
    {"token_env", "admin_key_env", "url"}
)  # never repeat these values in a message

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
