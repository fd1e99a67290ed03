"""The store's schema, declared once.

Every table of the store is defined here and nowhere else. Migrations under
``migrations/versions`` bring a database to this shape; a test compares the
migrated database with this metadata so the two cannot drift apart.

Conventions (the domain vocabulary, see ``aimetrics.vocabulary``):
- timestamps are UTC; on SQLite they are stored as integer microseconds since
  the epoch, on PostgreSQL as ``timestamptz``; ``aimetrics.store.read`` restores
  the type;
- natural keys are primary keys, so every write is an idempotent upsert;
- nothing derived (first review time, cycle time, AI share, ...) is stored:
  the metrics compute it, with one definition.
"""

from __future__ import annotations

import sqlalchemy as sa

from aimetrics.store.types import UtcDateTime

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _t(name: str, *cols: sa.Column | sa.Constraint | sa.Index) -> sa.Table:
    return sa.Table(name, metadata, *cols)


# --- Source data: repositories, pull requests, commits, reviews -------------

repositories = _t(
    "repositories",
    # GitHub's repository id where known, else aimetrics.ids.stable_id(full_name).
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("full_name", sa.String(300), nullable=False, unique=True),
    sa.Column("source", sa.String(20), nullable=False),  # github | git | demo
    sa.Column("web_url", sa.String(500)),  # base for links to PRs/commits
    sa.Column("default_branch", sa.String(255)),
    sa.Column("is_fork", sa.Boolean, nullable=False, default=False),
    sa.Column("is_archived", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", UtcDateTime),
)

pull_requests = _t(
    "pull_requests",
    sa.Column("repo_id", sa.BigInteger, sa.ForeignKey("repositories.id"), primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("node_id", sa.String(100)),
    sa.Column("title", sa.Text),
    sa.Column("body", sa.Text),
    sa.Column("state", sa.String(10), nullable=False),  # OPEN | CLOSED | MERGED
    sa.Column("is_draft", sa.Boolean, nullable=False, default=False),
    sa.Column("author_login", sa.String(255)),  # None: deleted account ("ghost")
    sa.Column("author_type", sa.String(20)),  # User | Bot | Organization | Mannequin
    # PRs recovered from git have no login: the e-mail of their author's commit (the squash
    # commit's, or the merged branch's most frequent human author), resolved like a commit's.
    sa.Column("author_email", sa.String(320)),
    sa.Column("created_at", UtcDateTime),  # None for PRs recovered from git
    sa.Column("ready_at", UtcDateTime),  # left draft; equals created_at if never draft
    sa.Column("merged_at", UtcDateTime),
    sa.Column("closed_at", UtcDateTime),
    sa.Column("updated_at", UtcDateTime),
    sa.Column("additions", sa.Integer),
    sa.Column("deletions", sa.Integer),
    sa.Column("changed_files", sa.Integer),
    sa.Column("commit_count", sa.Integer),
    sa.Column("head_ref", sa.String(255)),
    sa.Column("base_ref", sa.String(255)),
    sa.Column("merge_commit_sha", sa.String(40)),
    sa.Column("source", sa.String(20), nullable=False),  # github | git | demo
    sa.Index(None, "merged_at"),
)

pull_request_labels = _t(
    "pull_request_labels",
    sa.Column("repo_id", sa.BigInteger, primary_key=True),
    sa.Column("pr_number", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("label", sa.String(255), primary_key=True),
    sa.ForeignKeyConstraint(
        ["repo_id", "pr_number"], ["pull_requests.repo_id", "pull_requests.number"]
    ),
)

commits = _t(
    "commits",
    sa.Column("repo_id", sa.BigInteger, sa.ForeignKey("repositories.id"), primary_key=True),
    sa.Column("sha", sa.String(40), primary_key=True),
    sa.Column("author_name", sa.String(255)),
    sa.Column("author_email", sa.String(320)),
    sa.Column("author_login", sa.String(255)),
    sa.Column("committer_name", sa.String(255)),
    sa.Column("committer_email", sa.String(320)),
    sa.Column("committer_login", sa.String(255)),
    sa.Column("authored_at", UtcDateTime),
    sa.Column("committed_at", UtcDateTime),
    sa.Column("message", sa.Text),
    sa.Column("additions", sa.Integer),  # None when unknown
    sa.Column("deletions", sa.Integer),
    sa.Column("parent_count", sa.Integer),
    sa.Column("on_default_branch", sa.Boolean, nullable=False, default=False),
    sa.Index(None, "committed_at"),
)

pull_request_commits = _t(
    "pull_request_commits",
    sa.Column("repo_id", sa.BigInteger, primary_key=True),
    sa.Column("pr_number", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("sha", sa.String(40), primary_key=True),
    sa.ForeignKeyConstraint(
        ["repo_id", "pr_number"], ["pull_requests.repo_id", "pull_requests.number"]
    ),
)

reviews = _t(
    "reviews",
    sa.Column("repo_id", sa.BigInteger, primary_key=True),
    sa.Column("review_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("pr_number", sa.Integer, nullable=False),
    sa.Column("reviewer_login", sa.String(255)),
    sa.Column("reviewer_type", sa.String(20)),
    sa.Column("state", sa.String(20), nullable=False),  # APPROVED | CHANGES_REQUESTED | ...
    sa.Column("submitted_at", UtcDateTime),
    sa.ForeignKeyConstraint(
        ["repo_id", "pr_number"], ["pull_requests.repo_id", "pull_requests.number"]
    ),
)

# --- People, identities, teams (membership carries effective dates) ---------

people = _t(
    "people",
    # aimetrics.ids.stable_id of the person's key (login, else first email): stable
    # across runs and backends, so bulk upserts need no read-back of ids.
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("login", sa.String(255), unique=True),  # primary GitHub login, if known
    sa.Column("display_name", sa.String(255)),
    sa.Column("is_bot", sa.Boolean, nullable=False, default=False),
    sa.Column("excluded", sa.Boolean, nullable=False, default=False),  # contractors etc.
)

identities = _t(
    "identities",
    sa.Column("kind", sa.String(10), primary_key=True),  # login | email | name
    sa.Column("value", sa.String(320), primary_key=True),  # lower-cased
    sa.Column("person_id", sa.BigInteger, sa.ForeignKey("people.id"), nullable=False),
    sa.Column("source", sa.String(20), nullable=False),  # github | config | git | demo
)

teams = _t(
    "teams",
    sa.Column("slug", sa.String(255), primary_key=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("source", sa.String(20), nullable=False),
)

team_memberships = _t(
    "team_memberships",
    sa.Column("team_slug", sa.String(255), sa.ForeignKey("teams.slug"), primary_key=True),
    sa.Column("person_id", sa.BigInteger, sa.ForeignKey("people.id"), primary_key=True),
    sa.Column("valid_from", sa.Date, primary_key=True),
    sa.Column("valid_to", sa.Date),  # exclusive; None = still a member
)

# --- AI tools, seats, plans, usage and cost ---------------------------------

ai_tools = _t(
    "ai_tools",
    sa.Column("id", sa.String(50), primary_key=True),  # the catalogue's tool id
    sa.Column("name", sa.String(255), nullable=False),
)

seat_plans = _t(
    "seat_plans",
    sa.Column("tool_id", sa.String(50), sa.ForeignKey("ai_tools.id"), primary_key=True),
    sa.Column("plan", sa.String(100), primary_key=True),
    sa.Column("valid_from", sa.Date, primary_key=True),
    sa.Column("valid_to", sa.Date),  # exclusive
    sa.Column("seats", sa.Integer, nullable=False),
    sa.Column("price_per_seat_month", sa.Float, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("source", sa.String(20), nullable=False),  # config | demo
)

seat_assignments = _t(
    "seat_assignments",
    sa.Column("tool_id", sa.String(50), sa.ForeignKey("ai_tools.id"), primary_key=True),
    sa.Column("login", sa.String(255), primary_key=True),
    sa.Column("assigned_on", sa.Date, primary_key=True),
    sa.Column("revoked_on", sa.Date),  # exclusive; None = still assigned
    sa.Column("plan", sa.String(100)),
    sa.Column("last_activity_at", UtcDateTime),
    sa.Column("source", sa.String(20), nullable=False),  # github | cursor | config | demo
)

cost_records = _t(
    "cost_records",
    # A stable key of the record in its source (file + natural key), so a
    # re-import replaces instead of duplicating.
    sa.Column("record_key", sa.String(200), primary_key=True),
    sa.Column("source", sa.String(30), nullable=False),  # github-billing | anthropic | ...
    sa.Column("tool_id", sa.String(50), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("billed", sa.Boolean, nullable=False),  # invoice/billing export vs estimate
    sa.Column("amount", sa.Float, nullable=False),  # net spend
    sa.Column("gross_amount", sa.Float),  # list value before discounts/quota
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("quantity", sa.Float),
    sa.Column("unit", sa.String(50)),
    sa.Column("user_login", sa.String(255)),
    sa.Column("team_slug", sa.String(255)),
    sa.Index(None, "day"),
)

copilot_usage = _t(
    "copilot_usage",
    sa.Column("scope", sa.String(20), primary_key=True),  # organization | enterprise | user
    sa.Column("owner", sa.String(255), primary_key=True),  # org or enterprise slug
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("user_login", sa.String(255), primary_key=True),  # '' for aggregate rows
    sa.Column("active_users", sa.Integer),
    sa.Column("interactions", sa.Integer),
    sa.Column("code_acceptances", sa.Integer),
    sa.Column("loc_added", sa.Integer),
    sa.Column("record", sa.Text, nullable=False),  # the report row as JSON, unknown fields kept
)

copilot_user_teams = _t(
    "copilot_user_teams",
    # GitHub's Copilot user-teams report (user-teams-1-day): which GitHub team(s) a Copilot
    # user belonged to on a day, one row per (user, team, day) as GitHub sends it. A user
    # in N teams has N rows: never sum users across teams. Teams with fewer than 5 seated
    # users are left out by GitHub. Used for team attribution only after the configuration
    # and GitHub teams (docs/collecting.md, "Copilot user-teams report").
    sa.Column("scope", sa.String(20), primary_key=True),  # organization | enterprise
    sa.Column("owner", sa.String(255), primary_key=True),  # org or enterprise slug
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("user_id", sa.BigInteger, primary_key=True),
    sa.Column("team_id", sa.BigInteger, primary_key=True),
    sa.Column("user_login", sa.String(255), nullable=False),
    sa.Column("team_slug", sa.String(255), nullable=False),
)

copilot_adoption_phases = _t(
    "copilot_adoption_phases",
    # A Copilot user's AI adoption phase on a day (users-1-day/28-day ``ai_adoption_phase``,
    # since 2026-05-29). Keyed on ``phase_number``: the label of phase 0 varies ("Phase 0",
    # "No Cohort"). One row per user-day whichever report (org or enterprise) listed it.
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("user_login", sa.String(255), primary_key=True),  # lower-cased GitHub login
    sa.Column("phase_number", sa.Integer, nullable=False),
    sa.Column("phase", sa.String(50)),  # GitHub's label as sent
    sa.Column("version", sa.String(20)),  # the classification rules' version (v1, ...)
)

vendor_usage = _t(
    "vendor_usage",
    # Per user (or API key) and day, what an AI vendor's own usage API reports
    # (Anthropic's Claude Code report, later Cursor and OpenAI). The key is the
    # vendor row's natural key (collectors.costs._common.record_key scheme), so a
    # re-fetched day replaces its rows instead of adding to them.
    sa.Column("record_key", sa.String(200), primary_key=True),
    sa.Column("source", sa.String(30), nullable=False),  # anthropic | cursor | openai
    sa.Column("tool_id", sa.String(50), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("user_login", sa.String(320)),  # e-mail or login as the vendor gives it
    sa.Column("api_key_name", sa.String(255)),  # usage by an API key, not a person
    sa.Column("sessions", sa.Integer),
    sa.Column("lines_added", sa.Integer),
    sa.Column("lines_removed", sa.Integer),
    sa.Column("commits", sa.Integer),
    sa.Column("pull_requests", sa.Integer),
    sa.Column("requests", sa.Integer),
    sa.Column("actions_accepted", sa.Integer),  # edits the user accepted (tool actions)
    sa.Column("actions_rejected", sa.Integer),
    sa.Column("cost", sa.Float),  # the vendor's estimate, never billed spend
    sa.Column("currency", sa.String(3)),
    sa.Column("record", sa.Text, nullable=False),  # the vendor's row as JSON, unknown fields kept
    sa.Index(None, "day"),
)


# --- Line-level AI authorship: per commit, what a source recorded line by line --------

commit_ai_lines = _t(
    "commit_ai_lines",
    sa.Column("repo_id", sa.BigInteger, primary_key=True),
    sa.Column("sha", sa.String(40), primary_key=True),
    sa.Column("source", sa.String(20), primary_key=True),  # git-ai | agent-trace | cursor
    # The catalogue's tool id (aimetrics.vocabulary), '' on the one row of a commit whose
    # evidence has no AI line; the model as the source names it, '' when unknown.
    sa.Column("tool_id", sa.String(50), primary_key=True),
    sa.Column("model", sa.String(200), primary_key=True),
    sa.Column("ai_added_lines", sa.Integer, nullable=False),  # this tool and model's
    # The commit's counts (the same on each of its rows of one source: sum ai_added_lines
    # over the rows, take these once): lines typed by a known human, lines both wrote
    # (never AI), lines no record covers, and every line the commit adds.
    sa.Column("human_lines", sa.Integer, nullable=False),
    sa.Column("mixed_lines", sa.Integer, nullable=False),
    sa.Column("untracked_lines", sa.Integer, nullable=False),
    sa.Column("added_lines", sa.Integer, nullable=False),
)

# Per file of a commit: the AI lines a source attributed to each tool and model there
# (what `aimetrics explain SHA` lists). Written with the commit's commit_ai_lines rows, by
# the sources that record files (git-ai notes, Agent Trace); a file without AI lines has none.
commit_ai_line_files = _t(
    "commit_ai_line_files",
    sa.Column("repo_id", sa.BigInteger, primary_key=True),
    sa.Column("sha", sa.String(40), primary_key=True),
    sa.Column("source", sa.String(20), primary_key=True),
    sa.Column("path", sa.String(1024), primary_key=True),
    sa.Column("tool_id", sa.String(50), primary_key=True),
    sa.Column("model", sa.String(200), primary_key=True),
    sa.Column("ai_added_lines", sa.Integer, nullable=False),
)

# --- Cursor's own answers, kept as received (collectors.vendors.cursor) ----------------

cursor_spend_snapshots = _t(
    "cursor_spend_snapshots",
    # Each `POST /teams/spend` answer, per member: a running total of the current billing
    # cycle (plan-included usage too). Daily spend is derived from differences between
    # snapshots into cost_records (source cursor); the snapshots stay to re-derive it.
    sa.Column("taken_at", UtcDateTime, primary_key=True),
    sa.Column("member", sa.String(330), primary_key=True),  # "id:<userId>", else the e-mail
    sa.Column("cycle_start", UtcDateTime, nullable=False),  # subscriptionCycleStart
    sa.Column("user_id", sa.BigInteger),
    sa.Column("email", sa.String(320)),
    sa.Column("spend_cents", sa.Float, nullable=False),
    sa.Column("included_spend_cents", sa.Float),  # not documented: None when absent
    sa.Column("record", sa.Text, nullable=False),  # the member's row as JSON
)

cursor_ai_commits = _t(
    "cursor_ai_commits",
    # The AI Code Tracking API's commits, one per hash, author and repository (an amended
    # commit repeats its hash: the latest `createdAt` is kept). Joined to stored commits
    # by repository and SHA into commit_ai_lines (source cursor).
    sa.Column("commit_hash", sa.String(64), primary_key=True),
    sa.Column("user_email", sa.String(320), primary_key=True),  # '' when not given
    sa.Column("repo_name", sa.String(300), primary_key=True),  # '' when not given
    sa.Column("branch_name", sa.String(255)),
    sa.Column("commit_ts", UtcDateTime),
    sa.Column("created_at", UtcDateTime, nullable=False),  # Cursor's ingestion time
    sa.Column("total_lines_added", sa.Integer),
    sa.Column("tab_lines_added", sa.Integer),
    sa.Column("composer_lines_added", sa.Integer),  # accepted agent edits
    sa.Column("non_ai_lines_added", sa.Integer),  # Cursor's total - tab - composer, or None
    sa.Column("record", sa.Text, nullable=False),  # the item as JSON
)

# --- AI tags (written by tagging; re-computable from the rows above) -------

ai_tags = _t(
    "ai_tags",
    sa.Column("entity", sa.String(15), primary_key=True),  # commit | pull_request | review
    sa.Column("repo_id", sa.BigInteger, primary_key=True),
    sa.Column("entity_key", sa.String(64), primary_key=True),  # sha | PR number | review id
    sa.Column("rule_id", sa.String(100), primary_key=True),
    sa.Column("tool_id", sa.String(50), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),  # authored | assisted | reviewed
    sa.Column("field", sa.String(40), nullable=False),
    sa.Column("confidence", sa.String(6), nullable=False),  # high | medium | low
    sa.Column("matched", sa.Text, nullable=False),
    sa.Column("tagged_at", UtcDateTime, nullable=False),
)

# --- Provenance and bookkeeping ---------------------------------------------

raw_payloads = _t(
    "raw_payloads",
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source", sa.String(30), nullable=False),  # github-graphql | github-rest | ...
    sa.Column("scope", sa.String(300), nullable=False),  # repository / org the request was for
    sa.Column("request", sa.Text, nullable=False),  # method + path + variables; never a token
    sa.Column("digest", sa.String(64), nullable=False, unique=True),  # sha256 of payload
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("fetched_at", UtcDateTime, nullable=False),
    sa.Column("normalized", sa.Boolean, nullable=False, default=False),
)

sync_state = _t(
    "sync_state",
    sa.Column("source", sa.String(30), primary_key=True),  # github | git | demo | costs:...
    sa.Column("scope", sa.String(300), primary_key=True),  # repository, org or file
    sa.Column("cursor", sa.Text),
    sa.Column("status", sa.String(20), nullable=False),  # complete | incomplete | running
    sa.Column("detail", sa.Text),
    sa.Column("started_at", UtcDateTime),
    sa.Column("finished_at", UtcDateTime),
)

# Tables holding domain data, in an order that respects foreign keys.
DOMAIN_TABLES: tuple[sa.Table, ...] = (
    repositories,
    pull_requests,
    pull_request_labels,
    commits,
    pull_request_commits,
    reviews,
    people,
    identities,
    teams,
    team_memberships,
    ai_tools,
    seat_plans,
    seat_assignments,
    cost_records,
    copilot_usage,
    copilot_user_teams,
    copilot_adoption_phases,
    vendor_usage,
    commit_ai_lines,
    commit_ai_line_files,
    cursor_spend_snapshots,
    cursor_ai_commits,
    ai_tags,
)

# --- Bookkeeping: what changed, for readers that cache ---------------------

# One row (id 1): a counter every committed write bumps in the same transaction
# (aimetrics.store.version), so a reader knows cheaply whether anything changed
# since it last read (the dashboard keys its caches on it). Not domain data: never
# exported, copied as is by migrate-store.
store_version = _t(
    "store_version",
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    # Drawn when the row is created: a store deleted and rebuilt (same path, counter
    # restarting) is told apart from the one a cache was built from.
    sa.Column("store_id", sa.String(32), nullable=False),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)
