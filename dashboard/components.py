"""The dashboard's building blocks: shared filters, KPIs, empty states and page furniture.

Every page uses these, so figures look and read the same everywhere. Numbers, labels
and colours are :mod:`aimetrics.format`'s (the report's too). Nothing here reads the
store (that is ``data.py``) or computes a metric (that is ``aimetrics.metrics``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import streamlit as st

from aimetrics.figures.folds import PrivacyNote
from aimetrics.format import format_period
from aimetrics.metrics.adoption import Selection
from aimetrics.metrics.period import DEFAULT_PERIOD_DAYS, Period
from aimetrics.metrics.privacy import OTHER
from aimetrics.vocabulary import AI_GROUP, NO_MARKER, tool_name

AI_LABEL = AI_GROUP  # "AI-assisted"
NO_MARKER_LABEL = NO_MARKER  # "no marker"

# --- the shared sidebar filters ---------------------------------------------------------
PERIOD_KEY = "period"  # widget key, and the URL query parameter: ?period=FROM&period=TO
FILTERS_STATE = "aimetrics.filters"
_EARLIEST = dt.date(2000, 1, 1)


TEAMS_KEY, REPOS_KEY, TOOLS_KEY = "team", "repo", "tool"  # widget keys = URL parameters


@dataclass(frozen=True)
class FilterOptions:
    """What the sidebar offers: team slugs with names, repositories, tool ids with names."""

    teams: tuple[tuple[str, str], ...] = ()
    repositories: tuple[str, ...] = ()
    tools: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Filters:
    """What every page filters by: the period, and teams, repositories, tools (empty = all)."""

    period: Period
    teams: tuple[str, ...] = ()
    repositories: tuple[str, ...] = ()
    tools: tuple[str, ...] = ()
    # Display names of the teams and tools picked (slug or id -> name), for the words only.
    names: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    @property
    def selection(self) -> Selection:
        return Selection(self.teams, self.repositories, self.tools)

    def name(self, value: str) -> str:
        """A team's or tool's name as the sidebar shows it (a tool's catalogue name)."""
        return dict(self.names).get(value) or tool_name(value)

    def describe(self) -> str:
        """The filters besides the period, in words ("" when none)."""
        named = (
            ("teams", [self.name(t) for t in self.teams]),
            ("repositories", list(self.repositories)),
            ("tools", [self.name(t) for t in self.tools]),
        )
        return " · ".join(f"{label}: {', '.join(values)}" for label, values in named if values)

    def words(self) -> str:
        """The selection in a sentence: " by Identity with Cursor in acme/api between
        2026-09-06 and 2026-12-04" (each part only when filtered)."""
        parts = [
            (" by ", [self.name(t) for t in self.teams]),
            (" with ", [self.name(t) for t in self.tools]),
            (" in ", list(self.repositories)),
        ]
        text = "".join(f"{lead}{_either(values)}" for lead, values in parts if values)
        return f"{text} between {self.period.start:%Y-%m-%d} and {self.period.last_day:%Y-%m-%d}"


def _either(values: Sequence[str]) -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    return values[0] if len(values) == 1 else f"{', '.join(values[:-1])} or {values[-1]}"


def _multiselect(
    label: str, key: str, options: Sequence[tuple[str, str]], help: str
) -> tuple[str, ...]:
    names = dict(options)
    picked = st.sidebar.multiselect(
        label,
        options=[value for value, _ in options],
        format_func=lambda v: names.get(v, v),
        key=key,
        bind="query-params",
        placeholder="All",
        help=help,
    )
    return tuple(sorted(picked))


# Streamlit's date field applies a typed date on Escape or on leaving the field, not on Enter
# (1.67: its key handler knows Escape and Tab only), so a manager who types a date and presses
# Enter saw nothing change. Enter in a date field is turned into the Escape that applies it.
# Installed once per browser page (the flag), whatever the number of reruns.
ENTER_APPLIES_DATES = """<script>
if (!window.aimetricsEnterAppliesDates) {
  window.aimetricsEnterAppliesDates = true;
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (event.key !== "Enter" || !(target instanceof Element)) return;
    if (!target.closest('[data-testid="stDateInputField"]')) return;
    event.preventDefault();
    event.stopPropagation();
    target.dispatchEvent(new KeyboardEvent("keydown", {
      key: "Escape", code: "Escape", bubbles: true, cancelable: true,
    }));
  }, true);
}
</script>"""


def sidebar_filters(default: Period, options: FilterOptions | None = None) -> Filters:
    """Render the shared filters in the sidebar and publish them for the pages.

    Every filter is bound to the URL (``?period=2025-01-01&period=2025-03-31``,
    first and last day included; ``&team=Payments&repo=acme/api&tool=Cursor``:
    teams and tools by the names shown), so a link reproduces the view. Without a
    period the default is ``default`` (the last 90 days of data); without the
    others, everything.
    """
    options = options or FilterOptions()
    last_allowed = max(default.last_day, dt.date.today()) + dt.timedelta(days=366)
    picked = st.sidebar.date_input(
        "Period",
        value=(default.start, default.last_day),
        min_value=_EARLIEST,
        max_value=last_allowed,
        key=PERIOD_KEY,
        bind="query-params",
        format="YYYY-MM-DD",
        help=(
            f"First and last day, in the reporting time zone ({default.tz}). "
            f"Default: the last {DEFAULT_PERIOD_DAYS} days up to the latest merged pull "
            "request. Figures are compared with the period of equal length just before."
        ),
    )
    st.sidebar.html(ENTER_APPLIES_DATES, unsafe_allow_javascript=True)
    days = tuple(picked) if isinstance(picked, Sequence) else (picked,)
    if len(days) == 2 and days[0] is not None and days[1] is not None:
        start, last = days
    elif days and days[0] is not None:
        st.sidebar.caption("Pick the last day of the period too.")
        start = last = days[0]
    else:
        start, last = default.start, default.last_day
    teams = _multiselect(
        "Teams", TEAMS_KEY, options.teams,
        "Work by members of these teams at the time (memberships have effective dates).",
    )  # fmt: skip
    repos = _multiselect(
        "Repositories", REPOS_KEY, [(r, r) for r in options.repositories],
        "Work in these repositories.",
    )  # fmt: skip
    tools = _multiselect(
        "AI tools", TOOLS_KEY, options.tools,
        "Count as AI-assisted only the changes whose AI marker names one of these tools; "
        "changes marked by other tools are left out of AI vs no-marker comparisons.",
    )  # fmt: skip
    if repos:
        st.sidebar.caption(
            "AI spend is not attributed to repositories: with a repository filter, spend, "
            "cost per PR and ROI are not shown."
        )
    names = (*options.teams, *options.tools)
    period = Period(start, last + dt.timedelta(days=1), default.tz)
    filters = Filters(period, teams, repos, tools, names)
    st.session_state[FILTERS_STATE] = filters
    return filters


def current_filters() -> Filters:
    """The filters the entry point rendered for this run (see :func:`sidebar_filters`)."""
    filters = st.session_state.get(FILTERS_STATE)
    if not isinstance(filters, Filters):
        raise RuntimeError("run the dashboard through dashboard/app.py, which sets the filters")
    return filters


# --- KPIs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kpi:
    """One headline figure as shown: label, value, change, sample size, definition."""

    label: str
    value: str
    delta: str | None
    delta_color: str
    n: str
    help: str
    uncertainty: str = ""  # the interval of the figure or of its change, in words
    delta_arrow: str = "auto"  # "off" when the delta is a note ("not enough data")


PREVIOUS = "vs previous period"  # what every delta compares with (Period.previous)


def plain(text: str) -> str:
    """``text`` for Streamlit's markdown: "$" escaped, so two amounts in one line are not
    typeset as a formula between them."""
    return text.replace("$", "\\$")


NO_DATA = "no data"  # a tile of a selection with nothing to measure (see no_ai_work)
# What a tile of a selection without AI-assisted work reads as "no data": nothing ("$0",
# "0.0%"), a figure that cannot be given ("—", "— lines") or an estimate without a sample.
_NOTHING = re.compile(r"^\D*0(?:\.0+)?(?:[^\d.,].*)?$|^—|^not enough data$")


def is_nothing(value: str) -> bool:
    """True for a shown figure that measures nothing: zero, "—" or "not enough data"."""
    return bool(_NOTHING.match(value))


def no_data(kpi: Kpi) -> Kpi:
    """``kpi`` as a selection without AI-assisted work shows it: "no data" for a zero or
    missing value, no change and no interval ("90% CI 0.0% to 0.0%" says nothing)."""
    if not is_nothing(kpi.value):
        return kpi
    return replace(kpi, value=NO_DATA, delta=None, uncertainty="", delta_arrow="off")


def kpi_row(kpis: Sequence[Kpi], empty: bool = False) -> None:
    """The KPIs side by side, each with its change and its sample size beneath; with
    ``empty`` (the selection has no AI-assisted work) the zero ones read :data:`NO_DATA`."""
    if empty:
        kpis = [no_data(k) for k in kpis]
    for column, kpi in zip(st.columns(len(kpis)), kpis, strict=True):
        with column:
            st.metric(
                kpi.label,
                kpi.value,
                kpi.delta,
                delta_color=kpi.delta_color,  # type: ignore[arg-type]
                help=kpi.help,
                border=True,
                delta_arrow=kpi.delta_arrow,  # type: ignore[arg-type]
                delta_description=PREVIOUS if kpi.delta else None,
            )
            st.caption(plain(f"n: {kpi.n}"))
            if kpi.uncertainty:
                st.caption(plain(kpi.uncertainty))


# --- privacy: small groups folded, small cells hidden -----------------------------------
# Which groups and cells to fold or hide is aimetrics.metrics.privacy's, applied by
# aimetrics.figures.folds (PrivacyNote, drop_cells, describe_cells); this says so on the page.

OTHER_GROUPS = OTHER  # "Other (small groups)"


def empty_state(message: str) -> None:
    """The helpful message shown instead of a chart when nothing matches."""
    st.info(message, icon=":material/filter_alt_off:")


WIDEN = "widen the period or clear some teams, repositories or tools in the sidebar"


def nothing_message(filters: Filters, what: str, why: str = WIDEN) -> str:
    """The one wording of an empty selection: what is empty, for which selection, and why or
    what to do: "No merged PRs by Identity with Cursor between 2026-09-06 and 2026-12-04:
    widen the period or ..."."""
    return f"No {what}{filters.words()}: {why}."


def stop_without_merged_prs(merged_prs: int | None, filters: Filters | None = None) -> None:
    """End the page with :func:`nothing_message` when the selection has no merged PR."""
    if not merged_prs:
        empty_state(nothing_message(filters or current_filters(), "merged PRs"))
        st.stop()


def no_ai_work(filters: Filters, merged_prs: int | None, ai_prs: int | None) -> bool:
    """True (and the message, once, at the top of the page) when the selection has merged
    PRs but none AI-assisted: its AI figures have nothing to measure, so the page's tiles
    read :data:`NO_DATA` (``kpi_row(..., empty=True)``) and its AI-only charts give way to
    the message instead of drawing zeros."""
    if not merged_prs or ai_prs:
        return False
    marker = (
        f"a {_either([filters.name(t) for t in filters.tools])} marker"
        if filters.tools
        else "an AI marker"
    )
    empty_state(
        nothing_message(
            filters,
            "AI-assisted merged PRs",
            f"none of its {merged_prs:,} merged PRs carries {marker} at the configured "
            "confidence, so the AI figures read 'no data'; delivery and quality figures count "
            "its PRs without a marker",
        )
    )
    return True


# --- page furniture: caption, breakdown choice, privacy, KPIs of the new pages -------------

BY_KEY = "by"  # the page's breakdown choice, in the URL like the filters
BREAKDOWNS = {"team": "Team", "repository": "Repository"}


def view_caption(filters: Filters, min_confidence: str) -> None:
    """Period, filters and what "AI-assisted" means, under a page's title."""
    period = filters.period
    where = filters.describe()
    st.caption(
        f"{format_period(period)} ({period.days} days, {period.tz})"
        + (f" · {where}" if where else "")
        + f". AI-assisted: an AI marker at or above '{min_confidence}' confidence; the rest is "
        f"'{NO_MARKER_LABEL}' (unknown, not proven human)."
    )


def breakdown_choice() -> str:
    """Team or repository: what the page's breakdowns group by (bound to ``?by=``)."""
    return str(
        st.radio(
            "Break down by",
            list(BREAKDOWNS),
            format_func=BREAKDOWNS.__getitem__,
            horizontal=True,
            key=BY_KEY,
            bind="query-params",
        )
    )


def last_breakdown() -> str:
    """The breakdown last chosen on a page that offers it (session or URL), else the first:
    for a page that reads figures keyed by it without offering the choice."""
    for chosen in (st.session_state.get(BY_KEY), st.query_params.get(BY_KEY)):
        if chosen in BREAKDOWNS:
            return str(chosen)
    return next(iter(BREAKDOWNS))


def enough_people(people: int, min_group_size: int) -> bool:
    """False (and a visible note) when the selection has 1..k-1 active people."""
    if 0 < people < min_group_size:
        st.warning(
            f"This selection has {people} active engineer(s), fewer than the privacy threshold "
            f"(privacy.min_group_size = {min_group_size}): its figures are not shown. "
            "Widen the teams or repositories in the sidebar.",
            icon=":material/visibility_off:",
        )
        return False
    return True


def privacy_note(note: PrivacyNote) -> None:
    if note.any:
        st.caption(f":material/visibility_off: Privacy: {note.text()}")
