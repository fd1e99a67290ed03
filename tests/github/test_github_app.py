"""GitHub App authentication: one configured installation, or each org's own installation."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from aimetrics.store import read_table
from aimetrics.store import schema as s

from collector_helpers import Collector, acme, add_repo, settings_for
from fakes.github_data import FakeOrg, seat, synthetic_pulls, team
from fakes.github_server import FakeGitHub


@pytest.fixture(scope="module")
def pem(tmp_path_factory: pytest.TempPathFactory) -> Path:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path_factory.mktemp("app") / "app.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


@pytest.fixture
def app_collector(fake_github, store, ruleset, monkeypatch) -> Collector:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    return Collector(fake_github, store, ruleset)


def test_configured_installation_is_used_for_everything(
    app_collector: Collector, fake_github: FakeGitHub, pem: Path
):
    acme(fake_github, pulls=1)
    settings = settings_for(
        fake_github, app={"app_id": 1234, "private_key_file": str(pem), "installation_id": 42}
    )
    summary = app_collector.run(settings, repos=["acme/api"])
    assert [r.status for r in summary.repos] == ["complete"]
    kinds = [r.kind for r in fake_github.requests]
    assert kinds[0] == "app"  # the installation token is fetched first, with the app's JWT
    graphql = [r for r in fake_github.requests if r.kind == "graphql"]
    assert all(r.authorization.startswith("token ghs_") for r in graphql)


def test_each_org_is_collected_with_its_own_installation(
    app_collector: Collector, fake_github: FakeGitHub, pem: Path
):
    acme_org = acme(fake_github, pulls=2)
    acme_org.installation_id = 11
    acme_org.teams = [team("payments", ["alice"])]
    acme_org.seats = [seat("alice", "2026-02-01T10:00:00Z")]
    beta = fake_github.add_org(FakeOrg("beta", 9002, installation_id=22))
    beta.teams = [team("mobile", ["bob"])]
    add_repo(fake_github, "beta/ios", synthetic_pulls(3, seed=5), 501)
    add_repo(fake_github, "gamma/tools", synthetic_pulls(1, seed=6), 601)  # no installation
    settings = settings_for(
        fake_github,
        orgs=["acme", "beta", "gamma"],
        repos=["gamma/tools"],
        teams_from_github=True,
        app={"app_id": 1234, "private_key_file": str(pem)},
    )

    summary = app_collector.run(settings)

    assert {r.full_name: r.status for r in summary.repos} == {
        "acme/api": "complete",
        "beta/ios": "complete",
        "gamma/tools": "not_found",
    }
    # The fake's installation tokens see one org each: every query went to the right one.
    lookups = sorted(r.path for r in fake_github.requests if r.path.endswith("/installation"))
    assert lookups == [
        "/orgs/acme/installation",
        "/orgs/beta/installation",
        "/orgs/gamma/installation",
        "/users/gamma/installation",
    ]
    tokens = [r for r in fake_github.requests if r.path.endswith("/access_tokens")]
    assert sorted(r.path for r in tokens) == [
        "/app/installations/11/access_tokens",
        "/app/installations/22/access_tokens",
    ]
    assert sorted(read_table(app_collector.engine, s.teams)["slug"]) == [
        "acme/payments",
        "beta/mobile",
    ]
    assert summary.seats == 1
    warnings = app_collector.recorder.warnings
    expected = "the GitHub App is not installed on gamma; install it there, or set "
    expected += "github.app.installation_id"
    assert f"organization gamma: {expected}; its repositories are skipped" in warnings
    assert f"gamma/tools: {expected}; skipped" in warnings
