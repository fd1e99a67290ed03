"""``Settings``: the whole configuration (every section), and ``store:``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, ClassVar

import yaml
from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

from aimetrics.settings.checks import (
    _at,
    _check_store_url,
    _list_section,
    _Model,
    _refuse_duplicates,
    _section,
)
from aimetrics.settings.costs import AiTool, Budget, RoiSettings
from aimetrics.settings.github import GitHubSettings, _matches_any
from aimetrics.settings.reporting import (
    ExcludeSettings,
    PrivacySettings,
    ReportingSettings,
    RetentionSettings,
    SeatSettings,
    StatisticsSettings,
    TaggingSettings,
)
from aimetrics.settings.teams import Person, Team
from aimetrics.settings.vendors import VendorSettings


class StoreSettings(_Model):
    example: ClassVar[str] = "store: {url: sqlite:///aimetrics.db}"

    url: Annotated[
        str | None,
        AfterValidator(lambda v: v if v is None else _check_store_url(v)),
        Field(examples=["postgresql://aimetrics@db.internal:5432/aimetrics"]),
    ] = None
    """Database URL; None = ``AIMETRICS_DB``, else ``sqlite:///aimetrics.db`` (see the store)."""


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
    budgets: Annotated[list[Budget], BeforeValidator(_list_section)] = []
    seats: Annotated[SeatSettings, BeforeValidator(_section)] = SeatSettings()
    vendors: Annotated[VendorSettings, BeforeValidator(_section)] = VendorSettings()

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
    def _budgets_known(self) -> Settings:
        # A budget for a team the configuration does not define would never see spend:
        # say so now rather than report 0 against it every month.
        slugs = {t.slug.lower() for t in self.teams}
        seen: set[tuple[str, str]] = set()
        for i, budget in enumerate(self.budgets):
            key = (budget.scope, budget.target.lower())
            if key in seen:
                raise _at(f"a second budget for {budget.scope} {budget.target}", "budgets", i)
            seen.add(key)
            if budget.team is not None and self.teams and budget.team.lower() not in slugs:
                raise _at(
                    f"team {budget.team!r} is not in teams: (known: {', '.join(sorted(slugs))})",
                    "budgets", i, "team",
                )  # fmt: skip
        return self

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
