"""The report's three-sentence verdict on constructed figures: each wording is used exactly when
its rule says (docs/report.md, "The verdict"), and every sentence names its numbers."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

import polars as pl

from aimetrics.exports.report.verdict import (
    BudgetLine,
    VerdictFigures,
    budget_lines,
    verdict,
)
from aimetrics.metrics.budget import OVER, WITHIN
from aimetrics.metrics.roi import Roi, RoiFigures
from aimetrics.metrics.stats import Estimate

LEVEL = 0.9


def est(value: float, low: float, high: float, engineers: int = 40, prs: int = 900) -> Estimate:
    return Estimate(value, low, high, LEVEL, engineers, prs)


def not_enough(note: str) -> Estimate:
    return Estimate.not_enough(3, 40, LEVEL, note)


def roi(value: Estimate, spend: float) -> Roi:
    """A Roi whose measured method values the change at ``value`` against ``spend``."""

    def method(name: str, v: Estimate) -> RoiFigures:
        return RoiFigures(name, (), v, v, v, v, spend, "USD")

    return Roi(method("measured uplift", value), method("assumed time saved", value))


BASE = VerdictFigures(
    days=91,
    active_engineers=72,
    ai_users=64,
    merged_prs=2778,
    ai_prs=905,
    ai_share=est(905 / 2778, 0.272, 0.386),
    ai_share_previous=0.288,
    uplift=est(4.2, -6.1, 16.4),
    adopters=60,
    comparison_engineers=21,
    cycle=est(0.91, 0.78, 1.07),
    cycle_engineers=54,
    currency="USD",
    spend=20063.0,
    spend_billed=4018.0,
    spend_estimated=16045.0,
    roi=roi(est(149093.0, -235142.0, 504639.0), 20063.0),
)
DECEMBER = dt.date(2026, 12, 1)


def test_three_sentences_each_naming_its_numbers() -> None:
    adoption, effect, value = verdict(BASE)
    assert adoption == (
        "Adoption: 64 of 72 active engineers (88.9%) used AI in these 91 days, and 32.6% of "
        "the 2,778 merged PRs were AI-assisted (905 PRs; 90% CI 27.2% to 38.6%), against 28.8% "
        "in the 91 days before."
    )
    assert effect.startswith("Measured effect: ")
    assert value.startswith("AI cost $20,063 in these 91 days ($4,018 billed, $16,045 estimated")
    for sentence in (adoption, effect, value):
        assert sentence.endswith(".") and re.search(r"\d", sentence)


def test_an_interval_that_includes_no_change_claims_no_effect() -> None:
    _, effect, value = verdict(BASE)
    assert "no measurable change in throughput after adopting AI (90% CI −6% to +16%; " in effect
    assert "60 adopters against 21 not yet using AI" in effect
    assert "no measurable difference in cycle time" in effect and "0.78× to 1.07×" in effect
    # No point estimate is put forward as if it were an effect.
    assert "+4%" not in effect and "0.91×" not in effect
    assert "rose" not in effect and "faster" not in effect
    # Value: the conservative wording, with the interval; no ROI in percent.
    assert "is not shown to cover its spend (value 90% CI −$235,142 to $504,639)" in value
    assert "ROI" not in value and not re.search(r"[+−-]?\d+(\.\d+)?% (ROI|return)", value)
    assert value.count("%") == 1  # the interval's level only


def test_a_proven_positive_effect_is_claimed_with_its_interval() -> None:
    proven = replace(BASE, uplift=est(18.0, 7.0, 31.0), cycle=est(0.82, 0.71, 0.94))
    _, effect, _ = verdict(proven)
    assert "throughput rose +18% after adopting AI (90% CI +7% to +31%; 60 adopters" in effect
    assert "AI-assisted PRs were merged faster, in 0.82× the cycle time of the same " in effect
    assert "(90% CI 0.71× to 0.94×; 54 engineers)" in effect
    assert "no measurable" not in effect


def test_a_proven_negative_effect_is_said_as_such() -> None:
    worse = replace(BASE, uplift=est(-12.0, -20.0, -3.0), cycle=est(1.3, 1.1, 1.5))
    _, effect, _ = verdict(worse)
    assert "throughput fell −12% after adopting AI (90% CI −20% to −3%" in effect
    assert "AI-assisted PRs were merged slower, in 1.30× the cycle time" in effect


def test_not_enough_data_gives_the_reason_and_no_number() -> None:
    thin = replace(
        BASE,
        uplift=not_enough("needs at least 8 comparison engineers, has 3"),
        cycle=None,
        roi=roi(not_enough("the uplift is not measured"), 20063.0),
    )
    _, effect, value = verdict(thin)
    assert effect == (
        "Measured effect: not enough data to measure a change in throughput — needs at least 8 "
        "comparison engineers, has 3; not enough data to compare cycle times like for like — "
        "no merged PR with a timeline."
    )
    assert "cannot be shown yet — the uplift is not measured" in value
    # The same reason as the throughput's is not said twice.
    same = replace(thin, roi=roi(not_enough("needs at least 8 comparison engineers, has 3"), 1.0))
    assert (
        "the value of the measured change cannot be shown yet — for the same reason"
        in (verdict(same)[2])
    )
    assert "CI" not in effect and "CI" not in value


def test_value_that_covers_its_spend_quotes_the_conservative_end() -> None:
    # Value 90% CI $50,000 to $150,000 for $20,000: at least 2.5× (low end / spend, rounded down).
    covers = replace(BASE, spend=20000.0, roi=roi(est(100000.0, 50000.0, 150000.0), 20000.0))
    _, _, value = verdict(covers)
    assert "the value of the measured change is at least 2.5× the spend ($100,000, 90% CI " in value
    assert "$50,000 to $150,000)" in value


def test_no_spend_data_says_there_is_no_cost_to_weigh() -> None:
    free = replace(BASE, spend=0.0, spend_billed=0.0, spend_estimated=0.0, roi=roi(est(1, 0, 2), 0))
    _, _, value = verdict(free)
    assert value == (
        "Value against spend: no AI spend is recorded for these 91 days, so there is no cost "
        "to weigh the change against."
    )


def test_a_repository_filter_shows_no_value_against_spend() -> None:
    _, _, value = verdict(
        replace(BASE, spend=None, spend_billed=None, spend_estimated=None, roi=None)
    )
    assert value.startswith("Value against spend: not shown, because AI spend is not attributed")


def test_budgets_over_are_named_with_forecast_and_budget() -> None:
    lines = (
        BudgetLine("Claude Code", DECEMBER, 4000.0, 5132.4, True, "USD"),
        BudgetLine("Team payments", DECEMBER, 9000.0, 7000.0, False, "USD"),
    )
    _, _, value = verdict(replace(BASE, budgets=lines))
    assert value.endswith(
        " Forecast over budget for December 2026: Claude Code ($5,132 against $4,000)."
    )
    assert "Team payments" not in value


def test_budgets_within_say_so_and_many_over_are_counted() -> None:
    within = tuple(BudgetLine(f"Tool {i}", DECEMBER, 100.0, 50.0, False, "USD") for i in range(3))
    _, _, value = verdict(replace(BASE, budgets=within))
    assert value.endswith(" All 3 budgets are forecast within their limits for December 2026.")
    one = within[:1]
    assert verdict(replace(BASE, budgets=one))[2].endswith(
        " The Tool 0 budget is forecast within its limit for December 2026."
    )
    over = tuple(replace(b, forecast=150.0, over=True) for b in within)
    _, _, value = verdict(replace(BASE, budgets=over))
    assert value.endswith("Tool 0 ($150 against $100); Tool 1 ($150 against $100) and 1 more.")


def test_budgets_under_a_filter_say_they_are_the_whole_organizations() -> None:
    line = (BudgetLine("Claude Code", DECEMBER, 4000.0, 5132.4, True, "USD"),)
    value = verdict(replace(BASE, budgets=line, filtered=True))[2]
    assert value.endswith(
        " Forecast over budget for December 2026 (whole organization): Claude Code ($5,132 "
        "against $4,000)."
    )


def test_budget_lines_read_the_budget_status_rows() -> None:
    status = pl.DataFrame(
        {
            "scope": ["tool", "team"],
            "target": ["claude-code", "payments"],
            "month": [DECEMBER, DECEMBER],
            "budget": [4000.0, 9000.0],
            "forecast": [5132.4, 7000.0],
            "status": [OVER, WITHIN],
            "currency": ["USD", "USD"],
        }
    )
    lines = budget_lines(status)
    assert [(b.label, b.over) for b in lines] == [("Claude Code", True), ("Team payments", False)]


def test_a_tool_filter_names_the_tools() -> None:
    adoption = verdict(replace(BASE, tools=("Claude Code", "Cursor")))[0]
    assert (
        "64 of 72 active engineers (88.9%) used Claude Code or Cursor in these 91 days" in adoption
    )
    assert "merged PRs were AI-assisted with Claude Code or Cursor (905 PRs;" in adoption


def test_no_merged_pr_and_no_engineer() -> None:
    quiet = replace(BASE, merged_prs=0, ai_prs=0, ai_share=not_enough("no merged PR"))
    assert verdict(quiet)[0] == (
        "Adoption: 64 of 72 active engineers (88.9%) used AI in these 91 days; no pull "
        "request was merged in this period and selection."
    )
    nobody = replace(quiet, active_engineers=0, ai_users=0)
    assert verdict(nobody)[0] == "Adoption: no engineer was active in these 91 days and filters."
