"""Value in terms leadership believes, and honest spend, through the figures and the CSV
export: capacity rows of roi.csv, billed + estimated = spend, the run rate and whole-month
bars on hand-computed cases (docs/metrics.md, "Capacity in engineer-equivalents, and value
for spend", "Billed and estimated spend", "Monthly run rate", "Monthly bars")."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import polars as pl
import pytest

from aimetrics.exports.csv_export import tables
from aimetrics.figures.compute import Figures, compute_figures
from aimetrics.figures.cost import cost_inputs, spend_by_month, view_run_rate
from aimetrics.figures.facts import Facts
from aimetrics.figures.view import money_of, view_of
from aimetrics.metrics.adoption import Selection
from aimetrics.metrics.overview import select_work, selected_spend
from aimetrics.metrics.period import Period
from aimetrics.metrics.roi import capacity_engineer_equivalents, post_adoption_prs
from aimetrics.metrics.uplift import adoption_dates
from aimetrics.settings import Settings, load_settings
from aimetrics.tagging.rules import shipped_config


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    # The shared demo store is small: measure the uplift with 5 engineers per group.
    config = tmp_path_factory.mktemp("value") / "aimetrics.yaml"
    config.write_text(shipped_config("demo.yaml").read_text() + "statistics: {min_engineers: 5}\n")
    return load_settings(config)


@pytest.fixture(scope="module")
def figures(facts: Facts, settings: Settings, period: Period) -> Figures:
    return compute_figures(facts, settings, period)


@pytest.fixture(scope="module")
def exported(figures: Figures) -> dict[str, pl.DataFrame]:
    return {t.name: t.frame for t in tables(figures)}


def test_roi_csv_has_capacity_rows_consistent_with_the_uplift(
    exported: dict[str, pl.DataFrame], figures: Figures, facts: Facts, period: Period
) -> None:
    roi = exported["roi"]
    merged, _ = select_work(facts.prs.lazy(), facts.activity.lazy(), Selection())
    adoption = adoption_dates(merged, facts.seats.lazy(), facts.directory.lazy()).collect()
    uplift = figures.measured.uplift
    assert uplift.estimate.ok  # the demo has enough engineers at min_engineers 5
    for label, p in (("current", period), ("previous", period.previous())):
        rows = roi.filter(
            (pl.col("period") == label) & (pl.col("measure") == "capacity_engineer_equivalents")
        )
        assert rows.height == 1 and rows["method"][0] == "measured uplift"
        row = rows.row(0, named=True)
        assert row["status"] == "ok"
        assert row["low"] <= row["value"] <= row["high"]
        # EE = extra PRs / (baseline PRs per engineer-week x weeks), from the figures' uplift.
        post = post_adoption_prs(merged, adoption.lazy(), p)
        ee = capacity_engineer_equivalents(uplift, post, p)
        assert (row["value"], row["low"], row["high"]) == pytest.approx((ee.value, ee.low, ee.high))
        extra = post * (1 - 1 / uplift.estimate.value)
        assert row["value"] == pytest.approx(extra / (uplift.baseline_rate * p.weeks))
        # Value per unit of spend: the value's rows over the spend.
        here = roi.filter(pl.col("period") == label)
        for method in ("measured uplift", "assumed time saved"):
            of = here.filter(pl.col("method") == method)
            value = of.filter(pl.col("measure") == "value").row(0, named=True)
            per = of.filter(pl.col("measure") == "value_per_spend").row(0, named=True)
            assert per["value"] == pytest.approx(value["value"] / value["spend"])
            if value["low"] is not None:
                assert per["low"] == pytest.approx(value["low"] / value["spend"])


@pytest.mark.parametrize("tools", [(), ("github-copilot",)])
def test_capacity_is_the_measured_hours_in_engineer_weeks(
    facts: Facts, settings: Settings, period: Period, tools: tuple[str, ...]
) -> None:
    """Capacity and the measured value rest on the same extra PRs (under a tool filter, the
    same tool share): EE = measured hours / (hours per engineer-week x weeks), interval too."""
    f = compute_figures(facts, settings, period, Selection(tools=tools), breakdowns=("team",))
    assert f.roi is not None and f.roi.capacity is not None and f.roi.capacity.ok
    week = settings.roi.hours_per_week * period.weeks
    hours, ee = f.roi.measured.hours, f.roi.capacity
    assert (ee.value, ee.low, ee.high) == pytest.approx(
        (hours.value / week, hours.low / week, hours.high / week)
    )


def test_no_percentage_point_change_of_an_roi_in_any_export(
    exported: dict[str, pl.DataFrame],
) -> None:
    for name, frame in exported.items():
        for column in frame.columns:
            assert not ("roi" in column.lower() and "change" in column.lower()), (name, column)
        for column, dtype in frame.schema.items():
            if dtype == pl.String:
                texts = frame[column].drop_nulls().str.to_lowercase()
                bad = texts.filter(texts.str.contains("roi") & texts.str.contains(r"change|\bpp\b"))
                assert bad.is_empty(), (name, column, bad.to_list())
    assert set(exported["roi"]["measure"]) == {
        "capacity_engineer_equivalents", "value_per_spend", "hours", "value", "roi",
        "payback_days",
    }  # fmt: skip


def test_overview_kpis_spend_is_billed_plus_estimated(
    exported: dict[str, pl.DataFrame], facts: Facts, period: Period
) -> None:
    kpis = exported["overview-kpis"]
    assert {"spend_billed", "spend_estimated"} <= set(kpis.columns)
    for row in kpis.iter_rows(named=True):
        assert row["spend_billed"] + row["spend_estimated"] == pytest.approx(row["spend"])
    # The billed part: the billed lines of the period (the demo bills Copilot and Claude usage).
    merged = facts.prs.lazy().filter(pl.col("merged_at").is_not_null())
    lines = selected_spend(cost_inputs(facts), merged, period, "USD").collect()
    billed = lines.filter(pl.col("basis") == "billed")["amount"].sum()
    current = kpis.row(0, named=True)
    assert current["spend_billed"] == pytest.approx(billed) and billed > 0
    assert current["spend_estimated"] > 0


# --- hand-made spend: run rate and whole months ------------------------------------------------


def hand_spend(facts: Facts) -> Facts:
    """Only Cursor: 10 seats at 40 a month from 2025-01-01 (configured), usage records (not
    billed) on a few days, and one seat on Copilot's API (no plan price: costs nothing)."""
    plans = pl.DataFrame(
        [("cursor", "business", dt.date(2025, 1, 1), None, 10, 40.0, "USD", "config")],
        schema=facts.seat_plans.schema,
        orient="row",
    )
    day_rows = [
        (dt.date(2025, 5, 20), 1_000.0),  # before the 30 days up to June 20
        (dt.date(2025, 5, 22), 70.0),  # the first of the 30 days (May 22 .. June 20)
        (dt.date(2025, 6, 10), 30.0),
        (dt.date(2025, 6, 20), 5.0),  # as_of itself
        (dt.date(2025, 6, 25), 400.0),  # after as_of: not in the run rate, in June's bar
    ]
    records = pl.DataFrame(
        [
            (
                f"hand:cursor:{d}",
                "cursor",
                "cursor",
                d,
                False,
                amount,
                amount,
                "USD",
                1.0,
                "requests",
                None,
                None,
            )
            for d, amount in day_rows
        ],
        schema=facts.cost_records.schema,
        orient="row",
    )
    return replace(facts, seat_plans=plans, cost_records=records, seats=facts.seats.clear())


