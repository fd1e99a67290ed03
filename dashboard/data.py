"""Cached loaders: the only place the dashboard touches the store.

Every figure is :mod:`aimetrics.metrics.facts`' (the functions ``aimetrics export csv``
and ``aimetrics report`` call too); this module only caches them per :class:`View`.

The engine is a cached resource (one per store URL); frames and figures are
cached data with a named time to live, so a collector's new rows show up within
``DATA_TTL_SECONDS`` without a restart. The dashboard never migrates: an old or
missing schema is reported as a :class:`StoreStatus`, and the app says what to run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
import sqlalchemy as sa
import streamlit as st

from aimetrics.errors import AimetricsError, SchemaOutdated
from aimetrics.metrics import facts as figures
from aimetrics.metrics.facts import (
    AdoptionData,
    CopilotUsageData,
    DataPageData,
    DeliveryData,
    Facts,
    QualityData,
    load_facts,
    selection_people,
)
from aimetrics.settings import AiTool, Settings, StatisticsSettings, load_settings
from aimetrics.store import check_current, create_store_engine, read_table, resolve_db_url
from aimetrics.store import schema as s
from aimetrics.store.adbc import fetch_frame
from aimetrics.store.engine import StoreUrl, safe_url
from aimetrics.store.read import restore_types
from aimetrics.store.types import UTC_DATETIME
from aimetrics.tagging import ruleset_from_settings
from dashboard.components import FilterOptions, Filters

# The figures are aimetrics.metrics.facts' (as the exports' and the report's); what of it
# the pages and the tests use by this module's name:
__all__ = [
    "AdoptionData", "CopilotUsageData", "DataPageData", "DeliveryData", "Facts", "QualityData",
    "View",
    "adoption", "copilot_usage", "data_page", "delivery", "facts", "load_facts", "quality",
    "selection_people", "view", "view_facts",
]  # fmt: skip

DATA_TTL_SECONDS = 300  # frames and figures: new collections show within five minutes
STATUS_TTL_SECONDS = 30  # schema/emptiness check: `aimetrics migrate` or `demo` shows quickly


@dataclass(frozen=True)
class AppContext:
    """The configuration the app runs with (``AIMETRICS_CONFIG``, ``AIMETRICS_DB``)."""

    settings: Settings
    db_url: str


def app_context() -> AppContext:
    """Settings and store URL, as the CLI passes them. Raises ``ConfigError``."""
    settings = load_settings(None)
    return AppContext(settings, resolve_db_url(None, settings.store.url))


@dataclass(frozen=True)
class Scope:
    """What the loaded frames depend on: the cache key of :func:`metric_inputs`."""

    db_url: str
    min_confidence: str
    exclude: tuple[str, ...]
    bots: tuple[str, ...]
    ai_tools: tuple[AiTool, ...] = ()  # the configuration's seat plans and holders


def scope(ctx: AppContext) -> Scope:
    tagging = ctx.settings.tagging
    return Scope(
        ctx.db_url, tagging.min_confidence, tuple(ctx.settings.exclude.people),
        non_ai_bots(ctx.settings), tuple(ctx.settings.ai_tools),
    )  # fmt: skip


# How cached loaders hash what is not plain data (settings models: by their content).
MODEL_HASH = {
    StatisticsSettings: lambda c: c.model_dump_json(),
    AiTool: lambda t: t.model_dump_json(),
}


@st.cache_data(
    ttl=DATA_TTL_SECONDS,
    show_spinner=False,
    hash_funcs={Settings: lambda c: (str(c.source_file), c.to_yaml())},
)
def non_ai_bots(settings: Settings) -> tuple[str, ...]:
    """The rule catalogue's non-AI bot logins and e-mails (as ``aimetrics tag`` uses them)."""
    ruleset = ruleset_from_settings(settings)
    return tuple(ruleset.non_ai_bots.logins) + tuple(ruleset.non_ai_bots.emails)


@st.cache_resource(show_spinner=False)
def store_engine(db_url: str) -> sa.Engine:
    """One engine per store for the whole server (connections are pooled)."""
    return create_store_engine(db_url, must_exist=True)


@dataclass(frozen=True)
class StoreStatus:
    """Whether the store can be shown.

    ``kind``: ``ready``, ``missing`` (no SQLite file), ``empty`` (no merged PR),
    ``outdated`` (schema not current: run ``aimetrics migrate``) or ``error``.
    """

    kind: str
    message: str = ""
    latest_merged_at: dt.datetime | None = None

    @property
    def ready(self) -> bool:
        return self.kind == "ready"


@st.cache_data(ttl=STATUS_TTL_SECONDS, show_spinner=False)
def store_status(db_url: str) -> StoreStatus:
    """Check the store without changing it: reachable, current schema, any merged PR."""
    try:
        url = StoreUrl.parse(db_url)
        if url.is_sqlite and not url.sqlite_path.exists():
            return StoreStatus("missing", f"There is no store at {url.sqlite_path} yet.")
        engine = store_engine(db_url)
        check_current(engine)
        # Through ADBC, like every dashboard read (see aimetrics/store/engine.py).
        latest = restore_types(
            fetch_frame(
                engine, sa.select(sa.func.max(s.pull_requests.c.merged_at).label("latest"))
            ),
            {"latest": UTC_DATETIME},
        )["latest"][0]
    except SchemaOutdated as exc:
        return StoreStatus("outdated", str(exc))
    except AimetricsError as exc:
        return StoreStatus("error", str(exc))
    except sa.exc.SQLAlchemyError as exc:
        return StoreStatus("error", f"cannot read the store {safe_url(db_url)}: {exc.orig or exc}")
    if latest is None:
        return StoreStatus("empty", "The store has no merged pull requests yet.")
    return StoreStatus("ready", latest_merged_at=latest)


