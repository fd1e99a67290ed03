"""How fast each dashboard page opens in a real browser, against an empty Streamlit page (issue 15).

    aimetrics demo --scale 10 --no-serve --db sqlite:////tmp/s10.db   # ~100k merged PRs
    python benchmarks/bench_page_speed.py --db sqlite:////tmp/s10.db --visits 5

In one run, on this machine:

1. an EMPTY Streamlit page (a one-line ``st.write`` app) is served by ``streamlit run``
   (127.0.0.1, a random free port, headless), visited once, then ``--visits`` times;
2. ``aimetrics dashboard`` is started on the store (a real server, in a subprocess) and its
   first page (the Overview) is visited as soon as the server answers: "first page on a
   fresh server". With ``--cold-disk-cache`` the facts' disk cache is emptied first (the
   very first start on a store version); otherwise it is whatever an earlier start left
   (the usual case: a restart, an upgrade, a crash);
3. every page of the dashboard is visited once (so the server has served it), then
   ``--visits`` times; the median is compared with the empty page's median.

Each visit is a fresh browser context (no cookies, no cache, a new Streamlit session) in
headless Chromium (``/usr/bin/chromium``). A visit's time runs from ``page.goto`` to the
page being **fully rendered**:

- Streamlit's script run is over: ``[data-testid=stApp]`` has
  ``data-test-script-state="notRunning"`` (the "running" indicator is gone), and
- the main block has content: at least one element in ``stMainBlockContainer``, and
- no element is still a skeleton (its code not yet loaded: ``stSkeleton``), and
- every Plotly chart on the page is drawn (it holds its ``svg.main-svg``).

Besides the empty page, a FLOOR page is measured the same way: a plain Streamlit page with one
of each kind of element our pages draw (a metric, a tiny plotly chart, a two-row table, a
download button), what any such page pays for the elements' code in a fresh context whatever
its data (plotly.js alone is a 4.7 MB chunk at Streamlit 1.67).

Prints a table of seconds (median, min, max) and the ratio of each page to the empty and to
the floor page; targets: every page ≤ 1.5× the empty page, the first page on a fresh server
≤ 3 s. The floor's two parts are measured too (one plotly chart alone; a metric, a table and a
download button without it): each part alone is already near or above 1.5× the empty page.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from dashboard import navigation

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = "/usr/bin/chromium"
# (title, url path): the dashboard's pages.
PAGES = tuple((e.title, e.url_path) for e in navigation.PAGES)
RENDERED_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  const main = document.querySelector('[data-testid="stMainBlockContainer"]');
  if (!main || !main.querySelector('[data-testid="stElementContainer"]')) return false;
  // An element whose code is still loading shows as a skeleton (Streamlit 1.67).
  if (document.querySelector('[data-testid="stSkeleton"]')) return false;
  for (const chart of main.querySelectorAll('[data-testid="stPlotlyChart"]')) {
    if (!chart.querySelector('svg.main-svg')) return false;
  }
  return true;
}"""
EMPTY_APP = 'import streamlit as st\n\nst.write("Hello")\n'
# What any page drawing our elements pays in a fresh browser context, whatever its data: one
# metric, one tiny plotly chart, one two-row table and a download button, by `streamlit run`
# (session 8: 1.9-2.2x the empty page on this machine; one chart alone 1.9x).
FLOOR_APP = """import plotly.graph_objects as go
import streamlit as st

st.metric("Merged PRs", 1)
st.plotly_chart(go.Figure(go.Bar(x=[1, 2], y=[3, 4])))
st.dataframe({"a": [1, 2]})
st.download_button("Download CSV", "a\\n1\\n")
"""
# The floor in two parts, to see what the plotly chart alone costs and what the other elements
# cost without it (session 9: 1.9x and 1.45x the empty page).
FLOOR_PARTS = {
    "floor part: one chart alone": (
        "import plotly.graph_objects as go\nimport streamlit as st\n\n"
        "st.plotly_chart(go.Figure(go.Bar(x=[1, 2], y=[3, 4])))\n"
    ),
    "floor part: metric, table, no chart": (
        'import streamlit as st\n\nst.metric("Merged PRs", 1)\nst.dataframe({"a": [1, 2]})\n'
        'st.download_button("Download CSV", "a\\n1\\n")\n'
    ),
}
VISIT_TIMEOUT_MS = 300_000
START_TIMEOUT_S = 120


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(port: int, proc: subprocess.Popen[bytes]) -> None:
    url = f"http://127.0.0.1:{port}/_stcore/health"
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited ({proc.returncode}) before answering")
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"no answer from {url} within {START_TIMEOUT_S} s")


