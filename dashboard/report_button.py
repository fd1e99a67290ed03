"""The Overview's "Download report" buttons: the leadership report of the same period and
filters as the page, built by :mod:`aimetrics.exports.report` only when clicked."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

import streamlit as st

from aimetrics.errors import ExportError
from aimetrics.exports.pdf import CHROMIUM_ENV, PdfUnavailable, check_pdf_printing, render_pdf
from aimetrics.exports.report.html import render_html
from aimetrics.exports.report.model import build_report
from aimetrics.format import download_name
from aimetrics.metrics.adoption import Selection
from aimetrics.metrics.period import Period
from dashboard.loaders import AppContext, store_engine


def report_html(ctx: AppContext, period: Period, selection: Selection) -> str:
    report = build_report(store_engine(ctx.db_url), ctx.settings, period, selection)
    return render_html(report)


# Installing Chromium or a missing library on a running server shows within ten minutes.
PDF_CHECK_TTL_SECONDS = 600
log = logging.getLogger(__name__)


def report_pdf(ctx: AppContext, period: Period, selection: Selection, chromium: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="aimetrics-report-") as folder:
        path = Path(folder) / "report.pdf"
        try:
            render_pdf(report_html(ctx, period, selection), path, chromium)
        except ExportError as exc:
            # Rare: pdf_printer found everything, yet Chromium failed. The browser only says
            # "Failed to generate file", so the server log gets the reason as one line.
            log.error("report PDF: %s", exc)
            raise
        return path.read_bytes()


@st.cache_data(ttl=PDF_CHECK_TTL_SECONDS, show_spinner=False)
def pdf_printer(chromium_env: str | None) -> tuple[str, str]:
    """(Chromium's path, "") when a PDF can be printed here, else ("", what to fix).

    Keyed by ``$AIMETRICS_CHROMIUM`` so changing it is seen at once; the check starts
    Playwright's driver, so it is cached rather than run on every rerun.
    """
    del chromium_env  # the cache key; check_pdf_printing reads the environment itself
    try:
        return check_pdf_printing(), ""
    except PdfUnavailable as exc:
        return "", f"{exc.problem}: {exc.fix}."


def report_downloads(ctx: AppContext, period: Period, selection: Selection) -> None:
    """HTML (always) and PDF (where it can be printed, else why not) of the page's period
    and filters."""
    html_col, pdf_col, _ = st.columns([2, 2, 5])
    html_col.download_button(
        "Download report (HTML)",
        data=lambda: report_html(ctx, period, selection),
        file_name=download_name("report", period, selection, "html"),
        mime="text/html",
        key="report-html",
        icon=":material/summarize:",
        on_click="ignore",
        help="The leadership ROI one-pager and its appendix for this period and these filters "
        "(self-contained: works offline). The same as `aimetrics report`.",
    )
    chromium, problem = pdf_printer(os.environ.get(CHROMIUM_ENV))
    if problem:
        pdf_col.caption(f"No PDF report here: {problem}", help="The HTML report prints to PDF.")
    else:
        pdf_col.download_button(
            "Download report (PDF)",
            data=lambda: report_pdf(ctx, period, selection, chromium),
            file_name=download_name("report", period, selection, "pdf"),
            mime="application/pdf",
            key="report-pdf",
            icon=":material/picture_as_pdf:",
            on_click="ignore",
        )
