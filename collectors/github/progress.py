"""What the collector tells the person (or the cron log) while it runs.

Three reporters share one interface: ``rich`` progress bars per repository and
overall (ETA, requests spent, rate limit left) for a terminal; ``quiet`` prints
only warnings and the final line; ``json`` writes one JSON object per event for
CI logs. Messages are built by the collector and never contain a token.
"""

from __future__ import annotations

import json
import sys
import threading
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, TextIO

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table


@dataclass
class RepoResult:
    full_name: str
    status: str  # complete | unchanged | incomplete | not_found | skipped
    prs: int = 0
    commits: int = 0
    reviews: int = 0
    requests: int = 0
    detail: str = ""
    failure: dict[str, Any] | None = None
    """The GraphQL error that left it incomplete (field, message, type, runs in a row)."""

    @property
    def repeated(self) -> bool:
        """Incomplete for the same GraphQL error as the run before: re-running won't help."""
        return int((self.failure or {}).get("runs") or 1) >= 2


@dataclass
class Summary:
    repos: list[RepoResult] = field(default_factory=list)
    seats: int = 0
    usage_rows: int = 0
    billing_rows: int = 0
    teams: int = 0
    team_members: int = 0
    requests: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.repos if r.status == status)

    @property
    def incomplete(self) -> list[RepoResult]:
        return [r for r in self.repos if r.status == "incomplete"]

    @property
    def repeated(self) -> list[RepoResult]:
        """Incomplete repositories whose GraphQL error repeats (the detail says what to do)."""
        return [r for r in self.incomplete if r.repeated]

    def totals(self) -> dict[str, int]:
        return {
            "prs": sum(r.prs for r in self.repos),
            "commits": sum(r.commits for r in self.repos),
            "reviews": sum(r.reviews for r in self.repos),
        }


class Reporter(Protocol):
    def start(self, repos: int) -> None: ...
    def repo_started(self, name: str) -> None: ...
    def repo_progress(
        self,
        name: str,
        *,
        fetched: int,
        total: int | None,
        requests: int,
        rate_remaining: int | None,
    ) -> None: ...
    def repo_finished(self, result: RepoResult) -> None: ...
    def warn(self, message: str) -> None: ...
    def finish(self, summary: Summary) -> None: ...
    def close(self) -> None: ...


def _line(summary: Summary) -> str:
    t = summary.totals()
    parts = [
        f"{len(summary.repos)} repositories ({summary.count('complete')} updated, "
        f"{summary.count('unchanged')} unchanged, {len(summary.incomplete)} incomplete, "
        f"{summary.count('not_found')} not found)",
        f"{t['prs']:,} PRs, {t['commits']:,} commits, {t['reviews']:,} reviews",
        f"{summary.seats} Copilot seats, {summary.usage_rows} usage rows",
        f"{summary.requests:,} requests in {summary.seconds:.1f} s",
    ]
    if summary.teams:
        parts.insert(3, f"{summary.teams} teams, {summary.team_members} memberships")
    if summary.billing_rows:
        parts.insert(3, f"{summary.billing_rows} Copilot billing rows")
    if summary.repeated:
        names = ", ".join(r.full_name for r in summary.repeated)
        parts.insert(1, f"the same error as last run in {names} (see the warning)")
    return "; ".join(parts)


