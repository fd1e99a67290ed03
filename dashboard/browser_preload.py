"""Streamlit's page shell, with the code of the elements our pages draw fetched at once.

Streamlit loads each element's code (plotly.js: a 4.7 MB chunk; the table; the metric, the
download button, the date field) only when the first element of that kind arrives over the
websocket, about 0.4 s into a visit, after the script has started; until then the element is a
grey skeleton. In a fresh browser context (a first visit, a new laptop) that was most of a
page's wait: on the demo at scale 10 the Overview's script run was over at 1.2 s and its charts
drawn at 2.4 s, the plotly chunk alone fetched from 1.0 s to 1.7 s (session 8's measures,
docs/operations.md). ``<link rel="modulepreload">`` in the shell lets the browser fetch and
compile that code while the app's own bundle starts and the script runs.

Streamlit has no setting for the shell's head, so ``dashboard.serve`` points its static folder
at a copy made here: every entry of Streamlit's own folder linked, and ``index.html`` with the
preload links added. The chunks are found by their names' stems (the part before the build
hash), so a Streamlit upgrade that renames or drops one preloads the rest; when nothing matches
or the shell has no ``</head>``, Streamlit's own folder is served unchanged.
"""

from __future__ import annotations

import atexit
import logging
import re
import shutil
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

# The element chunks our pages load (read from the browser's requests on every page at 1.67),
# and the large libraries they import, so those are fetched in parallel, not one after another.
ELEMENT_CHUNKS = (
    "PlotlyChart",
    "DataFrame",
    "arrowFormatUtils",
    "recordbatch",
    "serialization",
    "Quiver",
    "moment",
    "numbro",
    "reactJsonViewCompat",
    "Metric",
    "DownloadButton",
    "Multiselect",
    "DateInput",
    "Html",
    "Radio",
    "withFullScreenWrapper",
)
_STEM = re.compile(r"^(?P<stem>[^.]+)\.[^.]+\.js$")


def preload_links(js_names: list[str], stems: tuple[str, ...] = ELEMENT_CHUNKS) -> str:
    """The ``<link rel="modulepreload">`` lines for the files among ``js_names`` (the names in
    Streamlit's ``static/js``) whose stem is one of ``stems``, in the order of ``stems``."""
    by_stem: dict[str, list[str]] = {}
    for name in sorted(js_names):
        m = _STEM.match(name)
        if m:
            by_stem.setdefault(m["stem"], []).append(name)
    return "".join(
        f'    <link rel="modulepreload" crossorigin href="./static/js/{name}">\n'
        for stem in stems
        for name in by_stem.get(stem, [])
    )


def shell_with_preloads(static_dir: Path, target: Path) -> Path | None:
    """Fill ``target`` with Streamlit's static folder (entries linked) and an ``index.html``
    that preloads the element chunks; returns ``target``, or None when there is nothing to
    add (Streamlit's own folder should then be served)."""
    index = static_dir / "index.html"
    html = index.read_text(encoding="utf-8")
    links = preload_links([p.name for p in (static_dir / "static" / "js").glob("*.js")])
    if not links or "</head>" not in html:
        return None
    target.mkdir(parents=True, exist_ok=True)
    for entry in static_dir.iterdir():
        if entry.name != "index.html":
            (target / entry.name).symlink_to(entry)
    (target / "index.html").write_text(html.replace("</head>", links + "</head>", 1), "utf-8")
    return target


def install() -> None:
    """Make Streamlit serve the shell with the preloads (before its server starts). Never the
    server's problem: on any failure Streamlit serves its own folder."""
    try:
        from streamlit import file_util

        own = Path(file_util.get_static_dir())
        target = Path(tempfile.mkdtemp(prefix="aimetrics-shell-"))
        atexit.register(shutil.rmtree, target, ignore_errors=True)
        if shell_with_preloads(own, target / "static") is None:
            log.info("no element chunk to preload: Streamlit's page shell is served as it is")
            return
        served = str(target / "static")
        file_util.get_static_dir = lambda: served  # read once, when the server's routes are made
    except Exception as exc:
        log.warning("the page shell's preloads are not installed: %s", exc)
