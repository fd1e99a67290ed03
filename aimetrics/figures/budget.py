"""Budgets: each configured budget's spend to date, month-end forecast and gap
(:func:`aimetrics.metrics.budget.budget_status`), in the reporting currency."""

from __future__ import annotations

import datetime as dt

import polars as pl

from aimetrics.figures.cost import cost_inputs, merged_prs
from aimetrics.figures.facts import Facts
from aimetrics.metrics.budget import budget_status, last_data_day
from aimetrics.settings import Settings


def budgets(
    f: Facts, settings: Settings, as_of: dt.date | None = None, today: dt.date | None = None
) -> pl.DataFrame:
    """One row per ``budgets:`` entry for the month of ``as_of`` (default: the last day
    with data, never after ``today``, UTC's today by default); no rows without budgets."""
    merged = merged_prs(f)
    today = today or dt.datetime.now(dt.UTC).date()
    day = as_of or last_data_day(f.cost_records.lazy(), merged, today)
    reporting = settings.reporting
    return budget_status(
        cost_inputs(f),
        merged,
        [(b.scope, b.target, b.monthly) for b in settings.budgets],
        day,
        reporting.currency,
        reporting.exchange_rates,
    )
