"""Adoption, delivery (cycle time) and quality metrics on small hand-made frames.

Every expected value is computed by hand in the comments. Times are UTC, the
period is 2025-03-01 .. 2025-03-15 (14 days). Edge cases: PRs without reviews,
reviews before ready and after the merge, rebased commits, bots and AI
reviewers, a self-review, git-only PRs, a reopened PR, PRs without commits.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from aimetrics.figures.folds import drop_cells, small_cells
from aimetrics.metrics.adoption import (
    AI_GROUP,
    NO_MARKER,
    NO_TEAM,
    Selection,
    adoption_cohorts,
    agent_outcomes,
    commit_shares,
    contributor_adoption,
    pr_shares,
    seat_utilization,
    seats_over_time,
    select,
    share_by_tool,
    with_group,
)
from aimetrics.metrics.delivery import (
    ai_review_ids,
    cycle_spans,
    cycle_time_summary,
    first_commits,
    review_summary,
    timeline_coverage,
)
from aimetrics.metrics.period import Period
from aimetrics.metrics.quality import (
    compare_rates,
    quality_summary,
    revert_links,
    reverted_prs,
    rounds_distribution,
    size_bucket,
    size_distribution,
)
from aimetrics.metrics.work_facts import (
    commit_facts,
    contributor_activity,
    memberships_by_person,
    pr_facts,
    teams_at,
)
from aimetrics.settings import StatisticsSettings

UTC = dt.UTC
PERIOD = Period(dt.date(2025, 3, 1), dt.date(2025, 3, 15))
# No evidence besides the markers: the AI users are the marked engineers.
NO_EVIDENCE = pl.LazyFrame(schema={"person_key": pl.String()})


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2025, 3, day, hour, minute, tzinfo=UTC)


def by_number(frame: pl.DataFrame) -> dict[int, dict[str, object]]:
    return {row["number"]: row for row in frame.iter_rows(named=True)}


DIRECTORY = pl.LazyFrame(
    {
        "kind": ["login"] * 5,
        "value": ["alice", "bob", "carol", "dave", "copilot"],
        "person_key": ["alice", "bob", "carol", "dave", "copilot"],
        "is_bot": [False, False, False, False, True],
        "excluded": [False] * 5,
    }
)

# --- the PR timeline: cycle time and its stages ---------------------------------------

# number: author, created_at, ready_at, merged_at, source
_TIMELINE = {
    1: ("alice", at(3, 12), at(3, 12), at(3, 20), "github"),  # the plain case
    2: ("bob", at(3, 10), at(3, 13), at(3, 15), "github"),  # draft until 13:00, no review
    3: ("alice", at(3, 9), at(3, 12), at(3, 14), "github"),  # reviewed while a draft
    4: ("bob", at(3, 10), None, at(3, 13), "github"),  # commit authored after opening
    5: ("alice", at(3, 9), at(3, 9), at(3, 12), "github"),  # AI/bot/self reviews first
    6: ("bob", None, None, at(3, 12), "git"),  # recovered from git
    7: ("bob", at(3, 9), at(3, 9), at(3, 10), "github"),  # reviewed only after the merge
    8: ("alice", at(3, 9), at(3, 9), at(5, 9), "github"),  # closed, reopened, merged
    9: ("carol", at(3, 9), at(3, 9), at(3, 11), "github"),  # no commit linked
}
PRS = pl.DataFrame(
    {
        "repo_id": [1] * len(_TIMELINE),
        "number": list(_TIMELINE),
        "author_key": [v[0] for v in _TIMELINE.values()],
        "created_at": [v[1] for v in _TIMELINE.values()],
        "ready_at": [v[2] for v in _TIMELINE.values()],
        "merged_at": [v[3] for v in _TIMELINE.values()],
        "source": [v[4] for v in _TIMELINE.values()],
    },
    schema_overrides={"created_at": pl.Datetime("us", "UTC"), "ready_at": pl.Datetime("us", "UTC")},
)
# pr number, sha, authored_at
_COMMITS = [
    (1, "c1a", at(3, 9)), (1, "c1b", at(3, 11)), (2, "c2", at(3, 8)), (3, "c3", at(3, 8)),
    (4, "c4", at(3, 11)), (5, "c5", at(3, 8)), (6, "c6", at(3, 8)), (7, "c7", at(3, 8)),
    (8, "c8", at(3, 8)),
]  # fmt: skip
LINKS = pl.LazyFrame(
    {
        "repo_id": [1] * len(_COMMITS),
        "pr_number": [c[0] for c in _COMMITS],
        "sha": [c[1] for c in _COMMITS],
    }
)
COMMITS = pl.LazyFrame(
    {
        "repo_id": [1] * len(_COMMITS),
        "sha": [c[1] for c in _COMMITS],
        "authored_at": [c[2] for c in _COMMITS],
    }
)
# review id: pr, reviewer, type, state, submitted_at
_REVIEWS = {
    11: (1, "bob", "User", "COMMENTED", at(3, 14)),
    12: (1, "bob", "User", "APPROVED", at(3, 16)),
    13: (1, "carol", "User", "APPROVED", at(3, 18)),
    31: (3, "bob", "User", "CHANGES_REQUESTED", at(3, 10)),
    32: (3, "bob", "User", "APPROVED", at(3, 13)),
    41: (4, "alice", "User", "APPROVED", at(3, 12)),
    51: (5, "copilot-pull-request-reviewer[bot]", "Bot", "COMMENTED", at(3, 9, 30)),
    52: (5, "github-actions[bot]", "Bot", "COMMENTED", at(3, 9, 45)),
    53: (5, "Alice", "User", "COMMENTED", at(3, 10)),  # the author: not a review of the PR
    54: (5, "bob", "User", "APPROVED", at(3, 11)),
    55: (5, "bob", "User", "PENDING", None),  # never submitted
    71: (7, "alice", "User", "APPROVED", at(3, 11)),  # after the merge: ignored
    81: (8, "bob", "User", "APPROVED", at(5, 8)),
    91: (9, "alice", "User", "APPROVED", at(3, 10)),
}
REVIEWS = pl.LazyFrame(
    {
        "repo_id": [1] * len(_REVIEWS),
        "review_id": list(_REVIEWS),
        "pr_number": [v[0] for v in _REVIEWS.values()],
        "reviewer_login": [v[1] for v in _REVIEWS.values()],
        "reviewer_type": [v[2] for v in _REVIEWS.values()],
        "state": [v[3] for v in _REVIEWS.values()],
        "submitted_at": [v[4] for v in _REVIEWS.values()],
    },
    schema_overrides={"submitted_at": pl.Datetime("us", "UTC")},
)
TAGS = pl.LazyFrame(
    {
        "entity": ["review", "review"],
        "repo_id": [1, 1],
        "entity_key": ["51", "52"],
        "rule_id": ["github-copilot.reviewer", "weak.rule"],
        "tool_id": ["github-copilot", "unspecified"],
        "kind": ["reviewed", "reviewed"],
        "field": ["review.reviewer_login"] * 2,
        "confidence": ["high", "low"],  # the low one is below the floor
        "matched": ["copilot-pull-request-reviewer[bot]", "github-actions"],
    }
)


def timeline() -> pl.DataFrame:
    summary = review_summary(
        REVIEWS, ai_review_ids(TAGS, "medium"), PRS.lazy(), DIRECTORY, bots=["github-actions"]
    )
    return (
        cycle_spans(
            PRS.lazy()
            .join(first_commits(LINKS, COMMITS), on=["repo_id", "number"], how="left")
            .join(summary, on=["repo_id", "number"], how="left")
        )
        .sort("number")
        .collect()
    )


def test_ai_review_ids_keep_reviews_at_or_above_the_floor() -> None:
    assert ai_review_ids(TAGS, "medium").collect()["review_id"].to_list() == [51]
    assert sorted(ai_review_ids(TAGS, "low").collect()["review_id"].to_list()) == [51, 52]


def test_review_summary_counts_humans_other_than_the_author() -> None:
    rows = by_number(timeline())
    assert rows[1]["first_human_review_at"] == at(3, 14)
    assert rows[1]["last_approval_at"] == at(3, 18)
    assert (rows[1]["human_reviews"], rows[1]["changes_requested"]) == (3, 0)
    # PR 5: the AI reviewer, a bot and the author's own comment are not human reviews.
    assert rows[5]["first_human_review_at"] == at(3, 11)
    assert rows[5]["first_ai_review_at"] == at(3, 9, 30)
    assert rows[5]["human_reviews"] == 1
    assert rows[3]["changes_requested"] == 1
    # PR 7's only review came after the merge; PR 2 has none.
    assert rows[7]["first_human_review_at"] is None and rows[7]["human_reviews"] is None
    assert rows[2]["first_human_review_at"] is None


def test_cycle_spans_by_hand() -> None:
    spans = timeline().select("number", "timeline", "coding", "pickup", "review", "merge", "cycle")
    expected = pl.DataFrame(
        {
            "number": list(range(1, 10)),
            "timeline": [True, True, True, True, True, False, True, True, True],
            # 1: 09->12->14->18->20; 2: 08->13, no review, 13->15;
            # 3: review at 10 before ready 12: pickup 0, approval 13, merge 14;
            # 4: commit 11 after opening 10: coding 0, review 12, merge 13;
            # 5: first human review 11 (AI 9:30, bot 9:45, self 10 skipped);
            # 6: git-only: nothing; 7: review after merge ignored: 08->09->10;
            # 8: reopened: 3rd 08 -> 3rd 09 -> 5th 08 (47 h) -> merged 5th 09;
            # 9: no commit: no coding, no cycle.
            "coding": [3.0, 5.0, 4.0, 0.0, 1.0, None, 1.0, 1.0, None],
            "pickup": [2.0, None, 0.0, 1.0, 2.0, None, None, 47.0, 1.0],
            "review": [4.0, None, 1.0, 0.0, 0.0, None, None, 0.0, 0.0],
            "merge": [2.0, 2.0, 1.0, 1.0, 1.0, None, 1.0, 1.0, 1.0],
            "cycle": [11.0, 7.0, 6.0, 2.0, 4.0, None, 2.0, 49.0, None],
        },
        schema_overrides={"number": pl.Int64},
    )
    assert_frame_equal(spans, expected)
    # The spans add up to the cycle time wherever it is defined.
    full = spans.drop_nulls("cycle")
    parts = full.select(
        pl.sum_horizontal(pl.col("coding", "pickup", "review", "merge").fill_null(0))
    ).to_series()
    assert parts.to_list() == full["cycle"].to_list()


def compared(frame: pl.DataFrame) -> pl.DataFrame:
    """PRs 1, 3, 5 AI-assisted; the rest no marker; one group."""
    return frame.with_columns(
        pl.lit("All").alias("group"),
        pl.lit(True).alias("counted"),
        pl.col("author_key").alias("engineer_key"),
        pl.when(pl.col("number").is_in([1, 3, 5]))
        .then(pl.lit(AI_GROUP))
        .otherwise(pl.lit(NO_MARKER))
        .alias("comparison"),
    )


def test_cycle_time_summary_quantiles_by_hand() -> None:
    summary = cycle_time_summary(compared(timeline()).lazy(), PERIOD).collect()
    cycle = summary.filter(pl.col("stage") == "cycle").drop("group", "stage")
    # AI: [4, 6, 11] -> p10 4.4, p25 5, median 6, p75 8.5, p90 10.
    # no marker: [2, 2, 7, 49] (git-only PR 6 and PR 9 without commits left out)
    #   -> p10 2, p25 2, median 4.5, p75 7 + .25*42 = 17.5, p90 7 + .7*42 = 36.4.
    expected = pl.DataFrame(
        {
            "comparison": [AI_GROUP, NO_MARKER],
            "n": [3, 4],
            "people": [1, 2],
            "p10": [4.4, 2.0],
            "p25": [5.0, 2.0],
            "median": [6.0, 4.5],
            "p75": [8.5, 17.5],
            "p90": [10.0, 36.4],
        }
    )
    assert_frame_equal(cycle, expected, check_dtypes=False)
    pickup = summary.filter((pl.col("stage") == "pickup") & (pl.col("comparison") == NO_MARKER))
    # Only reviewed PRs have a pickup: 4 (1 h), 8 (47 h), 9 (1 h) — by bob, alice, carol.
    assert pickup.select("n", "people", "median").row(0) == (3, 3, 1.0)
    assert summary["stage"].unique(maintain_order=True).to_list() == [
        "coding", "pickup", "review", "merge", "cycle",
    ]  # fmt: skip


def test_timeline_coverage_names_git_only_prs() -> None:
    coverage = timeline_coverage(compared(timeline()).lazy(), PERIOD).collect()
    assert coverage.select("merged_prs", "with_timeline", "git_only").row(0) == (9, 8, 1)


# --- quality guardrails ------------------------------------------------------------------

_LINES = {1: 5, 2: 20, 3: 100, 4: 300, 5: 2000, 6: None, 7: 9, 8: 10, 9: 50}


def quality_frame() -> pl.DataFrame:
    return compared(timeline()).with_columns(
        pl.col("number").replace_strict(_LINES, return_dtype=pl.Int64).alias("lines"),
        pl.when(pl.col("number").is_in([2, 3])).then(at(10, 9)).alias("reverted_at"),
    )


def test_quality_summary_by_hand() -> None:
    summary = quality_summary(quality_frame().lazy(), PERIOD).collect().drop("group")
    # AI (1, 3, 5; all alice): PR 3 reverted; sizes 5, 100, 2000; all human-reviewed; PR 3 had
    # one CHANGES_REQUESTED. No marker (2, 4, 6, 7, 8, 9; bob, alice, carol): PR 2 reverted;
    # sizes 20, 300, ?, 9, 10, 50 -> median 20; 2, 6, 7 without a human review before merge.
    expected = pl.DataFrame(
        {
            "comparison": [AI_GROUP, NO_MARKER],
            "merged_prs": [3, 6],
            "people": [1, 3],
            "reverted_prs": [1, 1],
            "revert_rate": [1 / 3, 1 / 6],
            "median_lines": [100.0, 20.0],
            "unreviewed_prs": [0, 3],
            "unreviewed_share": [0.0, 0.5],
            "reviewed_prs": [3, 3],
            "rounds_mean": [1 / 3, 0.0],
            "rounds_share": [1 / 3, 0.0],
        }
    )
    assert_frame_equal(summary, expected, check_dtypes=False)


def test_size_and_rounds_distributions() -> None:
    sizes = size_distribution(quality_frame().lazy(), PERIOD).collect().drop("group")
    expected = pl.DataFrame(
        {
            "comparison": [AI_GROUP] * 3 + [NO_MARKER] * 4,
            "bucket": ["XS", "M", "XL", "XS", "S", "M", "L"],
            "prs": [1, 1, 1, 1, 2, 1, 1],  # PR 6 has no size
            "share": [1 / 3, 1 / 3, 1 / 3, 0.2, 0.4, 0.2, 0.2],
        }
    )
    assert_frame_equal(sizes, expected, check_dtypes=False)
    rounds = rounds_distribution(quality_frame().lazy(), PERIOD).collect().drop("group")
    assert rounds.rows() == [
        (AI_GROUP, "0", 2, 2 / 3),
        (AI_GROUP, "1", 1, 1 / 3),
        (NO_MARKER, "0", 3, 1.0),
    ]


@pytest.mark.parametrize(
    ("lines", "bucket"),
    [(0, "XS"), (9, "XS"), (10, "S"), (49, "S"), (50, "M"), (250, "L"), (999, "L"),
     (1000, "XL"), (None, None)],
)  # fmt: skip
def test_size_buckets(lines: int | None, bucket: str | None) -> None:
    frame = pl.DataFrame({"lines": [lines]}, schema={"lines": pl.Int64})
    assert frame.select(size_bucket(pl.col("lines"))).item() == bucket


def test_compare_rates_needs_two_authors_each_side() -> None:
    est = compare_rates(
        quality_frame(), pl.col("reverted_at").is_not_null(), StatisticsSettings(min_prs=1)
    )
    assert est.status == "not enough data"  # every AI-assisted PR is alice's
    assert (est.value, est.prs) == (None, 9)


def test_compare_rates_point_and_interval() -> None:
    # Four authors; AI: 8 PRs, 3 flagged (37.5 %); no marker: 8 PRs, 1 flagged (12.5 %).
    rows = [
        (author, comparison, flagged)
        for author, ai_flags, no_flags in (
            ("a", [True, False], [False, False]),
            ("b", [True, True], [True, False]),
            ("c", [False, False], [False, False]),
            ("d", [False, False], [False, False]),
        )
        for comparison, flags in ((AI_GROUP, ai_flags), (NO_MARKER, no_flags))
        for flagged in flags
    ]
    frame = pl.DataFrame(rows, schema=["author_key", "comparison", "flag"], orient="row")
    cfg = StatisticsSettings(min_prs=5, bootstrap_samples=500, seed=3)
    est = compare_rates(frame, pl.col("flag"), cfg)
    assert est.ok and est.value == pytest.approx(25.0)
    assert est.low is not None and est.high is not None
    assert est.low <= est.value <= est.high
    assert (est.engineers, est.prs) == (4, 16)
    assert compare_rates(frame, pl.col("flag"), cfg) == est  # seeded: reproducible


# --- reverts -------------------------------------------------------------------------------


def test_reverted_prs_by_each_kind_of_reference() -> None:
    d = lambda day: at(day, 12)  # noqa: E731
    # number, title, body, merged_at, merge_commit_sha
    prs = [
        (10, "feat: x", "", d(2), None),
        (11, 'Revert "feat: x"', "Reverts acme/api#10", d(3), None),  # by reference
        (12, "fix: y", "", d(2), "abc1234def5678abc1234def5678abc1234def56"),
        (13, "feat: z", "", d(2), None),
        (14, 'Revert "feat: z"', "", d(4), None),  # by title, same repository
        (15, "feat: w (#15)", "", d(2), None),
        (16, "chore: v", "", d(8), None),
        (17, 'Revert "chore: v"', "Reverts acme/api#16", d(7), None),  # before 16's merge
        (18, "docs: u", "", d(2), None),
        (19, 'Revert "docs: u"', "Reverts acme/api#18", None, None),  # never merged
        (20, "feat: t", "", d(2), None),
    ]
    pull_requests = pl.LazyFrame(
        {
            "repo_id": [1] * len(prs),
            "number": [p[0] for p in prs],
            "title": [p[1] for p in prs],
            "body": [p[2] for p in prs],
            "merged_at": [p[3] for p in prs],
            "merge_commit_sha": [p[4] for p in prs],
        },
        schema_overrides={"merged_at": pl.Datetime("us", "UTC")},
    )
    commits = pl.LazyFrame(
        {
            "repo_id": [1, 1, 1],
            "sha": ["r1", "r2", "r3"],
            "message": [
                'Revert "fix: y"\n\nThis reverts commit abc1234.',  # short sha of 12's merge
                'Revert "feat: w (#15)" (#30)',  # squash subject naming the number
                'Revert "feat: t"\n\nThis reverts commit 7777777777777777777777777777777777777777.',
            ],
            "at": [d(5), d(6), d(6)],
        }
    )
    links = pl.LazyFrame(
        {"repo_id": [1], "pr_number": [20], "sha": ["7777777777777777777777777777777777777777"]}
    )
    repos = pl.LazyFrame({"id": [1], "full_name": ["acme/api"]})
    out = reverted_prs(pull_requests, commits, links, repos).sort("number").collect()
    assert out.rows() == [
        (1, 10, d(3)),
        (1, 12, d(5)),
        (1, 13, d(4)),
        (1, 15, d(6)),
        (1, 20, d(6)),  # a commit of PR 20, by its full sha
    ]


# --- adoption ------------------------------------------------------------------------------

PEOPLE = pl.LazyFrame(
    {"id": [1, 2, 3, 4, 5], "login": ["Alice", "bob", "carol", "dave", "Copilot"]}
)
MEMBERSHIPS = pl.LazyFrame(
    {
        "team_slug": ["a", "a", "b", "b"],
        "person_id": [1, 2, 2, 3],
        "valid_from": [
            dt.date(2025, 1, 1),
            dt.date(2025, 1, 1),
            dt.date(2025, 3, 5),
            dt.date(2025, 1, 1),
        ],
        "valid_to": [None, dt.date(2025, 3, 5), None, None],
    }
)
REPOS = pl.LazyFrame(
    {
        "id": [1, 2],
        "full_name": ["acme/api", "acme/web"],
        "web_url": ["https://github.com/acme/api/", None],
    }
)
# number: author, type, repo, state, created, merged, closed, additions, deletions, flags
# flags: (is_ai, is_agent, is_ai_reviewed, is_bot_non_ai, ai_tool)
NONE = (False, False, False, False, None)
COPILOT = (True, False, False, False, "github-copilot")
AGENT = (True, True, False, False, "github-copilot")
_ADOPTION_PRS = {
    1: ("alice", "User", 1, "MERGED", at(1, 10), at(2, 10), at(2, 10), 10, 0, COPILOT),
    2: ("bob", "User", 1, "MERGED", at(3, 10), at(4, 10), at(4, 10), 20, 10, NONE),
    3: ("bob", "User", 2, "MERGED", at(5, 10), at(6, 10), at(6, 10), 100, 0,
        (True, False, False, False, "cursor")),
    4: ("Copilot", "Bot", 1, "MERGED", at(6, 10), at(7, 10), at(7, 10), 5, 5, AGENT),
    5: ("Copilot", "Bot", 1, "CLOSED", at(6, 11), None, at(8, 10), 1, 1, AGENT),
    6: ("Copilot", "Bot", 1, "OPEN", at(9, 10), None, at(3, 9), 1, 1, AGENT),  # reopened
    7: ("dependabot[bot]", "Bot", 1, "MERGED", at(4, 10), at(5, 10), at(5, 10), 1, 1,
        (False, False, False, True, None)),
    8: ("carol", "User", 2, "MERGED", at(7, 10), at(8, 10), at(8, 10), 50, 50,
        (False, False, True, False, None)),
    9: ("alice", "User", 1, "MERGED", dt.datetime(2025, 2, 19, tzinfo=UTC),
        dt.datetime(2025, 2, 20, tzinfo=UTC), dt.datetime(2025, 2, 20, tzinfo=UTC), 1, 0, NONE),
    10: ("carol", "User", 2, "MERGED", at(9, 10), at(10, 10), at(10, 10), 0, 10, COPILOT),
    11: ("carol", "User", 2, "MERGED", at(10, 10), at(11, 10), at(11, 10), 1, 1, NONE),
    12: ("dave", "User", 1, "MERGED", at(11, 10), at(12, 10), at(12, 10), 4, 0, NONE),
}  # fmt: skip


def _adoption_prs() -> pl.LazyFrame:
    rows = _ADOPTION_PRS.items()
    return pl.LazyFrame(
        {
            "repo_id": [v[2] for _, v in rows],
            "number": [n for n, _ in rows],
            "title": [f"PR {n}" for n, _ in rows],
            "state": [v[3] for _, v in rows],
            "is_draft": [False] * len(rows),
            "author_login": [v[0] for _, v in rows],
            "author_type": [v[1] for _, v in rows],
            "created_at": [v[4] for _, v in rows],
            "ready_at": [v[4] for _, v in rows],
            "merged_at": [v[5] for _, v in rows],
            "closed_at": [v[6] for _, v in rows],
            "additions": [v[7] for _, v in rows],
            "deletions": [v[8] for _, v in rows],
            "changed_files": [1] * len(rows),
            "merge_commit_sha": [None] * len(rows),
            "source": ["github"] * len(rows),
        },
        schema_overrides={"merged_at": pl.Datetime("us", "UTC"), "merge_commit_sha": pl.String},
    )


def _adoption_flags() -> pl.LazyFrame:
    rows = _ADOPTION_PRS.items()
    names = ("is_ai", "is_agent", "is_ai_reviewed", "is_bot_non_ai", "ai_tool")
    return pl.LazyFrame(
        {
            "repo_id": [v[2] for _, v in rows],
            "number": [n for n, _ in rows],
            **{name: [v[9][i] for _, v in rows] for i, name in enumerate(names)},
        }
    )


# sha: login, email, committed_at, default branch, (is_ai, is_agent, tool)
_ADOPTION_COMMITS = {
    "k1": ("alice", "alice@x", at(2, 9), True, (True, False, "github-copilot")),
    "k2": ("bob", "bob@x", at(4, 9), True, (False, False, None)),
    "k3": ("bob", "bob@x", at(6, 9), True, (False, False, None)),
    "k4": ("Copilot", "198982749+Copilot@users.noreply.github.com", at(7, 9), True,
           (True, True, "github-copilot")),
    "k5": ("github-actions[bot]", "actions@github.com", at(7, 9), True, (False, False, None)),
    "k6": ("alice", "alice@x", at(8, 9), False, (True, False, "cursor")),  # not on main
}  # fmt: skip


def adoption_facts() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    members = memberships_by_person(MEMBERSHIPS, PEOPLE)
    prs = pr_facts(_adoption_prs(), _adoption_flags(), DIRECTORY, REPOS, members).collect()
    rows = _ADOPTION_COMMITS.items()
    commits = pl.LazyFrame(
        {
            "repo_id": [1] * len(rows),
            "sha": [s for s, _ in rows],
            "author_login": [v[0] for _, v in rows],
            "author_email": [v[1] for _, v in rows],
            "authored_at": [v[2] for _, v in rows],
            "committed_at": [v[2] for _, v in rows],
            "on_default_branch": [v[3] for _, v in rows],
            "additions": [1] * len(rows),
            "deletions": [0] * len(rows),
        }
    )
    flags = pl.LazyFrame(
        {
            "repo_id": [1] * len(rows),
            "sha": [s for s, _ in rows],
            "is_ai": [v[4][0] for _, v in rows],
            "is_agent": [v[4][1] for _, v in rows],
            "ai_tool": [v[4][2] for _, v in rows],
        }
    )
    commit_frame = commit_facts(commits, flags, DIRECTORY, REPOS, members).collect()
    activity = contributor_activity(prs.lazy(), commit_frame.lazy()).collect()
    return prs, commit_frame, activity


EVERYTHING = Selection()


def grouped(frame: pl.DataFrame, by: str, at_column: str, selection: Selection = EVERYTHING):  # type: ignore[no-untyped-def]
    return with_group(select(frame.lazy(), selection), by, at_column, teams=selection.teams)


def test_pr_facts_authors_teams_of_the_time_and_links() -> None:
    prs = by_number(adoption_facts()[0])
    assert prs[2]["teams"] == ["a"] and prs[3]["teams"] == ["b"]  # bob moved on 03-05
    assert prs[4]["teams"] == [] and prs[12]["teams"] == []  # agent; dave is in no team
    assert prs[1]["url"] == "https://github.com/acme/api/pull/1"
    assert prs[3]["url"] is None  # no web address known
    assert (prs[4]["counted"], prs[4]["by_engineer"], prs[4]["engineer_key"]) == (True, False, None)
    assert prs[7]["counted"] is False  # dependabot
    assert prs[2]["lines"] == 30


def test_pr_and_commit_shares_by_hand() -> None:
    prs, commits, _ = adoption_facts()
    shares = pr_shares(grouped(prs, "org", "merged_at"), PERIOD).collect()
    # Merged in the period and counted: 1, 2, 3, 4, 8, 10, 11, 12 (7 is dependabot, 9 is earlier).
    # AI: 1, 3, 4, 10; lines 10+30+100+10+100+10+2+4 = 266, AI 130; AI-reviewed: 8; agent: 4.
    assert shares.select(
        "merged_prs", "ai_prs", "no_marker_prs", "lines", "ai_lines", "ai_reviewed_prs", "agent_prs"
    ).row(0) == (8, 4, 4, 266, 130, 1, 1)
    assert shares["ai_share"][0] == 0.5
    assert shares["marked_pr_line_share"][0] == pytest.approx(130 / 266)
    assert shares["ai_reviewed_share"][0] == 1 / 8
    # Commits on main, counted: k1, k2, k3, k4 (the agent's); k5 is a bot, k6 not on main.
    commit = commit_shares(grouped(commits, "org", "at"), PERIOD).collect()
    assert commit.select("commits", "ai_commits", "ai_commit_share").row(0) == (4, 2, 0.5)


def test_tool_filter_narrows_ai_assisted() -> None:
    prs, _, activity = adoption_facts()
    copilot = Selection(tools=("github-copilot",))
    shares = pr_shares(grouped(prs, "org", "merged_at", copilot), PERIOD).collect()
    # PR 3 (cursor) is neither AI-assisted nor "no marker" now, but stays in the denominator.
    assert shares.select("merged_prs", "ai_prs", "no_marker_prs", "ai_share").row(0) == (
        8, 3, 4, 3 / 8,
    )  # fmt: skip
    adoption = contributor_adoption(
        grouped(activity, "org", "at", copilot), PERIOD, NO_EVIDENCE
    ).collect()
    assert adoption.select("active_contributors", "marked_contributors").row(0) == (4, 2)


def test_breakdown_by_team_uses_membership_of_the_time() -> None:
    prs, _, activity = adoption_facts()
    shares = pr_shares(grouped(prs, "team", "merged_at"), PERIOD).collect()
    assert shares.select("group", "merged_prs", "ai_prs").rows() == [
        (NO_TEAM, 2, 1), ("a", 2, 1), ("b", 4, 2),
    ]  # fmt: skip
    adoption = contributor_adoption(grouped(activity, "team", "at"), PERIOD, NO_EVIDENCE)
    # a: alice, bob (before 03-05); b: bob (after), carol; no team: dave. Without other
    # evidence the AI users are the marked engineers.
    assert adoption.collect().rows() == [
        (NO_TEAM, 1, 0, 0, 0, 0.0), ("a", 2, 1, 0, 1, 0.5), ("b", 2, 2, 0, 2, 1.0),
    ]  # fmt: skip
    only_a = Selection(teams=("a",))
    assert pr_shares(grouped(prs, "team", "merged_at", only_a), PERIOD).collect()[
        "group"
    ].to_list() == ["a"]
    org = contributor_adoption(grouped(activity, "org", "at"), PERIOD, NO_EVIDENCE).collect()
    assert org.select("active_contributors", "marked_contributors", "adoption_rate").row(0) == (
        4, 3, 0.75,
    )  # fmt: skip


def test_repository_filter_and_grouping() -> None:
    prs, _, _ = adoption_facts()
    web = Selection(repositories=("acme/web",))
    shares = pr_shares(grouped(prs, "repository", "merged_at", web), PERIOD).collect()
    assert shares.select("group", "merged_prs", "ai_prs").rows() == [("acme/web", 4, 2)]


def test_share_by_tool_and_agent_outcomes() -> None:
    prs, _, _ = adoption_facts()
    tools = share_by_tool(grouped(prs, "org", "merged_at"), PERIOD).collect()
    assert tools.select("tool", "prs", "merged_prs").rows() == [
        ("cursor", 1, 8), ("github-copilot", 3, 8),
    ]  # fmt: skip
    outcomes = agent_outcomes(grouped(prs, "org", "merged_at"), PERIOD).collect().drop("group")
    # agent: opened 4, 5, 6; merged 4; closed unmerged 5 (6 was reopened: it is open).
    assert outcomes.rows() == [
        (AI_GROUP, 3, 3, 0, 1.0),
        ("agent", 3, 1, 1, 0.5),
        (NO_MARKER, 4, 4, 0, 1.0),
    ]


def test_adoption_cohorts_by_hand() -> None:
    prs, _, _ = adoption_facts()
    cohorts = adoption_cohorts(grouped(prs, "org", "merged_at"), PERIOD).collect().drop("group")
    # alice 1/1 and bob 1/2: heavy; carol 1/3: light; dave 0/1: none.
    assert cohorts.rows() == [("none", 1, 1, 0), ("light", 1, 3, 1), ("heavy", 2, 3, 2)]


def test_week_and_month_groups_in_the_reporting_time_zone() -> None:
    frame = pl.LazyFrame(
        {"at": [dt.datetime(2025, 3, 9, 23, 30, tzinfo=UTC)], "ai": [True], "is_ai": [True]}
    )
    week = with_group(frame, "week", "at", "Europe/Berlin").collect()["group"].item()
    assert week == "2025-03-10"  # Monday 00:30 in Berlin
    assert with_group(frame, "week", "at").collect()["group"].item() == "2025-03-03"
    assert with_group(frame, "month", "at").collect()["group"].item() == "2025-03-01"


def test_teams_at_with_effective_dates() -> None:
    members = memberships_by_person(MEMBERSHIPS, PEOPLE)
    frame = pl.LazyFrame(
        {"who": ["bob", "bob", "bob", "alice", "zed"], "day": [
            dt.date(2025, 3, 4), dt.date(2025, 3, 5), dt.date(2024, 12, 31),
            dt.date(2025, 3, 5), dt.date(2025, 3, 5),
        ]}
    )  # fmt: skip
    out = teams_at(frame, members, "who", pl.col("day")).collect()
    assert out["teams"].to_list() == [["a"], ["b"], [], ["a"], []]


def test_seat_utilization_and_seats_over_time() -> None:
    status = ["active", "idle", "active", "new", "no activity data", "idle"]
    idle = pl.LazyFrame(
        {"tool_id": ["github-copilot"] * 5 + ["cursor"], "status": status,
         "idle": [s == "idle" for s in status]}
    )  # fmt: skip
    cost = pl.LazyFrame(
        {"tool_id": ["github-copilot", "cursor"], "monthly_cost": [19.0, 40.0],
         "currency": ["USD", "USD"]}
    )  # fmt: skip
    out = seat_utilization(idle, cost).collect()
    # Utilization counts the seats whose use is known and old enough to judge: the new
    # seat and the one without activity data are neither used nor idle.
    assert out.rows() == [
        ("cursor", 1, 0, 1, 0, 0, 0.0, 40.0, "USD"),
        ("github-copilot", 5, 2, 1, 1, 1, 2 / 3, 19.0, "USD"),
    ]
    seats = pl.LazyFrame(
        {
            "tool_id": ["github-copilot", "github-copilot", "cursor"],
            "assigned_on": [dt.date(2025, 2, 1), dt.date(2025, 3, 5), dt.date(2025, 3, 10)],
            "revoked_on": [None, dt.date(2025, 3, 10), None],
        }
    )
    weekly = seats_over_time(seats, PERIOD).collect()
    # Weeks start Monday; the first (from Sat 03-01) is clipped to the period's start.
    assert weekly.rows() == [
        (dt.date(2025, 3, 1), "cursor", 0), (dt.date(2025, 3, 1), "github-copilot", 1),
        (dt.date(2025, 3, 3), "cursor", 0), (dt.date(2025, 3, 3), "github-copilot", 1),
        (dt.date(2025, 3, 10), "cursor", 1), (dt.date(2025, 3, 10), "github-copilot", 1),
    ]  # fmt: skip


# --- privacy in comparisons (facts.small_cells over aimetrics.metrics.privacy) ----------------


def test_small_cells_are_hidden_with_their_complement() -> None:
    def people(group: str, comparison: str, n: int) -> list[tuple[str, str, str | None]]:
        return [(group, comparison, f"{group}-{i}") for i in range(n)]

    rows = pl.DataFrame(
        people("a", NO_MARKER, 6) + people("a", AI_GROUP, 1) + people("b", NO_MARKER, 6)
        + people("b", AI_GROUP, 5) + [("c", AI_GROUP, None)],  # c: a bot account's PR only
        schema=["group", "comparison", "human_key"],
        orient="row",
    )  # fmt: skip
    cells = small_cells(rows, ["group", "comparison"], 5)
    # a's AI cell (1 person) is too small alone, so the smallest shown cell (b's AI, 5) goes
    # with it: neither can be worked out from a total. c has nobody to protect.
    assert cells.rows() == [("a", AI_GROUP), ("b", AI_GROUP)]
    summary = pl.DataFrame(
        {"group": ["a", "a", "b", "c"], "comparison": [AI_GROUP, NO_MARKER, AI_GROUP, AI_GROUP]}
    )
    assert drop_cells(summary, cells).rows() == [("a", NO_MARKER), ("c", AI_GROUP)]


def test_person_grouping_uses_the_person_key() -> None:
    from aimetrics.metrics.adoption import with_group

    prs = pl.LazyFrame({"author_key": ["ann", "bob", "ann"], "merged_at": [None, None, None]})
    grouped_prs = with_group(prs, "person", "merged_at").collect()
    assert grouped_prs["group"].to_list() == ["ann", "bob", "ann"]
    activity = pl.LazyFrame({"person_key": ["cy"], "at": [None]})
    assert with_group(activity, "person", "at").collect()["group"].to_list() == ["cy"]


def test_revert_links_keep_every_link_reverted_prs_uses() -> None:
    d = lambda day: at(day, 12)  # noqa: E731
    pull_requests = pl.LazyFrame(
        {
            "repo_id": [1, 1, 2],
            "number": [1, 2, 1],
            "title": ["feat: a", "feat: b", "feat: c"],
            "body": ["", "", ""],
            "merged_at": [d(2), d(2), d(2)],
            "merge_commit_sha": [None, None, None],
        },
        schema_overrides={"merged_at": pl.Datetime("us", "UTC"), "merge_commit_sha": pl.String},
    )
    sha = "ABCDEF0123456789abcdef0123456789abcdef01"  # upper case in the store
    commits = pl.LazyFrame(
        {
            "repo_id": [1, 1],
            "sha": ["r1", "r2"],
            "message": [f"Revert x\n\nThis reverts commit {sha[:12].lower()}.", "Revert y"],
            "at": [d(5), d(6)],
        }
    )
    links = pl.LazyFrame(
        {
            "repo_id": [1, 1, 1, 2],
            "pr_number": [1, 1, 2, 1],
            "sha": [sha, "abcdef0fff", "1234567", sha],  # same prefix; other; other repo
        }
    )
    repos = pl.LazyFrame({"id": [1, 2], "full_name": ["acme/api", "acme/web"]})
    kept = revert_links(links, commits).collect()
    assert kept.rows() == [(1, 1, sha), (1, 1, "abcdef0fff")]
    everything = reverted_prs(pull_requests, commits, links, repos).collect()
    assert everything.rows() == [(1, 1, d(5))]
    assert_frame_equal(
        reverted_prs(pull_requests, commits, kept.lazy(), repos).collect(), everything
    )


def test_load_facts_reads_links_and_commits_as_the_polars_functions(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """load_facts reads commits and links in parts and keeps only what it uses: the first
    commit per PR, the AI flags and the reverts are those of every row read at once."""
    from aimetrics.figures import store_reads as facts
    from aimetrics.store import Snapshot, create_store_engine, read_table, write_frames
    from aimetrics.store import schema as s
    from aimetrics.tagging import pr_flags

    from samples import build_demo_store

    build_demo_store(store_url, scale=0.2, end_date=dt.date(2025, 6, 30))
    engine = create_store_engine(store_url)
    prs = read_table(engine, s.pull_requests)
    tags = read_table(engine, s.ai_tags)
    commit_tags = tags.lazy().filter(pl.col("entity") == "commit")
    agent_pr = (  # agent-authored by its commits alone: an agent wrote every one
        pr_flags(prs.lazy(), read_table(engine, s.pull_request_commits).lazy(), commit_tags)
        .filter(pl.col("is_agent"))
        .collect()
        .row(0, named=True)
    )
    # Edge cases: a link to a commit the store lacks (on a PR an agent wrote every commit
    # of: it is no longer all the agent's), a commit without an authored date.
    extra = pl.DataFrame({"repo_id": [agent_pr["repo_id"]], "pr_number": [agent_pr["number"]]})
    write_frames(
        engine,
        [
            (s.commits, extra.select("repo_id", sha=pl.lit("e" * 40), on_default_branch=True)),
            (
                s.pull_request_commits,
                pl.concat(
                    [extra.with_columns(sha=pl.lit(c * 40)) for c in ("e", "f")],
                ),
            ),
        ],
    )
    links = read_table(engine, s.pull_request_commits)
    commits = read_table(engine, s.commits)
    reviews = read_table(engine, s.reviews)
    repos = read_table(engine, s.repositories)
    monkeypatch.setattr(facts, "_READ_ROWS", 1000)  # several parts (SQLite: 1024-row batches)
    with Snapshot(engine) as snap:
        tagged_shas = (
            tags.filter(pl.col("entity") == "commit")
            .select("repo_id", pl.col("entity_key").alias("sha"))
            .unique()
        )
        read_commits = facts.read_commits(snap, tagged_shas)
        revert_commits = facts.read_revert_commits(snap)
        read_links = facts.read_links(snap, tagged_shas, revert_commits)
    engine.dispose()
    assert read_links.commits.height > 0 and read_links.tagged.height < links.height

    def sort(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.sort(frame.columns, nulls_last=True)

    keys = prs.select("repo_id", "number")
    firsts = first_commits(links.lazy(), commits.lazy())
    assert_frame_equal(
        sort(keys.join(read_links.commits.drop("commits"), on=["repo_id", "number"], how="left")),
        sort(keys.lazy().join(firsts, on=["repo_id", "number"], how="left").collect()),
    )
    flags = pr_flags(
        prs.lazy(), links.lazy(), tags.lazy(), reviews=reviews.lazy(), bot_logins=["renovate"]
    )
    partial = pr_flags(
        prs.lazy(), read_links.tagged.lazy(), tags.lazy(), reviews=reviews.lazy(),
        bot_logins=["renovate"], commit_counts=read_links.commits.lazy(),
    )  # fmt: skip
    assert_frame_equal(sort(partial.collect()), sort(flags.collect()))
    agent = pr_flags(
        prs.lazy(),
        read_links.tagged.lazy(),
        commit_tags,
        commit_counts=read_links.commits.lazy(),
    ).filter(pl.col("repo_id") == agent_pr["repo_id"], pl.col("number") == agent_pr["number"])
    assert agent.collect()["is_agent"].to_list() == [False]  # fmt: skip
    assert_frame_equal(
        sort(reverted_prs(prs.lazy(), revert_commits.lazy(), read_links.reverts.lazy(),
                          repos.lazy()).collect()),
        sort(reverted_prs(prs.lazy(), revert_commits.lazy(), links.lazy(),
                          repos.lazy()).collect()),
    )  # fmt: skip
    columns = list(facts._COMMIT_COLUMNS)
    assert_frame_equal(
        sort(read_commits.branch),
        sort(commits.filter(pl.col("on_default_branch")).select(columns)),
    )
    assert_frame_equal(
        sort(read_commits.tagged),
        sort(
            commits.join(tagged_shas, on=["repo_id", "sha"], how="semi").select(
                facts._EXPLAIN_COMMIT_COLUMNS
            )
        ),
    )
    emails = commits.group_by(pl.col("author_email").str.to_lowercase().alias("email")).agg(
        pl.len().cast(pl.Int64).alias("commits")
    )
    assert_frame_equal(sort(read_commits.emails), sort(emails))
