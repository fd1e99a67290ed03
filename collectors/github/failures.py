"""GraphQL errors that repeat: named, remembered across runs, and reported with what to do.

A repository left incomplete by a GraphQL error (a partial answer, or a query GitHub
refuses) is resumed by the next run. Most such errors pass (a timeout, a resource
limit), but some come back on every run: a field GitHub deprecated and then broke or
removed (``PullRequestReview.databaseId`` once review ids passed 2^31), or a node GitHub
cannot serve. Re-running cannot cure those, so when the same error ends two runs in a
row the summary names the field and the error and says what can: upgrading aimetrics,
a ``--full`` run, or a report with the message. The error is kept in the repository's
``sync_state.detail`` (``failure``), next to the pages fetched so far, which are kept.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from github import GithubException

from collectors.github.client import GraphQLPartial

_NUMBER = re.compile(r"\d+")
_PASSING_TYPES = frozenset({"RATE_LIMITED"})
"""Error types that pass with time, whatever the field: never "repeating"."""


@dataclass(frozen=True)
class GraphQLFailure:
    """The first GraphQL error that left a repository incomplete."""

    field: str
    """The failed field's path without list positions (``repository.pullRequests.nodes.
    reviews.nodes.databaseId``): the same field fails at other positions next time."""
    message: str
    type: str | None = None
    runs: int = 1
    """Consecutive runs this error ended."""

    @property
    def repeated(self) -> bool:
        return self.runs >= 2

    @property
    def key(self) -> tuple[str, str | None, str]:
        """What makes two failures "the same": field, type and the message with its
        numbers blanked (the offending id or position changes as PRs come and go)."""
        return (self.field, self.type, _NUMBER.sub("#", self.message))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> GraphQLFailure | None:
        if not isinstance(data, dict) or not data.get("field") or "message" not in data:
            return None
        return cls(
            str(data["field"]),
            str(data["message"]),
            data.get("type"),
            int(data.get("runs") or 1),
        )

    def advice(self) -> str:
        """The summary's sentence: the field, the error, and what to do."""
        kind = f"{self.type}: " if self.type else ""
        return (
            f"the same GitHub error ended {self.runs} runs in a row at field {self.field} "
            f"({kind}{self.message}); re-running will not fix it: upgrade aimetrics "
            f"(pip install -U aimetrics), or re-run with --full, or report it to the "
            f"aimetrics maintainers with this message. The pages fetched so far are kept."
        )


def field_path(path: Any) -> str:
    """``["repository", "pullRequests", "nodes", 3, "reviews"]`` -> dotted, positions
    dropped. GitHub's validation errors start with the operation (``query PullRequests``)."""
    parts = [str(p) for p in path or [] if not isinstance(p, int)]
    if parts and parts[0].startswith(("query ", "mutation ")):
        parts = parts[1:]
    return ".".join(parts)


def failure_of(exc: BaseException) -> GraphQLFailure | None:
    """The GraphQL failure an exception carries (its first error), or None (5xx, resets,
    rate limits: nothing that names a field, or what passes with time)."""
    if isinstance(exc, GraphQLPartial):
        errors = exc.errors
    elif isinstance(exc, GithubException) and isinstance(exc.data, dict):
        errors = [e for e in exc.data.get("errors") or [] if isinstance(e, dict)]
    else:
        return None
    if not errors:
        return None
    first = errors[0]
    field = field_path(first.get("path"))
    if not field:  # no path (a query-level error): the type and field GitHub names, if any
        ext = first.get("extensions") if isinstance(first.get("extensions"), dict) else {}
        field = ".".join(str(ext[k]) for k in ("typeName", "fieldName") if ext.get(k))
    message = str(first.get("message") or "").strip()
    if not field or not message:
        return None
    kind = first.get("type")
    if kind in _PASSING_TYPES:
        return None
    return GraphQLFailure(field, message, str(kind) if kind else None)


def follow_on(previous: GraphQLFailure | None, current: GraphQLFailure) -> GraphQLFailure:
    """``current``, counting the runs in a row it ended (``previous``: the last run's)."""
    if previous is not None and previous.key == current.key:
        return GraphQLFailure(current.field, current.message, current.type, previous.runs + 1)
    return current
