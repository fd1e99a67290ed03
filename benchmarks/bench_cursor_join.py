"""Benchmark: joining Cursor's tracked commits to the stored commits (`collect cursor` does it
on every run, over everything stored, so commits collected later still join).

    python benchmarks/bench_cursor_join.py [--commits 100000] [--repos 50] [--runs 3]

Writes ``--commits`` stored commits over ``--repos`` repositories and as many tracked commits
(90% of them match a stored commit; amended ones keep their latest record) into a fresh SQLite
store, then times `join_tracked_commits`: the first run (writes every row) and the re-runs
(nothing changed: the rows are compared and not written). Prints each timing and the rows.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

from aimetrics.store import create_store_engine, read_table, upgrade, write_frames
from aimetrics.store import schema as s
from collectors.vendors.cursor import join_tracked_commits


def _sha(i: int) -> str:
    return hashlib.sha1(str(i).encode()).hexdigest()


def build(engine, commits: int, repos: int) -> None:  # type: ignore[no-untyped-def]
    names = [f"acme/repo-{r}" for r in range(repos)]
    write_frames(
        engine,
        [(s.repositories, pl.DataFrame(
            {"id": list(range(1, repos + 1)), "full_name": names, "source": ["github"] * repos}
        ))],
    )  # fmt: skip
    stored = pl.DataFrame(
        {
            "repo_id": [1 + i % repos for i in range(commits)],
            "sha": [_sha(i) for i in range(commits)],
            "additions": [10 + i % 300 for i in range(commits)],
        }
    )
    write_frames(engine, [(s.commits, stored)])
    start = datetime(2026, 9, 1, tzinfo=UTC)
    rows = []
    for i in range(commits):
        tracked = i if i % 10 else commits + i  # 10% not in the store
        for amend in range(3 if i % 20 == 1 else 1):
            rows.append(
                {
                    "commit_hash": _sha(tracked),
                    "user_email": f"dev{i % 200}@acme.example",
                    "repo_name": names[i % repos],
                    "created_at": start + timedelta(minutes=i + amend * 7),
                    "total_lines_added": 40,
                    "tab_lines_added": i % 13,
                    "composer_lines_added": (i * 7) % 31 + amend,
                    "record": "{}",
                }
            )
    frame = pl.DataFrame(rows).unique(
        subset=["commit_hash", "user_email", "repo_name"], keep="last"
    )
    write_frames(engine, [(s.cursor_ai_commits, frame)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=100_000)
    parser.add_argument("--repos", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_store_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        upgrade(engine)
        build(engine, args.commits, args.repos)
        timings = []
        for run in range(args.runs):
            started = time.perf_counter()
            joined = join_tracked_commits(engine)
            timings.append(time.perf_counter() - started)
            print(f"run {run + 1}: {timings[-1]:.2f} s, {joined:,} commits with rows")
        rows = read_table(engine, s.commit_ai_lines).height
        print(
            f"{args.commits:,} tracked commits: first join {timings[0]:.2f} s, "
            f"re-runs median {statistics.median(timings[1:] or timings):.2f} s; "
            f"{rows:,} commit_ai_lines rows"
        )
        engine.dispose()


if __name__ == "__main__":
    main()
