"""How a figure is shown, the same on a dashboard page and in the report: money, shares,
rates, changes, hours, periods, display labels, tool names and colours.

One formatter for every presenter (``dashboard/`` and :mod:`aimetrics.exports`), so a
figure reads the same on a page and on paper. A missing value (``None`` or NaN) is
shown as :data:`MISSING`; a negative number takes the typographic minus
(:data:`MINUS`). The one exception is the change under a Streamlit metric
(:func:`delta_money`, :func:`delta_rate`, :func:`delta_points`, :func:`delta_number`,
:func:`delta_hours`): Streamlit draws the arrow from a leading ASCII ``-``, so those deltas
start with it. A tool's display name is the vocabulary's (:func:`tool_name`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import unicodedata
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from aimetrics.metrics.adoption import OTHER_TOOLS, Selection
from aimetrics.metrics.period import Period
from aimetrics.metrics.privacy import OTHER
from aimetrics.metrics.stats import Estimate
from aimetrics.vocabulary import AI_GROUP, NO_MARKER, tool_name

__all__ = [
    "AI_COLOR",
    "COMPARISON_COLORS",
    "CURRENCY_SYMBOLS",
    "MINUS",
    "MISSING",
    "NOT_ENOUGH_DATA",
    "NO_MARKER_COLOR",
    "NUMBER_AXIS",
    "OTHER_COLOR",
    "PALETTE",
    "PERCENT_AXIS",
    "STAGE_LABELS",
    "STAGE_NAMES",
    "THROUGHPUT_COLOR",
    "TOOL_COLORS",
    "delta_hours",
    "delta_money",
    "delta_number",
    "delta_points",
    "delta_rate",
    "download_name",
    "format_change",
    "format_estimate",
    "format_hours",
    "format_interval",
    "format_money",
    "format_number",
    "format_period",
    "format_rate",
    "format_share",
    "format_signed",
    "format_timestamp",
    "hover_money",
    "money_axis",
    "tool_colors",
    "tool_name",
]

MISSING = "—"  # a figure that cannot be given (nothing to divide by, nothing recorded)
NOT_ENOUGH_DATA = "not enough data"  # an estimate whose sample is too small to measure
MINUS = "−"  # U+2212, the typographic minus
CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}

# --- colours: one per group and per tool, the same on every page and in the report -----------

AI_COLOR = "#7c3aed"  # AI-assisted (an AI marker at or above the configured confidence)
NO_MARKER_COLOR = "#94a3b8"  # "no marker": the comparison group (unknown, not proven human)
COMPARISON_COLORS = {AI_GROUP: AI_COLOR, NO_MARKER: NO_MARKER_COLOR}
THROUGHPUT_COLOR = "#0f766e"  # delivery figures that are not split by AI / no marker
OTHER_COLOR = "#475569"  # other tools, folded groups
# One colour per AI tool, the same everywhere; unknown tools take the palette in order.
TOOL_COLORS = {
    "github-copilot": "#2563eb",
    "claude-code": "#ea580c",
    "cursor": "#0891b2",
    "openai-codex": "#16a34a",
    "aider": "#db2777",
    "devin": "#ca8a04",
    "google-jules": "#4f46e5",
    "amazon-q": "#f59e0b",
    "openhands": "#be123c",
    "unspecified": "#64748b",
}
PALETTE = ("#0d9488", "#9333ea", "#e11d48", "#65a30d", "#0284c7", "#c2410c", "#7c2d12")


# What a tool breakdown shows besides tools: the comparison group and folded groups.
_NOT_TOOLS = {NO_MARKER: NO_MARKER_COLOR, OTHER_TOOLS: OTHER_COLOR, OTHER: OTHER_COLOR}


def tool_colors(tools: Sequence[str]) -> dict[str, str]:
    """One colour per tool, the one rule of every chart: :data:`TOOL_COLORS` for known tools,
    "no marker" grey, other tools and folded groups slate, the palette in order for the rest."""
    others = iter(PALETTE * (len(tools) // len(PALETTE) + 1))
    return {t: TOOL_COLORS.get(t) or _NOT_TOOLS.get(t) or next(others) for t in tools}


# --- display labels -------------------------------------------------------------------------------

STAGE_LABELS = {  # a cycle-time stage with its span, for tables and KPIs
    "coding": "Coding (first commit → ready)",
    "pickup": "Pickup (ready → first human review)",
    "review": "Review (first review → last approval)",
    "merge": "Merge (approval → merged)",
    "cycle": "Cycle time (first commit → merged)",
}
STAGE_NAMES = {  # the same stages, short, for chart axes
    "coding": "Coding",
    "pickup": "Pickup",
    "review": "Review",
    "merge": "Merge",
    "cycle": "Cycle time",
}

# --- numbers ------------------------------------------------------------------------------------


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_money(value: float | None, currency: str, decimals: int = 0) -> str:
    """``$1,234`` (``1,234 CHF`` without a symbol); a negative amount takes :data:`MINUS`,
    unless it rounds to zero."""
    if _missing(value):
        return MISSING
    assert value is not None
    symbol = CURRENCY_SYMBOLS.get(currency)
    amount = f"{abs(value):,.{decimals}f}"
    sign = MINUS if value < 0 and float(amount.replace(",", "")) else ""
    return f"{sign}{symbol}{amount}" if symbol else f"{sign}{amount} {currency}"


def format_share(value: float | None) -> str:
    return MISSING if value is None else f"{value:.1%}"


def format_rate(value: float | None) -> str:
    return MISSING if value is None else f"{value:.2f}"


def format_signed(value: float, decimals: int = 1) -> str:
    """``+1.5`` / ``−1.5``, and no sign when it rounds to zero."""
    text = f"{abs(value):,.{decimals}f}"
    if float(text.replace(",", "")) == 0:
        return text
    return ("+" if value > 0 else MINUS) + text


def format_hours(value: float | None) -> str:
    """Hours below two days, days above."""
    if _missing(value):
        return MISSING
    assert value is not None
    return f"{value:.1f} h" if abs(value) < 48 else f"{value / 24:.1f} d"


def format_number(value: float | None, unit: str, currency: str = "USD") -> str:
    """``value`` in ``unit``: ``money`` (whole), ``money2`` (cents), ``share`` (0..1), ``pp``
    (percentage points), ``percent`` (a change, +20 = +20 %), ``ratio`` (0.8×), ``rate``
    (two decimals), ``hours``, ``days`` or ``count``."""
    if _missing(value):
        return MISSING
    assert value is not None
    if unit == "money":
        return format_money(value, currency)
    if unit == "money2":
        return format_money(value, currency, 2)
    if unit == "share":
        return format_share(value)
    if unit == "pp":
        return f"{format_signed(value)} pp"
    if unit == "percent":
        return f"{format_signed(value, 0)}%"
    if unit == "ratio":
        return f"{value:.2f}×"
    if unit == "rate":
        return f"{value:.2f}"
    if unit == "hours":
        return format_hours(value)
    if unit == "days":
        return "never" if math.isinf(value) else f"{value:,.0f} days"
    if unit == "count":
        return f"{value:,.0f}"
    return f"{value:g}"


def format_change(
    value: float | None, previous: float | None, unit: str, currency: str = "USD"
) -> str:
    """The change from the previous period in words ("" when either is missing): points for
    a share, the difference and the relative change for money and rates, else the figure
    before."""
    if value is None or previous is None:
        return ""
    diff = value - previous
    if unit == "share":
        return f"{format_signed(diff * 100)} pp"
    relative = f" ({format_signed((value / previous - 1) * 100, 0)}%)" if previous else ""
    if unit in ("money", "money2"):
        decimals = 2 if unit == "money2" else 0
        sign = "+" if diff >= 0 else MINUS
        return f"{sign}{format_money(abs(diff), currency, decimals)}{relative}"
    if unit == "rate":
        return f"{format_signed(diff, 2)}{relative}"
    return f"{format_number(previous, unit, currency)} before"


def format_interval(est: Estimate, fmt: str, unit: str = "") -> str:
    """``90% CI a to b`` of an estimate, each end in ``fmt`` with ``unit``; "" without one."""
    if not est.ok or est.low is None or est.high is None:
        return ""
    return f"{est.level:.0%} CI {est.low:{fmt}}{unit} to {est.high:{fmt}}{unit}"


def format_estimate(est: Estimate, unit: str) -> str:
    """A comparison with its interval, or "not enough data"."""
    if not est.ok or est.value is None:
        return "not enough data"
    return f"{est.value:+.1f}{unit} ({est.level:.0%} CI {est.low:+.1f} to {est.high:+.1f})"


# --- charts: plotly's own formats, the same conventions as the text above ---------------------

# Axis ticks at round values with thousands separators ("~": no trailing zeros, so 0.5 stays
# 0.5 and 12000 reads 12,000); a percentage axis (values 0..100) ends each tick with "%".
NUMBER_AXIS = {"tickformat": ",~f"}
PERCENT_AXIS = {"tickformat": ",~f", "ticksuffix": "%"}


def money_axis(currency: str) -> dict[str, str]:
    """A money axis: ticks like ``$12,000`` (``12,000 CHF`` without a symbol)."""
    symbol = CURRENCY_SYMBOLS.get(currency)
    affix = {"tickprefix": symbol} if symbol else {"ticksuffix": f" {currency}"}
    return {"tickformat": ",~f", **affix}


def hover_money(currency: str, field: str = "y", decimals: int = 0) -> str:
    """An amount in a plotly hovertemplate as :func:`format_money` writes it:
    ``$%{y:,.0f}`` (``%{y:,.0f} CHF`` without a symbol)."""
    value = f"%{{{field}:,.{decimals}f}}"
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{symbol}{value}" if symbol else f"{value} {currency}"


# --- changes under a Streamlit metric (ASCII sign: Streamlit reads the arrow from it) ------------


def _relative(current: float, previous: float) -> str:
    return f" ({current / previous - 1:+.0%})" if previous else ""


def delta_points(current: float | None, previous: float | None) -> str | None:
    """A change of a share, in percentage points."""
    if current is None or previous is None:
        return None
    return f"{(current - previous) * 100:+.1f} pp"


def delta_rate(current: float | None, previous: float | None) -> str | None:
    if current is None or previous is None:
        return None
    return f"{current - previous:+.2f}{_relative(current, previous)}"


def delta_number(current: float | None, previous: float | None, decimals: int = 0) -> str | None:
    """A change of a count or an average, with the relative change."""
    if current is None or previous is None:
        return None
    return f"{current - previous:+,.{decimals}f}{_relative(current, previous)}"


def delta_hours(current: float | None, previous: float | None) -> str | None:
    """A change of a duration, in hours or days (:func:`format_hours`)."""
    if current is None or previous is None:
        return None
    return f"{'+' if current >= previous else '-'}{format_hours(abs(current - previous))}"


def delta_money(
    current: float | None, previous: float | None, currency: str, decimals: int = 0
) -> str | None:
    if current is None or previous is None:
        return None
    diff = current - previous
    sign = "+" if diff >= 0 else "-"
    return f"{sign}{format_money(abs(diff), currency, decimals)}{_relative(current, previous)}"


# --- dates and times ------------------------------------------------------------------------------


def format_period(period: Period) -> str:
    """First and last day: ``2025-01-01 – 2025-03-31``."""
    return f"{period.start:%Y-%m-%d} – {period.last_day:%Y-%m-%d}"


def format_month(day: dt.date) -> str:
    """A calendar month by its first day: ``November 2026``."""
    return f"{day:%B %Y}"


def format_timestamp(value: dt.datetime | None, tz: str) -> str:
    if value is None:
        return "never (no collection run is recorded)"
    return value.astimezone(ZoneInfo(tz)).strftime(f"%Y-%m-%d %H:%M {tz}")


# --- file names of downloads ----------------------------------------------------------------------

DOWNLOAD_PREFIX = "aimetrics"
MAX_NAME_STEM = 120  # characters before the suffix: short enough for any file system and mail
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """``text`` as a file-name-safe slug: ASCII letters and digits joined by "-"
    ("Claude Code" → ``claude-code``, ``acme/api`` → ``acme-api``); a name with no letter or
    digit in ASCII (e.g. "日本") becomes a short stable hash, never an empty part."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    out = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")
    return out or hashlib.sha1(text.encode()).hexdigest()[:8]


