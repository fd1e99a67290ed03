"""One HTTP client for the vendors' APIs: bounded retries, ``Retry-After``, paging, auth errors.

- 429 and 5xx (Anthropic's 529 "overloaded" too), resets and cut-short answers are
  retried at most ``RetryPolicy.retries`` times: after a ``Retry-After`` the server
  names (seconds or an HTTP date), else after an exponential backoff. A wait longer than
  ``max_wait`` is not waited out: the run stops with a line saying so, days already
  stored stay stored, and the next run resumes.
- 401 and 403 are never retried: `VendorAuthError`, one line naming the environment
  variable and the permission the key needs.
- The key travels in a header only. It is never formatted into a message, a log line or
  a ``repr`` (errors are built from the status, the path and the vendor's own message).
"""

from __future__ import annotations

import email.utils
import json
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import requests

from aimetrics.errors import AimetricsError

USER_AGENT = "aimetrics-collector (https://github.com/aimetrics/aimetrics)"
BACKOFF_ENV = "AIMETRICS_VENDOR_RETRY_BACKOFF"
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504, 529})
MAX_PAGES = 10_000
"""A paging loop never runs longer than this, even if a server keeps saying has_more."""


class VendorError(AimetricsError):
    """A vendor API answered with an error retrying cannot cure (400, 404, a bad body).

    ``status`` is the HTTP status when there was one, so a caller can tell a missing
    feature (404) from a refused permission (403)."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class VendorAuthError(VendorError):
    """The vendor refused the key (401) or its permissions (403): nothing can be collected."""


class VendorUnavailable(VendorError):
    """429, 5xx or resets persisted through every retry."""


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 5
    backoff: float = 1.0
    """First wait without ``Retry-After``, doubled after each further failure."""
    max_wait: float = 300.0
    """A ``Retry-After`` longer than this ends the run instead (cron runs again later)."""
    timeout: float = 60.0

    @classmethod
    def from_env(cls) -> RetryPolicy:
        """Defaults, with the backoff overridable for CI and tests."""
        policy = cls()
        if os.environ.get(BACKOFF_ENV):
            policy = replace(policy, backoff=float(os.environ[BACKOFF_ENV]))
        return policy


@dataclass
class Counters:
    requests: int = 0
    retries: int = 0


class VendorClient:
    """GET (or POST with a JSON body) JSON from one vendor's API with the retry policy.

    ``key_env`` names the variable the key came from and ``permission`` what the key
    must be allowed, for the one line a 401/403 gives.
    """

    def __init__(
        self,
        vendor: str,
        base_url: str,
        headers: Mapping[str, str],
        *,
        key_env: str,
        permission: str,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        report: Callable[[str], None] = lambda _line: None,
        secrets: Sequence[str] = (),
    ) -> None:
        self.vendor = vendor
        self.base_url = base_url.rstrip("/")
        self.key_env = key_env
        self.permission = permission
        self.policy = policy or RetryPolicy.from_env()
        self.counters = Counters()
        self._sleep = sleep
        self.report = report
        """Where a retry is announced (progress output)."""
        self._session = requests.Session()
        self._session.headers.update({"User-Agent": USER_AGENT, **headers})
        # Header values long enough to be a key: blanked in any message a server echoes.
        self._secrets = [v for v in (*headers.values(), *secrets) if len(v) >= 12]
        """Also ``secrets``: a key that travels encoded (Basic auth) but a server might echo."""

    def __repr__(self) -> str:  # never the headers: they hold the key
        return f"VendorClient({self.vendor!r}, {self.base_url!r})"

    def close(self) -> None:
        self._session.close()

    def get_json(self, path: str, params: Mapping[str, Any], what: str) -> dict[str, Any]:
        """One GET, retried as the module says; the JSON object of the answer."""
        return self._request("GET", path, what, params=params)

    def post_json(self, path: str, body: Mapping[str, Any], what: str) -> dict[str, Any]:
        """One POST of a JSON body (a read: Cursor's Admin API takes its filters so),
        retried like a GET; the JSON object of the answer."""
        return self._request("POST", path, what, body=body)

    def _request(
        self,
        method: str,
        path: str,
        what: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        url = self.base_url + path
        attempts = self.policy.retries + 1
        for attempt in range(attempts):
            self.counters.requests += 1
            last = attempt + 1 == attempts
            try:
                response = self._session.request(
                    method, url, params=params, json=body, timeout=self.policy.timeout
                )
            except (
                requests.ConnectionError,
                requests.Timeout,
                requests.exceptions.ChunkedEncodingError,  # the answer was cut short
            ) as exc:
                if last:
                    raise VendorUnavailable(
                        f"{what}: {_describe(exc)} ({attempts} tries)"
                    ) from None
                self._wait(None, attempt, what=what, why=_describe(exc))
                continue
            status = response.status_code
            if status in (401, 403):
                raise VendorAuthError(self._auth_line(status, response), status=status)
            if status in RETRIED_STATUSES:
                if last:
                    raise VendorUnavailable(
                        f"{what}: {self.vendor} answered HTTP {status}"
                        f"{self._message(response)} after {attempts} tries; "
                        "the days stored so far are kept, re-run to resume"
                    )
                self._wait(
                    _retry_after(response), attempt, what=what, why=f"HTTP {status}", status=status
                )
                continue
            if status >= 400:
                raise VendorError(
                    f"{what}: {self.vendor} answered HTTP {status}{self._message(response)}",
                    status=status,
                )
            try:
                answer = response.json()
            except (ValueError, requests.exceptions.ChunkedEncodingError):
                if last:
                    raise VendorUnavailable(
                        f"{what}: {self.vendor}'s answer was not JSON ({attempts} tries)"
                    ) from None
                self._wait(None, attempt, what=what, why="the answer was not JSON")
                continue
            if not isinstance(answer, dict):
                raise VendorError(f"{what}: expected a JSON object, got {type(answer).__name__}")
            return answer
        raise AssertionError("unreachable")  # pragma: no cover

    def pages(self, path: str, params: Mapping[str, Any], what: str) -> Iterator[dict[str, Any]]:
        """Each page of a ``{data, has_more, next_page}`` listing, following ``next_page``."""
        page: str | None = None
        for _ in range(MAX_PAGES):
            query = {**params, **({"page": page} if page else {})}
            body = self.get_json(path, query, what)
            if not isinstance(body.get("data"), list):
                raise VendorError(f"{what}: the answer has no 'data' list")
            yield body
            page = body.get("next_page")
            if not body.get("has_more"):
                return
            if not page or not isinstance(page, str):
                raise VendorError(f"{what}: has_more is true but next_page is {page!r}")
        raise VendorError(f"{what}: more than {MAX_PAGES} pages; stopped")

    def _wait(
        self, retry_after: float | None, attempt: int, *, what: str, why: str, status: int = 0
    ) -> None:
        self.counters.retries += 1
        if retry_after is not None and retry_after > self.policy.max_wait:
            raise VendorUnavailable(
                f"{what}: {self.vendor} answered HTTP {status} and asks to wait "
                f"{retry_after:.0f} s (more than {self.policy.max_wait:.0f} s); "
                "the days stored so far are kept, re-run later to resume"
            )
        if retry_after is None:
            retry_after = self.policy.backoff * 2**attempt
        self.report(
            f"{what}: {why}; retry {attempt + 1} of {self.policy.retries} in {retry_after:.1f} s"
        )
        self._sleep(max(0.0, retry_after))

    def _message(self, response: requests.Response) -> str:
        text = _message(response)
        for secret in self._secrets:
            text = text.replace(secret, "[key]")
        return text

    def _auth_line(self, status: int, response: requests.Response) -> str:
        refused = "rejected the key" if status == 401 else "refused the key's permissions"
        return (
            f"{self.vendor} {refused} in ${self.key_env} (HTTP {status}{self._message(response)}): "
            f"it needs {self.permission}"
        )


def _retry_after(response: requests.Response) -> float | None:
    """Seconds from ``Retry-After`` (a number or an HTTP date); None when absent or unreadable."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _message(response: requests.Response) -> str:
    """The vendor's own error type and message (``{error: {type, message}}``), if any.

    Used through `VendorClient._message`, which blanks the key should a server echo it."""
    try:
        body = response.json()
    except ValueError:
        return ""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        kind, text = error.get("type"), error.get("message")
        parts = [str(p).strip() for p in (kind, text) if p]
        return f", {': '.join(parts)}"[:300] if parts else ""
    if isinstance(error, str):  # Cursor: {"error": "Too Many Requests", "message": "..."}
        text = body.get("message")
        return f", {error}{f': {text}' if isinstance(text, str) and text else ''}"[:300]
    return ""


def _describe(exc: BaseException) -> str:
    if isinstance(exc, requests.Timeout):
        return "no answer in time"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "the answer was cut short"
    return "connection failed (reset or refused)"


def dumps(value: Any) -> str:
    """JSON for the store's ``record`` columns: stable key order, so re-runs write equal text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
