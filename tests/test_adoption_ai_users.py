"""Adoption counts AI users by the one evidence definition (docs/metrics.md "Active
engineers, AI users, adoption rate"): a hand-computed case through the metric, and the
demo store through the figures and the CSV export."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest

from aimetrics.exports.csv_export import write_csv_export
from aimetrics.exports.report.model import report_from_figures
from aimetrics.figures.adoption import adoption
from aimetrics.figures.compute import Figures, compute_figures
from aimetrics.figures.facts import Facts
from aimetrics.figures.view import view_of
from aimetrics.format import format_share
from aimetrics.metrics.adoption import (
    ADOPTION_COLUMNS,
    Selection,
    contributor_adoption,
    select,
    with_group,
)
from aimetrics.metrics.evidence import (
    EVIDENCE_SCHEMA,
    ai_users,
    copilot_evidence,
    evidence,
    marker_evidence,
    seat_evidence,
)
from aimetrics.metrics.period import Period
from aimetrics.settings import Settings, load_settings
from aimetrics.tagging.rules import shipped_config

PERIOD = Period(date(2026, 3, 1), date(2026, 3, 15))
EVERYONE = Selection()
DIRECTORY = pl.LazyFrame(
    {"kind": ["login"] * 4, "value": ["alice", "bob", "carol", "dave"],
     "person_key": ["p-alice", "p-bob", "p-carol", "p-dave"]}
)  # fmt: skip


def at(day: int) -> datetime:
    return datetime(2026, 3, day, 12, tzinfo=UTC)


def activity() -> pl.LazyFrame:
    # alice: unmarked work in x, in teams a and b; bob: a PR marked (claude-code) in x and an
    # unmarked commit in y; carol and dave: unmarked work in y; erin: before the period.
    return pl.LazyFrame(
        {
            "person_key": ["p-alice", "p-bob", "p-bob", "p-carol", "p-dave", "p-erin"],
            "at": [at(3), at(4), at(5), at(6), at(7), datetime(2026, 2, 20, tzinfo=UTC)],
            "is_ai": [False, True, False, False, False, False],
            "ai_tool": [None, "claude-code", None, None, None, None],
            "teams": [["a", "b"], ["a"], ["a"], ["b"], ["b"], ["b"]],
            "repository": ["x", "x", "y", "y", "y", "y"],
        }
    )


def all_evidence() -> pl.LazyFrame:
    usage = pl.LazyFrame(
        {
            "scope": ["user", "user"],
            "owner": ["acme", "acme"],
            "day": [date(2026, 3, 9), date(2026, 3, 9)],
            "user_login": ["alice", "dave"],
            "record": [
                json.dumps({"code_acceptance_activity_count": 7}),  # completions accepted
                json.dumps({"code_generation_activity_count": 5}),  # shown, none accepted
            ],
        }
    )
    # carol holds a seat she never used; erin's seat was last used before the period.
    seats = pl.LazyFrame(
        {"tool_id": ["github-copilot"] * 2, "login": ["carol", "erin"],
         "last_activity_at": [None, datetime(2026, 2, 1, tzinfo=UTC)]}
    )  # fmt: skip
    return evidence(
        marker_evidence(activity()),
        copilot_evidence(usage, DIRECTORY),
        seat_evidence(seats, DIRECTORY),
    )


def adoption_by(by: str, selection: Selection = EVERYONE) -> list[tuple]:  # type: ignore[type-arg]
    ev = all_evidence()
    if selection.tools:  # as aimetrics.figures.ai_users.selected_evidence
        ev = ev.filter(pl.col("tool_id").is_in(list(selection.tools)))
    chosen = select(activity(), selection)
    users = ai_users(ev, chosen.with_columns(pl.col("ai").alias("is_ai")), PERIOD)
    grouped = with_group(chosen, by, "at", teams=selection.teams)
    table = contributor_adoption(grouped, PERIOD, users.filter("ai_user").select("person_key"))
    return table.collect().select("group", *ADOPTION_COLUMNS).rows()


def test_ai_users_by_hand_per_team_and_repository() -> None:
    # Columns: active, AI users, without markers, marked, adoption rate.
    # alice: Copilot completions only (an AI user without markers); bob: a marker; carol:
    # a seat without activity (not use); dave: suggestions shown, none accepted (not use).
    assert adoption_by("org") == [("All", 4, 2, 1, 1, 0.5)]
    # alice counts in both her teams.
    assert adoption_by("team") == [("a", 2, 2, 1, 1, 1.0), ("b", 3, 1, 1, 0, 1 / 3)]
    # Evidence is per person: bob's use counts in y too, where his work carries no marker.
    assert adoption_by("repository") == [("x", 2, 2, 1, 1, 1.0), ("y", 3, 1, 1, 0, 1 / 3)]


def test_a_tool_filter_counts_only_that_tools_evidence_and_markers() -> None:
    copilot = Selection(tools=("github-copilot",))
    # bob's claude-code marker no longer counts; alice's Copilot use does.
    assert adoption_by("org", copilot) == [("All", 4, 1, 1, 0, 0.25)]
    claude = Selection(tools=("claude-code",))
    assert adoption_by("team", claude) == [("a", 2, 1, 0, 1, 0.5), ("b", 3, 0, 0, 0, 0.0)]


# --- the demo store: the figures and the export -----------------------------------------------


@pytest.fixture(scope="module")
def demo_store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The whole demo (scale 1): the smaller one of the other tests has no growth team,
    the team whose engineers use only Copilot completions (docs/demo.md)."""
    from samples import DEMO_END, build_demo_store

    url = f"sqlite:///{tmp_path_factory.mktemp('demo-full') / 'store.db'}"
    return build_demo_store(url, scale=1.0, end_date=DEMO_END)


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(shipped_config("demo.yaml"))


