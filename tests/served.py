"""The dashboard served as `aimetrics dashboard` serves it, for tests in headless Chromium.

Debian's Chromium at /usr/bin/chromium (``apt-get install chromium``; never
``playwright install``). Without it a browser test skips, except in CI where that
is a failure.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from aimetrics.exports.pdf import CHROMIUM_ARGS as REPORT_CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "dashboard" / "app.py"
CHROMIUM = Path("/usr/bin/chromium")
# The flags the product's PDF printing uses: no sandbox (root in CI), no background traffic.
CHROMIUM_ARGS = list(REPORT_CHROMIUM_ARGS)
START_TIMEOUT = 90  # seconds for the server to answer /_stcore/health
RENDER_TIMEOUT_MS = 90_000  # first render reads and classifies the store


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing: apt-get install -y chromium (Debian's package)"
    if os.environ.get("CI"):
        pytest.fail(f"in CI the browser test must run: {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    url = f"http://127.0.0.1:{port}/_stcore/health"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"streamlit exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.25)
    pytest.fail(
        f"streamlit did not answer {url} within {START_TIMEOUT}s:\n{log.read_text()[-3000:]}"
    )


@contextmanager
def serve_dashboard(db_url: str, workdir: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """Serve the dashboard on ``db_url``; yield its base URL; stop it afterwards.

    ``env`` replaces the inherited environment's entries (``AIMETRICS_CONFIG`` is
    dropped unless given there); the server's output goes to ``workdir/streamlit.log``.
    """
    port = _free_port()
    full = {k: v for k, v in os.environ.items() if k != "AIMETRICS_CONFIG"}
    full |= {"AIMETRICS_DB": db_url, **(env or {})}
    log = workdir / "streamlit.log"
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.port", str(port),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=workdir, env=full, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_healthy(proc, port, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def settled(page) -> None:  # type: ignore[no-untyped-def]
    """Wait until the script run has finished and the charts are drawn."""
    from playwright.sync_api import expect

    expect(page.locator('[data-testid="stStatusWidget"]')).to_have_count(
        0, timeout=RENDER_TIMEOUT_MS
    )
    # In a fresh browser context the run can be over while elements still show as
    # skeletons: Streamlit 1.67 loads each element's code on first use and draws a
    # skeleton until it arrives (seen: 41-54 skeletons, no download button, for ~1 s).
    expect(page.locator('[data-testid="stSkeleton"]')).to_have_count(0, timeout=RENDER_TIMEOUT_MS)
    charts = page.locator('[data-testid="stPlotlyChart"] .main-svg')
    if charts.count():
        expect(charts.first).to_be_visible(timeout=RENDER_TIMEOUT_MS)
