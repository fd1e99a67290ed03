"""What the leadership report says: its headline figures, sentences, method notes and sample
sizes, as data (:class:`Report`), built from the figures the dashboard shows.

- :func:`build_report` computes a :class:`Report` from the store, as
  :mod:`aimetrics.figures.compute` does for the CSV export, so every number in it is the
  dashboard's for the same filters; :func:`report_from_figures` does it from figures
  already computed.
- :mod:`aimetrics.exports.report.html` lays a report out as one self-contained HTML
  document, :mod:`aimetrics.exports.pdf` prints that document with headless
  Chromium. Numbers are written by :mod:`aimetrics.format`, the dashboard's formatter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
import sqlalchemy as sa

from aimetrics.exports.report.notes import method_notes
from aimetrics.figures import value as value_text
from aimetrics.figures.compute import Figures, load_figures
from aimetrics.format import format_change, format_money, format_number, format_share
from aimetrics.metrics.adoption import Selection
from aimetrics.metrics.period import Period
from aimetrics.metrics.roi import MEASURED, RoiFigures
from aimetrics.metrics.stats import NOT_ENOUGH_DATA, OK, Comparison, Estimate
from aimetrics.settings import Settings

INPUT_LABELS = {
    "post_adoption_prs": "merged PRs of adopters after their adoption, in the period",
    "hours_per_week": "working hours per engineer-week (roi.hours_per_week)",
    "uplift_ratio": "measured uplift (ratio)",
    "baseline_prs_per_week": "adopters' merged PRs per week before adoption",
    "extra_prs": "extra merged PRs attributed to AI",
    "ai_users": "AI users in the period (evidence of AI use)",
    "weeks": "weeks in the period",
    "hours_saved_per_ai_user_per_week": "hours saved per AI user per week (assumed)",
}
MAX_PR_ROWS = 25  # reverted PRs listed in the appendix (all of them are in the CSV export)
REPORTED = ("team",)  # the breakdowns the report shows (compute_figures' ``breakdowns``)


# --- the report as data ---------------------------------------------------------------------


@dataclass(frozen=True)
class Kpi:
    """One headline figure: its value (with interval, or why there is none) and sample.

    ``unit``: ``money`` (whole), ``money2`` (cents), ``share`` (0..1), ``pp``
    (percentage points), ``percent`` (a change, +20 = +20 %), ``ratio`` (0.8×),
    ``rate`` (two decimals), ``hours``, ``days`` or ``count``.
    """

    key: str
    label: str
    unit: str
    value: float | None
    low: float | None = None
    high: float | None = None
    level: float | None = None
    previous: float | None = None
    status: str = OK
    note: str = ""  # why there is no figure ("not enough data": the reason)
    sample: str = ""  # what it rests on, in words

    @classmethod
    def of(cls, key: str, label: str, unit: str, est: Estimate, **kw: object) -> Kpi:
        """From an :class:`Estimate` (an interval only when it has one)."""
        if not est.ok:
            return cls(key, label, unit, None, status=est.status, note=est.note, **kw)  # type: ignore[arg-type]
        return cls(key, label, unit, est.value, est.low, est.high, est.level or None, **kw)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Report:
    """The report, ready to lay out: headline figures, sentences, notes, the figures."""

    figures: Figures
    title: str
    kpis: dict[str, Kpi]  # the one-pager's figures by key
    summary: tuple[str, ...]  # the bottom line, in plain words
    notes: tuple[tuple[str, str], ...]  # method notes: (term, definition)
    samples: tuple[tuple[str, str], ...]  # sample sizes: (what, how many)
    privacy: tuple[str, ...]  # what privacy left out
    withheld: str  # why no figure is shown ("" when they are)

    @property
    def period(self) -> Period:
        return self.figures.period


def build_report(
    engine: sa.Engine,
    settings: Settings,
    period: Period,
    selection: Selection | None = None,
    *,
    now: dt.datetime | None = None,
) -> Report:
    """The report of ``period`` and ``selection`` (all when None), read from the store."""
    figures = load_figures(engine, settings, period, selection, now=now, breakdowns=REPORTED)
    return report_from_figures(figures)


# --- a headline figure in words -----------------------------------------------------------------


def kpi_interval(k: Kpi, currency: str = "USD") -> str:
    """``90% CI a to b`` of a headline figure ("" without an interval)."""
    if k.low is None or k.high is None or not k.level:
        return ""
    return (
        f"{k.level:.0%} CI {format_number(k.low, k.unit, currency)} to "
        f"{format_number(k.high, k.unit, currency)}"
    )


def kpi_change(k: Kpi, currency: str = "USD") -> str:
    """The change of a headline figure from the previous period, as the dashboard shows it."""
    return format_change(k.value, k.previous, k.unit, currency)


# --- building the report ------------------------------------------------------------------------


def _row(frame: pl.DataFrame, **where: str) -> dict[str, object]:
    rows = frame
    for column, value in where.items():
        rows = rows.filter(pl.col(column) == value)
    return rows.row(0, named=True) if rows.height else {}


def _num(row: dict[str, object], column: str) -> float | None:
    value = row.get(column)
    return None if value is None else float(value)  # type: ignore[arg-type]


def _int(row: dict[str, object], column: str) -> int:
    return int(row.get(column) or 0)  # type: ignore[call-overload]


def _comparison_kpi(
    key: str, label: str, c: Comparison | None, previous: Comparison | None, within: bool = False
) -> Kpi:
    """A ratio AI-assisted ÷ no marker; ``within``: of the same engineers (the sample names the
    engineers who count), else pooled over everyone."""
    if c is None:
        return Kpi(
            key,
            label,
            "ratio",
            None,
            status=NOT_ENOUGH_DATA,
            note="no merged PR with a known timeline",
        )
    hours = "cycle" in c.metric  # else a PR size, in lines

    def median(x: float | None) -> str:
        return format_number(x, "hours") if hours else f"{format_number(x, 'count')} lines"

    if within:
        sample = (
            f"{c.ai_engineers} engineers, their own PRs compared: median "
            f"{median(c.ai_median)} AI-assisted ({c.ai_prs:,} PRs) vs "
            f"{median(c.no_marker_median)} no marker ({c.no_marker_prs:,} PRs)"
        )
    else:
        sample = (
            f"median {median(c.ai_median)} AI-assisted ({c.ai_prs:,} PRs, "
            f"{c.ai_engineers} engineers) vs {median(c.no_marker_median)} no "
            f"marker ({c.no_marker_prs:,} PRs, {c.no_marker_engineers} engineers)"
        )
    before = previous.ratio.value if previous is not None and previous.ratio.ok else None
    return Kpi.of(key, label, "ratio", c.ratio, sample=sample, previous=before)


def _roi_kpis(prefix: str, m: RoiFigures | None) -> list[Kpi]:
    if m is None:
        note = "spend is not attributed to repositories, and a repository filter is set"
        return [
            Kpi(f"{prefix}_roi", "ROI", "percent", None, status="not available", note=note),
            Kpi(f"{prefix}_value", "Value", "money", None, status="not available", note=note),
            Kpi(f"{prefix}_payback", "Payback", "days", None, status="not available", note=note),
        ]
    roi = m.roi.map(lambda r: r * 100.0)
    sample = (
        f"uplift measured on {m.hours.engineers} engineers, {m.hours.prs:,} PRs (all history)"
        if m.method == MEASURED
        else f"{m.hours.engineers} AI users"
    )
    # No previous figure: a change of an ROI (in points) is not shown anywhere.
    return [
        Kpi.of(f"{prefix}_roi", "ROI", "percent", roi, sample=sample),
        Kpi.of(f"{prefix}_value", "Value", "money", m.value),
        Kpi.of(f"{prefix}_payback", "Payback", "days", m.payback_days),
        Kpi.of(f"{prefix}_hours", "Hours", "count", m.hours),
    ]


def _ai_users(head: dict[str, object]) -> tuple[str, str]:
    """("N of M active engineers", ", K of them without AI markers" or "" when none): the
    one AI-user definition (docs/metrics.md "Active engineers, AI users, adoption rate").
    Said beside the count, so that no one takes it for the AI-marked PRs' authors."""
    without = _int(head, "ai_users_without_markers")
    return (
        f"{_int(head, 'ai_users'):,} of {_int(head, 'active_contributors'):,} active engineers",
        f", {without:,} of them without AI markers" if without else "",
    )


