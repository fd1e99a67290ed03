"""Self-check per team: the dashboard's uplift on the demo, against each team's injected truth.

    python benchmarks/demo_team_selfcheck.py --seeds 10          # seeds 0..9, scale 1
    python benchmarks/demo_team_selfcheck.py --seeds 5 --effect 1.0

For every seed the demo organization is generated, tagged with the real rules and read
as the dashboard reads a store (as ``tests/test_selfcheck.py`` does); the throughput
uplift (stacked difference-in-differences) and the cycle-time ratio (same engineers)
are computed for the organization and for each team with 20+ adopters (its adopters;
the other teams' adopters only before their adoption, with the non-adopters, as
comparison; the truth is used only to pick them and to compare). Prints one row per
seed and team, then the mean estimate, the mean truth and the share of seeds whose 90%
interval contains the truth. The cycle-time truth is
``expected_cycle_ratio`` (the effect times the speed-up of smaller AI PRs), what a
comparison that does not hold size equal should find.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from aimetrics.demo import DEFAULT_CYCLE_TIME_EFFECT, generate
from aimetrics.metrics.adoption import Selection, seat_facts
from aimetrics.metrics.overview import select_work
from aimetrics.metrics.uplift import (
    adoption_dates,
    cycle_time_uplift,
    engineer_cycle_hours,
    throughput_uplift,
)
from aimetrics.tagging import build_ruleset, compute_tags

from samples import frames_facts

END = dt.date(2025, 6, 30)
LABEL_RULE = {
    "id": "label:ai-assisted",
    "tool": "github-copilot",
    "kind": "assisted",
    "field": "pr.label",
    "pattern": "^ai-assisted$",
    "confidence": "high",
}
RULES = build_ruleset(extra_rules=[LABEL_RULE])
BOTS = (*RULES.non_ai_bots.logins, *RULES.non_ai_bots.emails)


def measure(seed: int, effect: float, scale: float) -> list[dict[str, object]]:
    org = generate(seed, END, scale, throughput_effect=effect)
    frame, truth = org.frame, org.truth
    tags = compute_tags(
        RULES,
        commits=frame("commits"),
        pull_requests=frame("pull_requests"),
        labels=frame("pull_request_labels"),
        reviews=frame("reviews"),
    ).lazy()
    prs, activity, directory = frames_facts(frame, tags, BOTS)
    merged, engineers = select_work(prs.lazy(), activity.lazy(), Selection())
    seats = seat_facts(frame("seat_assignments").lazy(), directory.lazy())
    adoption = adoption_dates(merged, seats, directory.lazy()).collect().lazy()
    logins = directory.filter(pl.col("kind") == "login").select(
        pl.col("value").alias("login"), "person_key"
    )
    people = truth.engineers.select(pl.col("login").str.to_lowercase(), "effect_team").join(
        logins, on="login"
    )
    size = truth.size_cycle_factor()
    groups = [("organization", None, truth.org_throughput_effect(), truth.expected_cycle_ratio())]
    for row in truth.team_effects.filter(pl.col("adopters") >= 20).iter_rows(named=True):
        others = people.filter(pl.col("effect_team") != row["slug"])["person_key"]
        groups.append(
            (row["slug"], others, row["throughput_effect"], row["cycle_time_effect"] * size)
        )
    rows = []
    for name, others, t_truth, c_truth in groups:
        m, e, a = merged, engineers, adoption
        if others is not None:
            # The other teams' adopters count only before they adopt (not yet treated).
            later = a.filter(pl.col("person_key").is_in(others.implode())).select(
                "person_key", pl.col("adopted_on").alias("_adopted")
            )
            m = _before(m.rename({"author_key": "person_key"}), later, "merged_at").rename(
                {"person_key": "author_key"}
            )
            e = _before(e, later, "at")
            a = a.join(later, on="person_key", how="anti")
        u = throughput_uplift(m, e, a).estimate
        c = cycle_time_uplift(engineer_cycle_hours(m)).ratio
        rows.append(
            {
                "seed": seed,
                "group": name,
                "throughput_truth": t_truth,
                "throughput": u.value,
                "t_low": u.low,
                "t_high": u.high,
                "cycle_truth": c_truth,
                "cycle": c.value,
                "c_low": c.low,
                "c_high": c.high,
            }
        )
    return rows


def _before(frame: pl.LazyFrame, adopted: pl.LazyFrame, at: str) -> pl.LazyFrame:
    """Rows of ``frame`` before their person's adoption (all rows of the others)."""
    return (
        frame.join(adopted, on="person_key", how="left")
        .filter(pl.col("_adopted").is_null() | (pl.col(at).dt.date() < pl.col("_adopted")))
        .drop("_adopted")
    )


def _covered(truth: str, low: str, high: str) -> pl.Expr:
    return ((pl.col(low) <= pl.col(truth)) & (pl.col(truth) <= pl.col(high))).mean()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--effect", type=float, default=1.2, help="typical throughput effect")
    args = parser.parse_args(argv)
    print(f"cycle_time_effect {DEFAULT_CYCLE_TIME_EFFECT} (typical teams)")
    started = time.perf_counter()
    rows = []
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        rows += measure(seed, args.effect, args.scale)
    frame = pl.DataFrame(rows)
    with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=200, float_precision=3):
        print(frame)
        summary = frame.group_by("group", maintain_order=True).agg(
            pl.col("throughput_truth").mean(),
            pl.col("throughput").mean(),
            _covered("throughput_truth", "t_low", "t_high").alias("t_covered"),
            pl.col("cycle_truth").mean(),
            pl.col("cycle").mean(),
            _covered("cycle_truth", "c_low", "c_high").alias("c_covered"),
        )
        print(summary)
    print(f"{time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
