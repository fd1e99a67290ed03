"""Self-check against the truth: the measured uplift recovers the effect the demo injected.

Over 50 seeds of the demo organization (12 months, scale 1: 76 engineers), the
estimator runs on the demo's frames through the real path, tagging rules
included (``compute_tags`` → ``pr_flags`` → ``pr_facts`` and ``cycle_spans``, as
``load_facts`` builds the dashboard's facts), with seat dates from
``seat_assignments``; the truth object is read only to compare. Guards against a
dashboard that looks precise and is wrong:

- with the default effects (+20% merged PRs per engineer-week in the typical teams,
  none in the AI-heavy one, +10% with Copilot completions only), the 90% CI contains the
  organization's effect (the PR-weighted mix of the teams', ``org_throughput_effect``)
  in at least 80% of seeds and the mean estimate is within 10% of it;
- with no effect, the CI excludes "no change" in at most 20% of seeds;
- the cycle-time ratio (AI vs no marker, same engineers) recovers what the truth says it
  should: the teams' mix of effects times the speed-up of AI-marked PRs being smaller
  (``expected_cycle_ratio``; the ratio does not hold size equal).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl
import pytest

from aimetrics.demo import generate
from aimetrics.metrics.adoption import Selection, seat_facts
from aimetrics.metrics.like_for_like import cycle_time_uplift, engineer_cycle_hours
from aimetrics.metrics.overview import select_work
from aimetrics.metrics.stats import Comparison
from aimetrics.metrics.uplift import Uplift, adoption_dates, throughput_uplift
from aimetrics.tagging import build_ruleset, compute_tags

from samples import frames_facts

pytestmark = pytest.mark.slow

SEEDS = range(50)
SCALE = 1.0
END = dt.date(2025, 6, 30)
EFFECT = 1.20
CYCLE_EFFECT = 0.80
# The demo's payments team labels AI-assisted PRs: a team convention, configured as a rule.
LABEL_RULE = {
    "id": "label:ai-assisted",
    "tool": "github-copilot",
    "kind": "assisted",
    "field": "pr.label",
    "pattern": "^ai-assisted$",
    "confidence": "high",
}
RULES = build_ruleset(extra_rules=[LABEL_RULE])
BOTS = (*RULES.non_ai_bots.logins, *RULES.non_ai_bots.emails)


@dataclass(frozen=True)
class Run:
    seed: int
    truth: float  # the organization's throughput effect
    cycle_truth: float  # what the same-engineer cycle-time ratio should find
    uplift: Uplift
    cycle: Comparison


def measure(seed: int, effect: float) -> Run:
    """The measured uplift of one demo, computed as the dashboard would from a store."""
    org = generate(seed, END, SCALE, throughput_effect=effect, cycle_time_effect=CYCLE_EFFECT)
    frame = org.frame
    tags = compute_tags(
        RULES,
        commits=frame("commits"),
        pull_requests=frame("pull_requests"),
        labels=frame("pull_request_labels"),
        reviews=frame("reviews"),
    ).lazy()
    prs, activity, directory = frames_facts(frame, tags, BOTS)
    merged, engineers = select_work(prs.lazy(), activity.lazy(), Selection())
    seats = seat_facts(frame("seat_assignments").lazy(), directory.lazy())
    adoption = adoption_dates(merged, seats, directory.lazy()).collect()
    uplift = throughput_uplift(merged, engineers, adoption.lazy())
    cycle = cycle_time_uplift(engineer_cycle_hours(merged))
    truth = org.truth
    return Run(seed, truth.org_throughput_effect(), truth.expected_cycle_ratio(), uplift, cycle)


@pytest.fixture(scope="module")
def with_effect() -> list[Run]:
    return [measure(seed, EFFECT) for seed in SEEDS]


@pytest.fixture(scope="module")
def without_effect() -> list[Run]:
    return [measure(seed, 1.0) for seed in SEEDS]


def _summary(runs: list[Run]) -> str:
    rows = [
        (r.seed, r.truth, r.uplift.estimate.value, r.uplift.estimate.low, r.uplift.estimate.high)
        for r in runs
    ]
    schema = ["seed", "truth", "estimate", "low", "high"]
    return str(pl.DataFrame(rows, schema=schema, orient="row"))


def test_every_seed_has_enough_data(with_effect: list[Run]) -> None:
    for run in with_effect:
        u = run.uplift
        assert u.estimate.ok, (run.seed, u.estimate.note)
        # Every adopter has a seat. Seatless engineers with a Copilot-marked PR (a review
        # suggestion they applied, a `copilot/` branch name) are not adopters: Copilot's
        # seats are known.
        assert u.basis == {"seat": u.treated_engineers, "first evidence": 0, "first AI change": 0}
        assert u.treated_engineers >= 30 and u.comparison_engineers >= 8


def test_ci_contains_the_injected_effect_in_80_percent_of_seeds(with_effect: list[Run]) -> None:
    assert all(1.0 < run.truth < EFFECT for run in with_effect)  # the teams' mix
    covered = [
        run.uplift.estimate.low <= run.truth <= run.uplift.estimate.high  # type: ignore[operator]
        for run in with_effect
    ]
    assert np.mean(covered) >= 0.80, _summary(with_effect)


def test_mean_estimate_is_within_10_percent_of_the_effect(with_effect: list[Run]) -> None:
    mean = np.mean([run.uplift.estimate.value for run in with_effect])
    truth = np.mean([run.truth for run in with_effect])
    assert abs(mean / truth - 1.0) <= 0.10, _summary(with_effect)
    # The uplift itself (about +11%) is found within a few points on average.
    assert abs((mean - truth) * 100) <= 4.0


def test_without_an_effect_the_ci_rarely_excludes_no_change(without_effect: list[Run]) -> None:
    assert all(run.truth == 1.0 for run in without_effect)
    significant = [run.uplift.estimate.excludes(1.0) for run in without_effect]
    assert np.mean(significant) <= 0.20, _summary(without_effect)
    mean = np.mean([run.uplift.estimate.value for run in without_effect])
    assert abs(mean - 1.0) <= 0.05


def test_cycle_time_ratio_recovers_the_injected_effect(with_effect: list[Run]) -> None:
    ratios = [run.cycle.ratio for run in with_effect]
    assert all(r.ok for r in ratios)
    mean = np.mean([r.value for r in ratios])
    truth = np.mean([run.cycle_truth for run in with_effect])
    assert abs(mean / truth - 1.0) <= 0.05
    covered = [
        r.low <= run.cycle_truth <= r.high  # type: ignore[operator]
        for r, run in zip(ratios, with_effect, strict=True)
    ]
    assert np.mean(covered) >= 0.80
