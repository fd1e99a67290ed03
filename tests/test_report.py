"""``aimetrics report`` on the demo store: the one-pager's figures are the metric functions'.

The store is built once for the module as ``aimetrics demo`` builds it. The HTML must
carry the figures the metric functions give for the same period and filters (each
headline figure also as ``data-value``), say "not enough data" where a method has too
few engineers, need nothing from the network (no external ``src``/``href`` except the
GitHub links of PRs; in Chromium with every request refused the charts still draw),
and the PDF printed by Debian's Chromium must have the one-pager on page 1 and the
appendix after it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
from dataclasses import replace
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from aimetrics.cli import app
from aimetrics.errors import ExportError
from aimetrics.exports import pdf as pdf_module
from aimetrics.exports.csv_tables import aimetrics_version
from aimetrics.exports.pdf import CHROMIUM, CHROMIUM_ARGS, render_pdf
from aimetrics.exports.report.html import render_html
from aimetrics.exports.report.model import (
    Report,
    build_report,
    describe_selection,
    report_from_figures,
)
from aimetrics.exports.report.onepager import MAX_PAGE1_TEAMS
from aimetrics.figures.compute import Figures, compute_figures
from aimetrics.figures.facts import Facts
from aimetrics.figures.team_actions import action_table, standouts
from aimetrics.format import format_interval, format_money, format_number, format_share
from aimetrics.metrics.adoption import Selection, contributor_adoption, select, with_group
from aimetrics.metrics.overview import CostInputs, overview_figures, select_work
from aimetrics.metrics.period import Period
from aimetrics.metrics.roi import capacity_engineer_equivalents, post_adoption_prs
from aimetrics.metrics.uplift import adoption_dates, throughput_uplift
from aimetrics.settings import Settings, load_settings
from aimetrics.store import create_store_engine
from aimetrics.tagging.rules import shipped_config

from samples import evidence_users, roi_of

GITHUB_PR = re.compile(r"^https://github\.com/[\w.-]+/[\w.-]+/pull/\d+$")
NOW = dt.datetime(2025, 7, 1, 8, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(shipped_config("demo.yaml"))


@pytest.fixture(scope="module")
def report(facts: Facts, settings: Settings, period: Period) -> Report:
    return report_from_figures(compute_figures(facts, settings, period, now=NOW))


@pytest.fixture(scope="module")
def html(report: Report) -> str:
    return render_html(report)


@pytest.fixture(scope="module")
def chromium() -> str:
    """Debian's Chromium: skip without it, except in CI where the test must run."""
    if not os.access(CHROMIUM, os.X_OK):
        reason = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"in CI the browser tests must run: {reason}")
        pytest.skip(reason)
    return CHROMIUM


