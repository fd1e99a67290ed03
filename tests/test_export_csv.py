"""``aimetrics export csv`` on the demo store: the CSV files hold the metric functions' results.

The store is built once for the module as ``aimetrics demo`` builds it (load, resolve
identities, tag, with the demo's own configuration). Each checked file must equal what
the metric functions give for the same period and filters, computed here from the
facts without the export's composition; filters must change the files; privacy must
fold small groups, withhold a too-small selection and keep per-person rows out unless
``privacy.show_individuals``; the manifest must describe the files.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from aimetrics.cli import app
from aimetrics.errors import ExportError
from aimetrics.exports.csv_export import MANIFEST, flat, write_csv_export
from aimetrics.figures.compute import Figures, compute_figures
from aimetrics.figures.delivery import cycle_comparison
from aimetrics.figures.facts import Facts
from aimetrics.metrics.adoption import (
    Selection,
    commit_shares,
    contributor_adoption,
    pr_shares,
    select,
    with_group,
)
from aimetrics.metrics.like_for_like import (
    MIN_PRS_EACH,
    engineer_cycle_hours,
    size_ratio,
    within_engineer,
)
from aimetrics.metrics.overview import CostInputs, overview_figures, select_work, weekly_trend
from aimetrics.metrics.period import Period
from aimetrics.metrics.privacy import OTHER, apply_visibility, group_visibility
from aimetrics.metrics.stats import compare_medians
from aimetrics.metrics.uplift import adoption_dates, throughput_uplift
from aimetrics.settings import Settings, load_settings
from aimetrics.store import create_store_engine
from aimetrics.vocabulary import AI_GROUP

from samples import DEMO_END, evidence_users, roi_of

K = 5  # privacy.min_group_size by default
# The demo's own rule (config/demo.yaml), and two Cursor seats nobody uses: idle seats.
CONFIG = """
tagging:
  extra_rules:
    - id: "label:ai-assisted"
      tool: github-copilot
      kind: assisted
      field: pr.label
      pattern: '^ai-assisted$'
      confidence: high
ai_tools:
  - id: cursor
    plans:
      - name: teams
        price_per_seat_month: 40
        start: 2025-01-01
        seats: [{from: 2025-01-01, count: 2}]
        holders: [mayaweber, rortiz]
