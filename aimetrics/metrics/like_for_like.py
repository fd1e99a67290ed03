"""Like-for-like comparisons: AI-assisted vs no-marker work of the same engineers, and how an
engineer's change grows with the intensity of their AI use. Formulas: docs/metrics.md
("Like-for-like comparisons").

A pooled comparison of AI-assisted and no-marker PRs mostly says *who* uses AI (teams,
seniority, task size), not what AI does. Comparing each engineer's AI-assisted PRs with
their own no-marker PRs holds the engineer fixed; the PR-size ratio beside it shows whether
AI work is given smaller tasks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from aimetrics.metrics.stats import Comparison, Estimate, bootstrap_weights, compare_medians
from aimetrics.metrics.stats import estimate as estimate_of
from aimetrics.metrics.uplift import NEVER, POST_WEEKS, PRE_WEEKS, Panel, stacked_design
from aimetrics.settings import StatisticsSettings

WITHIN_ENGINEER = "within engineer"
POOLED = "pooled"
DESIGNS = (WITHIN_ENGINEER, POOLED)
MIN_PRS_EACH = 3  # an engineer counts with at least 3 AI-assisted and 3 no-marker PRs
# Intensity bins (share of the effect window's weeks with evidence of AI use).
INTENSITY_EDGES = (0.0, 0.25, 0.5, 0.75)


def within_engineer(
    rows: pl.LazyFrame | pl.DataFrame,
    value: str,
    metric: str,
    settings: StatisticsSettings | None = None,
    min_prs_each: int = MIN_PRS_EACH,
) -> Comparison:
    """AI-assisted vs no-marker ``value`` of the same engineers: a ratio of medians.

    ``rows``: one row per PR with ``person_key``, ``is_ai`` and ``value``. Only engineers
    with at least ``min_prs_each`` PRs of each kind count, and each PR's value is divided by
    its engineer's median no-marker value, so an engineer who uses AI more than a slower
    colleague does not read as an AI effect. The ratio of the two groups' medians (0.8 =
    20% lower) gets an engineer bootstrap interval; the medians reported are the raw values
    of those engineers, and ``ai_engineers`` is the number of engineers who count.
    """
    is_ai = pl.col("is_ai")
    prs = rows.lazy().select("person_key", "is_ai", value).drop_nulls()
    engineers = (
        prs.group_by("person_key")
        .agg(
            is_ai.sum().alias("_ai"),
            (~is_ai).sum().alias("_no"),
            pl.col(value).filter(~is_ai).median().alias("_scale"),
        )
        .filter(
            (pl.col("_ai") >= min_prs_each)
            & (pl.col("_no") >= min_prs_each)
            & (pl.col("_scale") > 0)
        )
    )
    kept = (
        prs.join(engineers, on="person_key", how="inner")
        .select("person_key", "is_ai", value, (pl.col(value) / pl.col("_scale")).alias("_relative"))
        .collect()
    )
    cfg = settings or StatisticsSettings()
    relative = compare_medians(kept, value="_relative", settings=cfg, metric=metric)
    counted = kept["person_key"].n_unique()
    if relative.ratio.ok and counted < cfg.min_engineers:
        note = (
            f"needs at least {cfg.min_engineers} engineers with {min_prs_each} AI-assisted and "
            f"{min_prs_each} no-marker PRs (has {counted})"
        )
        ratio = Estimate.not_enough(counted, kept.height, cfg.confidence_level, note)
        return Comparison(metric, None, None, ratio, *_counts(relative))
    if not relative.ratio.ok:
        return relative
    raw = kept[value]
    return Comparison(
        relative.metric,
        raw.filter(kept["is_ai"]).median(),  # type: ignore[arg-type]
        raw.filter(~kept["is_ai"]).median(),  # type: ignore[arg-type]
        relative.ratio,
        *_counts(relative),
    )


def engineer_cycle_hours(prs: pl.LazyFrame, ai: str = "is_ai") -> pl.LazyFrame:
    """Engineers' merged PRs with their cycle time, the input of :func:`cycle_time_uplift`.

    ``prs``: PR facts with cycle spans (the figures layer's ``Facts.prs``, or
    :func:`aimetrics.metrics.adoption.select`'s rows of them); ``ai``: the column that
    says AI-assisted (``ai`` for a selection's tools). Columns ``person_key``,
    ``is_ai``, ``cycle_hours``: the production cycle time
    (:func:`aimetrics.metrics.delivery.cycle_spans`: first commit to merge), of PRs an
    engineer authored (``by_engineer``) with a known timeline.
    """
    return (
        prs.filter(pl.col("by_engineer") & pl.col("merged_at").is_not_null())
        .select(
            pl.col("author_key").alias("person_key"),
            pl.col(ai).alias("is_ai"),
            pl.col("cycle").alias("cycle_hours"),
        )
        .drop_nulls()
    )


def cycle_time_uplift(
    cycle: pl.LazyFrame, settings: StatisticsSettings | None = None, min_prs_each: int = 1
) -> Comparison:
    """Cycle time of AI-assisted vs no-marker PRs of the same engineers (0.8 = 20% faster):
    :func:`within_engineer` over ``cycle`` (:func:`engineer_cycle_hours`: ``person_key``,
    ``is_ai``, ``cycle_hours``)."""
    return within_engineer(
        cycle, "cycle_hours", "cycle time (same engineers)", settings, min_prs_each
    )


def _counts(c: Comparison) -> tuple[int, int, int, int]:
    return c.ai_prs, c.no_marker_prs, c.ai_engineers, c.no_marker_engineers


def engineer_pr_lines(prs: pl.LazyFrame, ai: str = "is_ai") -> pl.LazyFrame:
    """Engineers' merged PRs with their size (``lines`` = additions + deletions), the input of
    the PR-size ratio: ``person_key``, ``is_ai``, ``lines``."""
    return (
        prs.filter(pl.col("by_engineer") & pl.col("merged_at").is_not_null())
        .select(pl.col("author_key").alias("person_key"), pl.col(ai).alias("is_ai"), "lines")
        .drop_nulls()
    )


def size_ratio(
    prs: pl.LazyFrame,
    settings: StatisticsSettings | None = None,
    ai: str = "is_ai",
    min_prs_each: int = MIN_PRS_EACH,
) -> Comparison:
    """PR size of AI-assisted vs no-marker PRs of the same engineers (0.6: AI PRs 40% smaller)."""
    return within_engineer(
        engineer_pr_lines(prs, ai), "lines", "PR size (same engineers)", settings, min_prs_each
    )


@dataclass(frozen=True)
class DoseBin:
    """One intensity bin of the dose-response view (correlational, not causal)."""

    label: str
    engineers: int
    prs: int
    ratio: Estimate  # observed / expected merged PRs of the bin's adopters


def intensity(user_weeks: pl.DataFrame, panel: Panel, post_weeks: int = POST_WEEKS) -> np.ndarray:
    """Per panel engineer: the share of their effect window's weeks (``post_weeks`` from the
    first post-adoption week, cut at the data's end) with evidence of AI use
    (``user_weeks``: :func:`aimetrics.metrics.evidence.ai_user_weeks`). NaN for engineers
    who did not adopt or whose window is empty."""
    n_weeks = panel.counts.shape[1] if panel.counts.ndim == 2 else 0
    out = np.full(len(panel.keys), np.nan)
    if not panel.keys or panel.first_week is None:
        return out
    start = panel.post_start.astype(np.int64)
    stop = np.minimum(start + post_weeks, n_weeks)
    rows = (
        user_weeks.select("person_key", "week")
        .unique()
        .join(
            pl.DataFrame({"person_key": panel.keys, "_i": np.arange(len(panel.keys))}),
            on="person_key",
        )
        .with_columns(((pl.col("week") - pl.lit(panel.first_week)).dt.total_days() // 7).alias("w"))
    )
    i, w = rows["_i"].to_numpy(), rows["w"].to_numpy()
    inside = (w >= start[i]) & (w < stop[i])
    counts = np.bincount(i[inside], minlength=len(panel.keys)).astype(np.float64)
    span = (stop - start).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((panel.post_start < NEVER) & (span > 0), counts / span, np.nan)


def dose_response(
    aggregates: np.ndarray,
    treated: np.ndarray,
    dose: np.ndarray,
    prs: np.ndarray,
    settings: StatisticsSettings | None = None,
) -> list[DoseBin]:
    """Each adopter's change (observed / expected merged PRs, as the uplift defines it) by
    intensity bin, with an engineer bootstrap interval and counts. Bins with fewer than
    ``statistics.min_engineers`` adopters are folded into their lower neighbour (the lowest
    into the next), so no bin rests on a handful of people.

    ``aggregates``: :func:`aimetrics.metrics.uplift.stacked_design`'s per-engineer window sums
    (engineers x 5 per cohort: treated post, treated pre, comparison post, comparison pre,
    treated pre weeks); ``treated``: adopters taking part; ``dose``: intensity per engineer
    (:func:`intensity`); ``prs``: PRs used per engineer.
    """
    cfg = settings or StatisticsSettings()
    if aggregates.shape[1] == 0 or not treated.any():
        return []
    s = aggregates.reshape(aggregates.shape[0], -1, 5)
    # Each adopter's cohort: the one whose baseline weeks they fill.
    cohort = np.argmax(s[..., 4] > 0, axis=1)
    t1 = s[np.arange(s.shape[0]), cohort, 0]
    t0 = s[np.arange(s.shape[0]), cohort, 1]
    usable = treated & np.isfinite(dose)
    bins = np.digitize(np.where(usable, dose, 0.0), INTENSITY_EDGES[1:])
    groups = _fold([np.flatnonzero(usable & (bins == b)) for b in range(len(INTENSITY_EDGES))], cfg)
    weights = bootstrap_weights(aggregates.shape[0], cfg.bootstrap_samples, cfg.seed)

    def ratios(w: np.ndarray, members: np.ndarray) -> np.ndarray:
        c = w @ aggregates  # (replicates, 5 per cohort)
        c = c.reshape(c.shape[0], -1, 5)
        with np.errstate(divide="ignore", invalid="ignore"):
            trend = c[..., 2] / c[..., 3]  # comparison after / before, per cohort
            observed = w[:, members] @ t1[members]
            expected = (w[:, members] * t0[members] * trend[:, cohort[members]]).sum(axis=1)
            return np.where(expected > 0, observed / expected, np.nan)

    out = []
    for label, members in groups:
        n_prs = int(prs[members].sum())
        if len(members) < cfg.min_engineers:  # all bins folded and still too few adopters
            note = f"needs at least {cfg.min_engineers} adopters (has {len(members)})"
            ratio = Estimate.not_enough(len(members), n_prs, cfg.confidence_level, note)
            out.append(DoseBin(label, len(members), n_prs, ratio))
            continue
        point = float(ratios(np.ones((1, aggregates.shape[0])), members)[0])
        ratio = estimate_of(
            point,
            ratios(weights, members),
            engineers=len(members),
            prs=n_prs,
            level=cfg.confidence_level,
        )
        out.append(DoseBin(label, len(members), n_prs, ratio))
    return out


def dose_response_of(
    panel: Panel,
    user_weeks: pl.DataFrame,
    settings: StatisticsSettings | None = None,
    pre_weeks: int = PRE_WEEKS,
    post_weeks: int = POST_WEEKS,
) -> list[DoseBin]:
    """:func:`dose_response` on the uplift's own panel and windows
    (:func:`aimetrics.metrics.uplift.weekly_panel`), engineers taking part only."""
    aggregates, treated, control, used_prs = stacked_design(panel, pre_weeks, post_weeks)
    rows = treated | control
    dose = intensity(user_weeks, panel, post_weeks)
    return dose_response(aggregates[rows], treated[rows], dose[rows], used_prs[rows], settings)


def _fold(groups: list[np.ndarray], cfg: StatisticsSettings) -> list[tuple[str, np.ndarray]]:
    """Merge bins below ``min_engineers`` into a neighbour; labels name the merged range."""
    spans = [[i, i, g] for i, g in enumerate(groups) if len(g)]
    changed = True
    while changed and len(spans) > 1:
        changed = False
        for j, (_, _, members) in enumerate(spans):
            if len(members) < cfg.min_engineers:
                k = j - 1 if j > 0 else j + 1
                lo, hi = min(spans[j][0], spans[k][0]), max(spans[j][1], spans[k][1])
                spans[min(j, k)] = [lo, hi, np.concatenate([spans[j][2], spans[k][2]])]
                del spans[max(j, k)]
                changed = True
                break
    return [(_label(lo, hi), np.sort(m)) for lo, hi, m in spans]


def _label(lo: int, hi: int) -> str:
    """The intensity range of bins ``lo``..``hi``, e.g. "under 25%", "25-75%", "75% or more"."""
    low = round(INTENSITY_EDGES[lo] * 100)
    if hi == len(INTENSITY_EDGES) - 1:
        return f"{low}% or more" if lo else "any"
    high = round(INTENSITY_EDGES[hi + 1] * 100)
    return f"under {high}%" if lo == 0 else f"{low}-{high}%"