class Page(HTMLParser):
    """What a browser would load or link: tags with src/href, stylesheets, and the
    headline figures (``data-figure`` elements) with their attributes."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.links: list[tuple[str, str, str]] = []  # tag, attribute, value
        self.figures: dict[str, dict[str, str]] = {}
        self.tags: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.tags.append(tag)
        for name in ("src", "href", "srcset", "data", "action", "poster"):
            if name in values:
                self.links.append((tag, name, values[name]))
        if "data-figure" in values:
            self.figures.setdefault(values["data-figure"], values)


def value(page: Page, key: str) -> float:
    return float(page.figures[key]["data-value"])


def work(facts: Facts) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    return select_work(facts.prs.lazy(), facts.activity.lazy(), Selection())


def costs(facts: Facts) -> CostInputs:
    return CostInputs(
        facts.seat_plans.lazy(),
        facts.cost_records.lazy(),
        facts.seats.lazy(),
        facts.memberships.lazy().rename({"team": "team_slug"}),
        facts.directory.lazy(),
    )


def measured_roi(facts: Facts, settings: Settings, period: Period):  # type: ignore[no-untyped-def]
    """Both ROI methods straight from the metric functions."""
    merged, activity = work(facts)
    adoption = adoption_dates(
        merged, facts.seats.lazy(), facts.directory.lazy(), evidence=facts.evidence.lazy()
    ).collect()
    uplift = throughput_uplift(merged, activity, adoption.lazy(), settings=settings.statistics)
    roi = roi_of(uplift, merged, adoption.lazy(), facts, period, settings.roi)
    return uplift, roi


# --- the HTML's figures are the metric functions' ------------------------------------------------


def test_headline_figures_equal_the_metrics(
    html: str, facts: Facts, settings: Settings, period: Period
) -> None:
    page = Page(html)
    merged, activity = work(facts)
    all_merged = facts.prs.lazy().filter(pl.col("merged_at").is_not_null())
    kpis = overview_figures(
        merged, activity, costs(facts), period, "USD", {}, Selection(), all_merged
    ).collect()
    cur, prev = kpis.row(0, named=True), kpis.row(1, named=True)
    assert value(page, "spend") == pytest.approx(cur["spend"])
    assert float(page.figures["spend"]["data-previous"]) == pytest.approx(prev["spend"])
    assert value(page, "cost_per_merged_pr") == pytest.approx(cur["cost_per_merged_pr"])
    assert value(page, "ai_share") == pytest.approx(cur["ai_share"])
    assert float(page.figures["ai_share"]["data-previous"]) == pytest.approx(prev["ai_share"])
    assert value(page, "throughput") == pytest.approx(cur["throughput"])
    activity_org = with_group(select(facts.activity.lazy(), Selection()), "org", "at")
    users = evidence_users(facts, Selection(), period)
    adoption = contributor_adoption(activity_org, period, users).collect()
    assert value(page, "adoption_rate") == pytest.approx(adoption["adoption_rate"][0])
    # ... and as text, formatted, on the one-pager
    for text in (
        format_money(cur["spend"], "USD"),
        format_money(cur["cost_per_merged_pr"], "USD", 2),
        format_share(cur["ai_share"]),
        format_number(cur["throughput"], "rate"),
    ):
        assert f">{text}<" in html, text


def test_roi_both_methods_equal_the_metrics(
    html: str, facts: Facts, settings: Settings, period: Period
) -> None:
    page = Page(html)
    uplift, roi = measured_roi(facts, settings, period)
    # Too few comparison engineers in the small demo: the measured method says so.
    assert not uplift.estimate.ok
    assert page.figures["measured_roi"]["data-status"] == "not enough data"
    assert "data-value" not in page.figures["measured_roi"]
    assert page.figures["uplift"]["data-status"] == "not enough data"
    assert uplift.estimate.note in html.replace("&#x27;", "'")
    assert value(page, "assumed_roi") == pytest.approx(roi.assumed.roi.value * 100)
    assert value(page, "assumed_value") == pytest.approx(roi.assumed.value.value)
    assert f"ROI {format_number(roi.assumed.roi.value * 100, 'percent')}" in html


def test_measured_roi_with_enough_engineers_has_its_interval(
    facts: Facts, period: Period, tmp_path: Path
) -> None:
    config = tmp_path / "aimetrics.yaml"
    config.write_text(shipped_config("demo.yaml").read_text() + "statistics: {min_engineers: 5}\n")
    settings = load_settings(config)
    page = Page(render_html(report_from_figures(compute_figures(facts, settings, period))))
    uplift, roi = measured_roi(facts, settings, period)
    assert uplift.estimate.ok and roi.measured.roi.ok
    figure = page.figures["measured_roi"]
    assert figure["data-status"] == "ok"
    assert float(figure["data-value"]) == pytest.approx(roi.measured.roi.value * 100)
    assert float(figure["data-low"]) == pytest.approx(roi.measured.roi.low * 100)
    assert float(figure["data-high"]) == pytest.approx(roi.measured.roi.high * 100)
    assert value(page, "measured_value") == pytest.approx(roi.measured.value.value)
    up = page.figures["uplift"]
    assert float(up["data-value"]) == pytest.approx(uplift.percent.value)
    assert float(up["data-low"]) == pytest.approx(uplift.percent.low)


def test_page_one_leads_with_capacity_and_value_roi_only_in_the_appendix(
    facts: Facts, period: Period, tmp_path: Path
) -> None:
    config = tmp_path / "aimetrics.yaml"
    config.write_text(shipped_config("demo.yaml").read_text() + "statistics: {min_engineers: 5}\n")
    settings = load_settings(config)
    got = report_from_figures(compute_figures(facts, settings, period))
    html = render_html(got)
    page = Page(html)
    f = got.figures
    assert f.roi is not None and f.roi.capacity is not None and f.roi.capacity.ok
    # Capacity: the metric's engineer-equivalents of the figures' uplift and post-adoption PRs.
    merged, _ = work(facts)
    adoption = adoption_dates(merged, facts.seats.lazy(), facts.directory.lazy()).collect()
    post = post_adoption_prs(merged, adoption.lazy(), period)
    ee = capacity_engineer_equivalents(f.measured.uplift, post, period)
    cap = page.figures["capacity"]
    assert float(cap["data-value"]) == pytest.approx(ee.value)
    assert float(cap["data-low"]) <= float(cap["data-value"]) <= float(cap["data-high"])
    assert f"{ee.value:,.1f} engineer-equivalents" in html
    # Value against spend: the low end quoted first, as a floor of value low / spend.
    per = page.figures["value_per_spend"]
    low = f.roi.measured.value.low / f.roi.measured.spend
    assert float(per["data-low"]) == pytest.approx(low)
    claim = "not shown to cover its spend" if low < 1 else "at least"
    assert claim in html
    # The summary's order: capacity, value vs spend, spend billed/estimated, run rate.
    first = got.summary[:4]
    assert first[0].startswith("Capacity gained:") and "engineer-equivalents" in first[0]
    assert "of capacity" in first[1] and claim in first[1]
    assert "billed" in first[2] and "estimated" in first[2]
    assert first[3].startswith("Monthly run rate:")
    assert not any("ROI" in line for line in got.summary)
    # ROI in percent only after the appendix heading; no change of it anywhere.
    appendix = html.index("Appendix A.")
    assert "ROI in percent (appendix)" in html[appendix:]
    assert not re.search(r"ROI [+−-]?[\d,.]+%", html[:appendix])
    assert re.search(r"ROI [+−-]?[\d,.]+%", html[appendix:])
    assert (
        "previous period: ROI" not in html and "data-previous" not in page.figures["measured_roi"]
    )
    # Spend split and run rate: the figures' own.
    cur = f.spend.figures.row(0, named=True)
    assert value(page, "spend") == pytest.approx(cur["spend_billed"] + cur["spend_estimated"])
    assert f"of which {format_money(cur['spend_billed'], 'USD')} billed" in html
    assert value(page, "run_rate") == pytest.approx(f.spend.run_rate.monthly)


def test_idle_seats_cycle_time_and_guardrails(report: Report, html: str) -> None:
    f = report.figures
    page = Page(html)
    seats = f.spend.seats
    assert value(page, "idle_seats") == seats["idle"].sum()
    # The cycle-time tile is the within-engineer comparison; the size ratio sits beside it.
    cycle, size = f.overview.cycle.within, f.overview.cycle.size
    assert cycle is not None and cycle.ratio.ok
    assert value(page, "cycle_ratio") == pytest.approx(cycle.ratio.value)
    assert size is not None and size.ratio.ok
    assert value(page, "size_ratio") == pytest.approx(size.ratio.value)
    q = f.quality["team"]
    assert value(page, "revert_diff") == pytest.approx(q.revert_diff.value)
    assert value(page, "unreviewed_diff") == pytest.approx(q.unreviewed_diff.value)
    for key in ("cycle_ratio", "revert_diff", "unreviewed_diff", "throughput", "ai_share"):
        assert "data-low" in page.figures[key] and "data-high" in page.figures[key], key


def test_method_notes_and_sample_sizes(report: Report, html: str) -> None:
    terms = [term for term, _ in report.notes]
    for term in (
        "AI-assisted",
        "Throughput",
        "Cycle time",
        "AI spend",
        "Idle seat",
        "Measured uplift",
        "ROI, measured",
        "ROI, assumed",
        "Intervals",
        "Privacy",
    ):
        assert term in terms and f"<dt>{term}</dt>" in html
    samples = dict(report.samples)
    merged = report.figures.spend.figures["merged_prs"].to_list()
    assert samples["Merged PRs (this period / before)"] == f"{merged[0]:,} / {merged[1]:,}"
    assert "Assumptions: measured uplift" in html and "Assumptions: assumed time saved" in html
    assert "Other (small groups)" in html  # the privacy note: the small identity team folded


# --- page 1: verdict, team table, one chart -------------------------------------------------------


def page_one(html: str) -> str:
    start = html.index('<section class="onepager">')
    return html[start : html.index("</section>", start)]


def test_page_one_holds_the_verdict_the_team_table_and_one_chart(report: Report, html: str) -> None:
    one = page_one(html)
    f = report.figures
    # (a) Three sentences, in order: adoption, measured effect, value against spend.
    said = re.findall(r'<p data-verdict="(\w+)">(.*?)</p>', one)
    assert [key for key, _ in said] == ["adoption", "effect", "value"]
    adoption, effect, value = (unescape(text) for _, text in said)
    head = f.adoption["team"].headline.row(0, named=True)
    cur = f.spend.figures.row(0, named=True)
    assert adoption.startswith(
        f"Adoption: {head['ai_users']:,} of {head['active_contributors']:,} active engineers"
    )
    assert f"{format_share(cur['ai_share'])} of the {cur['merged_prs']:,} merged PRs" in adoption
    # Too few comparison engineers in the small demo: "not enough data" with the reason, no
    # number; the cycle-time interval of the same engineers includes 1×: no claimed effect.
    uplift = f.measured.uplift.percent
    assert not uplift.ok
    assert f"not enough data to measure a change in throughput — {uplift.note}" in effect
    within = f.overview.cycle.within
    assert within is not None and within.ratio.low < 1 < within.ratio.high
    assert "no measurable difference in cycle time" in effect
    assert f"{within.ratio.low:.2f}× to {within.ratio.high:.2f}×" in effect
    assert value.startswith(f"AI cost {format_money(cur['spend'], 'USD')} in these 90 days")
    assert f"{format_money(cur['spend_billed'], 'USD')} billed" in value
    assert "ROI" not in adoption + effect + value
    # The demo configures budgets, none forecast over in this month of the small demo.
    assert (f.budgets["status"] == "within budget").all()
    assert f"All {f.budgets.height} budgets are forecast within their limits" in value
    # (b) The team action table: the Overview's rows, columns and words (privacy folded;
    # dashboard/team_actions.show draws action_table too).
    overview = action_table(f.team_actions, f.currency, f.view.statistics.confidence_level)
    headers = re.findall(r"<th class=\"[^\"]*\">(.*?)</th>", one)
    assert [unescape(h) for h in headers] == overview.columns
    rows = re.findall(r"<tr><td.*?</tr>", one)
    cells = [[unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r)] for r in rows]
    assert cells == [[f"{v:,}" if isinstance(v, int) else v for v in r] for r in overview.rows()]
    assert "Other (small groups)" in [r[0] for r in cells]
    assert [r[0] for r in cells] == f.team_actions["team"].to_list()  # as team-actions.csv
    for sentence in standouts(f.team_actions, f.currency):
        assert unescape(re.sub(r"</?strong>", "**", one)).count(sentence) == 1
    # (c) One chart: the weekly AI-assisted share, partial weeks apart from the line.
    specs = re.findall(r'<script type="application/json" id="(chart-\d+)-spec">(.*?)</script>', one)
    assert len(specs) == 1
    line, partial = json.loads(specs[0][1])["data"]
    trend = f.overview.trend
    whole = trend.filter(pl.col("days") == 7)
    assert line["x"] == [str(d) for d in whole["week_start"].to_list()]
    assert line["y"][-1] == pytest.approx(whole["ai_share"][-1] * 100)
    part = trend.filter((pl.col("days") < 7) & (pl.col("merged_prs") > 0))
    assert partial["mode"] == "markers" and partial["x"] == [
        str(d) for d in part["week_start"].to_list()
    ]
    assert part.height >= 1  # the demo's period ends mid-week: that week is drawn apart
    # The dense headline figures moved to the appendix, which keeps all of them.
    assert 'data-figure="' not in one
    appendix = Page(html[html.index("Appendix A. Headline figures") :]).figures
    for key in ("spend", "run_rate", "cost_per_merged_pr", "idle_seats", "ai_share",
                "adoption_rate", "throughput", "uplift", "cycle_ratio", "size_ratio",
                "revert_diff", "unreviewed_diff", "capacity", "value_per_spend",
                "measured_value", "assumed_value"):  # fmt: skip
        assert key in appendix, key


def many_teams(report: Report, n: int) -> Report:
    """The report with ``n`` teams of long names, each with a measured change and idle seats
    (so all three standout sentences are said): a worst case for page 1's length."""
    f = report.figures
    one = f.team_actions.row(0, named=True)
    rows = [
        one | {
            "team": f"customer-experience-platform-{i:02d}", "spend": 1000.0 - i,
            "idle_seats": 3, "idle_monthly_cost": 57.0, "throughput_status": "ok",
            "throughput_change": 5.0 + 20 * (i % 2), "throughput_change_low": -3.0 + 10 * (i % 2),
            "throughput_change_high": 12.0 + 30 * (i % 2), "adopters": 12,
        }
        for i in range(n)
    ]  # fmt: skip
    many = pl.DataFrame(rows, schema=f.team_actions.schema)
    return replace(report, figures=replace(f, team_actions=many))


