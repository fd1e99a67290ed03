"""The report's verdict: three sentences a VP reads first (adoption, the measured effect,
value against spend), each naming its numbers. Rules (docs/report.md, "The verdict"):

- An effect is claimed only when its interval excludes no change; an interval that includes
  it reads "no measurable change" with the interval, and too little data reads "not enough
  data" with the reason, never a number.
- Value against spend uses :mod:`aimetrics.figures.value`'s wording: "at least N× the spend"
  from the conservative end of the interval, else "not shown to cover its spend"; never an
  ROI in percent. The spend says how much of it is billed and how much estimated.
- Budgets, when configured: the ones forecast over by name, else that all are within.

:func:`verdict` is pure over :class:`VerdictFigures` (so each rule is tested on constructed
figures); :func:`verdict_figures` reads them from the report's :class:`Figures`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from aimetrics.exports.report.kpi import _int, _num, _row
from aimetrics.figures import value as value_text
from aimetrics.figures.compute import Figures
from aimetrics.format import format_money, format_share, format_signed
from aimetrics.metrics.budget import OVER, budget_label
from aimetrics.metrics.roi import Roi
from aimetrics.metrics.stats import Estimate
from aimetrics.vocabulary import tool_name

MAX_BUDGETS_NAMED = 2  # more budgets over: "and N more" (all are in the appendix's table)


@dataclass(frozen=True)
class BudgetLine:
    """One configured budget's month-end forecast against it."""

    label: str  # "Claude Code", "Team payments"
    month: dt.date  # the first day of the month forecast
    budget: float
    forecast: float
    over: bool
    currency: str


@dataclass(frozen=True)
class VerdictFigures:
    """What the three sentences rest on, each figure the report's own."""

    days: int
    active_engineers: int
    ai_users: int
    merged_prs: int
    ai_prs: int
    ai_share: Estimate  # of merged PRs, 0..1, with its interval
    ai_share_previous: float | None
    uplift: Estimate  # throughput change after adoption, percent (+20 = +20 %)
    adopters: int
    comparison_engineers: int
    cycle: Estimate | None  # cycle time AI-assisted ÷ no marker, same engineers
    cycle_engineers: int
    currency: str
    spend: float | None  # None: not attributable (a repository filter)
    spend_billed: float | None
    spend_estimated: float | None
    roi: Roi | None  # None: spend not attributable
    budgets: tuple[BudgetLine, ...] = ()  # none configured: empty
    tools: tuple[str, ...] = ()  # the tool filter's display names (none: every AI tool)
    filtered: bool = False  # a team, repository or tool filter is set (budgets ignore it)


def verdict_figures(f: Figures) -> VerdictFigures:
    """The report's figures the verdict reads (the same the tiles and tables show)."""
    cur = _row(f.spend.figures, period="current")
    prev = _row(f.spend.figures, period="previous")
    head = _row(f.adoption["team"].headline)
    within = f.overview.cycle.within
    u = f.measured.uplift
    share = f.overview.uncertainty.ai_share
    attributable = f.roi is not None
    return VerdictFigures(
        days=f.period.days,
        active_engineers=_int(head, "active_contributors"),
        ai_users=_int(head, "ai_users"),
        merged_prs=_int(cur, "merged_prs"),
        ai_prs=_int(cur, "ai_prs"),
        # The tile's value with the tile's interval (the interval may be missing: few PRs).
        ai_share=Estimate(
            _num(cur, "ai_share"), share.low, share.high, share.level, 0, _int(cur, "merged_prs")
        ),
        ai_share_previous=_num(prev, "ai_share"),
        uplift=u.percent,
        adopters=u.treated_engineers,
        comparison_engineers=u.comparison_engineers,
        cycle=within.ratio if within is not None else None,
        cycle_engineers=within.ai_engineers if within is not None else 0,
        currency=f.currency,
        spend=_num(cur, "spend") if attributable else None,
        spend_billed=_num(cur, "spend_billed") if attributable else None,
        spend_estimated=_num(cur, "spend_estimated") if attributable else None,
        roi=f.roi,
        budgets=budget_lines(f.budgets),
        tools=tuple(tool_name(t) for t in f.selection.tools),
        filtered=bool(f.selection.teams or f.selection.repositories or f.selection.tools),
    )


def budget_lines(status: pl.DataFrame) -> tuple[BudgetLine, ...]:
    """:func:`aimetrics.metrics.budget.budget_status` rows as :class:`BudgetLine`."""
    return tuple(
        BudgetLine(
            budget_label(r),
            r["month"],
            r["budget"],
            r["forecast"],
            r["status"] == OVER,
            r["currency"],
        )
        for r in status.iter_rows(named=True)
    )


# --- the sentences ---------------------------------------------------------------------------


def _ci(est: Estimate, text: str) -> str:
    return f"{est.level:.0%} CI {text}"


def _pct(x: float | None) -> str:
    return f"{format_signed(float(x or 0.0), 0)}%"


def adoption_sentence(v: VerdictFigures) -> str:
    """AI users of the active engineers, and the AI-assisted share of merged PRs with its n."""
    if v.active_engineers == 0:
        return f"Adoption: no engineer was active in these {v.days} days and filters."
    # Under a tool filter both figures are those tools' (their evidence, their markers).
    tools = " or ".join(v.tools)
    used = tools or "AI"
    users = (
        f"Adoption: {v.ai_users:,} of {v.active_engineers:,} active engineers "
        f"({format_share(v.ai_users / v.active_engineers)}) used {used} in these {v.days} days"
    )
    if v.merged_prs == 0 or v.ai_share.value is None:
        return f"{users}; no pull request was merged in this period and selection."
    s = v.ai_share
    interval = (
        f"; {_ci(s, f'{format_share(s.low)} to {format_share(s.high)}')}"
        if s.low is not None and s.high is not None
        else ""
    )
    before = (
        f", against {format_share(v.ai_share_previous)} in the {v.days} days before"
        if v.ai_share_previous is not None
        else ""
    )
    return (
        f"{users}, and {format_share(s.value)} of the {v.merged_prs:,} merged PRs were "
        f"AI-assisted{f' with {tools}' if tools else ''} ({v.ai_prs:,} PRs{interval}){before}."
    )


