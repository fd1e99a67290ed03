"""A PostgreSQL server that accepts a connection and never answers (a dead host behind a load
balancer, a wrong port forwarded) is an error after a bounded wait, never a hang: libpq's own
default is to wait forever, which kept `aimetrics dashboard` from ever starting."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from aimetrics.errors import StoreError
from aimetrics.store import create_store_engine
from aimetrics.store.engine import CONNECT_TIMEOUT_S, StoreUrl


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A local port whose server accepts every connection and says nothing."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:  # closed at the end of the test
                return

    threading.Thread(target=accept, daemon=True).start()
    yield server.getsockname()[1]
    server.close()
    for conn in held:
        conn.close()


def test_a_silent_server_is_an_error_after_the_timeout(silent_port: int) -> None:
    started = time.monotonic()
    with pytest.raises(StoreError, match=r"cannot open the store .*timeout"):
        create_store_engine(f"postgresql://aimetrics@127.0.0.1:{silent_port}/store")
    waited = time.monotonic() - started
    assert CONNECT_TIMEOUT_S - 1 <= waited < CONNECT_TIMEOUT_S + 5


def test_the_urls_own_timeout_wins(silent_port: int) -> None:
    url = f"postgresql://aimetrics@127.0.0.1:{silent_port}/store?connect_timeout=2"
    started = time.monotonic()
    with pytest.raises(StoreError, match="timeout"):
        create_store_engine(url)
    assert time.monotonic() - started < CONNECT_TIMEOUT_S - 3
    # The bulk reads and writes (ADBC, libpq's URI) wait as long, no longer.
    assert "connect_timeout=2" in StoreUrl.parse(url).adbc_uri
    assert f"connect_timeout={CONNECT_TIMEOUT_S}" in StoreUrl.parse(url[: url.index("?")]).adbc_uri