def test_page_one_lists_the_largest_spenders_and_the_appendix_every_team(
    report: Report,
) -> None:
    """With more teams than page 1 holds, page 1 shows the largest spenders and says how many
    more; the appendix has every team."""
    text = render_html(many_teams(report, MAX_PAGE1_TEAMS + 3))
    first = page_one(text)
    last, next_ = (
        f"customer-experience-platform-{i:02d}" for i in (MAX_PAGE1_TEAMS - 1, MAX_PAGE1_TEAMS)
    )
    assert last in first and next_ not in first
    assert "3 more team(s) in the appendix and in team-actions.csv." in first
    assert len(re.findall(r"<li>", first)) == 3  # every standout sentence
    rest = text[text.index("Every team") :]
    assert all(f"customer-experience-platform-{i:02d}" in rest for i in range(MAX_PAGE1_TEAMS + 3))


@pytest.mark.browser
def test_pdf_page_one_holds_the_longest_team_table(
    report: Report, chromium: str, tmp_path: Path
) -> None:
    """The largest page 1 (the most teams it lists, long names, three standouts): the chart
    still ends on page 1."""
    if not shutil.which("pdftotext"):
        pytest.skip("no pdftotext (apt-get install poppler-utils)")
    path = tmp_path / "many.pdf"
    render_pdf(render_html(many_teams(report, MAX_PAGE1_TEAMS + 3)), path)
    first = pdf_page_text(path, 1)
    assert re.search(r"Largest\s+measured\s+throughput\s+change", first)
    assert "Most idle spend" in first
    assert "Is more of the merged work AI-assisted, week by week?" in first
    assert first.endswith(f"aimetrics {aimetrics_version()}.")  # the footer, last on page 1
    assert pdf_page_text(path, 2).startswith("Appendix A. Headline figures")


