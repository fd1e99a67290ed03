"""Headline figures of the Overview and Cost & ROI pages, as shown: value, change vs the
previous period, sample size and uncertainty (:class:`dashboard.components.Kpi`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace

import polars as pl

from aimetrics.figures import value as value_text
from aimetrics.figures.delivery import CycleComparison
from aimetrics.figures.seats import seat_totals
from aimetrics.format import (
    MISSING,
    delta_money,
    delta_points,
    delta_rate,
    format_interval,
    format_money,
    format_rate,
    format_share,
)
from aimetrics.metrics.change import NOT_ENOUGH, Change
from aimetrics.metrics.cost.basis import RunRate
from aimetrics.metrics.like_for_like import MIN_PRS_EACH
from aimetrics.metrics.overview import KpiUncertainty
from aimetrics.metrics.roi import Roi, RoiFigures
from aimetrics.metrics.stats import Comparison
from aimetrics.metrics.uplift import Uplift
from dashboard.charts import BASIS_LABELS
from dashboard.components import NO_MARKER_LABEL, Kpi

NO_REPO_SPEND = "AI spend is not attributed to repositories: clear the repository filter"


def rows(figures: pl.DataFrame) -> tuple[dict, dict]:  # type: ignore[type-arg]
    """The ``current`` and ``previous`` rows of ``overview_figures``."""
    cur = figures.filter(pl.col("period") == "current").row(0, named=True)
    prev = figures.filter(pl.col("period") == "previous").row(0, named=True)
    return cur, prev


def previous_label(prev: dict) -> str:  # type: ignore[type-arg]
    last = prev["end"] - dt.timedelta(days=1)
    return f"Previous period {prev['start']:%Y-%m-%d} – {last:%Y-%m-%d}"


def changed(change: Change, fmt: Callable[[float, float], str | None]) -> tuple[str | None, str]:
    """The delta as shown (``fmt(current, previous)``) and its arrow; "not enough data"
    without an arrow when the change is undefined (:mod:`aimetrics.metrics.change`)."""
    if change.ok:
        # No change, no arrow (Streamlit would draw "+0" as a rise).
        arrow = "off" if change.current == change.previous else "auto"
        return fmt(change.current, change.previous), arrow  # type: ignore[arg-type]
    return NOT_ENOUGH, "off"


def change_help(change: Change, fmt: Callable[[float | None], str], when: str = "") -> str:
    """The previous period's figure in words, for a KPI's help."""
    where = f" {when}" if when else ""
    if change.ok:
        return f"Previous period{where}: {fmt(change.previous)}."
    return f"Change vs the previous period{where}: {change.note}."


def bases(row: dict) -> str:  # type: ignore[type-arg]
    names = [BASIS_LABELS.get(b, b) for b in row.get("bases") or []]
    return ", ".join(names) if names else "no spend recorded"


# --- the balance: spend, value, ROI, cost per PR ------------------------------------------


def spend_kpi(figures: pl.DataFrame, currency: str) -> Kpi:
    cur, prev = rows(figures)
    split = value_text.spend_split(cur["spend_billed"], cur["spend_estimated"], currency)
    return Kpi(
        "AI spend in period",
        format_money(cur["spend"], currency),
        delta_money(cur["spend"], prev["spend"], currency),
        "off",
        split if cur["spend"] is not None else NO_REPO_SPEND,
        "Seat plans prorated by day (seats × price per seat-month × 12 / 365), API seats priced "
        "by plan, plus imported cost records; per tool and month the best basis only (billed > "
        "API seats > seat plan > estimate), so nothing is counted twice. "
        f"Bases: {bases(cur)}. "
        f"{previous_label(prev)}: {format_money(prev['spend'], currency)}.",
    )


def _cost_per_kpi(
    figures: pl.DataFrame, currency: str, column: str, label: str, count: str, how: str
) -> Kpi:
    """A cost per PR of ``overview_figures`` (``column``; ``count``: its PR count column and
    noun, e.g. ``merged_prs merged PRs``): two decimals, lower is better."""
    cur, prev = rows(figures)
    count_column, noun = count.split(" ", 1)
    return Kpi(
        label,
        format_money(cur[column], currency, 2),
        delta_money(cur[column], prev[column], currency, 2),
        "inverse",
        f"{cur[count_column]:,} {noun}",
        f"{how} {previous_label(prev)}: {format_money(prev[column], currency, 2)}.",
    )


def cost_per_pr_kpi(figures: pl.DataFrame, currency: str) -> Kpi:
    kpi = _cost_per_kpi(
        figures, currency, "cost_per_merged_pr", "Cost per PR",
        "merged_prs merged PRs", "AI spend in the period / merged PRs in the period.",
    )  # fmt: skip
    per_ai = format_money(rows(figures)[0]["cost_per_ai_merged_pr"], currency, 2)
    return replace(kpi, uncertainty=f"per AI-assisted merged PR: {per_ai}")


def cost_per_ai_pr_kpi(figures: pl.DataFrame, currency: str) -> Kpi:
    return _cost_per_kpi(
        figures, currency, "cost_per_ai_merged_pr", "Cost per AI PR",
        "ai_prs AI-assisted merged PRs",
        "All AI spend / merged PRs with an AI marker: an upper bound (markers can be switched "
        "off).",
    )  # fmt: skip


def payback(r: RoiFigures) -> str:
    days = r.payback_days.value
    if not r.payback_days.ok or days is None:
        return MISSING
    return "never (no value)" if days == float("inf") else f"{days:,.0f} days"


MEASURED_HELP = (
    "Measured uplift: the change in merged PRs per week of engineers after their own AI "
    "adoption, against colleagues not yet adopted over the same weeks. Engineer-equivalents "
    "= extra PRs ÷ (the adopters' baseline PRs per engineer-week × weeks in the period): the "
    "engineers who, at the pace before adoption, would have merged the extra PRs. Capacity, "
    "not headcount. The interval resamples engineers."
)


def capacity_kpi(roi: Roi | None, uplift: Uplift) -> Kpi:
    """Capacity gained in engineer-equivalents (the measured uplift), with its interval; no
    change vs the previous period (the uplift is the same history)."""
    if roi is None:
        return Kpi("Capacity gained", MISSING, None, "off", NO_REPO_SPEND, MEASURED_HELP)
    est = roi.capacity
    figure = value_text.capacity_figure(est)
    if not figure:
        why = est.note if est is not None and est.note else "needs more engineers"
        return Kpi(
            "Capacity gained", NOT_ENOUGH, None, "off", why, MEASURED_HELP,
            value_text.capacity_sentence(roi),
        )  # fmt: skip
    ci = value_text.capacity_interval(est)
    shown = value_text.capacity_shown(est)
    return Kpi(
        "Capacity gained",
        # The unit is in the line beneath; an interval that includes no gain shows no number.
        f"{est.value:,.1f}" if shown else "unproven",  # type: ignore[union-attr]
        None,
        "off",
        f"{uplift.treated_engineers} adopters vs {uplift.comparison_engineers} not yet adopted",
        MEASURED_HELP,
        (
            f"engineer-equivalents{f' ({ci})' if ci else ''} in the period — "
            f"{value_text.CAPACITY_NOT_HEADCOUNT}"
        )
        if shown
        else f"{value_text.capacity_figure(est)} ({ci}): the interval includes no gain",
    )


def value_kpi(roi: Roi | None) -> Kpi:
    """The capacity's value against the spend, the conservative end first ("at least N× the
    spend", or "not shown to cover its spend"); ROI in percent is on Cost & ROI's appendix."""
    help_ = (
        "The extra PRs valued at the time a PR took before adoption and the loaded hourly "
        "cost, against the AI spend of the period. The multiple quoted is the low end of the "
        "interval, rounded down: the claim a sceptic cannot beat down. Below 1× the spend is "
        "not shown to be covered. ROI in percent: Cost & ROI, appendix."
    )
    label = "Value vs AI spend"
    if roi is None:
        return Kpi(label, MISSING, None, "off", NO_REPO_SPEND, help_)
    # The tile holds the short form ("≥ 20×", "unproven"); the line beneath says it in full.
    claim = value_text.cover_multiple(roi)
    return Kpi(
        label,
        claim or NOT_ENOUGH,
        None,
        "off",
        value_text.value_sentence(roi),
        help_,
    )


