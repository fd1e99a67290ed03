"""Cached loaders: the only place the dashboard touches the store.

Every figure is :mod:`aimetrics.figures`' (the functions ``aimetrics export csv``
and ``aimetrics report`` call too); this module only caches them per :class:`View`.

The engine is a cached resource (one per store URL). Frames and figures are cached
per **store version** (:mod:`aimetrics.store.version`: a counter every committed write
bumps): :func:`store_version` reads it (one tiny query, itself cached for
``VERSION_TTL_SECONDS``) and every cache key holds it, through :class:`Scope` and
:class:`View`. So a collector's, an import's, ``tag``'s, ``forget``'s... new data shows on
the next rerun after it committed, and without a write the store is never read again. The
data TTL only bounds memory. The facts also go to a disk cache keyed by that version
(:mod:`aimetrics.figures.disk_cache`): a freshly started server loads them from there.
The dashboard never migrates: an old or missing schema is reported as a
:class:`StoreStatus`, and the app says what to run.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import ParamSpec, TypeVar

import polars as pl
import sqlalchemy as sa
import streamlit as st

from aimetrics.errors import AimetricsError, SchemaOutdated
from aimetrics.figures import adoption as adoption_figures
from aimetrics.figures import copilot as copilot_figures
from aimetrics.figures import copilot_phases as phase_figures
from aimetrics.figures import data_page as data_figures
from aimetrics.figures import delivery as delivery_figures
from aimetrics.figures import disk_cache
from aimetrics.figures import quality as quality_figures
from aimetrics.figures import view as views
from aimetrics.figures.adoption import AdoptionData
from aimetrics.figures.ai_lines import AiWrittenData, ai_written_for
from aimetrics.figures.copilot import CopilotUsageData
from aimetrics.figures.copilot_phases import CopilotPhasesData
from aimetrics.figures.data_page import DataPageData
from aimetrics.figures.delivery import DeliveryData
from aimetrics.figures.facts import Facts, load_facts
from aimetrics.figures.quality import QualityData
from aimetrics.figures.store_reads import (
    latest_merged_at,
    load_copilot_phases,
    load_copilot_usage,
    load_copilot_user_teams,
)
from aimetrics.settings import AiTool, Settings, StatisticsSettings, load_settings
from aimetrics.store import check_current, create_store_engine, read_table, resolve_db_url
from aimetrics.store import schema as s
from aimetrics.store.adbc import fetch_frame
from aimetrics.store.engine import StoreUrl, safe_url
from aimetrics.store.version import read_version
from dashboard.components import FilterOptions, Filters

# Frames and figures are keyed by the store version, so they never go stale: the TTL only
# frees what a server no longer shows (an old version's figures, a filter nobody picks).
DATA_TTL_SECONDS = 6 * 3600
DATA_MAX_ENTRIES = 256  # per loader: views (period x filters x grouping) kept in memory
VERSION_TTL_SECONDS = 2  # how long a rerun trusts the last read of the store version
STATUS_TTL_SECONDS = 30  # a store without the version (missing, outdated) is re-checked
P = ParamSpec("P")
R = TypeVar("R")


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
    """What the loaded frames depend on: the cache key of :func:`facts` (and, inside
    :class:`View`, of every page's figures), the store version included."""

    db_url: str
    min_confidence: str
    exclude: tuple[str, ...]
    bots: tuple[str, ...]
    ai_tools: tuple[AiTool, ...] = ()  # the configuration's seat plans and holders
    version: str | None = None  # the store version these frames are read at


def scope(ctx: AppContext) -> Scope:
    tagging = ctx.settings.tagging
    return Scope(
        ctx.db_url, tagging.min_confidence, tuple(ctx.settings.exclude.people),
        non_ai_bots(ctx.settings), tuple(ctx.settings.ai_tools), store_version(ctx.db_url),
    )  # fmt: skip


@st.cache_data(ttl=VERSION_TTL_SECONDS, show_spinner=False)
def store_version(db_url: str) -> str | None:
    """The store's version (:func:`aimetrics.store.version.read_version`), re-read at most
    every ``VERSION_TTL_SECONDS``; None where it cannot be read (no store, an old schema,
    an error): :func:`store_status` says why, and the caches fall back to its short TTL."""
    try:
        url = StoreUrl.parse(db_url)
        if url.is_sqlite and not url.sqlite_path.exists():
            return None
        return read_version(store_engine(db_url))
    except Exception:  # unreachable, refused, the driver's own errors: store_status says which
        return None


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


def store_status(db_url: str) -> StoreStatus:
    """Check the store without changing it: reachable, current schema, any merged PR
    (cached per store version: a `demo`, `migrate` or collection shows at the next rerun)."""
    return _store_status(db_url, store_version(db_url))


@st.cache_data(ttl=STATUS_TTL_SECONDS, show_spinner=False)
def _store_status(db_url: str, version: str | None) -> StoreStatus:
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


_WRITES: list[threading.Thread] = []


def _aside(save: Callable[..., object], *args: object) -> None:
    """Write to the disk cache in a thread: the page does not wait for the disk (what is
    written is never modified: cached frames and figures are read-only)."""
    _WRITES[:] = [t for t in _WRITES if t.is_alive()]
    thread = threading.Thread(target=save, args=args, daemon=True)
    thread.start()
    _WRITES.append(thread)


def flush_disk_cache() -> None:
    """Wait for the disk cache writes under way (tests, benchmarks)."""
    for thread in list(_WRITES):
        thread.join()


def on_disk(fn: Callable[P, R]) -> Callable[P, R]:
    """Keep ``fn``'s results in the disk cache (:mod:`aimetrics.figures.disk_cache`) too,
    under the store version of its :class:`View` or :class:`Scope` argument: a freshly
    started server shows a page it showed before at this version without computing it.

    Put it under ``st.cache_data``: memory first, then disk, then the computation. The key
    is the arguments' ``repr`` (dataclasses and settings models: every field, in order),
    except those named ``_...`` (as Streamlit, they only carry what the others say)."""
    signature = inspect.signature(fn)
    name = f"{fn.__module__}.{fn.__qualname__}"

    @functools.wraps(fn)
    def cached(*args: P.args, **kwargs: P.kwargs) -> R:
        bound = signature.bind(*args, **kwargs)
        where = next((a for a in bound.arguments.values() if isinstance(a, View | Scope)), None)
        sc = where.scope if isinstance(where, View) else where
        path = None
        if sc is not None:
            text = repr([(k, v) for k, v in bound.arguments.items() if not k.startswith("_")])
            path = disk_cache.figure_path(sc.db_url, sc.version, name, text)
        value = disk_cache.load_figure(path)
        if value is not disk_cache.MISSING:
            return value  # type: ignore[return-value]
        value = fn(*args, **kwargs)
        _aside(disk_cache.save_figure, path, value)
        return value

    return cached


# How many times this process built the facts from the store (not from the disk cache):
# the freshness test counts it, and an operator can read it in the log.
STORE_READS = {"facts": 0}
log = logging.getLogger(__name__)


# A resource, not data: every loader of every page reads these frames, and cache_data would
# unpickle a copy of them (~0.2 s at 100k PRs) on each read. They are never modified. Two
# entries: the current version's and, for the reruns already under way, the previous one's.
@st.cache_resource(
    ttl=DATA_TTL_SECONDS, max_entries=2, show_spinner="Reading the store…", hash_funcs=MODEL_HASH
)
def facts(scope: Scope, tz: str, show_individuals: bool) -> Facts:
    """:func:`load_facts` for the app's store and settings, cached (shared, read-only), from
    the disk cache of this store version when an earlier server left it there."""
    key = disk_cache.FactsKey(
        db_url=scope.db_url, version=scope.version, min_confidence=scope.min_confidence,
        exclude=scope.exclude, bots=scope.bots, tz=tz, show_individuals=show_individuals,
        ai_tools=tuple(t.model_dump_json() for t in scope.ai_tools),
    )  # fmt: skip
    cached = disk_cache.load(key)
    if cached is not None:
        return cached
    started = time.perf_counter()
    built = load_facts(
        store_engine(scope.db_url),
        min_confidence=scope.min_confidence,
        exclude=scope.exclude,
        bots=scope.bots,
        tz=tz,
        show_individuals=show_individuals,
        ai_tools=scope.ai_tools,
    )
    STORE_READS["facts"] += 1
    log.info("read the store (version %s) in %.1f s", scope.version, time.perf_counter() - started)
    _aside(disk_cache.save, key, built)
    return built


def filter_options(db_url: str) -> FilterOptions:
    """Teams, repositories and AI tools for the sidebar (small reads, not the facts)."""
    return _filter_options(db_url, store_version(db_url))


@st.cache_data(ttl=DATA_TTL_SECONDS, max_entries=4, show_spinner=False)
def _filter_options(db_url: str, version: str | None) -> FilterOptions:
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


@st.cache_data(
    ttl=DATA_TTL_SECONDS, max_entries=DATA_MAX_ENTRIES, show_spinner=False, hash_funcs=_VIEW_HASH
)
@on_disk
def adoption(v: View, by: str) -> AdoptionData:
    """The Adoption page's figures (:func:`aimetrics.figures.adoption.adoption`)."""
    return adoption_figures.adoption(view_facts(v), v, by)


@st.cache_data(
    ttl=DATA_TTL_SECONDS, max_entries=DATA_MAX_ENTRIES, show_spinner=False, hash_funcs=_VIEW_HASH
)
@on_disk
def ai_written(v: View, by: str) -> AiWrittenData:
    """The Adoption page's AI-written lines (:func:`aimetrics.figures.ai_lines.ai_written`)."""
    return ai_written_for(view_facts(v), v, by)


@st.cache_data(
    ttl=DATA_TTL_SECONDS, max_entries=DATA_MAX_ENTRIES, show_spinner=False, hash_funcs=_VIEW_HASH
)
@on_disk
def delivery(v: View, by: str) -> DeliveryData:
    """The Delivery page's figures (:func:`aimetrics.figures.delivery.delivery`)."""
    return delivery_figures.delivery(view_facts(v), v, by)


@st.cache_data(
    ttl=DATA_TTL_SECONDS, max_entries=DATA_MAX_ENTRIES, show_spinner=False, hash_funcs=_VIEW_HASH
)
@on_disk
def quality(v: View, by: str) -> QualityData:
    """The Quality page's figures (:func:`aimetrics.figures.quality.quality`)."""
    return quality_figures.quality(view_facts(v), v, by)


@st.cache_data(
    ttl=DATA_TTL_SECONDS, max_entries=DATA_MAX_ENTRIES, show_spinner=False, hash_funcs=_VIEW_HASH
)
@on_disk
def data_page(v: View) -> DataPageData:
    """The Data page (:func:`aimetrics.figures.data_page.data_page`)."""
    return data_figures.data_page(view_facts(v), v)


# The Copilot tables stand alone (their own collector steps and transactions): read only by
# the page that shows them, not with the facts every page waits for; shared and read-only,
# each kept for the last two store versions.
_COPILOT_TABLES = {
    "usage": load_copilot_usage,
    "user_teams": load_copilot_user_teams,
    "phases": load_copilot_phases,
}


@st.cache_resource(ttl=DATA_TTL_SECONDS, max_entries=2 * len(_COPILOT_TABLES), show_spinner=False)
def _copilot_table(db_url: str, version: str | None, table: str) -> pl.DataFrame:
    return _COPILOT_TABLES[table](store_engine(db_url))


def copilot_records(db_url: str) -> pl.DataFrame:
    """The store's Copilot usage reports, decoded."""
    return _copilot_table(db_url, store_version(db_url), "usage")


def copilot_user_teams(db_url: str) -> pl.DataFrame:
    """The Copilot user-teams report."""
    return _copilot_table(db_url, store_version(db_url), "user_teams")


def copilot_phase_rows(db_url: str) -> pl.DataFrame:
    """The store's Copilot adoption phases."""
    return _copilot_table(db_url, store_version(db_url), "phases")


@st.cache_data(
    ttl=DATA_TTL_SECONDS, max_entries=DATA_MAX_ENTRIES, show_spinner=False, hash_funcs=_VIEW_HASH
)
@on_disk
def copilot_usage(v: View) -> CopilotUsageData:
    """The Seats & usage page's Copilot usage (:func:`aimetrics.figures.copilot.copilot_usage`)."""
    return copilot_figures.copilot_usage(
        copilot_records(v.scope.db_url), view_facts(v), v, copilot_user_teams(v.scope.db_url)
    )


@st.cache_data(
    ttl=DATA_TTL_SECONDS, max_entries=DATA_MAX_ENTRIES, show_spinner=False, hash_funcs=_VIEW_HASH
)
@on_disk
def copilot_phases(v: View) -> CopilotPhasesData:
    """The Adoption page's Copilot adoption phases (:mod:`aimetrics.figures.copilot_phases`)."""
    db_url = v.scope.db_url
    return phase_figures.copilot_phases(
        copilot_phase_rows(db_url), view_facts(v), v, copilot_user_teams(db_url)
    )
