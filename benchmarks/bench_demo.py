"""Benchmark: demo generation, the store write, and the store → polars load.

    python benchmarks/bench_demo.py                 # scale 100: about 1M PRs, 4.6M commits
    python benchmarks/bench_demo.py --scale 10 --db postgresql://postgres@127.0.0.1:5432/bench

Without ``--db`` the store is a fresh SQLite file in a temporary folder, removed
afterwards. Prints wall times, row counts and the process's peak memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import tempfile
import time
from pathlib import Path

from aimetrics.demo import demo_replacements, generate
from aimetrics.store import create_store_engine, read_table, upgrade, write_frames
from aimetrics.store import schema as s


def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024  # KiB on Linux


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=100.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--end-date", type=dt.date.fromisoformat, default=dt.date(2025, 6, 30))
    parser.add_argument("--db", help="store URL (default: a temporary SQLite file)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="aimetrics-bench-") as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'bench.db'}"
        print(f"scale {args.scale:g}, seed {args.seed}, store {url.split('@')[-1]}")

        t0 = time.perf_counter()
        org = generate(args.seed, args.end_date, args.scale)
        t_gen = time.perf_counter() - t0
        counts = org.row_counts()
        print(f"generate        {t_gen:7.1f} s   peak RSS {_peak_gb():5.2f} GB")
        for name in ("pull_requests", "commits", "reviews", "pull_request_commits"):
            print(f"    {name:22s} {counts[name]:>10,d} rows")

        engine = create_store_engine(url)
        upgrade(engine)
        t0 = time.perf_counter()
        write_frames(engine, org.frames, replace=demo_replacements())
        t_write = time.perf_counter() - t0
        print(f"write to store  {t_write:7.1f} s   peak RSS {_peak_gb():5.2f} GB")
        del org

        for table in (s.pull_requests, s.commits):
            t0 = time.perf_counter()
            frame = read_table(engine, table)
            took = time.perf_counter() - t0
            print(f"read {table.name:14s} {took:5.2f} s   {frame.height:>10,d} rows")
            del frame
        print(f"peak RSS (whole run) {_peak_gb():.2f} GB")
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
