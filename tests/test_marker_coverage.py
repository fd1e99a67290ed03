"""Marker coverage and evidence per source (issue 16): hand-made store rows with answers
computed by hand in the comments, the CSV export, and the demo store."""

from __future__ import annotations

import datetime as dt
from datetime import date
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from aimetrics.exports.csv_export import write_csv_export
from aimetrics.figures.compute import compute_figures
from aimetrics.figures.facts import Facts, load_facts_for
from aimetrics.figures.marker_coverage import MarkerCoverageData, marker_coverage_data
from aimetrics.figures.view import view_of
from aimetrics.ids import stable_id
from aimetrics.metrics.adoption import Selection
from aimetrics.metrics.period import Period
from aimetrics.settings import Settings
from aimetrics.store import create_store_engine, upgrade, write_frames
from aimetrics.store import schema as s

CLAUDE, CURSOR = "claude-code", "cursor"
MARCH, APRIL = date(2026, 3, 1), date(2026, 4, 1)
PERIOD = Period(MARCH, date(2026, 5, 1))
NAMES = ("ann", "bob", "cy", "dan")


def ts(day: date, hour: int = 12) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)


def d(day: int, month: int = 3) -> date:
    return date(2026, month, day)


REPOSITORIES = pl.DataFrame({"id": [1], "full_name": ["org/a"], "source": ["github"]})
PEOPLE = pl.DataFrame(
    {
        "id": [stable_id(n) for n in NAMES],
        "login": list(NAMES),
        "display_name": [n.title() for n in NAMES],
        "is_bot": [False] * 4,
        "excluded": [False] * 4,
    }
)
IDENTITIES = pl.DataFrame(
    {
        "kind": ["login"] * 4 + ["email"] * 4,
        "value": [*NAMES, *(f"{n}@corp.io" for n in NAMES)],
        "person_id": [stable_id(n) for n in NAMES] * 2,
        "source": ["config"] * 8,
    }
)
TEAMS = pl.DataFrame({"slug": ["core", "web"], "name": ["Core", "Web"], "source": ["config"] * 2})
# ann, bob and cy in core; dan in web.
MEMBERSHIPS = pl.DataFrame(
    {
        "team_slug": ["core", "core", "core", "web"],
        "person_id": [stable_id(n) for n in NAMES],
        "valid_from": [date(2026, 1, 1)] * 4,
    }
)

# sha, author, day, additions, deletions, on the default branch, marker tool
_COMMITS = [
    ("a1", "ann", d(2), 30, 5, False, CLAUDE),  # PR 1's branch commits: the tool made them
    ("a2", "ann", d(2), 10, 0, False, CLAUDE),
    ("a3", "ann", d(2), 7, 7, False, None),  # unmarked
    ("sq1", "ann", d(6), 40, 5, True, CLAUDE),  # PR 1's squash commit: GitHub's, left out
    ("b1", "bob", d(4), 20, 2, True, CLAUDE),  # a direct push
    ("b2", "bob", d(4), 12, 3, True, CURSOR),
    ("c1", "cy", d(5), 1, 1, True, CLAUDE),
    ("d1", "dan", d(7), 99, 1, True, CLAUDE),  # dan: no vendor row, so not compared
    ("a4", "ann", d(1, 4), 4, 0, True, CLAUDE),  # April
]
COMMITS = pl.DataFrame(
    {
        "repo_id": [1] * len(_COMMITS),
        "sha": [c[0] for c in _COMMITS],
        "author_login": [c[1] for c in _COMMITS],
        "author_email": [f"{c[1]}@corp.io" for c in _COMMITS],
        "authored_at": [ts(c[2]) for c in _COMMITS],
        "committed_at": [ts(c[2]) for c in _COMMITS],
        "additions": [c[3] for c in _COMMITS],
        "deletions": [c[4] for c in _COMMITS],
        "on_default_branch": [c[5] for c in _COMMITS],
    }
)
# number, author, opened, merged, marker tool, merge commit
_PRS = [
    (1, "ann", d(2), d(6), CLAUDE, "sq1"),
    (2, "bob", d(4), None, None, None),
    (3, "cy", d(5), d(5), CLAUDE, None),
    (4, "dan", d(7), d(7), CLAUDE, None),
]
PRS = pl.DataFrame(
    {
        "repo_id": [1] * len(_PRS),
        "number": [p[0] for p in _PRS],
        "state": ["MERGED" if p[3] else "OPEN" for p in _PRS],
        "author_login": [p[1] for p in _PRS],
        "author_type": ["User"] * len(_PRS),
        "created_at": [ts(p[2], 9) for p in _PRS],
        "merged_at": [ts(p[3], 15) if p[3] else None for p in _PRS],
        "merge_commit_sha": [p[5] for p in _PRS],
        "source": ["github"] * len(_PRS),
    }
)


