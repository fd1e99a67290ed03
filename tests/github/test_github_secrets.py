"""A recognizable token goes through collection, exports, the report and the dashboard,
and appears nowhere: not in output, logs, the store, exports, the report or the pages."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from aimetrics.cli import app
from collectors.github.client import BACKOFF_ENV, THROTTLE_ENV
from dashboard import navigation

from collector_helpers import acme
from fakes.github_server import FakeGitHub
from served import (
    CHROMIUM,
    CHROMIUM_ARGS,
    RENDER_TIMEOUT_MS,
    require_chromium,
    serve_dashboard,
    settled,
)

ROOT = Path(__file__).resolve().parents[2]


def _collected(
    fake_github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, str]:
    """A config pointing at the fake, and the store URL it will collect into."""
    monkeypatch.setenv(THROTTLE_ENV, "0")
    monkeypatch.setenv(BACKOFF_ENV, "0.01")
    acme(fake_github, pulls=12)
    fake_github.inject("status", "graphql", status=502, times=1)  # a retried failure, logged
    config = tmp_path / "aimetrics.yaml"
    config.write_text(yaml.safe_dump({"github": {"base_url": fake_github.base_url,
                                                 "orgs": ["acme"]}}))  # fmt: skip
    return config, f"sqlite:///{tmp_path / 'store.db'}"


def test_token_appears_nowhere(
    fake_github: FakeGitHub, tmp_path: Path, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    config, db = _collected(fake_github, tmp_path, monkeypatch)
    runner = CliRunner()
    outputs = []
    for args in (
        ["collect", "github", "--config", str(config), "--db", db],
        ["collect", "github", "--config", str(config), "--db", db, "--log-format", "json"],
        ["tag", "--config", str(config), "--db", db],
        ["export", "tags", "--out", str(tmp_path / "out" / "tags.csv"), "--db", db],
        ["export", "csv", "--out", str(tmp_path / "out" / "csv"), "--db", db,
         "--config", str(config)],
        ["report", "--out", str(tmp_path / "out" / "report.html"), "--db", db,
         "--config", str(config)],
        ["explain", "nope/nope#1", "--db", db],
    ):  # fmt: skip
        result = runner.invoke(app, args)
        outputs.append(result.output)
        assert "Traceback" not in result.output
        assert result.exit_code == (1 if args[0] == "explain" else 0), result.output
    assert token not in "\n".join(outputs)
    written = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert len(written) > 5 and "<html" in (tmp_path / "out" / "report.html").read_text()
    for path in [*tmp_path.glob("store.db*"), *written]:
        if path.is_file():
            assert token.encode() not in path.read_bytes(), path

    monkeypatch.setenv("AIMETRICS_DB", db)
    monkeypatch.setenv("AIMETRICS_CONFIG", str(config))
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=120).run()
    assert not at.exception
    for page in ("app_pages/data_page.py", "app_pages/cost_roi.py"):
        at.switch_page(page).run()
        assert not at.exception
        assert token not in repr(at.main) + repr(at.sidebar)


PAGES = [e.url_path for e in navigation.PAGES]


@pytest.mark.browser
@pytest.mark.slow
def test_token_is_not_in_the_served_dashboard(
    fake_github: FakeGitHub, tmp_path: Path, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dashboard runs with the token in its environment (as a deployment that also
    collects does): no page's HTML and no message on Streamlit's websocket carries it."""
    from playwright.sync_api import expect, sync_playwright

    require_chromium()
    config, db = _collected(fake_github, tmp_path, monkeypatch)
    result = CliRunner().invoke(app, ["collect", "github", "--config", str(config), "--db", db])
    assert result.exit_code == 0, result.output
    frames: list[bytes] = []

    def listen(ws) -> None:  # type: ignore[no-untyped-def]
        def keep(payload: str | bytes) -> None:
            frames.append(payload.encode() if isinstance(payload, str) else payload)

        ws.on("framereceived", keep)
        ws.on("framesent", keep)

    env = {"AIMETRICS_CONFIG": str(config), "GITHUB_TOKEN": token}
    with serve_dashboard(db, tmp_path, env) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 2000})
            page.on("websocket", listen)
            html = []
            for path in PAGES:
                page.goto(f"{base}/{path}", wait_until="domcontentloaded")
                expect(page.locator("h1").first).to_be_visible(timeout=RENDER_TIMEOUT_MS)
                settled(page)
                assert page.locator('[data-testid="stException"]').count() == 0, path
                html.append(page.content())
        finally:
            browser.close()
    # The pages' content did arrive over the websocket (tables travel as Arrow bytes).
    assert any(b"acme/api" in f for f in frames)
    assert token not in "\n".join(html)
    assert not any(token.encode() in f for f in frames)
    assert token.encode() not in (tmp_path / "streamlit.log").read_bytes()
