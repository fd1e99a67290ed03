"""Git-only organizations: the figures and the measured uplift from `collect git` alone.

Histories are real git repositories written by :mod:`aimetrics.demo.git_history` (40
engineers over a year, staggered adoption, 60% of AI-assisted PRs marked by a
``Co-authored-by: Claude`` trailer, seasonal dips, no seat data), read through the
production path: the git collector, identities, tagging, ``load_facts`` and the
dashboard's figures (``facts.measured`` for the uplift). The truth is read only to
compare. The 50-seed version with its printed figures: ``benchmarks/git_only_selfcheck.py``.

Thresholds on few seeds come from the binomial (computed with ``math.comb``, see
:func:`binom_cdf`), for seeds that are fixed (so the test is deterministic) and a
90% interval that is calibrated:

- coverage with the effect: with n = 8 seeds, the number of intervals containing the
  truth is Binomial(8, 0.9); P(X <= 4) = 0.0050 <= 1% and P(X <= 5) = 0.038 > 1%, so at
  least k = 5 of 8 must cover it;
- no effect: the number of intervals excluding 1 is Binomial(8, 0.1); P(X >= 4) = 0.0050
  <= 1% and P(X >= 3) = 0.038 > 1%, so at most 3 of 8 may exclude it;
- the mean estimate: its 99% t-interval over the seeds (t(0.995, 7) = 3.499) contains the
  injected effect.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from aimetrics.cli import app
from aimetrics.demo.git_history import GitHistorySpec, GitRun, generate_history, measure_history
from aimetrics.figures.adoption import adoption
from aimetrics.figures.cost import roi, roi_parts
from aimetrics.figures.facts import load_facts_for
from aimetrics.figures.measured import measured
from aimetrics.figures.overview import overview
from aimetrics.figures.view import money_of, view_of
from aimetrics.metrics.period import Period
from aimetrics.settings import load_settings
from aimetrics.store import create_store_engine

pytestmark = pytest.mark.slow

N_SEEDS = 8
EFFECT = 1.20
MIN_COVERED = 5  # of 8: P(Binomial(8, 0.9) <= 4) = 0.0050
MAX_EXCLUDING_1 = 3  # of 8: P(Binomial(8, 0.1) >= 4) = 0.0050
T_99 = 3.499  # t(0.995, df = 7)


def binom_cdf(k: int, n: int, p: float) -> float:
    """P(Binomial(n, p) <= k)."""
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k + 1))


def test_thresholds_follow_from_the_binomial() -> None:
    """The thresholds above are the tightest with at most 1% false alarms."""
    assert binom_cdf(MIN_COVERED - 1, N_SEEDS, 0.9) <= 0.01 < binom_cdf(MIN_COVERED, N_SEEDS, 0.9)
    excl = 1 - binom_cdf(MAX_EXCLUDING_1, N_SEEDS, 0.1)  # P(X >= MAX + 1)
    assert excl <= 0.01 < 1 - binom_cdf(MAX_EXCLUDING_1 - 1, N_SEEDS, 0.1)


def _runs(tmp: Path, effect: float) -> list[GitRun]:
    runs = []
    for seed in range(N_SEEDS):
        folder = tmp / f"s{seed}"
        history = generate_history(folder / "service", GitHistorySpec(seed=seed, effect=effect))
        runs.append(measure_history(history, f"sqlite:///{folder / 'store.db'}"))
    return runs


@pytest.fixture(scope="module")
def with_effect(tmp_path_factory: pytest.TempPathFactory) -> list[GitRun]:
    return _runs(tmp_path_factory.mktemp("effect"), EFFECT)


@pytest.fixture(scope="module")
def without_effect(tmp_path_factory: pytest.TempPathFactory) -> list[GitRun]:
    return _runs(tmp_path_factory.mktemp("none"), 1.0)


def _table(runs: list[GitRun]) -> str:
    rows = [
        (r.history.spec.seed, r.uplift.estimate.value, r.uplift.estimate.low,
         r.uplift.estimate.high, r.true_uplift.estimate.value)
        for r in runs
    ]  # fmt: skip
    return str(
        pl.DataFrame(rows, schema=["seed", "est", "low", "high", "true_dated"], orient="row")
    )


def test_every_git_only_history_gives_an_estimate(with_effect: list[GitRun]) -> None:
    for run in with_effect:
        u = run.uplift
        assert u.estimate.ok, (run.history.spec.seed, u.estimate.note)
        # No seats: every adopter is dated by a marked PR, and most adopters are found.
        assert u.basis["seat"] == 0 and u.basis["first AI change"] == u.treated_engineers
        adopters = len(run.history.adopted_on)
        assert run.lags["adopted_on"].is_not_null().sum() >= 0.9 * adopters
        assert (run.lags.drop_nulls("lag_days")["lag_days"] >= 0).all()  # never before


def test_interval_covers_the_injected_effect(with_effect: list[GitRun]) -> None:
    covered = sum(r.uplift.estimate.low <= EFFECT <= r.uplift.estimate.high for r in with_effect)  # type: ignore[operator]
    assert covered >= MIN_COVERED, _table(with_effect)
    values = [r.uplift.estimate.value for r in with_effect]
    se = statistics.stdev(values) / math.sqrt(len(values))  # type: ignore[arg-type]
    assert abs(statistics.mean(values) - EFFECT) <= T_99 * se, _table(with_effect)  # type: ignore[arg-type]


def test_without_an_effect_the_interval_rarely_excludes_no_change(
    without_effect: list[GitRun],
) -> None:
    excluding = sum(r.uplift.estimate.excludes(1.0) for r in without_effect)
    assert excluding <= MAX_EXCLUDING_1, _table(without_effect)
    values = [r.uplift.estimate.value for r in without_effect]
    se = statistics.stdev(values) / math.sqrt(len(values))  # type: ignore[arg-type]
    assert abs(statistics.mean(values) - 1.0) <= T_99 * se, _table(without_effect)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def git_only_url(tmp_path_factory: pytest.TempPathFactory) -> tuple[GitHistorySpec, str]:
    """A store filled by the CLI from one history: `collect git` (which tags and resolves
    identities) and a cost import, nothing else."""
    tmp = tmp_path_factory.mktemp("git-only")
    spec = GitHistorySpec(seed=101, effect=EFFECT)
    history = generate_history(tmp / "service", spec)
    url = f"sqlite:///{tmp / 'store.db'}"
    costs = tmp / "costs.csv"
    months = pl.date_range(spec.end - dt.timedelta(days=364), spec.end, "1mo", eager=True)
    costs.write_text(
        "date,tool,amount,currency\n"
        + "".join(f"{d.replace(day=1)},claude-code,2000,USD\n" for d in months)
    )
    runner = CliRunner()
    res = runner.invoke(app, ["collect", "git", str(history.path), "--db", url])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["import", "costs", str(costs), "--source", "generic", "--db", url])
    assert res.exit_code == 0, res.output
    return spec, url


def test_collect_git_alone_gives_every_figure(git_only_url: tuple[GitHistorySpec, str]) -> None:
    """Adoption, throughput per engineer, cycle time, the measured uplift and both ROI
    methods have data in a store `collect git` alone filled (and a cost import)."""
    spec, url = git_only_url
    settings = load_settings(None)
    engine = create_store_engine(url)
    facts = load_facts_for(engine, settings)
    engine.dispose()
    period = Period(spec.end - dt.timedelta(days=89), spec.end)
    v = view_of(settings, period)
    # Every recovered PR of an engineer has its author, the merger's name nowhere.
    prs = facts.prs
    humans = prs.filter(pl.col("author_email").str.contains("@acme.example"))
    assert humans["engineer_key"].null_count() == 0
    assert humans["engineer_key"].n_unique() == spec.engineers
    # Merge commits have a cycle time, squash merges none.
    merges = humans.filter(pl.col("head_ref").is_not_null())
    assert merges["cycle"].null_count() == 0 and (merges["cycle"] > 0).all()
    assert humans.filter(pl.col("head_ref").is_null())["cycle"].null_count() > 0

    adopt = adoption(facts, v, "repository").headline.row(0, named=True)
    assert adopt["active_contributors"] == spec.engineers
    assert 0 < adopt["marked_contributors"] <= adopt["ai_users"] < spec.engineers
    kpis = overview(facts, v).uncertainty
    assert kpis.throughput.ok and kpis.throughput.value > 0  # merged PRs per engineer-week
    m = measured(facts, v)
    assert m.uplift.estimate.ok, m.uplift.estimate.note
    assert m.uplift.estimate.low < m.uplift.estimate.high
    parts = roi_parts(facts, v, money_of(settings), period, m.adoption)
    assert parts.spend == pytest.approx(3 * 2000, rel=0.4)
    both = roi(parts, m.uplift, settings.roi)
    assert both is not None
    for figures in (both.measured, both.assumed):
        assert figures.hours.ok and figures.hours.value > 0, figures.method
        assert figures.roi.ok, figures.method


def test_dashboard_shows_git_only_figures(
    git_only_url: tuple[GitHistorySpec, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The pages on that store: the Overview shows the measured uplift (not "not enough
    data"), the Delivery page counts the git PRs and those with a cycle time."""
    from streamlit.testing.v1 import AppTest

    from aimetrics.metrics.delivery import timeline_coverage

    _, url = git_only_url
    monkeypatch.delenv("AIMETRICS_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AIMETRICS_DB", url)
    engine = create_store_engine(url)
    settings = load_settings(None)
    facts = load_facts_for(engine, settings)
    engine.dispose()
    period = Period.ending_at(facts.prs["merged_at"].max(), "UTC")  # the app's default
    uplift = measured(facts, view_of(settings, period)).uplift.percent
    app_py = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")

    at = AppTest.from_file(app_py, default_timeout=120)
    at.switch_page("app_pages/overview.py")
    at.run()
    assert not at.exception, at.exception
    shown = {m.label: m.value for m in at.metric}
    assert shown["Measured uplift"] == f"{uplift.value:+.0f}%"

    at.switch_page("app_pages/delivery.py")
    at.run()
    assert not at.exception, at.exception
    cover = (
        timeline_coverage(facts.prs.lazy().with_columns(pl.lit("org").alias("group")), period)
        .collect()
        .row(0, named=True)
    )
    note = "\n".join(str(i.value) for i in at.info)
    assert f"{cover['git_only']:,} of {cover['merged_prs']:,} merged PRs" in note
    assert f"{cover['git_cycle']:,} of them (merge commits)" in note
    assert 0 < cover["git_cycle"] < cover["git_only"] == cover["merged_prs"]
