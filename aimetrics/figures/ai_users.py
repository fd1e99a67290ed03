"""The view's AI users: the one definition (:mod:`aimetrics.metrics.evidence`) applied to a
selection, for every figure that counts AI users (adoption, the assumed ROI, tool weights).
"""

from __future__ import annotations

import polars as pl

from aimetrics.figures.facts import Facts
from aimetrics.figures.view import View
from aimetrics.metrics.adoption import Selection, select
from aimetrics.metrics.evidence import ai_user_weeks, ai_users
from aimetrics.metrics.period import Period


def selected_evidence(f: Facts, selection: Selection) -> pl.LazyFrame:
    """The evidence of the selection's tools (all tools without a tool filter).

    Evidence is not attributed to teams or repositories: who counts is decided by the
    activity the caller joins it with (:func:`selected_ai_users`)."""
    ev = f.evidence.lazy()
    if selection.tools:
        ev = ev.filter(pl.col("tool_id").is_in(list(selection.tools)))
    return ev


def selected_ai_users(f: Facts, v: View, period: Period | None = None) -> pl.DataFrame:
    """Per engineer active in the view's selection in ``period`` (default: the view's):
    ``person_key``, ``ai_user``, ``marked``, ``without_markers``
    (:func:`aimetrics.metrics.evidence.ai_users`). Under a tool filter only that tool's
    evidence and markers count."""
    p = period or v.period
    activity = select(f.activity.lazy(), v.selection).with_columns(pl.col("ai").alias("is_ai"))
    return ai_users(selected_evidence(f, v.selection), activity, p, v.tz).collect()


def selected_user_weeks(f: Facts, v: View, people: pl.LazyFrame | None = None) -> pl.DataFrame:
    """:func:`aimetrics.metrics.evidence.ai_user_weeks` of the selection's evidence, of
    ``people`` (a frame with ``person_key``) when given."""
    ev = selected_evidence(f, v.selection)
    if people is not None:
        ev = ev.join(people.select("person_key").unique(), on="person_key", how="semi")
    return ai_user_weeks(ev, v.week_start).collect()
