"""The plumbing every fake vendor API shares: real HTTP on 127.0.0.1, one place.

`VendorServer` starts a ``ThreadingHTTPServer`` on a free port (``start()``/``stop()`` or a
context manager), records every request (`requests`), answers queued faults (429 with a
retry header, 5xx, or `RESET`: the connection closed without an answer) and can hold
requests after ``hold_after`` until ``release()``, to kill a client mid-run. A fake
subclasses it and keeps only its API: how a key is checked (`authorize`), its error body
(`error`), its routes (`route`) and its data. Its ``Fault`` class decides which requests a
fault hits (`FaultLike.matches`), since each API says "which day" differently.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from fakes.local_server import LocalServer

RESET = 0
"""`Fault` status: close the connection without answering."""

Answer = tuple[int, dict[str, str], dict[str, Any]]
"""What a fake answers: status, extra headers, JSON body."""


@dataclass(frozen=True)
class RequestRecord:
    """One request as the fake saw it (``body`` is ``{}`` for a GET or a non-object body)."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


def made_up(*parts: object, mod: int) -> int:
    """A number made up from ``parts``: the same parts always give the same number (so the
    same request always gets the same answer)."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:4], "big") % mod


def page_token(text: str) -> str:
    """An opaque ``next_page`` cursor carrying ``text`` (as Anthropic's and OpenAI's)."""
    return "page_" + base64.urlsafe_b64encode(text.encode()).decode()


def page_text(token: str) -> str:
    """What `page_token` carried."""
    return base64.urlsafe_b64decode(token.removeprefix("page_").encode()).decode()


class FaultLike(Protocol):
    status: int
    times: int
    retry_after: str | None

    def matches(self, record: RequestRecord) -> bool: ...


class VendorServer(LocalServer):
    """The server and its state. Use as a context manager, or ``start()``/``stop()``."""

    methods: tuple[str, ...] = ("GET",)
    """HTTP methods the API has; others get 501, as from a plain HTTP server."""
    retry_header = "retry-after"
    """How the API spells its retry header on a 429."""

    def __init__(self, *, keys: tuple[str, ...]) -> None:
        self.keys = set(keys)
        self.requests: list[RequestRecord] = []
        self.faults: list[FaultLike] = []
        self.hold_after: int | None = None
        self.page_size: int | None = None
        """Rows or buckets per page at most, whatever the client asks: to make every
        listing take several pages."""
        self.held = threading.Event()
        self._release = threading.Event()
        self._lock = threading.Lock()

    # --- what a fake defines ----------------------------------------------------------------

    def authorize(self, headers: dict[str, str]) -> Answer | None:
        """The error answer for missing or wrong credentials, None when they are good."""
        raise NotImplementedError

    def error(self, status: int, message: str) -> Answer:
        """An error answer in the API's own body shape."""
        raise NotImplementedError

    def route(self, record: RequestRecord) -> Answer:
        """The answer to an authorized request without a fault."""
        raise NotImplementedError

    def _handler_base(self) -> type[BaseHTTPRequestHandler]:
        return _Handler

    def release(self) -> None:
        self._release.set()

    def count(self) -> int:
        with self._lock:
            return len(self.requests)

    # --- answering ------------------------------------------------------------------------------

    def get(self, path: str, query: dict[str, list[str]], headers: dict[str, str]) -> Answer:
        """Answer a GET without HTTP (to save what the API would answer as a file)."""
        return self.respond("GET", path, query, None, headers)

    def respond(
        self, method: str, path: str, query: dict[str, list[str]], body: Any, headers: dict
    ) -> Answer:
        record = RequestRecord(method, path, query, body if isinstance(body, dict) else {},
                               headers)  # fmt: skip
        with self._lock:
            self.requests.append(record)
            number = len(self.requests)
            fault = next((f for f in self.faults if f.matches(record)), None)
            if fault is not None:
                fault.times -= 1
        if self.hold_after is not None and number > self.hold_after:
            self.held.set()
            self._release.wait()
        denied = self.authorize(headers)
        if denied is not None:
            return denied
        if fault is not None and fault.status == RESET:
            return RESET, {}, {}
        if fault is not None:
            extra = {self.retry_header: fault.retry_after} if fault.retry_after is not None else {}
            status, hdrs, answer = self.error(fault.status, "Fault injected by the fake")
            return status, {**hdrs, **extra}, answer
        return self.route(record)


class _Handler(BaseHTTPRequestHandler):
    fake: VendorServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def _serve(self, method: str) -> None:
        if method not in self.fake.methods:
            self.send_error(501, f"Unsupported method ({method!r})")
            return
        url = urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        length = int(headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else {}
        except json.JSONDecodeError:
            body = None
        status, extra, answer = self.fake.respond(method, url.path, parse_qs(url.query), body,
                                                  headers)  # fmt: skip
        if status == RESET:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")
