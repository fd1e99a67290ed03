"""Self-check: the measured uplift on git-only histories recovers the effect injected.

    python benchmarks/git_only_selfcheck.py                 # 50 seeds, r = 1.20 and r = 1
    python benchmarks/git_only_selfcheck.py --seeds 10 --effect 1.3

Each seed writes a real git repository (:mod:`aimetrics.demo.git_history`: 40
engineers over a year, staggered adoption, 60% of AI-assisted PRs marked by a
``Co-authored-by: Claude`` trailer, seasonal dips, no seat data), collects it into
a fresh SQLite store with the git collector, resolves identities, tags, loads the
facts and reads the uplift as the dashboard does (``facts.measured``). The truth is
read only to compare. Prints, for the injected effect ``r`` and for no effect:

- coverage: the share of seeds whose 90% interval contains the truth;
- the mean estimate against ``r`` (required: ``|mean - r| <= 0.10 * |r - 1|``);
- with no effect, the share of seeds whose interval excludes 1 (required: <= 15%);
- the median interval width;
- the adoption-date lag (the first marked PR's day against the true start: mean and
  median days, and adopters never seen) and its bias on the estimate (the same
  estimator with each adopter dated by the true start).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from aimetrics.demo.git_history import GitHistorySpec, GitRun, generate_history, measure_history


def run(seed: int, effect: float, workdir: Path) -> GitRun:
    folder = workdir / f"r{effect:g}-s{seed}"
    history = generate_history(folder / "service", GitHistorySpec(seed=seed, effect=effect))
    return measure_history(history, f"sqlite:///{folder / 'store.db'}")


def summarize(runs: list[GitRun], effect: float) -> dict[str, float]:
    est = [r.uplift.estimate for r in runs]
    ok = [e for e in est if e.ok]
    true = [r.true_uplift.estimate for r in runs if r.true_uplift.estimate.ok]
    lags = pl.concat([r.lags for r in runs])
    seen = lags.drop_nulls("lag_days")["lag_days"]
    return {
        "seeds": len(runs),
        "with_estimate": len(ok),
        "coverage": float(np.mean([e.low <= effect <= e.high for e in ok])),  # type: ignore[operator]
        "excludes_1": float(np.mean([e.excludes(1.0) for e in ok])),
        "mean": float(np.mean([e.value for e in ok])),
        "mean_true_dates": float(np.mean([e.value for e in true])),
        "coverage_true_dates": float(np.mean([e.low <= effect <= e.high for e in true])),  # type: ignore[operator]
        "median_width": float(statistics.median(e.high - e.low for e in ok)),  # type: ignore[operator]
        "lag_mean": float(seen.mean()),  # type: ignore[arg-type]
        "lag_median": float(seen.median()),  # type: ignore[arg-type]
        "unseen": float(lags["lag_days"].null_count() / max(lags.height, 1)),
        "treated": float(np.mean([r.uplift.treated_engineers for r in runs])),
        "comparison": float(np.mean([r.uplift.comparison_engineers for r in runs])),
    }


def report(name: str, effect: float, s: dict[str, float]) -> bool:
    print(f"\n{name}: injected r = {effect:g}, {s['seeds']:.0f} seeds "
          f"({s['with_estimate']:.0f} with an estimate; on average {s['treated']:.1f} treated "
          f"and {s['comparison']:.1f} comparison engineers)")  # fmt: skip
    print(f"  coverage of the 90% interval:  {s['coverage']:.0%}")
    print(f"  mean estimate:                 {s['mean']:.4f}  (|mean - r| = "
          f"{abs(s['mean'] - effect):.4f})")  # fmt: skip
    print(f"  share excluding 1:             {s['excludes_1']:.0%}")
    print(f"  median interval width:         {s['median_width']:.4f}")
    print(f"  adoption lag (first marked PR - true start): mean {s['lag_mean']:.1f} d, "
          f"median {s['lag_median']:.1f} d; adopters never marked: {s['unseen']:.0%}")  # fmt: skip
    print(f"  dated by the true start:       mean {s['mean_true_dates']:.4f}, coverage "
          f"{s['coverage_true_dates']:.0%}; bias of the dating on the mean: "
          f"{s['mean'] - s['mean_true_dates']:+.4f}")  # fmt: skip
    if effect == 1.0:
        good = s["excludes_1"] <= 0.15
        print(f"  required: share excluding 1 <= 15%: {'met' if good else 'NOT MET'}")
    else:
        good = abs(s["mean"] - effect) <= 0.10 * abs(effect - 1.0)
        print(f"  required: |mean - r| <= {0.10 * abs(effect - 1.0):.3f}: "
              f"{'met' if good else 'NOT MET'}")  # fmt: skip
    return good


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--effect", type=float, default=1.20)
    args = parser.parse_args()
    started = time.perf_counter()
    good = True
    with tempfile.TemporaryDirectory(prefix="aimetrics-git-selfcheck-") as tmp:
        for name, effect in (("With an effect", args.effect), ("Without an effect", 1.0)):
            runs = []
            for seed in range(args.seeds):
                runs.append(run(seed, effect, Path(tmp)))
                print(".", end="", flush=True, file=sys.stderr)
            good &= report(name, effect, summarize(runs, effect))
    print(f"\n{2 * args.seeds} histories in {time.perf_counter() - started:.0f} s")
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
