"""The team action table: which team to talk to, one row per team, and the few sentences
that say which teams stand out. Formulas: docs/metrics.md ("The team action table").

Every figure is one the other views show for the same team: engineers and spend from the team
map, AI users and the AI-assisted share from the Adoption page's breakdown by team, the
measured throughput change from the team map (the same number as ``--team``), the
within-engineer cycle-time ratio as the Delivery page shows it under that team's filter, and
the idle seats of the Cost page. Privacy folds teams as the team map does.
"""

from __future__ import annotations

import math
from dataclasses import replace

import polars as pl

from aimetrics.figures.delivery import cycle_comparison
from aimetrics.figures.facts import Facts
from aimetrics.figures.view import View
from aimetrics.format import format_money, format_share, format_signed
from aimetrics.metrics.adoption import Selection
from aimetrics.metrics.cost.lines import SEAT_DAYS_PER_MONTH
from aimetrics.metrics.privacy import OTHER
from aimetrics.metrics.stats import NOT_ENOUGH_DATA as NOT_ENOUGH

TEAM_ACTION_COLUMNS = (
    "team", "engineers", "ai_users", "ai_share", "spend", "spend_per_engineer_month",
    "idle_seats", "idle_monthly_cost", "throughput_change", "throughput_change_low",
    "throughput_change_high", "adopters", "throughput_status", "cycle_ratio", "cycle_ratio_low",
    "cycle_ratio_high", "cycle_engineers", "cycle_status",
)  # fmt: skip
_SCHEMA = {
    "team": pl.String, "engineers": pl.Int64, "ai_users": pl.Int64, "ai_share": pl.Float64,
    "spend": pl.Float64, "spend_per_engineer_month": pl.Float64, "idle_seats": pl.Int64,
    "idle_monthly_cost": pl.Float64, "throughput_change": pl.Float64,
    "throughput_change_low": pl.Float64, "throughput_change_high": pl.Float64,
    "adopters": pl.Int64, "throughput_status": pl.String, "cycle_ratio": pl.Float64,
    "cycle_ratio_low": pl.Float64, "cycle_ratio_high": pl.Float64, "cycle_engineers": pl.Int64,
    "cycle_status": pl.String,
}  # fmt: skip
OK = "ok"


def _idle_by_team(idle: pl.DataFrame, teams: list[str]) -> pl.DataFrame:
    """Idle seats and their monthly cost per team of the table (a holder in two teams
    counts in each; a team the table folded counts in Other)."""
    if idle.is_empty() or "team" not in idle.columns:
        return pl.DataFrame(schema={"team": pl.String, "idle_seats": pl.Int64,
                                    "idle_monthly_cost": pl.Float64})  # fmt: skip
    rows = idle.with_columns(pl.col("team").fill_null("").str.split("; ")).explode("team")
    rows = rows.filter(pl.col("team") != "").with_columns(
        pl.when(pl.col("team").is_in(teams)).then(pl.col("team")).otherwise(pl.lit(OTHER))
    )
    return rows.group_by("team").agg(
        pl.len().cast(pl.Int64).alias("idle_seats"),
        pl.col("monthly_cost").sum().alias("idle_monthly_cost"),
    )


def _cycle(f: Facts, v: View, team: str) -> dict[str, object]:
    """The within-engineer cycle-time ratio under the team's filter (the Delivery page's)."""
    empty = {"cycle_ratio": None, "cycle_ratio_low": None, "cycle_ratio_high": None,
             "cycle_engineers": None, "cycle_status": "not shown"}  # fmt: skip
    if team == OTHER:  # folded teams are shown together only; no comparison of them
        return empty
    sel = Selection(teams=(team,), repositories=v.selection.repositories,
                    tools=v.selection.tools)  # fmt: skip
    comparison, note = cycle_comparison(f, replace(v, selection=sel))
    within = comparison.within
    if within is None:
        why = (
            f"hidden: fewer than {v.min_group_size} engineers on one side"
            if note.hidden_cells
            else "no merged PR with a timeline"
        )
        return empty | {"cycle_status": why}
    r = within.ratio
    status = OK if r.ok else (r.note or "not enough data")
    return {
        "cycle_ratio": r.value if r.ok else None,
        "cycle_ratio_low": r.low if r.ok else None,
        "cycle_ratio_high": r.high if r.ok else None,
        "cycle_engineers": within.ai_engineers,
        "cycle_status": status,
    }


