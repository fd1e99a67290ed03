"""The Copilot adoption phases table (Adoption page) and ``copilot-adoption-phases.csv`` on a
small store: people per phase as of a day (each once, in the phase of their last listed day
within 7 days), small phases folded under privacy.min_group_size, the same rows in both."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from aimetrics.exports.csv_export import MANIFEST, write_csv_export
from aimetrics.figures.compute import load_figures
from aimetrics.metrics.adoption import Selection
from aimetrics.metrics.copilot_phases import phase_as_of
from aimetrics.metrics.period import Period
from aimetrics.metrics.privacy import OTHER
from aimetrics.settings.load import parse_settings
from aimetrics.store import read_table, write_frames
from aimetrics.store import schema as s
from aimetrics.store.forget import forget_person
from aimetrics.store.types import table_schema

LATEST = dt.date(2026, 8, 2)
PERIOD = Period(dt.date(2026, 7, 6), dt.date(2026, 8, 3))


def _phases(rows: list[tuple[dt.date, str, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"day": d, "user_login": u, "phase_number": n, "phase": f"Phase {n}", "version": "v1"}
            for d, u, n in rows
        ],
        schema=table_schema(s.copilot_adoption_phases),
        orient="row",
    )


def _store(engine: sa.Engine, rows: list[tuple[dt.date, str, int]]) -> None:
    write_frames(engine, [(s.copilot_adoption_phases, _phases(rows))])


def _people(phase: int, n: int, day: dt.date = LATEST) -> list[tuple[dt.date, str, int]]:
    return [(day, f"p{phase}-{i}", phase) for i in range(n)]


def test_as_of_a_day_each_person_counts_once_in_their_latest_phase_within_7_days() -> None:
    rows = [
        (dt.date(2026, 7, 20), "ann", 1),  # 13 days before: out of the window
        (dt.date(2026, 7, 27), "bob", 1),  # the window's first day (Jul 27 .. Aug 2): in
        (dt.date(2026, 7, 29), "cy", 1),
        (LATEST, "cy", 3),  # moved on: counted in phase 3 only
        (dt.date(2026, 7, 26), "dee", 2),  # one day before the window: out
    ]
    frame = _phases(rows).rename({"user_login": "person_key"}).lazy()
    got = phase_as_of(frame, pl.LazyFrame({"day": [LATEST]})).collect()
    assert sorted(got.select("person_key", "phase_number").rows()) == [("bob", 1), ("cy", 3)]


def test_table_and_csv_fold_small_phases_and_agree(engine: sa.Engine, tmp_path: Path) -> None:
    # Phase 0: 5 people, phase 1: 6, phase 2: 2, phase 3: 3 (k = 5). Phases 2 and 3 together
    # have 5 people: shown as Other. One listed 3 days earlier counts on the latest day too.
    rows = _people(0, 5) + _people(1, 5) + _people(2, 2) + _people(3, 3)
    rows.append((LATEST - dt.timedelta(days=3), "late-1", 1))
    _store(engine, rows)
    figures = load_figures(engine, parse_settings(""), PERIOD)
    phases = figures.copilot_phases
    assert phases is not None and phases.status == ""
    assert phases.day == LATEST and phases.people == 16
    want = [(0, "Phase 0 · no cohort", 5), (1, "Phase 1 · code first", 6), (None, OTHER, 5)]
    assert phases.latest.select("phase_number", "phase", "people").rows() == want
    assert phases.privacy.folded == ("Phase 2 · agent first", "Phase 3 · multi-agent")
    assert phases.versions == ("v1",)
    info = write_csv_export(figures, tmp_path)
    csv = pl.read_csv(tmp_path / "copilot-adoption-phases.csv", try_parse_dates=True)
    assert csv.columns == ["day", "phase_number", "phase", "people"]
    # The CSV's latest day is the page's table; the earlier day has only late-1 (1 < k: gone).
    assert csv.filter(pl.col("day") == LATEST).rows() == [(LATEST, *r) for r in want]
    assert csv.filter(pl.col("day") != LATEST).is_empty()
    files = {f["name"]: f for f in info["files"]}
    assert files["copilot-adoption-phases.csv"]["rows"] == csv.height
    manifest = json.loads((tmp_path / MANIFEST).read_text())
    assert manifest["privacy"]["left_out"]["copilot adoption phases"]["folded"] == list(
        phases.privacy.folded
    )


def test_too_few_people_is_not_shown_and_the_csv_is_withheld(
    engine: sa.Engine, tmp_path: Path
) -> None:
    _store(engine, _people(1, 3) + _people(2, 1))
    figures = load_figures(engine, parse_settings(""), PERIOD)
    phases = figures.copilot_phases
    assert phases is not None and "fewer than the privacy threshold" in phases.status
    assert phases.latest.is_empty()
    info = write_csv_export(figures, tmp_path)
    assert pl.read_csv(tmp_path / "copilot-adoption-phases.csv").is_empty()
    entry = next(f for f in info["files"] if f["name"] == "copilot-adoption-phases.csv")
    assert "privacy threshold" in entry["withheld"]


def test_no_phases_stored_says_how_to_get_them(engine: sa.Engine) -> None:
    figures = load_figures(engine, parse_settings(""), PERIOD)
    assert figures.copilot_phases is not None
    assert "aimetrics collect github" in figures.copilot_phases.status


def test_a_team_filter_uses_the_copilot_user_teams_report_only_for_people_in_no_team(
    engine: sa.Engine,
) -> None:
    # ann is in team web (our teams: configuration or GitHub teams); GitHub's Copilot report
    # puts her in platform too, which our team wins over. u1..u5 are in no team of ours:
    # the report's platform counts for them (u1 is in two teams: still one person).
    ann = 7001
    frames = [
        (s.people, pl.DataFrame({"id": [ann], "login": ["ann"], "display_name": ["Ann"]})),
        (
            s.identities,
            pl.DataFrame(
                {"kind": ["login"], "value": ["ann"], "person_id": [ann], "source": ["github"]}
            ),
        ),
        (
            s.teams,
            pl.DataFrame(
                {"slug": ["web", "platform", "infra"], "name": ["Web", "Platform", "Infra"]}
            ).with_columns(pl.lit("github").alias("source")),
        ),
        (
            s.team_memberships,
            pl.DataFrame({"team_slug": ["web"], "person_id": [ann], "valid_from": [PERIOD.start]}),
        ),
    ]
    reported = [("ann", 501, "platform")] + [(f"u{i}", 501, "platform") for i in range(1, 6)]
    reported.append(("u1", 503, "infra"))
    teams = pl.DataFrame(
        [
            {"scope": "organization", "owner": "acme", "day": LATEST, "user_id": 100 + n,
             "team_id": team_id, "user_login": login, "team_slug": slug}
            for n, (login, team_id, slug) in enumerate(reported)
        ],
        schema=table_schema(s.copilot_user_teams),
    )  # fmt: skip
    write_frames(engine, [*frames, (s.copilot_user_teams, teams)])
    _store(engine, [(LATEST, login, 1) for login in ("ann", "u1", "u2", "u3", "u4", "u5")])

    def people(team: str) -> tuple[int, str]:
        figures = load_figures(engine, parse_settings(""), PERIOD, Selection(teams=(team,)))
        assert figures.copilot_phases is not None
        return figures.copilot_phases.people, figures.copilot_phases.status

    assert people("platform") == (5, "")
    assert people("infra")[0] == 1  # u1 only: too few, not shown
    count, status = people("web")
    assert count == 1 and "privacy threshold" in status


def test_forgetting_a_person_renames_them_in_both_copilot_tables(engine: sa.Engine) -> None:
    frames = [
        (s.people, pl.DataFrame({"id": [7002], "login": ["Bea"], "display_name": ["Bea"]})),
        (
            s.identities,
            pl.DataFrame(
                {"kind": ["login"], "value": ["bea"], "person_id": [7002], "source": ["github"]}
            ),
        ),
    ]
    teams = pl.DataFrame(
        [{"scope": "organization", "owner": "acme", "day": LATEST, "user_id": 1, "team_id": 2,
          "user_login": "Bea", "team_slug": "web"}],
        schema=table_schema(s.copilot_user_teams),
    )  # fmt: skip
    write_frames(engine, [*frames, (s.copilot_user_teams, teams)])
    _store(engine, [(LATEST, "bea", 2)])
    done = forget_person(engine, "bea")
    for table in (s.copilot_user_teams, s.copilot_adoption_phases):
        assert read_table(engine, table)["user_login"].to_list() == [done.pseudonym]
