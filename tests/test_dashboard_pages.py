"""Every page but the store states through Streamlit's AppTest, on the demo store.

The store is built once for the module the way ``aimetrics demo`` builds it
(load, resolve identities, tag). Each figure on a page must equal the metric
functions' result for the same filters, each CSV download must hold exactly the
table shown, and privacy suppression must be visible.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl
import pytest
import yaml
from polars.testing import assert_frame_equal
from streamlit.runtime import memory_media_file_storage as media
from streamlit.testing.v1 import AppTest

from aimetrics import format as fmt
from aimetrics.figures.facts import Facts, load_facts
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
from aimetrics.metrics.copilot_usage import (
    daily_usage,
    usage_figures,
    usage_records,
    weekly_usage,
)
from aimetrics.metrics.cost.basis import month_span, run_rate
from aimetrics.metrics.cost.seats import (
    combined_seat_plans,
    config_seat_plans,
    idle_seat_cost,
    idle_seats,
)
from aimetrics.metrics.delivery import cycle_time_summary, throughput_by_group
from aimetrics.metrics.evidence import ai_user_weeks, ai_users, tool_weights
from aimetrics.metrics.like_for_like import dose_response_of, engineer_cycle_hours, within_engineer
from aimetrics.metrics.overview import (
    CostInputs,
    kpi_uncertainty,
    overview_figures,
    select_work,
    selected_spend,
)
from aimetrics.metrics.period import Period
from aimetrics.metrics.privacy import apply_visibility, group_visibility
from aimetrics.metrics.quality import quality_summary
from aimetrics.metrics.roi import (
    assumed_roi,
    capacity_engineer_equivalents,
    measured_roi,
    post_adoption_prs,
    value_per_spend,
)
from aimetrics.metrics.stats import compare_medians
from aimetrics.metrics.team_map import group_uplift, spend_by_team, team_map
from aimetrics.metrics.uplift import (
    ADOPTION_BASES,
    adoption_dates,
    throughput_uplift,
    weekly_panel,
)
from aimetrics.settings import RoiSettings, Settings
from aimetrics.store import create_store_engine, read_table
from aimetrics.store import schema as s
from aimetrics.tagging import build_ruleset
from dashboard import components, kpis, navigation, tables
from dashboard.kpis import NOT_ENOUGH

from samples import build_demo_store, evidence_users

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
TIMEOUT = 120
DEMO_END = dt.date(2025, 6, 30)
PAGES = {e.key: e.file for e in navigation.PAGES}
TITLES = {e.key: e.title for e in navigation.PAGES}
K = 5  # privacy.min_group_size by default


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo organization, as `aimetrics demo` builds it: load, resolve identities, tag."""
    url = f"sqlite:///{tmp_path_factory.mktemp('pages') / 'store.db'}"
    return build_demo_store(url, scale=0.25, end_date=DEMO_END, demo_config=False)


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


def download(downloads: dict[str, bytes], table: str) -> bytes:
    """The one CSV of ``table`` downloaded in this test, whatever period and filters its file
    name carries (``aimetrics-TABLE_FROM_TO[_FILTERS].csv``)."""
    found = [data for name, data in downloads.items() if name.startswith(f"aimetrics-{table}_")]
    assert len(found) == 1, (table, sorted(downloads))
    return found[0]


@pytest.fixture
def open_page(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, demo_url: str, request: pytest.FixtureRequest
):  # type: ignore[no-untyped-def]
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
        if Path(PAGES[page]).stem != page:
            # A page with its own url_path (data_page.py at /data): AppTest knows it by its
            # file only once st.navigation has registered it, after a first run (whose
            # downloads are the default page's, not this one's).
            at.run()
            if "downloads" in request.fixturenames:
                request.getfixturevalue("downloads").clear()
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


def as_numbers(grid: pl.DataFrame, csv: pl.DataFrame) -> pl.DataFrame:
    """``grid`` with each column the grid shows as text but the CSV holds as numbers read
    back: "—" and "not enough data" as empty, "$1,234.50" as 1234.5."""

    def number(text: str) -> float | None:
        if text in (fmt.MISSING, fmt.NOT_ENOUGH_DATA):
            return None
        return float(re.sub(r"[^\d.\-−]", "", text).replace("−", "-"))

    return grid.with_columns(
        pl.Series(c, [number(t) for t in grid[c]], pl.Float64)
        for c in grid.columns
        if grid[c].dtype == pl.String and csv[c].dtype.is_numeric()
    )


