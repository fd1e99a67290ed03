"""Every figure the exports show for one period and selection, computed once.

``aimetrics export csv`` writes these as CSV files and ``aimetrics report`` lays them
out as the leadership report; both start from :func:`load_figures` (or, with the facts
already in memory as the dashboard caches them, :func:`compute_figures`). Nothing here
defines a metric or a breakdown: each figure comes from the same pure composition the
dashboard's pages use (:mod:`aimetrics.metrics.facts`), privacy included.

As on the dashboard, the filters apply to every figure: the team and tool filters to
spend as well (a team's share of each charge, :func:`aimetrics.metrics.cost.teams.team_spend`),
while spend is not attributed to repositories, so under a repository filter spend,
cost per PR and ROI are undefined. The measured uplift uses the selection's whole history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import sqlalchemy as sa

from aimetrics.errors import AimetricsError
from aimetrics.metrics import facts as views
from aimetrics.metrics.adoption import Selection
from aimetrics.metrics.facts import Facts, Money, View
from aimetrics.metrics.period import Period
from aimetrics.metrics.roi import Roi
from aimetrics.settings import Settings
from aimetrics.store import schema as s
from aimetrics.store.adbc import fetch_frame
from aimetrics.store.engine import safe_url
from aimetrics.store.read import restore_types
from aimetrics.store.types import UTC_DATETIME
from aimetrics.tagging import ruleset_from_settings

BREAKDOWNS = ("team", "repository")  # as on the dashboard's pages


class ExportError(AimetricsError):
    """An export cannot be made as asked (an unknown filter value, no browser for a PDF)."""


@dataclass(frozen=True)
class Figures:
    """The figures of one period and selection, page by page as the dashboard has them."""

    view: View  # period, selection, time zone, privacy and statistics settings
    money: Money  # reporting currency, exchange rates, ROI settings
    settings: Settings
    store: str  # the store's URL, password hidden
    generated_at: dt.datetime  # UTC
    latest_merged_at: dt.datetime | None
    overview: views.OverviewData  # KPI intervals, weekly trend, roll-outs, cycle time
    spend: views.SpendData  # KPIs with spend (current, previous), spend by month, seats
    teams: views.TeamsData  # the team map
    measured: views.Measured  # adoption dates and the throughput uplift (all history)
    roi: Roi | None  # both methods; None when spend is not attributable (repository filter)
    roi_previous: Roi | None  # the same for the previous period (the uplift is the same)
    adoption: dict[str, views.AdoptionData]  # by team and by repository
    delivery: dict[str, views.DeliveryData]
    quality: dict[str, views.QualityData]
    data: views.DataPageData
    people: int  # engineers active in the selection in the period
    # The Adoption page's Copilot usage reports (read apart: see facts.load_copilot_usage).
    copilot: views.CopilotUsageData | None = None

    @property
    def period(self) -> Period:
        return self.view.period

    @property
    def selection(self) -> Selection:
        return self.view.selection

    @property
    def withheld(self) -> bool:
        """True when the selection has 1 .. min_group_size − 1 active engineers: the
        dashboard then shows none of its figures but the whole organization's."""
        return 0 < self.people < self.view.min_group_size

    @property
    def currency(self) -> str:
        return self.money.currency


def non_ai_bots(settings: Settings) -> tuple[str, ...]:
    """The rule catalogue's non-AI bot logins and e-mails (as ``aimetrics tag`` uses them)."""
    rules = ruleset_from_settings(settings)
    return (*rules.non_ai_bots.logins, *rules.non_ai_bots.emails)


def latest_merged_at(engine: sa.Engine) -> dt.datetime | None:
    """The latest ``merged_at`` in the store (one small query; None when nothing merged)."""
    stmt = sa.select(sa.func.max(s.pull_requests.c.merged_at).label("latest"))
    return restore_types(fetch_frame(engine, stmt), {"latest": UTC_DATETIME})["latest"][0]


