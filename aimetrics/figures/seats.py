"""Seats of the view's selection on a day: totals, idle seats and their change."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from aimetrics.figures.facts import Facts
from aimetrics.figures.view import View
from aimetrics.metrics.adoption import seat_utilization, select_seats
from aimetrics.metrics.change import Change, change
from aimetrics.metrics.cost.seats import idle_seat_cost, idle_seats
from aimetrics.metrics.period import Period


@dataclass(frozen=True)
class SeatTotals:
    """Seats of the selection on a day, all tools together (:func:`seat_utilization` summed)."""

    assigned: int
    idle: int
    idle_monthly_cost: float | None  # None: no seat held; currencies: see ``currencies``
    currencies: tuple[str, ...]


def seat_totals(seats: pl.DataFrame) -> SeatTotals:
    """The sums of a :func:`seat_utilization` frame over its tools."""
    if seats.is_empty():
        return SeatTotals(0, 0, None, ())
    cost = seats["idle_monthly_cost"].sum() if "idle_monthly_cost" in seats.columns else None
    currencies = seats["currency"].drop_nulls().to_list() if "currency" in seats.columns else []
    names = sorted({c.strip() for text in currencies for c in text.split(",") if c.strip()})
    return SeatTotals(
        int(seats["assigned"].sum()), int(seats["idle"].sum()),
        None if cost is None else float(cost), tuple(names),
    )  # fmt: skip


def seats_on(f: Facts, v: View, period: Period) -> tuple[pl.LazyFrame, pl.DataFrame]:
    """The selection's seats on ``period``'s last day: (idle_seats, idle_seat_cost with each
    holder's ``team`` on that day: what a manager needs to reclaim the seat)."""
    seats = select_seats(f.seats.lazy(), f.memberships.lazy(), v.selection, period)
    as_of = period.last_day
    idle = idle_seats(
        seats, f.prs.lazy(), as_of, f.directory.lazy(),
        evidence=f.evidence.lazy(), new_seat_days=v.new_seat_days,
    )  # fmt: skip
    cost = idle_seat_cost(idle, f.seat_plans.lazy(), as_of)
    return idle, _with_team(cost, f.memberships.lazy(), as_of).collect()


def _with_team(seats: pl.LazyFrame, memberships: pl.LazyFrame, day: dt.date) -> pl.LazyFrame:
    """``team``: the holder's teams on ``day`` ("; "-joined; empty when in none)."""
    current = memberships.filter(
        (pl.col("valid_from") <= day) & (pl.col("valid_to").is_null() | (pl.col("valid_to") > day))
    )
    teams = current.group_by("person_key").agg(
        pl.col("team").unique().sort().str.join("; ").alias("team")
    )
    columns = seats.collect_schema().names()
    at = columns.index("login") + 1
    order = [*columns[:at], "team", *columns[at:]]
    return seats.join(teams, on="person_key", how="left").select(order)


def idle_change(f: Facts, v: View, seats: pl.DataFrame, hidden: str = "") -> Change:
    """The idle seats' monthly cost on the period's last day vs on the previous period's."""
    before_idle, before_cost = seats_on(f, v, v.period.previous())
    now, before = (
        seat_totals(seats),
        seat_totals(seat_utilization(before_idle, before_cost.lazy()).collect()),
    )
    return change(
        now.idle_monthly_cost, before.idle_monthly_cost, (now.assigned, before.assigned),
        1, "seats held", hidden,
    )  # fmt: skip