# A resource, not data: every loader of every page reads these frames, and cache_data would
# unpickle a copy of them (~0.2 s at 100k PRs) on each read. They are never modified.
@st.cache_resource(ttl=DATA_TTL_SECONDS, show_spinner="Reading the store…", hash_funcs=MODEL_HASH)
def facts(scope: Scope, tz: str, show_individuals: bool) -> Facts:
    """:func:`load_facts` for the app's store and settings, cached (shared, read-only)."""
    return load_facts(
        store_engine(scope.db_url),
        min_confidence=scope.min_confidence,
        exclude=scope.exclude,
        bots=scope.bots,
        tz=tz,
        show_individuals=show_individuals,
        ai_tools=scope.ai_tools,
    )


@st.cache_data(ttl=DATA_TTL_SECONDS, show_spinner=False)
def filter_options(db_url: str) -> FilterOptions:
    """Teams, repositories and AI tools for the sidebar (small reads, not the facts)."""
    engine = store_engine(db_url)
    teams = read_table(engine, s.teams, columns=["slug", "name"]).sort("slug")
    repos = read_table(engine, s.repositories, columns=["full_name"]).sort("full_name")
    tools = read_table(engine, s.ai_tools).sort("id")
    tagged = fetch_frame(engine, sa.select(s.ai_tags.c.tool_id).distinct())
    names = dict(tools.iter_rows())
    ids = sorted(set(names) | set(tagged["tool_id"].to_list()) - {"unspecified"})
    return FilterOptions(
        teams=tuple(teams.iter_rows()),
        repositories=tuple(repos["full_name"].to_list()),
        tools=tuple((i, names.get(i, i)) for i in ids),
    )


@dataclass(frozen=True)
class View(figures.View):
    """Everything a page's figures depend on: the cache key of the page loaders.

    :class:`aimetrics.metrics.facts.View` and the :class:`Scope` of the facts it shows.
    """

    scope: Scope


def view(ctx: AppContext, filters: Filters) -> View:
    settings = ctx.settings
    return View(
        period=filters.period,
        selection=filters.selection,
        tz=settings.reporting.timezone,
        week_start=settings.reporting.week_start,
        min_group_size=settings.privacy.min_group_size,
        show_individuals=settings.privacy.show_individuals,
        statistics=settings.statistics,
        scope=scope(ctx),
    )


_VIEW_HASH = MODEL_HASH


def view_facts(v: View) -> Facts:
    return facts(v.scope, v.tz, v.show_individuals)


# --- each page's figures: aimetrics.metrics.facts', cached per view ----------------------


@st.cache_data(ttl=DATA_TTL_SECONDS, show_spinner=False, hash_funcs=_VIEW_HASH)
def adoption(v: View, by: str) -> AdoptionData:
    """The Adoption page's figures (:func:`aimetrics.metrics.facts.adoption`)."""
    return figures.adoption(view_facts(v), v, by)


@st.cache_data(ttl=DATA_TTL_SECONDS, show_spinner=False, hash_funcs=_VIEW_HASH)
def delivery(v: View, by: str) -> DeliveryData:
    """The Delivery page's figures (:func:`aimetrics.metrics.facts.delivery`)."""
    return figures.delivery(view_facts(v), v, by)


@st.cache_data(ttl=DATA_TTL_SECONDS, show_spinner=False, hash_funcs=_VIEW_HASH)
def quality(v: View, by: str) -> QualityData:
    """The Quality page's figures (:func:`aimetrics.metrics.facts.quality`)."""
    return figures.quality(view_facts(v), v, by)


@st.cache_data(ttl=DATA_TTL_SECONDS, show_spinner=False, hash_funcs=_VIEW_HASH)
def data_page(v: View) -> DataPageData:
    """The Data page (:func:`aimetrics.metrics.facts.data_page`)."""
    return figures.data_page(view_facts(v), v)


# The Copilot usage reports stand alone (their own collector step and transaction): read
# only by the page that shows them, not with the facts every page waits for.
@st.cache_resource(ttl=DATA_TTL_SECONDS, show_spinner=False)
def copilot_records(db_url: str) -> pl.DataFrame:
    """The store's Copilot usage reports, decoded (shared, read-only)."""
    return figures.load_copilot_usage(store_engine(db_url))


@st.cache_data(ttl=DATA_TTL_SECONDS, show_spinner=False, hash_funcs=_VIEW_HASH)
def copilot_usage(v: View) -> CopilotUsageData:
    """The Adoption page's Copilot usage figures (:func:`aimetrics.metrics.facts.copilot_usage`)."""
    return figures.copilot_usage(copilot_records(v.scope.db_url), view_facts(v), v)