@pytest.fixture(scope="module")
def figures(facts: Facts, settings: Settings, period: Period) -> Figures:
    return compute_figures(facts, settings, period)


def test_demo_growth_team_shows_its_ai_users(
    figures: Figures, facts: Facts, settings: Settings, period: Period, tmp_path: Path
) -> None:
    write_csv_export(figures, tmp_path)
    summary = pl.read_csv(tmp_path / "adoption-summary.csv")
    by_team = pl.read_csv(tmp_path / "adoption-by-team.csv")
    for frame in (summary, by_team, pl.read_csv(tmp_path / "adoption-by-repository.csv")):
        assert set(ADOPTION_COLUMNS) <= set(frame.columns)
        assert "ai_active_contributors" not in frame.columns
        assert (
            frame["ai_users"] == frame["marked_contributors"] + frame["ai_users_without_markers"]
        ).all()
        assert frame["adoption_rate"].to_list() == pytest.approx(
            (frame["ai_users"] / frame["active_contributors"]).to_list()
        )
    # The growth team uses Copilot completions, which leave no marker.
    growth = by_team.filter(pl.col("group") == "growth").row(0, named=True)
    assert growth["ai_users"] > growth["marked_contributors"]
    assert growth["ai_users_without_markers"] > 0
    # The summary is the evidence definition over the people active in the period.
    active = facts.activity.filter(period.contains("at"))["person_key"].unique()
    users = ai_users(
        facts.evidence.lazy(), facts.activity.lazy(), period, settings.reporting.timezone
    ).collect()
    row = summary.row(0, named=True)
    assert row["active_contributors"] == active.len()
    assert row["ai_users"] == users["ai_user"].sum() > row["marked_contributors"]
    assert row["ai_users_without_markers"] == users["without_markers"].sum() > 0


def test_report_states_ai_users_and_use_without_markers(figures: Figures) -> None:
    head = figures.adoption["team"].headline.row(0, named=True)
    assert head["ai_users_without_markers"] > 0
    report = report_from_figures(figures)
    users = (
        f"{head['ai_users']:,} of {head['active_contributors']:,} active engineers used AI "
        f"({format_share(head['adoption_rate'])}), {head['ai_users_without_markers']:,} of "
        "them without AI markers"
    )
    assert any(users in line for line in report.summary), report.summary
    notes = dict(report.notes)
    assert "Copilot usage reports" in notes["AI user"]
    tile = report.kpis["adoption_rate"]
    assert tile.value == pytest.approx(head["adoption_rate"])
    assert tile.sample.startswith(
        f"{head['ai_users']:,} of {head['active_contributors']:,} active engineers, "
        f"{head['ai_users_without_markers']:,} of them without AI markers"
    )


def test_figures_without_other_evidence_count_the_marked(
    facts: Facts, settings: Settings, period: Period
) -> None:
    """With only the markers as evidence, the AI users are the marked engineers; one
    Copilot-usage day of an unmarked engineer adds one AI user without markers."""
    v = view_of(settings, period)
    markers_only = replace(facts, evidence=facts.evidence.filter(pl.col("source") == "marker"))
    head = adoption(markers_only, v, "team").headline.row(0, named=True)
    assert head["ai_users"] == head["marked_contributors"] > 0
    assert head["ai_users_without_markers"] == 0
    in_period = facts.activity.filter(period.contains("at"))
    unmarked = (
        in_period.group_by("person_key").agg(pl.col("is_ai").any()).filter(~pl.col("is_ai"))
    )["person_key"].sort()[0]
    one_day = pl.DataFrame(
        {"person_key": [unmarked], "day": [period.start], "tool_id": ["github-copilot"],
         "source": ["copilot usage"]},
        schema=EVIDENCE_SCHEMA,
    )  # fmt: skip
    plus_one = replace(markers_only, evidence=pl.concat([markers_only.evidence, one_day]))
    got = adoption(plus_one, v, "team").headline.row(0, named=True)
    assert got["ai_users"] == head["ai_users"] + 1
    assert got["ai_users_without_markers"] == 1
    assert got["adoption_rate"] == pytest.approx(
        (head["ai_users"] + 1) / head["active_contributors"]
    )
