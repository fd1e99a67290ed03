"""The report's layout: one self-contained HTML document of a
:class:`~aimetrics.exports.report.model.Report`.

Page 1 (:mod:`.onepager`) is the verdict, the team action table and one trend chart; the
appendix (:mod:`.appendix`) follows after a CSS page break. The CSS is inline and
the charts are plotly figures drawn by the inlined plotly.js (its basic bundle: bar, pie and
scatter traces, :data:`PLOTLY_BUNDLE`) once the page loads, after
which the document sets ``data-charts="ready"`` on ``<html>`` (what the PDF printer waits
for). Headline figures carry their exact values as ``data-value`` (``data-low``,
``data-high``, ``data-previous``, ``data-status``) for checks and scrapers.

Why plotly.js inlined rather than images rendered by kaleido: the HTML then needs no
browser to be produced (the dashboard's "Download report" button and the Docker image
have none) and no extra dependency (plotly ships the bundle), the charts keep their
hover details, and the PDF is the same document printed, not a second rendering. The
cost is size: the basic bundle is 1.2 MB (the full one 4.8 MB), so a report stays under
1.5 MB; every figure is also in the text and tables, so a viewer that blocks scripts still
shows them all.
"""

from __future__ import annotations

import json
from importlib.resources import files

from aimetrics.exports.csv_tables import aimetrics_version
from aimetrics.exports.report.appendix import appendix
from aimetrics.exports.report.cells import esc
from aimetrics.exports.report.document import Document
from aimetrics.exports.report.model import Report
from aimetrics.exports.report.onepager import onepager
from aimetrics.exports.report.style import CHART_SCRIPT, CSS
from aimetrics.format import format_period

PLOTLY_BUNDLE = "vendor/plotly-basic.min.js"  # plotly.js basic: bar, pie, scatter (README)
PLOTLY_TRACES = frozenset({"bar", "pie", "scatter"})  # what the bundle can draw


def plotly_bundle() -> str:
    """The plotly.js basic bundle shipped with the package (vendor/README.md)."""
    return (files("aimetrics.exports.report") / PLOTLY_BUNDLE).read_text(encoding="utf-8")


def render_html(report: Report) -> str:
    """The report as one self-contained HTML document (CSS and plotly.js inline)."""
    doc = Document()
    onepager(doc, report)
    appendix(doc, report)
    body = "\n".join(doc.parts)
    scripts = ""
    if doc.charts:
        # The basic bundle inlined: no CDN and no request, so the file works offline.
        scripts = (
            f"<script>{plotly_bundle()}</script>\n<script>{CHART_SCRIPT}</script>"
            '<noscript><p class="note">The charts need JavaScript; every figure is also in '
            "the text and tables.</p></noscript>"
        )
    else:
        scripts = "<script>document.documentElement.setAttribute('data-charts','ready');</script>"
    f = report.figures
    meta = json.dumps(
        {
            "period": [f.period.start.isoformat(), f.period.last_day.isoformat()],
            "generated_at": f.generated_at.isoformat(),
        }
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(report.title)} · {esc(format_period(f.period))}</title>"
        f'<meta name="generator" content="aimetrics {esc(aimetrics_version())}">'
        f"<style>{CSS}</style>"
        f'<script type="application/json" id="report-meta">{meta}</script>'
        f"</head><body>\n{body}\n{scripts}\n</body></html>\n"
    )
