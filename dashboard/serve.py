"""``python -m dashboard.serve run dashboard/app.py ...``: Streamlit's own command line, with
what the first page needs made ready while the server starts (``aimetrics dashboard`` runs it).

Streamlit runs ``app.py`` only when a browser connects, so the first visitor of a fresh server
would also wait for the dashboard's imports (polars, plotly, the figures: 2-3 s at the first
page, docs/operations.md), for plotly's first figure of each trace type, and for the PDF
check (Playwright's driver, in a thread of its own). All of that is done before the server
listens (about 0.5 s on a warm machine): a server answering while it still imported made its
first visitor wait 0.5-0.7 s more than the next one (session 9). Then ``dashboard/warm.py``'s
thread starts, which keeps the Overview's first page computed at the server's start and after
every write to the store.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import sys
import threading

import dashboard

log = logging.getLogger(__name__)
# Scripts, not libraries (they draw a page when imported), and this module.
_NOT_PRELOADED = {"app", "app_pages", "serve"}
PRELOAD_THREAD = "aimetrics-preload"
PRELOAD_WAIT_S = 10.0  # the longest the server waits for the preload before it listens
WARM_THREAD = "aimetrics-warm"  # dashboard.warm's (not imported here: it loads the figures)


def preload() -> None:
    """Import every dashboard module, draw one figure per trace type, start the PDF check,
    and fill the caches every page reads first."""
    try:
        for module in pkgutil.iter_modules(dashboard.__path__):
            if module.name not in _NOT_PRELOADED:
                importlib.import_module(f"dashboard.{module.name}")
        import plotly.graph_objects as go

        # Plotly loads each trace type's validators at its first use (~0.1-0.3 s each).
        for trace in (go.Bar(x=[1], y=[1]), go.Box(y=[1]), go.Scatter(x=[1], y=[1])):
            go.Figure(trace).to_json()
        from dashboard import loaders, report_button

        report_button.start_pdf_check()
        # What app.py asks on every page, into the server's (process-wide) caches: the store
        # status (ADBC's driver, the schema check), the sidebar's options, the non-AI bots
        # (the rule catalogue) and the store version.
        ctx = loaders.app_context()
        if loaders.store_status(ctx.db_url).ready:
            loaders.filter_options(ctx.db_url)
            loaders.scope(ctx)
    except Exception as exc:  # never the server's problem: the first page pays what is left
        log.warning("preloading the dashboard stopped early: %s", exc)


def preload_and_warm() -> None:
    """:func:`preload`, then keep the first page computed: at once (from the disk cache
    when it holds this store version) and after every write (``dashboard/warm.py``)."""
    preload()
    try:
        from dashboard import warm

        warm.start()
    except Exception as exc:  # never the server's problem
        log.warning("the dashboard will not warm itself: %s", exc)


class _NotThePreload(logging.Filter):
    """Streamlit warns of a "missing ScriptRunContext" for each cached call outside a page,
    and of "No runtime found" for a cache first used before the server runs (its entries
    stay in memory, as the server's own would): expected in the preload and warm threads, so
    not logged from them."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.threadName not in (PRELOAD_THREAD, WARM_THREAD)


def main() -> None:
    from streamlit.web.cli import main as streamlit_main

    for name in (
        "streamlit.runtime.scriptrunner_utils.script_run_context",
        "streamlit.runtime.caching.cache_data_api",
        "streamlit.runtime.caching.cache_resource_api",
    ):
        logging.getLogger(name).addFilter(_NotThePreload())
    # The server listens once the preload is done: a server that answers while it still
    # imports and reads makes its first visitor wait on that work beside its own (+0.5-0.7 s
    # on a 2-core machine, session 9). At most PRELOAD_WAIT_S, though: a store that does not
    # answer (a PostgreSQL server down) must not keep the dashboard from saying so. The warm
    # (the disk cache read, or the figures computed on a miss) goes on in its own thread.
    preloading = threading.Thread(target=preload_and_warm, name=PRELOAD_THREAD, daemon=True)
    preloading.start()
    preloading.join(PRELOAD_WAIT_S)

    sys.argv = ["streamlit", *sys.argv[1:]]
    streamlit_main()


if __name__ == "__main__":
    main()
