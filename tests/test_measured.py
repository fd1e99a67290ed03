"""The measured uplift is the same number everywhere: a team's change on the team map equals the
uplift exported with ``--team`` for it, a tool filter splits the organization's value by tool
(the values add up), and ``uplift.csv`` / ``dose-response.csv`` carry the sensitivity and the
dose-response (docs/metrics.md, "Measured throughput uplift").

Runs ``aimetrics export csv`` on the demo at scale 1 (built once for the module, about 3 s on
a laptop): at the shared fixture's scale 0.3 no team has enough adopters to be measured.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from aimetrics.cli import app
from aimetrics.figures.cost import roi_parts
from aimetrics.figures.facts import Facts
from aimetrics.figures.measured import PREFERRED
from aimetrics.figures.tool_share import tool_shares
from aimetrics.figures.view import default_period, money_of, view_of
from aimetrics.metrics.adoption import Selection
from aimetrics.metrics.evidence import EVIDENCE_SCHEMA, MARKER, UNSPECIFIED
from aimetrics.metrics.overview import select_work
from aimetrics.metrics.period import Period
from aimetrics.metrics.privacy import OTHER
from aimetrics.metrics.team_map import group_uplift
from aimetrics.metrics.uplift import (
    ADOPTION_BASES,
    ADOPTION_SCHEMA,
    adoption_dates,
    throughput_uplift,
    weekly_panel,
)
from aimetrics.settings import Settings, load_settings
from aimetrics.tagging.rules import shipped_config

from samples import DEMO_END, build_demo_store, store_facts

DEMO_CONFIG = shipped_config("demo.yaml")


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("measured") / "store.db"
    return build_demo_store(f"sqlite:///{path}", scale=1.0, end_date=DEMO_END)


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(DEMO_CONFIG)


@pytest.fixture(scope="module")
def facts(url: str, settings: Settings) -> Facts:
    return store_facts(url, settings)


@pytest.fixture(scope="module")
def period(facts: Facts, settings: Settings) -> Period:
    return default_period(facts.prs["merged_at"].max(), settings)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def export(url: str, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """``export(*options)``: the directory ``aimetrics export csv`` wrote with ``options``
    (each distinct call once per module)."""
    done: dict[tuple[str, ...], Path] = {}

    def run(*options: str, config: Path = DEMO_CONFIG) -> Path:
        key = (*options, str(config))
        if key not in done:
            out = tmp_path_factory.mktemp("export")
            args = ["export", "csv", "--out", str(out), "--db", url, "--config", str(config)]
            result = CliRunner().invoke(app, [*args, *options])
            assert result.exit_code == 0, result.output
            done[key] = out
        return done[key]

    return run


def read(out: Path, name: str) -> pl.DataFrame:
    return pl.read_csv(out / f"{name}.csv")


def headline(out: Path) -> dict[str, object]:
    return read(out, "uplift").filter(pl.col("adoption_basis") == PREFERRED).row(0, named=True)


def measured_value(out: Path) -> dict[str, object]:
    roi = read(out, "roi").filter(
        (pl.col("period") == "current")
        & (pl.col("method") == "measured uplift")
        & (pl.col("measure") == "value")
    )
    return roi.row(0, named=True)


# --- a team filter narrows who is treated, never who is compared ----------------------------


def test_team_map_equals_the_uplift_under_each_team_filter(export, facts: Facts) -> None:  # type: ignore[no-untyped-def]
    org = read(export(), "team-map")
    teams = set(facts.teams["slug"].to_list())
    measured = org.filter((pl.col("status") == "ok") & pl.col("group").is_in(list(teams)))
    assert OTHER not in measured["group"].to_list()
    assert measured.height >= 2, org  # the demo at scale 1 measures several teams
    for row in measured.iter_rows(named=True):
        out = export("--team", row["group"])
        up = headline(out)
        assert up["status"] == "ok", (row["group"], up["note"])
        # The team map shows percent, uplift.csv the ratio.
        for column, ratio in (("uplift", "value"), ("uplift_low", "low"), ("uplift_high", "high")):
            assert (up[ratio] - 1.0) * 100.0 == pytest.approx(row[column], rel=1e-12), column  # type: ignore[operator]
        assert (up["adopting_engineers"], up["comparison_engineers"]) == (
            row["adopters"],
            row["comparison_engineers"],
        )
        # And the team map under that filter shows the same point for the team.
        own = read(out, "team-map").filter(pl.col("group") == row["group"]).row(0, named=True)
        for column in ("uplift", "uplift_low", "uplift_high"):
            assert own[column] == pytest.approx(row[column], rel=1e-12)


def test_several_teams_treat_the_members_of_any(export, facts: Facts, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    org = read(export(), "team-map").filter(pl.col("status") == "ok")
    a, b = sorted(set(org["group"]) & set(facts.teams["slug"]))[:2]
    both = headline(export("--team", a, "--team", b))
    # From the metric functions: everyone's panel, the members of either team treated.
    merged, activity = select_work(facts.prs.lazy(), facts.activity.lazy(), Selection())
    adoption = adoption_dates(
        merged, facts.seats.lazy(), facts.directory.lazy(), settings.reporting.timezone,
        facts.evidence.lazy(),
    )  # fmt: skip
    panel = weekly_panel(merged, activity, adoption, settings.reporting.timezone)
    either = activity.filter(pl.col("teams").list.set_intersection([a, b]).list.len() > 0)
    members = either.select("person_key").unique().collect()["person_key"].to_list()
    want = group_uplift(panel, members, settings.statistics)
    assert both["status"] == "ok" and want.estimate.ok
    assert (both["value"], both["low"], both["high"]) == pytest.approx(
        (want.estimate.value, want.estimate.low, want.estimate.high), rel=1e-12
    )
    assert (both["adopting_engineers"], both["comparison_engineers"]) == (
        want.treated_engineers,
        want.comparison_engineers,
    )
    one, other = headline(export("--team", a)), headline(export("--team", b))
    assert max(one["adopting_engineers"], other["adopting_engineers"]) <= want.treated_engineers  # type: ignore[operator]


# --- a tool filter splits the value ----------------------------------------------------------


def test_tool_values_add_up_to_the_organizations(export) -> None:  # type: ignore[no-untyped-def]
    org = export()
    shares = read(org, "tool-shares")
    assert shares["weight"].sum() == pytest.approx(1.0)
    total = measured_value(org)
    assert total["status"] == "ok"
    added = {"value": 0.0, "low": 0.0, "high": 0.0}
    for row in shares.iter_rows(named=True):
        if row["tool_id"] == UNSPECIFIED:  # no filter picks it: its share, computed
            for k in added:
                added[k] += row["weight"] * total[k]  # type: ignore[operator]
            continue
        out = export("--tool", row["tool_id"])
        # The uplift under a tool filter is the organization's ...
        assert headline(out)["value"] == headline(org)["value"]
        # ... and the value its share of the organization's.
        inputs = read(out, "roi-inputs").filter(
            (pl.col("period") == "current") & (pl.col("input") == "value_share")
        )
        assert inputs["value"].to_list() == pytest.approx([row["weight"]])
        value = measured_value(out)
        for k in added:
            added[k] += value[k]  # type: ignore[operator]
    assert len(shares) >= 2
    for k, v in added.items():
        assert v == pytest.approx(total[k], rel=1e-9), k


def test_tool_share_rule_on_a_hand_computed_case(
    facts: Facts, settings: Settings, period: Period
) -> None:
    """1/k split within a week, ``unspecified`` only when a week knows no tool, people and
    days outside the view left out."""
    active = facts.activity.filter(period.contains("at"))["person_key"].unique().sort().to_list()
    p1, p2 = active[:2]
    monday = period.start + dt.timedelta(days=(7 - period.start.weekday()) % 7 + 7)
    week_a, week_b = monday, monday + dt.timedelta(days=7)
    day = dt.timedelta(days=1)
    rows = [
        (p1, week_a, "github-copilot", "copilot usage"),
        (p1, week_a + day, "cursor", "vendor usage"),  # same week: half each
        (p1, week_b, "claude-code", MARKER),
        (p2, week_a, UNSPECIFIED, MARKER),  # nothing else that week: unspecified
        (p2, week_b, UNSPECIFIED, MARKER),
        (p2, week_b + day, "github-copilot", "seat activity"),  # the tool is known that week
        ("nobody-active", week_a, "cursor", "vendor usage"),  # not active: no weight
        (p1, period.start - 30 * day, "cursor", "vendor usage"),  # before the period
    ]
    hand = replace(facts, evidence=pl.DataFrame(rows, schema=EVIDENCE_SCHEMA, orient="row"))
    v = view_of(settings, period)
    got = tool_shares(hand, v)
    want = {"claude-code": 1.0, "cursor": 0.5, "github-copilot": 1.5, UNSPECIFIED: 1.0}
    assert dict(got.weights.select("tool_id", "user_weeks").iter_rows()) == want
    assert dict(got.weights.select("tool_id", "weight").iter_rows()) == pytest.approx(
        {t: w / 4.0 for t, w in want.items()}
    )
    assert got.share == 1.0
    # Under a tool filter the share is the selected tools' weights, and ROI uses it.
    picked = view_of(settings, period, Selection(tools=("cursor", "claude-code")))
    assert tool_shares(hand, picked).share == pytest.approx(1.5 / 4.0)
    no_adoption = pl.DataFrame(schema=ADOPTION_SCHEMA)
    parts = roi_parts(hand, picked, money_of(settings), period, no_adoption)
    assert parts.value_share == pytest.approx(1.5 / 4.0)


# --- uplift.csv: the estimate under each adoption basis ---------------------------------------


def test_uplift_csv_has_a_row_per_adoption_basis(export, facts: Facts, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    table = read(export(), "uplift")
    assert table["adoption_basis"].to_list() == [PREFERRED, *ADOPTION_BASES]
    assert {"basis_seat", "basis_first_evidence", "basis_first_ai_change"} <= set(table.columns)
    merged, activity = select_work(facts.prs.lazy(), facts.activity.lazy(), Selection())

    def uplift(bases: tuple[str, ...]):  # type: ignore[no-untyped-def]
        adoption = adoption_dates(
            merged, facts.seats.lazy(), facts.directory.lazy(), settings.reporting.timezone,
            facts.evidence.lazy(), bases,
        ).collect()  # fmt: skip
        return throughput_uplift(merged, activity, adoption.lazy(), settings=settings.statistics)

    for row, bases in zip(
        table.iter_rows(named=True), [ADOPTION_BASES, *((b,) for b in ADOPTION_BASES)], strict=True
    ):
        u = uplift(bases)
        assert row["status"] == u.estimate.status, row["adoption_basis"]
        assert row["adopting_engineers"] == u.treated_engineers
        if u.estimate.ok:
            assert (row["value"], row["low"], row["high"]) == pytest.approx(
                (u.estimate.value, u.estimate.low, u.estimate.high)
            )
        if len(bases) == 1:  # a basis alone dates every adopter by it
            assert row[f"basis_{bases[0].lower().replace(' ', '_')}"] == u.treated_engineers
    # The headline rests on more than one basis here: the sensitivity is not trivial.
    assert table.filter(pl.col("status") == "ok").height >= 2


# --- dose-response.csv --------------------------------------------------------------------------


DOSE_COLUMNS = [
    "intensity", "measure", "value", "low", "high", "level", "status", "note", "engineers", "prs",
]  # fmt: skip


def test_dose_response_export_shape(export, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    out = export()
    dose = read(out, "dose-response")
    assert dose.columns == DOSE_COLUMNS
    assert dose.height >= 1
    up = headline(out)
    # Every adopter taking part is in one bin; each bin with a number has enough adopters.
    assert dose["engineers"].sum() == up["adopting_engineers"]
    ok = dose.filter(pl.col("status") == "ok")
    assert ok.height >= 1 and (ok["engineers"] >= settings.statistics.min_engineers).all()
    assert ((ok["low"] <= ok["value"]) & (ok["value"] <= ok["high"])).all()


def test_dose_response_bins_too_small_show_no_number(export, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "strict.yaml"
    config.write_text(DEMO_CONFIG.read_text() + "\nstatistics:\n  min_engineers: 500\n")
    dose = read(export(config=config), "dose-response")
    assert dose.columns == DOSE_COLUMNS
    assert dose.height == 1  # folded into one bin, still too few adopters
    row = dose.row(0, named=True)
    assert row["status"] == "not enough data" and row["value"] is None
    assert "at least 500" in row["note"]
