"""Cached loaders: the only place the dashboard touches the store.

Every figure is :mod:`aimetrics.figures`' (the functions ``aimetrics export csv``
and ``aimetrics report`` call too); this module only caches them per :class:`View`.

The engine is a cached resource (one per store URL); frames and figures are
cached data with a named time to live, so a collector's new rows show up within
``DATA_TTL_SECONDS`` without a restart. The dashboard never migrates: an old or
missing schema is reported as a :class:`StoreStatus`, and the app says what to run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

import polars as pl
import sqlalchemy as sa
import streamlit as st

from aimetrics.errors import AimetricsError, SchemaOutdated
from aimetrics.figures import adoption as adoption_figures
from aimetrics.figures import copilot as copilot_figures
from aimetrics.figures import data_page as data_figures
from aimetrics.figures import delivery as delivery_figures
from aimetrics.figures import quality as quality_figures
from aimetrics.figures import view as views
from aimetrics.figures.adoption import AdoptionData
from aimetrics.figures.ai_lines import AiWrittenData, ai_written_for
from aimetrics.figures.copilot import CopilotUsageData
from aimetrics.figures.data_page import DataPageData
from aimetrics.figures.delivery import DeliveryData
from aimetrics.figures.facts import Facts, load_facts
from aimetrics.figures.quality import QualityData
from aimetrics.figures.store_reads import latest_merged_at, load_copilot_usage
from aimetrics.settings import AiTool, Settings, StatisticsSettings, load_settings
from aimetrics.store import check_current, create_store_engine, read_table, resolve_db_url
from aimetrics.store import schema as s
from aimetrics.store.adbc import fetch_frame
from aimetrics.store.engine import StoreUrl, safe_url
from dashboard.components import FilterOptions, Filters

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
    """What the loaded frames depend on: the cache key of :func:`facts`."""

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
    """:func:`aimetrics.figures.view.non_ai_bots`, cached per configuration."""
    return views.non_ai_bots(settings)


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
        latest = latest_merged_at(engine)
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
class View(views.View):
    """Everything a page's figures depend on: the cache key of the page loaders.

    :class:`aimetrics.figures.view.View` and the :class:`Scope` of the facts it shows.
    """

    scope: Scope


def view(ctx: AppContext, filters: Filters) -> View:
    """:func:`aimetrics.figures.view.view_of` the filters, with the app's :class:`Scope`."""
    base = views.view_of(ctx.settings, filters.period, filters.selection)
    return View(**{f.name: getattr(base, f.name) for f in fields(base)}, scope=scope(ctx))


_VIEW_HASH = MODEL_HASH


def view_facts(v: View) -> Facts:
    return facts(v.scope, v.tz, v.show_individuals)


# --- each page's figures: aimetrics.figures', cached per view ----------------------


@st.cache_data(ttl=DATA_TTL_SECONDS, show_spinner=False, hash_funcs=_VIEW_HASH)
def adoption(v: View, by: str) -> AdoptionData:
    """The Adoption page's figures (:func:`aimetrics.figures.adoption.adoption`)."""
    return adoption_figures.adoption(view_facts(v), v, by)


@st.cache_data(ttl=DATA_TTL_SECONDS, show_spinner=False, hash_funcs=_VIEW_HASH)
def ai_written(v: View, by: str) -> AiWrittenData:
    """The Adoption page's AI-written lines (:func:`aimetrics.figures.ai_lines.ai_written`)."""
    return ai_written_for(view_facts(v), v, by)


@st.cache_data(ttl=DATA_TTL_SECONDS, show_spinner=False, hash_funcs=_VIEW_HASH)
def delivery(v: View, by: str) -> DeliveryData:
    """The Delivery page's figures (:func:`aimetrics.figures.delivery.delivery`)."""
    return delivery_figures.delivery(view_facts(v), v, by)


@st.cache_data(ttl=DATA_TTL_SECONDS, show_spinner=False, hash_funcs=_VIEW_HASH)
def quality(v: View, by: str) -> QualityData:
    """The Quality page's figures (:func:`aimetrics.figures.quality.quality`)."""
    return quality_figures.quality(view_facts(v), v, by)


@st.cache_data(ttl=DATA_TTL_SECONDS, show_spinner=False, hash_funcs=_VIEW_HASH)
def data_page(v: View) -> DataPageData:
    """The Data page (:func:`aimetrics.figures.data_page.data_page`)."""
    return data_figures.data_page(view_facts(v), v)


# The Copilot usage reports stand alone (their own collector step and transaction): read
# only by the page that shows them, not with the facts every page waits for.
@st.cache_resource(ttl=DATA_TTL_SECONDS, show_spinner=False)
def copilot_records(db_url: str) -> pl.DataFrame:
    """The store's Copilot usage reports, decoded (shared, read-only)."""
    return load_copilot_usage(store_engine(db_url))


@st.cache_data(ttl=DATA_TTL_SECONDS, show_spinner=False, hash_funcs=_VIEW_HASH)
def copilot_usage(v: View) -> CopilotUsageData:
    """The Adoption page's Copilot usage (:func:`aimetrics.figures.copilot.copilot_usage`)."""
    return copilot_figures.copilot_usage(copilot_records(v.scope.db_url), view_facts(v), v)
