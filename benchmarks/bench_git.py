"""Benchmark: `collect git` on a large history against plain `git log` with the same fields.

    python benchmarks/bench_git.py --commits 100000 [--runs 3] [--repo DIR]

Builds a repository with `git fast-import` (realistic messages, trailers, merges of
feature branches every few commits; kept in DIR with --repo, and reused when DIR
exists), then, --runs times, alternately:
  1. `git log --numstat` with the fields the collector reads (the floor), and
  2. the collector end to end into a fresh SQLite store (read, parse, recover PRs,
     write, commit), and
  3. `count_commits`, the progress bar's total (`aimetrics collect git` runs it first),
and prints each run and the medians. The two sides of a run follow each other on the
same machine state, so their ratio is fair on a noisy machine; a re-run with nothing
new closes.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aimetrics.store import create_store_engine, upgrade
from collectors.git_local import collect_repo, count_commits, inspect_repo
from collectors.git_log import FORMAT

# The repository generator the crash trials use too (tests/fakes/trials.py).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from fakes.trials import build_git_repo


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--commits", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--repo", type=Path, help="build the repository here (reused if present)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo_path = args.repo or Path(tmp) / "big"
        if not repo_path.exists():
            t = time.perf_counter()
            build_git_repo(repo_path, args.commits)
            print(f"built a {args.commits:,}-commit repository in {time.perf_counter() - t:.1f} s")
        repo = inspect_repo(repo_path)
        log_cmd = ["git", "-C", str(repo_path), "log", repo.default_branch, f"--format={FORMAT}",
                   "--numstat", "--no-renames", "--no-color"]  # fmt: skip
        runs: list[tuple[float, float, float, float]] = []
        for run in range(args.runs):
            t = time.perf_counter()
            out = subprocess.run(log_cmd, check=True, capture_output=True)
            git_time = time.perf_counter() - t

            engine = create_store_engine(f"sqlite:///{Path(tmp) / f'bench{run}.db'}")
            upgrade(engine)
            t = time.perf_counter()
            counts = collect_repo(engine, inspect_repo(repo_path))
            ours = time.perf_counter() - t

            t = time.perf_counter()
            total = count_commits(repo)
            count_time = time.perf_counter() - t
            runs.append((git_time, ours, ours / git_time, count_time))
            print(
                f"run {run + 1}: git log {git_time:.2f} s ({len(out.stdout) / 1e6:.0f} MB); "
                f"collect git {ours:.2f} s for {counts['commits']:,} commits, "
                f"{counts['pull_requests']:,} PRs, {counts['pull_request_commits']:,} PR links "
                f"→ {ours / git_time:.2f}× git log; progress total "
                f"{'none' if total is None else f'{total:,}'} in {count_time:.2f} s"
            )
        git_med, ours_med, ratio_med, count_med = map(statistics.median, zip(*runs, strict=True))
        print(
            f"median of {args.runs}: git log {git_med:.2f} s, collect git {ours_med:.2f} s, "
            f"{ratio_med:.2f}× (median of the runs' ratios); count_commits {count_med:.2f} s"
        )
        t = time.perf_counter()
        again = collect_repo(engine, inspect_repo(repo_path))
        print(f"re-run (nothing new): {time.perf_counter() - t:.2f} s, {again['commits']} commits")


if __name__ == "__main__":
    main()
