"""The GraphQL documents the collector sends (validated against GitHub's schema in the tests).

One bulk query brings a page of a repository's pull requests, newest update
first, each with its labels, commits (with authors, committers, trailers in the
message) and reviews. Pull requests with more commits, reviews or labels than
one nested page holds are completed by the follow-up queries, so nothing is
truncated. ``rateLimit`` rides along on every query to track the point budget.

Cost (GitHub counts one request per connection page, nested pages multiplied):
a bulk page of 100 PRs with 100 commits, reviews and labels each is 401
requests, i.e. 4 points. ``Commit.parents`` is left out on purpose: a
connection per commit would multiply that by 25 (parent_count stays unknown).
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

_REVIEW_FIELDS = """
fragment ReviewFields on PullRequestReview {
  databaseId
  state
  submittedAt
  author { __typename login }
}
"""

PULL_REQUESTS = (
    """
query PullRequests($owner: String!, $name: String!, $first: Int!, $after: String,
                   $nested: Int!) {
  rateLimit { cost remaining resetAt limit }
  repository(owner: $owner, name: $name) {
    databaseId
    nameWithOwner
    url
    isFork
    isArchived
    createdAt
    defaultBranchRef { name }
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
        mergeCommit { oid }
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
    + _REVIEW_FIELDS
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

ALL_QUERIES: dict[str, str] = {"PullRequests": PULL_REQUESTS} | {
    f"PullRequest{kind.capitalize()}": text for kind, text in FOLLOW_UPS.items()
}