def _throughput(v: VerdictFigures) -> str:
    u = v.uplift
    if not u.ok or u.value is None or u.low is None or u.high is None:
        why = u.note or "too few engineers"
        return f"not enough data to measure a change in throughput — {why}"
    who = f"{v.adopters:,} adopters against {v.comparison_engineers:,} not yet using AI"
    interval = _ci(u, f"{_pct(u.low)} to {_pct(u.high)}")
    if u.low > 0 or u.high < 0:  # the interval excludes no change: a measured effect
        moved = "rose" if u.low > 0 else "fell"
        return f"throughput {moved} {_pct(u.value)} after adopting AI ({interval}; {who})"
    return f"no measurable change in throughput after adopting AI ({interval}; {who})"


def _cycle(v: VerdictFigures) -> str:
    c = v.cycle
    if c is None or not c.ok or c.value is None or c.low is None or c.high is None:
        why = (c.note if c is not None else "") or "no merged PR with a timeline"
        return f"not enough data to compare cycle times like for like — {why}"
    interval = _ci(c, f"{c.low:.2f}× to {c.high:.2f}×")
    who = f"{v.cycle_engineers:,} engineers"
    if c.high < 1 or c.low > 1:  # the interval excludes 1×: a measured difference
        pace = "faster" if c.high < 1 else "slower"
        return (
            f"AI-assisted PRs were merged {pace}, in {c.value:.2f}× the cycle time of the same "
            f"engineers' other PRs ({interval}; {who})"
        )
    return (
        "no measurable difference in cycle time between the same engineers' AI-assisted and "
        f"other PRs ({interval}; {who})"
    )


def effect_sentence(v: VerdictFigures) -> str:
    """The measured throughput change and the like-for-like cycle time, each with its interval;
    an effect is claimed only when the interval excludes no change."""
    return f"Measured effect: {_throughput(v)}; {_cycle(v)}."


def _budgets(v: VerdictFigures) -> str:
    if not v.budgets:
        return ""
    over = [b for b in v.budgets if b.over]
    # Budgets are the configured ones, whatever the report's filters: said so under a filter.
    month = f"{v.budgets[0].month:%B %Y}" + (" (whole organization)" if v.filtered else "")
    if not over:
        if len(v.budgets) > 1:
            return f" All {len(v.budgets)} budgets are forecast within their limits for {month}."
        return f" The {v.budgets[0].label} budget is forecast within its limit for {month}."
    named = "; ".join(
        f"{b.label} ({format_money(b.forecast, b.currency)} against "
        f"{format_money(b.budget, b.currency)})"
        for b in over[:MAX_BUDGETS_NAMED]
    )
    more = f" and {len(over) - MAX_BUDGETS_NAMED} more" if len(over) > MAX_BUDGETS_NAMED else ""
    return f" Forecast over budget for {month}: {named}{more}."


def _why(value: Estimate, uplift: Estimate) -> str:
    """Why the value has no figure: its own note, or "the same reason" when that is the
    throughput's, just said in the sentence before."""
    note = value.note or "not enough data"
    return "for the same reason" if uplift.note and note == uplift.note else note


def _worth(roi: Roi, uplift: Estimate) -> str:
    """The value of the measured change against the spend, in value.py's conservative words."""
    m = roi.measured
    claim = value_text.cover_claim(roi)
    value = m.value
    if not claim or value.value is None:
        return f"the value of the measured change cannot be shown yet — {_why(value, uplift)}"
    interval = ""
    if value.low is not None and value.high is not None:
        low, high = format_money(value.low, m.currency), format_money(value.high, m.currency)
        interval = _ci(value, f"{low} to {high}")
    if claim == value_text.NOT_SHOWN_TO_COVER:
        return f"the value of the measured change is {claim} (value {interval})"
    point = format_money(value.value, m.currency)
    return f"the value of the measured change is {claim} ({point}, {interval})"


def value_sentence(v: VerdictFigures) -> str:
    """The spend (billed and estimated), the measured value against it in the conservative
    wording of :mod:`aimetrics.figures.value`, and the budgets' status."""
    if v.spend is None or v.roi is None:
        return (
            "Value against spend: not shown, because AI spend is not attributed to repositories "
            "and this report is filtered by repository." + _budgets(v)
        )
    if v.spend <= 0:
        return (
            f"Value against spend: no AI spend is recorded for these {v.days} days, so there is "
            "no cost to weigh the change against." + _budgets(v)
        )
    cur = v.currency
    split = ""
    if v.spend_billed is not None and v.spend_estimated is not None:
        billed, estimated = format_money(v.spend_billed, cur), format_money(v.spend_estimated, cur)
        split = f" ({billed} billed, {estimated} estimated from seat plans and unbilled usage)"
    spent = format_money(v.spend, cur)
    return f"AI cost {spent} in these {v.days} days{split}; {_worth(v.roi, v.uplift)}." + _budgets(
        v
    )


def verdict(v: VerdictFigures) -> tuple[str, str, str]:
    """Page 1's three sentences: adoption, the measured effect, value against spend."""
    return adoption_sentence(v), effect_sentence(v), value_sentence(v)
