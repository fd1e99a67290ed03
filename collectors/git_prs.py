"""Pull requests recovered from a local clone's history: merge and squash messages, the
commits each merge brought in, and each PR's author.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

MERGE_PR = r"^Merge pull request #(\d+) from ([^\s]+)"

SQUASH_PR = r"(?m)\A[^\n]*\(#(\d+)\)[ \t]*$"  # on the subject line only

BotEmail = Callable[[pl.Expr], pl.Expr]
"""A predicate over an e-mail column: true for a bot's or an AI agent's address."""


def mainline_links(frame: pl.DataFrame, tip: str) -> pl.DataFrame:
    """(pr_number, sha) for the commits each merge brought in: walk each merge's
    second parent along first parents until the mainline (linear in commits).

    ``frame``: sha, parents, pr_number, parent_count, in ``git log`` order (a merge
    read earlier claims a shared commit). Shas become row positions, so the walk
    follows integers through two lists.
    """
    shas = frame["sha"].to_list()
    pos = dict(zip(shas, range(len(shas)), strict=True))
    split = frame["parents"].str.split_exact(" ", 1)
    first = [pos.get(p, -1) for p in split.struct.field("field_0").to_list()]
    second = [pos.get(p, -1) for p in split.struct.field("field_1").to_list()]
    on_main = bytearray(len(shas))
    cur = pos.get(tip, -1)
    while cur >= 0 and not on_main[cur]:
        on_main[cur] = 1
        cur = first[cur]
    merges = (
        frame.with_row_index("i")
        .filter(pl.col("pr_number").is_not_null() & (pl.col("parent_count") > 1))
        .select("i", "pr_number")
    )
    claimed = bytearray(len(shas))
    numbers: list[int] = []
    rows: list[str] = []
    for merge, number in merges.iter_rows():
        if not on_main[merge]:
            continue
        cur = second[merge]
        while cur >= 0 and not on_main[cur] and not claimed[cur]:
            claimed[cur] = 1
            numbers.append(number)
            rows.append(shas[cur])
            cur = first[cur]
    return links_frame(numbers, rows)


def links_frame(numbers: list[int], shas: list[str]) -> pl.DataFrame:
    return pl.DataFrame(
        {"pr_number": pl.Series(numbers, dtype=pl.Int64), "sha": pl.Series(shas, dtype=pl.String)}
    )


class StreamedWalk:
    """``mainline_links`` worked out piece by piece as ``git log`` output arrives, so each
    piece's pull requests and links are written while git still reads.

    It relies on git listing every commit before its parents. Git's default order (newest
    committer date first) does, except where committer dates go backwards or tie across a
    fork; the first commit listed after one of its parents sets ``broken`` (as does a PR
    number named by two commits, which needs the whole history to pick the right one),
    and the caller then works from the whole history at the end, as ``mainline_links``.
    """

    def __init__(self, tip: str) -> None:
        self.expected: str | None = tip  # the next commit of the mainline
        # sha -> (rank of the mainline merge that claims it, its PR number); rank 1 = newest
        self.pending: dict[str, tuple[int, int]] = {}
        self.listed: set[str] = set()
        self.numbers: set[int] = set()
        self.rank = 0
        self.broken = False

    def feed(self, commits: pl.DataFrame) -> pl.DataFrame:
        """The (pr_number, sha) links settled by this piece (meaningless once ``broken``)."""
        named = commits["pr_number"].drop_nulls().to_list()
        if len(set(named)) < len(named) or not self.numbers.isdisjoint(named):
            self.broken = True
        self.numbers.update(named)
        numbers: list[int] = []
        shas: list[str] = []
        if self.broken:
            return links_frame(numbers, shas)
        listed, pending = self.listed, self.pending
        split = commits["parents"].str.split_exact(" ", 1)
        for sha, first, second, number in zip(
            commits["sha"].to_list(),
            split.struct.field("field_0").to_list(),
            split.struct.field("field_1").to_list(),
            commits["pr_number"].to_list(),
            strict=True,
        ):
            if first in listed or second in listed:  # a parent came first: order not usable
                self.broken = True
                break
            listed.add(sha)
            if sha == self.expected:  # on the mainline: never claimed
                self.expected = first or None
                pending.pop(sha, None)
                if number is not None and second is not None:  # a PR merged into it
                    self.rank += 1
                    pending.setdefault(second, (self.rank, number))  # a newer merge's wins
            elif (owner := pending.pop(sha, None)) is not None:
                numbers.append(owner[1])
                shas.append(sha)
                if first and ((other := pending.get(first)) is None or owner < other):
                    pending[first] = owner
        return links_frame(numbers, shas)


def reachable(frame: pl.DataFrame, tip: str) -> pl.Series:
    """Which commits of ``frame`` are ancestors of ``tip`` (or ``tip`` itself) through commits
    of ``frame``: with ``--all``, the ones read that are on the default branch. A commit
    reachable from ``tip`` and not from the tips read before lies on a path of such commits,
    so this equals ``git rev-list TIP ^KNOWN...`` without a second walk by git."""
    pos = {sha: i for i, sha in enumerate(frame["sha"].to_list())}
    parents = frame["parents"].str.split(" ").to_list()
    seen = bytearray(frame.height)
    stack = [pos[tip]] if tip in pos else []
    while stack:
        i = stack.pop()
        if seen[i]:
            continue
        seen[i] = 1
        stack.extend(pos[p] for p in parents[i] if p in pos)
    return pl.Series("on_default_branch", list(seen), dtype=pl.UInt8).cast(pl.Boolean)


def pr_rows(candidates: pl.DataFrame, *, repo_id: int, base_ref: str) -> pl.DataFrame:
    """One merged PR per number named, from its latest merge or squash commit."""
    return (
        candidates.sort("committed_at")
        .unique(subset="pr_number", keep="last")
        .sort("pr_number")
        .select(
            pl.lit(repo_id).alias("repo_id"),
            pl.col("pr_number").alias("number"),
            pl.col("subject").str.replace(r"\s*\(#\d+\)\s*$", "").alias("title"),
            pl.lit("MERGED").alias("state"),
            pl.col("committed_at").alias("merged_at"),
            pl.col("committed_at").alias("closed_at"),
            pl.col("subject").str.extract(MERGE_PR, 2).str.replace(r"^[^/]+/", "")
            .alias("head_ref"),
            pl.lit(base_ref).alias("base_ref"),
            pl.col("sha").alias("merge_commit_sha"),
            pl.lit("git").alias("source"),
        )
    )  # fmt: skip


def bot_filter(bot_email: BotEmail | None) -> pl.Expr:
    email = pl.col("author_email")
    if bot_email is None:
        return email.str.to_lowercase().str.contains("[bot]@", literal=True).fill_null(False)
    return bot_email(email)


def pr_authors(
    prs: pl.DataFrame, links: pl.DataFrame, authors: pl.DataFrame, bot: pl.Expr
) -> pl.DataFrame:
    """``number, author_email``: who wrote each recovered PR.

    A squash merge (``Title (#N)``) keeps its author: the squashed commit's. A merge commit
    (``Merge pull request #N from ...``) names who merged, not who wrote: its author is the
    most frequent author of the merged branch's commits (the ones it brought in, not the
    merge itself) who is not a bot or an AI agent (``bot``: over ``author_email``); on a
    tie, the one whose first commit is earliest. A branch with only bots' commits has none.

    ``prs``: :func:`pr_rows`; ``links``: (pr_number, sha); ``authors``: :func:`author_part`.
    """
    merges = prs.filter(pl.col("head_ref").is_not_null())
    squashes = prs.filter(pl.col("head_ref").is_null()).join(
        authors, left_on="merge_commit_sha", right_on="sha"
    )
    branch = (
        links.join(
            merges.select("number", "merge_commit_sha"), left_on="pr_number", right_on="number"
        )
        .filter(pl.col("sha") != pl.col("merge_commit_sha"))
        .join(authors, on="sha")
        .filter(pl.col("author_email").is_not_null() & (pl.col("author_email") != "") & ~bot)
        .group_by("pr_number", pl.col("author_email").str.to_lowercase())
        .agg(pl.len().alias("n"), pl.col("authored_at").min().alias("first"))
        .sort("pr_number", "n", "first", "author_email", descending=[False, True, False, False])
        .unique("pr_number", keep="first", maintain_order=True)
    )
    return pl.concat(
        [
            squashes.select("number", pl.col("author_email").str.to_lowercase()),
            branch.select(pl.col("pr_number").alias("number"), "author_email"),
        ]
    ).sort("number")


def merge_links(prs: pl.DataFrame) -> pl.DataFrame:
    """Each PR's own merge or squash commit belongs to it."""
    return prs.select(pl.col("number").alias("pr_number"), pl.col("merge_commit_sha").alias("sha"))


def link_rows(links: pl.DataFrame, repo_id: int) -> pl.DataFrame:
    return (
        links.unique()
        .sort("pr_number", "sha")  # key order: SQLite fills its index sequentially
        .select(pl.lit(repo_id).alias("repo_id"), "pr_number", "sha")
    )


def candidate_part(commits: pl.DataFrame) -> pl.DataFrame:
    """Commits whose subject names a PR: the PRs' merge or squash commits, maybe."""
    return commits.filter(pl.col("pr_number").is_not_null()).select(
        "sha", "pr_number", "committed_at",
        pl.col("message").str.split("\n").list.first().alias("subject"),
    )  # fmt: skip


def author_part(commits: pl.DataFrame) -> pl.DataFrame:
    """Who wrote each commit, and when: what the PRs' authors are chosen from."""
    return commits.select("sha", "author_email", "authored_at")
