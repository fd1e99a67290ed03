"""What a local clone can show of its history: shallow clones and partial (blobless) clones.

CI checkouts fetch one commit by default (a shallow clone) and large repositories are often
cloned without blobs (``--filter=blob:none``). ``collect git`` stores what such a clone shows,
says so in one line, and fills the gap on a later run once the clone has the rest:

- shallow: the commits beyond the boundary are not there; the boundary ("grafted") commits
  look like root commits, so their parent count and line counts are unknown (stored null).
  The boundary is kept in ``sync_state.cursor``; when a later run finds that a boundary
  commit is no longer one (``git fetch --unshallow`` or ``--deepen``), it reads the whole
  history again once, so the older commits and the pull requests they belong to are stored.
- partial: ``git log --numstat`` needs the blobs. The collector's git calls run with
  ``GIT_NO_LAZY_FETCH=1`` (git never fetches object by object from the remote: slow, and it
  may hang on credentials), so numstat fails at once; the history is then read without it
  and line counts are stored unknown. A later run that can read numstat again reads the
  whole history once to fill them in.

The cursor used to be the JSON list of tips read; it is now a JSON object (the list is
still accepted).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

# Fixes named in warnings and errors (also in docs/collecting.md).
UNSHALLOW_FIX = (
    "fetch the full history with `git fetch --unshallow` (in GitHub Actions: "
    "`fetch-depth: 0` in actions/checkout)"
)
LINE_COUNTS_FIX = (
    "to get line counts, fetch the blobs (`git config --unset remote.origin.partialclonefilter "
    "&& git fetch --refetch origin`) or use a full clone"
)


def git_env() -> dict[str, str]:
    """The environment of every git call the collector makes: never fetch missing objects
    from a promisor remote, never prompt for credentials (a collector runs unattended)."""
    return {**os.environ, "GIT_NO_LAZY_FETCH": "1", "GIT_TERMINAL_PROMPT": "0"}


@dataclass(frozen=True)
class ReadState:
    """What the last read of a repository saw (``sync_state.cursor``)."""

    tips: list[str] = field(default_factory=list)
    shallow: list[str] = field(default_factory=list)  # boundary commits, sorted
    line_counts: bool = True  # False: read without numstat (partial clone)

    @classmethod
    def parse(cls, cursor: str | None) -> ReadState:
        if not cursor:
            return cls()
        data = json.loads(cursor)
        if isinstance(data, list):  # the cursor's first form: the tips only
            return cls(tips=data)
        return cls(
            tips=list(data.get("tips", [])),
            shallow=list(data.get("shallow", [])),
            line_counts=bool(data.get("line_counts", True)),
        )

    def dump(self) -> str:
        return json.dumps(
            {
                "tips": sorted(set(self.tips)),
                "shallow": sorted(set(self.shallow)),
                "line_counts": self.line_counts,
            }
        )


def shallow_boundary(git_path: Path) -> list[str]:
    """The clone's boundary commits (``$GIT_DIR/shallow``; ``git_path`` is that file as
    ``git rev-parse --git-path shallow`` names it): empty for a complete clone."""
    try:
        text = git_path.read_text(encoding="ascii")
    except FileNotFoundError:
        return []
    return sorted({line.strip() for line in text.splitlines() if line.strip()})


def deepened(before: list[str], now: list[str], present: list[str]) -> bool:
    """Whether the clone shows more history than at the last read: a commit that was a
    boundary then is in the clone and is no boundary now (``present``: the ``before``
    commits still in the clone; a fresh shallow clone of a newer tip has none of them)."""
    return bool(set(before) & set(present) - set(now))


def shallow_warning(name: str, visible: int) -> str:
    return (
        f"{name}: shallow clone, {visible:,} commit{'s' if visible != 1 else ''} visible; "
        f"older history is not stored: {UNSHALLOW_FIX}, and run `collect git` again"
    )


def no_line_counts_warning(name: str) -> str:
    return (
        f"{name}: partial clone without blobs: commits stored without line counts "
        f"(additions/deletions unknown); {LINE_COUNTS_FIX}, and run `collect git` again"
    )


def missing_blobs(message: str) -> bool:
    """Whether git stopped because an object of a partial clone is not there (it would
    have fetched it from the promisor remote, which ``GIT_NO_LAZY_FETCH`` forbids)."""
    return "promisor remote" in message or "lazy fetching disabled" in message


def failure_hint(message: str, *, numstat: bool) -> str:
    """The fix to name after git's own message, when git says objects are missing."""
    if missing_blobs(message):
        if numstat:
            return f" ({LINE_COUNTS_FIX})"
        return (
            " (a commit this partial clone needs is not in it, and aimetrics never fetches: "
            "run `git fetch origin` in the clone, or clone it again)"
        )
    damaged = ("bad object", "unable to read", "could not read", "missing", "corrupt")
    if any(word in message.lower() for word in damaged):
        return " (the clone's object store is damaged: check it with `git fsck`, or clone it again)"
    return ""
