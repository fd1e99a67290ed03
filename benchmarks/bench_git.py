"""Benchmark: `collect git` on a large history against plain `git log` with the same fields.

    python benchmarks/bench_git.py --commits 100000

Builds a repository with `git fast-import` (realistic messages, trailers, merges of
feature branches every few commits), then times
  1. `git log --numstat` with the fields the collector reads (the floor), and
  2. the collector end to end into a fresh SQLite store (read, parse, recover PRs, write).
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from aimetrics.store import create_store_engine, upgrade
from collectors.git_local import _FORMAT, collect_repo, inspect_repo

SUBJECTS = [
    "feat(api): add pagination", "fix: handle empty cart", "refactor: extract module",
    "test: cover refunds", "docs: explain retries", "perf(db): batch inserts",
]  # fmt: skip
TRAILERS = [
    "", "", "", "Co-Authored-By: Claude <noreply@anthropic.com>",
    "Co-authored-by: Cursor Agent <cursoragent@cursor.com>", "Signed-off-by: A <a@corp.example>",
]  # fmt: skip


def build_repo(path: Path, n: int, seed: int = 3) -> None:
    rng = np.random.default_rng(seed)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    lines: list[str] = []
    t0 = 1_735_689_600
    mark = 0
    main_tip = 0
    pr = 0
    i = 0
    while i < n:
        # A feature branch of 1-4 commits, then a merge commit "Merge pull request #N".
        k = int(rng.integers(1, 5))
        parent = main_tip
        for _ in range(k):
            mark += 1
            i += 1
            who = int(rng.integers(0, 300))
            msg = f"{SUBJECTS[i % len(SUBJECTS)]} {i}\n\nBody line.\n\n{TRAILERS[i % 6]}".strip()
            data = msg.encode()
            blob = f"line {i}\n" * int(rng.integers(1, 20))
            lines.append(f"commit refs/heads/main\nmark :{mark}\n")
            lines.append(f"author Dev {who} <dev{who}@corp.example> {t0 + i * 60} +0000\n")
            lines.append(f"committer Dev {who} <dev{who}@corp.example> {t0 + i * 60} +0000\n")
            lines.append(f"data {len(data)}\n{msg}\n")
            if parent:
                lines.append(f"from :{parent}\n")
            lines.append(f"M 644 inline src/file{i % 500}.py\ndata {len(blob)}\n{blob}\n")
            parent = mark
        pr += 1
        mark += 1
        i += 1
        msg = f"Merge pull request #{pr} from acme/feature-{pr}\n\nFeature {pr}"
        lines.append(f"commit refs/heads/main\nmark :{mark}\n")
        lines.append(f"author Dev 1 <dev1@corp.example> {t0 + i * 60} +0000\n")
        lines.append(f"committer GitHub <noreply@github.com> {t0 + i * 60} +0000\n")
        lines.append(f"data {len(msg.encode())}\n{msg}\n")
        if main_tip:
            lines.append(f"from :{main_tip}\n")
        lines.append(f"merge :{parent}\n\n")
        main_tip = mark
    subprocess.run(
        ["git", "-C", str(path), "fast-import", "--quiet"],
        input="".join(lines).encode(), check=True,
    )  # fmt: skip
    subprocess.run(["git", "-C", str(path), "reset", "-q", "--hard", "main"], check=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--commits", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo_path = Path(tmp) / "big"
        t = time.perf_counter()
        build_repo(repo_path, args.commits)
        print(f"built a {args.commits:,}-commit repository in {time.perf_counter() - t:.1f} s")

        t = time.perf_counter()
        out = subprocess.run(
            ["git", "-C", str(repo_path), "log", "main", f"--format={_FORMAT}", "--numstat",
             "--no-renames", "--no-color"],
            check=True, capture_output=True,
        )  # fmt: skip
        git_time = time.perf_counter() - t
        print(f"git log (same fields): {git_time:.2f} s, {len(out.stdout) / 1e6:.0f} MB")

        engine = create_store_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        upgrade(engine)
        t = time.perf_counter()
        counts = collect_repo(engine, inspect_repo(repo_path))
        ours = time.perf_counter() - t
        print(
            f"collect git: {ours:.2f} s for {counts['commits']:,} commits, "
            f"{counts['pull_requests']:,} PRs, {counts['pull_request_commits']:,} PR links "
            f"→ {ours / git_time:.2f}× git log"
        )
        t = time.perf_counter()
        again = collect_repo(engine, inspect_repo(repo_path))
        print(f"re-run (nothing new): {time.perf_counter() - t:.2f} s, {again['commits']} commits")


if __name__ == "__main__":
    main()
