"""Printing the report's HTML to PDF with Debian's headless Chromium, driven by Playwright.

Printing needs three things outside Python: a Chromium binary, Playwright's driver (a
bundled Node.js, which links shared libraries such as libatomic) and Chromium's own
libraries. Each is checked or its failure translated here, so a missing piece is one
:class:`PdfUnavailable` line saying what is missing and how to fix it, never a traceback.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from aimetrics.errors import ExportError

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
DRIVER_CHECK_TIMEOUT_S = 60  # starting Node.js once; far longer means something hangs
HTML_INSTEAD = "write .html instead (--out report.html)"
# The Debian package of a shared library Playwright's Node.js or Chromium may miss.
DEBIAN_PACKAGES = {"libatomic.so.1": "libatomic1"}
_MISSING_LIBRARY = re.compile(r"error while loading shared libraries: ([^\s:]+)")


class PdfUnavailable(ExportError):
    """PDF printing cannot work here: ``problem`` says what is missing, ``fix`` what to do."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(f"{problem}: {fix}, or {HTML_INSTEAD}")
        self.problem = problem
        self.fix = fix


def chromium_path() -> str:
    """Chromium to print with: ``$AIMETRICS_CHROMIUM`` if set, else Debian's; checked."""
    chosen = os.environ.get(CHROMIUM_ENV)
    if chosen:
        # An explicit choice that is wrong is the operator's mistake to hear about, not a
        # reason to print silently with another browser.
        if os.path.isfile(chosen) and os.access(chosen, os.X_OK):
            return chosen
        state = "is not an executable file" if os.path.exists(chosen) else "does not exist"
        raise PdfUnavailable(
            f"{CHROMIUM_ENV}={chosen} {state}",
            f"point {CHROMIUM_ENV} at Chromium (e.g. {CHROMIUM}) or unset it",
        )
    for path in (CHROMIUM, shutil.which("chromium") or ""):
        if path and os.access(path, os.X_OK):
            return path
    raise PdfUnavailable(
        f"a PDF needs Chromium, which is not installed at {CHROMIUM}",
        "install Debian's chromium (apt-get install chromium)",
    )


def _missing_library(text: str) -> tuple[str, str] | None:
    """(what is missing, the fix) for a "cannot load shared library" message in ``text``."""
    found = _MISSING_LIBRARY.search(text)
    if found is None:
        return None
    library = found.group(1)
    package = DEBIAN_PACKAGES.get(library)
    fix = f"apt-get install {package}" if package else "install the package that provides it"
    return f"shared library {library} is missing", fix


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def check_driver() -> None:
    """Start Playwright's driver once (``python -m playwright --version``): a driver that
    cannot start (e.g. its Node.js misses libatomic) is then one line, not a dead pipe."""
    try:
        import playwright  # noqa: F401  (only whether it is installed)
    except ImportError:
        raise PdfUnavailable(
            "a PDF needs the Python package playwright",
            "pip install playwright (it drives Debian's chromium, no browser download needed)",
        ) from None
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "playwright", "--version"],
            capture_output=True,
            text=True,
            timeout=DRIVER_CHECK_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise PdfUnavailable(
            f"Playwright's driver did not answer within {DRIVER_CHECK_TIMEOUT_S} s",
            "check `python -m playwright --version`",
        ) from None
    if proc.returncode == 0:
        return
    output = f"{proc.stdout}\n{proc.stderr}"
    missing = _missing_library(output)
    if missing:
        raise PdfUnavailable(f"Playwright's driver cannot start: {missing[0]}", missing[1])
    raise PdfUnavailable(
        f"Playwright's driver cannot start ({_last_line(output)})",
        "reinstall playwright (pip install --force-reinstall playwright)",
    )


def check_pdf_printing() -> str:
    """Chromium's path once everything printing needs is there; PdfUnavailable if not."""
    executable = chromium_path()
    check_driver()
    return executable


def _launch_failure(executable: str, exc: Exception) -> PdfUnavailable:
    """Playwright's multi-line launch error as one line (its first, or a missing library)."""
    text = str(exc)
    missing = _missing_library(text)
    if missing:
        return PdfUnavailable(f"Chromium at {executable} could not start: {missing[0]}", missing[1])
    return PdfUnavailable(
        f"Chromium at {executable} could not start ({_first_line(text) or type(exc).__name__})",
        f"check that `{executable} --headless --version` runs, "
        f"or set {CHROMIUM_ENV} to a working Chromium",
    )


def render_pdf(html_text: str, path: Path, executable: str | None = None) -> None:
    """Print ``html_text`` to ``path`` (A4) with headless Chromium, once its charts are drawn.

    ``executable`` is what :func:`check_pdf_printing` returned (checked here when omitted).
    Every request the page would make is refused: the document must need none.
    """
    executable = executable or check_pdf_printing()
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as pw:
            try:
                browser = pw.chromium.launch(
                    executable_path=executable, headless=True, args=list(CHROMIUM_ARGS)
                )
            except PlaywrightError as exc:
                raise _launch_failure(executable, exc) from None
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
        raise ExportError(f"Chromium could not print the report: {_first_line(str(exc))}") from None
    except ExportError:
        raise
    except Exception as exc:  # the driver died under us (Playwright raises a bare Exception)
        raise ExportError(f"Playwright's driver stopped while printing: {exc}") from None
