"""Benchmark at organization scale: wall time and peak memory of each phase (issue 7).

    python benchmarks/bench_scale.py --db sqlite:////tmp/s100.db              # about 1M PRs
    python benchmarks/bench_scale.py --db postgresql://postgres@127.0.0.1:5432/bench
    python benchmarks/bench_scale.py --db sqlite:////tmp/s100.db --reuse      # keep the store

Phases, each in a fresh Python process so that none inherits another's memory (the
peak RSS is the child's own, from ``os.wait4``; wall times are the child's, its
imports left out):

- ``build``: the demo organization as ``aimetrics demo`` builds it: generate, write
  (replacing any previous demo), resolve identities, tag. ``--reuse`` skips it when the
  store already holds a demo of the same seed and scale;
- ``load``: :func:`aimetrics.figures.facts.load_facts_for`, the store read the dashboard
  caches (every PR with flags, teams and timeline; commits; activity; tags ...);
- ``metrics``: the load, then every page's composition for the default period
  (:func:`aimetrics.figures.compute.compute_figures`: Overview, Cost & ROI, team map,
  measured uplift, Adoption, Delivery and Quality by team and by repository, Data);
- ``render``: the Overview page through Streamlit's ``AppTest`` against the store, cold
  (the first render: every cache empty, the store read) and then warm.

The peak of ``load``, ``metrics`` and ``render`` is what a dashboard replica needs
(target: at most 4 GB at 1M PRs). Settings: the built-in defaults, as the dashboard
without a configuration file. Prints one row per phase and a Markdown table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PHASES = ("build", "load", "metrics", "render")
TARGET_GB = 4.0
END_DATE = "2025-06-30"


# --- the phases, each run in its own process ------------------------------------------


def _settings():  # type: ignore[no-untyped-def]
    from aimetrics.settings import load_settings

    return load_settings(None)


def phase_build(db: str, seed: int, scale: float, end_date: dt.date) -> dict[str, object]:
    import polars as pl

    from aimetrics.demo import demo_replacements, generate
    from aimetrics.demo.load import DEMO
    from aimetrics.settings import load_settings
    from aimetrics.store import create_store_engine, upgrade, write_frames
    from aimetrics.store import schema as s
    from aimetrics.tagging import ruleset_from_settings, tag_store
    from aimetrics.tagging.identities import resolve_identities
    from aimetrics.tagging.rules import shipped_config

    timings: dict[str, object] = {}
    engine = create_store_engine(db)
    upgrade(engine)
    engine.dispose()  # SQLite: no sqlite3 connection open across ADBC's writes (demo.load)
    t0 = time.perf_counter()
    started = dt.datetime.now(dt.UTC)
    org = generate(seed, end_date, scale)
    timings["generate"] = time.perf_counter() - t0
    sync = pl.DataFrame(
        {
            "source": [DEMO],
            "scope": [org.name],
            "status": ["complete"],
            "detail": [f"seed={seed} end_date={end_date.isoformat()} scale={scale:g}"],
            "started_at": [started],
            "finished_at": [dt.datetime.now(dt.UTC)],
        }
    )
    counts = org.row_counts()
    t0 = time.perf_counter()
    write_frames(engine, [*org.frames, (s.sync_state, sync)], replace=demo_replacements())
    timings["write"] = time.perf_counter() - t0
    del org
    engine.dispose()
    t0 = time.perf_counter()
    settings = load_settings(shipped_config("demo.yaml"))  # as `aimetrics demo` does
    rules = ruleset_from_settings(settings)
    resolve_identities(engine, rules, settings)
    tags = tag_store(engine, rules)
    timings["tag"] = time.perf_counter() - t0
    engine.dispose()
    timings["rows"] = {k: counts[k] for k in ("pull_requests", "commits", "reviews")}
    timings["tags"] = sum(tags.values())
    return timings


def phase_load(db: str) -> dict[str, object]:
    from aimetrics.figures.facts import load_facts_for
    from aimetrics.store import create_store_engine

    engine = create_store_engine(db, must_exist=True)
    t0 = time.perf_counter()
    facts = load_facts_for(engine, _settings())
    took = time.perf_counter() - t0
    engine.dispose()
    return {"load": took, "prs": facts.prs.height, "commits": facts.commits.height}


def phase_metrics(db: str) -> dict[str, object]:
    from aimetrics.figures.compute import compute_figures
    from aimetrics.figures.facts import load_facts_for
    from aimetrics.store import create_store_engine

    settings = _settings()
    engine = create_store_engine(db, must_exist=True)
    t0 = time.perf_counter()
    facts = load_facts_for(engine, settings)
    loaded = time.perf_counter() - t0
    engine.dispose()
    t0 = time.perf_counter()
    figures = compute_figures(facts, settings, store=db)
    took = time.perf_counter() - t0
    return {"load": loaded, "metrics": took, "period": str(figures.period.start)}


def phase_render(db: str) -> dict[str, object]:
    from bench_dashboard import quiet, render  # this folder is on sys.path: scripts run from it

    os.environ["AIMETRICS_DB"] = db
    os.environ.pop("AIMETRICS_CONFIG", None)
    os.chdir(tempfile.mkdtemp(prefix="bench-scale-"))  # no ./aimetrics.yaml picked up
    quiet()
    cold = render("overview", timeout=1800)
    return {"cold": cold, "warm": render("overview", timeout=1800)}


def _child(args: argparse.Namespace) -> None:
    if args.phase == "build":
        out = phase_build(args.db, args.seed, args.scale, args.end_date)
    elif args.phase == "load":
        out = phase_load(args.db)
    elif args.phase == "metrics":
        out = phase_metrics(args.db)
    else:
        out = phase_render(args.db)
    print("RESULT " + json.dumps(out), flush=True)


# --- the parent: one process per phase, its peak RSS from wait4 ----------------------


def run_phase(phase: str, args: argparse.Namespace) -> tuple[float, float, dict[str, object]]:
    """Wall time (s) of the whole child, its peak RSS (GB) and what it reported."""
    cmd = [
        sys.executable, __file__, "--phase", phase, "--db", args.db, "--seed", str(args.seed),
        "--scale", str(args.scale), "--end-date", args.end_date.isoformat(),
    ]  # fmt: skip
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"phase {phase} failed ({proc.returncode}):\n{output}")
    result = next(line for line in output.splitlines() if line.startswith("RESULT "))
    return wall, usage.ru_maxrss / 1024 / 1024, json.loads(result.removeprefix("RESULT "))


def store_size(db: str) -> str:
    import sqlalchemy as sa

    from aimetrics.store import create_store_engine
    from aimetrics.store.engine import StoreUrl

    url = StoreUrl.parse(db)
    if url.is_sqlite:
        path = url.sqlite_path
        size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))  # -wal, -shm
        return f"{size / 1e9:.2f} GB (file)"
    engine = create_store_engine(db)
    with engine.connect() as conn:
        size = conn.execute(sa.text("SELECT pg_database_size(current_database())")).scalar()
    engine.dispose()
    return f"{size / 1e9:.2f} GB (database)"


def has_demo(db: str, seed: int, scale: float, end_date: dt.date) -> bool:
    """True when the store already holds this demo (``--reuse``)."""
    import sqlalchemy as sa

    from aimetrics.errors import AimetricsError
    from aimetrics.store import create_store_engine
    from aimetrics.store import schema as s

    try:
        engine = create_store_engine(db, must_exist=True)
        with engine.connect() as conn:
            detail = conn.execute(
                sa.select(s.sync_state.c.detail).where(s.sync_state.c.source == "demo")
            ).scalar()
        engine.dispose()
    except (AimetricsError, sa.exc.DBAPIError):
        return False
    return detail == f"seed={seed} end_date={end_date.isoformat()} scale={scale:g}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="store URL (sqlite:///FILE, postgresql://...)")
    parser.add_argument("--scale", type=float, default=100.0, help="100: about 1M PRs")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--end-date", type=dt.date.fromisoformat, default=END_DATE)
    parser.add_argument("--reuse", action="store_true", help="skip build if the demo is there")
    parser.add_argument("--phases", nargs="*", default=list(PHASES), choices=PHASES)
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)  # a child
    args = parser.parse_args()
    if isinstance(args.end_date, str):
        args.end_date = dt.date.fromisoformat(args.end_date)
    if args.phase:
        _child(args)
        return

    phases = list(args.phases)
    if "build" in phases and args.reuse and has_demo(args.db, args.seed, args.scale, args.end_date):
        print("build: skipped (--reuse: the store holds this demo)")
        phases.remove("build")
    from aimetrics.store.engine import safe_url

    print(f"store {safe_url(args.db)}, scale {args.scale:g}, seed {args.seed}", flush=True)
    rows = []
    for phase in phases:
        wall, peak, out = run_phase(phase, args)
        if phase == "build":
            detail = ", ".join(f"{k} {out[k]:.1f} s" for k in ("generate", "write", "tag"))
            detail += f"; {out['rows']}"
            seconds = sum(float(out[k]) for k in ("generate", "write", "tag"))  # type: ignore[arg-type]
        elif phase == "load":
            detail = f"{out['prs']:,} PRs, {out['commits']:,} default-branch commits"
            seconds = float(out["load"])  # type: ignore[arg-type]
        elif phase == "metrics":
            detail = f"after the load ({out['load']:.1f} s); period from {out['period']}"
            seconds = float(out["metrics"])  # type: ignore[arg-type]
        else:
            detail = f"cold (first render); warm {out['warm']:.2f} s"
            seconds = float(out["cold"])  # type: ignore[arg-type]
        rows.append((phase, seconds, wall, peak, detail))
        print(f"{phase:<8} {seconds:8.1f} s  (process {wall:6.1f} s)  peak RSS {peak:5.2f} GB"
              f"  {detail}", flush=True)  # fmt: skip
    print(f"store size: {store_size(args.db)}")
    served = [peak for phase, _, _, peak, _ in rows if phase != "build"]
    if served:
        verdict = "within" if max(served) <= TARGET_GB else "OVER"
        print(f"peak RSS of load/metrics/render: {max(served):.2f} GB ({verdict} {TARGET_GB:g} GB)")
    print("\n| phase | time (s) | process (s) | peak RSS (GB) | notes |\n|---|---:|---:|---:|---|")
    for phase, seconds, wall, peak, detail in rows:
        print(f"| {phase} | {seconds:.1f} | {wall:.1f} | {peak:.2f} | {detail} |")


if __name__ == "__main__":
    main()
