"""The Overview's team action table: one row per team with its figures in words ("+22%
(+7% to +41%)", "not enough data"), and the sentences for the teams that stand out."""

from __future__ import annotations

import polars as pl
import streamlit as st

from aimetrics.figures.team_actions import OK, standouts
from aimetrics.format import format_money, format_share, format_signed
from dashboard import tables

NOT_ENOUGH = "not enough data"


def _change(row: dict[str, object]) -> str:
    if row["throughput_status"] != OK:
        return NOT_ENOUGH
    v, lo, hi = (float(row[k]) for k in ("throughput_change", "throughput_change_low",  # type: ignore[arg-type]
                                         "throughput_change_high"))  # fmt: skip
    return f"{format_signed(v, 0)}% ({format_signed(lo, 0)}% to {format_signed(hi, 0)}%)"


def _cycle(row: dict[str, object]) -> str:
    if row["cycle_status"] != OK:
        return NOT_ENOUGH
    v, lo, hi = (float(row[k]) for k in ("cycle_ratio", "cycle_ratio_low", "cycle_ratio_high"))  # type: ignore[arg-type]
    return f"{v:.2f}× ({lo:.2f}–{hi:.2f}), {row['cycle_engineers']} engineers"


def shown(actions: pl.DataFrame, currency: str) -> pl.DataFrame:
    """The table as the page shows it (the CSV export keeps every number apart)."""
    rows = [
        {
            "Team": r["team"],
            "Engineers": r["engineers"],
            "AI users": r["ai_users"],
            "AI-assisted PR share": format_share(r["ai_share"]),
            "AI spend per engineer a month": format_money(r["spend_per_engineer_month"], currency),
            "Idle seats": f"{r['idle_seats']} ({format_money(r['idle_monthly_cost'], currency)}"
            " a month)",
            "Throughput change (90% CI)": _change(r),
            "Cycle time, AI ÷ no marker, same engineers": _cycle(r),
        }
        for r in actions.iter_rows(named=True)
    ]
    return pl.DataFrame(rows)


def show(actions: pl.DataFrame, currency: str, level: float) -> None:
    """The table, then the generated sentences (none when nothing stands out)."""
    tables.table(shown(actions, currency).rename(
        {"Throughput change (90% CI)": f"Throughput change ({level:.0%} CI)"}
    ), "team-actions")  # fmt: skip
    sentences = standouts(actions, currency, level)
    if sentences:
        st.markdown("\n".join(f"- {s}" for s in sentences))
    else:
        st.caption("No team stands out: no measured change, no idle spend.")
