"""Uncertainty: a seeded bootstrap that resamples engineers, never single PRs.

PRs of one engineer are not independent (the same person, habits, repositories),
so every interval here comes from a *cluster* bootstrap: a replicate draws
engineers with replacement and keeps all of a drawn engineer's work. It runs on
engineer-level aggregates: :func:`bootstrap_weights` draws the whole index matrix
once (replicates x engineers, how often each engineer is drawn), and a statistic
that is a function of per-engineer sums is then ``weights @ aggregates`` for all
replicates at once (:func:`resampled_sums`). Medians use per-engineer histograms
the same way (:func:`compare_medians`). See docs/metrics.md ("Statistics").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from aimetrics.ids import stable_id
from aimetrics.settings import StatisticsSettings

OK = "ok"
NOT_ENOUGH_DATA = "not enough data"
MEDIAN_BINS = 128  # equal-count bins around the median in the per-engineer histograms


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its bootstrap percentile interval and sample sizes.

    When ``status`` is ``not enough data``, ``value``, ``low`` and ``high`` are
    None: a figure below the minimum sample is never shown as a number.
    """

    value: float | None
    low: float | None
    high: float | None
    level: float
    engineers: int
    prs: int
    status: str = OK
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.status == OK

    @classmethod
    def not_enough(cls, engineers: int, prs: int, level: float, note: str) -> Estimate:
        return cls(None, None, None, level, engineers, prs, NOT_ENOUGH_DATA, note)

    def map(self, f: Callable[[float], float]) -> Estimate:
        """The same estimate through an increasing function ``f`` (percentile CIs follow it)."""
        if not self.ok:
            return self

        def g(x: float | None) -> float | None:
            return None if x is None else float(f(x))

        return replace(self, value=g(self.value), low=g(self.low), high=g(self.high))

    def percent_change(self) -> Estimate:
        """A ratio (1.2) as a multiplicative change in percent (+20)."""
        return self.map(lambda r: (r - 1.0) * 100.0)

    def excludes(self, x: float) -> bool:
        """True when the interval lies entirely above or below ``x`` (False if not ok)."""
        if not self.ok or self.low is None or self.high is None:
            return False
        return x < self.low or x > self.high


@dataclass(frozen=True)
class Comparison:
    """AI vs no marker: each group's median and the ratio AI / no marker with its CI."""

    metric: str
    ai_median: float | None
    no_marker_median: float | None
    ratio: Estimate
    ai_prs: int
    no_marker_prs: int
    ai_engineers: int
    no_marker_engineers: int


def bootstrap_weights(
    n: int, samples: int, seed: int, strata: np.ndarray | None = None
) -> np.ndarray:
    """How often each of ``n`` engineers is drawn in each of ``samples`` replicates.

    Returns a ``(samples, n)`` float matrix whose rows sum to ``n``. The index
    matrix is drawn once from ``numpy.random.default_rng(seed)``, so the same
    seed gives the same replicates. With ``strata`` (one label per engineer),
    engineers are drawn within their stratum, which keeps each stratum's size.
    """
    rng = np.random.default_rng(seed)
    if n == 0:
        return np.zeros((samples, 0))
    if strata is None:
        idx = rng.integers(0, n, size=(samples, n))
    else:
        strata = np.asarray(strata)
        idx = np.empty((samples, n), dtype=np.int64)
        for label in np.unique(strata):
            members = np.flatnonzero(strata == label)
            idx[:, members] = members[rng.integers(0, len(members), size=(samples, len(members)))]
    flat = (idx + (np.arange(samples, dtype=np.int64) * n)[:, None]).ravel()
    return np.bincount(flat, minlength=samples * n).reshape(samples, n).astype(np.float64)


def keyed_weights(keys: Sequence[str], samples: int, seed: int) -> np.ndarray:
    """Bootstrap weights keyed by engineer: a ``(samples, len(keys))`` matrix where each
    engineer's column depends only on their key and ``seed``.

    A Poisson(1) bootstrap: in each replicate every engineer is drawn a Poisson(1) number of
    times, from a generator seeded by ``(seed, stable_id(key))``. An engineer gets the same
    draws whichever other engineers an estimate includes, so a team's measured change has the
    same interval on the team map, under a team filter, in the exports and in the report.
    (The multinomial draw of :func:`bootstrap_weights` depends on the position of each
    engineer in the list, so a subset would be drawn differently.)
    """
    out = np.empty((samples, len(keys)))
    for j, key in enumerate(keys):
        out[:, j] = np.random.default_rng([seed, stable_id(key)]).poisson(1.0, samples)
    return out


def resampled_sums(weights: np.ndarray, aggregates: np.ndarray) -> np.ndarray:
    """Column sums of per-engineer ``aggregates`` (engineers x k) in every replicate."""
    return weights @ aggregates


