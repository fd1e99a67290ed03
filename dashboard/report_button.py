"""The Overview's "Download report" buttons: the leadership report of the same period and
filters as the page, built by :mod:`aimetrics.exports.report` only when clicked."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from aimetrics.exports.report.html import render_html
from aimetrics.exports.report.model import build_report
from aimetrics.exports.report.pdf import chromium_path, render_pdf
from aimetrics.metrics.adoption import Selection
from aimetrics.metrics.period import Period
from dashboard.data import AppContext, store_engine


def report_html(ctx: AppContext, period: Period, selection: Selection) -> str:
    report = build_report(store_engine(ctx.db_url), ctx.settings, period, selection)
    return render_html(report)


def report_pdf(ctx: AppContext, period: Period, selection: Selection) -> bytes:
    with tempfile.TemporaryDirectory(prefix="aimetrics-report-") as folder:
        path = Path(folder) / "report.pdf"
        render_pdf(report_html(ctx, period, selection), path)
        return path.read_bytes()


def pdf_possible() -> bool:
    try:
        chromium_path()
    except Exception:  # ExportError: no Chromium here (e.g. the Docker image)
        return False
    return True


def report_downloads(ctx: AppContext, period: Period, selection: Selection) -> None:
    """HTML (always) and PDF (where Chromium is installed) of the page's period and filters."""
    name = f"aimetrics-report-{period.start:%Y-%m-%d}-{period.last_day:%Y-%m-%d}"
    html_col, pdf_col, _ = st.columns([2, 2, 5])
    html_col.download_button(
        "Download report (HTML)",
        data=lambda: report_html(ctx, period, selection),
        file_name=f"{name}.html",
        mime="text/html",
        key="report-html",
        icon=":material/summarize:",
        on_click="ignore",
        help="The leadership ROI one-pager and its appendix for this period and these filters "
        "(self-contained: works offline). The same as `aimetrics report`.",
    )
    if pdf_possible():
        pdf_col.download_button(
            "Download report (PDF)",
            data=lambda: report_pdf(ctx, period, selection),
            file_name=f"{name}.pdf",
            mime="application/pdf",
            key="report-pdf",
            icon=":material/picture_as_pdf:",
            on_click="ignore",
        )
