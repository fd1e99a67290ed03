"""The view: what the figures depend on besides the facts (period, selection, time zone and
week, privacy and statistics settings), the money settings, the non-AI bots and the default
period, each built from the configuration in one place.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from aimetrics.metrics.adoption import Selection
from aimetrics.metrics.period import Period
from aimetrics.metrics.roi import rates_into
from aimetrics.settings import RoiSettings, Settings, StatisticsSettings
from aimetrics.tagging import ruleset_from_settings


@dataclass(frozen=True)
class View:
    """Everything the figures depend on besides the facts (a cache key for the dashboard)."""

    period: Period
    selection: Selection
    tz: str
    week_start: str
    min_group_size: int
    show_individuals: bool
    statistics: StatisticsSettings
    new_seat_days: int  # seats.new_seat_days


def view_of(settings: Settings, period: Period, selection: Selection | None = None) -> View:
    """The :class:`View` of ``period`` and ``selection`` with the configuration's settings."""
    return View(
        period,
        selection or Selection(),
        settings.reporting.timezone,
        settings.reporting.week_start,
        settings.privacy.min_group_size,
        settings.privacy.show_individuals,
        settings.statistics,
        settings.seats.new_seat_days,
    )


@dataclass(frozen=True)
class Money:
    """What the money figures depend on: reporting currency, exchange rates, ROI settings."""

    currency: str
    rates: tuple[tuple[str, float], ...]  # reporting.exchange_rates, sorted
    roi: RoiSettings

    @property
    def roi_rates(self) -> dict[str, float]:
        """Exchange rates into the ROI currency (``roi.currency``)."""
        return rates_into(self.roi.currency, self.currency, dict(self.rates))


def money_of(settings: Settings) -> Money:
    reporting = settings.reporting
    return Money(reporting.currency, tuple(sorted(reporting.exchange_rates.items())), settings.roi)


def non_ai_bots(settings: Settings) -> tuple[str, ...]:
    """The rule catalogue's non-AI bot logins and e-mails (as ``aimetrics tag`` uses them)."""
    rules = ruleset_from_settings(settings)
    return (*rules.non_ai_bots.logins, *rules.non_ai_bots.emails)


def default_period(latest: dt.datetime | None, settings: Settings) -> Period:
    """The dashboard's default: the 90 days up to the local day of the latest merge."""
    return Period.ending_at(latest, settings.reporting.timezone)


def previous_view(v: View) -> View:
    """The view of the previous period (equal length, just before: ``Period.previous``),
    the one every "vs previous period" change compares with, as on the Overview."""
    return replace(v, period=v.period.previous())
