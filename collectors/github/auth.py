"""Who the collector is to GitHub: a token, or a GitHub App installation per owner.

With a token (from the environment variable ``github.token_env``) every
request uses it. With a GitHub App, ``github.app.installation_id`` names one
installation for everything; without it, each owner's installation is looked
up once (PyGithub's ``GithubIntegration.get_org_installation``, then
``get_user_installation`` for a user account), so an app installed on several
organizations collects all of them in one run. Installation tokens are
refreshed by PyGithub as they expire. Nothing here logs or formats a secret.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from github import Auth, GithubException, GithubIntegration, GithubRetry

from aimetrics.errors import AimetricsError
from aimetrics.settings import GitHubSettings
from collectors.github.client import RequestCounter

TOKEN_KEY = "token"


class NotInstalled(Exception):
    """The GitHub App has no installation on this owner."""

    def __init__(self, owner: str, status: int | None = None) -> None:
        self.owner = owner
        super().__init__(
            f"the GitHub App is not installed on {owner}"
            + (f" (GitHub answered {status})" if status and status != 404 else "")
            + "; install it there, or set github.app.installation_id"
        )


def _app_auth(github: GitHubSettings, resolve: Callable[[str | Path], Path]) -> Auth.AppAuth:
    assert github.app is not None
    key_path = resolve(github.app.private_key_file)
    try:
        key = key_path.read_text()
    except OSError as exc:
        raise AimetricsError(
            f"github.app.private_key_file: cannot read {key_path} ({exc.strerror}); "
            "download the app's private key (.pem) and point the setting at it"
        ) from None
    return Auth.AppAuth(github.app.app_id, key)


def _token(github: GitHubSettings) -> Auth.Token:
    token = github.token()
    if token is None:
        raise AimetricsError(
            f"no GitHub token: the environment variable {github.token_env} is not set. "
            f"Create a token (scopes: repo, read:org; manage_billing:copilot for Copilot) and "
            f"export {github.token_env}=..., or configure github.app"
        )
    return Auth.Token(token)


class Credentials:
    """The authentication for each owner's data (thread-safe; lookups are cached)."""

    def __init__(
        self,
        github: GitHubSettings,
        resolve: Callable[[str | Path], Path],
        *,
        counter: RequestCounter | None = None,
    ) -> None:
        self.base_url = github.base_url
        self.counter = counter or RequestCounter()
        self._token: Auth.Token | None = None
        self._app: Auth.AppAuth | None = None
        self._fixed: int | None = None
        self._installations: dict[str, int | NotInstalled] = {}
        self._auths: dict[int, Auth.Auth] = {}
        self._lock = threading.Lock()
        self.token_env = github.token_env
        if github.app is None:
            self._token = _token(github)
            return
        self._app = _app_auth(github, resolve)
        self._fixed = github.app.installation_id

    @property
    def is_app(self) -> bool:
        return self._app is not None

    @property
    def description(self) -> str:
        """How error messages name the credential (never the secret)."""
        return "the GitHub App installation" if self.is_app else f"${self.token_env}"

    def key(self, owner: str) -> str:
        """Which credential serves ``owner``: clients are shared per key. Raises NotInstalled."""
        if self._app is None:
            return TOKEN_KEY
        return str(self._installation(owner))

    def for_owner(self, owner: str) -> Auth.Auth:
        """The authentication for ``owner``'s repositories, teams and Copilot data."""
        if self._token is not None:
            return self._token
        installation = self._installation(owner)
        with self._lock:
            if installation not in self._auths:
                assert self._app is not None
                self._auths[installation] = self._app.get_installation_auth(installation)
            return self._auths[installation]

    def _installation(self, owner: str) -> int:
        if self._fixed:
            return self._fixed
        name = owner.lower()
        with self._lock:
            if name not in self._installations:
                try:
                    self._installations[name] = self._lookup(owner)
                except NotInstalled as exc:  # asked once per run, not once per repository
                    self._installations[name] = exc
            found = self._installations[name]
        if isinstance(found, NotInstalled):
            raise found
        return found

    def _lookup(self, owner: str) -> int:
        assert self._app is not None
        integration = GithubIntegration(
            auth=self._app,
            base_url=self.base_url,
            retry=GithubRetry(total=3, backoff_factor=1.0),
        )
        status: int | None = None
        try:
            for find in (integration.get_org_installation, integration.get_user_installation):
                self.counter.add()
                try:
                    return int(find(owner).id)
                except GithubException as exc:
                    if exc.status != 404:
                        status = exc.status
                        break
        finally:
            integration.close()
        raise NotInstalled(owner, status)
