"""The report's layout: one self-contained HTML document of a
:class:`~aimetrics.exports.report.model.Report`.

Page 1 is the one-pager, the appendix follows (CSS page breaks); the CSS is inline and
the charts are plotly figures drawn by the inlined plotly.js (its basic bundle: bar, pie and
scatter traces, :data:`PLOTLY_BUNDLE`) once the page loads, after
which the document sets ``data-charts="ready"`` on ``<html>`` (what the PDF printer waits
for). Headline figures carry their exact values as ``data-value`` (``data-low``,
``data-high``, ``data-previous``, ``data-status``) for checks and scrapers.

Why plotly.js inlined rather than images rendered by kaleido: the HTML then needs no
browser to be produced (the dashboard's "Download report" button and the Docker image
have none) and no extra dependency (plotly ships the bundle), the charts keep their
hover details, and the PDF is the same document printed, not a second rendering. The
cost is size: the basic bundle is 1.2 MB (the full one 4.8 MB), so a report stays under
1.5 MB; every figure is also in the text and tables, so a viewer that blocks scripts still
shows them all.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from importlib.resources import files

import plotly.graph_objects as go
import plotly.io as pio
import polars as pl

from aimetrics.exports.csv_tables import aimetrics_version
from aimetrics.exports.report import charts
from aimetrics.exports.report.ai_lines_block import ai_lines_block
from aimetrics.exports.report.cells import (
    count,
    day,
    esc,
    hours1,
    money_cells,
    pct,
    rate2,
    table,
)
from aimetrics.exports.report.kpi import Kpi, kpi_change, kpi_interval
from aimetrics.exports.report.model import (
    INPUT_LABELS,
    MAX_PR_ROWS,
    Report,
    describe_selection,
)
from aimetrics.exports.report.style import CHART_SCRIPT, CSS
from aimetrics.exports.report.value_cells import attr as _attr
from aimetrics.exports.report.value_cells import roi_cell, value_cells
from aimetrics.format import MISSING, STAGE_NAMES, format_money, format_number, format_period
from aimetrics.metrics.stats import OK, Estimate
from aimetrics.vocabulary import NO_MARKER

# --- HTML ----------------------------------------------------------------------------------------


class _Html:
    """The document being written: its parts and its charts."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.charts = 0

    def add(self, *chunks: str) -> None:
        self.parts.extend(chunks)

    def chart(self, fig: go.Figure) -> None:
        self.charts += 1
        name = f"chart-{self.charts}"
        spec = pio.to_json(fig, validate=False, remove_uids=True).replace("</", "<\\/")
        height = int(fig.layout.height or 240)
        self.add(
            f'<div class="chart" id="{name}" style="height:{height}px"></div>',
            f'<script type="application/json" id="{name}-spec">{spec}</script>',
        )


def _kpi_tile(k: Kpi, currency: str) -> str:
    attrs = f'data-figure="{esc(k.key)}" data-status="{esc(k.status)}"'
    for name, value in (
        ("value", k.value),
        ("low", k.low),
        ("high", k.high),
        ("previous", k.previous),
    ):
        if value is not None:
            attrs += f' data-{name}="{_attr(value)}"'
    if k.value is None:
        shown = MISSING if k.status == OK else k.status
        value = f'<div class="value none" {attrs}>{esc(shown)}</div>'
        detail = esc(k.note or "no data in this period and selection")
    else:
        value = f'<div class="value" {attrs}>{esc(format_number(k.value, k.unit, currency))}</div>'
        bits = [kpi_interval(k, currency), kpi_change(k, currency)]
        detail = esc(" · ".join(b for b in bits if b))
    return (
        f'<div class="tile"><div class="label">{esc(k.label)}</div>{value}'
        f'<div class="detail">{detail}</div><div class="n">{esc(k.sample)}</div></div>'
    )


def _tiles(r: Report, keys: Sequence[str], currency: str) -> str:
    return '<div class="tiles">' + "".join(_kpi_tile(r.kpis[k], currency) for k in keys) + "</div>"


def _estimate_text(est: Estimate, unit: str, currency: str = "USD") -> str:
    if not est.ok:
        return f"{est.status} ({est.note})" if est.note else est.status
    k = Kpi.of("", "", unit, est)
    interval = kpi_interval(k, currency)
    return format_number(k.value, unit, currency) + (f" ({interval})" if interval else "")


