"""Property tests: non-AI bots never fire a rule; tagging is deterministic and idempotent."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from aimetrics.tagging import build_ruleset, compute_tags, tag_frame

RULES = build_ruleset()
BOT_LOGINS = list(RULES.non_ai_bots.logins)
BOT_EMAILS = list(RULES.non_ai_bots.emails)


def _case(draw: st.DrawFn, text: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(c.upper() if f else c.lower() for c, f in zip(text, flips, strict=True))


@st.composite
def bot_login(draw: st.DrawFn) -> str:
    login = _case(draw, draw(st.sampled_from(BOT_LOGINS)))
    return login + draw(st.sampled_from(["", "[bot]"]))


@settings(max_examples=200, deadline=None)
@given(
    login=bot_login(),
    email=st.sampled_from(BOT_EMAILS),
    name=st.sampled_from(
        ["dependabot[bot]", "renovate[bot]", "github-actions[bot]", "GitHub", "GitHub Actions"]
    ),
)
def test_non_ai_bots_never_fire(login: str, email: str, name: str) -> None:
    commit = pl.DataFrame({
        "repo_id": [1], "entity_key": ["c"], "author_login": [login], "committer_login": [login],
        "author_email": [email], "committer_email": [email], "author_name": [name],
        "committer_name": [name],
        "message": ["chore(deps): bump lodash from 4.17.20 to 4.17.21\n\nSigned-off-by: " + name],
    })  # fmt: skip
    pr = pl.DataFrame({"repo_id": [1], "entity_key": ["1"], "author_login": [login],
                       "head_ref": ["dependabot/npm_and_yarn/lodash-4.17.21"],
                       "body": ["Bumps lodash."], "title": ["Bump lodash"]})  # fmt: skip
    review = pl.DataFrame({"repo_id": [1], "entity_key": ["9"], "reviewer_login": [login]})
    assert tag_frame(commit, RULES, "commit").is_empty()
    assert tag_frame(pr, RULES, "pull_request").is_empty()
    assert tag_frame(review, RULES, "review").is_empty()


MARKERS = [
    "Co-Authored-By: Claude <noreply@anthropic.com>",
    "Made-with: Cursor",
    "Co-authored-by: Codex <noreply@openai.com>",
    "Assisted-by: Jane Doe <jane@example.org>",
    "Co-authored-by: Claude Moreau <claude.moreau@acme.example>",
]
line = st.one_of(
    st.sampled_from(MARKERS), st.text(max_size=30).map(lambda t: t.replace("\x00", ""))
)


@settings(max_examples=100, deadline=None)
@given(messages=st.lists(st.lists(line, max_size=5).map("\n".join), min_size=1, max_size=20))
def test_tagging_is_deterministic_and_idempotent(messages: list[str]) -> None:
    commits = pl.DataFrame({"repo_id": [1] * len(messages),
                            "sha": [f"{i:040x}" for i in range(len(messages))],
                            "message": messages})  # fmt: skip
    empty = {
        "pull_requests": pl.DataFrame(schema={"repo_id": pl.Int64, "number": pl.Int64}),
        "labels": pl.DataFrame(
            schema={"repo_id": pl.Int64, "pr_number": pl.Int64, "label": pl.String}
        ),
        "reviews": pl.DataFrame(schema={"repo_id": pl.Int64, "review_id": pl.Int64}),
    }
    first = compute_tags(RULES, commits=commits, **empty)
    again = compute_tags(RULES, commits=commits.reverse(), **empty)
    assert_frame_equal(first, again)
    # Every tag is on a commit whose message contains the matched text.
    by_sha = dict(zip(commits["sha"], commits["message"], strict=True))
    for sha, matched in first.select("entity_key", "matched").iter_rows():
        assert matched in by_sha[sha]
