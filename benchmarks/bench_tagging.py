"""Benchmark: tagging N commits with the full default catalogue (computing tags, not writing).

    python benchmarks/bench_tagging.py --commits 1000000

Messages are realistic conventional-commit subjects and bodies; about 12% carry a
real AI marker (trailers, footers), and author/committer fields include bots and
agents. Prints the time of each step and the tag counts.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import polars as pl

from aimetrics.tagging import build_ruleset, compute_tags

SUBJECTS = [
    "feat(api): add pagination to the invoices endpoint",
    "fix: handle empty cart on checkout",
    "refactor(auth): extract token refresh into its own module",
    "chore(deps): bump requests from 2.31.0 to 2.32.3",
    "test: cover the refund edge cases",
    "docs: explain the retry policy",
    "perf(db): batch the ledger inserts",
    "fix(ui): keep the cursor position after paste",
]
BODIES = [
    "",
    "The previous implementation retried forever on 5xx responses.",
    "Closes #123.\n\nSigned-off-by: Jane Doe <jane@corp.example>",
    "Assisted-by: John Smith <john@corp.example>",
]
MARKERS = [
    "Co-Authored-By: Claude <noreply@anthropic.com>",
    "🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\n"
    "Co-Authored-By: Claude Opus 4.6 <noreply@anthropic.com>",
    "Co-authored-by: Cursor Agent <cursoragent@cursor.com>",
    "Co-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>",
    "Co-authored-by: Codex <noreply@openai.com>",
    "Made-with: Cursor",
]


def make_commits(n: int, seed: int = 1) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    subject = pl.Series(SUBJECTS)[rng.integers(0, len(SUBJECTS), n)]
    body = pl.Series(BODIES)[rng.integers(0, len(BODIES), n)]
    marker_idx = rng.integers(0, len(MARKERS), n)
    has_marker = rng.random(n) < 0.12
    marker = pl.Series(MARKERS)[marker_idx].zip_with(pl.Series(has_marker), pl.Series([""] * n))
    people = [f"dev{i}" for i in range(2000)]
    login = pl.Series(people)[rng.integers(0, len(people), n)]
    return pl.DataFrame(
        {
            "repo_id": rng.integers(1, 400, n),
            "sha": pl.Series(rng.integers(0, 2**62, n)).cast(pl.String),
            "message": subject + "\n\n" + body + "\n\n" + marker,
            "author_name": login,
            "author_email": login + "@corp.example",
            "author_login": login,
            "committer_name": pl.Series(["GitHub"] * n),
            "committer_email": pl.Series(["noreply@github.com"] * n),
            "committer_login": pl.Series(["web-flow"] * n),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--commits", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    t = time.perf_counter()
    commits = make_commits(args.commits)
    print(f"generated {commits.height:,} commits in {time.perf_counter() - t:.2f} s")
    rules = build_ruleset()
    empty_prs = pl.DataFrame(
        schema={"repo_id": pl.Int64, "number": pl.Int64, "author_login": pl.String,
                "title": pl.String, "body": pl.String, "head_ref": pl.String}
    )  # fmt: skip
    empty_labels = pl.DataFrame(
        schema={"repo_id": pl.Int64, "pr_number": pl.Int64, "label": pl.String}
    )
    empty_reviews = pl.DataFrame(
        schema={"repo_id": pl.Int64, "review_id": pl.Int64, "reviewer_login": pl.String}
    )
    timings = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        tags = compute_tags(
            rules, commits=commits, pull_requests=empty_prs, labels=empty_labels,
            reviews=empty_reviews,
        )  # fmt: skip
        timings.append(time.perf_counter() - t)
    print(f"rules: {len(rules.rules)}; tags: {tags.height:,}")
    print(tags.group_by("rule_id").len().sort("len", descending=True).head(8))
    print(
        f"tagging {commits.height:,} commits: best {min(timings):.2f} s, "
        f"median {sorted(timings)[len(timings) // 2]:.2f} s over {args.repeat} runs"
    )
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