def _onepager(doc: _Html, r: Report) -> None:
    f = r.figures
    currency, roi_currency = f.currency, f.money.roi.currency
    doc.add('<section class="onepager">')
    doc.add(f"<h1>{esc(r.title)}</h1>")
    doc.add(
        f'<p class="sub">{esc(format_period(f.period))} ({f.period.days} days, {esc(f.period.tz)}) '
        f"compared with the {f.period.days} days before · {esc(describe_selection(f.selection))}"
        f" · generated {f.generated_at:%Y-%m-%d %H:%M} UTC</p>"
    )
    if r.withheld:
        doc.add(f'<div class="withheld">{esc(r.withheld)}</div></section>')
        return
    doc.add('<div class="summary">' + "".join(f"<p>{esc(s)}</p>" for s in r.summary) + "</div>")
    doc.add("<h3>Capacity, value and spend</h3>")
    hours = f.money.roi.hours_saved_per_ai_user_per_week
    doc.add(
        '<table class="roi"><thead><tr><th>Capacity gained (measured)</th>'
        "<th>Value of the capacity against the spend</th>"
        f"<th>Assumed: {hours:g} h saved per AI user per week</th></tr></thead><tbody><tr>"
        + value_cells(r, roi_currency)
        + "</tr></tbody></table>"
    )
    doc.add(
        _tiles(
            r, ("spend", "run_rate", "cost_per_merged_pr", "idle_seats"), currency,
        )
    )  # fmt: skip
    if f.roi is not None:
        doc.chart(charts.balance_chart(f.roi.measured, f.roi.assumed))
    doc.add("<h3>Adoption and delivery</h3>")
    doc.add(_tiles(r, ("ai_share", "adoption_rate", "throughput", "uplift"), currency))
    doc.add("<h3>Cycle time and quality guardrails</h3>")
    doc.add(_tiles(r, ("cycle_ratio", "size_ratio", "revert_diff", "unreviewed_diff"), currency))
    doc.add(
        "<footer>Definitions, assumptions and sample sizes: see the appendix. "
        f"aimetrics {esc(aimetrics_version())}.</footer></section>"
    )


def _appendix(doc: _Html, r: Report) -> None:
    f = r.figures
    cur = f.currency
    money = money_cells(cur)
    doc.add('<section class="appendix">')
    if not r.withheld:
        _appendix_figures(doc, r, money)
    doc.add("<h2>Method notes</h2><dl>")
    for term, text in r.notes:
        doc.add(f"<div><dt>{esc(term)}</dt><dd>{esc(text)}</dd></div>")
    doc.add("</dl>")
    if not r.withheld:
        doc.add("<h3>Sample sizes</h3>")
        doc.add(
            table(
                pl.DataFrame(list(r.samples), schema=["what", "n"], orient="row"),
                [("what", "", None), ("n", "", None)],
            )
        )
        if f.roi is not None:
            for m in (f.roi.measured, f.roi.assumed):
                doc.add(f"<h3>Assumptions: {esc(m.method)}</h3><ul>")
                doc.add("".join(f"<li>{esc(a)}</li>" for a in m.assumptions) + "</ul>")
    if r.privacy:
        doc.add("<h3>Privacy</h3>" + "".join(f'<p class="note">{esc(p)}</p>' for p in r.privacy))
    s = f.settings
    last = f.overview.last_collected
    doc.add(
        "<h3>About this report</h3>"
        + table(
            pl.DataFrame(
                [
                    ("Period", f"{format_period(f.period)} ({f.period.tz})"),
                    ("Filters", describe_selection(f.selection)),
                    # No store URL or file path: a report travels (e-mail, slides) and
                    # where the data lives is nobody's business outside the team.
                    ("Configuration", s.source_file.name if s.source_file else "built-in defaults"),
                    ("Data last collected", f"{last:%Y-%m-%d %H:%M} UTC" if last else MISSING),
                    ("Generated", f"{f.generated_at:%Y-%m-%d %H:%M} UTC"),
                    ("aimetrics", aimetrics_version()),
                ],
                schema=["what", "value"],
                orient="row",
            ),
            [("what", "", None), ("value", "", None)],
        )
    )
    doc.add("</section>")