class QuietReporter:
    """Warnings and one closing line, to stderr: for cron."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def start(self, repos: int) -> None:
        pass

    def repo_started(self, name: str) -> None:
        pass

    def repo_progress(self, name: str, **_: Any) -> None:
        pass

    def repo_finished(self, result: RepoResult) -> None:
        if result.repeated:
            self.warn(result.detail)  # names the repository, field, error and what to do
        elif result.status == "incomplete":
            self.warn(f"{result.full_name}: incomplete ({result.detail}); re-run to resume")

    def warn(self, message: str) -> None:
        self.console.print(f"[yellow]warning:[/] {message}", highlight=False, soft_wrap=True)

    def finish(self, summary: Summary) -> None:
        self.console.print(_line(summary), highlight=False, soft_wrap=True)

    def close(self) -> None:
        pass


class RichReporter(QuietReporter):
    """Progress bars per repository and overall, then a summary table."""

    def __init__(self, console: Console) -> None:
        super().__init__(console)
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.fields[info]}"),
            console=console,
            transient=True,
        )
        self._tasks: dict[str, TaskID] = {}
        self._overall: TaskID | None = None
        self._lock = threading.Lock()

    def start(self, repos: int) -> None:
        self.progress.start()
        self._overall = self.progress.add_task("repositories", total=repos, info="")

    def repo_started(self, name: str) -> None:
        with self._lock:
            self._tasks[name] = self.progress.add_task(f"  {name}", total=None, info="")

    def repo_progress(
        self,
        name: str,
        *,
        fetched: int,
        total: int | None,
        requests: int,
        rate_remaining: int | None,
    ) -> None:
        task = self._tasks.get(name)
        if task is None:
            return
        rate = f", rate limit left {rate_remaining:,}" if rate_remaining is not None else ""
        self.progress.update(
            task, completed=fetched, total=total, info=f"{requests} requests{rate}"
        )

    def repo_finished(self, result: RepoResult) -> None:
        with self._lock:
            task = self._tasks.pop(result.full_name, None)
        if task is not None:
            self.progress.remove_task(task)
        if self._overall is not None:
            self.progress.advance(self._overall)
        super().repo_finished(result)

    def warn(self, message: str) -> None:
        self.progress.console.print(
            f"[yellow]warning:[/] {message}", highlight=False, soft_wrap=True
        )

    def close(self) -> None:
        self.progress.stop()

    def finish(self, summary: Summary) -> None:
        self.progress.stop()
        t = summary.totals()
        table = Table(title="GitHub collection", show_header=True, header_style="bold")
        table.add_column("what")
        table.add_column("count", justify="right")
        rows = [
            ("repositories updated", summary.count("complete")),
            ("repositories unchanged", summary.count("unchanged")),
            ("repositories incomplete (re-run to resume)", len(summary.incomplete)),
            ("repositories not found or not accessible", summary.count("not_found")),
            ("pull requests written", t["prs"]),
            ("commits written", t["commits"]),
            ("reviews written", t["reviews"]),
            ("Copilot seats", summary.seats),
            ("Copilot usage rows", summary.usage_rows),
            ("Copilot billing rows", summary.billing_rows),
            ("teams", summary.teams),
            ("team memberships", summary.team_members),
            ("requests", summary.requests),
        ]
        for label, value in rows:
            table.add_row(label, f"{value:,}")
        table.caption = f"{summary.seconds:.1f} s"
        self.console.print(table)
        for warning in summary.warnings:
            self.console.print(f"  skipped: {warning}", highlight=False, soft_wrap=True)
        for result in summary.repeated:
            self.console.print(f"  [red]repeating:[/] {escape(result.detail)}", soft_wrap=True)


class JsonReporter:
    """One JSON object per line (``event`` plus fields), for CI and log shippers."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self._lock = threading.Lock()

    def _emit(self, event: str, **fields: Any) -> None:
        with self._lock:
            self.stream.write(json.dumps({"event": event, **fields}) + "\n")
            self.stream.flush()

    def start(self, repos: int) -> None:
        self._emit("start", repositories=repos)

    def repo_started(self, name: str) -> None:
        self._emit("repo_started", repository=name)

    def repo_progress(
        self,
        name: str,
        *,
        fetched: int,
        total: int | None,
        requests: int,
        rate_remaining: int | None,
    ) -> None:
        self._emit(
            "repo_progress",
            repository=name,
            fetched=fetched,
            total=total,
            requests=requests,
            rate_remaining=rate_remaining,
        )

    def repo_finished(self, result: RepoResult) -> None:
        self._emit("repo_finished", **asdict(result))

    def warn(self, message: str) -> None:
        self._emit("warning", message=message)

    def finish(self, summary: Summary) -> None:
        self._emit(
            "summary",
            repositories=len(summary.repos),
            complete=summary.count("complete"),
            unchanged=summary.count("unchanged"),
            incomplete=[r.full_name for r in summary.incomplete],
            repeated_errors=[
                {"repository": r.full_name, **(r.failure or {}), "advice": r.detail}
                for r in summary.repeated
            ],
            not_found=[r.full_name for r in summary.repos if r.status == "not_found"],
            seats=summary.seats,
            usage_rows=summary.usage_rows,
            billing_rows=summary.billing_rows,
            teams=summary.teams,
            team_members=summary.team_members,
            requests=summary.requests,
            seconds=round(summary.seconds, 2),
            warnings=summary.warnings,
            **summary.totals(),
        )

    def close(self) -> None:
        pass


def make_reporter(console: Console, *, quiet: bool, log_format: str) -> Reporter:
    if log_format == "json":
        return JsonReporter()
    if quiet or not console.is_terminal:
        return QuietReporter(console)
    return RichReporter(console)
