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

from collector_helpers import acme
from fakes.github_server import FakeGitHub

ROOT = Path(__file__).resolve().parents[2]


def test_token_appears_nowhere(
    fake_github: FakeGitHub, tmp_path: Path, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(THROTTLE_ENV, "0")
    monkeypatch.setenv(BACKOFF_ENV, "0.01")
    acme(fake_github, pulls=12)
    fake_github.inject("status", "graphql", status=502, times=1)  # a retried failure, logged
    config = tmp_path / "aimetrics.yaml"
    config.write_text(yaml.safe_dump({"github": {"base_url": fake_github.base_url,
                                                 "orgs": ["acme"]}}))  # fmt: skip
    db = f"sqlite:///{tmp_path / 'store.db'}"
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
    for page in ("app_pages/data.py", "app_pages/cost_roi.py"):
        at.switch_page(page).run()
        assert not at.exception
        assert token not in repr(at.main) + repr(at.sidebar)
