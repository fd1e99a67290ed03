"""`aimetrics collect github` end to end: the real CLI against the fake GitHub."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
import yaml
from rich.console import Console
from typer.testing import CliRunner

from aimetrics.cli import app
from aimetrics.ids import person_id
from aimetrics.store import create_store_engine, read_table, upgrade
from aimetrics.store import schema as s
from aimetrics.tagging.identities import resolve_identities
from collectors.github import CollectOptions, collect_github
from collectors.github.client import BACKOFF_ENV, THROTTLE_ENV
from collectors.github.progress import RichReporter

from collector_helpers import (
    Collector,
    acme,
    add_repo,
    domain_rows,
    fast_options,
    settings_for,
    special_pulls,
)
from fakes.github_data import PEOPLE, synthetic_pulls
from fakes.github_server import FakeGitHub


def _config(tmp_path: Path, fake: FakeGitHub, **github) -> Path:
    path = tmp_path / "aimetrics.yaml"
    path.write_text(yaml.safe_dump({"github": {"base_url": fake.base_url, **github}}))
    return path


def _fast_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(THROTTLE_ENV, "0")
    monkeypatch.setenv(BACKOFF_ENV, "0.01")


def test_bad_token_is_one_line_and_exit_non_zero(
    fake_github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    acme(fake_github)
    bad = "ghp_thisTokenIsWrong000000000000000000000"
    monkeypatch.setenv("GITHUB_TOKEN", bad)
    config = _config(tmp_path, fake_github, repos=["acme/api"])
    result = CliRunner().invoke(
        app, ["collect", "github", "--config", str(config), "--db", f"sqlite:///{tmp_path}/s.db"]
    )
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines == ["error: GitHub rejected the token in $GITHUB_TOKEN (401 Bad credentials)"]
    assert bad not in result.output


def test_missing_token_names_the_variable(fake_github, tmp_path, monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    config = _config(tmp_path, fake_github, repos=["acme/api"])
    result = CliRunner().invoke(
        app, ["collect", "github", "--config", str(config), "--db", f"sqlite:///{tmp_path}/s.db"]
    )
    assert result.exit_code != 0
    assert "GITHUB_TOKEN is not set" in result.output


def test_json_log_and_the_token_never_leaks(
    fake_github: FakeGitHub, tmp_path: Path, token: str, monkeypatch: pytest.MonkeyPatch
):
    _fast_env(monkeypatch)
    org = acme(fake_github, pulls=5)
    org.copilot_status = 403  # warnings are printed too
    fake_github.inject("status", "graphql", status=502, times=1)
    config = _config(tmp_path, fake_github, orgs=["acme"], repos=["acme/missing"])
    db = tmp_path / "store.db"
    result = CliRunner().invoke(
        app,
        ["collect", "github", "--config", str(config), "--db", f"sqlite:///{db}",
         "--log-format", "json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    kinds = [e["event"] for e in events]
    assert kinds[0] == "start" and kinds[-1] == "summary"
    summary = events[-1]
    assert (summary["complete"], summary["not_found"], summary["prs"]) == (1, ["acme/missing"], 7)
    assert sum(1 for e in events if e["event"] == "warning") == 3
    assert token not in result.output
    for path in tmp_path.glob("store.db*"):
        assert token.encode() not in path.read_bytes()
    # Identities are resolved after collection.
    store = create_store_engine(f"sqlite:///{db}")
    identities = read_table(store, s.identities)
    store.dispose()
    emails = dict(identities.filter(pl.col("kind") == "email").select("value", "person_id").rows())
    linked = {login: emails.get(email) for login, _, email in PEOPLE if email in emails}
    assert linked and linked == {login: person_id("login", login) for login in linked}


def test_quiet_prints_one_line(fake_github, tmp_path, token, monkeypatch):
    _fast_env(monkeypatch)
    acme(fake_github, pulls=1)
    config = _config(tmp_path, fake_github, repos=["acme/api"])
    result = CliRunner().invoke(
        app,
        ["collect", "github", "--config", str(config), "--db", f"sqlite:///{tmp_path}/s.db",
         "--quiet"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert re.fullmatch(
        r"1 repositories \(1 updated, 0 unchanged, 0 incomplete, 0 not found\); 3 PRs, "
        r"\d+ commits, \d+ reviews; 0 Copilot seats, 0 usage rows; 1 requests in [\d.]+ s",
        lines[0],
    ), lines[0]


def test_partial_answer_exits_1_naming_the_repository_and_reason(
    fake_github: FakeGitHub, tmp_path: Path, token: str, monkeypatch: pytest.MonkeyPatch
):
    _fast_env(monkeypatch)
    acme(fake_github, pulls=5)
    fake_github.inject("partial", "graphql", error_type="FORBIDDEN", times=1)
    config = _config(tmp_path, fake_github, repos=["acme/api"])
    cmd = ["collect", "github", "--config", str(config), "--db", f"sqlite:///{tmp_path}/s.db",
           "--log-format", "json"]  # fmt: skip

    result = CliRunner().invoke(app, cmd)

    assert result.exit_code == 1, result.output
    events = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert events[-1]["incomplete"] == ["acme/api"]
    finished = next(e for e in events if e["event"] == "repo_finished")
    assert finished["status"] == "incomplete"
    reason = "GitHub's answer was partial (FORBIDDEN at repository.pullRequests.nodes."
    assert reason in finished["detail"]
    again = CliRunner().invoke(app, cmd)  # the fault is spent: the re-run completes
    assert again.exit_code == 0, again.output


@pytest.mark.parametrize("kill_after", [2, 7])
def test_kill_9_then_resume_equals_uninterrupted_run(
    fake_github: FakeGitHub, tmp_path: Path, token: str, ruleset, kill_after: int
):
    add_repo(fake_github, "acme/api", synthetic_pulls(330, seed=3), 4242)
    add_repo(fake_github, "acme/web", special_pulls(), 77)
    fake_github.max_pull_page = 50  # many pages, and 502s to adapt to
    config = _config(tmp_path, fake_github, repos=["acme/api", "acme/web"], max_parallel_repos=2)
    db = tmp_path / "killed.db"
    env = {**os.environ, "GITHUB_TOKEN": token, THROTTLE_ENV: "0", BACKOFF_ENV: "0.01"}
    cmd = [sys.executable, "-m", "aimetrics.cli", "collect", "github", "--config", str(config),
           "--db", f"sqlite:///{db}", "--quiet"]  # fmt: skip

    fake_github.hold_after = kill_after
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert fake_github.held.wait(60), "the collector never got that far"
        proc.kill()  # SIGKILL: no cleanup of any kind
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    fake_github.hold_after = None
    fake_github.release()

    killed = create_store_engine(f"sqlite:///{db}")
    assert read_table(killed, s.pull_requests).height == 0  # nothing half-synced is visible
    checkpointed = read_table(killed, s.raw_payloads).height
    if kill_after > 5:
        assert checkpointed >= 2
    fake_github.reset_log()
    resumed = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    resumed_pages = fake_github.count("graphql") - sum(
        r.status == 502 for r in fake_github.requests
    )

    reference = create_store_engine(f"sqlite:///{tmp_path / 'reference.db'}")
    upgrade(reference)
    fake_github.reset_log()
    Collector(fake_github, reference, ruleset).run(repos=["acme/api", "acme/web"])
    full_pages = fake_github.count("graphql") - sum(r.status == 502 for r in fake_github.requests)
    resolve_identities(reference, ruleset, settings_for(fake_github))  # as the command does
    assert resumed_pages == full_pages - checkpointed  # stored pages were not fetched again
    expected = domain_rows(reference)
    assert len(expected["pull_requests"]) == 336
    assert domain_rows(killed) == expected
    killed.dispose()
    reference.dispose()


def test_rich_progress_and_summary_on_a_terminal(collector: Collector, fake_github: FakeGitHub):
    acme(fake_github, pulls=3)
    out = io.StringIO()
    reporter = RichReporter(Console(file=out, force_terminal=True, width=120))
    options = CollectOptions(
        repos=["acme/api", "acme/nope"], client=fast_options(fake_github.base_url)
    )
    summary = collect_github(settings_for(fake_github), collector.engine, options, reporter)
    text = out.getvalue()
    assert summary.count("complete") == 1
    assert "pull requests written" in text and "requests" in text
    assert "acme/nope: repository not found" in text
