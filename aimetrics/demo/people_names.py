"""The demo's people that are not drawn at random, and how names are kept unique.

Roles and branch-naming styles, the decoy people planted to trip naive rules (a human named
Claude, vendor e-mail domains), and the de-duplication of drawn e-mails and logins.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

ROLE_ENGINEER, ROLE_MANAGER, ROLE_CONTRACTOR = "engineer", "manager", "contractor"

BRANCH_TYPE, BRANCH_LOGIN, BRANCH_FIRST_NAME = 0, 1, 2


@dataclass(frozen=True)
class DecoyPerson:
    """A person planted to trip naive rules (bare names, vendor domains)."""

    key: str
    first: str
    last: str
    login: str
    role: str
    team_pattern: str  # placed in the first team of this pattern
    email: str | None = None  # overrides the corporate email (vendor staff)
    old_email: str | None = None  # a previous employer's address still in git config
    branch_style: int = BRANCH_TYPE


DECOY_PEOPLE = (
    DecoyPerson(
        "human-named-claude", "Claude", "Moreau", "claude-moreau", ROLE_ENGINEER, "never",
        branch_style=BRANCH_FIRST_NAME,
    ),
    DecoyPerson(
        "human-named-devin", "Devin", "Okafor", "devin-okafor", ROLE_ENGINEER, "never",
        branch_style=BRANCH_FIRST_NAME,
    ),
    DecoyPerson(
        "vendor-domain-email", "Riley", "Ortiz", "rortiz", ROLE_ENGINEER, "cursor-switch",
        old_email="riley@openai.com",
    ),
    DecoyPerson(
        "vendor-domain-email", "Sam", "Keller", "samkeller-ant", ROLE_CONTRACTOR,
        "ai-heavy", email="sam@anthropic.com",
    ),
)  # fmt: skip


def dedupe_emails(emails: np.ndarray) -> np.ndarray:
    """Unique emails: a repeated address gets 2, 3, ... before the @."""
    e = pl.col("e")
    out = (
        pl.DataFrame({"e": emails.astype(str)})
        .with_columns(pl.int_range(pl.len()).over("e").alias("nth"))
        .select(
            pl.when(pl.col("nth") == 0)
            .then(e)
            .otherwise(
                pl.concat_str(
                    e.str.extract(r"^([^@]*)@"),
                    (pl.col("nth") + 1).cast(pl.String),
                    pl.lit("@"),
                    e.str.extract(r"@(.*)$"),
                )
            )
        )
    )
    return out.to_series().to_numpy().astype(str)


def dedupe(values: np.ndarray) -> np.ndarray:
    """Append 2, 3, ... to repeated values, keeping the first as is."""
    frame = pl.DataFrame({"v": values.astype(str)}).with_columns(
        pl.int_range(pl.len()).over("v").alias("nth")
    )
    out = frame.select(
        pl.when(pl.col("nth") == 0)
        .then(pl.col("v"))
        .otherwise(pl.col("v") + (pl.col("nth") + 1).cast(pl.String))
    )
    return out.to_series().to_numpy().astype(str)
