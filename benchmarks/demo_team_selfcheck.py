"""Self-check: the dashboard's figures on the demo, against the truth the demo injected.

    python benchmarks/demo_team_selfcheck.py                 # seeds 0..49, scale 1
    python benchmarks/demo_team_selfcheck.py --seeds 10 --effect 1.0

For every seed the demo organization is generated, tagged with the real rules and read as
the dashboard reads a store (``tests/selfcheck.py``, shared with ``tests/test_selfcheck.py``,
which checks the same on fewer seeds). Measured, with the production functions:

- the throughput uplift (stacked difference-in-differences) of the organization, and of
  each team with 20+ adopters (payments: ×1.20, platform: heavy spend and no effect) as the
  team map computes it (``team_map.group_uplifts``: the team's adopters against every
  engineer not yet adopted);
- the cycle-time ratio AI-assisted / no marker in both designs: within engineer (engineers
  with 3+ PRs of each kind) and pooled over everyone. Both are set beside
  ``truth.expected_cycle_ratio()`` (the teams' effects times the speed-up of smaller AI
  PRs: what comparing the same engineers' PRs should find); the pooled one also mixes in
  who uses AI (the fast-reviewing platform team marks most of its PRs).

Prints one row per seed and group, then per group: the mean truth and estimate, the mean's
relative error, the share of seeds whose 90% interval covers the truth and the fewest
covering seeds the test would accept (binomial), and the pooled ratio against the
within-engineer one seed by seed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from selfcheck import measure, min_covered, rows, summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--effect", type=float, default=1.2, help="typical throughput effect")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    frame = rows([measure(seed, args.effect) for seed in seeds])
    cycle = frame.filter(pl.col("measure") == "cycle time")
    paired = (
        cycle.pivot("group", index="seed", values="estimate")
        .select((pl.col("pooled") / pl.col("within engineer")).alias("pooled / within"))
        .describe()
    )
    with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=200, float_precision=3):
        print(frame)
        print(summary(frame))
        print(paired)
    print(f"coverage the test accepts over {args.seeds} seeds: {min_covered(args.seeds)}")
    print(f"{time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