def test_page_one_under_a_repository_filter_says_why_there_is_no_team_table(
    facts: Facts, settings: Settings, period: Period
) -> None:
    repo = facts.repositories[0]
    got = report_from_figures(
        compute_figures(facts, settings, period, Selection(repositories=(repo,)))
    )
    one = page_one(render_html(got))
    assert "with a repository filter there is no team action table" in one
    assert got.verdict[2].startswith("Value against spend: not shown, because AI spend is not")


def test_appendix_weekly_bars_draw_partial_weeks_pale(report: Report, html: str) -> None:
    specs = [
        json.loads(x)
        for x in re.findall(
            r'<script type="application/json" id="chart-\d+-spec">(.*?)</script>', html
        )
    ]
    bars = next(
        s for s in specs if s["layout"]["title"]["text"].startswith("How much of the merged work")
    )
    days = report.figures.overview.trend["days"].to_list()
    assert 7 in days and any(d < 7 for d in days)
    for trace in bars["data"]:
        assert trace["marker"]["opacity"] == [1.0 if d == 7 else 0.35 for d in days]


# --- self-contained: works offline ---------------------------------------------------------------


def test_html_is_self_contained(html: str) -> None:
    page = Page(html)
    assert "link" not in page.tags and "iframe" not in page.tags and "img" not in page.tags
    assert not [v for tag, name, v in page.links if name != "href"]  # no src= at all
    external = [v for _, _, v in page.links if re.match(r"(?i)^(https?:)?//", v)]
    assert external and all(GITHUB_PR.match(v) for v in external)  # PR links in tables only
    # Outside plotly.js (whose source mentions URLs it never loads here) every address is a PR.
    specs = re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', html, re.S)
    markup = re.sub(r"<script\b[^>]*>.*?</script>", "", html, flags=re.S)
    assert "@import" not in markup and "url(" not in markup
    addresses = re.findall(r"(?i)(?:https?:)?//[^\s\"'<>)]+", markup + "".join(specs))
    assert addresses and all(GITHUB_PR.match(a) for a in addresses), addresses
    assert html.count("<script>") == 2  # plotly.js and the drawing script, both inline


