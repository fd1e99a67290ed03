"""git-ai's authorship notes ("authorship/3.0.0") and a commit's added lines: pure functions.

git-ai (github.com/git-ai-project/git-ai) writes one note per commit under ``refs/notes/ai``.
Its layout (``src/authorship/authorship_log_serialization.rs``)::

    src/file.py                         a file path, in double quotes when it holds whitespace
      s_1a2b3c4d5e6f70::t_0a1b2c 1-10,14   an entry: two spaces, a hash, 1-based ranges
      h_31dce776f88375 11-13               a known human's lines
    ---
    {"schema_version": "authorship/3.0.0", "prompts": {...}, "sessions": {...}, "humans": {...}}

A hash ``s_<14 hex>::t_<14 hex>`` is a session (its part before ``::`` keys ``sessions``);
``h_<14 hex>`` a known human (keys ``humans``); any other hash a legacy prompt (keys
``prompts``). Sessions and prompts carry ``agent_id {tool, id, model}``.

A commit's lines are counted as git-ai counts them (``src/authorship/stats.rs``,
``accepted_lines_from_attestations``): each attested range intersected with the lines the
commit adds against its first parent; a merge commit counts none; the added lines no entry
covers are untracked. Reading git and writing the store: ``collectors.git_notes``.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple

from aimetrics.errors import AimetricsError
from aimetrics.vocabulary import TOOL_IDS, UNSPECIFIED_TOOL

SCHEMA_VERSION = "authorship/3.0.0"

Range = tuple[int, int]  # first and last line, 1-based, inclusive

# Agent names as git-ai and Agent Trace writers spell them -> the catalogue's tool ids.
# A name already a catalogue id maps to itself (see ``tool_id``).
_TOOL_ALIASES: dict[str, str] = {
    "claude": "claude-code",
    "claude-code": "claude-code",
    "claude_code": "claude-code",
    "codex": "openai-codex",
    "openai-codex": "openai-codex",
    "copilot": "github-copilot",
    "github-copilot": "github-copilot",
    "github_copilot": "github-copilot",
    "copilot-cli": "github-copilot",
    "gemini": "gemini-cli",
    "gemini-cli": "gemini-cli",
    "continue-cli": "continue",
    "droid": "factory",
    "jules": "google-jules",
    "q": "amazon-q",
    "amazon-q": "amazon-q",
    "qwen": "qwen-code",
}


def tool_id(name: str | None) -> str:
    """The catalogue's tool id for an agent name (``claude`` -> ``claude-code``);
    ``unspecified`` for a name the catalogue does not know (its lines still count as AI)."""
    key = (name or "").strip().lower()
    if key in _TOOL_ALIASES:
        return _TOOL_ALIASES[key]
    if key in TOOL_IDS:
        return key
    return UNSPECIFIED_TOOL


class NoteError(AimetricsError):
    """A note is not in the authorship/3.0.0 layout (the caller names the commit)."""


@dataclass(frozen=True)
class Agent:
    tool_id: str
    model: str


# Named tuples, not frozen dataclasses: as immutable, and made several times faster (a note
# of every third commit of a large history is parsed beside its log).
class Entry(NamedTuple):
    path: str
    hash: str
    ranges: tuple[Range, ...]


class AuthorshipNote(NamedTuple):
    entries: tuple[Entry, ...]
    agents: Mapping[str, Agent]  # prompt hash or session key -> tool and model
    humans: frozenset[str]  # the h_ hashes the metadata names

    def agent(self, hash_: str) -> Agent | None:
        """The agent behind an AI entry's hash (a session's ``s_..::t_..`` by its ``s_`` part)."""
        return self.agents.get(hash_.split("::", 1)[0] if hash_.startswith("s_") else hash_)


def is_human(hash_: str) -> bool:
    return hash_.startswith("h_")


def parse_note(text: str) -> AuthorshipNote:
    """One note's text -> its entries and agents; ``NoteError`` when it is not a note."""
    lines = text.splitlines()
    try:
        divider = lines.index("---")
    except ValueError:
        raise NoteError("no '---' line between the attestations and the metadata") from None
    agents, humans = _metadata("\n".join(lines[divider + 1 :]))
    return AuthorshipNote(tuple(_entries(lines[:divider])), agents, humans)


