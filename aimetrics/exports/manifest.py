"""The export's ``manifest.json``: what was exported, for which period, filters and settings,
and what privacy left out (as the dashboard's notes say it)."""

from __future__ import annotations

from aimetrics.exports.csv_tables import Table, aimetrics_version
from aimetrics.figures.compute import BREAKDOWNS, Figures
from aimetrics.figures.folds import PrivacyNote
from aimetrics.vocabulary import LINE_SOURCES


def _privacy(f: Figures) -> dict[str, object]:
    """What privacy left out, per page and breakdown (as the dashboard's notes say it)."""
    notes: dict[str, PrivacyNote] = {
        "overview cycle time": f.overview.privacy,
        "team map": f.teams.privacy,
        **{f"adoption by {by}": f.adoption[by].privacy for by in BREAKDOWNS},
        **{f"delivery by {by}": f.delivery[by].privacy for by in BREAKDOWNS},
        **{f"quality by {by}": f.quality[by].privacy for by in BREAKDOWNS},
        "data by repository": f.data.privacy,
        "data marker coverage": f.data.markers.privacy,
    }
    if f.copilot_phases is not None:  # copilot-adoption-phases.csv, its latest day
        notes["copilot adoption phases"] = f.copilot_phases.privacy
    return {
        "min_group_size": f.view.min_group_size,
        "show_individuals": f.view.show_individuals,
        "selection_engineers": f.people,
        "selection_withheld": f.withheld,
        "left_out": {
            name: {
                "folded": list(n.folded),
                "other_hidden": n.other_hidden,
                "hidden_cells": list(n.hidden_cells),
                "note": n.text(),
            }
            for name, n in notes.items()
            if n.any
        },
    }


def manifest(f: Figures, written: list[Table]) -> dict[str, object]:
    """What the export holds: period, filters, settings, privacy, and each file."""
    p, sel, settings = f.period, f.selection, f.settings
    prev = p.previous()
    return {
        "aimetrics_version": aimetrics_version(),
        "generated_at": f.generated_at.isoformat().replace("+00:00", "Z"),
        "store": f.store,
        "config": str(settings.source_file) if settings.source_file else None,
        "period": {
            "from": p.start.isoformat(),
            "to": p.last_day.isoformat(),
            "days": p.days,
            "timezone": p.tz,
        },
        "previous_period": {"from": prev.start.isoformat(), "to": prev.last_day.isoformat()},
        "filters": {
            "teams": list(sel.teams),
            "repositories": list(sel.repositories),
            "tools": list(sel.tools),
        },
        "settings": {
            "tagging.min_confidence": settings.tagging.min_confidence,
            "reporting.currency": settings.reporting.currency,
            "reporting.week_start": settings.reporting.week_start,
            "roi": settings.roi.model_dump(mode="json"),
            "statistics": settings.statistics.model_dump(mode="json"),
        },
        "privacy": _privacy(f),
        "line_evidence": _line_evidence(f),
        "files": [
            {
                "name": f"{t.name}.csv",
                "rows": t.frame.height,
                "columns": t.frame.columns,
                "page": t.section,
                "covers": t.scope,
                "description": t.description,
                **({"withheld": t.withheld} if t.withheld else {}),
            }
            for t in written
        ],
    }


def _line_evidence(f: Figures) -> dict[str, object]:
    """What ``ai-lines.csv`` and the AI-written share rest on: the sources in precedence
    order (one counts per commit), and how many of the period's commits have evidence."""
    first = next(iter(f.ai_written.values()), None)
    row = first.headline.row(0, named=True) if first and first.headline.height else {}
    return {
        "sources_in_precedence": list(LINE_SOURCES),
        "commits": row.get("changes", 0),
        "commits_with_evidence": row.get("changes_with_evidence", 0),
        "line_coverage": row.get("line_coverage"),
        "files": ["ai-lines.csv", "ai-written-summary.csv"],
    }
