"""A commit's GitHub login, read from GitHub's no-reply e-mail when none is stored.

GitHub writes ``ID+LOGIN@users.noreply.github.com`` (older accounts:
``LOGIN@users.noreply.github.com``) as the git e-mail of web edits, squash
merges, people who hide their address, and every app: the Claude app, Jules,
Devin, Factory's droid and the Copilot coding agent commit as
``209825114+claude[bot]@...``, ``...+google-labs-jules[bot]@...``. ``collect
git`` has no API to ask for the login, and GitHub's GraphQL has none for a bot
(a ``GitActor.user`` is a ``User``), so without this step every rule on
``commit.author_login`` is blind to those commits.

The derived login lives only in the frame the tagger reads: the store keeps the
login a collector recorded (null when it had none), so identity resolution,
which derives the same login from the same e-mail itself, sees the data as it
came. A stored login always wins: it is GitHub's own answer (an account renamed
after the commit keeps its current login there).

Limit: the login is the name GitHub wrote into the address when the commit was
made. Two accounts have written ``Copilot`` (175728472 for accepted review
suggestions, 223556219 for the CLI, 198982749 for the coding agent); the
catalogue tells them apart by the full address, and only the agent's appears
as a commit author.
"""

from __future__ import annotations

import polars as pl

NOREPLY_LOGIN = r"(?i)^(?:\d+\+)?([^@+\s]+)@users\.noreply\.github\.com$"
"""GitHub's no-reply address; group 1 is the login (``[bot]`` included for apps)."""

SIDES = ("author", "committer")


def noreply_login(email: pl.Expr) -> pl.Expr:
    """The login in a no-reply address, else null."""
    return email.str.strip_chars().str.extract(NOREPLY_LOGIN, 1)


def with_noreply_logins(commits: pl.DataFrame) -> pl.DataFrame:
    """``commits`` with ``author_login``/``committer_login`` filled from no-reply e-mails
    where they are null (columns are added when the frame has the e-mail only)."""
    filled = []
    for side in SIDES:
        email, login = f"{side}_email", f"{side}_login"
        if email not in commits.columns:
            continue
        stored = pl.col(login) if login in commits.columns else pl.lit(None, dtype=pl.String)
        # An empty login is no login (some exports write "" for "unknown").
        kept = pl.when(stored.str.len_chars() > 0).then(stored)
        filled.append(pl.coalesce(kept, noreply_login(pl.col(email))).alias(login))
    return commits.with_columns(filled) if filled else commits
