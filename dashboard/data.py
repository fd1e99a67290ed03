"""Cached loaders: the only place the dashboard touches the store.

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
from aimetrics.metrics.cost import ai_spend
from aimetrics.metrics.freshness import last_collected
from aimetrics.metrics.inputs import MetricInputs, load_inputs
from aimetrics.metrics.overview import overview_kpis, weekly_trend
from aimetrics.metrics.period import Period
from aimetrics.settings import Settings, load_settings
from aimetrics.store import check_current, create_store_engine, resolve_db_url
from aimetrics.store import schema as s
from aimetrics.store.adbc import fetch_frame
from aimetrics.store.engine import StoreUrl, safe_url
from aimetrics.store.read import restore_types
from aimetrics.store.types import UTC_DATETIME
from aimetrics.tagging import ruleset_from_settings

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


def scope(ctx: AppContext) -> Scope:
    tagging = ctx.settings.tagging
    return Scope(
        ctx.db_url, tagging.min_confidence, tuple(ctx.settings.exclude.people),
        non_ai_bots(ctx.settings),
    )  # fmt: skip


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


@st.cache_data(ttl=DATA_TTL_SECONDS, show_spinner="Reading the store…")
def metric_inputs(scope: Scope) -> MetricInputs:
    """The shared frames every metric starts from (store read + tagging flags)."""
    return load_inputs(
        store_engine(scope.db_url),
        min_confidence=scope.min_confidence,
        exclude=scope.exclude,
        bots=scope.bots,
    )


@dataclass(frozen=True)
class OverviewData:
    kpis: pl.DataFrame  # overview_kpis: rows "current", "previous"
    trend: pl.DataFrame  # weekly_trend
    spend: pl.DataFrame  # ai_spend of the current period, by origin/source/tool/currency
    last_collected: dt.datetime | None


@st.cache_data(ttl=DATA_TTL_SECONDS, show_spinner=False)
def overview(
    scope: Scope,
    period: Period,
    currency: str,
    rates: tuple[tuple[str, float], ...],
    week_start_day: str,
) -> OverviewData:
    """The Overview's figures for ``period`` (and the equal period before it)."""
    inputs = metric_inputs(scope)
    merged, activity = inputs.merged.lazy(), inputs.activity.lazy()
    seat_plans, cost_records = inputs.seat_plans.lazy(), inputs.cost_records.lazy()
    return OverviewData(
        kpis=overview_kpis(
            merged, activity, seat_plans, cost_records, period, currency, dict(rates)
        ).collect(),
        trend=weekly_trend(merged, activity, period, week_start_day).collect(),
        spend=ai_spend(seat_plans, cost_records, period).collect(),
        last_collected=last_collected(inputs.sync_state.lazy()).collect().item(),
    )


def reporting_rates(settings: Settings) -> tuple[tuple[str, float], ...]:
    """``reporting.exchange_rates`` as a hashable cache key."""
    return tuple(sorted(settings.reporting.exchange_rates.items()))