def assumed_value_kpi(roi: Roi | None) -> Kpi:
    help_ = (
        "An assumption, as DX and GitHub present it, not a measurement: the configured hours "
        "saved per AI user per week × AI users × weeks × loaded hourly cost. AI users: "
        "engineers with evidence of AI use in the period (markers, Copilot usage, seat "
        "activity), as on the Adoption page. No interval."
    )
    label = "Assumed value"
    if roi is None:
        return Kpi(label, MISSING, None, "off", NO_REPO_SPEND, help_)
    r = roi.assumed
    users = int(r.inputs.get("ai_users", 0))
    hours = r.inputs.get("hours_saved_per_ai_user_per_week", 0.0)
    return Kpi(
        label,
        format_money(r.value.value, r.currency) if r.value.ok else NOT_ENOUGH,
        None,
        "off",
        f"{users:,} AI users × {hours:g} h/week (assumed)",
        help_,
        f"for {format_money(r.spend, r.currency)} of AI spend · an assumption: no interval",
    )


def run_rate_kpi(r: RunRate) -> Kpi:
    return Kpi(
        "Monthly run rate",
        format_money(r.monthly, r.currency),
        None,
        "off",
        f"seats {format_money(r.seats_monthly, r.currency)} + usage "
        f"{format_money(r.usage_30_days, r.currency)}",
        "What the AI tools cost a month at today's seats and usage: the seats held on "
        f"{r.as_of:%Y-%m-%d} (the period's last day) at their monthly price, plus the usage "
        "charges of the 30 days up to it. Of the selected tools, for the whole organization.",
        f"as of {r.as_of:%Y-%m-%d} · the whole organization (not split by team)",
    )