def _kpis(f: Figures) -> dict[str, Kpi]:
    cur, prev = _row(f.spend.figures, period="current"), _row(f.spend.figures, period="previous")
    u, o = f.overview.uncertainty, f.overview
    head = _row(f.adoption["team"].headline)
    bases = ", ".join(cur.get("bases") or ()) or "none"  # type: ignore[call-overload]
    seats = f.spend.seats
    assigned, idle = int(seats["assigned"].sum() or 0), int(seats["idle"].sum() or 0)
    idle_cost = float(seats["idle_monthly_cost"].fill_null(0).sum() or 0) if idle else 0.0
    uplift = f.measured.uplift
    q = f.quality["team"]
    roi = f.roi
    billed, estimated = _num(cur, "spend_billed"), _num(cur, "spend_estimated")
    split = value_text.spend_split(billed, estimated, f.currency)
    rate = f.spend.run_rate
    kpis = [
        Kpi(
            "spend",
            "AI spend",
            "money",
            _num(cur, "spend"),
            previous=_num(prev, "spend"),
            sample=f"{split}; bases: {bases}" if split else f"bases: {bases}",
        ),
        Kpi("spend_billed", "AI spend billed", "money", billed),
        Kpi("spend_estimated", "AI spend estimated", "money", estimated),
        Kpi(
            "run_rate",
            "Monthly run rate",
            "money",
            rate.monthly,
            sample=f"seats on {rate.as_of:%Y-%m-%d} + the last 30 days' usage",
        ),
        Kpi(
            "cost_per_merged_pr",
            "AI cost per merged PR",
            "money2",
            _num(cur, "cost_per_merged_pr"),
            previous=_num(prev, "cost_per_merged_pr"),
            sample=f"{_int(cur, 'merged_prs'):,} merged PRs",
        ),
        Kpi(
            "idle_seats",
            "Idle seats to reclaim",
            "count",
            float(idle),
            sample=f"of {assigned:,} seats on {f.spend.as_of:%Y-%m-%d}",
        ),
        Kpi(
            "idle_monthly_cost",
            "Idle seats' monthly cost",
            "money",
            idle_cost,
            sample="what reclaiming them saves a month",
        ),
        Kpi(
            "ai_share",
            "AI-assisted share of merged PRs",
            "share",
            _num(cur, "ai_share"),
            u.ai_share.low,
            u.ai_share.high,
            u.ai_share.level if u.ai_share.ok else None,
            previous=_num(prev, "ai_share"),
            sample=f"{_int(cur, 'ai_prs'):,} of {_int(cur, 'merged_prs'):,} merged PRs",
        ),
        Kpi(
            "adoption_rate",
            "AI users",
            "share",
            _num(head, "adoption_rate"),
            sample="".join(_ai_users(head)),
        ),
        Kpi(
            "throughput",
            "Merged PRs per engineer-week",
            "rate",
            _num(cur, "throughput"),
            u.throughput.low,
            u.throughput.high,
            u.throughput.level if u.throughput.ok else None,
            previous=_num(prev, "throughput"),
            sample=f"{_int(cur, 'merged_prs'):,} PRs, {_int(cur, 'active_engineers'):,} "
            "active engineers",
        ),
        Kpi.of(
            "uplift",
            "Measured throughput change after adopting AI",
            "percent",
            uplift.percent,
            sample=f"{uplift.treated_engineers} adopting vs {uplift.comparison_engineers} "
            "not-yet-adopted engineers",
        ),
        _comparison_kpi(
            "cycle_ratio",
            "Cycle time, AI-assisted ÷ no marker, same engineers",
            o.cycle.within,
            o.cycle_previous.within,
            within=True,
        ),
        _comparison_kpi(
            "cycle_ratio_pooled",
            "Cycle time, AI-assisted ÷ no marker, pooled, unadjusted (descriptive)",
            o.cycle.pooled,
            o.cycle_previous.pooled,
        ),
        _comparison_kpi(
            "size_ratio",
            "PR size, AI-assisted ÷ no marker, same engineers",
            o.cycle.size,
            None,
            within=True,
        ),
        Kpi.of(
            "revert_diff",
            "Revert rate, AI-assisted − no marker (pooled)",
            "pp",
            q.revert_diff,
            sample=f"{q.revert_diff.prs:,} PRs, {q.revert_diff.engineers} authors",
        ),
        Kpi.of(
            "unreviewed_diff",
            "Merged without human review, AI-assisted − no marker (pooled)",
            "pp",
            q.unreviewed_diff,
            sample=f"{q.unreviewed_diff.prs:,} PRs, {q.unreviewed_diff.engineers} authors",
        ),
        *_roi_kpis("measured", roi.measured if roi else None),
        *_roi_kpis("assumed", roi.assumed if roi else None),
        *_value_kpis(f),
    ]
    return {k.key: k for k in kpis}


