"""The report document being written (:class:`Document`: HTML parts and plotly charts) and the
building blocks both its pages use: headline-figure tiles and estimates in words (see
:mod:`aimetrics.exports.report.html`)."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
import plotly.io as pio

from aimetrics.exports.report.cells import esc
from aimetrics.exports.report.kpi import Kpi, kpi_change, kpi_interval
from aimetrics.exports.report.model import Report
from aimetrics.exports.report.value_cells import attr as _attr
from aimetrics.format import MISSING, format_number
from aimetrics.metrics.stats import OK, Estimate


class Document:
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


def kpi_tile(k: Kpi, currency: str) -> str:
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


def tiles(r: Report, keys: Sequence[str], currency: str) -> str:
    return '<div class="tiles">' + "".join(kpi_tile(r.kpis[k], currency) for k in keys) + "</div>"


def estimate_text(est: Estimate, unit: str, currency: str = "USD") -> str:
    if not est.ok:
        return f"{est.status} ({est.note})" if est.note else est.status
    k = Kpi.of("", "", unit, est)
    interval = kpi_interval(k, currency)
    return format_number(k.value, unit, currency) + (f" ({interval})" if interval else "")
