"""AI-marker rules as configuration: loaded, validated and compiled once.

A rule reads one field of a commit, pull request or review and fires when its
regular expression matches. Patterns run in polars (Rust regex syntax) with
case-insensitive, multi-line flags, exactly as the catalogue documents. A bad
pattern is an error that names the rule and the file it came from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from aimetrics.errors import RulesError

Kind = Literal["authored", "assisted", "reviewed"]
Confidence = Literal["high", "medium", "low"]

# Which entity each field belongs to, and the column it reads.
FIELDS: dict[str, tuple[str, str]] = {
    "commit.message": ("commit", "message"),
    "commit.author_name": ("commit", "author_name"),
    "commit.author_email": ("commit", "author_email"),
    "commit.author_login": ("commit", "author_login"),
    "commit.committer_name": ("commit", "committer_name"),
    "commit.committer_email": ("commit", "committer_email"),
    "commit.committer_login": ("commit", "committer_login"),
    "pr.author_login": ("pull_request", "author_login"),
    "pr.title": ("pull_request", "title"),
    "pr.body": ("pull_request", "body"),
    "pr.head_ref": ("pull_request", "head_ref"),
    "pr.label": ("pull_request", "label"),
    "review.reviewer_login": ("review", "reviewer_login"),
}


def shipped_config(name: str) -> Path:
    """A file of ``config/`` as installed: inside the wheel, or in a source checkout."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "_config" / name, here.parent / "config" / name):
        if candidate.is_file():
            return candidate
    raise RulesError(f"{name} is missing from the installation (expected under config/)")


def default_catalogue_path() -> Path:
    """The shipped AI-marker catalogue."""
    return shipped_config("ai_rules.yaml")


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.:-]+$")
    tool: str = Field(min_length=1)
    kind: Kind
    field: str
    pattern: str = Field(min_length=1)
    confidence: Confidence
    evidence: str | None = None
    note: str | None = None

    @field_validator("field")
    @classmethod
    def _known_field(cls, value: str) -> str:
        if value not in FIELDS:
            raise ValueError(f"unknown field {value!r}; one of: {', '.join(FIELDS)}")
        return value

    @property
    def entity(self) -> str:
        return FIELDS[self.field][0]

    @property
    def column(self) -> str:
        return FIELDS[self.field][1]

    @property
    def regex(self) -> str:
        """The pattern as polars runs it: case-insensitive, ^/$ at line breaks."""
        return f"(?im:{self.pattern})"


class NonAiBots(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    logins: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()


class Catalogue(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = 1
    rules: tuple[Rule, ...]
    non_ai_bots: NonAiBots = NonAiBots()


class RuleSet:
    """The rules in force: catalogue + extra rules − disabled ones, compiled."""

    def __init__(self, rules: Iterable[Rule], non_ai_bots: NonAiBots, origin: str) -> None:
        self.rules: tuple[Rule, ...] = tuple(rules)
        self.non_ai_bots = non_ai_bots
        self.origin = origin
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise RulesError(
                    f"{origin}: rule {rule.id!r} is defined twice; rule ids are unique"
                )
            seen.add(rule.id)
            _check_pattern(rule, origin)

    def for_entity(self, entity: str) -> list[Rule]:
        return [r for r in self.rules if r.entity == entity]

    def by_id(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


def _check_pattern(rule: Rule, origin: str) -> None:
    # Compile with the engine that will run it: polars' Rust regex, not Python's re.
    try:
        pl.select(pl.lit("").str.contains(rule.regex)).item()
    except Exception as exc:
        reason = str(exc).strip().splitlines()
        detail = next(
            (line for line in reason if "error" in line.lower()), reason[0] if reason else ""
        )
        raise RulesError(
            f"{origin}: rule {rule.id!r}: the pattern {rule.pattern!r} is not a valid regular "
            f"expression ({detail.strip()}); patterns use Rust regex syntax "
            "(no look-around or back-references)"
        ) from None


def _parse(data: Any, origin: str) -> Catalogue:
    try:
        return Catalogue.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = list(err["loc"])
            where = ".".join(str(p) for p in loc)
            if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
                rules = data.get("rules") if isinstance(data, Mapping) else None
                rid = (
                    rules[loc[1]].get("id")
                    if isinstance(rules, list) and isinstance(rules[loc[1]], Mapping)
                    else None
                )
                where = f"rule {rid!r} ({where})" if rid else where
            lines.append(f"{origin}: {where}: {err['msg']}")
        raise RulesError("\n".join(lines)) from None


def load_catalogue(path: Path) -> Catalogue:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(f"{path}: cannot read the rule file: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise RulesError(
            f"{path}: byte {exc.start} is not UTF-8 text; save the rule file as UTF-8"
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise RulesError(
            f"{path}:{where} is not valid YAML: {getattr(exc, 'problem', exc)}"
        ) from None
    if not isinstance(data, Mapping):
        raise RulesError(f"{path}: expected a mapping with a 'rules' list at the top level")
    return _parse(data, str(path))


def build_ruleset(
    catalogue_path: Path | None = None,
    extra_rules: Iterable[Mapping[str, Any]] = (),
    disable: Iterable[str] = (),
    extra_origin: str = "tagging.extra_rules",
) -> RuleSet:
    """The rules in force: a catalogue (default: the shipped one), extended and trimmed."""
    path = catalogue_path or default_catalogue_path()
    catalogue = load_catalogue(path)
    extra = _parse({"rules": list(extra_rules)}, extra_origin).rules if extra_rules else ()
    disabled = set(disable)
    known = {r.id for r in catalogue.rules} | {r.id for r in extra}
    unknown = disabled - known
    if unknown:
        raise RulesError(
            f"tagging.disable names unknown rule ids: {', '.join(sorted(unknown))} "
            "(see `aimetrics rules` for the list)"
        )
    # An extra rule with a catalogue rule's id replaces it (a team's own variant).
    extra_ids = {r.id for r in extra}
    rules = [r for r in catalogue.rules if r.id not in extra_ids] + list(extra)
    return RuleSet(
        (r for r in rules if r.id not in disabled),
        catalogue.non_ai_bots,
        origin=f"{path}" + (f" + {extra_origin}" if extra else ""),
    )


def ruleset_from_settings(settings) -> RuleSet:  # type: ignore[no-untyped-def]
    """The rules in force for a configuration (``tagging.*``): the one way to build them."""
    tagging = settings.tagging
    origin = f"{settings.source_file or 'configuration'}: tagging.extra_rules"
    return build_ruleset(
        settings.resolve_path(tagging.rules_file) if tagging.rules_file else None,
        extra_rules=tagging.extra_rules,
        disable=tagging.disable,
        extra_origin=origin,
    )
