"""The Adoption, Delivery, Quality and Data pages through Streamlit's AppTest, on the demo store.

The store is built once for the module the way ``aimetrics demo`` builds it
(load, resolve identities, tag). Each figure on a page must equal the metric
functions' result for the same filters, each CSV download must hold exactly the
table shown, and privacy suppression must be visible.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from streamlit.runtime import memory_media_file_storage as media
from streamlit.testing.v1 import AppTest

from aimetrics.demo import load
from aimetrics.metrics.adoption import (
    AI_GROUP,
    NO_MARKER,
    Selection,
    agent_outcomes,
    commit_shares,
    contributor_adoption,
    pr_shares,
    select,
    with_group,
)
from aimetrics.metrics.delivery import cycle_time_summary, throughput_by_group
from aimetrics.metrics.period import Period
from aimetrics.metrics.privacy import apply_visibility, group_visibility
from aimetrics.metrics.quality import quality_summary
from aimetrics.settings import load_settings
from aimetrics.store import create_store_engine, upgrade
from aimetrics.tagging import build_ruleset, tag_store
from aimetrics.tagging.identities import resolve_identities
from dashboard import components
from dashboard.data import Facts, load_facts

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
TIMEOUT = 120
DEMO_END = dt.date(2025, 6, 30)
PAGES = {
    "adoption": "app_pages/adoption.py",
    "delivery": "app_pages/delivery.py",
    "quality": "app_pages/quality.py",
    "data": "app_pages/data.py",
}
K = 5  # privacy.min_group_size by default


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo organization, as `aimetrics demo` builds it: load, resolve identities, tag."""
    url = f"sqlite:///{tmp_path_factory.mktemp('pages') / 'store.db'}"
    engine = create_store_engine(url)
    upgrade(engine)
    load(engine, seed=42, end_date=DEMO_END, scale=0.25)
    engine.dispose()
    rules = build_ruleset()
    resolve_identities(engine, rules, load_settings(None))
    engine.dispose()
    tag_store(engine, rules)
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def facts(demo_url: str) -> Facts:
    """The frames the pages start from, read with the app's default settings."""
    rules = build_ruleset()
    engine = create_store_engine(demo_url)
    try:
        return load_facts(
            engine,
            min_confidence="medium",
            bots=(*rules.non_ai_bots.logins, *rules.non_ai_bots.emails),
        )
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def period(facts: Facts) -> Period:
    """The default period: the 90 days up to the latest merged PR."""
    return Period.ending_at(facts.prs["merged_at"].max(), "UTC")  # type: ignore[arg-type]


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """Every file a download button hands to Streamlit in this test, by file name."""
    files: dict[str, bytes] = {}
    original = media.MemoryMediaFileStorage.load_and_get_id

    def spy(self, path_or_data, mimetype, kind, filename=None):  # type: ignore[no-untyped-def]
        if filename:
            files[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(media.MemoryMediaFileStorage, "load_and_get_id", spy)
    return files


@pytest.fixture
def open_page(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, demo_url: str):  # type: ignore[no-untyped-def]
    """Run one page of the app on the demo store: ``open_page("adoption", team=["Payments"])``."""
    monkeypatch.delenv("AIMETRICS_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AIMETRICS_DB", demo_url)

    def run(page: str, config: str | None = None, **params: list[str]) -> AppTest:
        if config is not None:
            path = tmp_path / "aimetrics.yaml"
            path.write_text(config)
            monkeypatch.setenv("AIMETRICS_CONFIG", str(path))
        at = AppTest.from_file(APP, default_timeout=TIMEOUT)
        for key, values in params.items():
            at.query_params[key] = values
        at.switch_page(PAGES[page])
        at.run()
        assert not at.exception, at.exception
        assert not at.error, [e.value for e in at.error]
        return at

    return run


def texts(elements) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(str(e.value) for e in elements)


def rows(facts_frame: pl.DataFrame, by: str, at: str, selection: Selection) -> pl.LazyFrame:
    return with_group(select(facts_frame.lazy(), selection), by, at, teams=selection.teams)


def only(frame: pl.DataFrame, **where: object) -> dict[str, object]:
    for column, value in where.items():
        frame = frame.filter(pl.col(column) == value)
    return frame.row(0, named=True) if frame.height else {}


def metric_values(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


# --- every page ---------------------------------------------------------------------------


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_renders_with_tables_and_their_csv(
    open_page, downloads: dict[str, bytes], page: str
) -> None:  # type: ignore[no-untyped-def]
    at = open_page(page)
    assert at.title[0].value == page.title()
    buttons = at.get("download_button")
    assert len(buttons) == len(at.dataframe) > 0  # every table has its download
    for table, button in zip(at.dataframe, buttons, strict=True):
        name = button.proto.label
        assert name.startswith("Download CSV")
        shown = pl.from_pandas(table.value)
        assert f"({shown.height:,} rows)" in name
    assert len(downloads) == len(buttons)
    for chart in at.get("plotly_chart"):  # every chart states its question
        import json

        assert json.loads(chart.proto.spec)["layout"]["title"]["text"].endswith(("?", "p90)"))


@pytest.mark.parametrize("page", list(PAGES))
def test_period_without_data_is_a_message(open_page, page: str) -> None:  # type: ignore[no-untyped-def]
    at = open_page(page, period=["2001-01-01", "2001-01-31"])
    assert at.info, "an empty selection says so"
    assert not at.get("plotly_chart")


# --- figures equal the metric functions -----------------------------------------------------


def adoption_expected(facts: Facts, period: Period, selection: Selection) -> list[str]:
    activity = rows(facts.activity, "org", "at", selection)
    prs = rows(facts.prs, "org", "merged_at", selection)
    adoption = contributor_adoption(activity, period).collect()
    shares = pr_shares(prs, period).collect()
    commits = commit_shares(rows(facts.commits, "org", "at", selection), period).collect()
    agents = agent_outcomes(prs, period).collect()
    fmt = components.format_share
    return [
        fmt(adoption["adoption_rate"][0]),
        fmt(shares["ai_share"][0]),
        fmt(commits["ai_commit_share"][0]),
        fmt(shares["ai_line_share"][0]),
        fmt(shares["ai_reviewed_share"][0]),
        fmt(only(agents, author="agent").get("merge_rate")),  # type: ignore[arg-type]
    ]


def test_adoption_figures_equal_the_metrics(open_page, facts: Facts, period: Period) -> None:  # type: ignore[no-untyped-def]
    at = open_page("adoption")
    expected = adoption_expected(facts, period, Selection())
    assert [m.value for m in at.metric] == expected
    assert expected[0] != components.MISSING and expected[1] != "0.0%"


def test_filters_change_the_figures(open_page, facts: Facts, period: Period) -> None:  # type: ignore[no-untyped-def]
    everyone = [m.value for m in open_page("adoption").metric]
    at = open_page("adoption", team=["Payments"])
    assert at.sidebar.multiselect[0].value == ["payments"]
    payments = adoption_expected(facts, period, Selection(teams=("payments",)))
    assert [m.value for m in at.metric] == payments
    assert payments != everyone

    repo = facts.repositories[0]
    at = open_page("delivery", repo=[repo])
    sel = Selection(repositories=(repo,))
    throughput = throughput_by_group(
        rows(facts.prs, "org", "merged_at", sel), rows(facts.activity, "org", "at", sel), period
    ).collect()
    assert metric_values(at)["PRs per engineer-week"] == components.format_rate(
        throughput["throughput"][0]
    )
    table = pl.from_pandas(at.dataframe[-1].value)  # the merged PRs listed
    assert set(table["Repository"].to_list()) == {repo}


def test_delivery_figures_equal_the_metrics(open_page, facts: Facts, period: Period) -> None:  # type: ignore[no-untyped-def]
    at = open_page("delivery")
    sel = Selection()
    throughput = throughput_by_group(
        rows(facts.prs, "org", "merged_at", sel), rows(facts.activity, "org", "at", sel), period
    ).collect()
    stages = cycle_time_summary(rows(facts.prs, "org", "merged_at", sel), period).collect()
    values = metric_values(at)
    assert values["PRs per engineer-week"] == components.format_rate(throughput["throughput"][0])
    for comparison in (AI_GROUP, NO_MARKER):
        cycle = only(stages, comparison=comparison, stage="cycle")
        assert cycle["people"] >= K  # type: ignore[operator]  # not hidden by privacy
        label = f"Median cycle time, {comparison}"
        assert values[label] == components.format_hours(cycle["median"])  # type: ignore[arg-type]
    # The merged PRs behind the figures, each linked to GitHub.
    prs = pl.from_pandas(at.dataframe[-1].value)
    assert prs.height == throughput["merged_prs"][0]
    assert prs["Link"].str.contains(r"^https://github\.com/acme-demo/[\w.-]+/pull/\d+$").all()


def test_quality_figures_equal_the_metrics(open_page, facts: Facts, period: Period) -> None:  # type: ignore[no-untyped-def]
    at = open_page("quality")
    merged = rows(facts.prs, "org", "merged_at", Selection()).filter(
        pl.col("counted") & period.contains("merged_at")
    )
    summary = quality_summary(merged, period).collect()
    ai = only(summary, comparison=AI_GROUP)
    values = metric_values(at)
    assert values["Revert rate, AI-assisted"] == components.format_share(ai["revert_rate"])  # type: ignore[arg-type]
    assert values["No human review, AI-assisted"] == components.format_share(
        ai["unreviewed_share"]  # type: ignore[arg-type]
    )
    table = pl.from_pandas(at.dataframe[0].value)
    expected = components.display(summary)
    assert_frame_equal(table, expected, check_dtypes=False)


def test_data_page_lists_freshness_coverage_tags(open_page, facts: Facts, period: Period) -> None:  # type: ignore[no-untyped-def]
    at = open_page("data")
    freshness = pl.from_pandas(at.dataframe[0].value)
    assert freshness["Source"].to_list() == ["demo"]
    tags = facts.tags.filter(period.contains("at"))
    shown = [pl.from_pandas(t.value) for t in at.dataframe]
    explain = next(t for t in shown if "Matched text" in t.columns)
    assert explain.height == tags.height > 0
    assert set(explain["Rule"].to_list()) == set(tags["rule"].to_list())
    assert "commit e-mail address(es) belong to no known person" in texts(at.markdown)


# --- CSV downloads --------------------------------------------------------------------------


def test_csv_download_is_exactly_the_table(
    open_page, downloads: dict[str, bytes], facts: Facts, period: Period
) -> None:  # type: ignore[no-untyped-def]
    at = open_page("adoption")
    by_team = next(
        pl.from_pandas(t.value) for t in at.dataframe if "Team" in pl.from_pandas(t.value).columns
    )
    csv = pl.read_csv(io.BytesIO(downloads["adoption-by-team.csv"]))
    assert_frame_equal(csv, by_team, check_dtypes=False)
    # ... and its numbers are the metrics', with the privacy module's fold: "(no team)" (agents'
    # PRs) has nobody active in it, so it is not shown as a group of its own.
    active = rows(facts.activity, "team", "at", Selection()).filter(period.contains("at"))
    visibility = group_visibility(active, ["group"], K)
    by_team_prs = apply_visibility(
        rows(facts.prs, "team", "merged_at", Selection()), visibility, ["group"]
    )
    shares = pr_shares(by_team_prs, period).collect()
    assert "(no team)" not in shares["group"].to_list()
    expected = shares.select(
        pl.col("group").alias("Team"),
        pl.col("merged_prs").alias("Merged PRs"),
        (pl.col("ai_share") * 100).round(1).alias("AI-assisted share (%)"),
    )
    assert_frame_equal(
        csv.select(expected.columns).sort("Team"), expected.sort("Team"), check_dtypes=False
    )


# --- privacy --------------------------------------------------------------------------------

STRICT = "privacy:\n  min_group_size: 7\n"


def test_small_teams_are_folded_with_a_visible_note(open_page, downloads: dict[str, bytes]) -> None:  # type: ignore[no-untyped-def]
    at = open_page("adoption", config=STRICT)
    captions = texts(at.caption)
    assert "Privacy:" in captions and components.OTHER_GROUPS in captions
    by_team = pl.read_csv(io.BytesIO(downloads["adoption-by-team.csv"]))
    assert components.OTHER_GROUPS in by_team["Team"].to_list()
    assert "identity" not in by_team["Team"].to_list()  # 6 active people < 7


def test_small_selection_shows_no_figure(open_page) -> None:  # type: ignore[no-untyped-def]
    at = open_page("delivery", config=STRICT, team=["Identity"])
    assert "fewer than the privacy threshold" in texts(at.warning)
    assert not at.metric and not at.dataframe


def test_small_ai_cells_are_hidden_in_comparisons(open_page) -> None:  # type: ignore[no-untyped-def]
    at = open_page("quality")  # a team's AI-assisted PRs come from fewer than 5 people
    assert "Hidden, fewer than 5 people" in texts(at.caption)
    by_team = next(
        pl.from_pandas(t.value) for t in at.dataframe if "Team" in pl.from_pandas(t.value).columns
    )
    people = by_team.filter(pl.col("Engineers") > 0)["Engineers"]
    assert people.min() >= K  # type: ignore[operator]


@pytest.fixture(autouse=True)
def _no_config_leak(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("AIMETRICS_CONFIG", raising=False)
    yield