def download_name(what: str, period: Period | None, selection: Selection, suffix: str) -> str:
    """The file name of a download that names what it holds, its period and its filters:
    ``aimetrics-adoption-by-team_2025-04-01_2025-06-30_team-payments_tool-claude-code.csv``.

    Parts are joined by "_", words within a part by "-", several values of one filter by "+"
    (``team-payments+checkout``). A name longer than :data:`MAX_NAME_STEM` lists the longest
    filter by its count instead (``repos-12``), so a file name stays short without
    dropping a filter silently. ``period`` None: no dates (a table that has no period)."""
    parts = [f"{DOWNLOAD_PREFIX}-{slug(what)}"]
    if period is not None:
        parts += [f"{period.start:%Y-%m-%d}", f"{period.last_day:%Y-%m-%d}"]
    # Each filter as (its part listing every value, its part counting them).
    filters = [
        [f"{kind}-{'+'.join(slug(v) for v in values)}", f"{kind}s-{len(values)}"]
        for kind, values in (
            ("team", selection.teams),
            ("repo", selection.repositories),
            ("tool", selection.tools),
        )
        if values
    ]

    def stem() -> str:
        return "_".join(parts + [listed for listed, _ in filters])

    while len(stem()) > MAX_NAME_STEM:
        longest = max(filters, key=lambda f: len(f[0]))
        if longest[0] == longest[1]:  # every filter already counted: cut (rare)
            break
        longest[0] = longest[1]
    return f"{stem()[:MAX_NAME_STEM]}.{suffix.lstrip('.')}"
