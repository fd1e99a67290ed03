"""No deprecated GraphQL, and 64-bit ids: what real GitHub answers for review ids past 2^31.

GitHub deprecated ``PullRequestReview.databaseId`` (a 32-bit ``Int``) for
``fullDatabaseId`` (a ``BigInt`` string) once review ids outgrew it; a query that
still asks for it gets HTTP 200, the field null and an error naming its path, on
every run. These tests (1) refuse any deprecated field, argument, input field or
enum value in every GraphQL document the collector holds, and (2) prove the fake
answers the old query the way GitHub does, so it would have caught the bug.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest
import requests
from graphql import GraphQLError, OperationDefinitionNode, build_schema, parse

import collectors
from aimetrics.store import read_table
from aimetrics.store import schema as s
from collectors.github import pulls as pulls_module
from collectors.github.queries import ALL_QUERIES, PULL_REQUESTS

from collector_helpers import Collector, acme
from fakes.github_data import REVIEW_IDS_2025
from fakes.github_graphql import deprecated_usages
from fakes.github_server import DEFAULT_TOKEN, FakeGitHub

# The bulk query as it was before fullDatabaseId: the bug, kept to prove the fake sees it.
OLD_PULL_REQUESTS = PULL_REQUESTS.replace("fullDatabaseId", "databaseId")


def _documents_in_collectors() -> dict[str, str]:
    """Every module-level string in ``collectors`` that is a GraphQL operation."""
    found: dict[str, str] = {}
    for info in pkgutil.walk_packages(collectors.__path__, "collectors."):
        module = importlib.import_module(info.name)
        for attr, value in vars(module).items():
            if not isinstance(value, str) or "{" not in value:
                continue
            try:
                document = parse(value)
            except GraphQLError:
                continue  # prose, not GraphQL
            if any(isinstance(d, OperationDefinitionNode) for d in document.definitions):
                found.setdefault(value, f"{info.name}.{attr}")
    return {name: text for text, name in found.items()}


DOCUMENTS = _documents_in_collectors()


def test_every_query_the_collector_sends_is_found():
    assert set(ALL_QUERIES.values()) <= set(DOCUMENTS.values())


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_no_deprecated_field_argument_or_enum_value(name: str):
    assert deprecated_usages(DOCUMENTS[name]) == []


def test_the_check_catches_deprecated_fields_and_enum_values_in_githubs_schema():
    assert deprecated_usages(OLD_PULL_REQUESTS) == [
        "The field PullRequestReview.databaseId is deprecated. `databaseId` will be removed "
        "because it does not support 64-bit signed integer identifiers. Use `fullDatabaseId` "
        "instead. Removal on 2024-07-01 UTC."
    ]
    # PackageType.NPM is a deprecated enum value in GitHub's schema.
    query = """query { viewer { packages(first: 1, packageType: NPM) { totalCount } } }"""
    assert [m.split(" is deprecated")[0] for m in deprecated_usages(query)] == [
        "The enum value 'PackageType.NPM'"
    ]


def test_the_check_catches_deprecated_arguments_and_input_fields():
    """The vendored introspection of GitHub's schema lists no deprecated argument or input
    field today; the rule (graphql-core's NoDeprecatedCustomRule) covers them, shown on a
    schema that has one."""
    schema = build_schema(
        """
        input Order { field: String, direction: String @deprecated(reason: "Use field.") }
        type Query { items(first: Int, limit: Int @deprecated(reason: "Use first."),
                           order: Order): [String] }
        """
    )
    query = '{ items(limit: 1, order: {direction: "ASC"}) }'
    assert deprecated_usages(query, schema) == [
        "The argument 'Query.items(limit:)' is deprecated. Use first.",
        "The input field Order.direction is deprecated. Use field.",
    ]


def _post(fake: FakeGitHub, query: str, variables: dict) -> requests.Response:
    return requests.post(
        fake.root + fake.graphql_path,
        json={"query": query, "variables": variables},
        headers={"Authorization": f"bearer {DEFAULT_TOKEN}"},
        timeout=5,
    )


def test_fake_answers_the_old_query_as_github_does(fake_github: FakeGitHub):
    """200, the review's ``databaseId`` null, an error with path and location: GitHub's
    answer to ``databaseId`` for an id past 2^31. The new query gets the ids as strings."""
    acme(fake_github, pulls=3, seed=2)
    variables = {"owner": "acme", "name": "api", "first": 100, "nested": 100, "history": False}

    old = _post(fake_github, OLD_PULL_REQUESTS, variables)
    new = _post(fake_github, PULL_REQUESTS, variables)

    assert old.status_code == 200
    body = old.json()
    nodes = body["data"]["repository"]["pullRequests"]["nodes"]
    big = [
        (i, k, r)
        for i, n in enumerate(nodes)
        for k, r in enumerate(n["reviews"]["nodes"])
        if n["number"] >= 100
    ]
    assert big and all(r["databaseId"] is None for _, _, r in big)  # nulled, the rest kept
    assert len(body["errors"]) == len(big)  # one per review past 2^31, in answer order
    first_index, first_k, _ = big[0]
    first_error = body["errors"][0]
    assert set(first_error) == {"message", "path", "locations"}
    review_id = REVIEW_IDS_2025 + nodes[first_index]["number"] * 10 + first_k
    assert first_error["message"] == (
        f"Int cannot represent non 32-bit signed integer value: {review_id}"
    )
    assert first_error["path"] == [
        "repository", "pullRequests", "nodes", first_index, "reviews", "nodes", first_k,
        "databaseId",
    ]  # fmt: skip
    recorded = [r["databaseId"] for n in nodes if n["number"] < 100 for r in n["reviews"]["nodes"]]
    assert recorded and all(isinstance(i, int) for i in recorded)  # 2019's ids still fit

    assert new.status_code == 200 and "errors" not in new.json()
    new_nodes = new.json()["data"]["repository"]["pullRequests"]["nodes"]
    ids = [r["fullDatabaseId"] for n in new_nodes for r in n["reviews"]["nodes"]]
    assert str(review_id) in ids and all(isinstance(i, str) for i in ids)
    fake_github.deprecated_queries.clear()  # the old query was sent on purpose


def test_old_query_leaves_the_repository_incomplete_and_the_new_one_completes(
    collector: Collector, fake_github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
):
    """The bug, end to end against the fake: with the old query the repository is
    incomplete on every run; with today's it completes with the 64-bit ids stored."""
    acme(fake_github, pulls=3, seed=2)
    with monkeypatch.context() as patch:
        patch.setattr(pulls_module, "PULL_REQUESTS", OLD_PULL_REQUESTS)
        for _ in range(2):
            old = collector.run(repos=["acme/api"])
            assert [r.status for r in old.repos] == ["incomplete"]
            assert "Int cannot represent non 32-bit signed integer value" in old.repos[0].detail
    assert read_table(collector.engine, s.reviews).is_empty()
    fake_github.deprecated_queries.clear()

    new = collector.run(repos=["acme/api"])

    assert [r.status for r in new.repos] == ["complete"]
    ids = read_table(collector.engine, s.reviews)["review_id"].to_list()
    assert max(ids) > 2**31 and min(ids) < 2**31  # today's ids and 2019's, both kept
    assert not fake_github.deprecated_queries
