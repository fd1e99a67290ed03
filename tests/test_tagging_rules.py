"""Table-driven cases for the default AI-marker catalogue, positives, negatives and traps."""

from __future__ import annotations

import polars as pl
import pytest

from aimetrics.errors import RulesError
from aimetrics.tagging import build_ruleset, commit_flags, compute_tags, tag_frame
from aimetrics.tagging.rules import FIELDS
from aimetrics.vocabulary import TOOL_IDS

RULES = build_ruleset()


def fired(field: str, value: str) -> set[str]:
    entity, column = FIELDS[field]
    frame = pl.DataFrame({"repo_id": [1], "entity_key": ["k"], column: [value]})
    return set(tag_frame(frame, RULES, entity)["rule_id"].to_list())


POSITIVE = [
    ("commit.message", "fix: x\n\nCo-Authored-By: Claude <noreply@anthropic.com>",
     "claude-code.co-author"),
    ("commit.message", "fix: x\n\nCo-authored-by: Claude Opus 4.6 <noreply@anthropic.com>",
     "claude-code.co-author"),
    ("commit.message",
     "feat: y\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)",
     "claude-code.generated-footer"),
    ("commit.message", "x\n\nClaude-Session: https://claude.ai/code/session_01AbC",
     "claude-code.session-trailer"),
    ("commit.author_email", "noreply@anthropic.com", "claude-code.web-author"),
    ("commit.author_email", "209825114+claude[bot]@users.noreply.github.com",
     "claude-code.app-author-email"),
    ("pr.author_login", "claude[bot]", "claude-code.pr-author"),
    ("pr.body", "Summary\n\n🤖 Generated with [Claude Code](https://claude.ai/code)",
     "claude-code.pr-body-footer"),
    ("pr.head_ref", "claude/issue-12-20260101-1030", "claude-code.branch-action"),
    ("commit.author_login", "Copilot", "github-copilot.agent-author-login"),
    ("commit.author_email", "198982749+Copilot@users.noreply.github.com",
     "github-copilot.agent-author-email"),
    ("commit.message",
     "Fix bug (#12)\n\nCo-authored-by: copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>",
     "github-copilot.agent-co-author"),
    ("commit.message",
     "x\n\nAgent-Logs-Url: https://github.com/acme/api/sessions/abc123",
     "github-copilot.agent-logs-trailer"),
    ("commit.message",
     "Apply suggestion\n\nCo-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>",
     "github-copilot.suggestion-co-author"),
    ("pr.author_login", "Copilot", "github-copilot.pr-author"),
    ("pr.author_login", "copilot-swe-agent", "github-copilot.pr-author"),
    ("pr.head_ref", "copilot/fix-login-timeout", "github-copilot.branch"),
    ("commit.message", "x\n\nCo-authored-by: Codex <noreply@openai.com>",
     "openai-codex.co-author"),
    ("pr.body", "Task: https://chatgpt.com/codex/tasks/task_e_68a1b2",
     "openai-codex.pr-body-task"),
    ("commit.author_email", "cursoragent@cursor.com", "cursor.agent-email"),
    ("commit.message", "x\n\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>",
     "cursor.agent-co-author"),
    ("commit.message", "refactor: z\n\nMade-with: Cursor", "cursor.made-with"),
    ("commit.author_name", "Jane Doe (aider)", "aider.author-name"),
    ("commit.message", "aider: add retries to the client", "aider.subject"),
    ("pr.author_login", "devin-ai-integration[bot]", "devin.pr-author"),
    ("pr.head_ref", "devin/1718000000-fix-cache", "devin.branch"),
    ("pr.author_login", "google-labs-jules[bot]", "google-jules.pr-author"),
    ("pr.body", "This PR was created automatically by Jules", "google-jules.pr-body"),
    ("commit.author_email", "openhands@all-hands.dev", "openhands.author"),
    ("commit.message", "x\n\nAmp-Thread-ID: https://ampcode.com/threads/T-1", "amp.co-author"),
    ("commit.message", "x\n\nReplit-Commit-Author: Agent", "replit-agent.trailer"),
    ("commit.message", "mm: fix\n\nAssisted-by: Claude:claude-opus-4", "claude-code.assisted-by-model"),
    ("commit.message", "x\n\nAssisted-by: Claude Opus 4.6", "claude-code.assisted-by-model"),
    ("commit.message", "x\n\nAssisted-by: Opus 4.7", "claude-code.assisted-by-model"),
    ("commit.message", "x\n\nAssisted-by: GPT-5 Codex", "openai-codex.assisted-by-model"),
    ("commit.message", "x\n\nAssisted-by: Gemini 2.5 Pro", "unspecified.assisted-by-model"),
    ("review.reviewer_login", "copilot-pull-request-reviewer[bot]", "github-copilot.reviewer"),
    ("review.reviewer_login", "coderabbitai[bot]", "coderabbit.reviewer"),
    ("review.reviewer_login", "gemini-code-assist", "gemini-code-assist.reviewer"),
    ("review.reviewer_login", "chatgpt-codex-connector[bot]", "openai-codex.reviewer"),
    ("review.reviewer_login", "qodo-merge-pro[bot]", "qodo.reviewer"),
    ("commit.message", "x\n\nCo-authored-by: aider (gpt-4o) <noreply@aider.chat>", "aider.co-author"),
    ("commit.committer_name", "Jane Doe (aider)", "aider.committer-name"),
    ("commit.author_login", "amazon-q-developer[bot]", "amazon-q.author"),
    ("pr.author_login", "amazon-q-developer[bot]", "amazon-q.pr-author"),
    ("commit.author_login", "claude[bot]", "claude-code.app-author-login"),
    ("pr.head_ref", "claude/add-dark-mode-x7Qk", "claude-code.branch"),
    ("commit.message", "x\n\nGenerated with [Continue](https://continue.dev)", "continue.marker"),
    ("commit.message", "x\n\nCo-authored-by: opencode <noreply@opencode.ai>", "opencode.marker"),
    ("pr.head_ref", "cursor/fix-flaky-test-1a2b", "cursor.branch"),
    ("pr.author_login", "cursor[bot]", "cursor.pr-author"),
    ("commit.author_login", "devin-ai-integration[bot]", "devin.commit-author"),
    ("commit.author_login", "factory-droid[bot]", "factory.author"),
    ("pr.author_login", "factory-droid[bot]", "factory.pr-author"),
    ("commit.message", "x\n\nAssisted-by: GitHub Copilot", "github-copilot.assisted-by"),
    ("commit.message", "x\n\nCo-authored-by: Copilot <223556219+Copilot@users.noreply.github.com>",
     "github-copilot.cli-co-author"),
    ("commit.author_login", "google-labs-jules[bot]", "google-jules.author"),
    ("pr.head_ref", "codex/add-pagination", "openai-codex.branch"),
    ("commit.message", "x\n\nCo-authored-by: openhands <openhands@all-hands.dev>",
     "openhands.co-author"),
    # Bot co-authors in a person's commit (squash merges, applied suggestions). The ids
    # are those seen where a source has one, else 100000001: rules never match an id.
    ("commit.message",
     "Add export (#7)\n\n* wip\n\nCo-authored-by: claude[bot] <209825114+claude[bot]@users.noreply.github.com>",
     "claude-code.app-co-author"),
    ("commit.message",
     "x\n\nCo-authored-by: claude[bot] <41898282+claude[bot]@users.noreply.github.com>",
     "claude-code.app-co-author"),
    ("commit.message",
     "x\n\nCo-authored-by: google-labs-jules[bot] <161369871+google-labs-jules[bot]@users.noreply.github.com>",
     "google-jules.co-author"),
    ("commit.message",
     "x\n\nCo-authored-by: devin-ai-integration[bot] <100000001+devin-ai-integration[bot]@users.noreply.github.com>",
     "devin.co-author"),
    ("commit.message",
     "x\n\nCo-authored-by: factory-droid[bot] <100000001+factory-droid[bot]@users.noreply.github.com>",
     "factory.co-author"),
    ("commit.message",
     "x\n\nCo-authored-by: amazon-q-developer[bot] <100000001+amazon-q-developer[bot]@users.noreply.github.com>",
     "amazon-q.co-author"),
    ("commit.message", "x\n\nCo-authored-by: Qwen-Coder <qwen-coder@alibabacloud.com>",
     "qwen-code.co-author"),
    ("commit.message", "x\n\nCo-authored-by: Gemini CLI <gemini-cli@google.com>",
     "gemini-cli.co-author"),
    ("commit.message",
     "x\n\nCo-authored-by: opencode <opencode-agent[bot]@users.noreply.github.com>",
     "opencode.marker"),
    ("commit.author_login", "opencode-agent[bot]", "opencode.agent-author"),
    ("commit.author_login", "cursor[bot]", "cursor.bot-author"),
    ("commit.author_email", "opendevin@opendevin.ai", "openhands.author"),
    ("commit.author_email", "opendevin@all-hands.dev", "openhands.author"),
    ("commit.message", "x\n\nCo-authored-by: OpenDevin <opendevin@opendevin.ai>",
     "openhands.co-author"),
    ("commit.author_login", "openhands-agent", "openhands.agent-login"),
    ("pr.author_login", "openhands-agent", "openhands.pr-author"),
    ("commit.message", "x\n\nCo-authored-by: Amp <amp@ampcode.com>", "amp.co-author"),
    ("commit.message", "x\n\nCo-authored-by: Continue <noreply@continue.dev>",
     "continue.marker"),
    # Applied suggestions of AI review bots.
    ("commit.message",
     "Apply suggestions from code review\n\nCo-authored-by: copilot-pull-request-reviewer[bot] "
     "<175728472+copilot-pull-request-reviewer[bot]@users.noreply.github.com>",
     "github-copilot.reviewer-co-author"),
    ("commit.message",
     "Apply suggestions from code review\n\n"
     "Co-authored-by: coderabbitai[bot] <136622811+coderabbitai[bot]@users.noreply.github.com>",
     "coderabbit.suggestion-co-author"),
    ("commit.message",
     "Update api.py\n\nCo-authored-by: gemini-code-assist[bot] "
     "<100000001+gemini-code-assist[bot]@users.noreply.github.com>",
     "gemini-code-assist.suggestion-co-author"),
    ("commit.message",
     "x\n\nCo-authored-by: chatgpt-codex-connector[bot] "
     "<199175422+chatgpt-codex-connector[bot]@users.noreply.github.com>",
     "openai-codex.connector-co-author"),
    ("commit.message",
     "x\n\nCo-authored-by: qodo-merge-pro[bot] <100000001+qodo-merge-pro[bot]@users.noreply.github.com>",
     "qodo.suggestion-co-author"),
    # Logins read from GitHub's no-reply address when no login is stored (collect git).
    ("commit.author_email", "209825114+claude[bot]@users.noreply.github.com",
     "claude-code.app-author-login"),
    ("commit.author_email", "161369871+google-labs-jules[bot]@users.noreply.github.com",
     "google-jules.author"),
    ("commit.author_email", "100000001+devin-ai-integration[bot]@users.noreply.github.com",
     "devin.commit-author"),
    ("commit.author_email", "100000001+factory-droid[bot]@users.noreply.github.com",
     "factory.author"),
    ("commit.author_email", "198982749+Copilot@users.noreply.github.com",
     "github-copilot.agent-author-login"),
    ("commit.author_email", "198982750+copilot-swe-agent[bot]@users.noreply.github.com",
     "github-copilot.agent-author-login"),
    ("commit.author_email", "amazon-q-developer[bot]@users.noreply.github.com",
     "amazon-q.author"),  # the older form, without an id
]  # fmt: skip


