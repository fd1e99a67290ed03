"""Tables as the pages show them, each with a CSV download of exactly what is shown:
labelled headers, shares in percent, hours and money rounded."""

from __future__ import annotations

import polars as pl
import streamlit as st

from aimetrics.format import (
    CURRENCY_SYMBOLS,
    MISSING,
    NOT_ENOUGH_DATA,
    STAGE_LABELS,
    download_name,
    format_money,
)
from aimetrics.metrics.adoption import Selection
from aimetrics.vocabulary import TOOL_NAMES
from dashboard.components import FILTERS_STATE, Filters


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """The CSV of exactly ``frame`` (lists joined with '; ')."""
    flat = frame.with_columns(
        pl.col(c).list.join("; ") for c, t in frame.schema.items() if isinstance(t, pl.List)
    )
    return flat.write_csv().encode()


# Table headers as shown (and in the CSV); shares become percentages, hours one decimal.
LABELS = {
    "comparison": "AI marker", "merged_prs": "Merged PRs", "ai_prs": "AI-assisted PRs",
    "no_marker_prs": "No-marker PRs", "ai_share": "AI-assisted share (%)",
    "lines": "Changed lines", "ai_lines": "Lines of AI-assisted PRs",
    "marked_pr_line_share": "Marked-PR line share (%)", "ai_reviewed_prs": "AI-reviewed PRs",
    "ai_reviewed_share": "AI-reviewed share (%)", "agent_prs": "Agent PRs",
    "active_contributors": "Active engineers", "ai_users": "AI users",
    "ai_users_without_markers": "AI users without markers",
    "marked_contributors": "Engineers with AI markers",
    "adoption_rate": "Adoption rate (%)", "commits": "Commits", "ai_commits": "AI-assisted commits",
    "ai_commit_share": "AI-assisted commit share (%)", "tool": "AI tool", "prs": "PRs",
    "share": "Share (%)", "cohort": "Cohort", "engineers": "Engineers", "author": "Written by",
    "opened": "Opened", "merged": "Merged", "closed_unmerged": "Closed unmerged",
    "merge_rate": "Merge rate (%)", "tool_id": "AI tool", "assigned": "Seats assigned",
    "active": "Seats used (30 days)", "idle": "Idle seats", "utilization": "Utilization (%)",
    "new": "New seats", "no_activity_data": "Seats without activity data",
    "days_idle": "Days idle",
    "active_engineers": "Active engineers", "throughput": "PRs per engineer-week",
    "stage": "Stage", "n": "PRs", "people": "Engineers", "p10": "p10 (h)", "p25": "p25 (h)",
    "median": "Median (h)", "p75": "p75 (h)", "p90": "p90 (h)", "merged_at": "Merged (UTC)",
    "reverted_at": "Reverted (UTC)", "repository": "Repository", "number": "PR",
    "title": "Title", "ai_tool": "AI tool", "coding": "Coding (h)", "pickup": "Pickup (h)",
    "review": "Review (h)", "merge": "Merge (h)", "cycle": "Cycle time (h)",
    "reverted_prs": "Reverted PRs", "revert_rate": "Revert rate (%)",
    "median_lines": "Median size (lines)", "unreviewed_prs": "Merged without human review",
    "unreviewed_share": "Merged without human review (%)", "reviewed_prs": "Human-reviewed PRs",
    "rounds_mean": "Changes requested per reviewed PR",
    "rounds_share": "Reviewed PRs with changes requested (%)", "source": "Source",
    "scopes": "Scopes", "not_complete": "Not complete", "last_finished": "Last finished (UTC)",
    "scope": "Scope", "status": "Status", "started_at": "Started (UTC)",
    "finished_at": "Finished (UTC)", "detail": "Detail", "at": "When (UTC)",
    "entity": "Change", "key": "SHA / PR / review", "kind": "Kind", "rule": "Rule",
    "confidence": "Confidence", "counts": "Counts", "field": "Field",
    "matched": "Matched text", "email": "E-mail", "name": "Name", "with_timeline": "With timeline",
    "git_only": "Git-only", "git_cycle": "Git-only with cycle time",
    "idle_monthly_cost": "Idle seats' monthly cost", "url": "Link",
    "currency": "Currency", "spend": "AI spend", "spend_per_engineer": "AI spend per engineer",
    "cost_per_merged_pr": "Cost per merged PR",
    "cost_per_ai_merged_pr": "Cost per AI-assisted merged PR",
    "uplift": "Throughput change (%)", "uplift_low": "Change CI low (%)",
    "uplift_high": "Change CI high (%)", "adopters": "Adopters",
    "comparison_engineers": "Not yet adopted", "note": "Note", "week_start": "Week starting",
    "days": "Days in period", "month": "Month", "component": "Component", "basis": "Basis",
    "amount": "Amount", "month_amount": "Whole month", "partial": "Month partly in period",
    "login": "Login", "person_key": "Person", "plan": "Plan",
    "last_activity_at": "Last activity (UTC)", "monthly_cost": "Monthly cost",
    "agent_share": "Agent PR share (%)", "active_users": "Active users per day",
    "engaged_users": "Engaged users per day", "suggestions": "Suggestions",
    "acceptances": "Acceptances", "acceptance_rate": "Acceptance rate (%)",
    "lines_suggested": "Lines suggested", "lines_accepted": "Lines added (accepted)",
    "interactions": "Prompts", "users": "Users", "days_active": "Days active",
    "changes": "Commits", "changes_with_evidence": "Commits with line evidence",
    "line_coverage": "Line evidence coverage (%)", "ai_added_lines": "AI-written lines",
    "evidence_added_lines": "Added lines (commits with evidence)",
    "ai_written_line_share": "AI-written share of added lines (%)", "model": "Model",
    "measure": "Measure", "vendor_count": "Vendor reports", "marked_count": "Markers found",
    "coverage": "Coverage (%)", "active_days": "Person-days",
}  # fmt: skip
TOOL_COLUMNS = {"tool_id", "tool", "ai_tool"}
PERCENT_COLUMNS = {
    "ai_share", "marked_pr_line_share", "ai_reviewed_share", "adoption_rate", "ai_commit_share",
    "share", "merge_rate", "utilization", "revert_rate", "unreviewed_share", "rounds_share",
    "agent_share", "acceptance_rate", "line_coverage", "ai_written_line_share", "coverage",
}  # fmt: skip
HOUR_COLUMNS = {
    "p10",
    "p25",
    "median",
    "p75",
    "p90",
    "coding",
    "pickup",
    "review",
    "merge",
    "cycle",
}
RATIO_COLUMNS = {"throughput", "rounds_mean", "active_users", "engaged_users"}
# Money and percent changes: two decimals.
MONEY_COLUMNS = {
    "spend", "spend_per_engineer", "cost_per_merged_pr", "cost_per_ai_merged_pr", "amount",
    "month_amount", "idle_monthly_cost", "monthly_cost", "uplift", "uplift_low", "uplift_high",
}  # fmt: skip


