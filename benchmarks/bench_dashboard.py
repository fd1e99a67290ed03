"""Render time of each dashboard page through AppTest (issue 6: ≤ 1 s warm, ≤ 3 s cold).

    aimetrics demo --scale 10 --no-serve --db sqlite:////tmp/s10.db   # ~100k merged PRs
    python benchmarks/bench_dashboard.py --db sqlite:////tmp/s10.db --runs 3

For each page, in one process, as a server would see it:

- ``cold``: every cache empty (the store is read, tagged flags derived, then the page);
- ``first``: the store already read by another page (the Data page's), every other
  figure still to compute: what the first visit of a page costs on a running server;
- ``warm``: the same page again (the best of ``--repeat`` runs): every figure cached;
- ``filter``: the same page with a team picked in the sidebar (the store read is
  cached, the page's figures are computed anew).

Python's imports and one-time initialisation are paid in a first pass over every page,
not measured. Prints one row per page and the store's size. Settings: the built-in
defaults (``AIMETRICS_CONFIG`` unset), the default period (90 days up to the latest merge).
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from dashboard import navigation

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "dashboard" / "app.py")
PAGES = {e.key: e.file for e in navigation.PAGES}
TIMEOUT = 600


def render(page: str, timeout: float = TIMEOUT, cold: bool = False, **params: list[str]) -> float:
    """Seconds one AppTest run of ``page`` takes (``params``: the URL's query parameters;
    ``cold``: every cache cleared just before the measured run)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=timeout)
    for key, values in params.items():
        at.query_params[key] = values
    if Path(PAGES[page]).stem != page:
        # A page with its own url_path (data_page.py at /data): AppTest knows it by its file
        # only once st.navigation has registered it, after a first (unmeasured) run.
        at.run()
    if cold:
        _clear()
    at.switch_page(PAGES[page])
    start = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - start
    if at.exception:
        raise SystemExit(f"{page}: {at.exception[0].message}")
    return elapsed


def _clear() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


def _read_store() -> None:
    """The store read every page waits for (the cached facts), and nothing else."""
    from dashboard import loaders

    ctx = loaders.app_context()
    reporting, privacy = ctx.settings.reporting, ctx.settings.privacy
    loaders.facts(loaders.scope(ctx), reporting.timezone, privacy.show_individuals)


def _team(db: str) -> str:
    """A team name as the sidebar shows it (the URL takes names)."""
    from aimetrics.store import create_store_engine, read_table
    from aimetrics.store import schema as s

    engine = create_store_engine(db)
    try:
        teams = read_table(engine, s.teams, columns=["name"]).sort("name")
    finally:
        engine.dispose()
    return str(teams["name"][0])


def _size(db: str) -> str:
    import sqlalchemy as sa

    from aimetrics.store import create_store_engine
    from aimetrics.store import schema as s

    engine = create_store_engine(db)
    try:
        with engine.connect() as conn:
            prs = conn.execute(sa.select(sa.func.count()).select_from(s.pull_requests)).scalar()
            commits = conn.execute(sa.select(sa.func.count()).select_from(s.commits)).scalar()
    finally:
        engine.dispose()
    return f"{prs:,} pull requests, {commits:,} commits"


def quiet() -> None:
    """Streamlit warns about the missing runtime on every cached call outside a server."""
    import streamlit  # noqa: F401  (creates its loggers)

    for name in list(logging.root.manager.loggerDict):
        if name.startswith("streamlit"):
            logging.getLogger(name).setLevel(logging.ERROR)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="store URL (e.g. sqlite:////tmp/s10.db)")
    parser.add_argument("--pages", nargs="*", default=list(PAGES), choices=list(PAGES))
    parser.add_argument("--repeat", type=int, default=3, help="warm runs per page (best kept)")
    parser.add_argument(
        "--runs", type=int, default=1, help="measure every page this many times; print medians"
    )
    args = parser.parse_args()

    os.environ["AIMETRICS_DB"] = args.db
    # What computing the pages costs: the disk cache (docs/operations.md) would otherwise serve
    # "cold" and "first" from an earlier run. bench_page_speed.py measures it.
    os.environ.setdefault("AIMETRICS_CACHE_DIR", "off")
    os.environ.pop("AIMETRICS_CONFIG", None)
    os.chdir(tempfile.mkdtemp(prefix="bench-dashboard-"))  # no ./aimetrics.yaml picked up
    quiet()
    team = _team(args.db)
    print(f"store: {_size(args.db)}; filter: team {team!r}", flush=True)
    for page in args.pages:  # imports and first-call costs, once per process (not measured)
        render(page)
    quiet()
    header = f"{'page':<10} {'cold s':>8} {'first s':>8} {'warm s':>8} {'filter s':>9}"
    results: dict[str, list[tuple[float, ...]]] = {page: [] for page in args.pages}
    for run in range(args.runs):
        print(f"run {run + 1} (load average {os.getloadavg()[0]:.2f})\n{header}", flush=True)
        for page in args.pages:
            cold = render(page, cold=True)
            _clear()
            _read_store()  # so that "first" is the page's own cost
            first = render(page)
            warm = min(render(page) for _ in range(args.repeat))
            filtered = render(page, team=[team])
            results[page].append((cold, first, warm, filtered))
            print(f"{page:<10} {cold:8.2f} {first:8.2f} {warm:8.2f} {filtered:9.2f}", flush=True)
    if args.runs > 1:
        print(f"median of {args.runs} runs (load average {os.getloadavg()[0]:.2f})\n{header}")
        for page, rows in results.items():
            columns = zip(*rows, strict=True)
            cold, first, warm, filtered = (statistics.median(c) for c in columns)
            print(f"{page:<10} {cold:8.2f} {first:8.2f} {warm:8.2f} {filtered:9.2f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
