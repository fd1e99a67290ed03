"""The GraphQL documents the collector sends (validated against GitHub's schema in the tests).

One bulk query brings a page of a repository's pull requests, newest update
first, each with its labels, commits (with authors, committers, trailers in the
message) and reviews. Pull requests with more commits, reviews or labels than
one nested page holds are completed by the follow-up queries, so nothing is
truncated. ``rateLimit`` rides along on every query to track the point budget.

Cost (GitHub counts one request per connection page, nested pages multiplied):
a bulk page of 100 PRs with 100 commits, reviews and labels each is 401
requests, i.e. 4 points. ``Commit.parents`` is left out of PR commits on
purpose: a connection per commit would multiply that by 25 (their parent_count
stays unknown). History commits carry it (``parents(first: 1) { totalCount }``):
100 more connections per page of 100 commits, one point; it tells merge commits,
whose PRs' commits are on the default branch too, from squashes.

Ids: a review's id is ``fullDatabaseId``, a ``BigInt`` GitHub sends as a JSON string.
The deprecated ``databaseId`` is a 32-bit ``Int``, and review ids passed 2^31 in 2024:
GitHub then answers with an error for that field ("Int cannot represent non 32-bit
signed integer value") on every run. ``Repository.databaseId`` is not deprecated (no
64-bit variant exists; repository ids are still far below 2^31). The tests reject any
deprecated field, argument or enum value in these documents.
"""

from __future__ import annotations

NESTED_PAGE = 100
"""Commits, reviews and labels per pull request in the bulk query (GitHub's maximum)."""

_COMMIT_FIELDS = """
fragment CommitFields on Commit {
  oid
  message
  additions
  deletions
  authoredDate
  committedDate
  author { name email user { login } }
  committer { name email user { login } }
}
"""

_HISTORY_FIELDS = """
fragment HistoryPage on CommitHistoryConnection {
  pageInfo { hasNextPage endCursor }
  nodes { ...CommitFields parents(first: 1) { totalCount } }
}
"""

_REVIEW_FIELDS = """
fragment ReviewFields on PullRequestReview {
  fullDatabaseId
  state
  submittedAt
  author { __typename login }
}
"""

PULL_REQUESTS = (
    """
query PullRequests($owner: String!, $name: String!, $first: Int!, $after: String,
                   $nested: Int!, $history: Boolean!, $historyAfter: String,
                   $since: GitTimestamp) {
  rateLimit { cost remaining resetAt limit }
  repository(owner: $owner, name: $name) {
    databaseId
    nameWithOwner
    url
    isFork
    isArchived
    createdAt
    defaultBranchRef {
      name
      target {
        ... on Commit @include(if: $history) {
          history(first: $first, after: $historyAfter, since: $since) { ...HistoryPage }
        }
      }
    }
    pullRequests(first: $first, after: $after, orderBy: {field: UPDATED_AT, direction: DESC}) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        id
        number
        title
        body
        state
        isDraft
        createdAt
        updatedAt
        mergedAt
        closedAt
        additions
        deletions
        changedFiles
        headRefName
        baseRefName
        mergeCommit { ...CommitFields }
        author { __typename login }
        timelineItems(itemTypes: [READY_FOR_REVIEW_EVENT], last: 1) {
          nodes { ... on ReadyForReviewEvent { createdAt } }
        }
        labels(first: $nested) { totalCount pageInfo { hasNextPage endCursor } nodes { name } }
        commits(first: $nested) {
          totalCount
          pageInfo { hasNextPage endCursor }
          nodes { commit { ...CommitFields } }
        }
        reviews(first: $nested) {
          totalCount
          pageInfo { hasNextPage endCursor }
          nodes { ...ReviewFields }
        }
      }
    }
  }
}
"""
    + _COMMIT_FIELDS
    + _HISTORY_FIELDS
    + _REVIEW_FIELDS
)

DEFAULT_BRANCH_HISTORY = (
    """
query DefaultBranchHistory($owner: String!, $name: String!, $first: Int!, $after: String,
                           $since: GitTimestamp) {
  rateLimit { cost remaining resetAt limit }
  repository(owner: $owner, name: $name) {
    defaultBranchRef {
      name
      target {
        ... on Commit { history(first: $first, after: $after, since: $since) { ...HistoryPage } }
      }
    }
  }
}
"""
    + _COMMIT_FIELDS
    + _HISTORY_FIELDS
)

PULL_REQUEST_COMMITS = (
    """
query PullRequestCommits($owner: String!, $name: String!, $number: Int!, $after: String,
                         $first: Int!) {
  rateLimit { cost remaining resetAt limit }
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      number
      commits(first: $first, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes { commit { ...CommitFields } }
      }
    }
  }
}
"""
    + _COMMIT_FIELDS
)

PULL_REQUEST_REVIEWS = (
    """
query PullRequestReviews($owner: String!, $name: String!, $number: Int!, $after: String,
                         $first: Int!) {
  rateLimit { cost remaining resetAt limit }
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      number
      reviews(first: $first, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes { ...ReviewFields }
      }
    }
  }
}
"""
    + _REVIEW_FIELDS
)

PULL_REQUEST_LABELS = """
query PullRequestLabels($owner: String!, $name: String!, $number: Int!, $after: String,
                        $first: Int!) {
  rateLimit { cost remaining resetAt limit }
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      number
      labels(first: $first, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes { name }
      }
    }
  }
}
"""

FOLLOW_UPS: dict[str, str] = {
    "commits": PULL_REQUEST_COMMITS,
    "reviews": PULL_REQUEST_REVIEWS,
    "labels": PULL_REQUEST_LABELS,
}
"""The follow-up query per nested connection of a pull request."""

ORG_TEAMS = """
query OrgTeams($org: String!, $first: Int!, $after: String, $members: Int!) {
  rateLimit { cost remaining resetAt limit }
  organization(login: $org) {
    teams(first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes {
        slug
        name
        members(first: $members) { pageInfo { hasNextPage endCursor } nodes { login name } }
      }
    }
  }
}
"""
"""An org's teams, each with its first 100 members (``membership: ALL``, GitHub's default:
members of child teams are members of the parent too). 100 teams: 101 connections, 1 point."""

TEAM_MEMBERS = """
query TeamMembers($org: String!, $slug: String!, $first: Int!, $after: String) {
  rateLimit { cost remaining resetAt limit }
  organization(login: $org) {
    team(slug: $slug) {
      slug
      members(first: $first, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes { login name }
      }
    }
  }
}
"""

ALL_QUERIES: dict[str, str] = {
    "PullRequests": PULL_REQUESTS,
    "DefaultBranchHistory": DEFAULT_BRANCH_HISTORY,
    "OrgTeams": ORG_TEAMS,
    "TeamMembers": TEAM_MEMBERS,
} | {f"PullRequest{kind.capitalize()}": text for kind, text in FOLLOW_UPS.items()}