def team_actions(
    f: Facts, v: View, team_map: pl.DataFrame, adoption_by_team: pl.DataFrame, idle: pl.DataFrame
) -> pl.DataFrame:
    """One row per team of the team map (:data:`TEAM_ACTION_COLUMNS`), sorted by spend.

    ``team_map``: :func:`aimetrics.figures.overview.teams`' map; ``adoption_by_team``: the
    Adoption figures' ``by_group`` by team; ``idle``: the Cost page's idle seats (with
    ``team``). Spend per engineer per month = spend per engineer in the period × (365/12) /
    the period's days."""
    if team_map.is_empty():
        return pl.DataFrame(schema=_SCHEMA)
    months = v.period.days / SEAT_DAYS_PER_MONTH
    teams = team_map["group"].to_list()
    adoption = adoption_by_team.select(
        pl.col("group").alias("team"), "ai_users", "ai_share"
    ) if not adoption_by_team.is_empty() else pl.DataFrame(
        schema={"team": pl.String, "ai_users": pl.Int64, "ai_share": pl.Float64}
    )  # fmt: skip
    ok = pl.col("status") == OK
    base = team_map.select(
        pl.col("group").alias("team"),
        "engineers",
        "spend",
        (pl.col("spend_per_engineer") / months).alias("spend_per_engineer_month"),
        pl.when(ok).then(pl.col("uplift")).alias("throughput_change"),
        pl.when(ok).then(pl.col("uplift_low")).alias("throughput_change_low"),
        pl.when(ok).then(pl.col("uplift_high")).alias("throughput_change_high"),
        "adopters",
        pl.when(ok).then(pl.lit(OK)).otherwise(pl.col("note")).alias("throughput_status"),
    )
    cycles = pl.DataFrame(
        [{"team": t, **_cycle(f, v, t)} for t in teams],
        schema={k: _SCHEMA[k] for k in ("team", "cycle_ratio", "cycle_ratio_low",
                                        "cycle_ratio_high", "cycle_engineers", "cycle_status")},
    )  # fmt: skip
    out = (
        base.join(adoption, on="team", how="left")
        .join(_idle_by_team(idle, teams), on="team", how="left")
        .join(cycles, on="team", how="left")
        .with_columns(
            pl.col("idle_seats").fill_null(0),
            pl.col("idle_monthly_cost").fill_null(0.0),
        )
    )
    return out.select(pl.col(c).cast(t) for c, t in _SCHEMA.items()).sort(
        "spend", descending=True, nulls_last=True
    )


def _pct(row: dict[str, object], key: str) -> str:
    return f"{format_signed(float(row[key]), 0)}%"  # type: ignore[arg-type]


def _cycle_differs(row: dict[str, object]) -> bool:
    """The team's cycle-time ratio was measured and its interval excludes 1×."""
    return row["cycle_status"] == OK and (
        row["cycle_ratio_low"] > 1 or row["cycle_ratio_high"] < 1  # type: ignore[operator]
    )


