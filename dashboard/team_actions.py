"""The Overview's team action table: one row per team with its figures in words ("+22%
(+7% to +41%)", "not enough data"), and the sentences for the teams that stand out. The
words are :func:`aimetrics.figures.team_actions.action_table`'s, the report's page 1's too."""

from __future__ import annotations

import polars as pl
import streamlit as st

from aimetrics.figures.team_actions import action_table, standouts
from dashboard import tables


def show(actions: pl.DataFrame, currency: str, level: float) -> None:
    """The table, then the generated sentences (none when nothing stands out)."""
    tables.table(action_table(actions, currency, level), "team-actions")
    sentences = standouts(actions, currency, level)
    if sentences:
        st.markdown("\n".join(f"- {s}" for s in sentences))
    else:
        st.caption("No team stands out: no measured change, no idle spend.")
