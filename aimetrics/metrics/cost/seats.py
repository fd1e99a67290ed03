"""Seats: the configuration's seat plans and holders as store frames, and idle seats."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

import polars as pl

from aimetrics.metrics.cost.lines import (
    _SEAT_ASSIGNMENT_SCHEMA,
    API_SEAT_SOURCES,
    _match_plans,
    _plan_prices,
)
from aimetrics.metrics.cost.teams import person_keys
from aimetrics.metrics.evidence import MARKER
from aimetrics.store import schema as s
from aimetrics.store.types import table_schema

if TYPE_CHECKING:
    from aimetrics.settings import AiTool

IDLE_WINDOW_DAYS = 30
_SEAT_PLAN_SCHEMA = table_schema(s.seat_plans)


# --- the configuration's seat plans as store frames -----------------------------------


def config_seat_plans(tools: Sequence[AiTool]) -> pl.DataFrame:
    """``ai_tools[].plans`` as ``seat_plans`` rows (source ``config``), one per seat count.

    A plan's seat changes give the count from each change's date to the next (or
    the plan's ``end``); a plan without changes has ``len(holders)`` seats from
    its ``start``.
    """
    rows = []
    for tool in tools:
        for plan in tool.plans:
            changes = [(c.valid_from, c.count) for c in plan.seats]
            if not changes and plan.holders and plan.start:
                changes = [(plan.start, len(plan.holders))]
            for i, (first, count) in enumerate(changes):
                stop = changes[i + 1][0] if i + 1 < len(changes) else plan.end
                if plan.end is not None and stop is not None:
                    stop = min(stop, plan.end)
                if stop is not None and stop <= first:
                    continue
                rows.append(
                    {
                        "tool_id": tool.id,
                        "plan": plan.name,
                        "valid_from": first,
                        "valid_to": stop,
                        "seats": count,
                        "price_per_seat_month": float(plan.price_per_seat_month),
                        "currency": plan.currency,
                        "source": "config",
                    }
                )
    return pl.DataFrame(rows, schema=_SEAT_PLAN_SCHEMA)


def config_seat_holders(tools: Sequence[AiTool]) -> pl.DataFrame:
    """``ai_tools[].plans[].holders`` as ``seat_assignments`` rows (source ``config``)."""
    rows = []
    for tool in tools:
        for plan in tool.plans:
            first = plan.start or (plan.seats[0].valid_from if plan.seats else None)
            if first is None:
                continue
            rows.extend(
                {
                    "tool_id": tool.id,
                    "login": login,
                    "assigned_on": first,
                    "revoked_on": plan.end,
                    "plan": plan.name,
                    "last_activity_at": None,
                    "source": "config",
                }
                for login in plan.holders
            )
    return pl.DataFrame(rows, schema=_SEAT_ASSIGNMENT_SCHEMA)


# --- the seats every cost figure uses: the store's and the configuration's --------------
# (read by aimetrics.figures.store_reads.read_seats)


def combined_seat_plans(stored: pl.DataFrame, configured: pl.DataFrame) -> pl.DataFrame:
    """The store's seat plans and the configuration's (:func:`config_seat_plans`), each tool
    priced by one set, so no seat is counted twice.

    The configuration's plans are the manager's estimate. A tool whose plans the store
    holds from another source (the demo, an import) keeps those; for the other tools the
    configuration's current plans replace any stored copy of them (source ``config``).
    Billed records and API seats still take precedence over either, month by month, in
    :func:`aimetrics.metrics.cost.lines.spend_lines`; the configuration's plans also price the
    API seats (by plan name).
    """
    elsewhere = stored.filter(pl.col("source") != "config")
    configured = configured.filter(~pl.col("tool_id").is_in(elsewhere["tool_id"].implode()))
    kept = stored.filter(
        (pl.col("source") == "config") & ~pl.col("tool_id").is_in(configured["tool_id"].implode())
    )
    return pl.concat([elsewhere, kept, configured.select(stored.columns)], how="vertical_relaxed")


def combined_seats(stored: pl.DataFrame, holders: pl.DataFrame) -> pl.DataFrame:
    """The store's seat assignments plus the configuration's ``holders``
    (:func:`config_seat_holders`) whose tool and login have no stored seat."""
    key = [pl.col("tool_id"), pl.col("login").str.to_lowercase().alias("_login")]
    new = holders.with_columns(key[1]).join(
        stored.select(key).unique(), on=["tool_id", "_login"], how="anti"
    )
    return pl.concat([stored, new.select(stored.columns)], how="vertical_relaxed")


# --- idle seats ---------------------------------------------------------------------------


ACTIVE, IDLE, NEW, NO_ACTIVITY_DATA = "active", "idle", "new", "no activity data"
SEAT_STATUSES = (ACTIVE, IDLE, NEW, NO_ACTIVITY_DATA)
NEW_SEAT_DAYS = 14  # seats.new_seat_days: a seat this young is "new", not idle
_EVIDENCE_SCHEMA = {
    "person_key": pl.String,
    "day": pl.Date,
    "tool_id": pl.String,
    "source": pl.String,
}


def idle_seats(
    seat_assignments: pl.LazyFrame,
    merged: pl.LazyFrame,
    as_of: date,
    directory: pl.LazyFrame | None = None,
    window_days: int = IDLE_WINDOW_DAYS,
    api_sources: Sequence[str] = API_SEAT_SOURCES,
    evidence: pl.LazyFrame | None = None,
    new_seat_days: int = NEW_SEAT_DAYS,
) -> pl.LazyFrame:
    """Seats held on ``as_of``, each with its ``status`` and ``idle`` (status ``idle``).

    A seat is ``active`` when its holder used the seat's tool in the ``window_days`` days up
    to and including ``as_of`` (UTC): its ``last_activity_at`` (from the vendor), an
    AI-assisted PR tagged with the tool, or any other evidence of use of the tool
    (``evidence``: :func:`aimetrics.metrics.evidence.evidence`, e.g. Copilot usage reports).
    Otherwise it is ``new`` when assigned fewer than ``new_seat_days`` days before
    ``as_of``; ``idle`` when its tool reports activity per holder (its seats come from a
    vendor's API, carry a ``last_activity_at``, or the tool has usage evidence); else ``no
    activity data``: a seat is never called idle because its holder left no marker.
    ``last_seen``: the last day of use seen (any time up to ``as_of``); ``days_idle`` (idle
    seats): days since then (or since the assignment). One seat per tool and person (an API
    seat before a configured holder).
    """
    end = datetime.combine(as_of + timedelta(days=1), time(0), tzinfo=UTC)
    start = end - timedelta(days=window_days)
    held = person_keys(
        seat_assignments.filter(
            (pl.col("assigned_on") <= as_of)
            & (pl.col("revoked_on").is_null() | (pl.col("revoked_on") > as_of))
        ),
        "login",
        directory,
    )
    # Which seats' tools say per holder whether the seat was used (on every seat held, as
    # the vendor's seat list or usage report has it), before the one-seat-per-person cut.
    reports = (
        pl.col("source").is_in(list(api_sources))
        | pl.col("last_activity_at").is_not_null().any().over("tool_id", "source")
    ).alias("_reports")
    held = (
        held.with_columns(pl.col("source").is_in(list(api_sources)).alias("_api"), reports)
        .sort(
            ["tool_id", "person_key", "_api", "assigned_on"], descending=[False, False, True, False]
        )
        .unique(subset=["tool_id", "person_key"], keep="first", maintain_order=True)
    )
    work = (
        merged.filter(
            pl.col("counted")
            & pl.col("is_ai")
            & (pl.col("merged_at") < end)
            & pl.col("author_key").is_not_null()
            & pl.col("ai_tool").is_not_null()
        )
        .group_by(pl.col("author_key").alias("person_key"), pl.col("ai_tool").alias("tool_id"))
        .agg(pl.col("merged_at").max().alias("last_ai_work_at"))
    )
    if evidence is None:
        evidence = pl.LazyFrame(
            schema={
                "person_key": pl.String,
                "day": pl.Date,
                "tool_id": pl.String,
                "source": pl.String,
            }
        )
    used_days = evidence.filter(pl.col("day") <= as_of)
    last_use = used_days.group_by("person_key", "tool_id").agg(
        pl.col("day").max().alias("_last_evidence")
    )
    usage_tools = (
        used_days.filter(pl.col("source") != MARKER)
        .select("tool_id")
        .unique()
        .with_columns(pl.lit(True).alias("_usage"))
    )
    last_seen = pl.max_horizontal(
        pl.col("last_activity_at").dt.date(),
        pl.col("last_ai_work_at").dt.date(),
        pl.col("_last_evidence"),
    )
    window_start = start.date()
    used = (last_seen >= window_start).fill_null(False)
    status = (
        pl.when(used)
        .then(pl.lit(ACTIVE))
        .when(pl.col("assigned_on") > as_of - timedelta(days=new_seat_days))
        .then(pl.lit(NEW))
        .when(pl.col("_reports") | pl.col("_usage").fill_null(False))
        .then(pl.lit(IDLE))
        .otherwise(pl.lit(NO_ACTIVITY_DATA))
    )
    days_idle = (pl.lit(as_of) - pl.coalesce(last_seen, pl.col("assigned_on"))).dt.total_days()
    return (
        held.join(work, on=["person_key", "tool_id"], how="left")
        .join(last_use, on=["person_key", "tool_id"], how="left")
        .join(usage_tools, on="tool_id", how="left")
        .with_columns(status.alias("status"), last_seen.alias("last_seen"))
        .with_columns(
            (pl.col("status") == IDLE).alias("idle"),
            pl.when(pl.col("status") == IDLE).then(days_idle).cast(pl.Int64).alias("days_idle"),
            pl.when(pl.col("last_ai_work_at") >= start)
            .then(pl.col("last_ai_work_at"))
            .alias("last_ai_work_at"),
        )
        .select(
            "tool_id",
            "login",
            "person_key",
            "plan",
            "source",
            "assigned_on",
            "last_activity_at",
            "last_ai_work_at",
            "last_seen",
            "status",
            "idle",
            "days_idle",
        )
        .sort("tool_id", "login")
    )


def idle_seat_cost(seats: pl.LazyFrame, seat_plans: pl.LazyFrame, as_of: date) -> pl.LazyFrame:
    """The idle ones of :func:`idle_seats`, each with what it costs per month: the price of
    its plan (matched as API seats are) valid on ``as_of``; null when no plan prices it."""
    prices = _plan_prices(seat_plans).filter(
        (pl.col("valid_from") <= as_of)
        & (pl.col("valid_to").is_null() | (pl.col("valid_to") > as_of))
    )
    return (
        _match_plans(seats.filter(pl.col("idle")), seat_plans)
        .join(prices, on=["tool_id", "plan_key"], how="left")
        .sort("tool_id", "login", "valid_from", descending=[False, False, True], nulls_last=True)
        .unique(subset=["tool_id", "login"], keep="first", maintain_order=True)
        .select(
            "tool_id",
            "login",
            "person_key",
            "plan",
            "last_seen",
            "days_idle",
            pl.col("price_per_seat_month").alias("monthly_cost"),
            pl.col("plan_currency").alias("currency"),
        )
        .sort("tool_id", "login")
    )