def _tags() -> pl.DataFrame:
    rows = [("commit", c[0], c[6]) for c in _COMMITS if c[6]]
    rows += [("pull_request", str(p[0]), p[4]) for p in _PRS if p[4]]
    return pl.DataFrame(
        {
            "entity": [r[0] for r in rows],
            "repo_id": [1] * len(rows),
            "entity_key": [r[1] for r in rows],
            "rule_id": [f"{r[2]}.trailer" for r in rows],
            "tool_id": [r[2] for r in rows],
            "kind": ["assisted"] * len(rows),
            "field": ["commit.message"] * len(rows),
            "confidence": ["high"] * len(rows),
            "matched": ["Co-Authored-By"] * len(rows),
            "tagged_at": [ts(d(20))] * len(rows),
        }
    )


# who, day, tool, commits, PRs, lines added, removed (None: the vendor does not report it)
_VENDOR = [
    ("ann@corp.io", d(2), CLAUDE, 3, 1, 100, 20),
    ("ANN@corp.io", d(3), CLAUDE, 1, 0, 10, 0),  # e-mails match whatever their case
    ("bob", d(4), CLAUDE, 2, 1, 50, 10),  # a login
    ("cy@corp.io", d(5), CLAUDE, 4, 2, 0, 0),
    ("stranger@gmail.com", d(5), CLAUDE, 9, 3, 500, 0),  # no one in the store: left out
    (None, d(5), CLAUDE, 5, 5, 5, 5),  # an API key's row is no one's
    ("ann@corp.io", d(1, 4), CLAUDE, 1, 0, 5, 0),  # April: one person only
    ("dan@corp.io", d(7), CLAUDE, 0, 0, 0, 0),  # a member's row of zeros: not a user
    ("ann@corp.io", d(2), CURSOR, None, None, 40, 0),  # Cursor counts no commits or PRs
    ("bob@corp.io", d(3), CURSOR, None, None, 30, 5),
]
VENDOR = pl.DataFrame(
    {
        "record_key": [f"k{i}" for i in range(len(_VENDOR))],
        "source": ["anthropic" if v[2] == CLAUDE else "cursor-admin-api" for v in _VENDOR],
        "tool_id": [v[2] for v in _VENDOR],
        "day": [v[1] for v in _VENDOR],
        "user_login": [v[0] for v in _VENDOR],
        "api_key_name": [None if v[0] else "ci" for v in _VENDOR],
        "commits": [v[3] for v in _VENDOR],
        "pull_requests": [v[4] for v in _VENDOR],
        "lines_added": [v[5] for v in _VENDOR],
        "lines_removed": [v[6] for v in _VENDOR],
        "requests": [None if v[2] == CLAUDE else 10 for v in _VENDOR],
        "record": ["{}"] * len(_VENDOR),
    },
    schema_overrides={"commits": pl.Int64, "pull_requests": pl.Int64},
)