def test_html_is_small_and_its_plotly_bundle_draws_every_chart(html: str) -> None:
    # A report travels by e-mail: the basic plotly.js bundle (bar, pie, scatter) keeps it
    # under 1.5 MB; it must be the plotly.js the installed plotly.py writes figures for.
    from plotly.offline import get_plotlyjs_version

    from aimetrics.exports.report.html import PLOTLY_TRACES, plotly_bundle

    assert len(html.encode()) < 1_500_000
    assert f"plotly.js (basic - minified) v{get_plotlyjs_version()}" in plotly_bundle()[:200]
    specs = re.findall(
        r'<script type="application/json" id="chart-[^>]*>(.*?)</script>', html, re.S
    )
    assert specs
    traces = {tr.get("type", "scatter") for s in specs for tr in json.loads(s)["data"]}
    assert traces and traces <= PLOTLY_TRACES, traces


@pytest.mark.browser
def test_html_draws_its_charts_offline(html: str, chromium: str) -> None:
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=list(CHROMIUM_ARGS))
        try:
            page = browser.new_page()
            page.route("**/*", lambda route: (requests.append(route.request.url), route.abort()))
            page.set_content(html, wait_until="load")
            page.wait_for_function(
                "document.documentElement.getAttribute('data-charts') === 'ready'"
            )
            charts = page.locator("div.chart").count()
            drawn = page.locator("div.chart svg.main-svg").count()
        finally:
            browser.close()
    assert requests == []
    assert charts >= 4 and drawn >= charts