@contextmanager
def serve(cmd: list[str], port: int, env: dict[str, str]) -> Iterator[float]:
    """Start a server (its own process group), yield seconds until it answered, stop it."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            cmd, env=env, start_new_session=True, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            try:
                _wait_healthy(port, proc)
            except SystemExit:
                log.seek(0)
                print(log.read().decode(errors="replace")[-2000:], file=sys.stderr)
                raise
            yield time.perf_counter() - started
        finally:
            _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the process group we started (`aimetrics dashboard` runs Streamlit as a child)."""
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def streamlit_cmd(app: Path, port: int) -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", str(app),
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip


def dashboard_cmd(db: str, config: str | None, port: int) -> list[str]:
    cmd = [sys.executable, "-m", "aimetrics.cli", "dashboard", "--db", db, "--port", str(port)]
    return cmd + (["--config", config] if config else [])


def visit(browser: Browser, url: str) -> float:
    """Seconds from navigation to the page fully rendered, in a fresh browser context."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        start = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=VISIT_TIMEOUT_MS)
        page.wait_for_function(RENDERED_JS, polling=20, timeout=VISIT_TIMEOUT_MS)
        elapsed = time.perf_counter() - start
        errors = page.locator('[data-testid="stException"]').count()
        if errors:
            raise SystemExit(f"{url}: the page shows an exception")
        return elapsed
    finally:
        context.close()


def visits(browser: Browser, url: str, n: int) -> list[float]:
    visit(browser, url)  # served once: what a returning manager meets
    return [visit(browser, url) for _ in range(n)]


def row(name: str, times: list[float], *refs: float) -> str:
    med = statistics.median(times)
    ratios = "".join(f"  {med / ref:13.2f}×" for ref in refs)
    return f"{name:<34} {med:7.2f} {min(times):7.2f} {max(times):7.2f}{ratios}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="store URL, e.g. sqlite:////tmp/s10.db")
    parser.add_argument(
        "--config", default=None, help="configuration file (default: the demo's, as `demo` does)"
    )
    parser.add_argument("--visits", type=int, default=5, help="measured visits per page")
    parser.add_argument(
        "--first-page-only",
        action="store_true",
        help="only the first page on a fresh server (no empty page, no other visits)",
    )
    parser.add_argument(
        "--after-write",
        action="store_true",
        help="then run a writer (`aimetrics tag`) while the server runs, wait for the "
        "server to warm itself for the new store version, and visit the Overview",
    )
    parser.add_argument(
        "--cold-disk-cache",
        action="store_true",
        help="empty the facts' disk cache before the fresh-server start",
    )
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    config = args.config
    if config is None:
        from aimetrics.tagging.rules import shipped_config

        config = str(shipped_config("demo.yaml"))
    env = dict(os.environ)
    if args.cold_disk_cache:
        _empty_disk_cache(args.db)

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        app = Path(tmp) / "empty_app.py"
        app.write_text(EMPTY_APP)
        port = free_port()
        if args.first_page_only:
            with serve(dashboard_cmd(args.db, config, port), port, env) as boot:
                first = visit(browser, f"http://127.0.0.1:{port}/")
            load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
            print(
                f"first page on a fresh server: {first:.2f} s after the server answered; "
                f"{boot + first:.2f} s from process start; load average {load}"
            )
            return
        with serve(streamlit_cmd(app, port), port, env):
            empty = visits(browser, f"http://127.0.0.1:{port}/", args.visits)
        empty_med = statistics.median(empty)
        floor_app = Path(tmp) / "floor_app.py"
        floor_app.write_text(FLOOR_APP)
        port = free_port()
        with serve(streamlit_cmd(floor_app, port), port, env):
            floor = visits(browser, f"http://127.0.0.1:{port}/", args.visits)
        floor_med = statistics.median(floor)
        parts = {}
        for name, source in FLOOR_PARTS.items():
            part_app = Path(tmp) / f"part_{len(parts)}.py"
            part_app.write_text(source)
            port = free_port()
            with serve(streamlit_cmd(part_app, port), port, env):
                parts[name] = visits(browser, f"http://127.0.0.1:{port}/", args.visits)

        port = free_port()
        with serve(dashboard_cmd(args.db, config, port), port, env) as boot:
            first = visit(browser, f"http://127.0.0.1:{port}/")
            results = {
                title: visits(browser, f"http://127.0.0.1:{port}/{path}", args.visits)
                for title, path in PAGES
            }
            if args.after_write:
                after = _after_write(browser, args.db, config, port, env)
        browser.close()

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"store: {_safe(args.db)}; config: {config}; {args.visits} visits per page")
    print(f"load average at the end (1, 5, 15 min): {load} on {os.cpu_count()} CPUs")
    print(f"{'page':<34} {'median':>7} {'min':>7} {'max':>7}  {'to empty':>14}  {'to floor':>14}")
    print(row("empty Streamlit page", empty))
    print(row("floor: metric, chart, table", floor, empty_med))
    for name, times in parts.items():
        print(row(name, times, empty_med))
    for title, times in results.items():
        print(row(title, times, empty_med, floor_med))
    worst = max(statistics.median(t) for t in results.values())
    print(f"worst page / empty page: {worst / empty_med:.2f}× (target ≤ 1.5×)")
    print(
        f"worst page / floor page: {worst / floor_med:.2f}× (the floor itself is "
        f"{floor_med / empty_med:.2f}× the empty page)"
    )
    cache = "emptied" if args.cold_disk_cache else "as left"
    print(
        f"first page on a fresh server (disk cache {cache}): {first:.2f} s after the server "
        f"answered (target ≤ 3 s); {boot + first:.2f} s from process start"
    )
    if args.after_write:
        write_s, warm_s, page_s = after
        print(
            f"after a write (`aimetrics tag`, {write_s:.1f} s): the server warmed itself in "
            f"{warm_s:.1f} s after the write ended; then the Overview's first visit: "
            f"{page_s:.2f} s (target ≤ 3 s)"
        )


# The figures the Overview's first visit needs (dashboard/warm.py computes them after a
# write); all on disk means the warm is over (it writes them last, then returns).
WARMED_FIGURES = ("overview", "spend", "measured", "roi_parts", "team_actions", "teams")
WARM_TIMEOUT_S = 600


def _after_write(
    browser: Browser, db: str, config: str, port: int, env: dict[str, str]
) -> tuple[float, float, float]:
    """Run a writer while the server runs, wait for its warm, visit the Overview: seconds
    of the write, of the warm after it, and of the visit."""
    started = time.perf_counter()
    cmd = [sys.executable, "-m", "aimetrics.cli", "tag", "--db", db, "--config", config]
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    written = time.perf_counter()
    _wait_warmed(db, env)
    warmed = time.perf_counter()
    page = visit(browser, f"http://127.0.0.1:{port}/")
    return written - started, warmed - written, page


def _wait_warmed(db: str, env: dict[str, str]) -> None:
    import hashlib

    import sqlalchemy as sa

    from aimetrics.figures.disk_cache import cache_dir_for
    from aimetrics.store.version import read_version

    engine = sa.create_engine(db)
    version = read_version(engine)
    engine.dispose()
    store = cache_dir_for(db)
    if store is None or version is None:
        raise SystemExit("--after-write needs the disk cache on and a versioned store")
    figures = store / hashlib.sha256(version.encode()).hexdigest()[:24] / "figures"
    deadline = time.monotonic() + WARM_TIMEOUT_S
    while time.monotonic() < deadline:
        names = {p.name.rsplit("-", 1)[0] for p in figures.glob("*.pickle")}
        if all(f"dashboard.balance.{f}" in names for f in WARMED_FIGURES):
            return
        time.sleep(0.1)
    raise SystemExit(f"the server did not warm version {version} within {WARM_TIMEOUT_S} s")


def _empty_disk_cache(db: str) -> None:
    """Remove the facts' disk cache of ``db`` (see docs/operations.md), if there is one."""
    try:
        from aimetrics.figures.disk_cache import cache_dir_for
    except ImportError:  # before the disk cache existed
        return
    path = cache_dir_for(db)
    if path is not None and path.exists():
        shutil.rmtree(path)


def _safe(db: str) -> str:
    from aimetrics.store.engine import safe_url

    return safe_url(db)


if __name__ == "__main__":
    main()
