"""Word lists the demo draws names, repositories and commit messages from.

Plain data. People's names deliberately leave out "Claude", "Devin", "Jules",
"Amp" and "Cursor": the decoys add exactly one "Claude" and one "Devin" on
purpose (see ``people_names.DECOY_PEOPLE``), so a tagger that matches bare names is
caught by the truth, not by chance.
"""

from __future__ import annotations

FIRST_NAMES = (
    "Aisha", "Alex", "Amara", "Ana", "Andrei", "Anika", "Arjun", "Ben", "Bianca", "Carlos",
    "Chen", "Chloe", "Dana", "Daniel", "Diego", "Elena", "Emeka", "Emma", "Farah", "Felix",
    "Fatima", "Gabriel", "Grace", "Hana", "Hugo", "Ibrahim", "Ines", "Isaac", "Ivan", "Jae",
    "James", "Jana", "Javier", "Jin", "Jonas", "Julia", "Kai", "Kamala", "Karim", "Kenji",
    "Laila", "Lars", "Leah", "Leon", "Lina", "Luca", "Lucia", "Maya", "Mateo", "Mei",
    "Miguel", "Mira", "Mohammed", "Nadia", "Nathan", "Nia", "Nikhil", "Nina", "Noah", "Olga",
    "Omar", "Oscar", "Paula", "Pedro", "Priya", "Rafael", "Rania", "Ravi", "Rosa", "Ruth",
    "Sara", "Sebastian", "Shira", "Simone", "Sofia", "Soren", "Tariq", "Tessa", "Theo", "Tomas",
    "Uma", "Valeria", "Victor", "Wei", "Yara", "Yuki", "Yusuf", "Zara", "Zoe", "Marta",
)  # fmt: skip

LAST_NAMES = (
    "Adeyemi", "Alvarez", "Andersen", "Bauer", "Becker", "Bianchi", "Brennan", "Castro",
    "Chandra", "Cohen", "Costa", "Dubois", "Eriksson", "Fischer", "Fontaine", "Garcia",
    "Gupta", "Haddad", "Hansen", "Hoffmann", "Ivanova", "Jensen", "Kato", "Keller", "Khan",
    "Kim", "Kowalski", "Larsen", "Lefebvre", "Lopez", "Maier", "Mendes", "Meyer", "Moreno",
    "Mueller", "Nakamura", "Nguyen", "Novak", "Nowak", "Obi", "Okonkwo", "Olsen", "Park",
    "Patel", "Perez", "Petrov", "Popescu", "Rahman", "Reyes", "Ricci", "Rossi", "Russo",
    "Sato", "Schmidt", "Schulz", "Silva", "Singh", "Sokolov", "Suzuki", "Tanaka", "Torres",
    "Vargas", "Wagner", "Wang", "Weber", "Wong", "Yamamoto", "Yilmaz", "Zhang", "Zimmermann",
)  # fmt: skip

# Team areas: a team "payments" owns repositories "payments-api", "payments-web", ...
TEAM_AREAS = (
    "payments", "identity", "platform", "data", "mobile", "growth", "search", "checkout",
    "ledger", "notifications", "catalog", "billing", "messaging", "analytics", "infra",
    "security", "onboarding", "pricing", "risk", "support", "shipping", "inventory",
    "reporting", "content", "partners", "media", "maps", "ads", "compliance", "devex",
)  # fmt: skip

REPO_KINDS = (
    "api", "web", "worker", "service", "sdk", "infra", "ui", "jobs", "gateway", "client",
)  # fmt: skip

COMMIT_TYPES = ("feat", "fix", "chore", "refactor", "test", "docs", "perf", "ci", "build")
COMMIT_TYPE_WEIGHTS = (0.33, 0.30, 0.10, 0.10, 0.06, 0.04, 0.03, 0.02, 0.02)

SCOPES = (
    "api", "db", "auth", "ui", "ci", "deps", "cache", "jobs", "config", "metrics", "search",
    "webhooks", "billing", "session", "logging", "migrations", "k8s", "sdk", "tests", "i18n",
)  # fmt: skip

VERBS = (
    "add", "fix", "handle", "remove", "update", "refactor", "simplify", "speed up",
    "validate", "log", "retry", "cache", "rename", "document", "split", "migrate",
)  # fmt: skip

OBJECTS = (
    "webhook retries", "expired card tokens", "pagination in list endpoint",
    "rate limiter config", "timezone handling in reports", "feature flag for new checkout",
    "null customer address", "slow order query", "session refresh", "audit log entries",
    "CSV export of invoices", "retry backoff", "health check endpoint", "stale cache keys",
    "duplicate notifications", "password reset flow", "flaky integration test",
    "OpenAPI schema", "error messages for invalid input", "currency rounding",
    "idempotency keys", "background job scheduling", "search ranking weights",
    "dark mode toggle", "image upload size limit", "locale fallback", "SSO login callback",
    "metrics labels", "connection pool size", "database index on created_at",
    "empty state on dashboard", "push notification payload", "refund status sync",
    "user settings page", "tracing spans", "build cache", "deprecated client options",
    "batch import", "email templates", "permissions check", "API client timeouts",
    "Kafka consumer lag alert", "Terraform module versions", "iOS build settings",
    "Android deep links", "GraphQL resolver", "S3 lifecycle rules", "README setup steps",
)  # fmt: skip

# Follow-up commits inside a PR (after the first one).
FOLLOW_UPS = (
    "address review comments", "fix lint", "add tests", "update snapshots", "fix typo",
    "apply review feedback", "handle edge case", "wip", "rename variable", "fix failing test",
    "clean up", "add missing import", "bump version", "update docs", "simplify condition",
)  # fmt: skip

COMMIT_BODIES = (
    "The previous behaviour silently dropped the event.",
    "Keeps the public API unchanged.",
    "Measured locally: p95 down from 420 ms to 180 ms.",
    "Needed by the upcoming checkout redesign.",
    "Covered by a new unit test.",
    "Follows the approach agreed in the design review.",
    "No migration needed: the column is nullable.",
    "Reported by support; reproduced with the attached payload.",
)  # fmt: skip

PR_SUMMARIES = (
    "This change keeps the existing behaviour behind a flag until the rollout is done.",
    "Fixes the bug reported in last week's incident review.",
    "Small refactor ahead of the next feature; no behaviour change.",
    "Adds the missing validation and a regression test.",
    "Moves the logic into its own module so it can be tested.",
    "Reduces the number of database round trips on the hot path.",
)  # fmt: skip

TEST_NOTES = (
    "Unit tests pass locally", "Tested against staging", "Added a regression test",
    "Manually verified in the preview environment", "CI green",
)  # fmt: skip

# Dependency bumps: (package, ecosystem directory used in dependabot branch names).
DEPENDENCIES = (
    ("lodash", "npm_and_yarn"), ("axios", "npm_and_yarn"), ("express", "npm_and_yarn"),
    ("jest", "npm_and_yarn"), ("eslint", "npm_and_yarn"), ("typescript", "npm_and_yarn"),
    ("webpack", "npm_and_yarn"), ("react", "npm_and_yarn"), ("requests", "pip"),
    ("urllib3", "pip"), ("pydantic", "pip"), ("django", "pip"), ("boto3", "pip"),
    ("golang.org/x/net", "go_modules"), ("github.com/stretchr/testify", "go_modules"),
    ("actions/checkout", "github_actions"), ("actions/setup-node", "github_actions"),
)  # fmt: skip
