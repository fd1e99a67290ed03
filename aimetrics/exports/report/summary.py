"""The report's bottom line: plain sentences in the order a sceptical VP asks (capacity,
value against spend, what the spend is made of, the run rate, then adoption, throughput, cycle
time, idle seats and quality), each saying whether its interval settles the direction."""

from __future__ import annotations

from aimetrics.exports.report.kpi import Kpi, _int, _row, kpi_interval
from aimetrics.figures import value as value_text
from aimetrics.figures.compute import Figures
from aimetrics.format import format_money, format_number, format_share


def ai_users(head: dict[str, object]) -> tuple[str, str]:
    """("N of M active engineers", ", K of them without AI markers" or "" when none): the
    one AI-user definition (docs/metrics.md "Active engineers, AI users, adoption rate").
    Said beside the count, so that no one takes it for the AI-marked PRs' authors."""
    without = _int(head, "ai_users_without_markers")
    return (
        f"{_int(head, 'ai_users'):,} of {_int(head, 'active_contributors'):,} active engineers",
        f", {without:,} of them without AI markers" if without else "",
    )


def _merged(f: Figures) -> int:
    """Counted PRs merged in the period and selection."""
    return _int(_row(f.spend.figures, period="current"), "merged_prs")


def _verdict(est: Kpi, neutral: float, lower: str, higher: str) -> str:
    """Whether an interval settles the direction, in words."""
    if est.value is None or est.low is None or est.high is None:
        return ""
    if est.high < neutral:
        return lower
    if est.low > neutral:
        return higher
    return "no clear difference"


def summary(f: Figures, k: dict[str, Kpi]) -> tuple[str, ...]:
    cur = f.currency
    days = f.period.days
    out = []
    spend = k["spend"]
    # The leadership order: capacity, its value against the spend (the conservative end
    # first), what the spend is made of, the run rate. ROI in percent: the appendix only.
    if f.roi is not None:
        out.append(value_text.capacity_sentence(f.roi))
        out.append(value_text.value_sentence(f.roi))
    if spend.value is None:
        out.append(
            "AI spend is not shown: spend is not attributed to repositories, and this "
            "report is filtered by repository."
        )
    else:
        split = value_text.spend_split(k["spend_billed"].value, k["spend_estimated"].value, cur)
        out.append(
            f"AI tools cost {format_money(spend.value, cur)} in these {days} days "
            f"({format_money(spend.previous, cur)} in the {days} days before), {split}: "
            f"{format_money(k['cost_per_merged_pr'].value, cur, 2)} per merged PR."
        )
        out.append(f"Monthly run rate: {value_text.run_rate_sentence(f.spend.run_rate)}.")
    if f.roi is not None:
        out.append(value_text.assumed_sentence(f.roi.assumed))
    if not _merged(f):
        out.append(
            "No merged pull requests match this period and these filters: choose another "
            "period or fewer filters."
        )
        return tuple(out)
    share, adoption = k["ai_share"], k["adoption_rate"]
    users, without = ai_users(_row(f.adoption["team"].headline))
    out.append(
        f"{format_share(share.value)} of merged PRs were AI-assisted "
        f"({format_share(share.previous)} before); {users} used AI "
        f"({format_share(adoption.value)}){without}"
        + (" (Copilot completions and chat leave none)." if without else ".")
    )
    thr, up = k["throughput"], k["uplift"]
    uplift_text = (
        f"{format_number(up.value, 'percent')} ({kpi_interval(up)}; "
        f"{_verdict(up, 0.0, 'a decrease', 'an increase')})"
        if up.value is not None
        else f"not enough data ({up.note})"
    )
    out.append(
        f"Throughput was {format_number(thr.value, 'rate')} merged PRs per engineer-week "
        f"({format_number(thr.previous, 'rate')} before). Engineers' own throughput after they "
        f"adopted AI, against colleagues not yet using it: {uplift_text}."
    )
    out.append(_cycle_sentence(k))
    idle = k["idle_seats"]
    out.append(
        f"{format_number(idle.value, 'count')} idle seats ({idle.sample}): "
        f"{format_money(k['idle_monthly_cost'].value, cur)} a month to reclaim."
    )
    rev, unrev = k["revert_diff"], k["unreviewed_diff"]

    def guard(x: Kpi) -> str:
        if x.value is None:
            return f"not enough data ({x.note})"
        return (
            f"{format_number(x.value, 'pp')} ({kpi_interval(x)}; "
            f"{_verdict(x, 0.0, 'lower for AI-assisted', 'higher for AI-assisted')})"
        )

    out.append(
        f"Quality guardrails, AI-assisted minus no marker, pooled over all authors "
        f"(descriptive): revert rate {guard(rev)}; merged "
        f"without a human review {guard(unrev)}."
    )
    return tuple(out)


def _cycle_sentence(k: dict[str, Kpi]) -> str:
    """The cycle-time line: the within-engineer comparison, the size ratio beside it, and the
    pooled ratio named as descriptive."""
    cyc, size, pooled = k["cycle_ratio"], k["size_ratio"], k["cycle_ratio_pooled"]
    if cyc.value is None:
        text = (
            "Cycle time (first commit to merge), AI-assisted vs no-marker PRs of the same "
            f"engineers: not enough data ({cyc.note})."
        )
    else:
        verdict = _verdict(cyc, 1.0, "AI-assisted PRs are faster", "AI-assisted PRs are slower")
        text = (
            "Cycle time (first commit to merge), AI-assisted vs no-marker PRs of the same "
            f"engineers (within engineer; {cyc.sample}): ratio "
            f"{format_number(cyc.value, 'ratio')} ({kpi_interval(cyc)}; {verdict})."
        )
    if size.value is not None:
        text += (
            f" AI-assisted PRs are {format_number(size.value, 'ratio')} the size of the same "
            "engineers' other PRs."
        )
    if pooled.value is not None:
        text += (
            f" Pooled over everyone, unadjusted: {format_number(pooled.value, 'ratio')} "
            "(descriptive only: it mixes who uses AI with what AI does)."
        )
    return text