def _value_kpis(f: Figures) -> list[Kpi]:
    """Capacity in engineer-equivalents and value per unit of spend (measured)."""
    if f.roi is None:
        note = "spend is not attributed to repositories, and a repository filter is set"
        return [Kpi(key, key, "rate", None, status="not available", note=note)
                for key in ("capacity", "value_per_spend")]  # fmt: skip
    capacity = f.roi.capacity or Estimate.not_enough(0, 0, 0.0, "not computed")
    return [
        Kpi.of(
            "capacity", "Capacity gained (engineer-equivalents)", "rate", capacity,
            sample=value_text.CAPACITY_NOT_HEADCOUNT,
        ),
        Kpi.of("value_per_spend", "Value per unit of AI spend", "ratio", f.roi.value_per_spend),
    ]  # fmt: skip


def _merged(f: Figures) -> int:
    """Counted PRs merged in the period and selection."""
    return _int(_row(f.spend.figures, period="current"), "merged_prs")


def _verdict(est: Kpi, neutral: float, lower: str, higher: str) -> str:
    """Whether an interval settles the direction, in words."""
    if est.value is None or est.low is None or est.high is None:
        return ""
    if est.high < neutral:
        return lower
    if est.low > neutral:
        return higher
    return "no clear difference"


def _summary(f: Figures, k: dict[str, Kpi]) -> tuple[str, ...]:
    cur = f.currency
    days = f.period.days
    out = []
    spend = k["spend"]
    # The leadership order: capacity, its value against the spend (the conservative end
    # first), what the spend is made of, the run rate. ROI in percent: the appendix only.
    if f.roi is not None:
        out.append(value_text.capacity_sentence(f.roi))
        out.append(value_text.value_sentence(f.roi))
    if spend.value is None:
        out.append(
            "AI spend is not shown: spend is not attributed to repositories, and this "
            "report is filtered by repository."
        )
    else:
        split = value_text.spend_split(k["spend_billed"].value, k["spend_estimated"].value, cur)
        out.append(
            f"AI tools cost {format_money(spend.value, cur)} in these {days} days "
            f"({format_money(spend.previous, cur)} in the {days} days before), {split}: "
            f"{format_money(k['cost_per_merged_pr'].value, cur, 2)} per merged PR."
        )
        out.append(f"Monthly run rate: {value_text.run_rate_sentence(f.spend.run_rate)}.")
    if f.roi is not None:
        out.append(value_text.assumed_sentence(f.roi.assumed))
    if not _merged(f):
        out.append(
            "No merged pull requests match this period and these filters: choose another "
            "period or fewer filters."
        )
        return tuple(out)
    share, adoption = k["ai_share"], k["adoption_rate"]
    users, without = _ai_users(_row(f.adoption["team"].headline))
    out.append(
        f"{format_share(share.value)} of merged PRs were AI-assisted "
        f"({format_share(share.previous)} before); {users} used AI "
        f"({format_share(adoption.value)}){without}"
        + (" (Copilot completions and chat leave none)." if without else ".")
    )
    thr, up = k["throughput"], k["uplift"]
    uplift_text = (
        f"{format_number(up.value, 'percent')} ({kpi_interval(up)}; "
        f"{_verdict(up, 0.0, 'a decrease', 'an increase')})"
        if up.value is not None
        else f"not enough data ({up.note})"
    )
    out.append(
        f"Throughput was {format_number(thr.value, 'rate')} merged PRs per engineer-week "
        f"({format_number(thr.previous, 'rate')} before). Engineers' own throughput after they "
        f"adopted AI, against colleagues not yet using it: {uplift_text}."
    )
    out.append(_cycle_sentence(k))
    idle = k["idle_seats"]
    out.append(
        f"{format_number(idle.value, 'count')} idle seats ({idle.sample}): "
        f"{format_money(k['idle_monthly_cost'].value, cur)} a month to reclaim."
    )
    rev, unrev = k["revert_diff"], k["unreviewed_diff"]

    def guard(x: Kpi) -> str:
        if x.value is None:
            return f"not enough data ({x.note})"
        return (
            f"{format_number(x.value, 'pp')} ({kpi_interval(x)}; "
            f"{_verdict(x, 0.0, 'lower for AI-assisted', 'higher for AI-assisted')})"
        )

    out.append(
        f"Quality guardrails, AI-assisted minus no marker, pooled over all authors "
        f"(descriptive): revert rate {guard(rev)}; merged "
        f"without a human review {guard(unrev)}."
    )
    return tuple(out)


