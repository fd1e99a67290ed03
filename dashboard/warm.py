"""The server warms itself when the store changes: no visitor pays for a fresh store read.

Every write moves the store version (:mod:`aimetrics.store.version`), and every cache of
the dashboard is keyed by it, so the first visitor after a write used to wait for the whole
store read and the Overview's figures (about 16 s at 100k PRs). A thread of the server
process (:func:`start`, from ``dashboard/serve.py``'s preload) reads the version every
``AIMETRICS_WARM_SECONDS`` (default 30; ``off`` or ``0``: never), a one-row query, and when
it moved computes what a visitor to the Overview with the default filters needs, through
the very loaders the page calls: into Streamlit's in-process caches (the server's, shared by
every session) and, through ``@on_disk``, into the disk cache (a restarted server loads it).

It also runs once as the server starts: from the disk cache when an earlier server left it
(the unpickling then happens before the first visitor, not during the visit), else from
the store (``aimetrics demo`` then serves a store whose first page is already computed).

- One warm at a time: the same thread checks and warms. A visitor who asks for the same
  figures meanwhile waits for this computation (Streamlit computes each key once).
- Read-only: the loaders only read (ADBC reads, one short query for the version); the
  thread never holds a SQLite write lock, so a collector never waits for it.
- A failure is logged once (the exception's type and message: the store's URL is shown
  without its password) and retried at the next change of the version; the thread never
  stops the server.
- With the disk cache off (``AIMETRICS_CACHE_DIR=off``) it still fills the server's own
  in-process caches, which is what its visitors read first.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from collections.abc import Callable

from aimetrics.figures.view import default_period
from aimetrics.store.engine import StoreUrl, safe_url
from aimetrics.store.version import read_version
from dashboard import balance, loaders
from dashboard.components import Filters

WARM_ENV = "AIMETRICS_WARM_SECONDS"
DEFAULT_SECONDS = 30.0
WARM_THREAD = "aimetrics-warm"
_OFF = ("off", "0", "no", "false")
log = logging.getLogger(__name__)


def interval() -> float | None:
    """Seconds between two checks of the store version (``AIMETRICS_WARM_SECONDS``), or
    None when warming is turned off. A value that is not a number is reported, not fatal:
    the dashboard starts with the default."""
    raw = os.environ.get(WARM_ENV, "").strip().lower()
    if not raw:
        return DEFAULT_SECONDS
    if raw in _OFF:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if seconds < 0 or seconds != seconds:  # negative or NaN
        log.warning(
            "%s=%r is not a number of seconds: checking every %g s (set it to a number, or "
            "'off' to never warm)", WARM_ENV, raw, DEFAULT_SECONDS,
        )  # fmt: skip
        return DEFAULT_SECONDS
    return None if seconds == 0 else seconds


def default_filters(latest_merged_at: dt.datetime | None, ctx: loaders.AppContext) -> Filters:
    """The filters of a visitor who picked none: what ``components.sidebar_filters`` builds
    from the default period (the same ``Period``, so the same cache keys)."""
    default = default_period(latest_merged_at, ctx.settings)
    return Filters(default)


def warm_first_page(ctx: loaders.AppContext) -> str | None:
    """Compute (or load from the disk cache) what the Overview with the default filters
    reads, through its own cached loaders, and wait for the disk cache writes. Returns the
    store version it warmed, None when the store cannot be shown (missing, outdated, empty:
    the page explains that itself, there is nothing to compute)."""
    status = loaders.store_status(ctx.db_url)
    if not status.ready:
        return None
    loaders.filter_options(ctx.db_url)
    v = loaders.view(ctx, default_filters(status.latest_merged_at, ctx))
    money = balance.money(ctx.settings)
    # What dashboard/app_pages/overview.py asks, in its order (keep the two in step: the
    # warm test visits the page after a warm and checks it computed nothing new).
    balance.overview(v)
    balance.spend(v, money)
    balance.view_measured(v)
    balance.roi_parts(v, money, v.period)
    balance.team_actions(v, money)
    balance.teams(v, money)
    loaders.flush_disk_cache()
    return v.scope.version


class Warmer:
    """The check-and-warm loop (one per server process; see the module docstring)."""

    def __init__(
        self,
        seconds: float,
        warm: Callable[[loaders.AppContext], str | None] = warm_first_page,
    ) -> None:
        self.seconds = seconds
        self._warm = warm
        self.warmed: str | None = None  # the version last warmed (or tried)
        self.warms = 0  # completed warms, for the tests and the log
        self._failed_check = False
        self._stop = threading.Event()

    def check_once(self) -> bool:
        """Read the version; warm when it moved since the last warm. True if it warmed."""
        try:
            ctx = loaders.app_context()
            version = self._read_version(ctx.db_url)
        except Exception as exc:  # unreachable store, bad configuration: the page says it
            if not self._failed_check:
                log.warning("cannot check the store version to warm the dashboard: %s", _say(exc))
            self._failed_check = True
            return False
        self._failed_check = False
        if version is None or version == self.warmed:
            return False
        self.warmed = version  # tried once per version: a failure waits for the next write
        # The loaders read the version through a 2 s cache: read it now, as a visitor would.
        loaders.store_version.clear()
        started = dt.datetime.now(dt.UTC)
        try:
            done = self._warm(ctx)
        except Exception as exc:
            log.warning(
                "warming the dashboard for store version %s failed (retried at the next "
                "write): %s", version, _say(exc, ctx.db_url),
            )  # fmt: skip
            return False
        if done is None:  # missing, outdated or empty: the page explains it, nothing to do
            return False
        if done != version:  # a write landed during the warm: that one is warmed now
            self.warmed = done
        self.warms += 1
        seconds = (dt.datetime.now(dt.UTC) - started).total_seconds()
        log.info("warmed the dashboard for store version %s in %.1f s", done, seconds)
        return True

    def run(self) -> None:
        """Warm now, then check every ``seconds`` until :meth:`stop`."""
        while not self._stop.is_set():
            try:
                self.check_once()
            except Exception as exc:  # never the server's problem
                log.warning("the dashboard's warm thread: %s", _say(exc))
            self._stop.wait(self.seconds)

    def stop(self) -> None:
        self._stop.set()

    @staticmethod
    def _read_version(db_url: str) -> str | None:
        url = StoreUrl.parse(db_url)
        if url.is_sqlite and not url.sqlite_path.exists():
            return None  # the demo has not built it yet: never create it here
        return read_version(loaders.store_engine(db_url))


def start() -> Warmer | None:
    """Start the warm thread (daemon) unless ``AIMETRICS_WARM_SECONDS`` turns it off."""
    seconds = interval()
    if seconds is None:
        return None
    warmer = Warmer(seconds)
    threading.Thread(target=warmer.run, name=WARM_THREAD, daemon=True).start()
    return warmer


def _say(exc: Exception, db_url: str | None = None) -> str:
    """The exception in one line, the store URL's password never in it."""
    text = f"{type(exc).__name__}: {exc}".splitlines()[0] if str(exc) else type(exc).__name__
    if db_url:
        password = StoreUrl.parse(db_url).url.password
        if password:
            text = text.replace(str(password), "***")
        text = text.replace(db_url, safe_url(db_url))
    return text