# March, Claude Code: ann, bob and cy (the stranger matches no one, dan's row is all zeros).
#   commits: vendor 3 + 1 + 2 + 4 = 10; marked a1, a2, b1, c1 = 4 (sq1 is PR 1's merge
#   commit, d1 is dan's);
#   pull_requests: vendor 1 + 0 + 1 + 2 = 4; marked PR 1 and PR 3 = 2;
#   lines: vendor 120 + 10 + 60 + 0 = 190; marked 35 + 10 + 22 + 2 = 69.
# March, Cursor: ann and bob, lines only: vendor 40 + 35 = 75; marked b2 = 15.
# April, Claude Code: ann alone; commits 1 vs a4; lines 5 vs 4.
MARCH_ROWS = [
    (CLAUDE, MARCH, "commits", 3, 10, 4, 0.4),
    (CLAUDE, MARCH, "pull_requests", 3, 4, 2, 0.5),
    (CLAUDE, MARCH, "lines", 3, 190, 69, 69 / 190),
    (CURSOR, MARCH, "lines", 2, 75, 15, 0.2),
]
APRIL_ROWS = [
    (CLAUDE, APRIL, "commits", 1, 1, 1, 1.0),
    (CLAUDE, APRIL, "pull_requests", 1, 0, 0, None),
    (CLAUDE, APRIL, "lines", 1, 5, 4, 0.8),
]


def settings(min_group_size: int) -> Settings:
    return Settings.model_validate({"privacy": {"min_group_size": min_group_size}})


def write_store(eng: sa.Engine) -> None:
    upgrade(eng)
    write_frames(
        eng,
        [
            (s.repositories, REPOSITORIES),
            (s.pull_requests, PRS),
            (s.commits, COMMITS),
            (s.people, PEOPLE),
            (s.identities, IDENTITIES),
            (s.teams, TEAMS),
            (s.team_memberships, MEMBERSHIPS),
            (s.ai_tags, _tags()),
            (s.vendor_usage, VENDOR),
        ],
    )


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> sa.Engine:
    eng = create_store_engine(f"sqlite:///{tmp_path_factory.mktemp('mc') / 'store.db'}")
    write_store(eng)
    return eng


@pytest.fixture(scope="module")
def facts(engine: sa.Engine) -> Facts:
    return load_facts_for(engine, settings(1))


def coverage(facts: Facts, k: int, selection: Selection | None = None) -> MarkerCoverageData:
    return marker_coverage_data(facts, view_of(settings(k), PERIOD, selection))


def test_coverage_rows_by_hand(facts: Facts) -> None:
    got = coverage(facts, 1)
    assert got.coverage.rows() == MARCH_ROWS[:3] + APRIL_ROWS + MARCH_ROWS[3:]
    assert got.unmatched == 1  # the stranger
    assert got.sentence == (
        "Markers found 1 of the 1 commits Claude Code reports for these people in April "
        "2026 (100.0%)."
    )


@pytest.mark.postgres
def test_the_same_rows_from_postgresql(pg_database_url: str) -> None:
    from samples import reset_pg

    reset_pg(pg_database_url)
    eng = create_store_engine(pg_database_url)
    try:
        write_store(eng)
        got = coverage(load_facts_for(eng, settings(1)), 1)
    finally:
        eng.dispose()
    assert got.coverage.rows() == MARCH_ROWS[:3] + APRIL_ROWS + MARCH_ROWS[3:]


def test_small_tool_months_are_withheld(facts: Facts) -> None:
    got = coverage(facts, 2)
    assert got.coverage.rows() == MARCH_ROWS  # April's one person is withheld
    assert got.withheld == ("Claude Code · April 2026",)
    assert "Claude Code · April 2026" in got.privacy.text()
    assert got.sentence == (
        "Markers found 4 of the 10 commits Claude Code reports for these people in March "
        "2026 (40.0%)."
    )
    # Cursor's two people are below three: withheld too.
    assert [r[0] for r in coverage(facts, 3).coverage.rows()] == [CLAUDE] * 3


