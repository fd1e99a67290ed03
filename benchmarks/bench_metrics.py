"""Benchmark: the metric families on the demo organization at 100k and 1M PRs.

    python benchmarks/bench_metrics.py --scale 10     # about 100k PRs, 470k commits
    python benchmarks/bench_metrics.py --scale 100    # about 1M PRs, 4.6M commits

A child process generates the demo in memory (``aimetrics.demo.generate``), runs
the tagging rules and builds the shared frames the dashboard loads once (the
merged PRs and engineer activity of ``load_facts``' PR facts, engineers' PR cycle
times, seats, plans, cost records, teams), and hands them over as Parquet; the
generator's own memory stays in the child. This process then times each metric
family on the loaded frames for the default 90-day period, and the full set:

- overview: the KPIs of the period and the previous one, and the weekly trend;
- uplift: adoption dates, throughput uplift and cycle-time ratio with bootstrap CIs;
- roi: spend and both ROI methods (with the uplift's replicates);
- privacy: team, team x tool and repository breakdowns folded for the threshold.

Prints the best and median of ``--repeat`` runs and this process's peak RSS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from aimetrics.figures.cost import RoiParts
from aimetrics.figures.cost import roi as both_methods
from aimetrics.metrics.cost.lines import spend_lines
from aimetrics.metrics.cost.spend import spend_total
from aimetrics.metrics.evidence import ai_users, evidence, marker_evidence, seat_evidence
from aimetrics.metrics.like_for_like import cycle_time_uplift
from aimetrics.metrics.overview import KPI_COLUMNS, CostInputs, overview_figures, weekly_trend
from aimetrics.metrics.period import Period
from aimetrics.metrics.privacy import fold_small_groups
from aimetrics.metrics.roi import post_adoption_prs
from aimetrics.metrics.uplift import adoption_dates, throughput_uplift
from aimetrics.settings import PrivacySettings, RoiSettings, StatisticsSettings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # samples.frames_facts

FRAMES = (
    "merged",
    "activity",
    "cycle",
    "seat_plans",
    "cost_records",
    "seat_assignments",
    "directory",
    "teams",
)
LABEL_RULE = {
    "id": "label:ai-assisted",
    "tool": "github-copilot",
    "kind": "assisted",
    "field": "pr.label",
    "pattern": "^ai-assisted$",
    "confidence": "high",
}


def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024  # KiB on Linux


def _rss_gb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024 / 1024
    return float("nan")


def prepare(scale: float, seed: int, end: dt.date, out: str) -> dict[str, Any]:
    """In the child: generate, tag and derive the shared frames; write them as Parquet."""
    from aimetrics.demo import generate
    from aimetrics.metrics.adoption import Selection, seat_facts
    from aimetrics.metrics.like_for_like import engineer_cycle_hours
    from aimetrics.metrics.overview import select_work
    from aimetrics.metrics.work_facts import memberships_by_person
    from aimetrics.tagging import build_ruleset, compute_tags

    from samples import frames_facts

    t0 = time.perf_counter()
    org = generate(seed, end, scale)
    t_gen = time.perf_counter() - t0
    f = org.frame
    rules = build_ruleset(extra_rules=[LABEL_RULE])
    bots = (*rules.non_ai_bots.logins, *rules.non_ai_bots.emails)
    t0 = time.perf_counter()
    tags = compute_tags(
        rules,
        commits=f("commits"),
        pull_requests=f("pull_requests"),
        labels=f("pull_request_labels"),
        reviews=f("reviews"),
    ).lazy()
    t_tag = time.perf_counter() - t0
    t0 = time.perf_counter()
    prs, activity, directory = frames_facts(f, tags, bots)
    selected = select_work(prs.lazy(), activity.lazy(), Selection())
    merged, activity = (frame.collect() for frame in selected)
    cycle = engineer_cycle_hours(merged.lazy()).collect()
    seats = seat_facts(f("seat_assignments").lazy(), directory.lazy()).collect()
    teams = (
        memberships_by_person(f("team_memberships").lazy(), f("people").lazy())
        .filter(pl.col("valid_to").is_null())
        .select("person_key", "team")
        .unique("person_key", keep="first")
        .collect()
    )
    t_inputs = time.perf_counter() - t0
    frames = {
        "merged": merged,
        "activity": activity,
        "cycle": cycle,
        "seat_plans": f("seat_plans"),
        "cost_records": f("cost_records"),
        "seat_assignments": seats,
        "directory": directory,
        "teams": teams,
    }
    for name, frame in frames.items():
        frame.write_parquet(Path(out) / f"{name}.parquet")
    return {
        "rows": org.row_counts(),
        "generate_s": t_gen,
        "tag_s": t_tag,
        "inputs_s": t_inputs,
        "child_peak_gb": _peak_gb(),
    }


def overview(frames: dict[str, pl.DataFrame], period: Period) -> Any:
    merged, activity = frames["merged"].lazy(), frames["activity"].lazy()
    costs = CostInputs(frames["seat_plans"].lazy(), frames["cost_records"].lazy())
    kpis = overview_figures(merged, activity, costs, period, "USD").select(KPI_COLUMNS)
    return pl.collect_all([kpis, weekly_trend(merged, activity, period)])


def uplift(frames: dict[str, pl.DataFrame], stats: StatisticsSettings) -> Any:
    merged = frames["merged"].lazy()
    adoption = adoption_dates(
        merged, frames["seat_assignments"].lazy(), frames["directory"].lazy()
    ).collect()
    result = throughput_uplift(merged, frames["activity"].lazy(), adoption.lazy(), settings=stats)
    cycle = cycle_time_uplift(frames["cycle"].lazy(), stats)
    return adoption, result, cycle


def roi(frames: dict[str, pl.DataFrame], period: Period, measured: Any) -> Any:
    adoption, result, _ = measured
    merged, seats, settings = (
        frames["merged"].lazy(),
        frames["seat_assignments"].lazy(),
        RoiSettings(),
    )
    lines = spend_lines(frames["seat_plans"].lazy(), frames["cost_records"].lazy(), period, seats)
    row = spend_total(lines, settings.currency).collect().row(0, named=True)
    activity = frames["activity"].lazy()
    ev = evidence(marker_evidence(activity), seat_evidence(seats, frames["directory"].lazy()))
    parts = RoiParts(
        period=period,
        spend=row["spend"],
        other_currencies=tuple(row["other_currencies"]),
        post_adoption_prs=post_adoption_prs(merged, adoption.lazy(), period),
        ai_users=int(
            ai_users(ev, activity, period).collect()["ai_user"].sum()  # the one definition
        ),
    )
    return both_methods(parts, result, settings)


def privacy(frames: dict[str, pl.DataFrame], period: Period, k: int) -> Any:
    teams = frames["teams"].lazy()
    people = (
        frames["activity"]
        .lazy()
        .filter(period.contains("at"))
        .select("person_key")
        .unique()
        .join(teams, on="person_key", how="left")
        .with_columns(pl.col("team").fill_null("(no team)"))
    )
    prs = (
        frames["merged"]
        .lazy()
        .filter(pl.col("counted") & period.contains("merged_at"))
        .join(teams, left_on="author_key", right_on="person_key", how="left")
        .with_columns(
            pl.col("team").fill_null("(no team)"),
            pl.col("ai_tool").fill_null("no marker").alias("tool"),
            pl.col("repo_id").cast(pl.String).alias("repository"),
            pl.lit(1).alias("prs"),
            pl.col("is_ai").cast(pl.Int64).alias("ai_prs"),
        )
    ).collect()
    by_tool = prs.lazy().select(pl.col("author_key").alias("person_key"), "team", "tool")
    by_repo = prs.lazy().select(pl.col("author_key").alias("person_key"), "repository")
    return [
        fold_small_groups(prs, people, ["team"], k, ["prs", "ai_prs"]),
        fold_small_groups(prs, by_tool, ["team", "tool"], k, ["prs", "ai_prs"]),
        fold_small_groups(prs, by_repo, ["repository"], k, ["prs", "ai_prs"]),
    ]


def _time(fn: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return times, out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=100.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--end-date", type=dt.date.fromisoformat, default=dt.date(2025, 6, 30))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="aimetrics-bench-") as tmp:
        ctx = mp.get_context("spawn")
        with ctx.Pool(1) as pool:
            info = pool.apply(prepare, (args.scale, args.seed, args.end_date, tmp))
        rows = info["rows"]
        print(
            f"scale {args.scale:g}: {rows['pull_requests']:,} PRs, {rows['commits']:,} commits "
            f"(generate {info['generate_s']:.1f} s, tag {info['tag_s']:.1f} s, shared frames "
            f"{info['inputs_s']:.1f} s; child peak RSS {info['child_peak_gb']:.2f} GB)"
        )
        t0 = time.perf_counter()
        frames = {name: pl.read_parquet(Path(tmp) / f"{name}.parquet") for name in FRAMES}
        t_load = time.perf_counter() - t0
    print(
        f"load frames     {t_load:6.2f} s   merged {frames['merged'].height:,} rows, activity "
        f"{frames['activity'].height:,}, cycle {frames['cycle'].height:,}; RSS {_rss_gb():.2f} GB"
    )

    latest = frames["merged"]["merged_at"].max()
    period = Period.ending_at(latest, "UTC")  # type: ignore[arg-type]
    stats = StatisticsSettings()
    k = PrivacySettings().min_group_size
    measured = uplift(frames, stats)
    families: dict[str, Callable[[], Any]] = {
        "overview KPIs + weekly": lambda: overview(frames, period),
        "uplift with CIs": lambda: uplift(frames, stats),
        "roi (both methods)": lambda: roi(frames, period, measured),
        "privacy folding": lambda: privacy(frames, period, k),
    }

    def full_set() -> Any:
        out = overview(frames, period)
        m = uplift(frames, stats)
        return out, m, roi(frames, period, m), privacy(frames, period, k)

    families["full set"] = full_set
    print(f"period {period.start} .. {period.last_day}; {stats.bootstrap_samples} replicates")
    for name, fn in families.items():
        times, _ = _time(fn, args.repeat)
        print(f"{name:24s} best {min(times):6.3f} s   median {statistics.median(times):6.3f} s")
    _, result, cycle = measured
    e = result.estimate
    print(
        f"uplift {e.value:.3f} [{e.low:.3f}, {e.high:.3f}] over {result.treated_engineers} "
        f"adopters / {result.comparison_engineers} comparison engineers, {result.cohorts} cohorts;"
        f" cycle-time ratio {cycle.ratio.value:.3f} [{cycle.ratio.low:.3f}, {cycle.ratio.high:.3f}]"
    )
    print(f"peak RSS (this process): {_peak_gb():.2f} GB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