def display(frame: pl.DataFrame, group_label: str | None = None, **labels: str) -> pl.DataFrame:
    """``frame`` as a table shows it: labelled headers, shares in %, hours and rates rounded.

    ``group_label`` names the ``group`` column (e.g. "Team"); without it the column
    is dropped (the whole selection). ``labels`` override :data:`LABELS`.
    """
    if group_label is None and "group" in frame.columns:
        frame = frame.drop("group")
    out = frame.with_columns(
        *((pl.col(c) * 100).round(1) for c in frame.columns if c in PERCENT_COLUMNS),
        *(pl.col(c).round(1) for c in frame.columns if c in HOUR_COLUMNS),
        *(pl.col(c).round(2) for c in frame.columns if c in RATIO_COLUMNS | MONEY_COLUMNS),
        *(pl.col(c).replace(STAGE_LABELS) for c in frame.columns if c == "stage"),
        # One name per tool everywhere: the catalogue's display name, not its id.
        *(pl.col(c).replace(TOOL_NAMES) for c in frame.columns if c in TOOL_COLUMNS),
    ).with_columns(
        # An empty text cell reads empty, not "None" (e.g. no idle seat, so no currency; a
        # column with no value at all, such as an interval nobody could compute).
        pl.col(pl.String).fill_null(""),
        pl.col(pl.Null).cast(pl.String).fill_null(""),
    )
    names = {**LABELS, "group": group_label or "", **labels}
    return out.rename({c: names[c] for c in out.columns if c in names})


