"""Like-for-like comparisons, the adoption basis and the dose-response view, by hand."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from aimetrics.metrics.evidence import COPILOT_USAGE, EVIDENCE_SCHEMA, MARKER, SEAT_ACTIVITY
from aimetrics.metrics.like_for_like import (
    dose_response,
    intensity,
    size_ratio,
    within_engineer,
)
from aimetrics.metrics.stats import NOT_ENOUGH_DATA, keyed_weights
from aimetrics.metrics.team_map import group_uplifts
from aimetrics.metrics.uplift import (
    FIRST_AI_CHANGE,
    FIRST_EVIDENCE,
    NEVER,
    SEAT,
    Panel,
    adoption_dates,
    weekly_panel,
)
from aimetrics.settings import StatisticsSettings
from tests.test_stats_uplift import SMALL, WEEK0, _activity, _merged, _seats

D = dt.date


def test_within_engineer_needs_three_prs_each_and_enough_engineers() -> None:
    # e1, e2: 3 AI PRs at half their own no-marker time; e3 has only 2 AI PRs: left out.
    rows = pl.DataFrame(
        {
            "person_key": ["e1"] * 6 + ["e2"] * 6 + ["e3"] * 5,
            "is_ai": ([True] * 3 + [False] * 3) * 2 + [True, True, False, False, False],
            "hours": [2.0, 2, 2, 4, 4, 4, 10, 10, 10, 20, 20, 20, 1, 1, 9, 9, 9],
        }
    )
    got = within_engineer(rows, "hours", "cycle", SMALL)
    assert got.ratio.value == pytest.approx(0.5)
    assert (got.ai_median, got.no_marker_median) == pytest.approx((6.0, 12.0))
    assert (got.ai_prs, got.no_marker_prs, got.ai_engineers) == (6, 6, 2)
    # Pooled over all engineers the AI median (2 h) is far below the no-marker one (9 h):
    # e3's fast AI PRs would have read as an AI effect.
    strict = StatisticsSettings(min_engineers=3, min_prs=2, bootstrap_samples=400, seed=3)
    got = within_engineer(rows, "hours", "cycle", strict)
    assert got.ratio.status == NOT_ENOUGH_DATA
    assert "needs at least 3 engineers with 3 AI-assisted and 3 no-marker PRs (has 2)" in (
        got.ratio.note
    )


def test_size_ratio_of_the_same_engineers() -> None:
    merged_at = dt.datetime(2025, 3, 3, tzinfo=dt.UTC)
    prs = pl.DataFrame(
        {
            "author_key": ["a"] * 6 + ["b"] * 6,
            "by_engineer": [True] * 12,
            "merged_at": [merged_at] * 12,
            "is_ai": ([True] * 3 + [False] * 3) * 2,
            "lines": [60, 60, 60, 100, 100, 100, 30, 30, 30, 50, 50, 50],
        }
    )
    assert size_ratio(prs.lazy(), SMALL).ratio.value == pytest.approx(0.6)


def evidence_rows(*rows: tuple[str, dt.date, str]) -> pl.LazyFrame:
    return pl.LazyFrame(
        [(p, d, "github-copilot", s) for p, d, s in rows], schema=EVIDENCE_SCHEMA, orient="row"
    )


def test_adoption_basis_order_and_left_censoring() -> None:
    # ann: a seat (and Copilot use before it): the seat wins. bob: Copilot use from 20 Jan,
    # no seat, no marker: first evidence. cid: a marked PR in week 1 only. zed: Copilot use
    # on the report's first day (censored: may have begun before) and a marked PR in week 2.
    merged = _merged({"cid": [1, 1, 1], "zed": [1, 1, 1]}, ai={"cid": 1, "zed": 2})
    ev = evidence_rows(
        ("zed", D(2025, 1, 6), COPILOT_USAGE),  # the source's first day
        ("ann", D(2025, 1, 7), COPILOT_USAGE),
        ("bob", D(2025, 1, 20), COPILOT_USAGE),
        ("bob", D(2025, 1, 9), SEAT_ACTIVITY),  # the only seat-activity day: that source's first
        ("cid", D(2025, 1, 14), MARKER),  # markers never date "first evidence"
    )
    seats = _seats(ann=D(2025, 1, 8))
    got = adoption_dates(merged.lazy(), seats.lazy(), evidence=ev).collect()
    # bob's seat-activity day is that source's first day: censored; his Copilot use is not.
    assert got.rows() == [
        ("ann", D(2025, 1, 8), SEAT),
        ("bob", D(2025, 1, 20), FIRST_EVIDENCE),
        ("cid", WEEK0 + dt.timedelta(weeks=1, days=1), FIRST_AI_CHANGE),
        ("zed", WEEK0 + dt.timedelta(weeks=2, days=1), FIRST_AI_CHANGE),
    ]
    # One basis alone: the sensitivity table's rows (ann's use before her seat now counts).
    only = adoption_dates(merged.lazy(), seats.lazy(), evidence=ev, bases=(FIRST_EVIDENCE,))
    assert only.collect().rows() == [
        ("ann", D(2025, 1, 7), FIRST_EVIDENCE),
        ("bob", D(2025, 1, 20), FIRST_EVIDENCE),
    ]
    # Without evidence the adoption dates are what they were.
    old = adoption_dates(merged.lazy(), seats.lazy()).collect()
    assert old["basis"].to_list() == [SEAT, FIRST_AI_CHANGE, FIRST_AI_CHANGE]


def test_intensity_is_the_share_of_window_weeks_with_evidence() -> None:
    # Window of 4 weeks; a from week 2 (weeks 2..5, evidence in 2, 3, 5 and 7: 3 of 4);
    # c from week 8 in a 10-week panel (weeks 8..9: evidence in 9 of 2); b never adopted.
    panel = Panel(
        keys=["a", "b", "c"],
        first_week=WEEK0,
        counts=np.zeros((3, 10)),
        first=np.zeros(3, dtype=np.int64),
        last=np.full(3, 9),
        pre_end=np.array([1, NEVER, 7]),
        post_start=np.array([2, NEVER, 8]),
        basis=np.array([SEAT, None, SEAT]),
    )
    weeks = pl.DataFrame(
        {
            "person_key": ["a", "a", "a", "a", "b", "c"],
            "week": [WEEK0 + dt.timedelta(weeks=w) for w in (2, 3, 5, 7, 4, 9)],
        }
    )
    got = intensity(weeks, panel, post_weeks=4)
    assert got[0] == pytest.approx(0.75)
    assert np.isnan(got[1])
    assert got[2] == pytest.approx(0.5)


def aggregates() -> tuple[np.ndarray, np.ndarray]:
    # One cohort; columns: treated after, treated before, comparison after, before, weeks.
    # Comparison engineers grew 44/40 = 1.1x. Low-intensity adopters: 22 PRs after, 20 before
    # (ratio 22 / (20 x 1.1) = 1.0); high-intensity: 28 after, 20 before (28 / 22 = 1.27).
    x = np.array(
        [
            [10, 10, 0, 0, 4],
            [12, 10, 0, 0, 4],
            [15, 10, 0, 0, 4],
            [13, 10, 0, 0, 4],
            [0, 0, 22, 20, 0],
            [0, 0, 22, 20, 0],
        ],
        dtype=np.float64,
    )
    treated = np.array([True] * 4 + [False] * 2)
    return x, treated


def test_dose_response_bins_by_hand() -> None:
    x, treated = aggregates()
    dose = np.array([0.1, 0.2, 0.9, 0.8, np.nan, np.nan])
    settings = StatisticsSettings(min_engineers=2, bootstrap_samples=400, seed=1)
    bins = dose_response(x, treated, dose, x[:, :4].sum(axis=1), settings)
    assert [(b.label, b.engineers, b.prs) for b in bins] == [
        ("under 25%", 2, 42),
        ("75% or more", 2, 48),
    ]
    assert bins[0].ratio.value == pytest.approx(1.0)
    assert bins[1].ratio.value == pytest.approx(28 / 22)
    assert bins[1].ratio.low <= bins[1].ratio.value <= bins[1].ratio.high  # type: ignore[operator]
    # Bins below the minimum are folded, never shown on their own.
    settings = StatisticsSettings(min_engineers=3, bootstrap_samples=400, seed=1)
    bins = dose_response(x, treated, dose, x[:, :4].sum(axis=1), settings)
    assert [(b.label, b.engineers) for b in bins] == [("any", 4)]
    assert bins[0].ratio.value == pytest.approx(50 / 44)
    dose = np.array([0.3, 0.4, 0.6, 0.9, np.nan, np.nan])
    bins = dose_response(x, treated, dose, x[:, :4].sum(axis=1), settings)
    assert [(b.label, b.engineers) for b in bins] == [("25% or more", 4)]
    # Fewer adopters than the minimum in all: one bin, and no number.
    settings = StatisticsSettings(min_engineers=5, bootstrap_samples=400, seed=1)
    bins = dose_response(x, treated, dose, x[:, :4].sum(axis=1), settings)
    assert [(b.label, b.engineers, b.ratio.status) for b in bins] == [
        ("25% or more", 4, NOT_ENOUGH_DATA)
    ]
    assert bins[0].ratio.value is None


def test_a_groups_interval_does_not_depend_on_the_other_groups() -> None:
    # Two teams adopt in week 3; c1..c3 never adopt. Team "one" alone (a team filter) and
    # beside team "two" (the team map) draws the same engineers the same number of times.
    weekly = {
        "t1": [2, 2, 2, 3, 3, 3, 3, 3], "t2": [1, 1, 1, 2, 2, 2, 2, 2],
        "t3": [3, 3, 3, 3, 4, 4, 4, 4], "t4": [2, 1, 2, 1, 2, 3, 2, 3],
        "c1": [2, 2, 2, 2, 2, 2, 2, 2], "c2": [1, 1, 1, 1, 1, 1, 1, 1],
        "c3": [1, 2, 1, 2, 1, 2, 1, 2],
    }  # fmt: skip
    merged = _merged(weekly)
    adopted = WEEK0 + dt.timedelta(weeks=3)
    seats = _seats(t1=adopted, t2=adopted, t3=adopted, t4=adopted)
    adoption = adoption_dates(merged.lazy(), seats.lazy())
    panel = weekly_panel(merged.lazy(), _activity(merged).lazy(), adoption)
    one = ["t1", "t2", "c1", "c2", "c3"]
    alone = group_uplifts(panel, {"one": one}, SMALL)["one"]
    beside = group_uplifts(panel, {"one": one, "two": ["t3", "t4"]}, SMALL)["one"]
    assert alone.estimate.ok
    assert alone.estimate == beside.estimate
    assert np.array_equal(alone.replicates, beside.replicates, equal_nan=True)
    # And the draws are the engineer's own: the same key gets the same column anywhere.
    a = keyed_weights(["t1", "c1"], 50, 7)
    b = keyed_weights(["c2", "c1", "t9"], 50, 7)
    assert np.array_equal(a[:, 1], b[:, 1])