def default_period(latest: dt.datetime | None, settings: Settings) -> Period:
    """The dashboard's default: the 90 days up to the local day of the latest merge."""
    return Period.ending_at(latest, settings.reporting.timezone)


def load_facts(engine: sa.Engine, settings: Settings) -> Facts:
    """:func:`aimetrics.metrics.facts.load_facts` with the configuration's settings."""
    tagging = settings.tagging
    return views.load_facts(
        engine,
        min_confidence=tagging.min_confidence,
        exclude=tuple(settings.exclude.people),
        bots=non_ai_bots(settings),
        tz=settings.reporting.timezone,
        show_individuals=settings.privacy.show_individuals,
        ai_tools=tuple(settings.ai_tools),
    )


def check_selection(facts: Facts, selection: Selection | None) -> None:
    """Raise :class:`ExportError` for a team, repository or tool the store does not know
    (a typo would otherwise give empty tables that read as no activity)."""
    if selection is None:
        return
    known = {
        "team": facts.teams["slug"].to_list(),
        "repo": list(facts.repositories),
        "tool": facts.tools["id"].to_list(),
    }
    asked = {"team": selection.teams, "repo": selection.repositories, "tool": selection.tools}
    for option, values in asked.items():
        unknown = [v for v in values if v not in known[option]]
        if unknown:
            raise ExportError(
                f"--{option} {unknown[0]!r} is not in the store; known: "
                + (", ".join(known[option]) or "none")
            )


def compute_figures(
    facts: Facts,
    settings: Settings,
    period: Period | None = None,
    selection: Selection | None = None,
    *,
    store: str = "",
    now: dt.datetime | None = None,
    breakdowns: tuple[str, ...] = BREAKDOWNS,
) -> Figures:
    """Every figure of ``period`` (default: :func:`default_period`) and ``selection``.

    ``facts``: :func:`load_facts` with the same ``settings`` (tagging, exclusions,
    time zone and ``privacy.show_individuals`` are baked into them); ``breakdowns``:
    the page breakdowns to compute (the report needs only ``("team",)``).
    """
    check_selection(facts, selection)
    latest = facts.prs["merged_at"].max()
    period = period or default_period(latest, settings)  # type: ignore[arg-type]
    view = views.view_of(settings, period, selection)
    money = views.money_of(settings)
    measured = views.measured(facts, view)

    def roi(p: Period) -> Roi | None:
        parts = views.roi_parts(facts, view, money, p, measured.adoption)
        return views.roi(parts, measured.uplift, money.roi)

    return Figures(
        view=view,
        money=money,
        settings=settings,
        store=safe_url(store) if store else "",
        generated_at=(now or dt.datetime.now(dt.UTC)).replace(microsecond=0),
        latest_merged_at=latest,  # type: ignore[arg-type]
        overview=views.overview(facts, view),
        spend=views.spend(facts, view, money),
        teams=views.teams(facts, view, money, measured.adoption),
        measured=measured,
        roi=roi(period),
        roi_previous=roi(period.previous()),
        adoption={by: views.adoption(facts, view, by) for by in breakdowns},
        delivery={by: views.delivery(facts, view, by) for by in breakdowns},
        quality={by: views.quality(facts, view, by) for by in breakdowns},
        data=views.data_page(facts, view),
        people=views.selection_people(facts, view),
    )


def load_figures(
    engine: sa.Engine,
    settings: Settings,
    period: Period | None = None,
    selection: Selection | None = None,
    *,
    now: dt.datetime | None = None,
    breakdowns: tuple[str, ...] = BREAKDOWNS,
) -> Figures:
    """Read the store and compute :class:`Figures` (see :func:`compute_figures`)."""
    store = engine.url.render_as_string(hide_password=True)
    facts = load_facts(engine, settings)
    figures = compute_figures(
        facts, settings, period, selection, store=store, now=now, breakdowns=breakdowns
    )
    usage = views.copilot_usage(views.load_copilot_usage(engine), facts, figures.view)
    return replace(figures, copilot=usage)