# Integer columns that name something rather than count it: no thousands separator.
ID_COLUMNS = {"number"}

# Money columns shown with their currency and thousands separators (``uplift`` is a percent).
CURRENCY_COLUMNS = MONEY_COLUMNS - {"uplift", "uplift_low", "uplift_high"} | {"month_amount"}


def money_format(currency: str | None) -> str:
    """A printf format for money: ``$%,.2f`` (the symbol), ``%,.2f CHF``, or ``%,.2f`` when
    the table names each row's currency itself."""
    if currency is None:
        return "%,.2f"
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{symbol}%,.2f" if symbol else f"%,.2f {currency}"


# Estimates whose empty cell means the sample was too small to measure ("not enough data");
# any other empty number is a figure that cannot be given (MISSING, e.g. a cost per AI PR
# without AI PRs). docs/dashboard.md "Empty cells".
ESTIMATE_COLUMNS = {"uplift", "uplift_low", "uplift_high"}


def _cell_text(value: float | None, money: str | None, missing: str) -> str:
    """One number as the grid shows it: money with its currency, others with separators."""
    if value is None or value != value:  # None or NaN
        return missing
    if money is not None:
        return format_money(value, money, 2) if money else f"{value:,.2f}"
    return f"{value:,}" if isinstance(value, int) else f"{value:,.2f}".rstrip("0").rstrip(".")


def readable(
    frame: pl.DataFrame, shown: pl.DataFrame, currency: str | None, names: dict[str, str]
) -> pl.DataFrame:
    """``shown`` as the grid draws it: a number column with an empty cell becomes text, the
    empty cell reading :data:`NOT_ENOUGH_DATA` for an estimate, :data:`MISSING` otherwise
    (Streamlit's grid would draw a grey "None"). Full number columns stay numbers, so they
    sort as numbers; the CSV download keeps every column numeric (empty cell: empty). A
    time is shown to the minute, in UTC as the headers say."""
    texts = []
    for column in frame.columns:
        label = names.get(column, column)
        if label not in shown.columns or not shown[label].dtype.is_numeric():
            continue
        values = shown[label]
        if not (values.is_null().any() or (values.dtype.is_float() and values.is_nan().any())):
            continue
        missing = NOT_ENOUGH_DATA if column in ESTIMATE_COLUMNS else MISSING
        money = (currency or "") if column in CURRENCY_COLUMNS else None
        texts.append(
            pl.Series(
                label, [_cell_text(v, money, missing) for v in shown[label].to_list()], pl.String
            )
        )
    # A time reads "2025-06-30 22:02" (its header says UTC), not the grid's raw
    # "2025-06-30 22:02:40+00:00"; as text in ISO order, it still sorts by time.
    times = [
        pl.col(c).dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%d %H:%M")
        if isinstance(t, pl.Datetime) and t.time_zone
        else pl.col(c).dt.strftime("%Y-%m-%d %H:%M")
        for c, t in shown.schema.items()
        if isinstance(t, pl.Datetime)
    ]
    # A day reads "2025-03-31": the grid draws a date column as a midnight time.
    days = [pl.col(c).dt.strftime("%Y-%m-%d") for c, t in shown.schema.items() if t == pl.Date]
    return (
        shown.with_columns(texts)
        .with_columns(*times, *days)
        .with_columns(pl.col(pl.String).fill_null(""))
    )