def _cycle_sentence(k: dict[str, Kpi]) -> str:
    """The cycle-time line: the within-engineer comparison, the size ratio beside it, and the
    pooled ratio named as descriptive."""
    cyc, size, pooled = k["cycle_ratio"], k["size_ratio"], k["cycle_ratio_pooled"]
    if cyc.value is None:
        text = (
            "Cycle time (first commit to merge), AI-assisted vs no-marker PRs of the same "
            f"engineers: not enough data ({cyc.note})."
        )
    else:
        verdict = _verdict(cyc, 1.0, "AI-assisted PRs are faster", "AI-assisted PRs are slower")
        text = (
            "Cycle time (first commit to merge), AI-assisted vs no-marker PRs of the same "
            f"engineers (within engineer; {cyc.sample}): ratio "
            f"{format_number(cyc.value, 'ratio')} ({kpi_interval(cyc)}; {verdict})."
        )
    if size.value is not None:
        text += (
            f" AI-assisted PRs are {format_number(size.value, 'ratio')} the size of the same "
            "engineers' other PRs."
        )
    if pooled.value is not None:
        text += (
            f" Pooled over everyone, unadjusted: {format_number(pooled.value, 'ratio')} "
            "(descriptive only: it mixes who uses AI with what AI does)."
        )
    return text


