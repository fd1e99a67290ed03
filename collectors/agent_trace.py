"""Agent Trace records (agent-trace.dev, github.com/cursor/agent-trace) into ``commit_ai_lines``.

A trace record names a revision (``vcs.revision``: a git commit) and, per file, conversations
whose contributor (``ai``, ``human``, ``mixed`` or ``unknown``, with a ``model_id``) wrote line
ranges (``start_line``-``end_line``, 1-based; a range may name its own contributor). Records are
joined to the stored commits by revision: ``ai`` lines count as AI lines of the record's tool
(``tool.name``) and model, ``human`` as human, ``mixed`` apart (never as AI), ``unknown`` and the
commit's added lines no record covers as untracked. A revision the store does not hold is
counted, not an error. Several records of one commit add up; a line two records name counts
once, as the later record says.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from aimetrics.errors import AimetricsError
from aimetrics.store import Replace, read_table, write_frames
from aimetrics.store import schema as s
from aimetrics.store.pending import pending_rows
from collectors.git_ai_notes import LineCounts, tool_id
from collectors.git_notes import file_rows, line_rows

SOURCE = "agent-trace"
CONTRIBUTORS = ("ai", "human", "mixed", "unknown")


class TraceError(AimetricsError):
    """A file is not Agent Trace JSON (the message names the file)."""


@dataclass(frozen=True)
class TraceImport:
    records: int
    commits: int  # stored commits given line evidence
    unknown_revisions: int  # revisions the store does not hold
    files: int

    def line(self) -> str:
        return (
            f"{self.records:,} Agent Trace records from {self.files:,} files: line evidence for "
            f"{self.commits:,} commits; {self.unknown_revisions:,} revisions not in the store"
            + (" (collect their repositories first)" if self.unknown_revisions else "")
        )


def read_records(path: Path) -> tuple[list[dict], int]:
    """The records of a file (one JSON record, a JSON list, or JSON Lines) or of every
    ``.json``/``.jsonl`` file under a folder, and how many files were read."""
    files = sorted(
        p for p in path.rglob("*") if p.suffix in (".json", ".jsonl") and p.is_file()
    ) if path.is_dir() else [path]  # fmt: skip
    records: list[dict] = []
    for file in files:
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise TraceError(f"{file}: cannot be read ({exc.strerror})") from None
        records.extend(_parse(file, text))
    return records, len(files)


def _parse(file: Path, text: str) -> list[dict]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        try:  # JSON Lines, as trace writers append them
            data = [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            raise TraceError(f"{file}: not JSON nor JSON Lines ({exc.msg})") from None
    items = data if isinstance(data, list) else [data]
    if not all(isinstance(r, dict) and isinstance(r.get("files"), list) for r in items):
        raise TraceError(f"{file}: not an Agent Trace record (no 'files' list)")
    return items


_MAX_RANGE = 1_000_000  # lines: a range longer is a broken record, not a file

Line = tuple[str, str, str]  # contributor type, tool id, model


def attributed_lines(records: Iterable[dict]) -> dict[str, dict[str, dict[int, Line]]]:
    """Per revision (lower case), per file, per line: who wrote it (the later record wins)."""
    out: dict[str, dict[str, dict[int, Line]]] = {}
    for record in records:
        revision = str((record.get("vcs") or {}).get("revision") or "").strip().lower()
        if not revision:
            continue
        tool = tool_id((record.get("tool") or {}).get("name"))
        files = out.setdefault(revision, {})
        for file in record["files"]:
            lines = files.setdefault(str(file.get("path", "")), {})
            for conv in file.get("conversations") or []:
                for r in conv.get("ranges") or []:
                    who = r.get("contributor") or conv.get("contributor") or {}
                    kind = who.get("type") if who.get("type") in CONTRIBUTORS else "unknown"
                    line = (kind, tool, str(who.get("model_id") or ""))
                    try:
                        start, end = int(r["start_line"]), int(r["end_line"])
                    except (KeyError, TypeError, ValueError):
                        continue  # a range without its lines says nothing to count
                    if not 0 < start <= end or end - start > _MAX_RANGE:
                        continue
                    lines.update(dict.fromkeys(range(start, end + 1), line))
    return out


def count_revision(files: dict[str, dict[int, Line]], additions: int | None) -> LineCounts:
    """One commit's counts; its added lines are the stored ``additions`` (at least the lines
    the records name)."""
    named = sum(len(lines) for lines in files.values())
    counts = LineCounts(added=max(additions or 0, named))
    for path, lines in files.items():
        for kind, tool, model in lines.values():
            if kind == "ai":
                counts.ai[(tool, model)] = counts.ai.get((tool, model), 0) + 1
                at = (path, tool, model)
                counts.files[at] = counts.files.get(at, 0) + 1
            elif kind == "human":
                counts.human += 1
            elif kind == "mixed":
                counts.mixed += 1
    return counts


def import_traces(engine: sa.Engine, path: Path) -> TraceImport:
    """Read ``path`` (a file or a folder) and write its records' line evidence (source
    ``agent-trace``), replacing what an earlier import wrote for the same commits."""
    records, files = read_records(path)
    by_revision = attributed_lines(records)
    c = s.commits.c
    stored = read_table(
        engine, s.commits, columns=["repo_id", "sha", "additions"],
        where=c.sha.in_(sorted(by_revision)) if by_revision else sa.false(),
    )  # fmt: skip
    frames, per_file = [line_rows(0, SOURCE, {})], [file_rows(0, SOURCE, {})]
    for repo_id, sha, additions in stored.iter_rows():
        counted = {sha: count_revision(by_revision[sha], additions)}
        frames.append(line_rows(repo_id, SOURCE, counted))
        per_file.append(file_rows(repo_id, SOURCE, counted))
    rows = pl.concat(frames)
    t, tf = s.commit_ai_lines, s.commit_ai_line_files
    shas = stored["sha"].unique().to_list()
    out = [(t, rows), (tf, pl.concat(per_file))]
    if rows.height:
        out.append((s.sync_state, pending_rows(stored["repo_id"].unique().to_list())))
    replace = [
        Replace(table, (table.c.source == SOURCE) & table.c.sha.in_(shas)) for table in (t, tf)
    ]
    write_frames(engine, out, replace=replace)
    return TraceImport(
        records=len(records),
        commits=stored.height,
        unknown_revisions=len(set(by_revision) - set(stored["sha"].to_list())),
        files=files,
    )