def table_currency(frame: pl.DataFrame) -> str | None:
    """The currency a table's money is shown in: the one its ``currency`` column names (a
    row without money names none), the reporting one without such a column, or None when
    the rows are in several currencies and each says which in its own column."""
    if "currency" not in frame.columns:
        return _reporting_currency()
    named = frame["currency"].drop_nulls()
    named = named.filter(named != "").unique()
    if named.len() == 1:
        return str(named[0])
    return _reporting_currency() if named.is_empty() else None


CURRENCY_STATE = "reporting_currency"  # set by the entry point (app.py) on every run


def _reporting_currency() -> str:
    """The reporting currency the entry point read with the settings this run (no second
    read of the configuration file per table)."""
    currency = st.session_state.get(CURRENCY_STATE)
    if currency is None:  # a page run without the entry point: read the settings
        from dashboard.loaders import app_context

        currency = app_context().settings.reporting.currency
    return str(currency)


def csv_name(name: str) -> str:
    """The download's file name: the table, the period and the filters of this run
    (:func:`aimetrics.format.download_name`), so two downloads of one table never look alike."""
    filters = st.session_state.get(FILTERS_STATE)
    if not isinstance(filters, Filters):  # a page run without the entry point: no filters
        return download_name(name, None, Selection(), "csv")
    return download_name(name, filters.period, filters.selection, "csv")


MAX_SHOWN_ROWS = 2_000  # rows a table sends to the browser; its CSV download has them all


def table(
    frame: pl.DataFrame,
    name: str,
    group_label: str | None = None,
    *,
    height: int | str = "auto",
    **labels: str,
) -> pl.DataFrame:
    """``frame`` (a metric's output) shown as :func:`display` makes it, with a CSV download of
    exactly that table. A ``url`` column becomes "Link": each PR or commit to its page on
    GitHub (the CSV keeps the address). Returns the table shown.
    """
    shown = display(frame, group_label, **labels)
    config: dict[str, object] = {}
    names = {**LABELS, "group": group_label or "", **labels}
    money = [c for c in frame.columns if c in CURRENCY_COLUMNS]
    currency = table_currency(frame) if money else None
    for c in money:
        config[names.get(c, c)] = st.column_config.NumberColumn(format=money_format(currency))
    if "Link" in shown.columns:  # the PR's or commit's page on GitHub
        config["Link"] = st.column_config.LinkColumn(
            "Link", display_text=r"https?://.*/(?:pull|commit)/(\w{1,7}).*"
        )
    # The browser gets at most MAX_SHOWN_ROWS rows: the whole table travels to it as Arrow
    # and is laid out there (25 MB and ~5 s for the Data page's tagged changes at 100k PRs,
    # docs/operations.md). The CSV keeps every row; long tables are sorted newest first.
    grid = readable(frame, shown.head(MAX_SHOWN_ROWS), currency, names)
    # Counts with thousands separators (the grid's default draws 120577); a PR's number
    # reads as GitHub writes it (#12345 has none).
    for c in frame.columns:
        label = names.get(c, c)
        if c not in ID_COLUMNS and label in grid.columns and grid[label].dtype.is_integer():
            config.setdefault(label, st.column_config.NumberColumn(format="%,d"))
    # A money column turned text carries its currency already: no number format on it.
    config = {
        k: v
        for k, v in config.items()
        if k not in grid.columns or grid[k].dtype.is_numeric() or k == "Link"
    }
    st.dataframe(grid, hide_index=True, column_config=config, height=height)  # type: ignore[arg-type]
    if shown.height > MAX_SHOWN_ROWS:
        st.caption(
            f"Showing the first {MAX_SHOWN_ROWS:,} of {shown.height:,} rows; "
            "the CSV download holds all of them."
        )
    st.download_button(
        f"Download CSV ({shown.height:,} rows)",
        data=csv_bytes(shown),
        file_name=csv_name(name),
        mime="text/csv",
        key=f"csv-{name}",
        icon=":material/download:",
        on_click="ignore",
    )
    return shown
