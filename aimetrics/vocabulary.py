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

# GitHub's Copilot AI adoption phases (``ai_adoption_phase.phase_number`` of the per-user usage
# reports, rules version v1; costs-and-usage.md §0.4): keyed on the number, because GitHub's
# label of phase 0 varies ("Phase 0", "No Cohort").
COPILOT_PHASES: dict[int, str] = {
    0: "Phase 0 · no cohort",
    1: "Phase 1 · code first",
    2: "Phase 2 · agent first",
    3: "Phase 3 · multi-agent",
}
COPILOT_PHASE_DEFINITION = (
    "GitHub classifies each Copilot user by the Copilot surfaces they used on at least 2 days "
    "of a rolling 28-day window: phase 0, no cohort (no surface used on 2 days); phase 1, code "
    "first (code completions and/or agent mode in the IDE); phase 2, agent first (exactly one of "
    "the cloud agent, code review, the CLI); phase 3, multi-agent (two or more of those, or the "
    "Copilot app). The rules are versioned (v1 so far) and may change."
)


def tool_name(tool_id: str) -> str:
    """The display name of ``tool_id`` (the id itself for a tool outside the catalogue)."""
    return TOOL_NAMES.get(tool_id, tool_id)


# The Copilot usage reports' features (``totals_by_feature[].feature``), as the reports'
# readers know them from GitHub's Copilot metrics dashboard.
COPILOT_FEATURES: dict[str, str] = {
    "code_completion": "Code completion",
    "chat_inline": "Inline chat",
    "chat_panel_ask_mode": "Chat: ask mode",
    "chat_panel_edit_mode": "Chat: edit mode",
    "chat_panel_agent_mode": "Chat: agent mode",
    "chat_panel_plan_mode": "Chat: plan mode",
    "chat_panel_custom_mode": "Chat: custom mode",
    "chat_panel_unknown_mode": "Chat: unknown mode",
    "agent_edit": "Agent edits",
    "copilot_cli": "Copilot CLI",
}


def copilot_feature_name(feature: str) -> str:
    """The display name of a Copilot usage report's feature (a new one: its words)."""
    return COPILOT_FEATURES.get(feature, feature.replace("_", " ").capitalize())


# --- seats and spend --------------------------------------------------------------------------

SEAT_UNITS = frozenset({"user-months", "seat-months", "seats", "licenses"})
"""Cost-record units that mean a seat (a licence held by a person for a month)."""
GITHUB_SEATS, CURSOR_SEATS = "github", "cursor"
API_SEAT_SOURCES: tuple[str, ...] = (GITHUB_SEATS, CURSOR_SEATS)
"""``seat_assignments.source`` values of seats listed by a vendor's API, holder by holder
(GitHub's Copilot seats, Cursor's team members): such a tool reports per holder whether the
seat is held, so its seats are priced from the list and may be called idle."""
FIRST_SEEN_SEAT_SOURCES: tuple[str, ...] = (CURSOR_SEATS,)
"""API seat sources whose list gives no assignment date: ``assigned_on`` is the day a
collection first saw the holder, so the seats held when the source was first collected
(its earliest ``assigned_on``) were assigned on that day or any day before."""

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