def metric_values(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


# --- every page ---------------------------------------------------------------------------


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_renders_with_tables_and_their_csv(
    open_page, downloads: dict[str, bytes], page: str
) -> None:  # type: ignore[no-untyped-def]
    at = open_page(page)
    assert at.title[0].value == TITLES[page]
    buttons = [b for b in at.get("download_button") if b.proto.label.startswith("Download CSV")]
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


ADOPTION_SHARES = (
    "adoption_rate", "ai_share", "ai_commit_share", "marked_pr_line_share", "ai_reviewed_share",
    "agent_share", "agent_merge_rate",
)  # fmt: skip


def adoption_row(facts: Facts, period: Period, selection: Selection) -> dict[str, object]:
    """The Adoption page's headline figures of ``period``, from the metric functions."""
    activity = rows(facts.activity, "org", "at", selection)
    prs = rows(facts.prs, "org", "merged_at", selection)
    adoption = contributor_adoption(
        activity, period, evidence_users(facts, selection, period)
    ).collect()
    shares = pr_shares(prs, period).collect()
    commits = commit_shares(rows(facts.commits, "org", "at", selection), period).collect()
    agents = only(agent_outcomes(prs, period).collect(), author="agent")
    return {
        **adoption.row(0, named=True),
        **shares.row(0, named=True),
        **commits.row(0, named=True),
        "agent_merge_rate": agents.get("merge_rate"),
        "agent_decided": int(agents.get("merged") or 0) + int(agents.get("closed_unmerged") or 0),  # type: ignore[call-overload]
    }


def adoption_expected(facts: Facts, period: Period, selection: Selection) -> list[str]:
    row = adoption_row(facts, period, selection)
    return [fmt.format_share(row[c]) for c in ADOPTION_SHARES]  # type: ignore[arg-type]


WITHOUT_MARKERS = "Without markers"  # a count beside the AI users, not a share


def shares_shown(at: AppTest) -> list:  # type: ignore[type-arg]
    """The Adoption page's headline share metrics (the KPIs before the idle seats)."""
    return [m for m in at.metric if m.label != WITHOUT_MARKERS][: len(ADOPTION_SHARES)]


def headline(at: AppTest) -> list[str]:
    """The Adoption page's headline shares, as shown."""
    return [m.value for m in shares_shown(at)]


def test_adoption_shows_ai_users_and_use_without_markers(
    open_page, facts: Facts, period: Period
) -> None:  # type: ignore[no-untyped-def]
    """One AI-user definition: the evidence's AI users of the active engineers, and beside
    it those whose work carries no marker."""
    at = open_page("adoption")
    row = adoption_row(facts, period, Selection())
    users = next(m for m in at.metric if m.label == "AI users")
    assert users.value == fmt.format_share(row["ai_users"] / row["active_contributors"])  # type: ignore[operator]
    assert (
        f"n: {row['ai_users']:,} of {row['active_contributors']:,} active engineers"
        in texts(at.caption).splitlines()
    )
    assert row["ai_users"] >= row["marked_contributors"] > 0  # type: ignore[operator]
    without = next(m for m in at.metric if m.label == WITHOUT_MARKERS)
    assert without.value == f"{row['ai_users_without_markers']:,}"
    assert "Copilot completions and chat leave no marker" in without.help
    # The by-team table has both columns.
    table = next(d.value for d in at.dataframe if "AI users without markers" in d.value.columns)
    assert "AI users" in table.columns


def test_adoption_figures_equal_the_metrics(open_page, facts: Facts, period: Period) -> None:  # type: ignore[no-untyped-def]
    at = open_page("adoption")
    expected = adoption_expected(facts, period, Selection())
    assert headline(at) == expected
    assert expected[0] != fmt.MISSING and expected[1] != "0.0%"


def test_adoption_changes_equal_the_metrics_on_both_periods(
    open_page, facts: Facts, period: Period
) -> None:  # type: ignore[no-untyped-def]
    """Each headline figure's delta is the same metric on the previous period of equal
    length (the Overview's), in percentage points; too small a sample says so."""
    at = open_page("adoption")
    now = adoption_row(facts, period, Selection())
    before = adoption_row(facts, period.previous(), Selection())
    minimum = {"adoption_rate": ("active_contributors", SETTINGS.statistics.min_engineers),
               "ai_commit_share": ("commits", SETTINGS.statistics.min_prs),
               "agent_merge_rate": ("agent_decided", SETTINGS.statistics.min_prs)}  # fmt: skip
    shown = {m.label: m for m in at.metric}
    labels = [m.label for m in shares_shown(at)]
    checked = 0
    for label, column in zip(labels, ADOPTION_SHARES, strict=True):
        sample, least = minimum.get(column, ("merged_prs", SETTINGS.statistics.min_prs))
        enough = min(int(now[sample] or 0), int(before[sample] or 0)) >= least  # type: ignore[call-overload]
        delta = shown[label].proto.delta
        if enough and now[column] is not None and before[column] is not None:
            assert delta == fmt.delta_points(now[column], before[column]), label  # type: ignore[arg-type]
            assert shown[label].proto.delta_description == components.PREVIOUS
            checked += 1
        else:
            assert delta == NOT_ENOUGH, label
    assert checked >= 5

    # Idle seats' monthly cost: on the period's last day vs on the previous period's.
    def idle_cost(p: Period) -> float:
        held = idle_seats(
            facts.seats.lazy(), all_merged(facts), p.last_day, facts.directory.lazy(),
            evidence=facts.evidence.lazy(),
        )  # fmt: skip
        return (
            idle_seat_cost(held, facts.seat_plans.lazy(), p.last_day)
            .collect()["monthly_cost"]
            .sum()
        )

    idle = shown["Idle seat cost"]
    assert idle.value == fmt.format_money(idle_cost(period), USD)
    assert idle.proto.delta == fmt.delta_money(idle_cost(period), idle_cost(period.previous()), USD)


def test_filters_change_the_figures(open_page, facts: Facts, period: Period) -> None:  # type: ignore[no-untyped-def]
    everyone = headline(open_page("adoption"))
    at = open_page("adoption", team=["Payments"])
    assert at.sidebar.multiselect[0].value == ["payments"]
    payments = adoption_expected(facts, period, Selection(teams=("payments",)))
    assert headline(at) == payments
    assert payments != everyone

    repo = facts.repositories[0]
    at = open_page("delivery", repo=[repo])
    sel = Selection(repositories=(repo,))
    throughput = throughput_by_group(
        rows(facts.prs, "org", "merged_at", sel), rows(facts.activity, "org", "at", sel), period
    ).collect()
    assert metric_values(at)["PRs per engineer-week"] == fmt.format_rate(
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
    assert values["PRs per engineer-week"] == fmt.format_rate(throughput["throughput"][0])
    for comparison in (AI_GROUP, NO_MARKER):
        cycle = only(stages, comparison=comparison, stage="cycle")
        assert cycle["people"] >= K  # type: ignore[operator]  # not hidden by privacy
        label = f"Median cycle time, {comparison}"
        assert values[label] == fmt.format_hours(cycle["median"])  # type: ignore[arg-type]
    # The merged PRs behind the figures, each linked to GitHub.
    prs = pl.from_pandas(at.dataframe[-1].value)
    assert prs.height == throughput["merged_prs"][0]
    assert prs["Link"].str.contains(r"^https://github\.com/acme-demo/[\w.-]+/pull/\d+$").all()


WITHIN_SHORT = "statistics:\n  min_prs: 5\n  min_engineers: 40\nprivacy:\n  min_group_size: 2\n"
WITHIN_SHORT_SETTINGS = Settings.model_validate(
    {"statistics": {"min_prs": 5, "min_engineers": 40}, "privacy": {"min_group_size": 2}}
)


def test_delivery_cycle_time_in_both_designs(open_page, facts: Facts, period: Period) -> None:  # type: ignore[no-untyped-def]
    """Cycle time AI ÷ no marker in both designs: within engineer, the headline (engineers
    with 3+ PRs of each kind), and pooled, shown as descriptive. Over a year of the
    quarter-size demo, with the within-engineer design asking for more engineers than the demo
    has with both kinds of PR, the pooled ratio is measured and the within-engineer one says why
    it is not: not enough data beats noise. (The demo's line evidence adds AI-assisted PRs, so
    the default rules alone no longer leave the within design short.)"""
    year = Period(period.end - dt.timedelta(days=364), period.end, "UTC")
    at = open_page("delivery", config=WITHIN_SHORT, period=[str(year.start), str(year.end)])
    values = metric_values(at)
    timed = (
        compared_rows(facts, year)
        .filter(pl.col("timeline") | pl.col("cycle").is_not_null())
        .with_columns((pl.col("comparison") == AI_GROUP).alias("is_ai"))
        .collect()
    )
    stats = WITHIN_SHORT_SETTINGS.statistics
    within = within_engineer(engineer_cycle_hours(timed.lazy()), "cycle_hours", "cycle", stats)
    pooled = compare_medians(
        timed.with_columns(pl.col("author_key").fill_null("(deleted account)")),
        value="cycle",
        cluster="author_key",
        settings=stats,
    )
    assert pooled.ratio.ok and not within.ratio.ok
    assert values["Cycle time, AI ÷ no marker, same engineers"] == NOT_ENOUGH
    assert values["Cycle time ratio, pooled, unadjusted (descriptive)"] == (
        f"{pooled.ratio.value:.2f}×"
    )
    captions = " ".join(c.value for c in at.caption)
    assert f"n: {within.ratio.note}" in captions  # "needs at least 3 engineers ... (has 2)"
    assert f"(has {within.ai_engineers})" in within.ratio.note
    assert "descriptive only" in captions and "team mix" in captions


def test_quality_figures_equal_the_metrics(open_page, facts: Facts, period: Period) -> None:  # type: ignore[no-untyped-def]
    at = open_page("quality")
    merged = rows(facts.prs, "org", "merged_at", Selection()).filter(
        pl.col("counted") & period.contains("merged_at")
    )
    summary = quality_summary(merged, period).collect()
    ai = only(summary, comparison=AI_GROUP)
    values = metric_values(at)
    assert values["Revert rate, AI-assisted"] == fmt.format_share(ai["revert_rate"])  # type: ignore[arg-type]
    assert values["No human review, AI-assisted"] == fmt.format_share(
        ai["unreviewed_share"]  # type: ignore[arg-type]
    )
    table = pl.from_pandas(at.dataframe[0].value)
    expected = tables.display(summary)
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
    csv = pl.read_csv(io.BytesIO(download(downloads, "adoption-by-team")))
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


def test_download_names_carry_the_period_and_the_filters(
    open_page, downloads: dict[str, bytes]
) -> None:  # type: ignore[no-untyped-def]
    """A CSV downloaded under a period and a team filter says both in its file name, so two
    downloads of one table (another quarter, another team) never look alike."""
    at = open_page("adoption", period=["2025-04-01", "2025-06-30"], team=["Payments"])
    assert not at.warning  # the team is large enough to be shown
    names = sorted(downloads)
    assert "aimetrics-adoption-by-team_2025-04-01_2025-06-30_team-payments.csv" in names, names
    for name in names:  # every table of the page, each named after itself
        assert re.fullmatch(r"aimetrics-[a-z0-9-]+_2025-04-01_2025-06-30_team-payments\.csv", name)
    csv_buttons = [b for b in at.get("download_button") if b.proto.label.startswith("Download CSV")]
    assert len(names) == len(csv_buttons) > 1


# --- privacy --------------------------------------------------------------------------------

STRICT = "privacy:\n  min_group_size: 7\n"


def test_small_teams_are_folded_with_a_visible_note(open_page, downloads: dict[str, bytes]) -> None:  # type: ignore[no-untyped-def]
    at = open_page("adoption", config=STRICT)
    captions = texts(at.caption)
    assert "Privacy:" in captions and components.OTHER_GROUPS in captions
    by_team = pl.read_csv(io.BytesIO(download(downloads, "adoption-by-team")))
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


# --- the Overview and Cost & ROI: spend against value ------------------------------------

SETTINGS = Settings()  # the app runs with the defaults here (no configuration file)
USD = SETTINGS.reporting.currency
# The demo store here is small (a quarter of the organization): measure with fewer engineers.
SMALL_SAMPLE = "statistics:\n  min_engineers: 3\n"
MEASURABLE = Settings.model_validate({"statistics": {"min_engineers": 3}})
OVERVIEW_LABELS = [
    "Capacity gained",
    "Value vs AI spend",
    "AI spend in period",
    "Assumed value",
    "Cost per PR",
    "AI-assisted PR share",
    "PRs per engineer-week",
    "Measured uplift",
    "Cycle time, AI ÷ no marker",
]
TEAM_MAP_TITLE = "Which teams get value for their AI spend"


# --- the figures, computed with the metric functions ------------------------------------


def costs(f: Facts) -> CostInputs:
    return CostInputs(
        f.seat_plans.lazy(),
        f.cost_records.lazy(),
        f.seats.lazy(),
        f.memberships.lazy().rename({"team": "team_slug"}),
        f.directory.lazy(),
    )


def all_merged(f: Facts) -> pl.LazyFrame:
    return f.prs.lazy().filter(pl.col("merged_at").is_not_null())


@dataclass
class Expected:
    figures: pl.DataFrame  # overview_figures
    values: dict[str, str]  # KPI label -> value as shown
    uncertainty: object
    measured: object  # RoiFigures
    assumed: object
    capacity: object  # Estimate: engineer-equivalents


def cover(r, spend: float) -> str:  # type: ignore[no-untyped-def]
    """The value tile: the low end of value / spend, rounded down, or "not shown to cover"."""
    per = value_per_spend(r.value, spend)
    if not per.ok:
        return NOT_ENOUGH
    if per.low < 1:
        return "unproven"  # not shown to cover its spend
    low = per.low
    shown = f"{math.floor(low):,.0f}×" if low >= 10 else f"{math.floor(low * 10) / 10:.1f}×"
    return f"≥ {shown}"  # at least that multiple of the spend


def roi_pct(r) -> str:  # type: ignore[no-untyped-def]
    return f"{r.roi.value:+.0%}" if r.roi.ok else NOT_ENOUGH


def expected(
    f: Facts,
    period: Period,
    selection: Selection = Selection(),  # noqa: B008
    roi: RoiSettings = SETTINGS.roi,
    roi_period: Period | None = None,
    settings: Settings = SETTINGS,
) -> Expected:
    merged, activity = select_work(f.prs.lazy(), f.activity.lazy(), selection)
    figures = overview_figures(
        merged, activity, costs(f), period, USD, {}, selection, all_merged(f)
    ).collect()
    cur = figures.row(0, named=True)
    # The uplift compares everyone (a team filter narrows who is treated, a tool filter
    # only splits the value), adoption dated from the evidence of use.
    everyone, everyones = select_work(
        f.prs.lazy(), f.activity.lazy(), Selection(repositories=selection.repositories)
    )
    adoption = (
        adoption_dates(everyone, f.seats.lazy(), f.directory.lazy(), "UTC", f.evidence.lazy())
        .collect()
        .lazy()
    )
    if selection.teams:
        members = select(f.activity.lazy(), selection).collect()["person_key"].unique()
        panel = weekly_panel(everyone, everyones, adoption)
        uplift = group_uplift(panel, members.to_list(), settings.statistics)
    else:
        uplift = throughput_uplift(everyone, everyones, adoption, settings=settings.statistics)
    rp = roi_period or period
    spend = overview_figures(
        merged, activity, costs(f), rp, USD, {}, selection, all_merged(f)
    ).collect()["spend"][0]
    post = post_adoption_prs(merged, adoption, rp)
    # AI users: the one definition (evidence of the selected tools, engineers active in it).
    ev = f.evidence.lazy()
    if selection.tools:
        ev = ev.filter(pl.col("tool_id").is_in(list(selection.tools)))
    users = int(ai_users(ev, activity, rp).collect()["ai_user"].sum())
    capacity = capacity_engineer_equivalents(uplift, post, rp)
    no_spend = spend is None  # a repository filter: spend is not attributed to repositories
    share = tool_share(f, selection, rp)
    measured = None if no_spend else measured_roi(uplift, post, spend, rp, roi, share=share)
    assumed = None if no_spend else assumed_roi(users, spend, rp, roi)
    rows = (
        select(f.prs.lazy(), selection)
        .filter(
            pl.col("counted")
            & period.contains("merged_at")
            & pl.col("comparison").is_not_null()
            & pl.col("timeline")
        )
        .with_columns(
            (pl.col("comparison") == AI_GROUP).alias("is_ai"),
            pl.col("author_key").fill_null("(deleted account)"),
        )
        .collect()
    )
    # The tile shows the within-engineer comparison (each engineer's own PRs).
    cycle = within_engineer(
        engineer_cycle_hours(rows.lazy()), "cycle_hours", "cycle", settings.statistics
    )
    pct = uplift.percent
    values = {
        "AI spend in period": fmt.format_money(cur["spend"], USD),
        "Capacity gained": fmt.MISSING
        if no_spend
        else (
            (f"{capacity.value:,.1f}" if capacity.low > 0 else "unproven")
            if capacity.ok
            else NOT_ENOUGH
        ),
        "Value vs AI spend": fmt.MISSING if no_spend else cover(measured, spend),
        "Assumed value": fmt.MISSING if no_spend else fmt.format_money(assumed.value.value, USD),
        "Cost per PR": fmt.format_money(cur["cost_per_merged_pr"], USD, 2),
        "AI-assisted PR share": fmt.format_share(cur["ai_share"]),
        "PRs per engineer-week": fmt.format_rate(cur["throughput"]),
        "Measured uplift": f"{pct.value:+.0f}%" if pct.ok else NOT_ENOUGH,
        "Cycle time, AI ÷ no marker": f"{cycle.ratio.value:.2f}×" if cycle.ratio.ok else NOT_ENOUGH,
    }
    return Expected(
        figures,
        values,
        kpi_uncertainty(merged, activity, period, settings.statistics),
        measured,
        assumed,
        capacity,
    )


def tool_share(f: Facts, selection: Selection, period: Period) -> float:
    """The selected tools' share of the AI-user weeks of the people active in ``period``
    (every tool: 1.0)."""
    if not selection.tools:
        return 1.0
    active = select(f.activity.lazy(), Selection(teams=selection.teams)).filter(
        period.contains("at")
    )
    ev = f.evidence.lazy().filter(period.contains_day("day"))
    ev = ev.join(active.select("person_key"), on="person_key", how="semi")
    weights = tool_weights(ai_user_weeks(ev)).collect()
    return float(weights.filter(pl.col("tool_id").is_in(list(selection.tools)))["weight"].sum())


def expected_team_map(
    f: Facts, period: Period, k: int = K, settings: Settings = SETTINGS
) -> pl.DataFrame:
    """The team map as the metric functions give it, small teams folded by privacy."""
    sel = Selection()
    merged, activity = select_work(f.prs.lazy(), f.activity.lazy(), sel)
    seats = f.seats.lazy()
    adoption = (
        adoption_dates(merged, seats, f.directory.lazy(), "UTC", f.evidence.lazy()).collect().lazy()
    )

    def by_team(frame: pl.LazyFrame, at: str) -> pl.LazyFrame:
        return with_group(frame, "team", at)

    visibility = group_visibility(
        by_team(activity, "at").filter(period.contains("at")), ["group"], k
    )
    spend = spend_by_team(costs(f), all_merged(f), period, USD).select(
        pl.col("team_slug").alias("group"), "amount"
    )
    return team_map(
        apply_visibility(by_team(merged, "merged_at"), visibility, ["group"]),
        apply_visibility(by_team(activity, "at"), visibility, ["group"]),
        apply_visibility(spend, visibility, ["group"]),
        adoption,
        period,
        settings=settings.statistics,
    )


def chart(at, title: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        if spec["layout"]["title"]["text"].startswith(title):
            return spec
    raise AssertionError(f"no chart titled {title!r}")


def table_with(at, column: str) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    return next(
        pl.from_pandas(t.value) for t in at.dataframe if column in pl.from_pandas(t.value).columns
    )


# --- the Overview ---------------------------------------------------------------------------


def test_overview_figures_equal_the_metrics(open_page, facts: Facts, period: Period) -> None:  # type: ignore[no-untyped-def]
    at = open_page("overview", config=SMALL_SAMPLE)
    assert [m.label for m in at.metric] == OVERVIEW_LABELS
    want = expected(facts, period, settings=MEASURABLE)
    assert metric_values(at) == want.values
    assert want.values["Capacity gained"] != NOT_ENOUGH  # the demo has enough data
    assert want.figures["merged_prs"][0] > 0 and want.figures["spend"][0] > 0
    captions = texts(at.caption)
    # Uncertainty beside each figure: the share's interval, capacity's, the sample sizes.
    share = want.uncertainty.ai_share  # type: ignore[attr-defined]
    assert f"90% CI {share.low * 100:.1f}% to {share.high * 100:.1f}%" in captions
    ee = want.capacity  # type: ignore[attr-defined]
    ci = f"(90% CI {ee.low:,.1f}–{ee.high:,.1f})"
    if ee.low > 0:
        assert f"engineer-equivalents {ci} in the period — capacity, not headcount" in captions
    else:  # an interval that includes no gain: no number on the tile, the reason beneath
        assert f"{ee.value:,.1f} engineer-equivalents {ci}: the interval includes no gain" in (
            captions
        )
    # Value against spend, the conservative end first; no ROI in percent, no pp change of it.
    shown = texts(at.markdown) + captions + " ".join(m.value for m in at.metric)
    assert "engineer-equivalents" in shown
    assert "at least" in shown or "not shown to cover" in shown
    assert "ROI" not in " ".join(m.label for m in at.metric)
    assert not any((m.proto.delta or "").endswith("pp") for m in at.metric[:5])
    cur = want.figures.row(0, named=True)
    # Spend: billed and estimated parts, adding up to the spend.
    assert cur["spend_billed"] + cur["spend_estimated"] == pytest.approx(cur["spend"])
    billed = fmt.format_money(cur["spend_billed"], USD).replace("$", "\\$")  # markdown: escaped
    assert f"of which {billed} billed" in captions
    assert f"n: {cur['ai_prs']:,} of {cur['merged_prs']:,} merged PRs" in captions
    # Change vs the previous period.
    prev = want.figures.row(1, named=True)
    spend = next(m for m in at.metric if m.label == "AI spend in period")
    assert spend.proto.delta == fmt.delta_money(cur["spend"], prev["spend"], USD)
    # Roll-outs annotated on the trend; spend and value side by side.
    trend = chart(at, "Is more of our merged work AI-assisted")
    notes = [a.get("text", "") for a in trend["layout"]["annotations"]]
    assert any("rolled out" in n for n in notes)
    balance = chart(at, "Is what AI gives us worth")
    assert balance["data"][0]["x"][0] == pytest.approx(cur["spend"])


def test_overview_offers_the_report_of_its_view(open_page, facts: Facts, period: Period) -> None:  # type: ignore[no-untyped-def]
    at = open_page("overview", team=["Payments"])
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Download report (HTML)" in labels
    # What the button hands over when clicked: the report of the same period and filters.
    from dashboard import loaders, report_button

    html = report_button.report_html(loaders.app_context(), period, Selection(teams=("payments",)))
    spend = expected(facts, period, Selection(teams=("payments",))).values["AI spend in period"]
    assert html.startswith("<!DOCTYPE html>") and spend in html


def test_overview_says_why_there_is_no_pdf_report(
    open_page, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / "no-such-chromium"
    monkeypatch.setenv("AIMETRICS_CHROMIUM", str(missing))  # a real, wrong setting
    at = open_page("overview")
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Download report (HTML)" in labels and "Download report (PDF)" not in labels
    assert (
        f"No PDF report here: AIMETRICS_CHROMIUM={missing} does not exist: point "
        "AIMETRICS_CHROMIUM at Chromium (e.g. /usr/bin/chromium) or unset it."
    ) in texts(at.caption).splitlines()


def test_team_map_points_equal_the_metrics(
    open_page, downloads: dict[str, bytes], facts: Facts, period: Period
) -> None:  # type: ignore[no-untyped-def]
    at = open_page("overview", config=SMALL_SAMPLE)
    everything = expected_team_map(facts, period, settings=MEASURABLE)
    want = everything.filter(pl.col("spend_per_engineer").is_not_null())
    spec = chart(at, TEAM_MAP_TITLE)
    teams = spec["data"][0]
    assert teams["text"] == want["group"].to_list()
    assert teams["x"] == pytest.approx(want["spend_per_engineer"].to_list())
    y = want["uplift"].to_list()
    assert [v is None for v in teams["y"]] == [v is None for v in y]  # no made-up point
    assert [v for v in teams["y"] if v is not None] == pytest.approx([v for v in y if v])
    assert any(v is not None for v in y), "some team's change is measurable on the demo"
    highs = [h - v if v is not None else None for v, h in zip(y, want["uplift_high"], strict=True)]
    assert [h for h in teams["error_y"]["array"] if h is not None] == pytest.approx(
        [h for h in highs if h is not None]
    )
    # The unmeasurable ones are named, with the reason, and drawn apart.
    for row in want.filter(pl.col("uplift").is_null()).iter_rows(named=True):
        assert row["group"] in texts(at.caption)
        assert row["group"] in spec["data"][1]["text"]
    # The table behind the chart and its CSV.
    shown = table_with(at, "Throughput change (%)")
    csv = pl.read_csv(io.BytesIO(download(downloads, "team-map")))
    assert_frame_equal(csv, as_numbers(shown, csv), check_dtypes=False)
    assert shown["Team"].to_list() == everything["group"].to_list()


def test_overview_filters_change_the_figures(open_page, facts: Facts, period: Period) -> None:  # type: ignore[no-untyped-def]
    everyone = metric_values(open_page("overview"))
    at = open_page("overview", team=["Identity"])
    identity = expected(facts, period, Selection(teams=("identity",)))
    assert metric_values(at) == identity.values
    # On this quarter of the demo only payments holds seats: the spend is theirs alone.
    assert identity.values["AI spend in period"] != everyone["AI spend in period"]
    assert identity.values["AI-assisted PR share"] != everyone["AI-assisted PR share"]
    at = open_page("overview", team=["Payments"])
    assert metric_values(at) == expected(facts, period, Selection(teams=("payments",))).values

    # A tool filter: what counts as AI-assisted, and the spend, are that tool's.
    tool, name = facts.tools.row(0)
    at = open_page("overview", tool=[name])  # in the URL by the name shown
    assert at.sidebar.multiselect[2].value == [tool]
    want = expected(facts, period, Selection(tools=(tool,))).values
    if want["AI-assisted PR share"] == fmt.format_share(0.0):  # no AI-assisted PR of the tool
        want = {k: components.NO_DATA if components.is_nothing(v) else v for k, v in want.items()}
    assert metric_values(at) == want

    # Spend is not attributed to repositories: no made-up cost per PR or ROI.
    repo = facts.repositories[0]
    at = open_page("overview", repo=[repo])
    values = metric_values(at)
    in_repo = expected(facts, period, Selection(repositories=(repo,))).values
    # "—", or "no data" when the repository has no AI-assisted PR (the page says which).
    blank = components.NO_DATA if in_repo["AI-assisted PR share"] == "0.0%" else fmt.MISSING
    assert values["AI spend in period"] == blank
    assert values["Capacity gained"] == values["Value vs AI spend"] == blank
    assert "not attributed to repositories" in texts(at.caption) + texts(at.info)
    share = in_repo["AI-assisted PR share"]
    assert values["AI-assisted PR share"] == (components.NO_DATA if share == "0.0%" else share)


def test_overview_privacy_fold_is_visible(open_page, facts: Facts, period: Period) -> None:  # type: ignore[no-untyped-def]
    at = open_page("overview", config=STRICT)
    captions = texts(at.caption)
    assert "Privacy:" in captions and components.OTHER_GROUPS in captions
    shown = table_with(at, "Throughput change (%)")
    assert components.OTHER_GROUPS in shown["Team"].to_list()
    assert "identity" not in shown["Team"].to_list()  # 6 active people < 7
    want = expected_team_map(facts, period, k=7)
    assert shown["Team"].to_list() == want["group"].to_list()
    assert shown["Engineers"].to_list() == want["engineers"].to_list()


def test_overview_small_selection_shows_nothing(open_page) -> None:  # type: ignore[no-untyped-def]
    at = open_page("overview", config=STRICT, team=["Identity"])
    assert "fewer than the privacy threshold" in texts(at.warning)
    assert not at.metric and not at.get("plotly_chart")


# --- Cost & ROI -----------------------------------------------------------------------------


def test_cost_figures_and_tables_equal_the_metrics(
    open_page, downloads: dict[str, bytes], facts: Facts, period: Period
) -> None:  # type: ignore[no-untyped-def]
    at = open_page("cost_roi", config=SMALL_SAMPLE)
    want = expected(facts, period, settings=MEASURABLE)
    cur = want.figures.row(0, named=True)
    values = metric_values(at)
    assert values["AI spend in period"] == fmt.format_money(cur["spend"], USD)
    assert values["Cost per PR"] == fmt.format_money(cur["cost_per_merged_pr"], USD, 2)
    assert values["Cost per AI PR"] == fmt.format_money(cur["cost_per_ai_merged_pr"], USD, 2)
    # Capacity and value against spend lead; ROI in percent only in the appendix's table.
    for label in ("Capacity gained", "Value vs AI spend"):
        assert values[label] == want.values[label]
    assert values["Assumed value"] == want.values["Assumed value"]
    assert not [label for label in values if "ROI" in label]
    # The run rate: today's seats a month plus the last 30 days' usage (the cost module's).
    rate = run_rate(
        facts.seat_plans.lazy(), facts.cost_records.lazy(), period.last_day, USD, {},
        facts.seats.lazy(),
    )  # fmt: skip
    assert values["Monthly run rate"] == fmt.format_money(rate.monthly, USD)
    # Spend by tool and whole month, with its basis: the in-period parts add up to the
    # spend, the whole months to the months' spend; its CSV is the table.
    by_month = table_with(at, "Basis")
    assert by_month["In the period"].sum() == pytest.approx(
        cur["spend"], abs=0.01 * by_month.height
    )
    assert set(by_month["Basis"]) <= {
        "billed", "API seats × plan price", "seat plan (configured estimate)",
        "estimate (not billed)",
    }  # fmt: skip
    whole = selected_spend(costs(facts), all_merged(facts), month_span(period), USD).collect()
    assert by_month.height == whole.height
    assert by_month["Whole month"].sum() == pytest.approx(
        whole["amount"].sum(), abs=0.01 * whole.height
    )
    # The chart draws whole months: the period's part solid, the rest of a partly covered
    # month pale on top (the 90-day period starts inside a month).
    spec = chart(at, "What do we spend on AI tools each month")
    pale = [t for t in spec["data"] if t["name"].endswith("(rest of the month)")]
    assert pale and all(t["opacity"] < 1 for t in pale)
    drawn = sum(sum(t["y"]) for t in spec["data"])
    assert drawn == pytest.approx(by_month["Whole month"].sum(), abs=0.01 * by_month.height)
    csv = pl.read_csv(io.BytesIO(download(downloads, "spend-by-tool-month")))
    assert_frame_equal(csv, by_month, check_dtypes=False)
    # Idle seats per tool: the cost module's idle seats on the period's last day.
    held = idle_seats(facts.seats.lazy(), all_merged(facts), period.last_day,
                      facts.directory.lazy(), evidence=facts.evidence.lazy())  # fmt: skip
    idle = idle_seat_cost(held, facts.seat_plans.lazy(), period.last_day).collect()
    seats = table_with(at, "Idle seats")
    assert seats["Idle seats"].sum() == held.collect()["idle"].sum() == idle.height
    assert values["Idle seat cost"] == fmt.format_money(idle["monthly_cost"].sum(), USD)
    # The ROI table and its CSV.
    roi = table_with(at, "Method")
    assert roi["Method"].to_list() == ["measured uplift", "assumed time saved"]
    assert roi["ROI (%)"][0] == pytest.approx(round(want.measured.roi.value * 100, 1))  # type: ignore[attr-defined]
    assert "ROI in percent (appendix)" in [e.label for e in at.expander]
    roi_csv = pl.read_csv(io.BytesIO(download(downloads, "roi")))
    assert_frame_equal(roi_csv, as_numbers(roi, roi_csv), check_dtypes=False)
    # Both methods' assumptions, in words.
    markdown = texts(at.markdown)
    assert "Assumptions" in markdown and "loaded hourly cost" in markdown


def test_cost_page_shows_what_the_uplift_rests_on(
    open_page, downloads: dict[str, bytes], facts: Facts
) -> None:  # type: ignore[no-untyped-def]
    """The estimate under each adoption basis alone, and the dose-response bins, as the
    metric functions give them."""
    at = open_page("cost_roi", config=SMALL_SAMPLE)
    merged, activity = select_work(facts.prs.lazy(), facts.activity.lazy(), Selection())
    stats = MEASURABLE.statistics

    def dated(bases: tuple[str, ...]) -> pl.LazyFrame:
        return (
            adoption_dates(
                merged,
                facts.seats.lazy(),
                facts.directory.lazy(),
                "UTC",
                facts.evidence.lazy(),
                bases,
            )
            .collect()
            .lazy()
        )

    sensitivity = table_with(at, "Adoption date basis")
    want = [throughput_uplift(merged, activity, dated(ADOPTION_BASES), settings=stats)]
    want += [
        throughput_uplift(merged, activity, dated((b,)), settings=stats) for b in ADOPTION_BASES
    ]
    assert sensitivity["Adoption date basis"].to_list()[1:] == [f"{b} only" for b in ADOPTION_BASES]
    assert sensitivity["Adopters"].to_list() == [u.treated_engineers for u in want]
    for shown, u in zip(sensitivity["Throughput change (%)"].to_list(), want, strict=True):
        pct = u.percent
        # An estimate without its sample reads "not enough data" (the column is then text).
        expected_text = f"{round(pct.value, 2):,.2f}".rstrip("0").rstrip(".") if pct.ok else None
        assert str(shown) in (
            expected_text,
            str(round(pct.value, 2)) if pct.ok else fmt.NOT_ENOUGH_DATA,
        )
    assert want[0].estimate.ok  # the headline is a number at this scale
    csv = pl.read_csv(io.BytesIO(download(downloads, "uplift-by-adoption-basis")))
    assert_frame_equal(csv, as_numbers(sensitivity, csv), check_dtypes=False)
    # The dose-response bins: the uplift's panel, intensity from the evidence.
    panel = weekly_panel(merged, activity, dated(ADOPTION_BASES))
    bins = dose_response_of(panel, ai_user_weeks(facts.evidence.lazy()).collect(), stats)
    dose = table_with(at, "AI use (share of weeks)")
    assert dose["AI use (share of weeks)"].to_list() == [b.label for b in bins]
    assert dose["Adopters"].to_list() == [b.engineers for b in bins]
    assert sum(b.engineers for b in bins) > 0
    assert "not a causal dose" in texts(at.caption)


CONFIGURED_PLANS = """
ai_tools:
  - id: cursor
    plans:
      - name: business
        price_per_seat_month: 40
        start: 2025-01-01
        seats: [{from: 2025-01-01, count: 10}]
  - id: github-copilot
    plans:
      - name: business
        price_per_seat_month: 99
        start: 2024-01-01
        seats: [{from: 2024-01-01, count: 100}]
"""


def test_configured_seat_plans_count_in_spend(open_page, facts: Facts, period: Period) -> None:  # type: ignore[no-untyped-def]
    """The configuration's plans are the manager's estimate: a tool the store has no plan
    for (Cursor) is priced by them; the store's own plans (Copilot's) take precedence."""
    at = open_page("cost_roi", config=CONFIGURED_PLANS)
    settings = Settings.model_validate(yaml.safe_load(CONFIGURED_PLANS))
    plans = combined_seat_plans(facts.seat_plans, config_seat_plans(settings.ai_tools))
    assert set(plans.filter(pl.col("source") == "config")["tool_id"]) == {"cursor"}
    merged, activity = select_work(facts.prs.lazy(), facts.activity.lazy(), Selection())
    with_plans = replace(costs(facts), seat_plans=plans.lazy())
    spend = overview_figures(merged, activity, with_plans, period, USD).collect()["spend"][0]
    cursor = 10 * 40 * 12 / 365 * period.days
    before = expected(facts, period).figures["spend"][0]
    assert spend == pytest.approx(before + cursor)
    assert metric_values(at)["AI spend in period"] == fmt.format_money(spend, USD)
    by_month = table_with(at, "Basis")
    assert "Cursor" in by_month["AI tool"].to_list()  # the display name, as in the filter


def test_roi_calculator_updates_the_figures(open_page, facts: Facts, period: Period) -> None:  # type: ignore[no-untyped-def]
    at = open_page("cost_roi", config=SMALL_SAMPLE)
    before = metric_values(at)
    at.number_input(key="roi_hourly_cost").set_value(200.0).run()
    assert not at.exception, at.exception
    doubled = expected(
        facts,
        period,
        roi=SETTINGS.roi.model_copy(update={"loaded_hourly_cost": 200.0}),
        settings=MEASURABLE,
    )
    after = metric_values(at)
    value = fmt.format_money(doubled.measured.value.value, USD)  # type: ignore[attr-defined]
    assert after["Value, measured uplift"] == value
    assert after["Value, measured uplift"] != before["Value, measured uplift"]
    assert after["AI spend in period"] == before["AI spend in period"]  # the KPIs above stay

    at.number_input(key="roi_hours_saved").set_value(5.0).run()
    roi = SETTINGS.roi.model_copy(
        update={"loaded_hourly_cost": 200.0, "hours_saved_per_ai_user_per_week": 5.0}
    )
    five = expected(facts, period, roi=roi, settings=MEASURABLE)
    assert metric_values(at)["Value, assumed time saved"] == fmt.format_money(
        five.assumed.value.value,  # type: ignore[attr-defined]
        USD,
    )

    at.selectbox(key="roi_period").set_value(30).run()
    last30 = Period(period.end - dt.timedelta(days=30), period.end)
    want = expected(facts, period, roi=roi, roi_period=last30, settings=MEASURABLE)
    values = metric_values(at)
    assert values["Value, assumed time saved"] == fmt.format_money(want.assumed.value.value, USD)  # type: ignore[attr-defined]
    assert values["Value, measured uplift"] == fmt.format_money(want.measured.value.value, USD)  # type: ignore[attr-defined]
    table = table_with(at, "Method")
    assert table["AI spend (USD)"][0] == pytest.approx(round(want.measured.spend, 1))  # type: ignore[attr-defined]


def test_cost_page_privacy_and_repository_filter(open_page, facts: Facts) -> None:  # type: ignore[no-untyped-def]
    at = open_page("cost_roi", config=STRICT)
    by_team = table_with(at, "AI spend per engineer")
    assert components.OTHER_GROUPS in by_team["Team"].to_list()
    assert "Privacy:" in texts(at.caption)
    at = open_page("cost_roi", repo=[facts.repositories[0]])
    assert "not attributed to repositories" in texts(at.info)
    assert not at.get("plotly_chart")


@pytest.fixture(autouse=True)
def _no_config_leak(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("AIMETRICS_CONFIG", raising=False)
    yield


# --- change vs the previous period: Delivery and Quality ------------------------------------

# The quarter-size demo has few AI-assisted PRs a quarter: compare with smaller samples.
SMALL_CHANGES = "statistics:\n  min_prs: 5\n  min_engineers: 3\nprivacy:\n  min_group_size: 2\n"
SMALL = Settings.model_validate(
    {"statistics": {"min_prs": 5, "min_engineers": 3}, "privacy": {"min_group_size": 2}}
)


def compared_rows(facts: Facts, period: Period) -> pl.LazyFrame:
    return rows(facts.prs, "org", "merged_at", Selection()).filter(
        pl.col("counted") & period.contains("merged_at") & pl.col("comparison").is_not_null()
    )


def test_delivery_and_quality_changes_equal_the_metrics(
    open_page, facts: Facts, period: Period
) -> None:  # type: ignore[no-untyped-def]
    before = period.previous()
    # Delivery: throughput and the median cycle times, this period and the one before.
    sel = Selection()

    def throughput(p: Period) -> float:
        return throughput_by_group(
            rows(facts.prs, "org", "merged_at", sel), rows(facts.activity, "org", "at", sel), p
        ).collect()["throughput"][0]

    values = {m.label: m.proto.delta for m in open_page("delivery", config=SMALL_CHANGES).metric}
    assert values["PRs per engineer-week"] == fmt.delta_rate(throughput(period), throughput(before))
    now = cycle_time_summary(compared_rows(facts, period), period).collect()
    then = cycle_time_summary(compared_rows(facts, before), before).collect()
    for comparison in (AI_GROUP, NO_MARKER):
        a = only(now, comparison=comparison, stage="cycle")
        b = only(then, comparison=comparison, stage="cycle")
        assert min(a["n"], b["n"]) >= 5  # type: ignore[type-var]
        assert values[f"Median cycle time, {comparison}"] == fmt.delta_hours(
            a["median"],  # type: ignore[arg-type]
            b["median"],  # type: ignore[arg-type]
        )
    # Quality: the AI-assisted PRs' revert rate, unreviewed share, size, changes requested.
    values = {m.label: m.proto.delta for m in open_page("quality", config=SMALL_CHANGES).metric}
    a = only(quality_summary(compared_rows(facts, period), period).collect(), comparison=AI_GROUP)
    b = only(quality_summary(compared_rows(facts, before), before).collect(), comparison=AI_GROUP)
    assert values["Revert rate, AI-assisted"] == fmt.delta_points(
        a["revert_rate"],  # type: ignore[arg-type]
        b["revert_rate"],  # type: ignore[arg-type]
    )
    assert values["No human review, AI-assisted"] == fmt.delta_points(
        a["unreviewed_share"],  # type: ignore[arg-type]
        b["unreviewed_share"],  # type: ignore[arg-type]
    )
    assert values["Median PR size, AI-assisted"] == (
        f"{a['median_lines'] - b['median_lines']:+,.0f} lines"  # type: ignore[operator]
    )
    # With a minimum sample one above the smaller side's PRs, the change is not shown.
    too_few = min(a["merged_prs"], b["merged_prs"]) + 1  # type: ignore[type-var, operator]
    default = {
        m.label: m.proto.delta
        for m in open_page("quality", config=f"statistics:\n  min_prs: {too_few}\n").metric
    }
    assert default["Revert rate, AI-assisted"] == NOT_ENOUGH


# --- Copilot usage on the Adoption page -------------------------------------------------------


def copilot_daily(facts: Facts, demo_url: str) -> pl.LazyFrame:
    """The usage reports as stored, people who are bots or excluded left out, by day."""
    engine = create_store_engine(demo_url)
    try:
        stored = read_table(engine, s.copilot_usage)
    finally:
        engine.dispose()
    left_out = facts.directory.filter(
        (pl.col("kind") == "login") & (pl.col("is_bot") | pl.col("excluded"))
    )["value"]
    records = usage_records(stored.lazy()).filter(~pl.col("login").is_in(left_out.implode()))
    return daily_usage(records)


def test_copilot_usage_figures_equal_the_metrics(
    open_page, downloads: dict[str, bytes], facts: Facts, period: Period, demo_url: str
) -> None:  # type: ignore[no-untyped-def]
    at = open_page("seats")
    daily = copilot_daily(facts, demo_url)
    now = usage_figures(daily, period).collect().row(0, named=True)
    before = usage_figures(daily, period.previous()).collect().row(0, named=True)
    assert now["days"] > 60 and now["suggestions"] > 0
    shown = {m.label: m for m in at.metric}
    users = shown["Copilot active users per day"]
    assert users.value == f"{now['active_users']:,.1f}"
    change = now["active_users"] - before["active_users"]
    assert users.proto.delta.startswith(f"{change:+,.1f}")
    rate = shown["Copilot acceptance rate"]
    assert rate.value == fmt.format_share(now["acceptance_rate"])
    assert rate.proto.delta == fmt.delta_points(now["acceptance_rate"], before["acceptance_rate"])
    assert shown["Lines added from Copilot"].value == f"{now['lines_accepted']:,.0f}"
    assert shown["Copilot engaged users per day"].value == f"{now['engaged_users']:,.1f}"
    # The weekly table (and its CSV) is weekly_usage; the charts state their question.
    weekly = weekly_usage(daily, period).collect()
    csv = pl.read_csv(io.BytesIO(download(downloads, "copilot-usage-weekly")))
    assert csv.height == weekly.height
    assert csv["Suggestions"].to_list() == weekly["suggestions"].to_list()
    assert csv["Acceptance rate (%)"].to_list() == pytest.approx(
        (weekly["acceptance_rate"] * 100).round(1).to_list()
    )
    chart(at, "How many people use Copilot on a typical day?")
    chart(at, "How many Copilot suggestions do people accept?")
    # By editor: users counted per group; groups under the threshold are folded.
    editors = pl.read_csv(io.BytesIO(download(downloads, "copilot-usage-by-editor")))
    assert editors["Suggestions"].sum() == now["suggestions"]
    shown_groups = editors.filter(pl.col("Editor") != components.OTHER_GROUPS)
    assert (shown_groups["Users"] >= K).all()
    # Features by the names GitHub's dashboard gives them, not the report's field values.
    features = pl.read_csv(io.BytesIO(download(downloads, "copilot-usage-by-feature")))
    assert "Code completion" in features["Feature"].to_list()
    assert not features["Feature"].str.contains("_").any()
    # Nobody is shown per person without privacy.show_individuals.
    assert "copilot-usage-by-user.csv" not in downloads


def test_copilot_usage_respects_filters(open_page) -> None:  # type: ignore[no-untyped-def]
    at = open_page("seats", tool=["Cursor"])
    assert "leaves out GitHub Copilot" in texts(at.info)
    # A team filter counts its members' per-user reports: the team that never adopted has none.
    at = open_page("seats", team=["Identity"])
    assert "No Copilot usage is reported for this period and selection." in texts(at.info)


def test_an_unchanged_figure_has_no_arrow() -> None:
    from aimetrics.metrics.change import change

    same = kpis.changed(change(171.0, 171.0), lambda c, p: fmt.delta_money(c, p, "USD"))
    assert same == ("+$0 (+0%)", "off")
    up = kpis.changed(change(171.0, 121.0), lambda c, p: fmt.delta_money(c, p, "USD"))
    assert up == ("+$50 (+41%)", "auto")
    assert kpis.changed(change(None, 1.0), fmt.delta_points)[1] == "off"


# A configured Copilot holder who never used it: Copilot reports use per holder (its usage
# reports and seat list), so the seat is idle; who holds it is a person's name.
IDLE_HOLDER = """
privacy: {administrators: [ada@example.com]}
ai_tools:
  - id: github-copilot
    plans:
      - {name: business, price_per_seat_month: 19, start: 2024-01-01, holders: [zz-never-used]}
"""


def _seat_list(at: AppTest) -> pl.DataFrame | None:
    found = [e for e in at.expander if str(e.label).startswith("Seats to reclaim")]
    return pl.from_pandas(found[0].dataframe[0].value) if found else None


def test_seats_to_reclaim_are_named_only_to_administrators(
    open_page, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from test_dashboard_apptest import AUTH

    from dashboard import auth

    monkeypatch.setattr(auth, "authlib_installed", lambda: True)  # no provider is contacted
    # Open dashboard (no sign-in): counts only, even for the administrators' e-mail.
    at = open_page("cost_roi", config=IDLE_HOLDER)
    assert _seat_list(at) is None
    assert "Who holds them is shown to administrators" in texts(at.caption)

    def signed_in(email: str) -> AppTest:
        at = open_page("cost_roi", config=IDLE_HOLDER)
        at.secrets["auth"] = AUTH
        at.user = {"is_logged_in": True, "name": "Visitor", "email": email}
        at.run()
        assert not at.exception, at.exception
        return at

    holders = _seat_list(signed_in("Ada@Example.com"))
    assert holders is not None
    login = tables.LABELS.get("login", "login")
    row = holders.filter(pl.col(login) == "zz-never-used")
    assert row.height == 1 and row[tables.LABELS["days_idle"]][0] >= 30
    assert _seat_list(signed_in("someone-else@example.com")) is None


BUDGETS = """
budgets:
  - {tool: github-copilot, monthly: 1}
  - {tool: cursor, monthly: 1000000}
"""


def test_budgets_show_the_forecast_and_warn_when_one_is_over(open_page, facts: Facts) -> None:  # type: ignore[no-untyped-def]
    from aimetrics.figures.budget import budgets
    from aimetrics.settings import parse_settings

    at = open_page("cost_roi", config=BUDGETS)
    table = table_with(at, "Budget for")
    assert table["Budget for"].to_list() == ["GitHub Copilot", "Cursor"]
    want = budgets(facts, parse_settings(BUDGETS, "b.yaml"))
    assert table["Month-end forecast"].to_list() == [
        fmt.format_money(x, USD) for x in want["forecast"]
    ]
    assert table["Status"].to_list() == ["over budget", "within budget"]
    assert "Forecast over budget: GitHub Copilot" in texts(at.warning)
    # Without budgets, the page says how to add them.
    at = open_page("cost_roi", config="reporting: {currency: USD}\n")
    assert "No budgets are configured" in texts(at.caption)


def test_money_in_tables_has_its_currency_and_thousands_separators(open_page) -> None:  # type: ignore[no-untyped-def]
    """Amounts keep their numbers (sorting, the CSV) and are shown as $1,234.57."""
    at = open_page("cost_roi")
    configs = [json.loads(df.proto.columns or "{}") for df in at.dataframe]
    by_team = next(c for c in configs if "AI spend per engineer" in c)
    assert by_team["AI spend per engineer"]["type_config"]["format"] == "$%,.2f"
    assert by_team["AI spend"]["type_config"]["format"] == "$%,.2f"
    assert by_team["Engineers"]["type_config"]["format"] == "%,d"  # a count, not money
    # A table whose rows name their currency, all the same one (the demo's spend is in USD),
    # shows it too; rows in several currencies: tests/test_display_polish.py.
    by_month = next(c for c in configs if "In the period" in c)
    assert by_month["In the period"]["type_config"]["format"] == "$%,.2f"


def test_counts_have_thousands_separators_and_pr_numbers_none(open_page) -> None:  # type: ignore[no-untyped-def]
    """120,577 merged PRs, not 120577; PR #12345 as GitHub writes it."""
    at = open_page("delivery")
    configs = [json.loads(df.proto.columns or "{}") for df in at.dataframe]
    merged = next(c for c in configs if "Link" in c)  # the merged PRs, with their pages
    assert "PR" not in merged  # no number format on a PR's number
    counts = [c["Merged PRs"] for c in configs if "Merged PRs" in c]
    assert counts and all(c["type_config"]["format"] == "%,d" for c in counts)


# A team filter, and a team with a tool it never used (the identity team uses no AI tool).
VIEWS = {"team": {"team": ["Payments"]}, "empty": {"team": ["Identity"], "tool": ["Cursor"]}}
UNREADABLE = {"None", "NaN", "nan", "null", "NaT", "<NA>"}


@pytest.mark.parametrize("view", sorted(VIEWS))
@pytest.mark.parametrize("page", sorted(PAGES))
def test_no_table_cell_reads_none(open_page, page: str, view: str) -> None:  # type: ignore[no-untyped-def]
    """Every cell the grid draws is readable: the grid draws a missing value, text or number,
    as a grey "None", so the frame handed to it has none (an empty number reads "—", an
    estimate without a sample "not enough data"); its CSV keeps the number column."""
    at = open_page(page, **VIEWS[view])
    assert at.dataframe or at.info, "a page without a table says why"
    for df in at.dataframe:
        frame = pl.from_pandas(df.value)
        for column in frame.columns:
            values = frame[column]
            gaps = values.null_count() + (values.is_nan().sum() if values.dtype.is_float() else 0)
            assert gaps == 0, (page, view, column, values.to_list()[:10])
            if values.dtype == pl.String:
                assert not set(values.to_list()) & UNREADABLE, (page, view, column)
                assert not values.str.contains(r"\+\d\d:\d\d$").any(), (page, view, column)
            # The grid draws a time with its raw offset ("22:02:40+00:00") and a day as a
            # midnight time ("2025-03-31 00:00:00"): both reach it as text.
            dtype = values.dtype
            assert not isinstance(dtype, (pl.Datetime, pl.Date)), (page, view, column, dtype)


@pytest.mark.parametrize("page", ["overview", "cost_roi"])
def test_empty_numbers_read_as_text_but_download_as_numbers(
    open_page, downloads: dict[str, bytes], page: str
) -> None:  # type: ignore[no-untyped-def]
    """A number column with an empty cell is drawn as text: the empty cell reads "—" (no
    figure can be given) or "not enough data" (an estimate without its sample), the others
    read the CSV's number; the CSV keeps the column numeric with the cell empty."""
    at = open_page(page)
    csvs = [pl.read_csv(io.BytesIO(b)) for n, b in downloads.items() if n.endswith(".csv")]
    grids = [pl.from_pandas(t.value) for t in at.dataframe]
    assert len(csvs) == len(grids)
    converted = 0
    for grid, csv in zip(grids, csvs, strict=True):
        assert grid.columns == csv.columns
        for column in grid.columns:
            if grid[column].dtype != pl.String or not csv[column].dtype.is_numeric():
                continue
            converted += 1
            for text, number in zip(grid[column], csv[column], strict=True):
                if number is None:
                    assert text in (fmt.MISSING, fmt.NOT_ENOUGH_DATA), (column, text)
                else:
                    value = float(re.sub(r"[^\d.\-−]", "", text).replace("−", "-"))
                    assert math.isclose(value, number, abs_tol=0.006), (column, text, number)
    assert converted, "the page has a number column with an empty cell"


# A tile that claims a figure for a selection with nothing in it: "$0", "0.0%" and the like,
# or an interval around nothing.
ZERO_TILE = re.compile(r"^\D*0(\.0+)?([^\d.,].*)?$")


@pytest.mark.parametrize("page", sorted(set(PAGES) - {"data", "seats"}))
def test_empty_selection_says_what_is_empty(open_page, page: str) -> None:  # type: ignore[no-untyped-def]
    """Identity with Cursor has merged PRs but none AI-assisted: the page says so, naming the
    team, the tool and the dates, and no tile shows a zero or an interval as if measured."""
    at = open_page(page, **VIEWS["empty"])
    message = texts(at.info)
    period = at.sidebar.date_input[0].value
    assert (
        f"No AI-assisted merged PRs by Identity with Cursor between {period[0]:%Y-%m-%d} and "
        f"{period[1]:%Y-%m-%d}: none of its " in message
    )
    assert "carries a Cursor marker" in message
    values = metric_values(at)
    assert components.NO_DATA in values.values()
    zeros = {label: v for label, v in values.items() if ZERO_TILE.match(v)}
    assert not zeros, zeros
    intervals = [c.value for c in at.caption if "CI 0.0% to 0.0%" in c.value]
    assert not intervals, intervals
    if page in ("overview", "cost_roi"):  # spend against value has nothing to weigh
        titles = [
            json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")
        ]
        assert "Is what AI gives us worth what we spend on it?" not in titles
    if page == "overview":  # no team row of 0.0% and $0 beside "no data" tiles
        assert "the teams' AI figures have nothing to compare" in message
        assert not [t for t in at.dataframe if "Idle seats" in t.value.columns]


def test_selection_with_ai_work_keeps_its_zero_tiles_measured(open_page) -> None:  # type: ignore[no-untyped-def]
    """The "no data" reading is for a selection without AI-assisted work only: with it, a
    measured figure is shown as measured (the Payments team uses AI)."""
    at = open_page("overview", team=["Payments"])
    assert "No AI-assisted merged PRs" not in texts(at.info)
    assert components.NO_DATA not in metric_values(at).values()


def test_money_charts_name_their_currency(open_page) -> None:  # type: ignore[no-untyped-def]
    """Every money axis and every money tooltip on Cost & ROI and the Overview carries the
    currency symbol and thousands separators (the format module's one formatter)."""
    money_axes = 0
    for page in ("overview", "cost_roi"):
        for chart in open_page(page).get("plotly_chart"):
            spec = json.loads(chart.proto.spec)
            for name, axis in spec["layout"].items():
                title = (axis.get("title") or {}).get("text", "") if name[1:5] == "axis" else ""
                if "USD" in title or "spend" in title.lower():
                    money_axes += 1
                    assert axis.get("tickprefix") == "$" and "," in axis["tickformat"], title
            for trace in spec["data"]:
                template = trace.get("hovertemplate") or ""
                assert "USD" not in template, template  # "$1,234", never "1234 USD"
                if "spend" in template.lower() or "whole month" in template:
                    assert re.search(r"\$%\{\w+(\[\d\])?:,\.0f\}", template), template
    assert money_axes >= 3  # the balance, the team map and the spend by month


def test_adoption_shows_the_ai_written_share_with_its_coverage(
    open_page, facts: Facts, period: Period
) -> None:  # type: ignore[no-untyped-def]
    """The demo's git-ai line evidence: the share over the commits with evidence, the
    coverage and the sample, as the metric function gives them."""
    from aimetrics.metrics.ai_lines import ai_written_line_share

    at = open_page("adoption")
    lines = facts.ai_lines.filter("counts")
    row = (
        ai_written_line_share(
            rows(facts.commits, "org", "at", Selection()), rows(lines, "org", "at", Selection()),
            period,
        )
        .collect()
        .row(0, named=True)
    )  # fmt: skip
    assert row["changes_with_evidence"] >= 30  # enough to show (statistics.min_prs)
    shown = metric_values(at)
    assert shown["AI-written share of added lines"] == fmt.format_share(
        row["ai_written_line_share"]
    )
    assert shown["Line evidence coverage"] == fmt.format_share(row["line_coverage"])
    captions = texts(at.caption)
    assert f"{row['ai_added_lines']:,} of {row['evidence_added_lines']:,} added lines" in captions
    assert f"{row['changes_with_evidence']:,} of {row['changes']:,} default-branch commits" in (
        captions
    )
    assert "Marked-PR line share" in shown  # the other line share, renamed


def test_seats_page_says_what_is_empty(open_page) -> None:  # type: ignore[no-untyped-def]
    """Seats & usage under a tool and team without Copilot, and before any seat: each section
    says why it has nothing, and no tile or chart stands in for the missing figures."""
    at = open_page("seats", **VIEWS["empty"])
    message = texts(at.info)
    assert "The AI-tool filter leaves out GitHub Copilot." in message
    assert not at.metric
    at = open_page("seats", period=["2001-01-01", "2001-01-31"])
    assert "No seat of the selected tools was assigned in 2001-01-01 – 2001-01-31." in texts(
        at.info
    )
    assert not at.get("plotly_chart") and not at.metric


@pytest.mark.parametrize("page", sorted(PAGES))
def test_money_reads_with_its_currency(open_page, page: str) -> None:  # type: ignore[no-untyped-def]
    """Every money column shows its currency ("$171.00"), also in a table with a currency
    column whose rows all name the same one (the seats' idle cost once read "171.00")."""
    at = open_page(page)
    money = {tables.LABELS.get(c, c) for c in tables.CURRENCY_COLUMNS}
    checked = 0
    for df in at.dataframe:
        config = json.loads(df.proto.columns or "{}")
        frame = pl.from_pandas(df.value)
        for label in sorted(money & set(frame.columns)):
            checked += 1
            if frame[label].dtype == pl.String:  # drawn as text: each cell says it
                cells = [v for v in frame[label] if v not in (fmt.MISSING, fmt.NOT_ENOUGH_DATA)]
                assert all(v.startswith(("$", "−$", "-$")) for v in cells), (page, label, cells)
            else:
                assert config[label]["type_config"]["format"].startswith("$"), (page, label)
    assert checked or page in ("adoption", "data", "delivery", "quality"), page