def _samples(f: Figures, k: dict[str, Kpi]) -> tuple[tuple[str, str], ...]:
    cur, prev = _row(f.spend.figures, period="current"), _row(f.spend.figures, period="previous")
    u = f.measured.uplift
    o = f.overview
    rows = [
        (
            "Merged PRs (this period / before)",
            f"{_int(cur, 'merged_prs'):,} / {_int(prev, 'merged_prs'):,}",
        ),
        ("AI-assisted merged PRs", f"{_int(cur, 'ai_prs'):,} / {_int(prev, 'ai_prs'):,}"),
        (
            "Active engineers",
            f"{_int(cur, 'active_engineers'):,} / {_int(prev, 'active_engineers'):,}",
        ),
        (
            "Measured uplift: adopting / comparison engineers, cohorts",
            f"{u.treated_engineers} / {u.comparison_engineers}, {u.cohorts}",
        ),
        (
            "Measured uplift: adopters' PRs after adoption, observed / expected",
            f"{u.observed_prs:,.0f} / {u.expected_prs:,.1f}",
        ),
    ]
    for label, c in (("within engineer", o.cycle.within), ("pooled", o.cycle.pooled)):
        if c is not None:
            rows.append(
                (
                    f"Cycle time, {label}: PRs (engineers), AI-assisted / no marker",
                    f"{c.ai_prs:,} ({c.ai_engineers}) / {c.no_marker_prs:,} "
                    f"({c.no_marker_engineers})",
                )
            )
    if f.roi is not None:
        a = f.roi.assumed
        rows.append(("ROI, assumed: AI users", f"{a.inputs.get('ai_users', 0):,.0f}"))
        m = f.roi.measured
        rows.append(
            ("ROI, measured: PRs after adoption", f"{m.inputs.get('post_adoption_prs', 0):,.0f}")
        )
    return tuple(rows)


def describe_selection(selection: Selection) -> str:
    parts = []
    if selection.teams:
        parts.append("teams " + ", ".join(selection.teams))
    if selection.repositories:
        parts.append("repositories " + ", ".join(selection.repositories))
    if selection.tools:
        parts.append("AI tools " + ", ".join(selection.tools))
    return "; ".join(parts) if parts else "the whole organization"


def report_from_figures(f: Figures) -> Report:
    """The :class:`Report` of figures already computed
    (:func:`aimetrics.figures.compute.compute_figures`)."""
    withheld = ""
    if f.withheld:
        withheld = (
            f"This selection has {f.people} active engineer(s), fewer than the privacy "
            f"threshold (privacy.min_group_size = {f.view.min_group_size}): its figures are not "
            "shown. Widen the teams or repositories."
        )
    kpis = _kpis(f)
    notes = [
        f.overview.privacy,
        f.teams.privacy,
        f.adoption["team"].privacy,
        f.delivery["team"].privacy,
        f.quality["team"].privacy,
    ]
    privacy = tuple(dict.fromkeys(n.text() for n in notes if n.any))
    return Report(
        figures=f,
        title="AI adoption and ROI",
        kpis=kpis,
        summary=() if withheld else _summary(f, kpis),
        notes=method_notes(f),
        samples=_samples(f, kpis),
        privacy=privacy,
        withheld=withheld,
    )
