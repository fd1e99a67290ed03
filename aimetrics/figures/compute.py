"""Every figure of one period and selection, computed once: what the exports show.

``aimetrics export csv`` writes these as CSV files and ``aimetrics report`` lays them
out as the leadership report; both start from :func:`load_figures` (or, with the facts
already in memory as the dashboard caches them, :func:`compute_figures`). Nothing here
defines a metric or a breakdown: each figure comes from the page builders the
dashboard's pages use (this package's modules), privacy included.

As on the dashboard, the filters apply to every figure: the team and tool filters to
spend as well (a team's share of each charge, :func:`aimetrics.metrics.cost.teams.team_spend`),
while spend is not attributed to repositories, so under a repository filter spend,
cost per PR and ROI are undefined. The measured uplift uses the selection's whole history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

import polars as pl
import sqlalchemy as sa

from aimetrics.figures.adoption import AdoptionData, adoption
from aimetrics.figures.ai_lines import AiWrittenData, ai_lines_export, ai_written_for
from aimetrics.figures.budget import budgets
from aimetrics.figures.copilot import CopilotUsageData, copilot_usage
from aimetrics.figures.copilot_phases import CopilotPhasesData, copilot_phases
from aimetrics.figures.cost import SpendData, roi, roi_parts, spend
from aimetrics.figures.data_page import DataPageData, data_page
from aimetrics.figures.delivery import DeliveryData, delivery
from aimetrics.figures.facts import Facts, load_facts_for
from aimetrics.figures.measured import Measured, measured
from aimetrics.figures.overview import OverviewData, TeamsData, overview, teams
from aimetrics.figures.quality import QualityData, quality
from aimetrics.figures.selection import check_selection, selection_people
from aimetrics.figures.store_reads import (
    load_copilot_phases,
    load_copilot_usage,
    load_copilot_user_teams,
)
from aimetrics.figures.team_actions import team_actions
from aimetrics.figures.tool_share import ToolShares, tool_shares
from aimetrics.figures.view import Money, View, default_period, money_of, view_of
from aimetrics.metrics.adoption import Selection
from aimetrics.metrics.period import Period
from aimetrics.metrics.roi import Roi
from aimetrics.settings import Settings
from aimetrics.store.engine import safe_url

BREAKDOWNS = ("team", "repository")  # as on the dashboard's pages


@dataclass(frozen=True)
class Figures:
    """The figures of one period and selection, page by page as the dashboard has them."""

    view: View  # period, selection, time zone, privacy and statistics settings
    money: Money  # reporting currency, exchange rates, ROI settings
    settings: Settings
    store: str  # the store's URL, password hidden
    generated_at: dt.datetime  # UTC
    latest_merged_at: dt.datetime | None
    overview: OverviewData  # KPI intervals, weekly trend, roll-outs, cycle time
    spend: SpendData  # KPIs with spend (current, previous), spend by month, seats
    teams: TeamsData  # the team map
    measured: Measured  # adoption dates and the throughput uplift (all history)
    roi: Roi | None  # both methods; None when spend is not attributable (repository filter)
    roi_previous: Roi | None  # the same for the previous period (the uplift is the same)
    adoption: dict[str, AdoptionData]  # by team and by repository
    delivery: dict[str, DeliveryData]
    quality: dict[str, QualityData]
    data: DataPageData
    people: int  # engineers active in the selection in the period
    tool_shares: ToolShares  # each tool's share of the measured value in the period
    team_actions: pl.DataFrame  # team_actions: one row per team, sorted by spend
    budgets: pl.DataFrame  # budget_status of each configured budget (none: no rows)
    # The Seats & usage page's Copilot usage reports (read apart: store_reads.load_copilot_usage).
    copilot: CopilotUsageData | None = None
    # Its Copilot adoption phases (read apart too: store_reads.load_copilot_phases).
    copilot_phases: CopilotPhasesData | None = None
    # The AI-written share of added lines (line evidence), by team and by repository, and
    # ai-lines.csv's rows (figures.ai_lines).
    ai_written: dict[str, AiWrittenData] = field(default_factory=dict)
    ai_lines: pl.DataFrame = field(default_factory=pl.DataFrame)

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
    """Every figure of ``period`` (default: :func:`~aimetrics.figures.view.default_period`)
    and ``selection``.

    ``facts``: :func:`~aimetrics.figures.facts.load_facts_for` with the same ``settings``
    (tagging, exclusions, time zone and ``privacy.show_individuals`` are baked into them);
    ``breakdowns``: the page breakdowns to compute (the report needs only ``("team",)``).
    """
    check_selection(facts, selection)
    latest = facts.prs["merged_at"].max()
    period = period or default_period(latest, settings)  # type: ignore[arg-type]
    view = view_of(settings, period, selection)
    money = money_of(settings)
    measures = measured(facts, view)

    def both_methods(p: Period) -> Roi | None:
        parts = roi_parts(facts, view, money, p, measures.adoption)
        return roi(parts, measures.uplift, money.roi)

    generated = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    spent = spend(facts, view, money)
    team_map = teams(facts, view, money, measures)
    by = {b: adoption(facts, view, b) for b in breakdowns}
    by_team = by["team"] if "team" in by else adoption(facts, view, "team")
    return Figures(
        view=view,
        money=money,
        settings=settings,
        store=safe_url(store) if store else "",
        generated_at=generated,
        latest_merged_at=latest,  # type: ignore[arg-type]
        overview=overview(facts, view),
        spend=spent,
        teams=team_map,
        measured=measures,
        roi=both_methods(period),
        roi_previous=both_methods(period.previous()),
        adoption=by,
        delivery={by: delivery(facts, view, by) for by in breakdowns},
        quality={by: quality(facts, view, by) for by in breakdowns},
        data=data_page(facts, view),
        people=selection_people(facts, view),
        tool_shares=tool_shares(facts, view),
        team_actions=team_actions(facts, view, team_map.map, by_team.by_group, spent.idle),
        # As of the figures' own "now", so an export or report made with ``now`` is reproducible.
        budgets=budgets(facts, settings, today=generated.date()),
        ai_written={b: ai_written_for(facts, view, b) for b in breakdowns},
        ai_lines=ai_lines_export(facts.ai_lines, view),
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
    facts = load_facts_for(engine, settings)
    figures = compute_figures(
        facts, settings, period, selection, store=store, now=now, breakdowns=breakdowns
    )
    user_teams = load_copilot_user_teams(engine)  # teams of people in none of ours
    usage = copilot_usage(load_copilot_usage(engine), facts, figures.view, user_teams)
    phases = copilot_phases(load_copilot_phases(engine), facts, figures.view, user_teams)
    return replace(figures, copilot=usage, copilot_phases=phases)