# Notes of commits of one session carry the same metadata (sessions have no per-commit
# counts): parsed once.
@functools.lru_cache(maxsize=1024)
def _metadata(text: str) -> tuple[Mapping[str, Agent], frozenset[str]]:
    try:
        meta = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NoteError(f"the metadata is not JSON ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(meta, dict):
        raise NoteError("the metadata is not a JSON object")
    agents: dict[str, Agent] = {}
    # Older notes key their agents under "prompts", current ones under "sessions"; a note
    # may hold both (git-ai's cut-over kept reading the old keys).
    for section in ("prompts", "sessions"):
        records = meta.get(section) or {}
        if not isinstance(records, dict):
            raise NoteError(f"metadata {section!r} is not an object")
        for key, record in records.items():
            agent_id = record.get("agent_id") if isinstance(record, dict) else None
            if not isinstance(agent_id, dict):
                raise NoteError(f"{section} {key!r} has no agent_id")
            agents[key] = Agent(tool_id(agent_id.get("tool")), str(agent_id.get("model") or ""))
    humans = meta.get("humans") or {}
    return MappingProxyType(agents), frozenset(humans if isinstance(humans, dict) else ())


def _entries(lines: list[str]) -> Iterable[Entry]:
    path: str | None = None
    for number, raw in enumerate(lines, 1):
        line = raw.rstrip()
        if not line:
            continue
        if line.startswith("  "):
            if path is None:
                raise NoteError(f"line {number}: an entry before any file path")
            hash_, _, ranges = line[2:].partition(" ")
            if not hash_ or not ranges:
                raise NoteError(f"line {number}: not 'HASH RANGES': {line.strip()!r}")
            yield Entry(path, hash_, parse_ranges(ranges, number))
        else:
            # git-ai quotes a path with whitespace and does not escape inside the quotes.
            quoted = len(line) > 1 and line[0] == line[-1] == '"'
            path = line[1:-1] if quoted else line


def parse_ranges(text: str, number: int = 0) -> tuple[Range, ...]:
    """``1,2,19-222`` -> ((1, 1), (2, 2), (19, 222))."""
    out: list[Range] = []
    for part in text.split(","):
        if not part:
            continue
        # A line or a range of lines (``\d+(-\d+)?``; isdecimal is the regex's \d, faster).
        first, dash, last = part.partition("-")
        if not first.isdecimal() or (dash and not last.isdecimal()):
            raise NoteError(f"line {number}: {part!r} is not a line or a range of lines")
        start = int(first)
        out.append((start, int(last) if dash else start))
    return tuple(out)


# --- the lines a commit adds -------------------------------------------------------------

# The lines of a ``git log -p -U0`` that are not a hunk's own, each found after a newline: a
# commit's format line, a diff's first line, a hunk header (its new start and count), a new
# file's name. Without context a hunk's own lines start with '+', '-' or '\\', so none of
# them is taken for one of these but an added line ``++ x`` (shown ``+++ x``): a name counts
# only in a diff's header, before its first hunk.
_PATCH_LINE = re.compile(
    r"\n(?:(\x01[^\n]*)|(diff --git )|@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@|(\+\+\+ [^\n]*))"
)

Added = dict[str, list[Range]]  # per new path, the sorted ranges of lines a commit adds


def added_ranges(patch: str) -> Added:
    """A ``git diff -U0`` patch of one commit -> per new path, the ranges of lines it adds."""
    return log_added_ranges("\x01-\n" + patch)["-"][1]


def log_added_ranges(text: str) -> dict[str, tuple[bool, Added]]:
    """``git log -p -U0 --format=%x01%H %P`` output -> per commit: whether it is a merge, and
    the lines it adds (``_PATCH_LINE``: one regular-expression scan, no line by line loop)."""
    out: dict[str, tuple[bool, Added]] = {}
    files: Added | None = None
    current: list[Range] | None = None
    header = False  # between a "diff --git" line and its first hunk
    for commit, diff, start, count, name in _PATCH_LINE.findall("\n" + text):
        if start:
            header = False
            new = int(count) if count else 1
            if new and current is not None:
                first = int(start)
                current.append((first, first + new - 1))
        elif name:
            if header and files is not None:
                name = name[4:].rstrip("\t")  # git ends a name holding a space with a tab
                current = None if name == "/dev/null" else files.setdefault(_strip_b(name), [])
        elif diff:
            header = True
        elif commit:
            sha, *parents = commit[1:].split()
            files, current, header = {}, None, False
            out[sha] = (len(parents) > 1, files)
    for _, added in out.values():
        for path in [p for p, r in added.items() if not r]:
            del added[path]
        for ranges in added.values():
            ranges.sort()
    return out


def _strip_b(name: str) -> str:
    if name.startswith('"'):  # a C-quoted name (a quote, backslash or control character)
        # Its escapes stand for bytes (\303\251), its other characters for themselves (raw
        # UTF-8 with core.quotePath=false): both back to bytes, then the bytes to text. (Via
        # latin-1 a raw é came out as U+FFFD, and a raw CJK character raised.)
        raw = name[1:-1].encode("utf-8").decode("unicode_escape").encode("latin-1")
        name = raw.decode("utf-8", "replace")
    return name[2:] if name.startswith("b/") else name


def overlap(range_: Range, added: list[Range]) -> int:
    """How many lines of ``range_`` are among the (sorted, disjoint) ``added`` ranges."""
    start, end = range_
    total = 0
    for a, b in added:
        if a > end:
            break
        total += max(0, min(b, end) - max(a, start) + 1)
    return total


@dataclass
class LineCounts:
    """One commit's lines by who wrote them (``ai``: per tool id and model)."""

    added: int
    ai: dict[tuple[str, str], int] = field(default_factory=dict)
    human: int = 0
    mixed: int = 0
    # The same AI lines per file: (path, tool id, model) -> lines (what explain lists).
    files: dict[tuple[str, str, str], int] = field(default_factory=dict)

    @property
    def untracked(self) -> int:
        return max(0, self.added - sum(self.ai.values()) - self.human - self.mixed)


def count_lines(
    note: AuthorshipNote, added: Mapping[str, list[Range]], *, merge: bool = False
) -> LineCounts:
    """The note's ranges intersected with the commit's added lines, as git-ai counts them: a
    merge commit counts none (its added lines too: git-ai gives a merge no diff)."""
    if merge:
        return LineCounts(added=0)
    total = 0
    for ranges in added.values():
        for a, b in ranges:
            total += b - a + 1
    counts = LineCounts(added=total)
    for entry in note.entries:
        lines = added.get(entry.path)
        if not lines:  # a file the commit does not add to (or deletes)
            continue
        n = 0
        for range_ in entry.ranges:
            n += overlap(range_, lines)
        if not n:
            continue
        if is_human(entry.hash):
            counts.human += n
            continue
        # An AI entry whose session the metadata does not name still counts as AI, as in
        # git-ai's total; its tool is unknown.
        agent = note.agent(entry.hash) or Agent(UNSPECIFIED_TOOL, "")
        key = (agent.tool_id, agent.model)
        counts.ai[key] = counts.ai.get(key, 0) + n
        at = (entry.path, *key)
        counts.files[at] = counts.files.get(at, 0) + n
    return counts
