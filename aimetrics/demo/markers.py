"""The exact text of the markers AI tools leave, the decoys, and who gets which.

Every string here is written the way the tool writes it (see
``../shared/reference/ai-markers.md``); the rule ids are those of
``config/ai_rules.yaml`` that should fire on them, so the truth can be compared
tag for tag with what the tagger finds.
"""

from __future__ import annotations

import numpy as np

from aimetrics.demo.org import AI_LABEL

COPILOT, CLAUDE_CODE, CURSOR = "github-copilot", "claude-code", "cursor"

# --- What a PR carries (one code per PR) -----------------------------------

NONE = 0
COPILOT_LABEL = 1  # Copilot user; the team's `ai-assisted` label (assisted)
CLAUDE_CLI = 2  # Claude Code in the terminal: trailers and footers (assisted)
CLAUDE_WEB = 3  # Claude Code on the web: commits authored by Claude (authored)
CURSOR_MADE_WITH = 4  # Cursor editor: `Made-with: Cursor` trailer (assisted)
CURSOR_AGENT = 5  # Cursor background agent: co-author + `cursor/` branch (authored)
COPILOT_AGENT = 6  # Copilot coding agent: PR author `Copilot` (authored)

MARK_TOOL = (None, COPILOT, CLAUDE_CODE, CLAUDE_CODE, CURSOR, CURSOR, COPILOT)
MARK_KIND = (None, "assisted", "assisted", "authored", "assisted", "authored", "authored")

# Tool in use at a PR's first commit (latest seat wins): codes for ``decide_marks``.
STATUS_NONE, STATUS_COPILOT, STATUS_CLAUDE, STATUS_CURSOR = 0, 1, 2, 3

# How often an adopter's PR carries a marker (the rest carry none, like
# Copilot's completions, which never leave one).
P_MARK_COPILOT_LABEL = 0.35  # in a team with the label convention
P_MARK_CLAUDE = 0.60
P_MARK_CURSOR = 0.50
P_CLAUDE_WEB = 0.08  # share of Claude-marked PRs made with Claude Code on the web
P_CURSOR_AGENT = 0.30  # share of Cursor-marked PRs made by the background agent
P_COMMIT_MARKED = 0.85  # each later commit of a marked PR carries the trailer (first: always)
P_CLAUDE_COMMIT_FOOTER = 0.80  # Claude trailer commits that also carry the footer
P_CLAUDE_PR_FOOTER = 0.75  # Claude CLI PRs whose body ends with the footer
P_AGENT_LOGS = 0.5  # coding-agent commits with an Agent-Logs-Url trailer
P_COPILOT_SUGGESTION = 0.12  # merged PRs with a Copilot review that accept a suggestion

CLAUDE_MODELS = ("Claude", "Claude Opus 4.6", "Claude Sonnet 4.5", "Claude Opus 4.5")
CLAUDE_FOOTERS = (
    "🤖 Generated with [Claude Code](https://claude.com/claude-code)",
    "🤖 Generated with [Claude Code](https://claude.ai/code)",
)
CLAUDE_CO_AUTHOR = "Co-Authored-By: {model} <noreply@anthropic.com>"
CLAUDE_SESSION = "Claude-Session: https://claude.ai/code/session_"  # + 24 characters
CLAUDE_WEB_NAME, CLAUDE_WEB_EMAIL = "Claude", "noreply@anthropic.com"
CURSOR_MADE_WITH_TRAILER = "Made-with: Cursor"
CURSOR_AGENT_CO_AUTHOR = "Co-authored-by: Cursor Agent <cursoragent@cursor.com>"
COPILOT_AGENT_LOGIN = "Copilot"
COPILOT_AGENT_NAME = "Copilot"
COPILOT_AGENT_EMAIL = "198982749+Copilot@users.noreply.github.com"
COPILOT_AGENT_SQUASH_CO_AUTHOR = (
    "Co-authored-by: copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>"
)
COPILOT_SUGGESTION_CO_AUTHOR = (
    "Co-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>"
)
AGENT_LOGS = "Agent-Logs-Url: https://github.com/{repo}/sessions/"  # + a uuid

# --- Review bots (AI) and non-AI bots ---------------------------------------

