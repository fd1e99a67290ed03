"""What every fake API server shares: serving on 127.0.0.1 at a free port, in a thread.

A fake defines ``_handler_base`` (its request handler class, which reads ``fake``) and
``release`` (letting go of requests it holds, so that ``stop`` never waits on them).
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that vanish mid-answer (killed, timed out) are expected here."""


class LocalServer:
    """Start, stop, context manager and address of a fake served by ``server_class``."""

    server_class: type[ThreadingHTTPServer] = ThreadingHTTPServer
    _server: ThreadingHTTPServer | None = None

    def _handler_base(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    def release(self) -> None:
        raise NotImplementedError

    def start(self) -> Self:
        handler = type("Handler", (self._handler_base(),), {"fake": self})
        self._server = self.server_class(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        self.release()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def root(self) -> str:
        assert self._server is not None, "start() the server first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"