def test_filters(facts: Facts) -> None:
    # A tool filter keeps that tool's rows alone.
    assert coverage(facts, 2, Selection(tools=(CURSOR,))).coverage.rows() == MARCH_ROWS[3:]
    # A team filter keeps its members: web is dan alone, who has no vendor row.
    assert coverage(facts, 1, Selection(teams=("web",))).coverage.is_empty()
    assert coverage(facts, 1, Selection(teams=("core",))).coverage.rows() == (
        MARCH_ROWS[:3] + APRIL_ROWS + MARCH_ROWS[3:]
    )
    # Vendors count per person, not per repository: nothing under a repository filter.
    repo = coverage(facts, 1, Selection(repositories=("org/a",)))
    assert repo.repository_filtered and repo.coverage.is_empty()


def test_evidence_by_source_folds_small_groups(facts: Facts) -> None:
    # Markers (merged PRs and default-branch commits), March: Claude Code for ann (6th),
    # bob (4th), cy (5th) and dan (7th); Cursor for bob alone. Vendor usage, March:
    # Claude Code for ann (2nd, 3rd), bob (4th), cy (5th) and the stranger (5th: evidence
    # keeps an unmatched user as their own key); Cursor for ann and bob. April: ann alone.
    assert coverage(facts, 2).evidence.rows() == [
        (CLAUDE, MARCH, "marker", 4, 4),
        (CLAUDE, MARCH, "vendor usage", 4, 5),
        (CURSOR, MARCH, "vendor usage", 2, 2),
    ]
    # With a minimum of 1 nothing is folded: Cursor's marker and April show.
    rows = coverage(facts, 1).evidence.rows()
    assert (CURSOR, MARCH, "marker", 1, 1) in rows
    assert (CLAUDE, APRIL, "vendor usage", 1, 1) in rows
    # Two small tools of one month and source are shown together when, together, they
    # reach the minimum: with 3, Cursor's vendor usage (2 people) has no partner: left out.
    assert all(r[0] != CURSOR for r in coverage(facts, 3).evidence.rows())


def test_export_writes_both_files(facts: Facts, tmp_path: Path) -> None:
    info = write_csv_export(compute_figures(facts, settings(2), PERIOD), tmp_path)
    cov = pl.read_csv(tmp_path / "marker-coverage.csv", try_parse_dates=True)
    assert cov.columns == ["tool", "month", "measure", "vendor_count", "marked_count", "coverage"]
    assert cov.rows() == [r[:3] + r[4:] for r in MARCH_ROWS]
    ev = pl.read_csv(tmp_path / "ai-evidence.csv", try_parse_dates=True)
    assert ev.columns == ["tool", "month", "source", "people", "active_days"]
    assert ev.height == 3
    files = {f["name"]: f for f in info["files"]}  # type: ignore[index, union-attr]
    assert files["marker-coverage.csv"]["rows"] == 4
    assert files["ai-evidence.csv"]["page"] == "data"
    left_out = info["privacy"]["left_out"]  # type: ignore[index]
    assert "Claude Code · April 2026" in left_out["data marker coverage"]["note"]


def test_export_under_a_repository_filter_says_why_it_is_empty(
    facts: Facts, tmp_path: Path
) -> None:
    figures = compute_figures(facts, settings(1), PERIOD, Selection(repositories=("org/a",)))
    info = write_csv_export(figures, tmp_path)
    files = {f["name"]: f for f in info["files"]}  # type: ignore[index, union-attr]
    assert files["marker-coverage.csv"]["rows"] == 0
    assert "per person, not per repository" in files["marker-coverage.csv"]["withheld"]


# --- the demo -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_facts(tmp_path_factory: pytest.TempPathFactory) -> Facts:
    """The demo at scale 1 (at 0.3 no team has Claude Code or Cursor seats)."""
    from samples import DEMO_END, build_demo_store, store_facts

    url = build_demo_store(
        f"sqlite:///{tmp_path_factory.mktemp('demo') / 'store.db'}", scale=1.0, end_date=DEMO_END
    )
    return store_facts(url, settings(5))