def standouts(actions: pl.DataFrame, currency: str, level: float = 0.9) -> list[str]:
    """Plain sentences for the teams that stand out, each with its numbers and uncertainty;
    none when nothing does. "Not enough data" never stands out."""
    rows = [r for r in actions.iter_rows(named=True) if r["team"] != OTHER]
    ci = f"{level:.0%} CI"
    out: list[str] = []
    measured = [r for r in rows if r["throughput_status"] == OK]
    flat = [
        r for r in measured
        if r["throughput_change_low"] <= 0 <= r["throughput_change_high"] and r["spend"]
    ]  # fmt: skip
    if flat:
        r = max(flat, key=lambda r: r["spend"])
        # Named for what was measured: the same team's cycle time may have changed.
        cycle_too = (
            f" Its cycle time did differ: AI-assisted PRs take {r['cycle_ratio']:.2f}× the "
            f"time of the same engineers' other PRs ({ci} {r['cycle_ratio_low']:.2f}× to "
            f"{r['cycle_ratio_high']:.2f}×)."
            if _cycle_differs(r)
            else ""
        )
        out.append(
            f"Largest spend with no measurable throughput change: **{r['team']}** spends "
            f"{format_money(r['spend_per_engineer_month'], currency)} per engineer a month "
            f"({format_money(r['spend'], currency)} in the period); its throughput change "
            f"{_pct(r, 'throughput_change')} ({ci} {_pct(r, 'throughput_change_low')} to "
            f"{_pct(r, 'throughput_change_high')}, {r['adopters']} adopters) includes no "
            f"change.{cycle_too}"
        )
    moved = [
        r for r in measured
        if r["throughput_change_low"] > 0 or r["throughput_change_high"] < 0
    ]  # fmt: skip
    if moved:
        r = max(moved, key=lambda r: abs(r["throughput_change"]))
        out.append(
            f"Largest measured throughput change: **{r['team']}**, "
            f"{_pct(r, 'throughput_change')}"
            f" after adoption ({ci} {_pct(r, 'throughput_change_low')} to "
            f"{_pct(r, 'throughput_change_high')}, {r['adopters']} adopters)."
        )
    cycle = [r for r in rows if _cycle_differs(r)]
    if cycle:  # a ratio's size is symmetric in log: 0.5× is as far from 1 as 2×
        r = max(cycle, key=lambda r: abs(math.log(r["cycle_ratio"])))
        how = "faster" if r["cycle_ratio"] < 1 else "slower"
        out.append(
            f"Largest measured cycle-time difference: **{r['team']}**'s AI-assisted PRs merge "
            f"{how}, in {r['cycle_ratio']:.2f}× the time of the same engineers' other PRs ({ci} "
            f"{r['cycle_ratio_low']:.2f}× to {r['cycle_ratio_high']:.2f}×, "
            f"{r['cycle_engineers']} engineers)."
        )
    idle = [r for r in rows if (r["idle_monthly_cost"] or 0) > 0]
    if idle:
        r = max(idle, key=lambda r: r["idle_monthly_cost"])
        out.append(
            f"Most idle spend: **{r['team']}** holds {r['idle_seats']} idle seat(s) costing "
            f"{format_money(r['idle_monthly_cost'], currency)} a month."
        )
    return out


# --- the table as people read it (the Overview and the report's page 1) -----------------------


def _change(row: dict[str, object]) -> str:
    if row["throughput_status"] != OK:
        return NOT_ENOUGH
    v, lo, hi = (float(row[k]) for k in ("throughput_change", "throughput_change_low",  # type: ignore[arg-type]
                                         "throughput_change_high"))  # fmt: skip
    return f"{format_signed(v, 0)}% ({format_signed(lo, 0)}% to {format_signed(hi, 0)}%)"


def _cycle_text(row: dict[str, object]) -> str:
    if row["cycle_status"] != OK:
        return NOT_ENOUGH
    v, lo, hi = (float(row[k]) for k in ("cycle_ratio", "cycle_ratio_low", "cycle_ratio_high"))  # type: ignore[arg-type]
    return f"{v:.2f}× ({lo:.2f}–{hi:.2f}), {row['cycle_engineers']} engineers"


def action_table(actions: pl.DataFrame, currency: str, level: float = 0.9) -> pl.DataFrame:
    """The table in words, as the Overview and the report's page 1 show it, one place for
    both ("+22% (+7% to +41%)", "not enough data"); the CSV export keeps every number apart."""
    change = f"Throughput change ({level:.0%} CI)"
    rows = [
        {
            "Team": r["team"],
            "Engineers": r["engineers"],
            "AI users": r["ai_users"],
            "AI-assisted PR share": format_share(r["ai_share"]),
            "AI spend per engineer a month": format_money(r["spend_per_engineer_month"], currency),
            "Idle seats": f"{r['idle_seats']} ({format_money(r['idle_monthly_cost'], currency)}"
            " a month)",
            change: _change(r),
            "Cycle time, AI ÷ no marker, same engineers": _cycle_text(r),
        }
        for r in actions.iter_rows(named=True)
    ]
    columns = ["Team", "Engineers", "AI users", "AI-assisted PR share",
               "AI spend per engineer a month", "Idle seats", change,
               "Cycle time, AI ÷ no marker, same engineers"]  # fmt: skip
    return pl.DataFrame(rows, schema={c: pl.Int64 if c in ("Engineers", "AI users") else pl.String
                                      for c in columns})  # fmt: skip
