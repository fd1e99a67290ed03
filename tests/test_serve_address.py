"""Safe by default: `aimetrics dashboard` listens on 127.0.0.1 unless told otherwise, and
says so when it listens beyond the machine without sign-in.

The server is the real one (`aimetrics dashboard` starting Streamlit); which addresses it
listens on is read from the kernel's socket tables (/proc/net/tcp, tcp6), so the test
sees what any other machine on the network would find, not what the command prints.
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

LISTEN = "0A"  # TCP_LISTEN in /proc/net/tcp's "st" column
START_TIMEOUT = 60


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _listening(port: int) -> set[str]:
    """The local addresses with a listening TCP socket on ``port`` (hex as the kernel
    writes them: 0100007F is 127.0.0.1, 00000000 is every IPv4 interface)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if int(hex_port, 16) == port and fields[3] == LISTEN:
                found.add(address)
    return found


@contextmanager
def _dashboard(tmp_path: Path, *args: str) -> Iterator[tuple[int, Path]]:
    port = _free_port()
    log = tmp_path / "out.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIMETRICS_")}
    env["HOME"] = str(tmp_path)  # no ~/.streamlit/secrets.toml of the machine's
    cmd = [
        sys.executable, "-m", "aimetrics.cli", "dashboard", "--port", str(port),
        "--db", f"sqlite:///{tmp_path / 'store.db'}", *args,
    ]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.25)
        yield port, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux's /proc/net/tcp")
def test_the_dashboard_listens_on_loopback_only_by_default(tmp_path: Path) -> None:
    with _dashboard(tmp_path) as (port, log):
        assert _listening(port) == {"0100007F"}, log.read_text()
    assert "Warning" not in log.read_text()


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux's /proc/net/tcp")
def test_every_interface_without_sign_in_is_said_at_start(tmp_path: Path) -> None:
    with _dashboard(tmp_path, "--address", "0.0.0.0") as (port, log):
        assert _listening(port) == {"00000000"}, log.read_text()
        text = " ".join(log.read_text().split())
    assert "listening on 0.0.0.0 without sign-in" in text
