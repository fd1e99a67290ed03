"""The engineer bootstrap and the measured uplift on tiny panels with hand-computed answers."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from aimetrics.metrics.delivery import cycle_spans, first_commits
from aimetrics.metrics.like_for_like import cycle_time_uplift, engineer_cycle_hours
from aimetrics.metrics.stats import (
    NOT_ENOUGH_DATA,
    Estimate,
    bootstrap_weights,
    compare_medians,
    histogram_medians,
    percentile_interval,
)
from aimetrics.metrics.team_map import group_uplifts
from aimetrics.metrics.uplift import (
    FIRST_AI_CHANGE,
    FIRST_EVIDENCE,
    NEVER,
    SEAT,
    adoption_dates,
    throughput_uplift,
    weekly_panel,
)
from aimetrics.settings import StatisticsSettings

UTC = dt.UTC
WEEK0 = dt.date(2025, 1, 6)  # a Monday
SMALL = StatisticsSettings(min_engineers=2, min_prs=2, bootstrap_samples=400, seed=3)


# --- the bootstrap -----------------------------------------------------------------------


def test_bootstrap_weights_are_seeded_counts_of_draws() -> None:
    w = bootstrap_weights(5, 200, seed=11)
    assert w.shape == (200, 5)
    assert (w.sum(axis=1) == 5).all()
    assert np.array_equal(w, bootstrap_weights(5, 200, seed=11))
    assert not np.array_equal(w, bootstrap_weights(5, 200, seed=12))
    assert set(np.unique(w)) <= set(range(6))


def test_stratified_weights_keep_each_stratum_size() -> None:
    strata = np.array([0, 0, 0, 1, 1])
    w = bootstrap_weights(5, 300, seed=1, strata=strata)
    assert (w[:, :3].sum(axis=1) == 3).all()
    assert (w[:, 3:].sum(axis=1) == 2).all()


def test_resampled_sums_equal_the_sums_of_drawn_engineers() -> None:
    # Engineer i has (PRs, weeks) = (i, 1): a replicate's sums are its draw counts x those.
    aggregates = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 1.0]])
    w = bootstrap_weights(3, 50, seed=5)
    sums = w @ aggregates
    assert np.allclose(sums[:, 1], 3.0)
    assert np.allclose(sums[:, 0], w[:, 1] + 2 * w[:, 2])


def test_percentile_interval() -> None:
    assert percentile_interval(np.arange(101.0), 0.9) == pytest.approx((5.0, 95.0))
    # Mostly undefined replicates: no interval.
    assert percentile_interval(np.array([1.0, np.nan, np.nan, np.inf]), 0.9) is None


def test_estimate_as_percent_change_and_not_enough_data() -> None:
    e = Estimate(1.2, 1.1, 1.35, 0.9, engineers=20, prs=500)
    pct = e.percent_change()
    assert (pct.value, pct.low, pct.high) == pytest.approx((20.0, 10.0, 35.0))
    assert e.excludes(1.0) and not e.excludes(1.2)
    missing = Estimate.not_enough(3, 40, 0.9, "too few")
    assert missing.status == NOT_ENOUGH_DATA
    assert (missing.value, missing.low, missing.high) == (None, None, None)
    assert missing.percent_change() == missing
    assert not missing.excludes(1.0)


def test_histogram_median_of_a_whole_sample_is_its_median() -> None:
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0])
    clusters = np.arange(11) % 3
    one = np.ones((1, 3))
    assert histogram_medians(values, clusters, 3, one)[0] == pytest.approx(6.0, abs=0.05)


def test_compare_medians_hand_computed() -> None:
    # Three engineers, each with AI PRs of 1, 2, 3 hours and no-marker PRs of 2, 4, 6:
    # medians 2 and 4, ratio 0.5, and every resample of engineers gives the same answer.
    frame = pl.DataFrame(
        {
            "person_key": [p for p in "abc" for _ in range(6)],
            "is_ai": [True, True, True, False, False, False] * 3,
            "cycle_hours": [1.0, 2.0, 3.0, 2.0, 4.0, 6.0] * 3,
        }
    )
    got = compare_medians(frame, value="cycle_hours", settings=SMALL)
    assert (got.ai_median, got.no_marker_median) == (2.0, 4.0)
    assert (got.ai_prs, got.no_marker_prs, got.ai_engineers, got.no_marker_engineers) == (
        9,
        9,
        3,
        3,
    )
    r = got.ratio
    assert r.ok and r.value == 0.5 and (r.engineers, r.prs) == (3, 18)
    assert r.low == pytest.approx(0.5, abs=0.02) and r.high == pytest.approx(0.5, abs=0.02)


def test_compare_medians_not_enough_data() -> None:
    frame = pl.DataFrame(
        {"person_key": ["a", "b", "a"], "is_ai": [True, False, False], "cycle_hours": [1.0] * 3}
    )
    got = compare_medians(frame, value="cycle_hours", settings=StatisticsSettings(min_prs=2))
    assert got.ratio.status == NOT_ENOUGH_DATA
    assert (got.ai_median, got.no_marker_median, got.ratio.value) == (None, None, None)
    assert (got.ai_prs, got.no_marker_prs) == (1, 2)


# --- the uplift panel --------------------------------------------------------------------


def _merged(
    weekly: dict[str, list[int]], ai: dict[str, int] | None = None, tool: str = "claude-code"
) -> pl.DataFrame:
    """Merged PRs: ``weekly[person][w]`` PRs merged on Tuesday 10:00 UTC of week w;
    ``ai[person] = w``: the first PR of week w is AI-assisted with ``tool``."""
    rows = []
    for person, counts in weekly.items():
        for w, n in enumerate(counts):
            at = dt.datetime.combine(WEEK0 + dt.timedelta(weeks=w, days=1), dt.time(10), UTC)
            for k in range(n):
                rows.append((person, at, (ai or {}).get(person) == w and k == 0))
    return pl.DataFrame(
        rows,
        schema={
            "author_key": pl.String,
            "merged_at": pl.Datetime("us", "UTC"),
            "is_ai": pl.Boolean,
        },
        orient="row",
    ).with_columns(
        pl.when(pl.col("is_ai")).then(pl.lit(tool)).alias("ai_tool"),
        pl.lit(True).alias("counted"),
        pl.lit(True).alias("by_engineer"),
        pl.lit(1).alias("repo_id"),
        pl.int_range(pl.len()).alias("number"),
    )


def _activity(merged: pl.DataFrame) -> pl.DataFrame:
    return merged.select(pl.col("author_key").alias("person_key"), pl.col("merged_at").alias("at"))


def _seats(**assigned: dt.date) -> pl.DataFrame:
    """GitHub Copilot seats assigned to the logins on the days given."""
    return pl.DataFrame(
        {
            "tool_id": ["github-copilot"] * len(assigned),
            "login": list(assigned),
            "assigned_on": list(assigned.values()),
        },
        schema={"tool_id": pl.String, "login": pl.String, "assigned_on": pl.Date},
    )


def test_adoption_dates_seat_first_then_first_ai_change() -> None:
    merged = _merged({"ann": [1, 1], "bob": [1, 1], "cid": [1, 1]}, ai={"ann": 1, "bob": 1})
    directory = pl.DataFrame(
        {
            "kind": ["login", "login"],
            "value": ["ann", "ann-old"],
            "person_key": ["ann", "ann"],
        }
    )
    # Ann's seat (under her old login) wins over her first AI PR; Bob has no seat.
    got = adoption_dates(
        merged.lazy(), _seats(**{"Ann-Old": dt.date(2025, 1, 8)}).lazy(), directory.lazy()
    ).collect()
    expected = pl.DataFrame(
        {
            "person_key": ["ann", "bob"],
            "adopted_on": [dt.date(2025, 1, 8), dt.date(2025, 1, 14)],
            "basis": [SEAT, FIRST_AI_CHANGE],
        }
    )
    assert_frame_equal(got, expected)


def test_an_ai_change_with_a_tool_whose_seats_are_known_is_no_adoption() -> None:
    # Copilot seats are known and Bob has none: his Copilot-marked PR (a review
    # suggestion he applied) does not make him an adopter. Cid's Claude Code PR does.
    merged = pl.concat(
        [
            _merged({"bob": [1, 1]}, ai={"bob": 1}, tool="github-copilot"),
            _merged({"cid": [2]}, ai={"cid": 0}),
        ]
    )
    seats = _seats(ann=dt.date(2025, 1, 8))
    got = adoption_dates(merged.lazy(), seats.lazy()).collect()
    assert got.rows() == [
        ("ann", dt.date(2025, 1, 8), SEAT),
        ("cid", WEEK0 + dt.timedelta(days=1), FIRST_AI_CHANGE),
    ]
    # Without any seat data, every AI-marked change dates adoption.
    got = adoption_dates(merged.lazy()).collect()
    assert got["person_key"].to_list() == ["bob", "cid"]


def test_cursor_seats_held_when_first_collected_date_no_adoption() -> None:
    # Cursor's members list has no assignment date: the seats of the first collection (8
    # January) are left-censored, so Ann and Bob are dated by their first Cursor PR (their
    # seat makes the tool theirs); Cid's seat, first seen a week later, is a real date. Dan
    # has no Cursor seat: his Cursor-marked PR is no adoption.
    merged = _merged(
        {"ann": [1, 1], "bob": [1, 1, 1], "cid": [1, 1], "dan": [1, 1]},
        ai={"ann": 1, "bob": 2, "cid": 1, "dan": 0},
        tool="cursor",
    )
    first, later = dt.date(2025, 1, 8), dt.date(2025, 1, 15)
    seats = pl.DataFrame(
        {
            "tool_id": ["cursor"] * 3,
            "login": ["ann@acme.example", "Bob@Acme.example", "cid@acme.example"],
            "assigned_on": [first, first, later],
            "source": ["cursor"] * 3,
        }
    )
    directory = pl.DataFrame(
        {
            "kind": ["email"] * 3,
            "value": ["ann@acme.example", "bob@acme.example", "cid@acme.example"],
            "person_key": ["ann", "bob", "cid"],
        }
    )
    got = adoption_dates(merged.lazy(), seats.lazy(), directory.lazy()).collect()
    assert got.rows() == [
        ("ann", WEEK0 + dt.timedelta(weeks=1, days=1), FIRST_AI_CHANGE),
        ("bob", WEEK0 + dt.timedelta(weeks=2, days=1), FIRST_AI_CHANGE),
        ("cid", later, SEAT),
    ]
    # The same seats from the configuration (dated by the manager) are assignment dates.
    configured = seats.with_columns(pl.lit("config").alias("source"))
    got = adoption_dates(merged.lazy(), configured.lazy(), directory.lazy()).collect()
    assert got["basis"].to_list() == [SEAT] * 3


def test_panel_weeks_and_adoption_weeks() -> None:
    merged = _merged({"ann": [1, 0, 2], "bob": [0, 3, 1]})
    adoption = pl.DataFrame(
        {
            "person_key": ["ann", "bob"],
            "adopted_on": [WEEK0 + dt.timedelta(days=9), WEEK0 + dt.timedelta(days=14)],
            "basis": [SEAT, SEAT],
        }
    )
    panel = weekly_panel(merged.lazy(), _activity(merged).lazy(), adoption.lazy())
    assert panel.keys == ["ann", "bob"] and panel.first_week == WEEK0
    assert panel.counts.tolist() == [[1, 0, 2], [0, 3, 1]]
    # Ann adopted on a Wednesday of week 1: week 1 is her transition week, post from 2.
    assert panel.pre_end.tolist() == [1, 2] and panel.post_start.tolist() == [2, 2]
    assert panel.first.tolist() == [0, 1] and panel.last.tolist() == [2, 2]


# One cohort, two adopters (Monday of week 3) and two never-adopters, 8 weeks.
# Treated: before 2x3 + 1x3 = 9 PRs, after 3x5 + 2x5 = 25. Comparison: before
# 2x3 + 1x3 = 9, after 2x5 + 1x5 = 15. Expected after = 9 x 15/9 = 15, so the
# uplift is 25/15 = 5/3; the adopters' baseline is 9 PRs / 6 engineer-weeks = 1.5.
ONE_COHORT = {
    "t1": [2, 2, 2, 3, 3, 3, 3, 3],
    "t2": [1, 1, 1, 2, 2, 2, 2, 2],
    "c1": [2, 2, 2, 2, 2, 2, 2, 2],
    "c2": [1, 1, 1, 1, 1, 1, 1, 1],
}


def test_uplift_one_cohort_hand_computed() -> None:
    merged = _merged(ONE_COHORT)
    adopted = WEEK0 + dt.timedelta(weeks=3)
    adoption = adoption_dates(merged.lazy(), _seats(t1=adopted, t2=adopted).lazy())
    u = throughput_uplift(merged.lazy(), _activity(merged).lazy(), adoption, settings=SMALL)
    assert u.estimate.ok
    assert u.estimate.value == pytest.approx(5 / 3)
    assert (u.observed_prs, u.expected_prs) == pytest.approx((25.0, 15.0))
    assert u.baseline_rate == pytest.approx(1.5)
    assert (u.treated_engineers, u.comparison_engineers, u.cohorts) == (2, 2, 1)
    assert u.basis == {SEAT: 2, FIRST_EVIDENCE: 0, FIRST_AI_CHANGE: 0}
    assert (u.estimate.engineers, u.estimate.prs) == (4, 9 + 25 + 9 + 15)
    assert u.estimate.low <= u.estimate.value <= u.estimate.high  # type: ignore[operator]
    assert u.percent.value == pytest.approx(200 / 3)
    assert u.replicates.shape == (400,)
    # Reproducible: the same seed gives the same interval.
    again = throughput_uplift(merged.lazy(), _activity(merged).lazy(), adoption, settings=SMALL)
    assert (again.estimate.low, again.estimate.high) == (u.estimate.low, u.estimate.high)


def _staggered() -> tuple[pl.DataFrame, pl.LazyFrame]:
    """Merged PRs and adoption dates: A adopts (seat) in week 2, B (AI PR) in week 6, C never."""
    weekly = {
        "a": [1, 1, 5, 3, 3, 1, 1, 1, 1, 1],
        "b": [2, 2, 0, 2, 2, 2, 4, 4, 1, 1],
        "c": [1, 1, 1, 2, 2, 2, 2, 2, 1, 1],
    }
    merged = _merged(weekly, ai={"b": 6})
    seats = _seats(a=WEEK0 + dt.timedelta(weeks=2, days=2))
    return merged, adoption_dates(merged.lazy(), seats.lazy())


def test_uplift_staggered_not_yet_treated_and_transition_week() -> None:
    # A adopts on Wednesday of week 2 (seat): baseline weeks 0-1, week 2 left out, effect
    # weeks 3-4; comparison B (adopts later) and C (never). B adopts by its first AI PR,
    # merged on Tuesday of week 6: baseline weeks 4-5, week 6 left out, effect 7-8,
    # comparison C only (A is adopted by then).
    #   A: expected = 2 x (4 + 4) / (4 + 2) = 8/3, observed 3 + 3 = 6
    #   B: expected = 4 x (2 + 1) / (2 + 2) = 3,   observed 4 + 1 = 5
    #   uplift = (6 + 5) / (8/3 + 3) = 33/17; baseline = (2 + 4) PRs / 4 engineer-weeks
    # (B's baseline ends at its adoption here: the marker lag has a test of its own.)
    merged, adoption = _staggered()
    u = throughput_uplift(
        merged.lazy(),
        _activity(merged).lazy(),
        adoption,
        settings=SMALL,
        pre_weeks=2,
        post_weeks=2,
        marker_lag_weeks=0,
    )
    assert u.estimate.value == pytest.approx(33 / 17)
    assert (u.observed_prs, u.expected_prs) == pytest.approx((11.0, 17 / 3))
    assert u.baseline_rate == pytest.approx(6 / 4)
    assert (u.treated_engineers, u.comparison_engineers, u.cohorts) == (2, 2, 2)
    assert u.basis == {SEAT: 1, FIRST_EVIDENCE: 0, FIRST_AI_CHANGE: 1}
    assert u.estimate.prs == 8 + 15 + 11  # PRs of the engineer-weeks used, each once


def test_adoption_dated_by_a_marker_leaves_the_lag_before_it_out() -> None:
    # The staggered example with a marker lag of 3 weeks: B, dated by its first
    # AI PR (Tuesday of week 6), may have adopted unmarked from Tuesday of week 3 on, so
    # its baseline ends before week 3 and it is no comparison for A (whose effect window
    # runs to week 4). A's seat date has no lag.
    #   A: baseline weeks 0-1, effect 3-4, comparison C: expected 2 x 4 / 2 = 4, observed 6
    #   B: baseline weeks 1-2, effect 7-8, comparison C: expected 2 x 3 / 2 = 3, observed 5
    #   observed / expected = 11 / 7, from one comparison engineer: no estimate shown
    merged, adoption = _staggered()
    panel = weekly_panel(merged.lazy(), _activity(merged).lazy(), adoption, marker_lag_weeks=3)
    assert panel.pre_end.tolist() == [2, 3, NEVER]
    assert panel.post_start.tolist() == [3, 7, NEVER]
    u = throughput_uplift(
        merged.lazy(), _activity(merged).lazy(), adoption, settings=SMALL, pre_weeks=2,
        post_weeks=2, marker_lag_weeks=3,
    )  # fmt: skip
    assert (u.observed_prs, u.expected_prs) == pytest.approx((11.0, 7.0))
    assert (u.treated_engineers, u.comparison_engineers, u.cohorts) == (2, 1, 2)
    assert u.estimate.status == NOT_ENOUGH_DATA  # 1 comparison engineer < min_engineers 2


def test_group_uplifts_share_one_bootstrap_and_restrict_the_treated_side() -> None:
    # The staggered example above: A adopts in week 2, B in week 6, C never.
    merged, adoption = _staggered()
    windows = {"pre_weeks": 2, "post_weeks": 2}
    whole = throughput_uplift(
        merged.lazy(), _activity(merged).lazy(), adoption, settings=SMALL, marker_lag_weeks=0,
        **windows,
    )  # fmt: skip
    panel = weekly_panel(merged.lazy(), _activity(merged).lazy(), adoption, marker_lag_weeks=0)
    groups = group_uplifts(
        panel, {"all": ["a", "b", "c"], "only a": ["a"], "nobody adopts": ["c"]}, SMALL, **windows
    )

    # Everyone as the group: exactly the organisation's uplift, replicate for replicate.
    every = groups["all"]
    assert every.estimate == whole.estimate
    assert np.array_equal(every.replicates, whole.replicates, equal_nan=True)
    assert (every.observed_prs, every.expected_prs) == (whole.observed_prs, whole.expected_prs)
    # A alone: A's cohort only (B is comparison before it adopts, not treated):
    #   expected = 2 x (4 + 4) / (4 + 2) = 8/3, observed 3 + 3 = 6.
    only_a = groups["only a"]
    assert (only_a.observed_prs, only_a.expected_prs) == pytest.approx((6.0, 8 / 3))
    assert (only_a.treated_engineers, only_a.comparison_engineers, only_a.cohorts) == (1, 2, 1)
    assert only_a.estimate.status == NOT_ENOUGH_DATA  # 1 treated < min_engineers 2: no ratio
    # A group nobody in adopts has no cohort and no estimate.
    assert groups["nobody adopts"].cohorts == 0
    assert groups["nobody adopts"].estimate.status == NOT_ENOUGH_DATA


def test_uplift_leaves_out_joiners_and_leavers() -> None:
    # d joins in week 4 and e leaves after week 3: neither was there through the windows
    # (active before the baseline or in the data's first 4 weeks, and after the effect
    # window or in its last 4 weeks), so their zeros do not read as a change in rate.
    weekly = {**ONE_COHORT, "d": [0, 0, 0, 0, 9, 9, 9, 9], "e": [9, 9, 9, 9, 0, 0, 0, 0]}
    merged = _merged(weekly)
    adopted = WEEK0 + dt.timedelta(weeks=3)
    adoption = adoption_dates(merged.lazy(), _seats(t1=adopted, t2=adopted).lazy())
    u = throughput_uplift(merged.lazy(), _activity(merged).lazy(), adoption, settings=SMALL)
    assert u.estimate.value == pytest.approx(5 / 3)
    assert u.comparison_engineers == 2


def test_uplift_not_enough_engineers() -> None:
    merged = _merged(ONE_COHORT)
    adopted = WEEK0 + dt.timedelta(weeks=3)
    adoption = adoption_dates(merged.lazy(), _seats(t1=adopted, t2=adopted).lazy())
    u = throughput_uplift(merged.lazy(), _activity(merged).lazy(), adoption)  # min 8 engineers
    assert u.estimate.status == NOT_ENOUGH_DATA
    assert (u.estimate.value, u.estimate.low, u.estimate.high, u.baseline_rate) == (None,) * 4
    assert "needs at least 8" in u.estimate.note
    assert (u.treated_engineers, u.comparison_engineers) == (2, 2)


def test_uplift_without_adopters_or_data() -> None:
    merged = _merged({"c1": [1, 1, 1], "c2": [2, 2, 2]})
    adoption = adoption_dates(merged.lazy(), _seats().lazy())
    u = throughput_uplift(merged.lazy(), _activity(merged).lazy(), adoption, settings=SMALL)
    assert u.estimate.status == NOT_ENOUGH_DATA and u.cohorts == 0
    empty = merged.clear()
    u = throughput_uplift(empty.lazy(), _activity(empty).lazy(), adoption, settings=SMALL)
    assert u.estimate.status == NOT_ENOUGH_DATA and u.treated_engineers == 0


# --- cycle time ----------------------------------------------------------------------------


def test_cycle_time_uplift_within_engineers_hand_computed() -> None:
    # e1: no marker 10, 20, 30 h (median 20), AI 8, 16 → relative 0.4, 0.8 and 0.5, 1, 1.5.
    # e2: no marker 1, 2, 3 h (median 2), AI 1, 1.6 → relative 0.5, 0.8 and 0.5, 1, 1.5.
    # e3 has no AI PR: left out. Medians of relative times: AI 0.65, no marker 1.0.
    frame = pl.DataFrame(
        {
            "person_key": ["e1"] * 5 + ["e2"] * 5 + ["e3"] * 2,
            "is_ai": [False, False, False, True, True] * 2 + [False, False],
            "cycle_hours": [10.0, 20.0, 30.0, 8.0, 16.0, 1.0, 2.0, 3.0, 1.0, 1.6, 50.0, 60.0],
        }
    )
    got = cycle_time_uplift(frame.lazy(), SMALL)
    assert got.ratio.value == pytest.approx(0.65)
    assert (got.ai_median, got.no_marker_median) == pytest.approx((4.8, 6.5))
    assert (got.ai_prs, got.no_marker_prs, got.ai_engineers) == (4, 6, 2)


def test_engineer_cycle_hours() -> None:
    """The production cycle time (first commit to merge, ``cycle_spans``) of engineers' PRs."""
    merged_at = dt.datetime(2025, 3, 3, 12, tzinfo=UTC)
    opened = merged_at - dt.timedelta(days=1)
    no_time = pl.Series([None, None], dtype=pl.Datetime("us", "UTC"))
    merged = pl.DataFrame(
        {
            "repo_id": [1, 1],
            "number": [1, 2],
            "created_at": [opened, opened],
            "ready_at": no_time,
            "merged_at": [merged_at, merged_at],
            "first_human_review_at": no_time,
            "last_approval_at": no_time,
            "author_key": ["ann", "bob"],
            "is_ai": [True, False],
            "by_engineer": [True, True],
        }
    )
    links = pl.DataFrame({"repo_id": [1, 1, 1], "pr_number": [1, 1, 2], "sha": ["a", "b", "c"]})
    commits = pl.DataFrame(
        {
            "repo_id": [1, 1, 1],
            "sha": ["a", "b", "c"],
            "authored_at": [
                merged_at - dt.timedelta(hours=5),
                merged_at - dt.timedelta(hours=2),
                merged_at + dt.timedelta(hours=1),  # rebased after the merge: clamped to 0
            ],
        }
    )
    prs = cycle_spans(
        merged.lazy().join(
            first_commits(links.lazy(), commits.lazy()), on=["repo_id", "number"], how="left"
        )
    )
    got = engineer_cycle_hours(prs).collect()
    assert got.sort("person_key").rows() == [("ann", True, 5.0), ("bob", False, 0.0)]
