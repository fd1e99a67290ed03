"""What follows a collection: store → identities → tagging.

Collectors only fetch and store. Each records the repositories whose rows it changed
as waiting to be tagged (`aimetrics.store.pending`), in the same transaction as the
rows; `run_pipeline` then resolves people and identities over everything stored and
tags each waiting repository, taking it off the list once its tags are written. A run
killed during tagging leaves the rest listed, and the next run (of any command that
ends with the pipeline) tags them. A repository that did not change is not re-tagged;
`aimetrics tag` re-tags everything.

The CLI calls it after ``collect github``, ``collect git``, ``import costs`` (which lists
no repository: it re-tags nothing, but finishes what a killed collection left) and
``demo`` (which re-tags everything it loaded).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import sqlalchemy as sa

from aimetrics.store.pending import clear_pending, pending_repos
from aimetrics.tagging import RuleSet, ruleset_from_settings, tag_store
from aimetrics.tagging.identities import resolve_identities

if TYPE_CHECKING:
    from aimetrics.settings import Settings


@dataclass
class PipelineResult:
    people: int = 0
    identities: int = 0
    unresolved: int = 0
    repos_tagged: list[int] = field(default_factory=list)
    tags: dict[str, int] = field(default_factory=dict)
    """Tags written, per entity (summed over the repositories tagged)."""

    def add_tags(self, counts: dict[str, int]) -> None:
        for entity, n in counts.items():
            self.tags[entity] = self.tags.get(entity, 0) + n


def run_pipeline(
    engine: sa.Engine,
    settings: Settings,
    ruleset: RuleSet | None = None,
    *,
    identities: bool = True,
    retag_all: bool = False,
    on_repo_tagged: Callable[[int], None] | None = None,
) -> PipelineResult:
    """Resolve identities (unless ``identities`` is false), then tag every repository
    waiting to be tagged (with ``retag_all``: everything stored, in one pass)."""
    rules = ruleset
    result = PipelineResult()
    waiting = [] if retag_all else pending_repos(engine)
    if rules is None and (identities or retag_all or waiting):
        rules = ruleset_from_settings(settings)  # only when there is work for it
    if identities:
        assert rules is not None
        who = resolve_identities(engine, rules, settings)
        result.people, result.identities = who["people"], who["identities"]
        result.unresolved = who["unresolved"]
    if retag_all:
        assert rules is not None
        result.add_tags(tag_store(engine, rules))
        clear_pending(engine)
        return result
    for repo_id in waiting:
        assert rules is not None
        # One repository at a time, as a collector did: memory stays one repository's, and
        # a kill loses at most the repository being tagged (it stays listed).
        result.add_tags(tag_store(engine, rules, repo_ids=[repo_id]))
        clear_pending(engine, [repo_id])
        result.repos_tagged.append(repo_id)
        if on_repo_tagged is not None:
            on_repo_tagged(repo_id)
    return result