@pytest.mark.parametrize(("field", "value", "rule_id"), POSITIVE)
def test_rule_fires(field: str, value: str, rule_id: str) -> None:
    assert rule_id in fired(field, value)


# Traps from the catalogue: none of these may fire any rule.
NEGATIVE = [
    # Vendor staff commit as humans from vendor domains.
    ("commit.author_email", "sam@anthropic.com"),
    ("commit.author_email", "lee@openai.com"),
    ("commit.message", "x\n\nCo-authored-by: Sam Park <sam@anthropic.com>"),
    ("commit.author_email", "12345+octocat@users.noreply.github.com"),
    # People named like tools.
    ("commit.author_name", "Claude Moreau"),
    ("commit.author_name", "Devin Walker"),
    ("commit.author_login", "claude"),
    ("pr.author_login", "claude-moreau"),
    ("pr.author_login", "devin"),
    ("pr.author_login", "jules"),
    ("commit.message", "docs: thank Claude and Devin for the review"),
    ("commit.message", "fix: cursor position in editor"),
    ("commit.message", "feat: continue on error"),
    # Assisted-by naming a human helper is not AI.
    ("commit.message", "x\n\nAssisted-by: John Smith <john@example.org>"),
    ("commit.message", "x\n\nAssisted-by: Claude Moreau <claude.moreau@acme.example>"),
    ("commit.message", "x\n\nHelped-by: Jane <jane@example.org>"),
    # Non-AI bots.
    ("pr.author_login", "dependabot[bot]"),
    ("pr.author_login", "renovate[bot]"),
    ("commit.author_email", "49699333+dependabot[bot]@users.noreply.github.com"),
    ("commit.committer_email", "noreply@github.com"),
    ("review.reviewer_login", "github-actions[bot]"),
    # Markers mentioned mid-line are not trailers.
    ("commit.message", "docs: explain the Co-authored-by: x <noreply@anthropic.com> trailer"),
    ("pr.head_ref", "feature/copilot/settings"),
    # Bot trailers quoted mid-sentence are not trailers either.
    ("commit.message", "docs: GitHub writes Co-authored-by: claude[bot] "
     "<209825114+claude[bot]@users.noreply.github.com> on squash merges"),
    ("commit.message", "docs: see Co-authored-by: coderabbitai[bot] "
     "<136622811+coderabbitai[bot]@users.noreply.github.com> in the log"),
    ("commit.message", "docs: Amp signs as <amp@ampcode.com>, opencode as <noreply@opencode.ai>"),
    ("commit.message", "docs: Qwen Code adds Co-authored-by: Qwen-Coder <qwen-coder@alibabacloud.com>"),
    # Vendor staff and tool maintainers committing as themselves.
    ("commit.author_email", "hubot@github.com"),
    ("commit.author_email", "mona.lisa@github.com"),
    ("commit.author_email", "dev@all-hands.dev"),
    ("commit.author_email", "jane@google.com"),
    ("commit.message", "x\n\nCo-authored-by: Mona <mona.lisa@github.com>"),
    ("commit.message", "x\n\nCo-authored-by: Lee <lee@openai.com>"),
    ("commit.message", "x\n\nCo-authored-by: Kim <kim@google.com>"),
    ("commit.message", "x\n\nCo-authored-by: Wei <wei@alibabacloud.com>"),
    ("commit.message", "x\n\nCo-authored-by: Sam <sam@cursor.com>"),
    # A person's own no-reply address, even when the login looks like a tool's.
    ("commit.author_email", "583231+octocat@users.noreply.github.com"),
    ("commit.author_email", "1024+claude@users.noreply.github.com"),
    ("commit.author_email", "2048+devin@users.noreply.github.com"),
    ("commit.author_email", "jules@users.noreply.github.com"),
    ("commit.author_email", "4096+openhands@users.noreply.github.com"),
    ("commit.committer_email", "77+copilot-maintainer@users.noreply.github.com"),
    ("commit.message", "x\n\nCo-authored-by: Claude Moreau <1024+claude@users.noreply.github.com>"),
    ("commit.message", "x\n\nCo-authored-by: Devin W <2048+devin@users.noreply.github.com>"),
    ("commit.message", "x\n\nCo-authored-by: Jules <jules@users.noreply.github.com>"),
    # Non-AI bots, by login, no-reply address or trailer.
    ("commit.author_login", "dependabot[bot]"),
    ("commit.author_email", "29139614+renovate[bot]@users.noreply.github.com"),
    ("commit.author_email", "41898282+github-actions[bot]@users.noreply.github.com"),
    ("commit.message", "x\n\nCo-authored-by: dependabot[bot] "
     "<49699333+dependabot[bot]@users.noreply.github.com>"),
    ("commit.message", "x\n\nCo-authored-by: renovate[bot] "
     "<29139614+renovate[bot]@users.noreply.github.com>"),
    ("pr.author_login", "openhands"),
]  # fmt: skip


