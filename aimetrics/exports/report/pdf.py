"""The report as PDF: its HTML document (:mod:`aimetrics.exports.report.html`) printed by
Debian's headless Chromium (Playwright's ``page.pdf``) once the charts are drawn; CSS page
breaks keep the one-pager on page 1. The PDF is the same document printed, not a second
rendering.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from aimetrics.exports.figures import ExportError

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ENV = "AIMETRICS_CHROMIUM"  # another Chromium binary for the PDF
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
CHART_TIMEOUT_MS = 60_000


def chromium_path() -> str:
    """Debian's Chromium (``AIMETRICS_CHROMIUM`` to use another one); ExportError if absent."""
    candidates = [os.environ.get(CHROMIUM_ENV) or "", CHROMIUM, shutil.which("chromium") or ""]
    for path in candidates:
        if path and os.access(path, os.X_OK):
            return path
    raise ExportError(
        f"a PDF needs Chromium, which is not installed at {CHROMIUM}: install Debian's chromium "
        "(apt-get install chromium) or write .html instead (--out report.html)"
    )


def render_pdf(html_text: str, path: Path) -> None:
    """Print ``html_text`` to ``path`` (A4) with headless Chromium, once its charts are drawn.

    Every request the page would make is refused: the document must need none.
    """
    executable = chromium_path()
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise ExportError(
            "a PDF needs the Python package playwright (pip install playwright; it drives "
            "Debian's chromium, no browser download needed), or write .html instead"
        ) from None
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=executable, headless=True, args=list(CHROMIUM_ARGS)
            )
            try:
                page = browser.new_page()
                page.route("**/*", lambda route: route.abort())
                page.set_content(html_text, wait_until="load")
                page.wait_for_function(
                    "document.documentElement.getAttribute('data-charts') === 'ready'",
                    timeout=CHART_TIMEOUT_MS,
                )
                page.emulate_media(media="print")
                page.pdf(
                    path=str(path), format="A4", print_background=True, prefer_css_page_size=True
                )
            finally:
                browser.close()
    except PlaywrightError as exc:
        raise ExportError(f"Chromium could not print the report: {exc}") from None