"""


@pytest.fixture(scope="module")
def config_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("config") / "aimetrics.yaml"
    path.write_text(CONFIG)
    return path


def settings_with(config_file: Path, extra: str = "") -> Settings:
    path = config_file.with_name(f"extra-{abs(hash(extra))}.yaml")
    path.write_text(CONFIG + extra)
    return load_settings(path)


@pytest.fixture(scope="module")
def settings(config_file: Path) -> Settings:
    return load_settings(config_file)


@pytest.fixture(scope="module")
def everything(
    facts: Facts, settings: Settings, period: Period, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Figures, Path, dict]:
    """The export of the whole organization for the default period."""
    figures = compute_figures(facts, settings, period, store="sqlite:///demo.db")
    out = tmp_path_factory.mktemp("csv")
    return figures, out, write_csv_export(figures, out)


def read(out: Path, name: str, like: pl.DataFrame) -> pl.DataFrame:
    """A written CSV, read with the dtypes of the frame it should equal."""
    return pl.read_csv(out / f"{name}.csv", schema=flat(like).schema)


def assert_file_equals(out: Path, name: str, expected: pl.DataFrame, **kw: object) -> None:
    assert_frame_equal(read(out, name, expected), flat(expected), **kw)  # type: ignore[arg-type]


def rows(frame: pl.DataFrame, by: str, at: str, selection: Selection) -> pl.LazyFrame:
    return with_group(select(frame.lazy(), selection), by, at, teams=selection.teams)


def costs(facts: Facts) -> CostInputs:
    return CostInputs(
        facts.seat_plans.lazy(),
        facts.cost_records.lazy(),
        facts.seats.lazy(),
        facts.memberships.lazy().rename({"team": "team_slug"}),
        facts.directory.lazy(),
    )


# --- the files hold the metric functions' results ----------------------------------------------


def test_overview_files_equal_the_metrics(
    everything: tuple[Figures, Path, dict], facts: Facts, settings: Settings, period: Period
) -> None:
    _, out, _ = everything
    merged, activity = select_work(facts.prs.lazy(), facts.activity.lazy(), Selection())
    all_merged = facts.prs.lazy().filter(pl.col("merged_at").is_not_null())
    kpis = overview_figures(
        merged, activity, costs(facts), period, "USD", {}, Selection(), all_merged
    ).collect()
    assert_file_equals(out, "overview-kpis", kpis)
    current = kpis.row(0, named=True)
    assert current["merged_prs"] > 500 and 0 < current["ai_share"] < 1
    assert current["spend"] > 0 and "seat_plan" in current["bases"]
    # The trend shows the year up to the period's end, as the dashboard's Overview.
    year = Period(period.end - dt.timedelta(days=364), period.end)
    trend = weekly_trend(merged, activity, year, "monday").collect()
    assert_file_equals(out, "weekly-trend", trend)
    in_period = trend.filter(pl.col("week_start") >= period.start)
    assert in_period["merged_prs"].sum() <= current["merged_prs"] < trend["merged_prs"].sum()


def test_adoption_by_team_equals_the_metrics_with_small_teams_folded(
    everything: tuple[Figures, Path, dict], facts: Facts, period: Period
) -> None:
    _, out, info = everything
    sel = Selection()
    active = rows(facts.activity, "team", "at", sel).filter(period.contains("at"))
    visibility = group_visibility(active, ["group"], K)

    def fold(frame: pl.DataFrame, at: str) -> pl.LazyFrame:
        return apply_visibility(rows(frame, "team", at, sel), visibility, ["group"])

    expected = (
        contributor_adoption(
            fold(facts.activity, "at").filter(period.contains("at")),
            period,
            evidence_users(facts, sel, period),
        )
        .join(
            pr_shares(fold(facts.prs, "merged_at"), period), on="group", how="full", coalesce=True
        )
        .join(
            commit_shares(fold(facts.commits, "at"), period), on="group", how="full", coalesce=True
        )
        .sort("group")
        .collect()
    )
    assert_file_equals(out, "adoption-by-team", expected)
    # The demo's identity team (and the people in no team) are under 5 engineers: folded.
    groups = read(out, "adoption-by-team", expected)["group"].to_list()
    assert OTHER in groups and "identity" not in groups and "payments" in groups
    left_out = info["privacy"]["left_out"]["adoption by team"]
    assert left_out["folded"] == ["(no team)", "identity"]


def test_merged_prs_link_to_github(everything: tuple[Figures, Path, dict], period: Period) -> None:
    figures, out, _ = everything
    prs = pl.read_csv(out / "merged-prs.csv")
    assert prs.height == figures.delivery["team"].prs.height > 100
    assert prs["url"].str.contains(r"^https://github\.com/acme-demo/[\w-]+/pull/\d+$").all()
    merged = prs["merged_at"].str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%z")
    assert merged.min() >= period.start_utc and merged.max() < period.end_utc


def test_spend_and_roi_equal_the_metrics(
    everything: tuple[Figures, Path, dict], facts: Facts, settings: Settings, period: Period
) -> None:
    _, out, _ = everything
    by_month = pl.read_csv(out / "spend-by-tool-month.csv", try_parse_dates=True)
    # The demo's Copilot seats and billing, and the configured Cursor seats (prorated).
    assert set(by_month["tool_id"]) == {"github-copilot", "cursor"}
    assert set(by_month["basis"]) == {"seat_plan", "billed"}
    cursor = by_month.filter(pl.col("tool_id") == "cursor")["amount"].sum()
    assert cursor == pytest.approx(2 * 40 * period.days * 12 / 365)

    merged, activity = select_work(facts.prs.lazy(), facts.activity.lazy(), Selection())
    adoption = adoption_dates(
        merged, facts.seats.lazy(), facts.directory.lazy(), evidence=facts.evidence.lazy()
    ).collect()
    uplift = throughput_uplift(merged, activity, adoption.lazy(), settings=settings.statistics)
    roi = roi_of(uplift, merged, adoption.lazy(), facts, period, settings.roi)
    table = pl.read_csv(out / "roi.csv").filter(pl.col("period") == "current")
    assert by_month["amount"].sum() == pytest.approx(roi.measured.spend)
    for method in (roi.measured, roi.assumed):
        got = table.filter(pl.col("method") == method.method)
        # Capacity first (measured), value per unit of spend, then hours, value, ROI, payback.
        head = ["capacity_engineer_equivalents"] if method is roi.measured else []
        measures = [*head, "value_per_spend", "hours", "value", "roi", "payback_days"]
        assert got["measure"].to_list() == measures
        assert got["spend"].to_list() == pytest.approx([method.spend] * len(measures))
        for measure in ("hours", "value", "roi", "payback_days"):
            est = getattr(method, measure)
            row = got.filter(pl.col("measure") == measure).row(0, named=True)
            assert row["status"] == est.status and row["note"] == (est.note or None)
            for column in ("value", "low", "high"):
                assert row[column] == pytest.approx(getattr(est, column))
    # The demo at this scale has too few comparison engineers for the measured method.
    assert table.filter(pl.col("method") == "measured uplift")["status"].unique().to_list() == [
        "not enough data"
    ]
    u = pl.read_csv(out / "uplift.csv").row(0, named=True)
    assert (u["adopting_engineers"], u["comparison_engineers"]) == (
        uplift.treated_engineers,
        uplift.comparison_engineers,
    )
    assert u["status"] == uplift.estimate.status and u["basis_seat"] == uplift.basis["seat"]


def test_idle_seats_with_their_cost_and_per_person_rows_only_when_allowed(
    everything: tuple[Figures, Path, dict],
    facts: Facts,
    config_file: Path,
    period: Period,
    tmp_path: Path,
) -> None:
    _, out, _ = everything
    seats = pl.read_csv(out / "seat-utilization.csv")
    # Cursor's seats are configured holders: Cursor says nothing of their use, so they are
    # never called idle for want of a marker (no activity data); Copilot's come with it.
    cursor = seats.filter(pl.col("tool_id") == "cursor").row(0, named=True)
    assert (cursor["assigned"], cursor["idle"], cursor["no_activity_data"]) == (2, 0, 2)
    assert cursor["idle_monthly_cost"] == 0.0 and cursor["utilization"] is None
    hidden = pl.read_csv(out / "idle-seat-holders.csv")
    assert hidden.is_empty() and "login" in hidden.columns  # the header says what is withheld

    shown = settings_with(config_file, "privacy: {show_individuals: true}\n")
    info = write_csv_export(compute_figures(facts, shown, period), tmp_path)
    idle = pl.read_csv(tmp_path / "idle-seat-holders.csv")
    # Exactly the seats the utilization counts idle, each unused for 30 days or more; never
    # the configured Cursor holders, whose use nothing reports.
    # (The metric's cases are in test_cost_model.py::test_idle_seats_and_their_monthly_cost.)
    assert idle.height == seats["idle"].sum()
    assert not {"mayaweber", "rortiz"} & set(idle["login"])
    assert "days_idle" in idle.columns and (idle["days_idle"] >= 30).all()
    assert info["privacy"]["show_individuals"] is True


# --- filters --------------------------------------------------------------------------------------


def test_filters_change_the_files(
    everything: tuple[Figures, Path, dict],
    facts: Facts,
    settings: Settings,
    period: Period,
    tmp_path: Path,
) -> None:
    _, out, _ = everything
    team = Selection(teams=("payments",))
    write_csv_export(compute_figures(facts, settings, period, team), tmp_path / "team")
    everyone = pl.read_csv(out / "adoption-summary.csv")
    payments = pl.read_csv(tmp_path / "team" / "adoption-summary.csv")
    expected = contributor_adoption(
        rows(facts.activity, "org", "at", team).filter(period.contains("at")),
        period,
        evidence_users(facts, team, period),
    ).collect()
    assert payments["active_contributors"][0] == expected["active_contributors"][0]
    assert payments["merged_prs"][0] < everyone["merged_prs"][0]
    kpis = pl.read_csv(tmp_path / "team" / "overview-kpis.csv")
    # A team's spend is its share of the total (in this small demo the payments team holds
    # nearly all of it, so only "no more than the total" can be asserted).
    total = pl.read_csv(out / "overview-kpis.csv")["spend"][0]
    assert 0 < kpis["spend"][0] <= total * (1 + 1e-9)

    tool = Selection(tools=("claude-code",))
    write_csv_export(compute_figures(facts, settings, period, tool), tmp_path / "tool")
    shares = pl.read_csv(tmp_path / "tool" / "adoption-summary.csv")
    assert shares["ai_prs"][0] == 0 < everyone["ai_prs"][0]
    assert shares["merged_prs"][0] == everyone["merged_prs"][0]  # still in the denominators

    repo = facts.repositories[0]
    info = write_csv_export(
        compute_figures(facts, settings, period, Selection(repositories=(repo,))),
        tmp_path / "repo",
    )
    prs = pl.read_csv(tmp_path / "repo" / "merged-prs.csv")
    assert set(prs["repository"]) == {repo}
    files = {f["name"]: f for f in info["files"]}
    kpis = pl.read_csv(tmp_path / "repo" / "overview-kpis.csv")
    assert kpis["merged_prs"][0] > 0 and kpis["spend"].is_null().all()
    for name in ("spend-by-tool-month.csv", "roi.csv"):  # spend has no repository
        assert files[name]["rows"] == 0 and "repositories" in files[name]["withheld"]
        assert pl.read_csv(tmp_path / "repo" / name).is_empty()


def test_unknown_filter_value_is_an_error(facts: Facts, settings: Settings) -> None:
    with pytest.raises(ExportError, match="--team 'platform' is not in the store; known: "):
        compute_figures(facts, settings, selection=Selection(teams=("platform",)))


def test_a_selection_under_the_privacy_threshold_is_withheld(
    facts: Facts, config_file: Path, period: Period, tmp_path: Path
) -> None:
    strict = settings_with(config_file, "privacy: {min_group_size: 12}\n")
    figures = compute_figures(facts, strict, period, Selection(teams=("identity",)))
    assert 0 < figures.people < 12
    info = write_csv_export(figures, tmp_path)
    assert info["privacy"]["selection_withheld"] is True
    files = {f["name"]: f for f in info["files"]}
    for name in ("overview-kpis.csv", "adoption-summary.csv", "merged-prs.csv", "roi.csv"):
        assert files[name]["rows"] == 0 and "fewer than" in files[name]["withheld"]
        assert pl.read_csv(tmp_path / name).is_empty()
    assert files["freshness.csv"]["rows"] > 0  # the Data page is shown for any selection


# --- the manifest and the command ---------------------------------------------------------------


def test_manifest_describes_the_export(
    everything: tuple[Figures, Path, dict], period: Period
) -> None:
    figures, out, info = everything
    assert json.loads((out / MANIFEST).read_text()) == info
    assert info["period"] == {
        "from": period.start.isoformat(),
        "to": period.last_day.isoformat(),
        "days": 90,
        "timezone": "UTC",
    }
    assert info["filters"] == {"teams": [], "repositories": [], "tools": []}
    assert info["aimetrics_version"] == "0.1.0"
    assert dt.datetime.fromisoformat(info["generated_at"]) == figures.generated_at
    written = sorted(p.name for p in out.glob("*.csv"))
    assert sorted(f["name"] for f in info["files"]) == written
    for entry in info["files"]:
        frame = pl.read_csv(out / entry["name"], infer_schema=False)
        assert entry["rows"] == frame.height and entry["columns"] == frame.columns
        assert entry["description"] and entry["covers"]


def test_manifest_hides_the_store_password(
    facts: Facts, settings: Settings, period: Period, tmp_path: Path
) -> None:
    url = "postgresql://metrics:s3cret@db.internal:5432/aimetrics"
    info = write_csv_export(compute_figures(facts, settings, period, store=url), tmp_path)
    assert info["store"] == "postgresql://metrics:***@db.internal:5432/aimetrics"
    assert "s3cret" not in (tmp_path / MANIFEST).read_text()


def test_cli_end_to_end(demo_store_url: str, config_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "export"
    runner = CliRunner()
    db, config = demo_store_url, str(config_file)
    args = ["export", "csv", "--out", str(out), "--db", db, "--config", config]
    result = runner.invoke(
        app, [*args, "--from", "2025-05-01", "--to", "2025-05-31", "--team", "payments"]
    )
    assert result.exit_code == 0, result.output
    info = json.loads((out / MANIFEST).read_text())
    assert info["period"]["from"] == "2025-05-01" and info["period"]["to"] == "2025-05-31"
    assert info["period"]["days"] == 31
    assert info["filters"]["teams"] == ["payments"]
    assert info["config"] == str(config_file)
    kpis = pl.read_csv(out / "overview-kpis.csv", try_parse_dates=True)
    assert kpis["start"].to_list() == [dt.date(2025, 5, 1), dt.date(2025, 3, 31)]

    # Without --from/--to: the dashboard's default, the 90 days up to the latest merge.
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    info = json.loads((out / MANIFEST).read_text())
    assert info["period"]["to"] == DEMO_END.isoformat() and info["period"]["days"] == 90
    # The Adoption page's Copilot usage tables are in the export too, with real figures.
    summary = pl.read_csv(out / "copilot-usage-summary.csv")
    assert summary.height == 1 and summary["suggestions"][0] > 0

    result = runner.invoke(app, [*args, "--team", "platform"])
    assert result.exit_code == 2
    assert "--team 'platform' is not in the store" in result.output
    result = runner.invoke(app, [*args, "--from", "2025-06-01", "--to", "2025-05-01"])
    assert result.exit_code == 2 and "is after --to" in result.output


# --- Copilot usage ---------------------------------------------------------------------------


def test_copilot_usage_tables_equal_the_metrics(
    everything: tuple[Figures, Path, dict], facts: Facts, demo_store_url: str, tmp_path: Path
) -> None:
    from aimetrics.figures.copilot import copilot_records, copilot_usage
    from aimetrics.figures.store_reads import load_copilot_usage
    from aimetrics.metrics.copilot_usage import daily_usage, usage_figures, weekly_usage

    figures, _, _ = everything
    engine = create_store_engine(demo_store_url)
    try:
        records = load_copilot_usage(engine)
    finally:
        engine.dispose()
    usage = copilot_usage(records, facts, figures.view)
    info = write_csv_export(figures, tmp_path, copilot=usage)
    daily = daily_usage(copilot_records(records, facts, figures.view).lazy())
    period = figures.period
    assert_file_equals(tmp_path, "copilot-usage-summary", usage_figures(daily, period).collect())
    assert_file_equals(tmp_path, "copilot-usage-weekly", weekly_usage(daily, period).collect())
    by_editor = pl.read_csv(tmp_path / "copilot-usage-by-editor.csv")
    assert by_editor["suggestions"].sum() == usage.figures["suggestions"][0] > 0
    assert pl.read_csv(tmp_path / "copilot-usage-by-user.csv").is_empty()  # no individuals
    names = {entry["name"] for entry in info["files"]}  # type: ignore[index]
    assert {"copilot-usage-summary.csv", "copilot-usage-by-language.csv"} <= names


def test_comparisons_carry_the_design(
    everything: tuple[Figures, Path, dict], facts: Facts, settings: Settings, period: Period
) -> None:
    """comparisons.csv: cycle time within engineer (the headline) and pooled, this period and
    the one before, the PR-size ratio within engineer, and the pooled quality differences."""
    _, out, _ = everything
    frame = pl.read_csv(out / "comparisons.csv")
    assert {"design", "period", "ai_engineers", "no_marker_engineers"} <= set(frame.columns)
    assert set(frame["design"]) == {"within engineer", "pooled"}

    def of(p: Period) -> pl.DataFrame:
        return (
            rows(facts.prs, "org", "merged_at", Selection())
            .filter(
                pl.col("counted") & p.contains("merged_at") & pl.col("comparison").is_not_null()
            )
            .with_columns((pl.col("comparison") == AI_GROUP).alias("is_ai"))
            .collect()
        )

    def row(measure: str, design: str, which: str) -> dict[str, object]:
        found = frame.filter(
            pl.col("measure").str.starts_with(measure)
            & (pl.col("design") == design)
            & (pl.col("period") == which)
        )
        assert found.height == 1, (measure, design, which)
        return found.row(0, named=True)

    stats = settings.statistics
    for which, p in (("current", period), ("previous", period.previous())):
        prs = of(p)
        timed = prs.filter(pl.col("timeline") | pl.col("cycle").is_not_null())
        within = within_engineer(
            engineer_cycle_hours(timed.lazy()), "cycle_hours", "c", stats, MIN_PRS_EACH
        )
        pooled = compare_medians(
            timed.with_columns(pl.col("author_key").fill_null("(deleted account)")),
            value="cycle",
            cluster="author_key",
            settings=stats,
        )
        got = row("cycle time ratio", "within engineer", which)
        assert within.ratio.ok and got["value"] == pytest.approx(within.ratio.value)
        assert (got["low"], got["high"]) == pytest.approx((within.ratio.low, within.ratio.high))
        # Within engineer: the same engineers on both sides, each with 3+ PRs of each kind.
        assert got["ai_engineers"] == got["no_marker_engineers"] == within.ai_engineers >= 8
        got = row("cycle time ratio", "pooled", which)
        assert got["value"] == pytest.approx(pooled.ratio.value)
        assert got["ai_prs"] == pooled.ai_prs and got["no_marker_prs"] == pooled.no_marker_prs
        if which == "current":
            size = size_ratio(prs.lazy(), stats)
            got = row("PR size ratio", "within engineer", which)
            assert got["value"] == pytest.approx(size.ratio.value) and size.ratio.value < 1
    for measure in ("revert rate difference", "merged without human review difference"):
        assert row(measure, "pooled", "current")["status"] in ("ok", "not enough data")


def test_within_engineer_figures_follow_privacy_and_the_previous_period(
    everything: tuple[Figures, Path, dict], facts: Facts
) -> None:
    figures, _, _ = everything
    c, before = figures.overview.cycle, figures.overview.cycle_previous
    assert c.within is not None and before.within is not None and c.within.ratio.ok
    # The Delivery page's change of the headline is that of the within-engineer ratios.
    change = figures.delivery["team"].changes["cycle_within"]
    assert (change.current, change.previous) == (c.within.ratio.value, before.within.ratio.value)
    # Fewer engineers than the privacy minimum: not shown, with the reason and the count.
    n = c.within.ai_engineers
    hidden, _ = cycle_comparison(facts, replace(figures.view, min_group_size=n + 1))
    assert hidden.within is not None and not hidden.within.ratio.ok
    assert hidden.within.ai_median is None
    assert f"fewer than {n + 1} engineers to compare (privacy), has {n}" in hidden.within.ratio.note