def _appendix_figures(doc: _Html, r: Report, money: Callable[[object], str]) -> None:
    f = r.figures
    cur, roi_cur = f.currency, f.money.roi.currency
    doc.add("<h2>Appendix A. Spend and ROI</h2>")
    if f.selection.repositories:
        doc.add(
            '<p class="note">Spend is not attributed to repositories: with a repository filter '
            "there is no spend, cost per PR or ROI.</p>"
        )
    elif not f.spend.by_month.is_empty():
        doc.chart(charts.spend_chart(f.spend.by_month, cur))
        doc.add(
            table(
                f.spend.by_month,
                [
                    ("tool_id", "AI tool", None),
                    ("month", "Month", lambda v: f"{v:%Y-%m}"),
                    ("component", "Component", None),
                    ("basis", "Basis", None),
                    ("amount", f"In the period ({cur})", money),
                    ("month_amount", f"Whole month ({cur})", money),
                ],
            )
        )
    if f.roi is not None:
        doc.add("<h3>ROI in percent (appendix)</h3>")
        doc.add(
            '<table class="roi"><thead><tr><th>ROI, measured uplift</th>'
            "<th>ROI, assumed time saved (an assumption)</th></tr></thead><tbody><tr>"
            + roi_cell(r, "measured", roi_cur)
            + roi_cell(r, "assumed", roi_cur)
            + "</tr></tbody></table>"
        )
        rows = []
        for label, attr, unit in (
            ("Hours gained", "hours", "count"),
            (f"Value ({roi_cur})", "value", "money"),
            ("ROI", "roi", "percent"),
            ("Payback", "payback_days", "days"),
        ):
            cells = []
            for m in (f.roi.measured, f.roi.assumed):
                est: Estimate = getattr(m, attr)
                if attr == "roi":
                    est = est.map(lambda v: v * 100.0)
                cells.append(_estimate_text(est, unit, roi_cur))
            rows.append((label, *cells))
        doc.add(
            table(
                pl.DataFrame(rows, schema=["figure", "measured", "assumed"], orient="row"),
                [
                    ("figure", "", None),
                    ("measured", "Measured uplift", None),
                    ("assumed", "Assumed time saved", None),
                ],
            )
        )
        inputs = [
            (m.method, INPUT_LABELS.get(k, k), f"{v:,.2f}")
            for m in (f.roi.measured, f.roi.assumed)
            for k, v in m.inputs.items()
        ]
        doc.add(
            table(
                pl.DataFrame(inputs, schema=["method", "input", "value"], orient="row"),
                [("method", "Method", None), ("input", "Input", None), ("value", "Value", None)],
            )
        )
        doc.add(
            f'<p class="note">Spend in {esc(roi_cur)}: '
            f"{esc(format_money(f.roi.measured.spend, roi_cur))}"
            + (
                f"; left out for want of an exchange rate: "
                f"{esc(', '.join(f.roi.measured.other_currencies))}"
                if f.roi.measured.other_currencies
                else ""
            )
            + ".</p>"
        )
    doc.add("<h3>Seats and idle seats</h3>")
    doc.add(
        table(
            f.spend.seats,
            [
                ("tool_id", "AI tool", None),
                ("assigned", "Assigned", count),
                ("active", "Used (30 days)", count),
                ("idle", "Idle", count),
                ("utilization", "Utilization", pct),
                ("idle_monthly_cost", f"Idle seats' monthly cost ({cur})", money),
            ],
            "No seat assignments are recorded for this selection.",
        )
    )

    a = f.adoption["team"]
    doc.add("<h2>Appendix B. Adoption</h2>")
    if f.overview.trend["merged_prs"].sum():
        other = NO_MARKER if not f.selection.tools else "no marker or other tools"
        doc.chart(charts.weekly_chart(f.overview.trend, other, f.period))
    doc.add("<h3>By AI tool</h3>")
    doc.add(
        table(
            a.tools,
            [
                ("tool", "AI tool", None),
                ("prs", "AI-assisted PRs", count),
                ("merged_prs", "All merged PRs", count),
                ("share", "Share", pct),
            ],
            "No AI-assisted merged PRs in this period.",
        )
    )
    doc.add("<h3>By team</h3>")
    doc.add(
        table(
            a.by_group,
            [
                ("group", "Team", None),
                ("active_contributors", "Active engineers", count),
                ("ai_users", "AI users", count),
                ("ai_users_without_markers", "Without markers", count),
                ("adoption_rate", "Adoption", pct),
                ("merged_prs", "Merged PRs", count),
                ("ai_share", "AI-assisted share", pct),
                ("ai_commit_share", "AI commit share", pct),
            ],
        )
    )
    doc.add("<h3>Adoption cohorts</h3>")
    doc.add(
        table(
            a.cohorts,
            [
                ("cohort", "Cohort", None),
                ("engineers", "Engineers", count),
                ("prs", "Merged PRs", count),
                ("ai_prs", "AI-assisted PRs", count),
            ],
            "No engineer merged a PR in this period.",
        )
    )
    doc.add(
        '<p class="note">none: no AI-assisted merged PR; light: under half of them; heavy: '
        "half or more. PR counts of cohorts under the privacy threshold are not shown.</p>"
    )
    doc.add(ai_lines_block(f))

    d = f.delivery["team"]
    doc.add("<h2>Appendix C. Delivery</h2>")
    doc.add(
        table(
            d.by_group,
            [
                ("group", "Team", None),
                ("merged_prs", "Merged PRs", count),
                ("ai_prs", "AI-assisted", count),
                ("active_engineers", "Active engineers", count),
                ("throughput", "PRs per engineer-week", rate2),
            ],
        )
    )
    if not d.stages.is_empty():
        doc.chart(charts.stage_chart(d.stages))
        doc.add(
            table(
                d.stages,
                [
                    ("comparison", "AI marker", None),
                    ("stage", "Stage", lambda v: STAGE_NAMES.get(str(v), str(v))),
                    ("n", "PRs", count),
                    ("people", "Engineers", count),
                    ("median", "Median (h)", hours1),
                    ("p75", "p75 (h)", hours1),
                    ("p90", "p90 (h)", hours1),
                ],
            )
        )
    if not f.selection.repositories and not f.teams.map.is_empty():
        doc.add("<h3>Spend and measured change per team</h3>")
        doc.add(
            table(
                f.teams.map,
                [
                    ("group", "Team", None),
                    ("engineers", "Engineers", count),
                    ("spend", f"Spend ({cur})", money),
                    ("spend_per_engineer", f"Per engineer ({cur})", money),
                    ("uplift", "Throughput change (%)", hours1),
                    ("uplift_low", "CI low", hours1),
                    ("uplift_high", "CI high", hours1),
                    ("status", "Status", None),
                ],
            )
        )

    q = f.quality["team"]
    doc.add("<h2>Appendix D. Quality guardrails</h2>")
    doc.add(
        table(
            q.summary,
            [
                ("comparison", "AI marker", None),
                ("merged_prs", "Merged PRs", count),
                ("people", "Engineers", count),
                ("revert_rate", "Reverted", pct),
                ("median_lines", "Median size (lines)", count),
                ("unreviewed_share", "No human review", pct),
                ("rounds_share", "Changes requested", pct),
            ],
        )
    )
    doc.add(
        f'<p class="note">AI-assisted minus no marker, pooled over all authors (descriptive): '
        f"revert rate "
        f"{esc(_estimate_text(q.revert_diff, 'pp'))}; merged without a human review "
        f"{esc(_estimate_text(q.unreviewed_diff, 'pp'))}. Follow-up fixes are not measured: "
        "the store does not keep the files each PR changed.</p>"
    )
    if not q.reverted.is_empty():
        doc.add("<h3>Reverted pull requests</h3>")
        doc.add(
            table(
                q.reverted.head(MAX_PR_ROWS),
                [
                    ("merged_at", "Merged", day),
                    ("reverted_at", "Reverted", day),
                    ("repository", "Repository", None),
                    ("title", "Title", None),
                    ("comparison", "AI marker", None),
                    ("url", "PR", None),
                ],
            )
        )
        if q.reverted.height > MAX_PR_ROWS:
            doc.add(
                f'<p class="note">{q.reverted.height - MAX_PR_ROWS} more in '
                "reverted-prs.csv (aimetrics export csv).</p>"
            )


