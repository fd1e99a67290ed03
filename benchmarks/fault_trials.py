"""Fault trials: every fault kind of the fake GitHub at seeded random requests.

    python benchmarks/fault_trials.py --placements 300 --seed N [--only INDEX] [--size full|small]

Each placement injects one or two faults (5xx, 403/429 with Retry-After, the
abuse-detection 403, connection reset, truncated and malformed answers, answers slower
than the timeout, an exhausted primary limit, GraphQL errors with partial data), once,
twice or for good, at random GraphQL, REST or report-download requests, and runs the
collector in-process (collect, then resolve identities, as the CLI does). The run must
end complete, or name each incomplete repository with a reason while every repository
it calls complete equals the uninterrupted run's and incomplete ones show nothing;
a re-run without faults must then reach the uninterrupted store exactly. Prints one
line per placement and a summary by fault kind; exits 1 if any placement failed.
The CI variant is tests/github/test_github_fault_injection.py; both use
tests/fakes/trials.py.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from aimetrics.tagging import build_ruleset

from fakes.github_server import DEFAULT_TOKEN
from fakes.trials import FAULT_KINDS, FaultResult, FaultRunner, GitHubScenario

SIZES = {
    "full": {"big": 200, "small": 20, "max_pull_page": 40},
    "small": {"big": 30, "small": 5, "max_pull_page": 15},
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--placements", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", type=int, default=None, help="run this placement alone")
    parser.add_argument("--size", choices=list(SIZES), default="full")
    args = parser.parse_args()
    os.environ.setdefault("GITHUB_TOKEN", DEFAULT_TOKEN)
    indexes = [args.only] if args.only is not None else list(range(args.placements))
    results: list[FaultResult] = []
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fault-trials-") as tmp:
        runner = FaultRunner(GitHubScenario.build(**SIZES[args.size]), build_ruleset(), Path(tmp))
        counts = {k: v[0] for k, v in runner.reference.digest.items() if v[0]}
        print(f"uninterrupted run: {runner.counts} requests; {counts}", flush=True)
        for index in indexes:
            result = runner.placement(seed=args.seed, index=index)
            results.append(result)
            print(result.line(), flush=True)
    print()
    print(f"{'first fault':12} {'placements':>10} {'served':>7} {'complete':>9} "
          f"{'incomplete':>11} {'failed':>7}")  # fmt: skip
    for kind in FAULT_KINDS:
        mine = [r for r in results if r.kinds and r.kinds[0] == kind]
        print(f"{kind:12} {len(mine):10} {sum(kind in r.fired for r in mine):7} "
              f"{sum(not r.incomplete and r.ok for r in mine):9} "
              f"{sum(bool(r.incomplete) and r.ok for r in mine):11} "
              f"{sum(not r.ok for r in mine):7}")  # fmt: skip
    served = Counter(kind for r in results for kind in r.fired)
    ok = sum(r.ok for r in results)
    print(f"\n{ok}/{len(results)} placements ended complete or named their incomplete "
          f"repositories and re-ran to the uninterrupted store; {sum(served.values())} faults "
          f"served; {time.perf_counter() - began:.0f} s")  # fmt: skip
    for r in results:
        if not r.ok:
            print(f"FAILED: --seed {r.seed} --only {r.index}: {'; '.join(r.problems)}")
    return 0 if ok == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