# --- delivery: AI-assisted share, throughput, uplift, cycle time --------------------------


def share_kpi(figures: pl.DataFrame, u: KpiUncertainty) -> Kpi:
    cur, prev = rows(figures)
    level = format_interval(u.ai_share.map(lambda x: x * 100), ".1f", "%")
    change = format_interval(u.ai_share_change.map(lambda x: x * 100), "+.1f", " pp")
    return Kpi(
        "AI-assisted PR share",
        format_share(cur["ai_share"]),
        delta_points(cur["ai_share"], prev["ai_share"]),
        "normal",
        f"{cur['ai_prs']:,} of {cur['merged_prs']:,} merged PRs",
        "Merged PRs with an AI marker (authored or assisted, at or above the configured "
        f"confidence; with a tool filter: of those tools) / all merged PRs. The rest is "
        f"'{NO_MARKER_LABEL}', not proven human. Intervals resample PR authors. "
        f"{previous_label(prev)}: {format_share(prev['ai_share'])}.",
        " · ".join(x for x in (level, f"change {change}" if change else "") if x),
    )


def throughput_kpi(figures: pl.DataFrame, u: KpiUncertainty) -> Kpi:
    cur, prev = rows(figures)
    level = format_interval(u.throughput, ".2f")
    change = format_interval(u.throughput_change, "+.2f")
    return Kpi(
        "PRs per engineer-week",
        format_rate(cur["throughput"]),
        delta_rate(cur["throughput"], prev["throughput"]),
        "normal",
        f"{cur['merged_prs']:,} PRs · {cur['active_engineers']:,} active engineers",
        "Merged PRs per active engineer per week: merged PRs / active engineers / weeks. "
        "Active: at least one merged PR or default-branch commit in the period (humans only). "
        f"Intervals resample people. {previous_label(prev)}: {format_rate(prev['throughput'])}.",
        " · ".join(x for x in (level, f"change {change}" if change else "") if x),
    )