PLOTLY_BUNDLE = "vendor/plotly-basic.min.js"  # plotly.js basic: bar, pie, scatter (README)
PLOTLY_TRACES = frozenset({"bar", "pie", "scatter"})  # what the bundle can draw


def plotly_bundle() -> str:
    """The plotly.js basic bundle shipped with the package (vendor/README.md)."""
    return (files("aimetrics.exports.report") / PLOTLY_BUNDLE).read_text(encoding="utf-8")


def render_html(report: Report) -> str:
    """The report as one self-contained HTML document (CSS and plotly.js inline)."""
    doc = _Html()
    _onepager(doc, report)
    _appendix(doc, report)
    body = "\n".join(doc.parts)
    scripts = ""
    if doc.charts:
        # The basic bundle inlined: no CDN and no request, so the file works offline.
        scripts = (
            f"<script>{plotly_bundle()}</script>\n<script>{CHART_SCRIPT}</script>"
            '<noscript><p class="note">The charts need JavaScript; every figure is also in '
            "the text and tables.</p></noscript>"
        )
    else:
        scripts = "<script>document.documentElement.setAttribute('data-charts','ready');</script>"
    f = report.figures
    meta = json.dumps(
        {
            "period": [f.period.start.isoformat(), f.period.last_day.isoformat()],
            "generated_at": f.generated_at.isoformat(),
        }
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(report.title)} · {esc(format_period(f.period))}</title>"
        f'<meta name="generator" content="aimetrics {esc(aimetrics_version())}">'
        f"<style>{CSS}</style>"
        f'<script type="application/json" id="report-meta">{meta}</script>'
        f"</head><body>\n{body}\n{scripts}\n</body></html>\n"
    )