COPILOT_REVIEWER = "copilot-pull-request-reviewer[bot]"
CODERABBIT = "coderabbitai[bot]"
DEPENDABOT = ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com")
RENOVATE = ("renovate[bot]", "29139614+renovate[bot]@users.noreply.github.com")
GITHUB_ACTIONS = ("github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com")
WEB_FLOW = ("GitHub", "noreply@github.com", "web-flow")  # committer of web merges
DEPENDABOT_SIGNOFF = "Signed-off-by: dependabot[bot] <support@github.com>"

# --- Decoys: human conventions that must not be read as AI ------------------

ASSISTED_BY_HUMAN = "Assisted-by: {name} <{email}>"  # a human helper (old kernel style)
HUMAN_CO_AUTHOR = "Co-authored-by: {name} <{email}>"  # pair programming
P_ASSISTED_BY_HUMAN = 0.01  # of commits in unmarked human PRs
P_HUMAN_CO_AUTHOR = 0.03

# --- Rule ids (config/ai_rules.yaml) expected to fire, and their confidence --

LABEL_RULE = f"label:{AI_LABEL}"  # a team convention: configure a pr.label rule for it
RULE_CONFIDENCE = {
    "claude-code.co-author": "high",
    "claude-code.generated-footer": "high",
    "claude-code.session-trailer": "high",
    "claude-code.web-author": "high",
    "claude-code.pr-body-footer": "high",
    "claude-code.branch": "low",
    "cursor.made-with": "medium",
    "cursor.agent-co-author": "high",
    "cursor.branch": "medium",
    "github-copilot.pr-author": "high",
    "github-copilot.branch": "medium",
    "github-copilot.agent-author-login": "high",
    "github-copilot.agent-author-email": "high",
    "github-copilot.agent-co-author": "high",
    "github-copilot.agent-logs-trailer": "high",
    "github-copilot.suggestion-co-author": "medium",
    LABEL_RULE: "high",
}
_ORDER = {"high": 0, "medium": 1, "low": 2}


def best_confidence(rules: list[str]) -> str | None:
    levels = [RULE_CONFIDENCE[r] for r in rules]
    return min(levels, key=_ORDER.__getitem__) if levels else None


def decide_marks(
    rng: np.random.Generator, status: np.ndarray, label_team: np.ndarray
) -> np.ndarray:
    """The marker plan of each human PR from the tool its author used at its first commit."""
    u, v = rng.random(len(status)), rng.random(len(status))
    return np.select(
        [
            (status == STATUS_COPILOT) & label_team & (u < P_MARK_COPILOT_LABEL),
            (status == STATUS_CLAUDE) & (u < P_MARK_CLAUDE) & (v < P_CLAUDE_WEB),
            (status == STATUS_CLAUDE) & (u < P_MARK_CLAUDE),
            (status == STATUS_CURSOR) & (u < P_MARK_CURSOR) & (v < P_CURSOR_AGENT),
            (status == STATUS_CURSOR) & (u < P_MARK_CURSOR),
        ],
        [COPILOT_LABEL, CLAUDE_WEB, CLAUDE_CLI, CURSOR_AGENT, CURSOR_MADE_WITH],
        NONE,
    ).astype(np.int8)


# What each rule says about how the tool took part (config/ai_rules.yaml).
RULE_KIND = {
    "claude-code.co-author": "assisted",
    "claude-code.generated-footer": "assisted",
    "claude-code.session-trailer": "assisted",
    "claude-code.web-author": "authored",
    "claude-code.pr-body-footer": "assisted",
    "claude-code.branch": "authored",
    "cursor.made-with": "assisted",
    "cursor.agent-co-author": "authored",
    "cursor.branch": "authored",
    "github-copilot.pr-author": "authored",
    "github-copilot.branch": "authored",
    "github-copilot.agent-author-login": "authored",
    "github-copilot.agent-author-email": "authored",
    "github-copilot.agent-co-author": "assisted",
    "github-copilot.agent-logs-trailer": "authored",
    "github-copilot.suggestion-co-author": "assisted",
    LABEL_RULE: "assisted",
}


def rule_tool(rule: str) -> str:
    return COPILOT if rule == LABEL_RULE else rule.split(".", 1)[0]
