"""The report's method notes: each term the report uses, defined in plain words with the
settings in force (see :mod:`aimetrics.exports.report.model`)."""

from __future__ import annotations

from aimetrics.figures.compute import Figures
from aimetrics.format import format_money
from aimetrics.metrics.like_for_like import MIN_PRS_EACH
from aimetrics.vocabulary import NO_MARKER


def method_notes(f: Figures) -> tuple[tuple[str, str], ...]:
    s = f.settings
    stats, roi = s.statistics, f.money.roi
    u = f.measured.uplift
    basis = ", ".join(f"{n} by {b}" for b, n in u.basis.items() if n) or "none"
    return (
        (
            "AI-assisted",
            f"A merged PR with an AI marker (written or assisted by an AI tool) at or "
            f"above '{s.tagging.min_confidence}' confidence, on the PR or any of its commits. "
            f"The comparison group is '{NO_MARKER}': every other PR. Tools let people switch "
            "their markers off, so 'no marker' means unknown, not proven human.",
        ),
        (
            "Active engineer",
            "A person (not a bot, not an AI agent, not excluded) who merged a "
            "PR or made a commit on a default branch in the period.",
        ),
        (
            "AI user",
            "An active engineer with evidence of AI use in the period: an AI marker on their "
            "work, a day of use in GitHub's Copilot usage reports, a seat's last activity, or "
            "a vendor usage row naming them. A seat held without activity is not use. "
            "Adoption = AI users ÷ active engineers. 'Without AI markers': AI users whose "
            "work carries no marker (Copilot completions and chat leave none).",
        ),
        (
            "Throughput",
            "Merged PRs per active engineer per week: merged PRs ÷ active engineers "
            "÷ weeks in the period. PRs opened by AI agents count; bots like Dependabot do not.",
        ),
        (
            "Cycle time",
            "From a PR's first commit to its merge, split into coding (to ready for "
            "review), pickup (to the first human review), review (to the last approval) and "
            "merge. Medians, because a few very long PRs would swamp an average.",
        ),
        (
            "Within engineer, pooled",
            "AI-assisted vs no marker is compared within engineer: each engineer's AI-assisted "
            f"PRs against their own no-marker PRs (engineers with {MIN_PRS_EACH} or more of each "
            "in the period), so who uses AI does not read as what AI does; the PR-size ratio "
            "beside it shows whether AI work is smaller. The pooled comparison (all AI-assisted "
            "PRs against all others) is descriptive only: it mixes in teams' habits and tasks.",
        ),
        (
            "AI spend",
            "Seat plans prorated by day, seats collected from an API priced by their "
            "plan, and billed or estimated cost records. For each tool and month one source "
            "counts, the best present (billed > API seats > seat plans > estimates), so nothing "
            f"counts twice. Net of discounts, in {f.currency}.",
        ),
        (
            "Idle seat",
            "A seat held on the period's last day without use in the 30 days up to "
            "it (no activity reported by the vendor and no AI-assisted PR with its tool by its "
            "holder); its monthly cost is its plan's price: what reclaiming it saves.",
        ),
        (
            "Measured uplift",
            "Each engineer's merged PRs per week in up to 12 weeks after "
            "adopting AI against their own 12 weeks before, moved like the PRs of colleagues who "
            "had not adopted yet over the same weeks (a stacked difference-in-differences on a "
            f"ratio scale). Adoption is the seat date where known, else the first day of other "
            "evidence of use (Copilot usage, seat activity, vendor usage), else the first "
            f"AI-marked PR ({basis}). It uses the selection's whole history, not only this "
            "period. A team filter narrows who is treated, never who is compared: a team's "
            "figure is the one on the team map. A tool filter keeps the organization's uplift and "
            "counts the tool's share of its value (the tool's share of AI-user weeks).",
        ),
        (
            "ROI, measured",
            f"The extra PRs after adoption valued at the time a PR took before "
            f"adoption ({roi.hours_per_week:g} hours per week ÷ the adopters' baseline PRs per "
            f"week) and {format_money(roi.loaded_hourly_cost, roi.currency)} per hour; ROI = "
            "(value − spend) ÷ spend; payback = the days of value that pay for the period's "
            "spend.",
        ),
        (
            "ROI, assumed",
            f"{roi.hours_saved_per_ai_user_per_week:g} hours saved per AI user per week "
            f"(an assumption, as DX and GitHub present it) × "
            f"{format_money(roi.loaded_hourly_cost, roi.currency)} per hour. AI users: engineers "
            "with evidence of AI use in the period (markers, Copilot usage, seat activity, "
            "vendor usage naming them), as on the Adoption page. Nothing here measures the "
            "hours, so it has no interval.",
        ),
        (
            "Capacity",
            "Engineer-equivalents gained in the period: the extra PRs after adoption ÷ (the "
            "adopters' baseline PRs per engineer-week × weeks in the period), with the uplift's "
            "interval. Capacity, not headcount. Value for spend: the capacity's value ÷ the "
            "spend; 'at least N×' quotes the interval's low end, rounded down, and below 1× "
            "the spend is not shown to be covered. ROI in percent is in Appendix B only.",
        ),
        (
            "Billed and estimated spend, run rate",
            "Billed: invoices and billing exports. Estimated: seat plans from the configuration, "
            "seats collected from an API priced by plan, and usage a vendor reported but did "
            "not bill. Monthly run rate: the seats held on the period's last day at their "
            "monthly price plus the usage of the 30 days up to it. Monthly bars show whole "
            "calendar months, the period's days solid and the rest of the month pale.",
        ),
        (
            "Intervals",
            f"{stats.confidence_level:.0%} intervals from {stats.bootstrap_samples:,} "
            f"bootstrap resamples of engineers (seed {stats.seed}): PRs of one engineer are not "
            "independent, so whole engineers are drawn. Below "
            f"{stats.min_engineers} adopting and {stats.min_engineers} comparison engineers "
            f"(uplift) or {stats.min_prs} PRs and 2 engineers per group (comparisons) the report "
            "says 'not enough data' instead of a number.",
        ),
        (
            "Privacy",
            f"Groups with fewer than {f.view.min_group_size} active people are shown "
            "together as 'Other (small groups)' or left out; figures about single people appear "
            "only with privacy.show_individuals.",
        ),
    )
