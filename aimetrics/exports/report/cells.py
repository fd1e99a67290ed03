"""The report's data tables: HTML escaping, a table of a frame's rows, and the cell formats
(see :mod:`aimetrics.exports.report.html`)."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

import polars as pl

from aimetrics.format import MISSING, format_money, format_share


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


Column = tuple[str, str, Callable[[object], str] | None]  # column, header, format


def table(frame: pl.DataFrame, columns: Sequence[Column], empty: str = "No rows.") -> str:
    columns = [c for c in columns if c[0] in frame.columns]
    if frame.is_empty():
        return f'<p class="note">{esc(empty)}</p>'
    numeric = {c for c, t in frame.schema.items() if t.is_numeric()}
    head = "".join(
        f'<th class="{"num" if c in numeric else ""}">{esc(h)}</th>' for c, h, _ in columns
    )
    body = []
    for row in frame.iter_rows(named=True):
        cells = []
        for c, _, fmt in columns:
            v = row[c]
            if c == "url" and v:
                text = f'<a href="{esc(v)}">{esc(str(v).rsplit("/", 1)[-1])}</a>'
            elif v is None:
                text = MISSING
            else:
                text = esc(fmt(v) if fmt else v)
            cells.append(f'<td class="{"num" if c in numeric else ""}">{text}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
    )


def pct(v: object) -> str:
    return format_share(float(v))  # type: ignore[arg-type]


def hours1(v: object) -> str:
    return f"{float(v):.1f}"  # type: ignore[arg-type]


def count(v: object) -> str:
    return f"{float(v):,.0f}"  # type: ignore[arg-type]


def rate2(v: object) -> str:
    return f"{float(v):.2f}"  # type: ignore[arg-type]


def money_cells(currency: str, decimals: int = 0) -> Callable[[object], str]:
    return lambda v: format_money(float(v), currency, decimals)  # type: ignore[arg-type]


def day(v: object) -> str:
    return f"{v:%Y-%m-%d}"
