"""A tool's share of the organization's measured value: the attribution rule under a tool
filter (docs/metrics.md, "Measured throughput uplift").

The uplift is measured on people, not on tools (an engineer adopts AI, whichever tools
they then use), so a tool filter never re-estimates it: it would compare that tool's
adopters with everyone else and read as absurd figures. The value is split instead, by the
AI-user weeks of each tool (:func:`aimetrics.metrics.evidence.tool_weights`), so that the
values of all tools, ``unspecified`` included, add up to the organization's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import polars as pl

from aimetrics.figures.facts import Facts
from aimetrics.figures.view import View
from aimetrics.metrics.adoption import select
from aimetrics.metrics.evidence import ai_user_weeks, tool_weights
from aimetrics.metrics.period import Period

TOOL_SHARE_SCHEMA = {"tool_id": pl.String, "user_weeks": pl.Float64, "weight": pl.Float64}


@dataclass(frozen=True)
class ToolShares:
    """The weights of every tool in a period, and the share of the view's tools."""

    weights: pl.DataFrame  # tool_id, user_weeks (1/k split), weight (sums to 1)
    share: float  # the selected tools' weights summed; 1.0 without a tool filter


def tool_shares(f: Facts, v: View, period: Period | None = None) -> ToolShares:
    """:func:`~aimetrics.metrics.evidence.tool_weights` of the AI-user weeks in ``period``
    (default: the view's) of the people active in the view's teams and repositories then.

    Weights are over every tool whatever the tool filter (the filter picks the share, not
    the people): the selected tools' weights sum to ``share``. Without evidence in the
    period there is nothing to split by: a tool filter then gets no value (share 0).
    """
    p = period or v.period
    people = (
        select(f.activity.lazy(), replace(v.selection, tools=()))
        .filter(p.contains("at"))
        .select("person_key")
        .unique()
    )
    evidence = f.evidence.lazy().filter(p.contains_day("day"))
    weeks = ai_user_weeks(evidence.join(people, on="person_key", how="semi"), v.week_start)
    typed = (pl.col(c).cast(t) for c, t in TOOL_SHARE_SCHEMA.items())
    weights = tool_weights(weeks).select(typed).collect()
    if not v.selection.tools:
        return ToolShares(weights, 1.0)
    chosen = weights.filter(pl.col("tool_id").is_in(list(v.selection.tools)))
    return ToolShares(weights, float(chosen["weight"].sum()))
