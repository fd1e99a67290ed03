"""The dashboard through Streamlit's AppTest: no store, empty store, old schema, the demo.

The populated store is the demo organization (``aimetrics.demo.load``) tagged
by the real rules. The figures on the page must equal the metric functions'
results on the same store for the same period.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from aimetrics import format as fmt
from aimetrics.demo import load
from aimetrics.figures.facts import Facts, load_facts
from aimetrics.metrics.adoption import Selection
from aimetrics.metrics.overview import KPI_COLUMNS, CostInputs, overview_figures, select_work
from aimetrics.metrics.period import Period, partial_days
from aimetrics.settings import load_settings
from aimetrics.store import create_store_engine, upgrade
from aimetrics.tagging import build_ruleset, tag_store
from dashboard import auth, components

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
TIMEOUT = 120  # seconds for one script run (the first one reads the store and classifies)
KPI_LABELS = [
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
ORG_KPIS = ("AI spend in period", "Cost per PR", "AI-assisted PR share",
            "PRs per engineer-week")  # fmt: skip


# --- stores -----------------------------------------------------------------------------

DEMO_END = dt.date(2025, 6, 30)  # fixed, so every run shows the same organization


def populate(engine: sa.Engine, scale: float = 0.25) -> None:
    """Fill a migrated store with the demo organization and tag it with the real rules."""
    load(engine, seed=42, end_date=DEMO_END, scale=scale)
    engine.dispose()  # no pooled connection may outlive the ADBC writes (see the report)
    tag_store(engine, build_ruleset())
    engine.dispose()


@pytest.fixture(scope="module")
def populated_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('populated') / 'store.db'}"
    engine = create_store_engine(url)
    upgrade(engine)
    populate(engine)
    engine.dispose()
    return url


@pytest.fixture
def app_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Point the app at a store; no configuration file (defaults)."""
    monkeypatch.delenv("AIMETRICS_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)  # no ./aimetrics.yaml to pick up

    def use(url: str) -> AppTest:
        monkeypatch.setenv("AIMETRICS_DB", url)
        return AppTest.from_file(APP, default_timeout=TIMEOUT)

    return use


def store_facts(url: str) -> Facts:
    """The metrics' inputs read straight from the store, with the app's default settings."""
    settings = load_settings(None)
    ruleset = build_ruleset()
    engine = create_store_engine(url)
    try:
        return load_facts(
            engine,
            min_confidence=settings.tagging.min_confidence,
            exclude=tuple(settings.exclude.people),
            bots=(*ruleset.non_ai_bots.logins, *ruleset.non_ai_bots.emails),
            tz=settings.reporting.timezone,
            ai_tools=settings.ai_tools,
        )
    finally:
        engine.dispose()


def expected_kpis(facts: Facts, period: Period) -> dict[str, str]:
    """The Overview's organization-wide figures as the page must show them, from the
    metric functions on :func:`aimetrics.figures.facts.load_facts`' frames."""
    currency = load_settings(None).reporting.currency
    merged, activity = select_work(facts.prs.lazy(), facts.activity.lazy(), Selection())
    costs = CostInputs(facts.seat_plans.lazy(), facts.cost_records.lazy(), facts.seats.lazy())
    kpis = overview_figures(merged, activity, costs, period, currency).select(KPI_COLUMNS).collect()
    cur = kpis.row(0, named=True)
    return {
        "AI spend in period": fmt.format_money(cur["spend"], currency),
        "Cost per PR": fmt.format_money(cur["cost_per_merged_pr"], currency, 2),
        "AI-assisted PR share": fmt.format_share(cur["ai_share"]),
        "PRs per engineer-week": fmt.format_rate(cur["throughput"]),
    }


def shown(at: AppTest) -> dict[str, str]:
    """The page's figures that :func:`expected_kpis` computes."""
    values = {m.label: m.value for m in at.metric}
    return {label: values.get(label, "") for label in ORG_KPIS}


def texts(elements) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(str(e.value) for e in elements)


# --- tests ------------------------------------------------------------------------------


def test_missing_store_shows_how_to_get_data(app_env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'nothing-here.db'}"
    at = app_env(url).run()
    assert not at.exception
    assert "aimetrics demo" in texts(at.code)
    assert not (tmp_path / "nothing-here.db").exists()  # reading never creates a store


def test_empty_store_is_a_friendly_page(app_env, sqlite_url: str) -> None:  # type: ignore[no-untyped-def]
    engine = create_store_engine(sqlite_url)
    upgrade(engine)
    engine.dispose()
    at = app_env(sqlite_url).run()
    assert not at.exception
    assert not at.error
    assert "no merged pull requests yet" in texts(at.info)
    code = texts(at.code)
    assert "aimetrics demo" in code
    assert "aimetrics collect github --config" in code
    assert "aimetrics collect git PATH" in code
    assert not at.metric  # no KPIs on an empty store


def test_store_without_schema_says_migrate(app_env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "old.db"
    sqlite3.connect(path).close()  # a database without any aimetrics table
    at = app_env(f"sqlite:///{path}").run()
    assert not at.exception
    assert "aimetrics migrate" in texts(at.warning) + texts(at.code)
    # The dashboard never migrates: the file still has no tables.
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0


def test_overview_figures_equal_the_metrics(app_env, populated_url: str) -> None:  # type: ignore[no-untyped-def]
    at = app_env(populated_url).run()
    assert not at.exception, at.exception
    assert not at.error

    # Default period: the last 90 days up to the latest merged PR.
    facts = store_facts(populated_url)
    latest = facts.prs["merged_at"].max()
    period = Period.ending_at(latest, load_settings(None).reporting.timezone)  # type: ignore[arg-type]
    assert at.sidebar.date_input[0].value == (period.start, period.last_day)

    # The page (built on the dashboard's cached facts) and the metric functions agree.
    assert [m.label for m in at.metric] == KPI_LABELS
    expected = expected_kpis(facts, period)
    assert shown(at) == expected
    assert fmt.MISSING not in expected.values()
    # Capacity in engineer-equivalents, and value against spend with the conservative claim
    # (or "not enough data" when the uplift has too few engineers: then no number).
    page = texts(at.caption) + texts(at.markdown) + " ".join(m.value for m in at.metric)
    assert "engineer-equivalents" in page or "not enough data" in page
    assert "at least" in page or "not shown to cover" in page or "not enough data" in page

    charts = {
        json.loads(c.proto.spec)["layout"]["title"]["text"]: c for c in at.get("plotly_chart")
    }
    trend = json.loads(
        next(c for t, c in charts.items() if t.startswith("Is more of our merged work")).proto.spec
    )
    named = [t for t in trend["data"] if t.get("name")]
    assert list(dict.fromkeys(t["name"] for t in named)) == ["AI-assisted", "Throughput"]
    assert named[0]["line"]["color"] == fmt.AI_COLOR
    # The trend ends on the period's last day: its last week, if cut there, is drawn apart
    # (reached by a dotted line, its marker open), the whole weeks before it solid.
    markers = next(t for t in trend["data"] if t.get("mode") == "markers")
    last_week = dt.date.fromisoformat(str(markers["x"][-1])[:10])
    cut = partial_days([last_week], "week", Period(last_week - dt.timedelta(weeks=1), period.end))
    open_ = [s == "circle-open" for s in markers["marker"]["symbol"]]
    assert open_[-1] == (cut[0] is not None)
    assert not any(open_[1:-1]), "only a first or last week can be partial"
    assert any(t.get("line", {}).get("dash") == "dot" for t in trend["data"]) == any(open_)
    assert any(t.startswith("Which teams get value for their AI spend") for t in charts)
    assert "Data last collected: " in texts(at.caption)
    assert "never" not in texts(at.caption)


def test_period_from_the_url(app_env, populated_url: str) -> None:  # type: ignore[no-untyped-def]
    facts = store_facts(populated_url)
    latest = facts.prs["merged_at"].max().date()  # type: ignore[union-attr]
    first, last = latest - dt.timedelta(days=59), latest - dt.timedelta(days=30)
    at = app_env(populated_url)
    at.query_params[components.PERIOD_KEY] = [first.isoformat(), last.isoformat()]
    at.run()
    assert not at.exception, at.exception
    period = Period(first, last + dt.timedelta(days=1))
    assert shown(at) == expected_kpis(facts, period)

    # Changing the filter changes the figures the same way.
    later = Period(latest - dt.timedelta(days=13), latest + dt.timedelta(days=1))
    at.sidebar.date_input[0].set_value((later.start, later.last_day)).run()
    assert not at.exception, at.exception
    assert shown(at) == expected_kpis(facts, later)


def test_period_without_merged_prs_is_not_an_error(app_env, populated_url: str) -> None:  # type: ignore[no-untyped-def]
    at = app_env(populated_url)
    at.query_params[components.PERIOD_KEY] = ["2001-01-01", "2001-01-31"]
    at.run()
    assert not at.exception, at.exception
    # What is empty, for which period, and what to do about it.
    assert "No merged PRs between 2001-01-01 and 2001-01-31: widen the period" in texts(at.info)
    assert not at.get("plotly_chart")
    assert not at.metric


# --- optional sign-in (OIDC through st.login), with AppTest's user override -------------------

AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "test-only-secret",
    "client_id": "aimetrics-test",
    "client_secret": "not-a-secret",
    "server_metadata_url": "https://idp.example.com/.well-known/openid-configuration",
}


@pytest.fixture
def with_authlib(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if ``streamlit[auth]`` were installed (no identity provider is ever contacted)."""
    monkeypatch.setattr(auth, "authlib_installed", lambda: True)


def test_without_auth_section_the_app_is_open(app_env, populated_url: str) -> None:  # type: ignore[no-untyped-def]
    at = app_env(populated_url)
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception, at.exception
    assert at.metric  # no [auth]: nobody is asked to sign in
    assert not [b for b in at.button if b.label == "Sign in"]


def test_auth_requires_sign_in_before_anything(app_env, populated_url: str, with_authlib) -> None:  # type: ignore[no-untyped-def]
    at = app_env(populated_url)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception, at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.metric and not at.dataframe and not at.get("plotly_chart")
    assert not at.sidebar.date_input  # not even the filters
    assert "sign in" in texts(at.markdown).lower()


def test_signed_in_user_sees_the_dashboard_and_can_sign_out(
    app_env, populated_url: str, with_authlib
) -> None:  # type: ignore[no-untyped-def]
    at = app_env(populated_url)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": True, "name": "Ada Manager", "email": "ada@example.com"}
    at.run()
    assert not at.exception, at.exception
    assert [m.label for m in at.metric] == KPI_LABELS
    assert "Ada Manager" in texts(at.sidebar.caption)
    logout = next(b for b in at.sidebar.button if b.label == "Sign out")
    logout.click().run()
    assert not at.exception, at.exception
    assert at.user.get("is_logged_in") is False
    assert not at.metric
    assert [b.label for b in at.button] == ["Sign in"]


def test_auth_without_authlib_fails_closed(app_env, populated_url: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(auth, "authlib_installed", lambda: False)
    at = app_env(populated_url)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception, at.exception
    assert "streamlit[auth]" in texts(at.error)
    assert not at.metric and not at.button