def percentile_interval(replicates: np.ndarray, level: float) -> tuple[float, float] | None:
    """The central ``level`` percentile interval of the finite replicates.

    None when fewer than half of the replicates are finite (the statistic is
    undefined in most resamples: too little data to say anything).
    """
    finite = replicates[np.isfinite(replicates)]
    if finite.size < max(1, replicates.size // 2):
        return None
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(finite, [tail, 1.0 - tail])
    return float(low), float(high)


def estimate(
    value: float,
    replicates: np.ndarray,
    *,
    engineers: int,
    prs: int,
    level: float,
) -> Estimate:
    """An :class:`Estimate` from a point value and its bootstrap replicates."""
    interval = percentile_interval(replicates, level)
    if interval is None or not np.isfinite(value):
        return Estimate.not_enough(engineers, prs, level, "undefined in most resamples")
    return Estimate(float(value), interval[0], interval[1], level, engineers, prs)


def _codes(frame: pl.DataFrame, column: str) -> tuple[np.ndarray, int]:
    """Dense integer codes 0..k-1 of a column (the clusters), and k."""
    # Sorted: the same data gives the same codes, so a seeded bootstrap repeats exactly.
    keys = frame.select(pl.col(column).unique().sort()).with_row_index("_code")
    codes = frame.select(column).join(keys, on=column, how="left", maintain_order="left")
    return codes["_code"].to_numpy().astype(np.int64), keys.height


def _median_levels(n_clusters: int) -> np.ndarray:
    """Quantile levels of the histogram edges: ``MEDIAN_BINS`` equal-count bins around
    the median, as wide as a resampled median can plausibly stray, plus the two tails."""
    half = min(0.5, 8.0 / np.sqrt(max(n_clusters, 1)))
    inner = np.linspace(0.5 - half, 0.5 + half, MEDIAN_BINS + 1)
    return np.unique(np.concatenate([[0.0], inner, [1.0]]))


def histogram_medians(
    values: np.ndarray, clusters: np.ndarray, n_clusters: int, weights: np.ndarray
) -> np.ndarray:
    """The median of ``values`` in every replicate of a cluster bootstrap.

    Each cluster's values are binned: ``MEDIAN_BINS`` equal-count bins of the
    pooled values around their median (as wide as a resample's median can
    plausibly move; all of the range for few clusters) and one bin for each
    tail. A replicate's histogram is ``weights @ histograms`` and its median is
    interpolated linearly inside the bin that crosses half the weight.
    """
    edges = np.unique(np.quantile(values, _median_levels(n_clusters)))
    if edges.size == 1:
        return np.full(weights.shape[0], edges[0])
    k = edges.size - 1
    b = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, k - 1)
    hist = np.bincount(clusters * k + b, minlength=n_clusters * k).reshape(n_clusters, k)
    counts = weights @ hist.astype(np.float64)
    cum = np.cumsum(counts, axis=1)
    half = cum[:, -1] / 2.0
    j = np.minimum((cum < half[:, None]).sum(axis=1), k - 1)
    rows = np.arange(counts.shape[0])
    before = np.where(j > 0, cum[rows, np.maximum(j - 1, 0)], 0.0)
    inside = counts[rows, j]
    frac = np.divide(half - before, inside, out=np.full_like(half, 0.5), where=inside > 0)
    out = edges[j] + np.clip(frac, 0.0, 1.0) * (edges[j + 1] - edges[j])
    return np.where(cum[:, -1] > 0, out, np.nan)


def compare_medians(
    frame: pl.DataFrame | pl.LazyFrame,
    *,
    value: str,
    group: str = "is_ai",
    cluster: str = "person_key",
    settings: StatisticsSettings | None = None,
    metric: str | None = None,
) -> Comparison:
    """Median of ``value`` for AI (``group`` true) vs no marker, and their ratio with a CI.

    One row per PR. The interval is the ``statistics.confidence_level``
    percentile interval of the ratio over ``statistics.bootstrap_samples``
    replicates that resample ``cluster`` (engineers). "Not enough data" when
    either group has fewer than ``statistics.min_prs`` PRs or fewer than two
    engineers (one engineer cannot be resampled).
    """
    cfg = settings or StatisticsSettings()
    df = frame.lazy().select(cluster, group, value).drop_nulls().collect()
    is_ai = df[group].to_numpy().astype(bool)
    ai_prs, no_prs = int(is_ai.sum()), int((~is_ai).sum())
    clusters, all_eng = _codes(df, cluster)
    ai_eng = int(np.unique(clusters[is_ai]).size)
    no_eng = int(np.unique(clusters[~is_ai]).size)
    name = metric or value
    if min(ai_prs, no_prs) < cfg.min_prs or min(ai_eng, no_eng) < 2:
        ratio = Estimate.not_enough(
            all_eng,
            ai_prs + no_prs,
            cfg.confidence_level,
            f"needs at least {cfg.min_prs} PRs and 2 engineers in each group",
        )
        return Comparison(name, None, None, ratio, ai_prs, no_prs, ai_eng, no_eng)
    values = df[value].to_numpy().astype(np.float64)
    weights = bootstrap_weights(all_eng, cfg.bootstrap_samples, cfg.seed)
    ai_med = float(np.median(values[is_ai]))
    no_med = float(np.median(values[~is_ai]))
    ai_b = histogram_medians(values[is_ai], clusters[is_ai], all_eng, weights)
    no_b = histogram_medians(values[~is_ai], clusters[~is_ai], all_eng, weights)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = ai_b / no_b
        point = ai_med / no_med if no_med > 0 else np.nan
    ratio = estimate(
        point, ratios, engineers=all_eng, prs=ai_prs + no_prs, level=cfg.confidence_level
    )
    return Comparison(name, ai_med, no_med, ratio, ai_prs, no_prs, ai_eng, no_eng)
