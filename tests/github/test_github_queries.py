"""The collector's GraphQL is valid against GitHub's schema, and the fake behaves like GitHub."""

from __future__ import annotations

import json

import pytest
import requests
from graphql import parse

from collectors.github.queries import ALL_QUERIES, NESTED_PAGE, PULL_REQUESTS

from collector_helpers import acme
from fakes.github_graphql import github_schema, query_shape, validation_errors
from fakes.github_server import DEFAULT_TOKEN, FakeGitHub


@pytest.mark.parametrize("name", sorted(ALL_QUERIES))
def test_query_is_valid_against_githubs_schema(name: str):
    assert validation_errors(ALL_QUERIES[name]) == []


def test_the_schema_is_githubs():
    pull = github_schema().get_type("PullRequest")
    assert pull is not None and "reviews" in pull.fields  # type: ignore[union-attr]
    assert validation_errors("{ repository(owner: 1) { pullRequests { nodes { nope } } } }")


def test_bulk_page_costs_what_github_charges():
    variables = {"owner": "o", "name": "n", "first": 100, "after": None, "nested": NESTED_PAGE}
    shape = query_shape(parse(PULL_REQUESTS), variables)
    # 1 (pullRequests) + 100 PRs x 4 connections (timeline, labels, commits, reviews) = 401.
    assert shape.cost == 4
    assert shape.largest["pullRequests"] == 100


def _post(fake: FakeGitHub, query: str, variables: dict | None = None, token=DEFAULT_TOKEN):
    return requests.post(
        fake.root + fake.graphql_path,
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"bearer {token}"},
        timeout=5,
    )


def test_fake_answers_invalid_queries_as_github_does(fake_github: FakeGitHub):
    answer = _post(fake_github, "{ viewer { loginn } }")
    assert answer.status_code == 200
    assert "loginn" in answer.json()["errors"][0]["message"]
    assert len(fake_github.invalid_queries) == 1
    fake_github.invalid_queries.clear()  # expected here; the fixture fails on any other


def test_fake_paginates_with_cursors_and_enforces_limits(fake_github: FakeGitHub):
    acme(fake_github, pulls=8)  # 10 PRs
    query = """query($after: String, $first: Int) { repository(owner: "acme", name: "api") {
      pullRequests(first: $first, after: $after, orderBy: {field: UPDATED_AT, direction: DESC}) {
        totalCount pageInfo { hasNextPage endCursor } nodes { number updatedAt } } } }"""
    seen, after = [], None
    while True:
        page = _post(fake_github, query, {"first": 4, "after": after}).json()
        connection = page["data"]["repository"]["pullRequests"]
        assert connection["totalCount"] == 10
        seen += [n["updatedAt"] for n in connection["nodes"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert len(seen) == 10 and seen == sorted(seen, reverse=True)
    too_many = _post(fake_github, query, {"first": 101}).json()
    assert "exceeds the `first` limit of 100" in too_many["errors"][0]["message"]
    unbounded = _post(fake_github, query, {"first": None}).json()
    assert "You must provide a `first` or `last`" in unbounded["errors"][0]["message"]
    assert _post(fake_github, query, {"first": 1}).headers["X-RateLimit-Resource"] == "graphql"


def test_fake_rest_pagination_and_rewritten_urls(fake_github: FakeGitHub):
    acme(fake_github)
    answer = requests.get(
        f"{fake_github.base_url}/orgs/acme/repos",
        params={"per_page": 1},
        headers={"Authorization": f"token {DEFAULT_TOKEN}"},
        timeout=5,
    )
    assert answer.status_code == 200
    assert "api.github.com" not in answer.text
    assert json.loads(answer.text)[0]["url"] == f"{fake_github.base_url}/repos/acme/api"
    assert int(answer.headers["X-RateLimit-Remaining"]) < 5000


def test_fake_refuses_bad_tokens_and_authorized_downloads(fake_github: FakeGitHub):
    assert _post(fake_github, "{ viewer { login } }", token="nope").status_code == 401
    org = acme(fake_github)
    org.latest = {"organization": ("2026-07-06", "2026-08-02", [{"day_totals": []}])}
    links = requests.get(
        f"{fake_github.base_url}/orgs/acme/copilot/metrics/reports/organization-28-day/latest",
        headers={"Authorization": f"token {DEFAULT_TOKEN}"},
        timeout=5,
    ).json()["download_links"]
    assert requests.get(links[0], timeout=5).status_code == 200
    signed_with_auth = requests.get(
        links[0], headers={"Authorization": f"token {DEFAULT_TOKEN}"}, timeout=5
    )
    assert signed_with_auth.status_code == 403