def test_run_rate_hand_computed_through_the_figures(facts: Facts, settings: Settings) -> None:
    f = hand_spend(facts)
    period = Period(dt.date(2025, 5, 1), dt.date(2025, 6, 21))  # last day June 20
    rate = view_run_rate(f, view_of(settings, period), money_of(settings))
    assert rate.as_of == dt.date(2025, 6, 20)
    # Seats: a day's seat-plan amount times the days of an average month = the monthly price.
    assert rate.seats_monthly == pytest.approx(10 * 40.0)
    # Usage: May 22 .. June 20 inclusive.
    assert rate.usage_30_days == pytest.approx(70.0 + 30.0 + 5.0)
    assert rate.monthly == pytest.approx(400.0 + 105.0)
    # Under a tool filter without Cursor: nothing.
    other = view_of(settings, period, Selection(tools=("github-copilot",)))
    assert view_run_rate(f, other, money_of(settings)).monthly == 0.0


def test_whole_month_bars_on_a_period_ending_four_days_into_a_month(
    facts: Facts, settings: Settings
) -> None:
    f = hand_spend(facts)
    period = Period(dt.date(2025, 5, 1), dt.date(2025, 6, 5))  # May whole, June 1-4
    bars = spend_by_month(f, view_of(settings, period), money_of(settings))
    per_day = 10 * 40.0 * 12 / 365  # a seat-month is 365/12 days

    def bar(month: dt.date, component: str) -> dict[str, object]:
        rows = bars.filter((pl.col("month") == month) & (pl.col("component") == component))
        assert rows.height == 1, rows
        return rows.row(0, named=True)

    may, june = dt.date(2025, 5, 1), dt.date(2025, 6, 1)
    seats_may, seats_june = bar(may, "seats"), bar(june, "seats")
    assert seats_may["partial"] is False and seats_june["partial"] is True
    assert seats_may["amount"] == pytest.approx(seats_may["month_amount"])
    assert seats_may["month_amount"] == pytest.approx(31 * per_day)
    # June: the whole month's seats, of which the period holds 4 days.
    assert seats_june["month_amount"] == pytest.approx(30 * per_day)
    assert seats_june["amount"] == pytest.approx(4 * per_day)
    # June's usage: all after June 4, so the bar is drawn whole but none of it is in the period.
    usage_june = bar(june, "usage")
    assert usage_june["month_amount"] == pytest.approx(30.0 + 5.0 + 400.0)
    assert usage_june["amount"] == 0.0
    # The in-period parts add up to the period's spend.
    spend = selected_spend(
        cost_inputs(f), f.prs.lazy().filter(pl.col("merged_at").is_not_null()), period, "USD"
    ).collect()
    assert bars["amount"].sum() == pytest.approx(spend["amount"].sum())