def test_demo_shows_coverage_for_claude_code_and_cursor(demo_facts: Facts) -> None:
    period = Period.ending_at(demo_facts.prs["merged_at"].max(), "UTC")
    got = marker_coverage_data(demo_facts, view_of(settings(5), period))
    cov = got.coverage
    measures = {
        tool: set(cov.filter(pl.col("tool") == tool)["measure"]) for tool in (CLAUDE, CURSOR)
    }
    assert measures == {CLAUDE: {"commits", "pull_requests", "lines"}, CURSOR: {"lines"}}
    # The demo leaves 40% of Claude Code's and half of Cursor's work without a marker, and
    # its vendors count work in repositories the store lacks: markers find well under all
    # of it, and far more than nothing.
    total = cov.group_by("tool", "measure").agg(
        (pl.col("marked_count").sum() / pl.col("vendor_count").sum()).alias("share")
    )
    assert total["share"].is_between(0.15, 0.8).all(), total
    assert got.sentence is not None and got.sentence.startswith("Markers found ")
    assert got.unmatched == 0  # the demo's vendors name people by their corporate e-mail
    sources = set(got.evidence["source"])
    assert {"marker", "vendor usage", "copilot usage"} <= sources


# --- the Data page --------------------------------------------------------------------------

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")


def test_data_page_shows_coverage_and_evidence(
    engine: sa.Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from streamlit.testing.v1 import AppTest

    config = tmp_path / "aimetrics.yaml"
    config.write_text("privacy: {min_group_size: 2}\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AIMETRICS_CONFIG", str(config))
    monkeypatch.setenv("AIMETRICS_DB", engine.url.render_as_string(hide_password=False))
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["period"] = [PERIOD.start.isoformat(), PERIOD.last_day.isoformat()]
    at.run()  # st.navigation registers the Data page (its own url_path) on a first run
    at.switch_page("app_pages/data_page.py")
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    markdown = "\n".join(str(m.value) for m in at.markdown)
    assert (
        "Markers found 4 of the 10 commits Claude Code reports for these people in March 2026 "
        "(40.0%)." in markdown
    )
    captions = "\n".join(str(c.value) for c in at.caption)
    assert "personal repositories" in captions  # the caveat
    assert "1 vendor user(s) in the period match no one" in captions
    assert "Claude Code · April 2026" in captions  # the withheld tool-month
    shown = [pl.from_pandas(t.value) for t in at.dataframe]
    cov = next(t for t in shown if "Vendor reports" in t.columns)
    assert cov.select("AI tool", "Measure", "Vendor reports", "Markers found").rows() == [
        ("Claude Code", "commits", 10, 4),
        ("Claude Code", "pull_requests", 4, 2),
        ("Claude Code", "lines", 190, 69),
        ("Cursor", "lines", 75, 15),
    ]
    assert cov["Coverage (%)"].to_list() == [40.0, 50.0, 36.3, 20.0]
    ev = next(t for t in shown if "Person-days" in t.columns)
    assert ev.select("AI tool", "Source", "People", "Person-days").rows() == [
        ("Claude Code", "marker", 4, 4),
        ("Claude Code", "vendor usage", 4, 5),
        ("Cursor", "vendor usage", 2, 2),
    ]


def test_the_sentence_names_the_latest_whole_month(facts: Facts) -> None:
    # 1 March .. 15 April: April is only half in the period, so the sentence is March's.
    half = Period(MARCH, date(2026, 4, 16))
    got = marker_coverage_data(facts, view_of(settings(1), half))
    assert got.sentence is not None and "in March 2026 (40.0%)" in got.sentence
    assert got.coverage.filter(pl.col("month") == APRIL).height == 3  # still shown
