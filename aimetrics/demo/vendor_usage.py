"""The vendors' own usage reports for the demo: ``vendor_usage`` rows per user and day.

Built from the demo's own ground truth of who used which tool on which work, never from
the markers: a human PR whose author used Claude Code or Cursor when the work started
(``pr_params.tool_status``, the same decision that plans its markers) is work the vendor
counts, marked or not (``markers.decide_marks`` leaves 40% of Claude Code's PRs and 50% of
Cursor's without a marker). So the marker coverage the dashboard computes from these rows
and the tags comes out of the computation; docs/demo.md says what to expect.

- **Claude Code** (Anthropic's Claude Code usage report, source ``anthropic``): per user
  and day, the PR's branch commits the author made that day (``commits``), their lines
  (``lines_added``, ``lines_removed``), the PR on the day it was opened
  (``pull_requests``), and sessions. As the real report does, it also counts work in
  repositories the store does not collect (personal repositories): in some weeks of use,
  a day of commits and sometimes a PR that no store row matches.
- **Cursor** (Cursor's daily usage per member, source ``cursor-admin-api``): accepted
  lines added and deleted and requests per user and day; Cursor reports no commit or PR
  counts per user, so those stay empty.

Users are named by their corporate e-mail, as both vendors do (it resolves through the
directory's identities).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from aimetrics.demo import markers as mk
from aimetrics.demo.commit_messages import BRANCH
from aimetrics.demo.org import Org
from aimetrics.demo.pr_params import HUMAN, tool_status, week_of
from aimetrics.demo.timeline import US_PER_DAY, sample_in_weeks

ANTHROPIC_SOURCE = "anthropic"
CURSOR_SOURCE = "cursor-admin-api"
VENDOR_TOOLS = {mk.STATUS_CLAUDE: mk.CLAUDE_CODE, mk.STATUS_CURSOR: mk.CURSOR}

P_PERSONAL_WEEK = 0.12  # weeks of use with a day of work in a repository the store lacks
P_PERSONAL_PR = 0.3  # of those days, the ones that open a PR there
P_SESSION_ONLY_WEEK = 0.4  # weeks of use with a day of sessions or requests and no commit

_COLUMNS = ("person", "tool", "day", "commits", "pull_requests", "added", "removed")


def vendor_usage(
    rng: np.random.Generator, org: Org, prs: pl.DataFrame, commits: pl.DataFrame
) -> pl.DataFrame:
    """The ``vendor_usage`` rows of the demo (store columns; ``record`` holds the row as
    the vendor would send it). ``prs``: the generator's PRs (``repo_id, number, kind,
    author, created, first_commit``); ``commits``: its commits (``repo_id, pr_number,
    part, person, authored_us, additions, deletions``)."""
    tl = org.timeline
    human = prs.filter(pl.col("kind") == HUMAN)
    first = human["first_commit"].to_numpy()
    author = human["author"].to_numpy()
    status = np.where(
        first >= tl.start_us,
        tool_status(org, author, week_of(org, np.maximum(first, tl.start_us))),
        mk.STATUS_NONE,
    )
    worked = human.with_columns(pl.Series("status", status)).filter(
        pl.col("status").is_in(list(VENDOR_TOOLS))
    )
    tool = pl.col("status").replace_strict(VENDOR_TOOLS, return_dtype=pl.String).alias("tool")
    day = (pl.col("_us") // US_PER_DAY).cast(pl.Int32).cast(pl.Date).alias("day")
    in_window = pl.col("_us") < tl.end_us
    opened = worked.select(
        pl.col("author").alias("person"), tool, pl.col("created").alias("_us")
    ).filter(in_window & (pl.col("_us") >= tl.start_us))
    made = (
        # Only the columns needed, before anything else: the frame carries every message.
        commits.select(
            "repo_id", "pr_number", "part", "person", "authored_us", "additions", "deletions"
        )
        .filter(pl.col("part") == BRANCH)
        .join(
            worked.select("repo_id", pl.col("number").alias("pr_number"), "author", "status"),
            on=["repo_id", "pr_number"],
            how="inner",
        )
        .filter(pl.col("person") == pl.col("author"))
        .select("person", tool, pl.col("authored_us").alias("_us"), "additions", "deletions")
        .filter(in_window)
    )
    parts = [
        made.select(
            "person", "tool", day,
            pl.lit(1).alias("commits"), pl.lit(0).alias("pull_requests"),
            pl.col("additions").alias("added"), pl.col("deletions").alias("removed"),
        ),
        opened.select(
            "person", "tool", day,
            pl.lit(0).alias("commits"), pl.lit(1).alias("pull_requests"),
            pl.lit(0).alias("added"), pl.lit(0).alias("removed"),
        ),
        _elsewhere(rng, org),
    ]  # fmt: skip
    cast = {c: pl.Int64 for c in _COLUMNS if c not in ("tool", "day")}
    daily = (
        pl.concat([p.cast(cast) for p in parts])
        .group_by("person", "tool", "day")
        .agg(pl.col("commits", "pull_requests", "added", "removed").sum())
        .sort("tool", "person", "day")
    )
    return _rows(rng, org, daily)


def _elsewhere(rng: np.random.Generator, org: Org) -> pl.DataFrame:
    """Days of use the store cannot see: work in personal repositories (commits, lines,
    sometimes a PR) and days of sessions or requests only."""
    tl = org.timeline
    n_people = org.people.height
    person = np.repeat(np.arange(n_people), tl.n_weeks)
    week = np.tile(np.arange(tl.n_weeks), n_people)
    status = tool_status(org, person, week)
    use = np.isin(status, list(VENDOR_TOOLS))
    person, week, status = person[use], week[use], status[use]
    personal = rng.random(len(week)) < P_PERSONAL_WEEK
    quiet = rng.random(len(week)) < P_SESSION_ONLY_WEEK
    tz = np.zeros(len(week))
    at = sample_in_weeks(rng, tl, week, tz)
    n = len(week)
    commits = np.where(personal, 1 + rng.poisson(1.5, n), 0)
    added = np.where(personal, np.round(np.exp(rng.normal(np.log(60), 1.0, n))), 0)
    removed = np.round(added * rng.beta(1.2, 3.0, n))
    keep = (personal | quiet) & (at < tl.end_us)
    return pl.DataFrame(
        {
            "person": person[keep],
            "tool": [VENDOR_TOOLS[int(s)] for s in status[keep]],
            "day": (at[keep] // US_PER_DAY).astype("datetime64[D]"),
            "commits": commits[keep],
            "pull_requests": (personal & (rng.random(n) < P_PERSONAL_PR))[keep].astype(np.int64),
            "added": added[keep].astype(np.int64),
            "removed": removed[keep].astype(np.int64),
        },
        schema_overrides={"day": pl.Date},
    )


def _rows(rng: np.random.Generator, org: Org, daily: pl.DataFrame) -> pl.DataFrame:
    """Store rows: user e-mail, vendor fields per tool, the vendor's JSON record."""
    n = daily.height
    emails = org.people["corp_email"].to_numpy()
    claude = (daily["tool"] == mk.CLAUDE_CODE).to_numpy()
    sessions = 1 + rng.poisson(1.5, n)
    requests = 4 + rng.poisson(18, n) + daily["commits"].to_numpy() * 3
    frame = daily.with_columns(
        pl.Series("user_login", emails[daily["person"].to_numpy()], dtype=pl.String),
        pl.Series("sessions", np.where(claude, sessions, 0)),
        pl.Series("requests", np.where(claude, 0, requests)),
    )
    day = pl.col("day").cast(pl.String)
    is_claude = pl.col("tool") == mk.CLAUDE_CODE
    return frame.select(
        pl.concat_str(
            [pl.lit("demo"), pl.col("tool"), pl.col("user_login"), day], separator=":"
        ).alias("record_key"),
        pl.when(is_claude)
        .then(pl.lit(ANTHROPIC_SOURCE))
        .otherwise(pl.lit(CURSOR_SOURCE))
        .alias("source"),
        pl.col("tool").alias("tool_id"),
        "day",
        "user_login",
        pl.lit(None, dtype=pl.String).alias("api_key_name"),
        pl.when(is_claude).then(pl.col("sessions")).alias("sessions"),
        pl.col("added").alias("lines_added"),
        pl.col("removed").alias("lines_removed"),
        pl.when(is_claude).then(pl.col("commits")).alias("commits"),
        pl.when(is_claude).then(pl.col("pull_requests")).alias("pull_requests"),
        pl.when(~is_claude).then(pl.col("requests")).alias("requests"),
        pl.lit(None, dtype=pl.Int64).alias("actions_accepted"),
        pl.lit(None, dtype=pl.Int64).alias("actions_rejected"),
        pl.lit(None, dtype=pl.Float64).alias("cost"),
        pl.lit(None, dtype=pl.String).alias("currency"),
        pl.when(is_claude)
        .then(_claude_record(day))
        .otherwise(_cursor_record(day))
        .alias("record"),
    )  # fmt: skip


def _claude_record(day: pl.Expr) -> pl.Expr:
    """The row as Anthropic's Claude Code usage report sends it (the fields the demo has)."""
    return pl.struct(
        day.alias("date"),
        pl.struct(
            pl.lit("user_actor").alias("type"), pl.col("user_login").alias("email_address")
        ).alias("actor"),
        pl.struct(
            pl.col("sessions").alias("num_sessions"),
            pl.struct(pl.col("added").alias("added"), pl.col("removed").alias("removed")).alias(
                "lines_of_code"
            ),
            pl.col("commits").alias("commits_by_claude_code"),
            pl.col("pull_requests").alias("pull_requests_by_claude_code"),
        ).alias("core_metrics"),
    ).struct.json_encode()


def _cursor_record(day: pl.Expr) -> pl.Expr:
    """The row as Cursor's daily usage per member sends it (the fields the demo has)."""
    return pl.struct(
        day.alias("date"),
        pl.col("user_login").alias("email"),
        pl.col("added").alias("acceptedLinesAdded"),
        pl.col("removed").alias("acceptedLinesDeleted"),
        pl.col("requests").alias("agentRequests"),
    ).struct.json_encode()
