"""Privacy: small groups folded into "Other (small groups)", complementary suppression."""

from __future__ import annotations

import datetime as dt

import polars as pl
from polars.testing import assert_frame_equal

from aimetrics.metrics.privacy import (
    FOLDED,
    OTHER,
    SHOWN,
    SUPPRESSED,
    apply_visibility,
    fold_small_groups,
    group_visibility,
    individual_rows,
)


def people(**teams: int) -> pl.DataFrame:
    """``teams[name]`` distinct people active in team ``name`` (keys ``name-1`` ...)."""
    rows = [(team, f"{team}-{i}") for team, n in teams.items() for i in range(1, n + 1)]
    return pl.DataFrame(rows, schema=["team", "person_key"], orient="row")


PRS = pl.DataFrame({"team": ["api", "web", "data", "ops"], "prs": [40, 30, 7, 2]})


def test_a_team_below_the_threshold_is_folded_with_others_into_other() -> None:
    # data (3 people) and ops (2) are too small alone; together 5 people: Other is shown.
    got = fold_small_groups(PRS, people(api=8, web=6, data=3, ops=2), ["team"], 5, ["prs"])
    expected = pl.DataFrame(
        {"team": ["api", "web", OTHER], "prs": [40, 30, 9], "people": [8, 6, 5]}
    )
    assert_frame_equal(got, expected)


def test_other_still_too_small_takes_the_smallest_shown_group_too() -> None:
    # ops alone (2 people) would be Other: total - api - web would reveal it. So the
    # smallest shown team (web, 6) is folded in as well: Other = web + ops, 8 people.
    active = people(api=8, web=6, ops=2)
    visibility = group_visibility(active, ["team"], 5)
    expected = pl.DataFrame(
        {
            "team": ["ops", "web", "api"],
            "people": [2, 6, 8],
            "status": [FOLDED, FOLDED, SHOWN],
            "shown_as": [OTHER, OTHER, "api"],
        }
    )
    assert_frame_equal(visibility, expected)
    got = fold_small_groups(PRS.filter(pl.col("team") != "data"), active, ["team"], 5, ["prs"])
    assert got.rows() == [("api", 40, 8), (OTHER, 32, 8)]


def test_everything_suppressed_when_all_groups_together_are_too_small() -> None:
    active = people(api=2, web=1)
    visibility = group_visibility(active, ["team"], 5)
    assert visibility["status"].to_list() == [SUPPRESSED, SUPPRESSED]
    assert visibility["shown_as"].to_list() == [None, None]
    assert fold_small_groups(PRS, active, ["team"], 5, ["prs"]).is_empty()


def test_people_counted_once_across_folded_groups() -> None:
    # The same 3 people in two small repositories: Other has 3 people, not 6: suppressed,
    # and then the smallest shown repository is folded in.
    active = pl.DataFrame(
        {
            "repo": ["a", "a", "a", "b", "b", "b"] + ["big"] * 5 + ["huge"] * 9,
            "person_key": ["p1", "p2", "p3"] * 2 + [f"q{i}" for i in range(5)]
            + [f"r{i}" for i in range(9)],
        }
    )  # fmt: skip
    visibility = group_visibility(active, ["repo"], 5).sort("repo")
    assert visibility.select("repo", "status").rows() == [
        ("a", FOLDED),
        ("b", FOLDED),
        ("big", FOLDED),
        ("huge", SHOWN),
    ]


def test_threshold_is_per_group_over_the_period_not_per_week() -> None:
    # api has 6 people over the period but only 1 or 2 in a given week: its weeks are shown.
    active = people(api=6, web=7)
    weekly = pl.DataFrame(
        {
            "team": ["api", "api", "web", "web"],
            "week": [dt.date(2025, 3, 3), dt.date(2025, 3, 10)] * 2,
            "prs": [1, 2, 9, 8],
        }
    )
    got = fold_small_groups(weekly, active, ["team"], 5, ["prs"], keys=["week"])
    assert got.rows() == [
        ("api", dt.date(2025, 3, 3), 1, 6),
        ("api", dt.date(2025, 3, 10), 2, 6),
        ("web", dt.date(2025, 3, 3), 9, 7),
        ("web", dt.date(2025, 3, 10), 8, 7),
    ]


def test_team_by_tool_groups() -> None:
    active = pl.DataFrame(
        {
            "team": ["api"] * 6 + ["api"] * 2 + ["web"] * 3,
            "tool": ["copilot"] * 6 + ["cursor"] * 2 + ["copilot"] * 3,
            "person_key": [f"a{i}" for i in range(6)] + ["a0", "a1"] + ["w0", "w1", "w2"],
        }
    )
    rows = pl.DataFrame(
        {
            "team": ["api", "api", "web"],
            "tool": ["copilot", "cursor", "copilot"],
            "spend": [114.0, 80.0, 57.0],
        }
    )
    got = fold_small_groups(rows, active, ["team", "tool"], 5, ["spend"])
    # api x cursor (2 people) and web x copilot (3) fold together: 5 people.
    assert got.rows() == [("api", "copilot", 114.0, 6), (OTHER, OTHER, 137.0, 5)]
    assert group_visibility(active, ["team", "tool"], 5)["shown_as"].to_list()[-1] == (
        "api / copilot"
    )


def test_a_group_nobody_was_active_in() -> None:
    # "ops" has spend but nobody active: it is small. Folded when Other is shown ...
    spend = pl.DataFrame({"team": ["api", "web", "ops"], "spend": [10.0, 20.0, 5.0]})
    got = fold_small_groups(spend, people(api=8, web=2, data=4), ["team"], 5, ["spend"])
    assert got.rows() == [("api", 10.0, 8), (OTHER, 25.0, 6)]
    # ... and dropped when no group is folded (Other would show it alone).
    got = fold_small_groups(spend, people(api=8, web=6), ["team"], 5, ["spend"])
    assert got.rows() == [("api", 10.0, 8), ("web", 20.0, 6)]


def test_periods_with_no_data() -> None:
    nobody = people()
    assert group_visibility(nobody, ["team"], 5).is_empty()
    assert fold_small_groups(PRS, nobody, ["team"], 5, ["prs"]).is_empty()
    assert fold_small_groups(PRS.clear(), nobody, ["team"], 5, ["prs"]).is_empty()


def test_apply_visibility_keeps_other_columns() -> None:
    visibility = group_visibility(people(api=8, web=2, data=4), ["team"], 5)
    rows = pl.DataFrame({"team": ["api", "web", "data"], "person_key": ["x", "y", "z"]})
    got = apply_visibility(rows, visibility, ["team"]).sort("person_key").collect()
    assert got.rows() == [("api", "x"), (OTHER, "y"), (OTHER, "z")]


def test_individual_rows_only_when_allowed() -> None:
    per_person = pl.DataFrame({"person_key": ["ann", "bob"], "prs": [3, 4]})
    assert_frame_equal(individual_rows(per_person, True), per_person)
    hidden = individual_rows(per_person, False)
    assert hidden.is_empty() and hidden.schema == per_person.schema