# --- PDF -------------------------------------------------------------------------------------


def pdf_page_text(path: Path, page: int) -> str:
    """One page's text as poppler's pdftotext reads it, whitespace collapsed."""
    out = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), str(path), "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return " ".join(out.stdout.split())


@pytest.mark.browser
def test_pdf_page_one_holds_the_verdict_the_team_table_and_the_chart(
    report: Report, html: str, chromium: str, tmp_path: Path, demo_store_url: str
) -> None:
    if not shutil.which("pdftotext"):
        pytest.skip("no pdftotext (apt-get install poppler-utils)")
    path = tmp_path / "report.pdf"
    render_pdf(html, path)
    assert len(PdfReader(path).pages) >= 2
    first, second = pdf_page_text(path, 1), pdf_page_text(path, 2)
    assert first.startswith("AI adoption and ROI")
    for sentence in report.verdict:  # all three, whole, on page 1
        assert " ".join(sentence.split()) in first, sentence
    assert "Which teams to talk to" in first
    f = report.figures
    shown = action_table(f.team_actions, f.currency, f.view.statistics.confidence_level)
    for row in shown.iter_rows(named=True):  # every row of the table, its words as shown
        for cell in (
            row["Team"],
            row["AI-assisted PR share"],
            row["AI spend per engineer a month"],
        ):
            assert str(cell) in first, cell
    assert "Is more of the merged work AI-assisted, week by week?" in first
    assert "Appendix" not in first and "Headline figures" not in first
    assert second.startswith("Appendix A. Headline figures")  # page 1 did not overflow
    text = " ".join(pdf_page_text(path, n) for n in range(2, len(PdfReader(path).pages) + 1))
    for detail in ("Capacity gained", "Monthly run rate", "Idle seats to reclaim",
                   "an assumption, not a measurement", "Method notes", "Sample sizes"):  # fmt: skip
        assert detail in text, detail  # the former page 1's detail, kept in the appendix
    # A report travels: no store URL or path in the PDF either.
    everything = first + text
    assert "sqlite:" not in everything
    assert demo_store_url.removeprefix("sqlite:///") not in everything


