"""The PyGithub client, its retry policy and request counting (authentication: ``auth``).

Two requesters share one authentication: REST calls retry 429 and every 5xx
through PyGithub's ``GithubRetry`` (which also waits out 403 rate limits and
honours ``Retry-After``); GraphQL calls retry 429/500/503 the same way but
leave 502, 504 and read timeouts to the caller, because on GitHub those mean
"this page is too heavy" and the cure is a smaller page (see ``pulls.PageSizer``),
not the same request again. Truncated bodies, resets and malformed JSON (which
urllib3 cannot see) are retried here a few times with backoff. A GraphQL answer
with partial data (HTTP 200, some nodes null, an ``errors`` array pointing below
the top-level field, as GitHub answers when a nested connection times out or is
refused) becomes `GraphQLPartial`: its data is never used.

Nothing here ever logs or formats the token.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import requests
from github import Auth, Github, GithubException, GithubRetry, RateLimitExceededException
from github.Requester import Requester
from requests.adapters import HTTPAdapter
from urllib3 import Retry

from aimetrics.errors import AimetricsError

T = TypeVar("T")

USER_AGENT = "aimetrics-collector"
THROTTLE_ENV = "AIMETRICS_GITHUB_SECONDS_BETWEEN_WRITES"
BACKOFF_ENV = "AIMETRICS_GITHUB_RETRY_BACKOFF"


class GitHubAuthError(AimetricsError):
    """GitHub refused the credentials (401): nothing can be collected."""


class GitHubUnavailable(Exception):
    """5xx, resets or malformed answers persisted through the retries."""


NOT_RETRIED_TYPES = frozenset({"FORBIDDEN", "NOT_FOUND", "INSUFFICIENT_SCOPES"})
"""Partial-answer error types a smaller page cannot cure."""


class GraphQLPartial(GitHubUnavailable):
    """GitHub answered with partial data: errors below the top-level field, some nodes null.

    The answer is dropped whole (a page with holes must never pass for a complete one).
    ``retryable``: the errors look like a timeout or a resource limit (no type, or a
    type outside `NOT_RETRIED_TYPES`), which a smaller page may avoid.
    """

    def __init__(self, what: str, errors: list[dict[str, Any]]) -> None:
        self.errors = errors
        self.types = {str(e["type"]) for e in errors if e.get("type")}
        self.retryable = not (self.types & NOT_RETRIED_TYPES)
        first = errors[0]
        where = ".".join(str(p) for p in first.get("path") or [])
        kind = first.get("type") or "error"
        more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
        message = str(first.get("message") or "").strip()
        super().__init__(
            f"{what}: GitHub's answer was partial ({kind} at {where}: {message}){more}"
        )


@dataclass(frozen=True)
class ClientOptions:
    """How politely and how persistently to talk to GitHub.

    ``seconds_between_writes``: PyGithub spaces POSTs (every GraphQL query is a
    POST) by this much per client. 0.25 s caps one worker at 4 queries a second;
    a bulk page costs about 4 points, so even 4 parallel workers stay far below
    GitHub's 2,000 points/minute secondary limit and its 5,000 points/hour budget
    is what bounds a large first sync, not the spacing.
    """

    base_url: str = "https://api.github.com"
    timeout: int = 60
    retries: int = 5
    backoff: float = 1.0
    seconds_between_writes: float = 0.25
    seconds_between_requests: float = 0.0
    max_rate_limit_wait: float = 900.0
    transport_retries: int = 3
    secondary_rate_wait: float = 60.0
    """Wait after a secondary-limit 403 without ``Retry-After`` (GitHub asks for a minute)."""

    @classmethod
    def from_env(cls, base_url: str) -> ClientOptions:
        """Defaults, with the spacing and backoff overridable for CI and tests."""
        options = cls(base_url=base_url)
        if os.environ.get(THROTTLE_ENV):
            options = replace(options, seconds_between_writes=float(os.environ[THROTTLE_ENV]))
        if os.environ.get(BACKOFF_ENV):
            options = replace(options, backoff=float(os.environ[BACKOFF_ENV]))
        return options


class RequestCounter:
    """HTTP exchanges started by the collector (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value = 0

    def add(self, n: int = 1) -> None:
        with self._lock:
            self.value += n


class GitHubClient:
    """PyGithub for REST (lazy: no request until data is needed), a second requester for
    GraphQL, and a plain session for downloads."""

    def __init__(
        self,
        auth: Auth.Auth,
        options: ClientOptions,
        *,
        counter: RequestCounter | None = None,
        credential: str = "$GITHUB_TOKEN",
    ) -> None:
        self.options = options
        self.counter = counter or RequestCounter()
        self.credential = credential
        common: dict[str, Any] = {
            "base_url": options.base_url.rstrip("/"),
            "auth": auth,
            "timeout": options.timeout,
            "per_page": 100,
            "user_agent": USER_AGENT,
            "seconds_between_requests": options.seconds_between_requests or None,
            "seconds_between_writes": options.seconds_between_writes or None,
        }
        self.rest = Github(retry=self._retry((429, 500, 502, 503, 504)), lazy=True, **common)
        self._graphql_github = Github(retry=self._retry((429, 500, 503), read=False), **common)
        self._graphql = self._graphql_github.requester
        self._downloads = requests.Session()
        # Signed report URLs: a plain session (no GitHub auth), the same retry policy.
        for scheme in ("http://", "https://"):
            self._downloads.mount(scheme, HTTPAdapter(max_retries=self._plain_retry()))

    def _retry(self, statuses: tuple[int, ...], **extra: Any) -> GithubRetry:
        return GithubRetry(
            total=self.options.retries,
            backoff_factor=self.options.backoff,
            status_forcelist=list(statuses),
            raise_on_status=False,
            max_rate_limit_wait=self.options.max_rate_limit_wait,
            secondary_rate_wait=self.options.secondary_rate_wait,
            **extra,
        )

    def _plain_retry(self) -> Retry:
        return Retry(
            total=self.options.retries,
            backoff_factor=self.options.backoff,
            status_forcelist=(429, 500, 502, 503, 504),
            allowed_methods={"GET"},
            raise_on_status=False,
        )

    # --- calls ------------------------------------------------------------------------------------

    def call(self, fn: Callable[[], T], what: str) -> T:
        """Run one request with the transport retries; translate 401 into `GitHubAuthError`."""
        attempts = self.options.transport_retries + 1
        for attempt in range(attempts):
            self.counter.add()
            try:
                return fn()
            except GithubException as exc:
                if exc.status == 401:
                    raise GitHubAuthError(
                        f"GitHub rejected the token in {self.credential} (401 Bad credentials)"
                    ) from None
                raise
            except requests.Timeout:
                raise
            except (
                requests.ConnectionError,
                requests.exceptions.ChunkedEncodingError,
                json.JSONDecodeError,
            ) as exc:
                if attempt + 1 == attempts:
                    raise GitHubUnavailable(f"{what}: {_describe(exc)}") from None
                time.sleep(self.options.backoff * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def graphql(self, query: str, variables: dict[str, Any], what: str) -> dict[str, Any]:
        """The JSON body of a GraphQL query (``data`` and ``rateLimit`` inside).

        Raises `GraphQLPartial` for an answer with partial data (PyGithub raises on any
        ``errors``: as a 400, or as a 404 when the one error is NOT_FOUND, which must not
        be mistaken for the repository itself missing when it points below it)."""
        try:
            _, body = self.call(lambda: self._graphql.graphql_query(query, variables), what)
        except GithubException as exc:
            errors = partial_errors(exc)
            if errors is None:
                raise
            raise GraphQLPartial(what, errors) from None
        return body

    def rest_json(self, path: str, params: dict[str, Any] | None, what: str) -> Any:
        """GET a REST path; the parsed JSON (None for 204)."""
        _, data = self.call(
            lambda: self.rest.requester.requestJsonAndCheck("GET", path, parameters=params), what
        )
        return data

    def download(
        self, url: str, what: str, parse: Callable[[bytes], T] | None = None
    ) -> T | bytes | None:
        """A signed report file, fetched without the Authorization header; None when gone.

        ``parse`` runs inside the transport retries: a file that does not parse (cut
        short, malformed JSON) is fetched again, then raises `GitHubUnavailable`."""

        def get() -> T | bytes | None:
            response = self._downloads.get(url, timeout=self.options.timeout)
            if response.status_code == 404:
                return None
            if response.status_code >= 400:
                raise GitHubUnavailable(f"{what}: HTTP {response.status_code}")
            return parse(response.content) if parse is not None else response.content

        return self.call(get, what)

    @property
    def rate_remaining(self) -> int | None:
        remaining, _limit = self._graphql.rate_limiting
        return remaining if remaining >= 0 else None

    def close(self) -> None:
        self.rest.close()
        self._graphql_github.close()
        self._downloads.close()


def graphql_error_types(exc: GithubException) -> set[str]:
    """The ``type`` of each GraphQL error in a failed answer (FORBIDDEN, RATE_LIMITED, ...)."""
    data = exc.data if isinstance(exc.data, dict) else {}
    return {str(e.get("type")) for e in data.get("errors") or [] if isinstance(e, dict)}


def partial_errors(exc: GithubException) -> list[dict[str, Any]] | None:
    """The errors of an answer with partial data, or None when the answer is not one.

    Partial: ``data`` is an object and every error's ``path`` goes below a top-level
    field. An error on the top-level field itself (``["repository"]`` NOT_FOUND or
    FORBIDDEN) means that object is missing or refused, not that the page has holes.
    """
    body = exc.data if isinstance(exc.data, dict) else {}
    errors = [e for e in body.get("errors") or [] if isinstance(e, dict)]
    if not errors or not isinstance(body.get("data"), dict):
        return None
    if any(e.get("type") == "INSUFFICIENT_SCOPES" for e in errors):
        return None  # the token lacks a scope: a refusal the caller explains, not a hole
    if any(len(e.get("path") or []) < 2 for e in errors):
        return None
    return errors


def rate_limited(exc: GithubException) -> bool:
    """A primary or secondary ("abuse detection") rate limit that outlasted the retries:
    a 403 that says nothing about access."""
    if isinstance(exc, RateLimitExceededException):
        return True
    body = exc.data if isinstance(exc.data, dict) else {}
    message = str(body.get("message") or "")
    return exc.status in (403, 429) and Requester.isRateLimitError(message)


def error_messages(exc: GithubException) -> str:
    """The messages of a failed answer, for a reason a person can act on."""
    body = exc.data if isinstance(exc.data, dict) else {}
    messages = [str(e.get("message")) for e in body.get("errors") or [] if isinstance(e, dict)]
    if not messages and body.get("message"):
        messages = [str(body["message"])]
    return "; ".join(m.strip() for m in messages if m and m != "None")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return "malformed JSON in the answer"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "the answer was cut short"
    return "connection failed (reset or refused)"