@pytest.mark.parametrize(("field", "value"), NEGATIVE)
def test_trap_does_not_fire(field: str, value: str) -> None:
    assert fired(field, value) == set()


def test_every_rule_has_a_positive_case() -> None:
    covered = {rule_id for _, _, rule_id in POSITIVE}
    assert {r.id for r in RULES.rules} - covered == set()


def test_bot_co_author_trailers_are_assisted() -> None:
    # A bot's own commit is authored (its author rules); as a co-author it helped a person.
    trailers = [
        r
        for r in RULES.rules
        if r.field == "commit.message"
        and r.pattern.startswith("^co-authored-by:")
        and ("\\[bot\\]" in r.pattern or "copilot@users" in r.pattern)
    ]
    assert len(trailers) >= 12
    assert {r.id for r in trailers if r.kind != "assisted"} == set()


def test_agent_commit_stays_agent_a_helped_commit_is_assisted() -> None:
    trailer = "Co-authored-by: copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>"
    commits = pl.DataFrame(
        {
            "repo_id": [1, 1, 1],
            "sha": ["agent", "person", "app"],
            "message": [f"Fix (#3)\n\n{trailer}", f"Fix (#4)\n\n{trailer}", "Add export (#5)\n\n"
                        "Co-authored-by: claude[bot] <209825114+claude[bot]@users.noreply.github.com>"],
            "author_email": [
                "198982749+Copilot@users.noreply.github.com", "alice@corp.example",
                "209825114+claude[bot]@users.noreply.github.com",
            ],
        }
    )  # fmt: skip
    empty = {
        "pull_requests": pl.DataFrame(schema={"repo_id": pl.Int64, "number": pl.Int64}),
        "labels": pl.DataFrame(
            schema={"repo_id": pl.Int64, "pr_number": pl.Int64, "label": pl.String}
        ),
        "reviews": pl.DataFrame(schema={"repo_id": pl.Int64, "review_id": pl.Int64}),
    }
    tags = compute_tags(RULES, commits=commits, **empty)
    flags = commit_flags(commits.lazy(), tags.lazy()).collect().sort("sha")
    assert flags.select("sha", "is_ai", "is_agent", "ai_tool").rows() == [
        ("agent", True, True, "github-copilot"),
        ("app", True, True, "claude-code"),  # the app's own commit: its no-reply login
        ("person", True, False, "github-copilot"),
    ]