def uplift_kpi(uplift: Uplift) -> Kpi:
    pct = uplift.percent
    basis = ", ".join(f"{n} by {b}" for b, n in uplift.basis.items() if n)
    return Kpi(
        "Measured uplift",
        f"{pct.value:+.0f}%" if pct.ok and pct.value is not None else NOT_ENOUGH,
        None,
        "off",
        f"{uplift.treated_engineers} adopters vs {uplift.comparison_engineers} not yet adopted"
        if pct.ok
        else pct.note,
        "Difference-in-differences over the whole history: adopters' merged PRs per week "
        "after their own adoption date vs before, against colleagues not yet adopted in the "
        "same weeks (ratio scale). Adoption date: the seat assignment where known, else the "
        "first day of other evidence of use (Copilot usage, seat activity, vendor usage), "
        f"else the first AI-marked change ({basis or 'none'}).",
        format_interval(pct, "+.0f", "%"),
    )


def size_sentence(size: Comparison | None) -> str:
    """The within-engineer PR-size ratio in words ("" when it is not shown)."""
    if size is None or not size.ratio.ok or size.ratio.value is None:
        return ""
    return f"AI-assisted PRs are {size.ratio.value:.2f}× the size of the same engineers' other PRs"


def pooled_sentence(pooled: Comparison | None) -> str:
    """The pooled ratio in words, labelled descriptive ("" when it is not shown)."""
    if pooled is None or not pooled.ratio.ok or pooled.ratio.value is None:
        return ""
    return f"Pooled, unadjusted (descriptive): {pooled.ratio.value:.2f}×"


def cycle_kpi(cycle: CycleComparison, previous: CycleComparison) -> Kpi:
    """The cycle-time ratio within engineer (the headline; the pooled one in its help)."""
    label = "Cycle time, AI ÷ no marker"
    c, before = cycle.within, previous.within
    extra = [x + "." for x in (size_sentence(cycle.size), pooled_sentence(cycle.pooled)) if x]
    help_ = " ".join(
        [
            "Each engineer's AI-assisted PRs against their own no-marker PRs (engineers with "
            f"{MIN_PRS_EACH}+ of each in the period): the ratio of median cycle times (first "
            "commit → merge) relative to each engineer's own, with a bootstrap interval that "
            "resamples engineers (below 1: AI-assisted PRs are faster).",
            *extra,
            "The pooled ratio sets all AI-assisted PRs against all others: it mixes who uses AI "
            "(teams, tasks) with what AI does, so it is not the headline.",
        ]
    )
    if c is None or not c.ratio.ok or c.ratio.value is None:
        note = c.ratio.note if c is not None else "no merged PR with a timeline"
        return Kpi(label, NOT_ENOUGH, None, "off", note, help_)
    delta = None
    if before is not None and before.ratio.ok and before.ratio.value is not None:
        delta = f"{c.ratio.value - before.ratio.value:+.2f}×"
    return Kpi(
        label,
        f"{c.ratio.value:.2f}×",
        delta,
        "inverse",
        f"{c.ai_engineers:,} engineers, their own PRs compared ({c.ai_prs:,} AI-assisted, "
        f"{c.no_marker_prs:,} {NO_MARKER_LABEL})",
        help_,
        format_interval(c.ratio, ".2f", "×"),
    )


# --- seats ----------------------------------------------------------------------------------


def idle_kpi(seats: pl.DataFrame, currency: str, as_of: dt.date, change: Change) -> Kpi:
    t = seat_totals(seats)
    shown = t.currencies[0] if len(t.currencies) == 1 else currency
    delta, arrow = changed(change, lambda c, p: delta_money(c, p, shown))
    return Kpi(
        "Idle seat cost",
        format_money(t.idle_monthly_cost, shown) if t.idle else format_money(0.0, currency),
        delta,
        "inverse" if arrow == "auto" else "off",
        f"{t.idle:,} of {t.assigned:,} seats idle on {as_of:%Y-%m-%d}",
        "Seats held on the period's last day with no use in the 30 days up to it (the "
        "vendor's last activity, or an AI-assisted PR of that tool merged by the holder), "
        "each at its plan's monthly price: what could be reclaimed a month. "
        + change_help(change, lambda v: format_money(v, shown), "on its last day"),
        delta_arrow=arrow,
    )
