"""``exclude:``, ``reporting:``, ``privacy:``, ``retention:``, ``tagging:`` and
``statistics:``: how figures are reported, hidden, kept and judged.
"""

from __future__ import annotations

import zoneinfo
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from aimetrics.errors import ConfigError
from aimetrics.settings.checks import (
    Currency,
    Login,
    PositiveRate,
    Text,
    _at,
    _check_time_zone,
    _check_weekday,
    _list_section,
    _Model,
)
from aimetrics.vocabulary import WEEKDAYS


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
    # E-mails of signed-in users who see per-person lists (idle seat holders) on the
    # dashboard even without show_individuals; only with sign-in configured.
    administrators: Annotated[list[Text], Field(examples=[["eng-manager@example.com"]])] = []


class SeatSettings(_Model):
    example: ClassVar[str] = "seats: {new_seat_days: 14}"

    new_seat_days: Annotated[int, Field(ge=0, le=365)] = 14
    """A seat assigned fewer days ago than this is "new", never idle."""


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
