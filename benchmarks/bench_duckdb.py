"""Benchmark: a core set of metrics in polars and in DuckDB SQL over the same frames.

    python benchmarks/bench_duckdb.py --scale 10     # about 100k PRs
    python benchmarks/bench_duckdb.py --scale 100    # about 1M PRs

Builds the shared frames exactly as ``bench_metrics.py`` does (its ``prepare`` in a
child process), plus a PR timeline frame (merged PRs with created/ready times,
first commit and human review milestones, as :mod:`aimetrics.figures.facts` joins
them, without the spans). Both engines then read the same in-memory Arrow data (the polars frames;
DuckDB is handed their Arrow tables, zero copy) and compute, for the default
90-day period:

1. throughput: counted merged PRs per active engineer per week;
2. cycle-time split: coding / pickup / review / merge / cycle hours, AI-assisted vs
   no marker, with n, people and p10/p25/median/p75/p90 (linear interpolation;
   DuckDB ``quantile_cont``);
3. AI-assisted share of counted merged PRs;
4. per engineer: merged PRs per week in the 12 weeks before vs the 12 weeks from
   their adoption date (adoption dates computed by each engine).

The polars side calls the project's functions (``throughput``, ``cycle_spans``,
``cycle_time_summary``, ``ai_share_of_merged_prs``, ``adoption_dates``). Results are
checked equal (counts exactly, ratios within 1e-9, quantiles within 1e-6 relative),
then each family is timed, best of ``--repeat``.

Needs ``duckdb`` (``pip install duckdb``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
from bench_metrics import FRAMES, _peak_gb, _time, prepare

from aimetrics.metrics.adoption import ai_share_of_merged_prs
from aimetrics.metrics.delivery import (
    QUANTILES,
    STAGES,
    cycle_spans,
    cycle_time_summary,
    throughput,
)
from aimetrics.metrics.period import Period
from aimetrics.metrics.uplift import POST_WEEKS, PRE_WEEKS, adoption_dates

TABLES = ("merged", "activity", "timeline", "seat_assignments", "directory")


def prepare_with_timeline(scale: float, seed: int, end: dt.date, out: str) -> dict[str, Any]:
    """In the child: ``bench_metrics.prepare``, then the PR timeline frame: its merged PRs
    (``load_facts``' PR facts) with their milestones, without the spans."""
    info = prepare(scale, seed, end, out)
    t0 = time.perf_counter()
    timeline = pl.read_parquet(Path(out) / "merged.parquet").drop(
        *STAGES, "timeline", "ai", "comparison", "teams"
    )
    timeline.write_parquet(Path(out) / "timeline.parquet")
    info["timeline_s"] = time.perf_counter() - t0
    info["child_peak_gb"] = _peak_gb()
    return info


# --- polars --------------------------------------------------------------------------------


def pl_throughput(frames: dict[str, pl.DataFrame], period: Period) -> pl.DataFrame:
    return throughput(frames["merged"].lazy(), frames["activity"].lazy(), period).collect()


def pl_cycle(frames: dict[str, pl.DataFrame], period: Period) -> pl.DataFrame:
    prs = (
        frames["timeline"]
        .lazy()
        .with_columns(
            pl.lit("org").alias("group"),
            pl.when("is_ai")
            .then(pl.lit("AI-assisted"))
            .otherwise(pl.lit("no marker"))
            .alias("comparison"),
            pl.when("by_engineer").then(pl.col("author_key")).alias("engineer_key"),
        )
    )
    return cycle_time_summary(cycle_spans(prs), period).drop("group").collect()


def pl_share(frames: dict[str, pl.DataFrame], period: Period) -> pl.DataFrame:
    return ai_share_of_merged_prs(frames["merged"].lazy(), period).collect()


def pl_prepost(frames: dict[str, pl.DataFrame], period: Period) -> pl.DataFrame:
    merged = frames["merged"].lazy()
    engineers = adoption_dates(
        merged, frames["seat_assignments"].lazy(), frames["directory"].lazy()
    ).join(frames["activity"].lazy().select("person_key").unique(), on="person_key", how="semi")
    day, adopted = pl.col("day"), pl.col("adopted_on")
    counts = (
        merged.filter(pl.col("counted") & pl.col("author_key").is_not_null())
        .select(
            pl.col("author_key").alias("person_key"), pl.col("merged_at").dt.date().alias("day")
        )
        .join(engineers.select("person_key", "adopted_on"), on="person_key")
        .group_by("person_key")
        .agg(
            ((day >= adopted - pl.duration(weeks=PRE_WEEKS)) & (day < adopted))
            .sum()
            .cast(pl.Int64)
            .alias("pre_prs"),
            ((day >= adopted) & (day < adopted + pl.duration(weeks=POST_WEEKS)))
            .sum()
            .cast(pl.Int64)
            .alias("post_prs"),
        )
    )
    return (
        engineers.select("person_key", "adopted_on", "basis")
        .join(counts, on="person_key", how="left")
        .with_columns(pl.col("pre_prs", "post_prs").fill_null(0))
        .with_columns(
            (pl.col("pre_prs") / PRE_WEEKS).alias("pre_per_week"),
            (pl.col("post_prs") / POST_WEEKS).alias("post_per_week"),
        )
        .sort("person_key")
        .collect()
    )


# --- DuckDB --------------------------------------------------------------------------------


def _ts(moment: dt.datetime) -> str:
    return f"TIMESTAMPTZ '{moment.astimezone(dt.UTC).isoformat()}'"


def _in_period(column: str, period: Period) -> str:
    return f"{column} >= {_ts(period.start_utc)} AND {column} < {_ts(period.end_utc)}"


def db_throughput(con: duckdb.DuckDBPyConnection, period: Period) -> pl.DataFrame:
    return con.sql(f"""
        SELECT m.merged_prs, a.active_engineers, {period.weeks!r}::DOUBLE AS weeks,
               CASE WHEN a.active_engineers > 0
                    THEN m.merged_prs / a.active_engineers / {period.weeks!r} END AS throughput
        FROM (SELECT count(*)::BIGINT AS merged_prs FROM merged
              WHERE counted AND {_in_period("merged_at", period)}) m,
             (SELECT count(DISTINCT person_key)::BIGINT AS active_engineers FROM activity
              WHERE {_in_period('"at"', period)}) a
    """).pl()


def _hours(later: str, earlier: str) -> str:
    return f"(epoch_us({later}) - epoch_us({earlier})) / 3600000000.0"


def db_cycle(con: duckdb.DuckDBPyConnection, period: Period) -> pl.DataFrame:
    quantiles = ", ".join(f"quantile_cont(hours, {q}) AS {name}" for name, q in QUANTILES.items())
    order = " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(STAGES))
    return con.sql(f"""
        WITH m AS (
            SELECT is_ai, by_engineer, author_key, merged_at, first_human_review_at,
                   last_approval_at,
                   CASE WHEN first_commit_at IS NOT NULL
                        THEN least(first_commit_at, merged_at) END AS m0,
                   greatest(m0, least(coalesce(ready_at, created_at), merged_at)) AS m1,
                   greatest(m1, first_human_review_at) AS m2,
                   greatest(m2, coalesce(last_approval_at, merged_at)) AS m3,
                   first_human_review_at IS NOT NULL AS reviewed
            FROM timeline
            WHERE counted AND {_in_period("merged_at", period)}
              AND created_at IS NOT NULL AND merged_at IS NOT NULL
        ), spans AS (
            SELECT CASE WHEN is_ai THEN 'AI-assisted' ELSE 'no marker' END AS comparison,
                   CASE WHEN by_engineer THEN author_key END AS engineer_key,
                   {_hours("m1", "m0")} AS coding,
                   CASE WHEN reviewed THEN {_hours("m2", "m1")} END AS pickup,
                   CASE WHEN reviewed THEN {_hours("m3", "m2")} END AS review,
                   {_hours("merged_at", "CASE WHEN reviewed THEN m3 ELSE m1 END")} AS merge,
                   {_hours("merged_at", "m0")} AS cycle
            FROM m
        ), long AS (
            UNPIVOT spans ON {", ".join(STAGES)} INTO NAME stage VALUE hours
        )
        SELECT comparison, stage, count(*)::BIGINT AS n,
               count(DISTINCT engineer_key)::BIGINT AS people, {quantiles}
        FROM long
        GROUP BY comparison, stage
        ORDER BY comparison, CASE stage {order} END
    """).pl()


def db_share(con: duckdb.DuckDBPyConnection, period: Period) -> pl.DataFrame:
    return con.sql(f"""
        SELECT count(*)::BIGINT AS merged_prs, count(*) FILTER (is_ai)::BIGINT AS ai_prs,
               CASE WHEN count(*) > 0 THEN ai_prs / merged_prs END AS ai_share
        FROM merged WHERE counted AND {_in_period("merged_at", period)}
    """).pl()


def db_prepost(con: duckdb.DuckDBPyConnection, period: Period) -> pl.DataFrame:
    return con.sql(f"""
        WITH seats AS (
            SELECT coalesce(d.person_key, lower(s.login)) AS person_key, s.assigned_on
            FROM seat_assignments s
            LEFT JOIN (SELECT value, person_key FROM directory WHERE kind = 'login') d
              ON d.value = lower(s.login)
        ), by_seat AS (
            SELECT person_key, min(assigned_on) AS adopted_on, 'seat' AS basis
            FROM seats GROUP BY person_key
        ), first_ai AS (
            SELECT author_key AS person_key, min(merged_at)::DATE AS adopted_on,
                   'first AI change' AS basis
            FROM merged
            WHERE by_engineer AND is_ai
              AND NOT coalesce(ai_tool IN (SELECT DISTINCT tool_id FROM seat_assignments), false)
            GROUP BY author_key
        ), adoption AS (
            SELECT * FROM by_seat
            UNION ALL
            SELECT * FROM first_ai f WHERE NOT EXISTS (
                SELECT 1 FROM by_seat b WHERE b.person_key = f.person_key)
        ), engineers AS (
            SELECT * FROM adoption
            WHERE person_key IN (SELECT person_key FROM activity)
        ), counts AS (
            SELECT e.person_key,
                   count(*) FILTER (day >= e.adopted_on - INTERVAL {PRE_WEEKS} WEEK
                                    AND day < e.adopted_on)::BIGINT AS pre_prs,
                   count(*) FILTER (day >= e.adopted_on
                                    AND day < e.adopted_on + INTERVAL {POST_WEEKS} WEEK)::BIGINT
                       AS post_prs
            FROM (SELECT author_key, merged_at::DATE AS day FROM merged
                  WHERE counted AND author_key IS NOT NULL) p
            JOIN engineers e ON e.person_key = p.author_key
            GROUP BY e.person_key
        )
        SELECT e.person_key, e.adopted_on, e.basis,
               coalesce(c.pre_prs, 0) AS pre_prs, coalesce(c.post_prs, 0) AS post_prs,
               coalesce(c.pre_prs, 0) / {PRE_WEEKS} AS pre_per_week,
               coalesce(c.post_prs, 0) / {POST_WEEKS} AS post_per_week
        FROM engineers e LEFT JOIN counts c USING (person_key)
        ORDER BY e.person_key
    """).pl()


# --- comparison ----------------------------------------------------------------------------


def compare(name: str, a: pl.DataFrame, b: pl.DataFrame, float_tol: float) -> float:
    """Assert equal shapes/keys/ints, floats within ``float_tol`` (relative); max rel diff."""
    assert a.columns == b.columns, (name, a.columns, b.columns)
    assert a.height == b.height, (name, a.height, b.height)
    worst = 0.0
    for col in a.columns:
        x, y = a[col], b[col]
        if x.dtype.is_float() or y.dtype.is_float():
            x, y = x.cast(pl.Float64), y.cast(pl.Float64)
            assert (x.is_null() == y.is_null()).all(), (name, col, "nulls differ")
            diff = (
                pl.DataFrame({"x": x, "y": y})
                .select(
                    (
                        (pl.col("x") - pl.col("y")).abs()
                        / pl.max_horizontal(pl.col("x").abs(), pl.col("y").abs(), pl.lit(1e-12))
                    ).max()
                )
                .item()
            )
            rel = float(diff) if diff is not None else 0.0
            worst = max(worst, rel)
            assert rel <= float_tol, (name, col, rel)
        else:
            assert x.cast(pl.String).equals(y.cast(pl.String)), (name, col, "values differ")
    return worst


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
            info = pool.apply(prepare_with_timeline, (args.scale, args.seed, args.end_date, tmp))
        rows = info["rows"]
        print(
            f"scale {args.scale:g}: {rows['pull_requests']:,} PRs, {rows['commits']:,} commits "
            f"(generate {info['generate_s']:.1f} s, tag {info['tag_s']:.1f} s, shared frames "
            f"{info['inputs_s']:.1f} s, timeline {info['timeline_s']:.1f} s)"
        )
        frames = {n: pl.read_parquet(Path(tmp) / f"{n}.parquet") for n in (*FRAMES, "timeline")}
    print(
        f"merged {frames['merged'].height:,} rows, activity {frames['activity'].height:,}, "
        f"timeline {frames['timeline'].height:,}"
    )

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")  # TIMESTAMPTZ -> DATE on UTC days, as polars does
    arrow = {name: frames[name].to_arrow() for name in TABLES}  # zero copy; kept alive
    for name, table in arrow.items():
        con.register(name, table)

    latest = frames["merged"]["merged_at"].max()
    period = Period.ending_at(latest, "UTC")  # type: ignore[arg-type]
    threads = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
    print(
        f"period {period.start} .. {period.last_day}; duckdb {duckdb.__version__} "
        f"({threads} threads), polars {pl.__version__}"
    )

    families: list[tuple[str, Callable[[], pl.DataFrame], Callable[[], pl.DataFrame], float]] = [
        (
            "throughput",
            lambda: pl_throughput(frames, period),
            lambda: db_throughput(con, period),
            1e-9,
        ),
        ("cycle-time split", lambda: pl_cycle(frames, period), lambda: db_cycle(con, period), 1e-6),
        ("AI share", lambda: pl_share(frames, period), lambda: db_share(con, period), 1e-9),
        (
            "pre/post adoption",
            lambda: pl_prepost(frames, period),
            lambda: db_prepost(con, period),
            1e-9,
        ),
    ]

    def all_polars() -> Any:
        return [p() for _, p, _, _ in families]

    def all_duckdb() -> Any:
        return [d() for _, _, d, _ in families]

    print("\ncheck (polars vs duckdb)")
    for name, p, d, tol in families:
        a, b = p(), d()
        worst = compare(name, a, b, tol)
        print(f"  {name:20s} {a.height:6d} rows equal; max relative float diff {worst:.2e}")
    print(pl_throughput(frames, period))
    print(pl_share(frames, period))
    print(pl_cycle(frames, period).filter(pl.col("stage") == "cycle"))
    print(db_cycle(con, period).filter(pl.col("stage") == "cycle"))
    pp = pl_prepost(frames, period)
    print(
        f"pre/post: {pp.height} adopters; mean {pp['pre_per_week'].mean():.3f} -> "
        f"{pp['post_per_week'].mean():.3f} merged PRs/week"
    )

    print(f"\n{'family':20s} {'polars s':>9s} {'duckdb s':>9s}   (best of {args.repeat})")
    rows_out = [(n, p, d) for n, p, d, _ in families] + [("core set", all_polars, all_duckdb)]
    for name, p, d in rows_out:
        tp, _ = _time(p, args.repeat)
        td, _ = _time(d, args.repeat)
        print(f"{name:20s} {min(tp):9.3f} {min(td):9.3f}   polars/duckdb {min(tp) / min(td):.2f}")
    print(f"peak RSS (this process): {_peak_gb():.2f} GB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