def test_every_rule_names_a_known_tool() -> None:
    assert {r.tool for r in RULES.rules} - set(TOOL_IDS) == set()


def test_noreply_login_fills_only_missing_logins() -> None:
    frame = pl.DataFrame(
        {
            "repo_id": [1, 1, 1, 1],
            "entity_key": ["stored", "derived", "empty", "person"],
            "author_email": [
                "161369871+google-labs-jules[bot]@users.noreply.github.com",
                "161369871+google-labs-jules[bot]@users.noreply.github.com",
                "209825114+claude[bot]@users.noreply.github.com",
                "583231+octocat@users.noreply.github.com",
            ],
            # GitHub's own answer wins (a renamed account); "" counts as no login.
            "author_login": ["someone-else", None, "", None],
        }
    )
    tags = tag_frame(frame, RULES, "commit").filter(pl.col("field") == "commit.author_login")
    assert tags.select("entity_key", "rule_id", "matched").rows() == [
        ("derived", "google-jules.author", "google-labs-jules[bot]"),
        ("empty", "claude-code.app-author-login", "claude[bot]"),
    ]


def test_matched_text_is_the_marker() -> None:
    frame = pl.DataFrame(
        {
            "repo_id": [1],
            "entity_key": ["abc"],
            "message": ["feat: x\n\nbody\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n"],
        }
    )
    tags = tag_frame(frame, RULES, "commit")
    assert tags.select("rule_id", "matched").rows() == [
        ("claude-code.co-author", "Co-Authored-By: Claude <noreply@anthropic.com>")
    ]


