"""Cached loaders of the Overview and Cost & ROI pages: spend against value.

The figures are :mod:`aimetrics.figures`' (as the exports' and the report's),
computed from the same cached :class:`aimetrics.figures.facts.Facts` as every page;
this module only caches them. The measured uplift (a bootstrap over the whole
history) does not depend on the period, so it is cached apart: changing the period
or the ROI calculator's inputs never reruns it.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from aimetrics.figures import cost as cost_figures
from aimetrics.figures import measured as measured_figures
from aimetrics.figures import overview as overview_figures
from aimetrics.figures import view as views
from aimetrics.figures.budget import budgets as budget_rows
from aimetrics.figures.cost import RoiParts, SpendData, roi
from aimetrics.figures.measured import Measured
from aimetrics.figures.overview import OverviewData, TeamsData
from aimetrics.figures.team_actions import team_actions as team_action_rows
from aimetrics.figures.view import Money
from aimetrics.metrics.adoption import Selection
from aimetrics.metrics.period import Period
from aimetrics.settings import RoiSettings, Settings, StatisticsSettings
from dashboard.loaders import (
    DATA_TTL_SECONDS,
    MODEL_HASH,
    Scope,
    View,
    adoption,
    facts,
    on_disk,
    view_facts,
)

__all__ = [
    "budgets", "money", "overview", "roi", "roi_parts", "spend", "team_actions", "teams",
    "view_measured",
]  # fmt: skip

_HASH = {**MODEL_HASH, RoiSettings: lambda r: r.model_dump_json()}


def money(settings: Settings) -> Money:
    return views.money_of(settings)


# --- measured uplift: the whole history, cached apart from the period ---------------------


@st.cache_data(ttl=DATA_TTL_SECONDS, show_spinner="Measuring the uplift…", hash_funcs=_HASH)
@on_disk
def measured(
    scope: Scope,
    selection: Selection,
    tz: str,
    week_start: str,
    statistics: StatisticsSettings,
    show_individuals: bool,
    _view: View,
) -> Measured:
    """:func:`aimetrics.figures.measured.measured`, cached on what it depends on (``_view``,
    not hashed, only carries these: the uplift does not depend on the period)."""
    return measured_figures.measured(facts(scope, tz, show_individuals), _view)


def view_measured(v: View) -> Measured:
    return measured(v.scope, v.selection, v.tz, v.week_start, v.statistics, v.show_individuals, v)


# --- ROI: the parts that depend on the period ---------------------------------------------


@st.cache_data(ttl=DATA_TTL_SECONDS, show_spinner=False, hash_funcs=_HASH)
@on_disk
def roi_parts(v: View, m: Money, period: Period) -> RoiParts:
    """Spend, post-adoption PRs and AI users of the view's selection in ``period``."""
    figures_row = None
    if m.roi.currency == m.currency and period in (v.period, v.period.previous()):
        # The same figure the page shows (and already computed).
        label = "current" if period == v.period else "previous"
        figures_row = spend(v, m).figures.filter(pl.col("period") == label)
    return cost_figures.roi_parts(
        view_facts(v), v, m, period, view_measured(v).adoption, figures_row
    )


# --- the team map, spend and the Overview -------------------------------------------------


@st.cache_data(
    ttl=DATA_TTL_SECONDS, show_spinner="Estimating each team's uplift…", hash_funcs=_HASH
)
@on_disk
def teams(v: View, m: Money) -> TeamsData:
    """The team map (:func:`aimetrics.figures.overview.teams`)."""
    return overview_figures.teams(view_facts(v), v, m, view_measured(v))


@st.cache_data(ttl=DATA_TTL_SECONDS, show_spinner=False, hash_funcs=_HASH)
@on_disk
def spend(v: View, m: Money) -> SpendData:
    """Spend figures of the view and the idle seats (:func:`aimetrics.figures.cost.spend`)."""
    return cost_figures.spend(view_facts(v), v, m)


@st.cache_data(ttl=DATA_TTL_SECONDS, show_spinner=False, hash_funcs=_HASH)
@on_disk
def overview(v: View) -> OverviewData:
    """The Overview's other figures (:func:`aimetrics.figures.overview.overview`)."""
    return overview_figures.overview(view_facts(v), v)


@st.cache_data(ttl=DATA_TTL_SECONDS, show_spinner=False, hash_funcs=_HASH)
@on_disk
def team_actions(v: View, m: Money) -> pl.DataFrame:
    """The team action table (:func:`aimetrics.figures.team_actions.team_actions`)."""
    return team_action_rows(
        view_facts(v), v, teams(v, m).map, adoption(v, "team").by_group, spend(v, m).idle
    )


@st.cache_data(ttl=DATA_TTL_SECONDS, show_spinner=False, hash_funcs=_HASH)
@on_disk
def budgets(v: View, _settings: Settings, key: str) -> pl.DataFrame:
    """Each configured budget's month (:func:`aimetrics.figures.budget.budgets`); ``key``:
    the budgets as configured (the cache key; the settings object itself is not hashed)."""
    return budget_rows(view_facts(v), _settings)
