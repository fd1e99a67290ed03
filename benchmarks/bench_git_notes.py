"""Benchmark: `collect git` with git-ai notes on 30% of the commits against the same history
without notes (issue 17: within 1.3x).

    python benchmarks/bench_git_notes.py [--commits 5000] [--share 0.3] [--runs 3] [--repo DIR]

Builds a repository as `bench_git.py` does (`git fast-import`; reused when DIR exists), then
writes one note per chosen commit under ``refs/notes/ai`` (one fast-import commit; each note
attests the first lines of a file the commit changes, to a Claude session, and two lines to a
known human). Each run collects into a fresh SQLite store twice, alternately: with the notes ref
moved aside, and with it. Prints each run and the median of the runs' ratios; use
``--commits 100000`` for the issue's figure.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aimetrics.store import create_store_engine, upgrade
from collectors.git_local import collect_repo, inspect_repo

# The repository generator the crash trials use too (tests/fakes/trials.py).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from fakes.trials import build_git_repo

NOTES = "refs/notes/ai"
ASIDE = "refs/bench/notes-aside"
META = json.dumps(
    {
        "schema_version": "authorship/3.0.0",
        "git_ai_version": "1.3.0",
        "base_commit_sha": "",
        "prompts": {},
        "sessions": {
            "s_1a2b3c4d5e6f70": {
                "agent_id": {"tool": "claude", "id": "bench", "model": "claude-sonnet-4-5"},
                "human_author": None,
            }
        },
        "humans": {"h_31dce776f88375": {"author": "Bench <bench@example.com>"}},
    },
    indent=2,
)


def git(repo: Path, *args: str, data: bytes | None = None) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], input=data, check=True, capture_output=True
    ).stdout.decode()


def write_notes(repo: Path, branch: str, share: float, seed: int = 7) -> int:
    """Notes on ``share`` of the branch's non-merge commits, in one fast-import commit."""
    log = git(repo, "log", branch, "--no-merges", "--format=%x01%H", "--name-only")
    touched = []
    for record in log.split("\x01")[1:]:
        sha, *files = record.split()
        if files:
            touched.append((sha, files[0]))
    chosen = random.Random(seed).sample(touched, int(len(touched) * share))
    stream = [b"commit refs/notes/ai\ncommitter Bench <bench@example.com> 1767225600 +0000\n"]
    stream.append(b"data 0\n")
    for sha, path in chosen:
        name = f'"{path}"' if " " in path else path
        text = f"{name}\n  s_1a2b3c4d5e6f70::t_0a1b2c3d4e5f60 1-20\n  h_31dce776f88375 21-22\n"
        body = (text + "---\n" + META).encode()
        stream.append(f"N inline {sha}\ndata {len(body)}\n".encode() + body + b"\n")
    git(repo, "fast-import", "--quiet", data=b"".join(stream))
    return len(chosen)


def collect_once(repo: Path, db: Path) -> tuple[float, int]:
    engine = create_store_engine(f"sqlite:///{db}")
    upgrade(engine)
    t = time.perf_counter()
    counts = collect_repo(engine, inspect_repo(repo), on_warning=lambda _: None)
    elapsed = time.perf_counter() - t
    engine.dispose()
    return elapsed, int(counts["ai_line_commits"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--commits", type=int, default=5_000)
    parser.add_argument("--share", type=float, default=0.3)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--repo", type=Path, help="build the repository here (reused if present)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = args.repo or Path(tmp) / "big"
        if not repo.exists():
            t = time.perf_counter()
            build_git_repo(repo, args.commits)
            print(f"built a {args.commits:,}-commit repository in {time.perf_counter() - t:.1f} s")
        branch = inspect_repo(repo).default_branch
        if subprocess.run(["git", "-C", str(repo), "rev-parse", "-q", "--verify", NOTES],
                          capture_output=True).returncode:  # fmt: skip
            t = time.perf_counter()
            n = write_notes(repo, branch, args.share)
            print(f"wrote {n:,} notes in {time.perf_counter() - t:.1f} s")
        tip = git(repo, "rev-parse", NOTES).strip()
        ratios = []
        for run in range(args.runs):
            git(repo, "update-ref", ASIDE, tip)
            git(repo, "update-ref", "-d", NOTES)
            without, _ = collect_once(repo, Path(tmp) / f"plain{run}.db")
            git(repo, "update-ref", NOTES, tip)
            git(repo, "update-ref", "-d", ASIDE)
            with_notes, noted = collect_once(repo, Path(tmp) / f"notes{run}.db")
            ratios.append(with_notes / without)
            print(
                f"run {run + 1}: without notes {without:.2f} s; with notes {with_notes:.2f} s "
                f"({noted:,} commits' notes) → {with_notes / without:.2f}×"
            )
        print(
            f"median of {args.runs} runs' ratios: {statistics.median(ratios):.2f}× (target ≤ 1.3×)"
        )


if __name__ == "__main__":
    main()
