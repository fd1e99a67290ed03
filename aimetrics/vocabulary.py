"""The words every stage shares, defined once: tool ids and names, seat units, the kinds
of things the store records, the groupings and the stages a figure can be split by.

Collectors, tagging, metrics, the exports and the dashboard import these; nothing
imports upward (from the configuration or a metric module) to borrow a constant.
The store's columns hold the machine values; display labels live in
:mod:`aimetrics.format`.
"""

from __future__ import annotations

# --- AI tools ---------------------------------------------------------------------------------

TOOL_NAMES: dict[str, str] = {
    "github-copilot": "GitHub Copilot",
    "claude-code": "Claude Code",
    "openai-codex": "OpenAI Codex",
    "cursor": "Cursor",
    "aider": "Aider",
    "devin": "Devin",
    "google-jules": "Google Jules",
    "openhands": "OpenHands",
    "amp": "Amp",
    "factory": "Factory",
    "replit-agent": "Replit Agent",
    "opencode": "opencode",
    "continue": "Continue",
    "amazon-q": "Amazon Q Developer",
    "windsurf": "Windsurf",
    "gemini-code-assist": "Gemini Code Assist",
    "gemini-cli": "Gemini CLI",
    "qwen-code": "Qwen Code",
    "unspecified": "Unspecified AI tool",
}
"""Each AI tool id with its one display name."""

TOOL_IDS: tuple[str, ...] = tuple(TOOL_NAMES)
"""The one list of AI tool ids shared by tagging rules, seat plans and cost sources."""

COPILOT = "github-copilot"  # the tool whose seats and usage reports the GitHub API gives
UNSPECIFIED_TOOL = "unspecified"


def tool_name(tool_id: str) -> str:
    """The display name of ``tool_id`` (the id itself for a tool outside the catalogue)."""
    return TOOL_NAMES.get(tool_id, tool_id)


# --- seats and spend --------------------------------------------------------------------------

SEAT_UNITS = frozenset({"user-months", "seat-months", "seats", "licenses"})
"""Cost-record units that mean a seat (a licence held by a person for a month)."""

# --- what the store records (docs/architecture.md "Vocabulary") -------------------------------

OPEN, CLOSED, MERGED = "OPEN", "CLOSED", "MERGED"
PR_STATES = (OPEN, CLOSED, MERGED)
SOURCES = ("github", "git", "demo", "config")
AUTHORED, ASSISTED, REVIEWED = "authored", "assisted", "reviewed"
TAG_KINDS = (AUTHORED, ASSISTED, REVIEWED)
CONFIDENCES = ("high", "medium", "low")  # strongest first
CONFIDENCE_RANK: dict[str, int] = {"low": 1, "medium": 2, "high": 3}  # a floor: rank >= floor's
COMMIT, PULL_REQUEST, REVIEW = "commit", "pull_request", "review"
# Line-level AI authorship (``commit_ai_lines.source``), in precedence order: when several
# cover one commit, the first counts and the others are kept for cross-checks.
GIT_AI, AGENT_TRACE, CURSOR_TRACKING = "git-ai", "agent-trace", "cursor"
LINE_SOURCES = (GIT_AI, AGENT_TRACE, CURSOR_TRACKING)
LINE_EVIDENCE_RULE = "line-evidence."  # + the source: the tag rule id of line evidence
TAG_ENTITIES = (COMMIT, PULL_REQUEST, REVIEW)  # what an AI tag is on (``ai_tags.entity``)

# --- how figures are grouped and compared -----------------------------------------------------

AI_GROUP = "AI-assisted"  # an authored/assisted AI marker at or above the confidence floor
NO_MARKER = "no marker"  # every other change: unknown, never "human"
GROUPINGS = ("org", "team", "repository", "tool", "week", "month", "person")
TIME_GROUPINGS = ("week", "month")
BREAKDOWNS = ("team", "repository")  # what the pages and the report break figures down by
STAGES = ("coding", "pickup", "review", "merge", "cycle")  # of a PR's cycle time
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
