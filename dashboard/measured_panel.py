"""The Cost & ROI page's view of what the measured uplift rests on: the estimate under each
adoption-date basis (the sensitivity) and the dose-response bins (correlational)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from aimetrics.figures.measured import PREFERRED, Measured
from aimetrics.metrics.like_for_like import DoseBin
from aimetrics.metrics.stats import Estimate
from aimetrics.metrics.uplift import Uplift
from dashboard import tables

DOSE_CAPTION = (
    "Correlational: engineers who used AI more weeks, not a causal dose. Each row is the "
    "adopters whose effect window (12 weeks from adoption) had that share of weeks with "
    "evidence of AI use, and their change in merged PRs against what their own baseline "
    "predicts (the uplift's terms). Heavier users may differ from lighter ones in other ways."
)


_COLUMNS = {
    "adopters": pl.Int64, "comparison_engineers": pl.Int64, "uplift": pl.Float64,
    "uplift_low": pl.Float64, "uplift_high": pl.Float64, "note": pl.String,
}  # fmt: skip


def _percent(e: Estimate) -> dict[str, object]:
    """An estimate's columns in percent change, with its note when there is no number."""
    pct = e.percent_change()
    return {
        "uplift": pct.value if pct.ok else None,
        "uplift_low": pct.low if pct.ok else None,
        "uplift_high": pct.high if pct.ok else None,
        "note": "" if pct.ok else f"not enough data: {pct.note}",
    }


def sensitivity_table(m: Measured) -> pl.DataFrame:
    """The uplift with adoption dated by each basis alone, after the headline's."""
    rows: list[tuple[str, Uplift]] = [(PREFERRED, m.uplift), *m.by_basis.items()]
    return pl.DataFrame(
        [
            {
                "basis": f"{b} (headline: seat, first evidence, first AI change)"
                if b == PREFERRED
                else f"{b} only",
                "adopters": u.treated_engineers,
                "comparison_engineers": u.comparison_engineers,
                **_percent(u.estimate),
            }
            for b, u in rows
        ],
        schema={"basis": pl.String, **_COLUMNS},
        orient="row",
    )


def dose_table(bins: list[DoseBin]) -> pl.DataFrame:
    """One row per intensity bin: adopters, their PRs and change in percent."""
    return pl.DataFrame(
        [
            {
                "intensity": b.label,
                "prs": b.prs,
                "adopters": b.engineers,
                "comparison_engineers": None,
                **_percent(b.ratio),
            }
            for b in bins
        ],
        schema={"intensity": pl.String, "prs": pl.Int64, **_COLUMNS},
        orient="row",
    ).drop("comparison_engineers")


def show(m: Measured, teams_filtered: bool) -> None:
    """The sensitivity table and the dose-response, each in an expander under the uplift."""
    with st.expander("Adoption date: how much the uplift depends on it"):
        st.caption(
            "The headline dates each engineer's adoption by their seat, else their first "
            "day of other evidence of use (Copilot usage, seat activity, vendor usage), else "
            "their first AI-marked change. Below, the same estimate with every date from one "
            "basis alone."
            + (
                " A team filter narrows who is treated, never who is compared."
                if teams_filtered
                else ""
            )
        )
        tables.table(sensitivity_table(m), "uplift-by-adoption-basis", basis="Adoption date basis")
    with st.expander("Dose-response: change by intensity of AI use"):
        st.caption(DOSE_CAPTION)
        if not m.dose:
            st.info("No adopters take part in the uplift: nothing to bin.")
        else:
            tables.table(dose_table(m.dose), "dose-response", intensity="AI use (share of weeks)")