def test_pdf_without_chromium_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, demo_store_url: str
) -> None:
    monkeypatch.setattr(pdf_module, "CHROMIUM", str(tmp_path / "no-chromium"))
    monkeypatch.setattr(pdf_module.shutil, "which", lambda _: None)
    monkeypatch.delenv(pdf_module.CHROMIUM_ENV, raising=False)
    with pytest.raises(ExportError, match=r"install Debian's chromium .* or write \.html"):
        render_pdf("<html></html>", tmp_path / "r.pdf")
    result = CliRunner().invoke(
        app, ["report", "--out", str(tmp_path / "r.pdf"), "--db", demo_store_url]
    )
    assert result.exit_code == 2
    assert "install Debian's chromium" in " ".join(result.output.split())
    assert not (tmp_path / "r.pdf").exists()


# --- the command and its API ---------------------------------------------------------------------


def test_cli_report_html(demo_store_url: str, tmp_path: Path) -> None:
    out = tmp_path / "out" / "report.html"
    config = shipped_config("demo.yaml")
    args = ["report", "--from", "2025-04-01", "--to", "2025-06-30", "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--db", demo_store_url, "--config", str(config)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "2025-04-01 – 2025-06-30 (91 days, UTC)" in text
    # A report travels: no store URL and no file path in it (the configuration by name only).
    store_path = demo_store_url.removeprefix("sqlite:///")
    assert "sqlite:" not in text and store_path not in text
    assert str(config) not in text and str(config.parent) not in text
    assert config.name in text
    assert Page(text).figures["spend"]["data-value"]
    result = CliRunner().invoke(app, ["report", "--out", str(tmp_path / "r.docx")])
    assert result.exit_code == 2 and "FILE.html or FILE.pdf" in result.output


def test_build_report_api(demo_store_url: str, settings: Settings, period: Period) -> None:
    engine = create_store_engine(demo_store_url)
    try:
        got = build_report(engine, settings, period, Selection(teams=("payments",)), now=NOW)
    finally:
        engine.dispose()
    assert isinstance(got.figures, Figures) and got.period == period
    assert got.figures.selection.teams == ("payments",)
    assert got.figures.store == demo_store_url and got.figures.generated_at == NOW
    text = render_html(got)
    assert "teams payments" in text and not got.withheld
    # A tool by its display name, as in the dashboard's filter (one name per tool).
    assert describe_selection(Selection(tools=("claude-code",))) == "AI tools Claude Code"


def test_small_selection_shows_no_figures(facts: Facts, period: Period, tmp_path: Path) -> None:
    config = tmp_path / "aimetrics.yaml"
    config.write_text(shipped_config("demo.yaml").read_text() + "privacy: {min_group_size: 12}\n")
    settings = load_settings(config)
    got = report_from_figures(
        compute_figures(facts, settings, period, Selection(teams=("identity",)))
    )
    assert got.withheld and "fewer than the privacy threshold" in got.withheld
    page = Page(render_html(got))
    assert page.figures == {}  # no figure at all
    assert got.verdict == () and "data-verdict" not in render_html(got)
    assert "Method notes" in render_html(got)


def test_repository_filter_leaves_spend_and_roi_out(
    facts: Facts, settings: Settings, period: Period
) -> None:
    repo = facts.repositories[0]
    got = report_from_figures(
        compute_figures(facts, settings, period, Selection(repositories=(repo,)))
    )
    page = Page(render_html(got))
    assert "data-value" not in page.figures["spend"]
    assert page.figures["capacity"]["data-status"] == "not available"
    assert page.figures["value_per_spend"]["data-status"] == "not available"
    assert "data-value" in page.figures["ai_share"]


def test_cycle_time_line_names_the_design(report: Report) -> None:
    """The summary's cycle-time line is the within-engineer comparison with its engineers,
    the size ratio beside it, and the pooled ratio named as descriptive."""
    c = report.figures.overview.cycle
    assert c.within is not None and c.pooled is not None and c.size is not None
    line = next(x for x in report.summary if x.startswith("Cycle time"))
    assert "same engineers (within engineer; " in line
    assert f"{c.within.ai_engineers} engineers, their own PRs compared" in line
    assert f"ratio {format_number(c.within.ratio.value, 'ratio')} (" in line
    assert f"{format_number(c.size.ratio.value, 'ratio')} the size of the same engineers'" in line
    pooled = format_number(c.pooled.ratio.value, "ratio")
    assert f"Pooled over everyone, unadjusted: {pooled} (descriptive only" in line
    assert c.pooled.ratio.value != c.within.ratio.value
    guards = next(x for x in report.summary if x.startswith("Quality guardrails"))
    assert "pooled over all authors (descriptive)" in guards


def test_overview_cycle_tile_is_the_within_engineer_comparison(report: Report) -> None:
    """The dashboard's Overview tile on the same figures: the within-engineer ratio with its
    engineers and interval; the size ratio and the pooled one (descriptive) in its help."""
    from dashboard import kpis

    o = report.figures.overview
    c = o.cycle
    assert c.within is not None and c.pooled is not None and c.size is not None
    tile = kpis.cycle_kpi(c, o.cycle_previous)
    assert tile.value == f"{c.within.ratio.value:.2f}×"
    assert tile.n.startswith(f"{c.within.ai_engineers:,} engineers, their own PRs compared")
    assert tile.uncertainty == format_interval(c.within.ratio, ".2f", "×")
    assert f"Pooled, unadjusted (descriptive): {c.pooled.ratio.value:.2f}×" in tile.help
    assert f"AI-assisted PRs are {c.size.ratio.value:.2f}× the size" in tile.help
