"""The demo self-check's measurements, shared by ``tests/test_selfcheck.py`` (a few seeds)
and ``benchmarks/demo_team_selfcheck.py`` (50 seeds): one demo organization per seed, read
as the dashboard reads a store, measured with the production functions and set beside the
truth the generator injected (read only to pick the teams and to compare)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import polars as pl

from aimetrics.demo import generate
from aimetrics.metrics.adoption import Selection, seat_facts
from aimetrics.metrics.like_for_like import MIN_PRS_EACH, engineer_cycle_hours, within_engineer
from aimetrics.metrics.overview import select_work
from aimetrics.metrics.stats import Comparison, Estimate, compare_medians
from aimetrics.metrics.team_map import group_uplifts
from aimetrics.metrics.uplift import Uplift, adoption_dates, throughput_uplift, weekly_panel
from aimetrics.tagging import build_ruleset, compute_tags

from samples import frames_facts

END = dt.date(2025, 6, 30)
SCALE = 1.0
EFFECT = 1.20
CYCLE_EFFECT = 0.80
LARGE_TEAM = 20  # adopters a team needs for its own effect to be checked
ORG = "organization"
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
class Demo:
    """One seed's measurements against its truth."""

    seed: int
    truth: dict[str, float]  # throughput effect: the organization's, each large team's
    uplift: dict[str, Estimate]  # the measured throughput uplift (ratio), same keys
    org: Uplift  # the organization's uplift with what it rests on
    cycle_truth: float  # what a same-engineer cycle-time comparison should find
    within: Comparison  # cycle time, AI-assisted / no marker, within engineer
    pooled: Comparison  # the same pooled over everyone (ratio of medians)


def measure(seed: int, effect: float = EFFECT) -> Demo:
    """The self-check's figures of the demo of ``seed`` (throughput effect ``effect`` in the
    typical teams), computed as the dashboard computes them from a store."""
    org = generate(seed, END, SCALE, throughput_effect=effect, cycle_time_effect=CYCLE_EFFECT)
    frame, truth = org.frame, org.truth
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
    adoption = adoption_dates(merged, seats, directory.lazy()).collect().lazy()
    uplift = throughput_uplift(merged, engineers, adoption)
    # A team's effect as the team map measures it: its adopters against every engineer not
    # yet adopted, on the organization's panel (team_map.group_uplifts).
    logins = directory.filter(pl.col("kind") == "login").select(
        pl.col("value").alias("login"), "person_key"
    )
    people = truth.engineers.select(pl.col("login").str.to_lowercase(), "effect_team").join(
        logins, on="login"
    )
    large = truth.team_effects.filter(pl.col("adopters") >= LARGE_TEAM)
    members = {
        slug: people.filter(pl.col("effect_team") == slug)["person_key"].to_list()
        for slug in large["slug"]
    }
    panel = weekly_panel(merged, engineers, adoption)
    teams = group_uplifts(panel, members)
    cycle = engineer_cycle_hours(merged).collect()
    within = within_engineer(cycle, "cycle_hours", "cycle time", min_prs_each=MIN_PRS_EACH)
    pooled = compare_medians(
        cycle.rename({"person_key": "author_key"}),
        value="cycle_hours",
        cluster="author_key",
        metric="cycle time",
    )
    return Demo(
        seed,
        {ORG: truth.org_throughput_effect()}
        | dict(zip(large["slug"], large["throughput_effect"], strict=True)),
        {ORG: uplift.estimate} | {slug: u.estimate for slug, u in teams.items()},
        uplift,
        truth.expected_cycle_ratio(),
        within,
        pooled,
    )


def min_covered(n: int, p: float = 0.80, alpha: float = 0.01) -> int:
    """The fewest seeds of ``n`` whose interval must cover the truth: the smallest k with
    P(X < k) <= ``alpha`` for X ~ Binomial(n, ``p``). An interval that covers the truth in
    ``p`` of seeds or more fails the check in at most ``alpha`` of runs."""
    below = 0.0
    for k in range(n + 1):
        below_next = below + math.comb(n, k) * p**k * (1 - p) ** (n - k)
        if below_next > alpha:  # P(X < k + 1) > alpha: k is the largest allowed threshold
            return k
        below = below_next
    return n


def rows(demos: list[Demo]) -> pl.DataFrame:
    """One row per seed and group (organization, large teams, cycle time designs)."""
    out = []
    for d in demos:
        for group, est in d.uplift.items():
            out.append(("throughput", group, d.seed, d.truth[group], est.value, est.low, est.high))
        for design, c in (("within engineer", d.within), ("pooled", d.pooled)):
            r = c.ratio
            out.append(("cycle time", design, d.seed, d.cycle_truth, r.value, r.low, r.high))
    schema = ["measure", "group", "seed", "truth", "estimate", "low", "high"]
    return pl.DataFrame(out, schema=schema, orient="row")


def summary(frame: pl.DataFrame) -> pl.DataFrame:
    """Per measure and group: seeds, mean truth, mean estimate, the mean's relative error and
    the share of seeds whose interval covers the truth."""
    covered = (pl.col("low") <= pl.col("truth")) & (pl.col("truth") <= pl.col("high"))
    return frame.group_by("measure", "group", maintain_order=True).agg(
        pl.len().alias("seeds"),
        pl.col("truth").mean(),
        pl.col("estimate").mean(),
        (pl.col("estimate").mean() / pl.col("truth").mean() - 1).alias("relative_error"),
        covered.mean().alias("covered"),
    )