def test_squash_merge_gathers_several_tools() -> None:
    message = (
        "Add billing export (#42)\n\n* first\n* second\n\n"
        "Co-authored-by: Claude <noreply@anthropic.com>\n"
        "Co-authored-by: Cursor Agent <cursoragent@cursor.com>\n"
    )
    assert fired("commit.message", message) == {"claude-code.co-author", "cursor.agent-co-author"}


def test_bad_pattern_names_rule_and_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "rules.yaml"
    bad.write_text(
        "rules:\n  - id: team.bad\n    tool: cursor\n    kind: assisted\n"
        "    field: commit.message\n    pattern: '(?<=x)y'\n    confidence: high\n"
    )
    with pytest.raises(RulesError) as err:
        build_ruleset(bad)
    assert str(bad) in str(err.value)
    assert "team.bad" in str(err.value)
    assert "not a valid regular expression" in str(err.value)


def test_unknown_field_names_rule(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "rules.yaml"
    bad.write_text(
        "rules:\n  - id: team.label\n    tool: cursor\n    kind: assisted\n"
        "    field: pr.labels\n    pattern: 'ai'\n    confidence: high\n"
    )
    with pytest.raises(RulesError, match=r"rule 'team.label' \(rules.0.field\).*unknown field"):
        build_ruleset(bad)


def test_team_label_rule_and_disable() -> None:
    team_rule = {
        "id": "team.ai-assisted-label",
        "tool": "unspecified",
        "kind": "assisted",
        "field": "pr.label",
        "pattern": "^ai-assisted$",
        "confidence": "high",
    }
    rules = build_ruleset(extra_rules=[team_rule], disable=["github-copilot.branch"])
    labels = pl.DataFrame(
        {"repo_id": [1, 1], "entity_key": ["7", "8"], "label": ["ai-assisted", "bug"]}
    )
    assert tag_frame(labels, rules, "pull_request")["entity_key"].to_list() == ["7"]
    assert "github-copilot.branch" not in {r.id for r in rules.rules}
    with pytest.raises(RulesError, match="unknown rule ids: nope"):
        build_ruleset(disable=["nope"])
