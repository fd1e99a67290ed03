"""The team action table: each figure is the one the other views show for the team (the team
map, the Adoption page by team, the Delivery page under the team's filter, the Cost page's
idle seats); sentences only for teams that stand out, never for "not enough data"."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest

from aimetrics.exports.csv_export import write_csv_export
from aimetrics.figures.compute import compute_figures
from aimetrics.figures.delivery import cycle_comparison
from aimetrics.figures.team_actions import OK, TEAM_ACTION_COLUMNS, standouts
from aimetrics.metrics.adoption import Selection
from aimetrics.metrics.privacy import OTHER
from aimetrics.settings import load_settings
from aimetrics.tagging.rules import shipped_config

from samples import DEMO_END, build_demo_store, store_facts


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The scale-1 demo (six teams, three of them measurable) and its figures."""
    url = f"sqlite:///{tmp_path_factory.mktemp('actions') / 'store.db'}"
    build_demo_store(url, scale=1.0, end_date=DEMO_END)
    settings = load_settings(shipped_config("demo.yaml"))
    facts = store_facts(url, settings)
    return facts, settings, compute_figures(facts, settings)


def test_each_figure_is_the_one_the_other_views_show(demo) -> None:  # type: ignore[no-untyped-def]
    facts, _, f = demo
    actions = f.team_actions
    assert actions.columns == list(TEAM_ACTION_COLUMNS)
    assert actions["spend"].to_list() == sorted(actions["spend"].to_list(), reverse=True)
    team_map = f.teams.map.rename({"group": "team"})
    joined = actions.join(team_map, on="team")
    assert joined.height == actions.height == team_map.height
    assert (joined["engineers"] == joined["engineers_right"]).all()
    months = f.period.days / (365 / 12)
    for r in joined.iter_rows(named=True):
        assert r["spend_per_engineer_month"] == pytest.approx(r["spend_per_engineer"] / months)
        if r["status"] == OK:
            assert r["throughput_status"] == OK
            assert (r["throughput_change"], r["throughput_change_low"]) == (
                r["uplift"], r["uplift_low"],
            )  # fmt: skip
        else:
            assert r["throughput_change"] is None and r["throughput_status"] == r["note"]
    by_team = f.adoption["team"].by_group.rename({"group": "team"})
    users = actions.join(by_team, on="team")
    assert (users["ai_users"] == users["ai_users_right"]).all()
    # The cycle-time ratio is the Delivery page's under the team's filter.
    measured = actions.filter(pl.col("cycle_status") == OK)
    assert measured.height >= 2
    for r in measured.iter_rows(named=True):
        view = replace(f.view, selection=Selection(teams=(r["team"],)))
        within = cycle_comparison(facts, view)[0].within
        assert within is not None
        assert (r["cycle_ratio"], r["cycle_engineers"]) == (within.ratio.value, within.ai_engineers)
    # Idle seats: the Cost page's list, counted by holder's team.
    idle = f.spend.idle
    assert actions["idle_seats"].sum() >= idle.filter(pl.col("team").is_not_null()).height > 0


def test_sentences_name_their_numbers_and_never_not_enough_data(demo) -> None:  # type: ignore[no-untyped-def]
    _, _, f = demo
    sentences = standouts(f.team_actions, "USD")
    rows = {r["team"]: r for r in f.team_actions.iter_rows(named=True)}
    for s in sentences:
        team = s.split("**")[1]
        assert team in rows and team != OTHER
        if s.startswith("Largest measured cycle-time difference"):
            r = rows[team]
            assert r["cycle_status"] == OK
            assert r["cycle_ratio_low"] > 1 or r["cycle_ratio_high"] < 1
            assert f"{r['cycle_ratio']:.2f}×" in s and "90% CI" in s and "engineers" in s
        else:
            assert rows[team]["throughput_status"] == OK or s.startswith("Most idle spend")
    flat = [s for s in sentences if s.startswith("Largest spend with no measurable throughput")]
    moved = [s for s in sentences if s.startswith("Largest measured throughput change")]
    for s in flat:
        r = rows[s.split("**")[1]]
        assert r["throughput_change_low"] <= 0 <= r["throughput_change_high"]
        assert "90% CI" in s and "adopters" in s
        # A cycle time that did change is said, not hidden behind "no measurable change".
        differs = r["cycle_status"] == OK and not r["cycle_ratio_low"] <= 1 <= r["cycle_ratio_high"]
        assert ("Its cycle time did differ" in s) == differs
    for s in moved:
        r = rows[s.split("**")[1]]
        assert r["throughput_change_low"] > 0 or r["throughput_change_high"] < 0
    idle = max(rows.values(), key=lambda r: r["idle_monthly_cost"])
    assert any(s.startswith(f"Most idle spend: **{idle['team']}**") for s in sentences)


def test_nothing_stands_out_says_nothing() -> None:
    quiet = pl.DataFrame(
        {
            "team": ["a", "b"], "engineers": [9, 9], "ai_users": [5, 5], "ai_share": [0.1, 0.2],
            "spend": [100.0, 50.0], "spend_per_engineer_month": [10.0, 5.0],
            "idle_seats": [0, 0], "idle_monthly_cost": [0.0, 0.0],
            "throughput_change": [None, None], "throughput_change_low": [None, None],
            "throughput_change_high": [None, None], "adopters": [3, 2],
            "throughput_status": ["needs at least 8 adopting engineers"] * 2,
            "cycle_ratio": [None, None], "cycle_ratio_low": [None, None],
            "cycle_ratio_high": [None, None], "cycle_engineers": [1, 1],
            "cycle_status": ["not enough data"] * 2,
        }
    )  # fmt: skip
    assert standouts(quiet, "USD") == []


def test_team_actions_csv_is_the_table(demo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, _, f = demo
    info = write_csv_export(f, tmp_path)
    got = pl.read_csv(tmp_path / "team-actions.csv", schema=f.team_actions.schema)
    assert got.equals(f.team_actions)
    assert "budgets.csv" in {x["name"] for x in info["files"]}  # type: ignore[index, union-attr]
    budgets = pl.read_csv(tmp_path / "budgets.csv")
    assert set(budgets["target"]) == {"github-copilot", "claude-code", "payments"}
    assert "over budget" in budgets["status"].to_list()


def test_a_flat_throughput_with_a_changed_cycle_time_says_both() -> None:
    """The largest spender's throughput change includes none, but its AI-assisted PRs merge
    measurably slower: the sentence says so instead of "no measurable change" alone."""
    row = {
        "team": "platform", "engineers": 24, "ai_users": 23, "ai_share": 0.54,
        "spend": 16242.0, "spend_per_engineer_month": 229.0, "idle_seats": 0,
        "idle_monthly_cost": 0.0, "throughput_change": -9.0, "throughput_change_low": -23.0,
        "throughput_change_high": 8.0, "adopters": 22, "throughput_status": OK,
        "cycle_ratio": 1.26, "cycle_ratio_low": 1.03, "cycle_ratio_high": 1.55,
        "cycle_engineers": 23, "cycle_status": OK,
    }  # fmt: skip
    sentences = standouts(pl.DataFrame([row]), "USD")
    assert sentences[0] == (
        "Largest spend with no measurable throughput change: **platform** spends $229 per "
        "engineer a month ($16,242 in the period); its throughput change −9% (90% CI −23% to "
        "+8%, 22 adopters) includes no change. Its cycle time did differ: AI-assisted PRs take "
        "1.26× the time of the same engineers' other PRs (90% CI 1.03× to 1.55×)."
    )
    assert sentences[1].startswith("Largest measured cycle-time difference: **platform**'s")
