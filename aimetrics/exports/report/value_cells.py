"""The report's value cells: Appendix A's capacity, value against spend (the conservative end
first) and the assumed method; Appendix B's ROI in percent (see
:mod:`aimetrics.exports.report.html`). Each figure's element carries its exact value as
``data-value`` (``data-low``, ``data-high``, ``data-status``)."""

from __future__ import annotations

from aimetrics.exports.report.cells import esc
from aimetrics.exports.report.kpi import Kpi, kpi_interval
from aimetrics.exports.report.model import Report
from aimetrics.figures import value as value_text
from aimetrics.format import format_money, format_number


def attr(value: float | None) -> str:
    return "" if value is None else repr(float(value))


def roi_cell(r: Report, prefix: str, currency: str) -> str:
    roi = r.kpis[f"{prefix}_roi"]
    value, payback = r.kpis[f"{prefix}_value"], r.kpis[f"{prefix}_payback"]
    if roi.value is None:
        return (
            f'<td><span class="big" data-figure="{prefix}_roi" data-status="{esc(roi.status)}">'
            f'{esc(roi.status)}</span><br><span class="note">{esc(roi.note)}</span></td>'
        )
    lines = [
        f'<span class="big" data-figure="{prefix}_roi" data-status="ok" '
        f'data-value="{attr(roi.value)}"'
        + (
            f' data-low="{attr(roi.low)}" data-high="{attr(roi.high)}"'
            if roi.low is not None
            else ""
        )
        + f">ROI {esc(format_number(roi.value, 'percent'))}</span>",
        esc(kpi_interval(roi)) or "no interval: an assumption, not a measurement",
        f"value {esc(format_money(value.value, currency))}"
        + (f" ({esc(kpi_interval(value, currency))})" if value.low is not None else ""),
        f"payback {esc(format_number(payback.value, 'days'))}",
        esc(roi.sample),
    ]
    return "<td>" + "<br>".join(line for line in lines if line) + "</td>"


def figure(key: str, k: Kpi, text: str) -> str:
    """A headline figure's element with its data attributes (value, interval, status)."""
    attrs = f'data-figure="{key}" data-status="{esc(k.status)}"'
    for name, v in (("value", k.value), ("low", k.low), ("high", k.high)):
        if v is not None:
            attrs += f' data-{name}="{attr(v)}"'
    return f'<span class="big" {attrs}>{esc(text)}</span>'


def value_cells(r: Report, currency: str) -> str:
    """Appendix A's value: capacity in engineer-equivalents, value against spend quoting the
    conservative end first, and the assumed method, labelled as an assumption."""
    roi = r.figures.roi
    if roi is None:  # a repository filter: no spend, so no value against it
        cap = r.kpis["capacity"]
        note = f'<br><span class="note">{esc(cap.note)}</span>'
        return "".join(
            f"<td>{figure(key, r.kpis[key], r.kpis[key].status)}{note}</td>"
            for key in ("capacity", "value_per_spend", "assumed_value")
        )
    cap, per = r.kpis["capacity"], r.kpis["value_per_spend"]
    value, assumed = r.kpis["measured_value"], r.kpis["assumed_value"]
    ee = value_text.capacity_figure(roi.capacity) or "not enough data"
    claim = value_text.cover_claim(roi) or "not enough data"
    users = roi.assumed.inputs.get("ai_users", 0)
    ci = value_text.capacity_interval(roi.capacity)
    spend = format_money(roi.measured.spend, currency)
    worth = format_money(value.value, currency) if value.value is not None else "not enough data"
    users = roi.assumed.inputs.get("ai_users", 0)
    hours = r.figures.money.roi.hours_saved_per_ai_user_per_week
    # Short lines: the summary above says each in a full sentence.
    cells = [
        [figure("capacity", cap, ee),
         esc(" · ".join(x for x in (ci, value_text.CAPACITY_NOT_HEADCOUNT) if x))],
        [
            figure("value_per_spend", per, claim),
            f'value {figure("measured_value", value, worth)}'
            + (f" ({esc(kpi_interval(value, currency))})" if value.low is not None else "")
            + f" for {esc(spend)} of AI spend",
        ],
        [
            figure("assumed_value", assumed, format_money(assumed.value, currency)),
            esc(f"{users:,.0f} AI users × {hours:g} h/week: an assumption, not a measurement"),
        ],
    ]  # fmt: skip
    return "".join("<td>" + "<br>".join(c for c in cell if c) + "</td>" for cell in cells)
