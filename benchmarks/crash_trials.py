"""Crash trials: kill -9 the collectors at seeded random points, re-run, compare stores.

    python benchmarks/crash_trials.py --collector github|git|both --trials 10 --seed N
        [--backend sqlite|postgresql|both] [--only INDEX] [--size full|small]

For each collector, one uninterrupted run gives the reference store; each trial runs
the real CLI in a subprocess (``aimetrics collect github`` against the fake GitHub in
tests/fakes, ``aimetrics collect git`` on generated repositories), kills it with
SIGKILL at a random request (even trials, GitHub) or after a random delay (odd trials;
every git trial), checks that no repository is half visible, runs the same command
again and compares every domain table (row count and content hash) with the
reference. Prints one line per trial and a summary; exits 1 if any trial failed.
A failing trial is replayed alone with ``--seed N --only INDEX``. PostgreSQL trials
use ``AIMETRICS_TEST_PG_URL`` (a private database per trial, dropped afterwards).
The CI variant (3 trials per collector) is tests/test_crash_safety.py; both use
tests/fakes/trials.py.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fakes.trials import (
    PG_ENV,
    GitHubScenario,
    GitScenario,
    Stores,
    TrialResult,
    git_kill_trial,
    git_reference,
    github_kill_trial,
    github_reference,
)

SIZES = {
    # big repository's PRs, small one's, page cap (502 above it); git commits per repository
    "full": {"github": {"big": 1500, "small": 200, "max_pull_page": 50}, "git": (30_000, 8_000)},
    "small": {"github": {"big": 120, "small": 10, "max_pull_page": 30}, "git": (2_500, 800)},
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--collector", choices=["github", "git", "both"], default="both")
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--only", type=int, default=None, help="run this trial index alone")
    parser.add_argument("--size", choices=list(SIZES), default="full")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    if "postgresql" in backends and not os.environ.get(PG_ENV):
        parser.error(f"PostgreSQL trials need {PG_ENV}=postgresql://user@host:port/db")
    indexes = [args.only] if args.only is not None else list(range(args.trials))
    collectors = ["github", "git"] if args.collector == "both" else [args.collector]
    size = SIZES[args.size]
    results: list[TrialResult] = []
    with tempfile.TemporaryDirectory(prefix="crash-trials-") as tmp:
        stores = Stores(Path(tmp), os.environ.get(PG_ENV))
        try:
            for collector in collectors:
                t = time.perf_counter()
                if collector == "github":
                    scenario: object = GitHubScenario.build(**size["github"])
                    reference = github_reference(scenario, stores, "sqlite")  # type: ignore[arg-type]
                    trial = github_kill_trial
                    what = f"{reference.requests} requests, {reference.seconds:.1f} s of work"
                else:
                    scenario = GitScenario.build(Path(tmp), size["git"])
                    reference = git_reference(scenario, stores, "sqlite")  # type: ignore[arg-type]
                    trial = git_kill_trial  # type: ignore[assignment]
                    what = f"{reference.seconds:.1f} s after the first git call"
                counts = {k: v[0] for k, v in reference.digest.items() if v[0]}
                print(f"{collector}: uninterrupted run ({what}; built and run in "
                      f"{time.perf_counter() - t:.1f} s): {counts}", flush=True)  # fmt: skip
                for backend in backends:
                    for index in indexes:
                        result = trial(scenario, stores, backend, reference,  # type: ignore[arg-type]
                                       seed=args.seed, index=index)  # fmt: skip
                        results.append(result)
                        print(result.line(), flush=True)
        finally:
            stores.close()
    print()
    for collector in collectors:
        for backend in backends:
            mine = [r for r in results if r.collector == collector and r.backend == backend]
            if not mine:
                continue
            ok = sum(r.ok for r in mine)
            early = sum("finished already" in r.kill for r in mine)
            mean = sum(r.seconds for r in mine) / len(mine)
            print(
                f"{collector:6} {backend:10}: {ok}/{len(mine)} trials equal to the "
                f"uninterrupted run ({early} finished before the kill); {mean:.1f} s a trial"
            )
    failed = [r for r in results if not r.ok]
    for r in failed:
        print(f"FAILED: --seed {r.seed} --only {r.index} --collector {r.collector} "
              f"--backend {r.backend}: {'; '.join(r.problems)}")  # fmt: skip
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
