"""A PDF that cannot be printed is one line saying what is missing and how to fix it.

Each case is a real condition met by the real CLI in a subprocess (as a person runs it):
``$AIMETRICS_CHROMIUM`` naming a missing or non-executable file, a "Chromium" that exits
at once, and Playwright's driver (its bundled Node.js, via Playwright's own
``PLAYWRIGHT_NODEJS_PATH``) that cannot start, either not executable or missing a shared
library, as in an image without libatomic1.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import playwright
import pytest

from aimetrics.exports.pdf import CHROMIUM_ENV, HTML_INSTEAD

NODE = Path(playwright.__file__).parent / "driver" / "node"
AIMETRICS = str(Path(sys.executable).parent / "aimetrics")  # the installed command


def report_pdf(tmp_path: Path, store_url: str, **env: str) -> tuple[int, list[str]]:
    """``aimetrics report --out r.pdf`` with ``env`` added; its exit code and output lines."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("AIMETRICS_")}
    proc = subprocess.run(
        [AIMETRICS, "report", "--out", str(tmp_path / "r.pdf")],
        env={**base, "AIMETRICS_DB": store_url, "COLUMNS": "400", **env},
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert not (tmp_path / "r.pdf").exists()
    lines = [line for line in (proc.stdout + proc.stderr).splitlines() if line.strip()]
    assert "Traceback" not in proc.stdout + proc.stderr
    return proc.returncode, lines


def test_chromium_env_naming_a_missing_file(tmp_path: Path, demo_store_url: str) -> None:
    missing = tmp_path / "no-such-chromium"
    code, lines = report_pdf(tmp_path, demo_store_url, **{CHROMIUM_ENV: str(missing)})
    assert code == 2
    assert lines == [
        f"error: {CHROMIUM_ENV}={missing} does not exist: point {CHROMIUM_ENV} at Chromium "
        f"(e.g. /usr/bin/chromium) or unset it, or {HTML_INSTEAD}"
    ]


def test_chromium_env_naming_a_file_that_is_not_executable(
    tmp_path: Path, demo_store_url: str
) -> None:
    plain = tmp_path / "chromium"
    plain.write_text("not a browser\n")
    code, lines = report_pdf(tmp_path, demo_store_url, **{CHROMIUM_ENV: str(plain)})
    assert code == 2
    assert lines == [
        f"error: {CHROMIUM_ENV}={plain} is not an executable file: point {CHROMIUM_ENV} at "
        f"Chromium (e.g. /usr/bin/chromium) or unset it, or {HTML_INSTEAD}"
    ]


def test_a_chromium_that_cannot_start(tmp_path: Path, demo_store_url: str) -> None:
    false = shutil.which("false")
    assert false is not None
    code, lines = report_pdf(tmp_path, demo_store_url, **{CHROMIUM_ENV: false})
    assert code == 2
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"error: Chromium at {false} could not start (")
    assert lines[0].endswith(
        f"runs, or set {CHROMIUM_ENV} to a working Chromium, or {HTML_INSTEAD}"
    )


def test_playwright_driver_that_is_not_executable(tmp_path: Path, demo_store_url: str) -> None:
    node = tmp_path / "node"
    node.write_text("")
    env = {CHROMIUM_ENV: shutil.which("true") or "", "PLAYWRIGHT_NODEJS_PATH": str(node)}
    code, lines = report_pdf(tmp_path, demo_store_url, **env)
    assert code == 2
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: Playwright's driver cannot start (")
    assert "Permission denied" in lines[0]
    assert lines[0].endswith(f"(pip install --force-reinstall playwright), or {HTML_INSTEAD}")


@pytest.mark.skipif(not NODE.is_file(), reason="this playwright has no bundled Node.js")
def test_playwright_driver_missing_a_shared_library(tmp_path: Path, demo_store_url: str) -> None:
    # Playwright's own Node.js, asking the loader for a library that does not exist (the
    # same length as libatomic.so.1, so the binary stays valid): the image without
    # libatomic1 fails exactly so.
    binary = NODE.read_bytes()
    assert binary.count(b"libatomic.so.1\0") == 1
    node = tmp_path / "node"
    node.write_bytes(binary.replace(b"libatomic.so.1\0", b"libabsent.so.1\0"))
    node.chmod(0o755)
    env = {CHROMIUM_ENV: shutil.which("true") or "", "PLAYWRIGHT_NODEJS_PATH": str(node)}
    code, lines = report_pdf(tmp_path, demo_store_url, **env)
    assert code == 2
    assert lines == [
        "error: Playwright's driver cannot start: shared library libabsent.so.1 is missing: "
        f"install the package that provides it, or {HTML_INSTEAD}"
    ]
