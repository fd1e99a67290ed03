"""A local fake GitHub: real HTTP on 127.0.0.1 for PyGithub to talk to through ``base_url``.

It serves the REST endpoints the collector uses (an org's repositories with
``Link`` pagination, ``/rate_limit``, Copilot seats, Copilot usage-report
links and the signed downloads they point to, served without auth) and
``/graphql``, which validates every query against GitHub's public schema and
answers from fixture data (see ``github_graphql``). Responses carry GitHub's
rate-limit headers; ``https://api.github.com`` in bodies and ``Link`` headers
is rewritten to the server's own base. Every request is recorded, and faults
can be injected: 5xx, 502 on large pages, 403/429 with ``Retry-After``,
connection reset, truncated body, malformed JSON, slow responses, and GraphQL
answers with partial data and an ``errors`` array (see `Fault`).

With ``ghes=True`` the API lives under ``/api/v3`` and GraphQL at ``/api/graphql``,
as on GitHub Enterprise Server.

GitHub Apps: ``GET /orgs|users/{owner}/installation`` and
``/repos/{owner}/{repo}/installation`` (authenticated with the app's JWT) find an
org's installation (``FakeOrg.installation_id``); a token issued for it sees only
that org, as an installation token does (other owners' data is "not found").
"""

from __future__ import annotations

import json
import re
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from graphql import GraphQLError, parse

from fakes.github_data import FIXTURES, FakeOrg, FakeRepo
from fakes.github_graphql import (
    QueryShape,
    deprecated_usages,
    not_found,
    paginate,
    query_shape,
    run_query,
    validation_errors,
)
from fakes.local_server import LocalServer, QuietServer

DEFAULT_TOKEN = "ghp_FAKEtoken0123456789abcdefghijklmnopqr"
PUBLIC_API = "https://api.github.com"
RATE_LIMIT = 5000
_OPERATION_RE = re.compile(r"\b(query|mutation)\s+(\w+)")
_BAD_GATEWAY = {
    "data": None,
    "errors": [
        {
            "message": "Something went wrong while executing your query. This may be the result "
            "of a timeout, or it could be a GitHub bug. Please include `8FB4:1234` when "
            "reporting this issue."
        }
    ],
}


@dataclass
class Fault:
    """A fault served instead of (or on top of) the normal answer ``times`` times.

    kind: ``status`` (``status``, e.g. 500/502/503); ``rate_limit`` (403 or 429 with
    ``Retry-After``); ``abuse`` (403, GitHub's secondary-limit "abuse detection" message
    and no ``Retry-After``: clients wait a fixed time); ``exhausted`` (403: the primary
    limit used up, resets in an hour);
    ``reset`` (TCP reset, no response); ``truncated`` (body cut short of its
    Content-Length); ``malformed`` (complete but invalid JSON); ``slow`` (``seconds`` of
    delay, then the normal answer); ``partial`` (GraphQL only: HTTP 200 whose ``data``
    has a node nulled and whose ``errors`` array says why, as GitHub answers when a
    nested connection times out or hits a resource limit: the first ``nodes`` list
    found breadth-first loses its middle element, with the error's ``path`` pointing
    into it; ``error_type`` is the error's ``type``, None for GitHub's untyped timeout
    message, e.g. ``RESOURCE_LIMITS_EXCEEDED``, ``FORBIDDEN`` for a nested object the
    token may not see, ``NOT_FOUND``; ``message`` replaces the error's message, e.g.
    GitHub's "Int cannot represent non 32-bit signed integer value: ..." for a field
    that fails on every run); ``invalid`` (GraphQL only: HTTP 200, no ``data``, one error
    shaped as GitHub's for a field it removed: ``message``, the ``path`` given (GitHub's
    starts with the operation, ``"query PullRequests"``), ``extensions`` naming the type
    and field, ``locations``; not recorded: built from GitHub's GraphQL documentation).
    target: ``graphql``, ``rest``, ``blob``, or a regex searched in the request path.
    skip: let this many matching requests through untouched first.
    """

    kind: str
    target: str = "graphql"
    times: int = 1
    status: int = 502
    retry_after: int = 1
    seconds: float = 0.0
    op: str | None = None
    skip: int = 0
    error_type: str | None = None
    message: str | None = None
    path: list[Any] | None = None

    def matches(self, req: RequestRecord) -> bool:
        if self.times <= 0 or (self.op and req.operation != self.op):
            return False
        if self.target in ("graphql", "rest", "blob"):
            return req.kind == self.target
        return re.search(self.target, req.path) is not None


@dataclass
class RequestRecord:
    method: str
    path: str
    query: dict[str, list[str]]
    kind: str  # rest | graphql | blob | app
    authorization: str | None
    operation: str | None = None
    variables: dict[str, Any] = field(default_factory=dict)
    status: int | None = None
    fault: str | None = None
    seconds: float = 0.0
    """Time the fake spent answering (excluding injected delays)."""


@dataclass
class _Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class FakeGitHub(LocalServer):
    """The server and its state. Use as a context manager, or ``start()``/``stop()``."""

    def __init__(self, *, ghes: bool = False, tokens: Iterable[str] = (DEFAULT_TOKEN,)) -> None:
        self.ghes = ghes
        self.tokens = set(tokens)
        self.orgs: dict[str, FakeOrg] = {}
        self.enterprises: dict[str, FakeOrg] = {}
        self.user_repos: dict[str, FakeRepo] = {}
        self.requests: list[RequestRecord] = []
        self.faults: list[Fault] = []
        self.invalid_queries: list[tuple[str, list[str]]] = []
        self.deprecated_queries: list[tuple[str, list[str]]] = []
        """Queries using a deprecated field, argument or enum value (served, as GitHub
        does until it removes them; the test fixture fails on any)."""
        self.max_pull_page: int | None = None
        """GraphQL queries asking for more PRs per page than this get a 502 (too large)."""
        self.slow_pull_page: tuple[int, float] | None = None
        """(size, seconds): queries asking for more PRs than ``size`` take ``seconds``."""
        self.hold_after: int | None = None
        """Requests after this many wait until ``release()`` (to kill a client mid-run)."""
        self.held = threading.Event()
        self._release = threading.Event()
        self._blobs: dict[str, bytes] = {}
        self.token_owners: dict[str, str] = {}
        """Installation token -> the only owner (lower-cased) it can see."""
        self._lock = threading.Lock()
        self._used = {"core": 0, "graphql": 0}

    # --- addresses ---------------------------------------------------------------------------

    server_class = QuietServer

    def _handler_base(self) -> type[BaseHTTPRequestHandler]:
        return _Handler

    @property
    def prefix(self) -> str:
        return "/api/v3" if self.ghes else ""

    @property
    def base_url(self) -> str:
        """What the collector passes as ``base_url``."""
        return self.root + self.prefix

    @property
    def graphql_path(self) -> str:
        return "/api/graphql" if self.ghes else "/graphql"

    # --- data -------------------------------------------------------------------------------------

    def add_org(self, org: FakeOrg) -> FakeOrg:
        self.orgs[org.login.lower()] = org
        return org

    def repo(self, full_name: str) -> FakeRepo | None:
        owner, _, name = full_name.partition("/")
        org = self.orgs.get(owner.lower())
        if org is not None:
            return org.repo(name)
        return self.user_repos.get(full_name.lower())

    # --- faults, counting, holding ----------------------------------------------------------------

    def inject(self, kind: str, target: str = "graphql", **params: Any) -> Fault:
        fault = Fault(kind, target, **params)
        with self._lock:
            self.faults.append(fault)
        return fault

    def count(self, kind: str | None = None, *, op: str | None = None) -> int:
        with self._lock:
            return sum(
                1
                for r in self.requests
                if (kind is None or r.kind == kind) and (op is None or r.operation == op)
            )

    def points(self, resource: str = "graphql") -> int:
        """Rate-limit points (GraphQL) or requests (``core``) charged so far."""
        with self._lock:
            return self._used[resource]

    def reset_log(self) -> None:
        with self._lock:
            self.requests.clear()

    def release(self) -> None:
        self._release.set()

    # --- request handling -------------------------------------------------------------------------

    def _take_fault(self, req: RequestRecord) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.matches(req):
                    if fault.skip > 0:
                        fault.skip -= 1
                        continue
                    fault.times -= 1
                    return fault
        return None

    def _record(self, req: RequestRecord) -> int:
        with self._lock:
            self.requests.append(req)
            return len(self.requests)

    def _authorized(self, req: RequestRecord) -> bool:
        header = req.authorization or ""
        scheme, _, value = header.partition(" ")
        return scheme.lower() in ("token", "bearer") and value in self.tokens

    def visible(self, req: RequestRecord, owner: str) -> bool:
        """Whether the request's token may see ``owner``'s data (installation tokens: one)."""
        _, _, value = (req.authorization or "").partition(" ")
        scope = self.token_owners.get(value)
        return scope is None or scope == owner.lower()

    def _json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> _Response:
        text = json.dumps(data).replace(PUBLIC_API, self.base_url)
        out = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
        return _Response(status, text.encode(), out)

    def _rate_headers(self, resource: str, cost: int = 1) -> dict[str, str]:
        with self._lock:
            self._used[resource] += cost
            used = self._used[resource]
        return {
            "X-RateLimit-Limit": str(RATE_LIMIT),
            "X-RateLimit-Remaining": str(max(0, RATE_LIMIT - used)),
            "X-RateLimit-Reset": str(int(time.time()) + 3600),
            "X-RateLimit-Used": str(used),
            "X-RateLimit-Resource": resource,
        }

    def handle(self, req: RequestRecord, body: bytes) -> _Response:
        if req.kind == "blob":
            return self._blob(req)
        if req.kind == "app":
            return self._app(req)
        if not self._authorized(req):
            return self._json(
                401,
                {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"},
            )
        if req.kind == "graphql":
            return self._graphql(req, body)
        response = self._rest(req)
        response.headers.update(self._rate_headers("core"))
        return response

    # --- REST -------------------------------------------------------------------------------------

    def _rest(self, req: RequestRecord) -> _Response:
        path = req.path.removeprefix(self.prefix)
        if self.ghes and not req.path.startswith(self.prefix):
            return self._json(404, {"message": "Not Found"})
        for pattern, method, handler in self._routes():
            m = re.fullmatch(pattern, path)
            if m and method == req.method:
                return handler(req, *m.groups())
        return self._json(
            404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}
        )

    def _routes(self) -> list[tuple[str, str, Callable[..., _Response]]]:
        return [
            (r"/rate_limit", "GET", self._rate_limit),
            (r"/orgs/([^/]+)", "GET", self._org),
            (r"/orgs/([^/]+)/repos", "GET", self._org_repos),
            (r"/repos/([^/]+)/([^/]+)", "GET", self._repo),
            (r"/orgs/([^/]+)/copilot/billing/seats", "GET", self._seats),
            (r"/(orgs|enterprises)/([^/]+)/copilot/metrics/reports/([a-z0-9-]+?)(/latest)?", "GET",
             self._report_links),
            (r"/(organizations|enterprises)/([^/]+)/settings/billing/usage", "GET",
             self._billing_usage),
        ]  # fmt: skip

    def _rate_limit(self, req: RequestRecord) -> _Response:
        data = json.loads((FIXTURES / "rest" / "rate-limit-overview.json").read_text())
        with self._lock:
            for resource in ("core", "graphql"):
                used = self._used[resource]
                data["resources"][resource].update(
                    used=used, remaining=RATE_LIMIT - used, reset=int(time.time()) + 3600
                )
        data["rate"] = data["resources"]["core"]
        return self._json(200, data)

    def _org(self, req: RequestRecord, login: str) -> _Response:
        org = self.orgs.get(login.lower())
        if org is None or not self.visible(req, login):
            return self._json(404, {"message": "Not Found"})
        return self._json(
            200,
            {
                "login": org.login,
                "id": org.database_id,
                "url": f"{PUBLIC_API}/orgs/{org.login}",
                "repos_url": f"{PUBLIC_API}/orgs/{org.login}/repos",
                "type": "Organization",
            },
        )

    def _paged(self, req: RequestRecord, items: list[Any], wrap: Callable[[list[Any]], Any]):
        per_page = min(100, int(req.query.get("per_page", ["30"])[0]))
        page = max(1, int(req.query.get("page", ["1"])[0]))
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        links = []
        base = f"{self.base_url}{req.path.removeprefix(self.prefix)}"
        params = {k: v[0] for k, v in req.query.items() if k not in ("page",)}

        def url(n: int) -> str:
            return f"{base}?{urlencode({**params, 'page': n})}"

        if page < last:
            links += [f'<{url(page + 1)}>; rel="next"', f'<{url(last)}>; rel="last"']
        if page > 1:
            links += [f'<{url(page - 1)}>; rel="prev"', f'<{url(1)}>; rel="first"']
        headers = {"Link": ", ".join(links)} if links else {}
        return self._json(200, wrap(chunk), headers)

    def _org_repos(self, req: RequestRecord, login: str) -> _Response:
        org = self.orgs.get(login.lower())
        if org is None or not self.visible(req, login):
            return self._json(404, {"message": "Not Found"})
        return self._paged(req, [r.rest() for r in org.repos], lambda chunk: chunk)

    def _repo(self, req: RequestRecord, owner: str, name: str) -> _Response:
        repo = self.repo(f"{owner}/{name}")
        if repo is None or not self.visible(req, owner):
            return self._json(404, {"message": "Not Found"})
        return self._json(200, repo.rest())

    def _seats(self, req: RequestRecord, login: str) -> _Response:
        org = self.orgs.get(login.lower())
        if org is None or not self.visible(req, login):
            return self._json(404, {"message": "Not Found"})
        if org.copilot_status:
            return self._copilot_refusal(org.copilot_status)
        total = len(org.seats)
        return self._paged(req, org.seats, lambda chunk: {"total_seats": total, "seats": chunk})

    def _copilot_refusal(self, status: int) -> _Response:
        message = {
            403: "Resource not accessible by personal access token",
            404: "Not Found",
            422: "Copilot Usage Metrics API access is disabled for this organization.",
        }.get(status, "Error")
        return self._json(
            status, {"message": message, "documentation_url": "https://docs.github.com/rest"}
        )

    def _report_links(
        self, req: RequestRecord, scope: str, owner: str, report: str, latest: str | None
    ) -> _Response:
        holder = (self.orgs if scope == "orgs" else self.enterprises).get(owner.lower())
        if holder is None:
            return self._json(404, {"message": "Not Found"})
        if holder.copilot_status:
            return self._copilot_refusal(holder.copilot_status)
        if latest:
            found = holder.latest.get(report.removesuffix("-28-day"))
            if found is None or isinstance(found, int):
                return self._json(found or 404, {"message": "Not Found"})
            start, end, records = found
            links = self._publish(f"{owner}-{report}-latest", records)
            return self._json(
                200, {"download_links": links, "report_start_day": start, "report_end_day": end}
            )
        day = req.query.get("day", [""])[0]
        if not day:
            return self._json(422, {"message": "Invalid request: day is required"})
        found = holder.reports.get((report.removesuffix("-1-day"), day))
        if found is None or isinstance(found, int):
            status = found or 404
            return _Response(204) if status == 204 else self._json(status, {"message": "Not Found"})
        links = self._publish(f"{owner}-{report}-{day}", found)
        return self._json(200, {"download_links": links, "report_day": day})

    def _billing_usage(self, req: RequestRecord, scope: str, owner: str) -> _Response:
        """The enhanced billing platform's usage: the items of the month (and day) asked."""
        holder = (self.orgs if scope == "organizations" else self.enterprises).get(owner.lower())
        if holder is None or not self.visible(req, owner):
            return self._json(404, {"message": "Not Found"})
        if holder.billing_status:
            message = {403: "Resource not accessible by personal access token"}.get(
                holder.billing_status, "Not Found"
            )
            return self._json(
                holder.billing_status,
                {"message": message, "documentation_url": "https://docs.github.com/rest"},
            )
        wanted = [req.query.get(k, [None])[0] for k in ("year", "month", "day")]

        def asked(item: dict) -> bool:
            parts = item["date"].split("-")
            return all(w is None or int(w) == int(p) for w, p in zip(wanted, parts, strict=True))

        items = [i for i in holder.billing_items if asked(i)]
        return self._json(200, {"usageItems": items})

    def _publish(self, name: str, records: list[dict]) -> list[str]:
        """Split records over two NDJSON files (as large reports are) behind signed URLs."""
        parts = [records[: (len(records) + 1) // 2], records[(len(records) + 1) // 2 :]]
        links = []
        for i, part in enumerate(p for p in parts if p):
            blob_id = f"{name}-part-{i:03d}"
            with self._lock:
                self._blobs[blob_id] = "".join(json.dumps(r) + "\n" for r in part).encode()
            links.append(f"{self.root}/_blob/{blob_id}.ndjson?sv=2025-01-05&se=2099&sig=FAKESIG")
        return links

    def _blob(self, req: RequestRecord) -> _Response:
        # Signed storage URLs refuse an Authorization header, as Azure blob storage does.
        if req.authorization:
            return _Response(
                403,
                b'<?xml version="1.0"?><Error><Code>AuthenticationFailed</Code></Error>',
                {"Content-Type": "application/xml"},
            )
        blob_id = req.path.removeprefix("/_blob/").removesuffix(".ndjson")
        if "sig" not in req.query or blob_id not in self._blobs:
            return _Response(404, b"<Error><Code>BlobNotFound</Code></Error>")
        return _Response(200, self._blobs[blob_id], {"Content-Type": "application/x-ndjson"})

    def _installations(self) -> dict[int, str]:
        return {o.installation_id: o.login for o in self.orgs.values() if o.installation_id}

    def _app(self, req: RequestRecord) -> _Response:
        """Endpoints a GitHub App calls with its JWT: installation lookups and tokens."""
        scheme, _, jwt = (req.authorization or "").partition(" ")
        if scheme.lower() != "bearer" or jwt.count(".") != 2:
            return self._json(401, {"message": "A JSON web token could not be decoded"})
        path = req.path.removeprefix(self.prefix)
        issued = re.fullmatch(r"/app/installations/(\d+)/access_tokens", path)
        if issued and req.method == "POST":
            token = f"ghs_FAKEinstallation{len(self.requests):024d}"
            self.tokens.add(token)
            owner = self._installations().get(int(issued.group(1)))
            if owner is not None:
                self.token_owners[token] = owner.lower()
            return self._json(201, {"token": token, "expires_at": "2099-01-01T00:00:00Z"})
        found = re.fullmatch(r"/(?:orgs|users|repos)/([^/]+)(?:/[^/]+)?/installation", path)
        org = self.orgs.get(found.group(1).lower()) if found else None
        if org is None or not org.installation_id:
            return self._json(
                404,
                {
                    "message": "Not Found",
                    "documentation_url": "https://docs.github.com/rest/apps/apps",
                },
            )
        return self._json(
            200,
            {
                "id": org.installation_id,
                "account": {"login": org.login, "type": "Organization"},
                "app_id": 1234,
                "target_type": "Organization",
                "access_tokens_url": (
                    f"{PUBLIC_API}/app/installations/{org.installation_id}/access_tokens"
                ),
                "repositories_url": f"{PUBLIC_API}/installation/repositories",
            },
        )

    # --- GraphQL ----------------------------------------------------------------------------------

    def _graphql(self, req: RequestRecord, body: bytes) -> _Response:
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            return self._json(400, {"message": "Problems parsing JSON"})
        query, variables = payload.get("query", ""), payload.get("variables") or {}
        req.variables = variables
        errors = validation_errors(query)
        if errors:
            self.invalid_queries.append((query, errors))
            return self._json(200, {"errors": [{"message": m} for m in errors]})
        deprecated = deprecated_usages(query)
        if deprecated:
            self.deprecated_queries.append((query, deprecated))
        shape = query_shape(parse(query), variables)
        pulls = shape.largest.get("pullRequests", 0)
        if self.max_pull_page is not None and pulls > self.max_pull_page:
            return self._json(502, _BAD_GATEWAY)
        if self.slow_pull_page and pulls > self.slow_pull_page[0]:
            time.sleep(self.slow_pull_page[1])
        headers = self._rate_headers("graphql", shape.cost)
        remaining, reset = headers["X-RateLimit-Remaining"], headers["X-RateLimit-Reset"]

        def rate_limit(_shape: QueryShape) -> dict:
            reset_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(reset)))
            return {
                "rateLimit": {
                    "cost": shape.cost,
                    "limit": RATE_LIMIT,
                    "nodeCount": shape.nodes,
                    "remaining": int(remaining),
                    "resetAt": reset_at,
                    "used": RATE_LIMIT - int(remaining),
                }
            }

        result = run_query(query, variables, self._graphql_root(req), on_shape=rate_limit)
        return self._json(200, result, headers)

    def _graphql_root(self, req: RequestRecord) -> dict[str, Any]:
        def repository(_info: Any, owner: str, name: str, **_: Any) -> dict:
            repo = self.repo(f"{owner}/{name}") if self.visible(req, owner) else None
            if repo is not None and repo.forbidden:
                raise GraphQLError(
                    "Resource not accessible by personal access token",
                    extensions={"type": "FORBIDDEN"},
                )
            if repo is None:
                raise not_found(
                    f"Could not resolve to a Repository with the name '{owner}/{name}'."
                )
            return repo.graphql()

        def organization(_info: Any, login: str, **_: Any) -> dict:
            org = self.orgs.get(login.lower()) if self.visible(req, login) else None
            if org is None:
                raise not_found(
                    f"Could not resolve to an Organization with the login of '{login}'."
                )

            def teams(_info: Any, **args: Any) -> dict:
                if org.teams_error:
                    raise GraphQLError(
                        "Your token has not been granted the required scopes to execute this "
                        "query. The 'teams' field requires one of the following scopes: "
                        "['read:org'], but your token has only been granted the: ['repo'] "
                        "scopes. Please modify your token's scopes at: "
                        "https://github.com/settings/tokens.",
                        extensions={"type": org.teams_error},
                    )
                return paginate(org.teams, "TeamConnection", "teams", args)

            return {
                "__typename": "Organization",
                "login": org.login,
                "databaseId": org.database_id,
                "repositories": [r.graphql() for r in org.repos],
                "teams": teams,
                "team": lambda _info, slug, **_: next(
                    (team for team in org.teams if team["slug"] == slug), None
                ),
            }

        return {"repository": repository, "organization": organization}

    def _hold(self, index: int) -> None:
        if self.hold_after is not None and index > self.hold_after:
            self.held.set()
            self._release.wait(timeout=60)


_PARTIAL_MESSAGES = {
    None: "Something went wrong while executing your query. This may be the result of a "
    "timeout, or it could be a GitHub bug. Please include `8FB4:5678` when reporting this "
    "issue.",
    "RESOURCE_LIMITS_EXCEEDED": "Resource limits for this query exceeded.",
    "FORBIDDEN": "Although you appear to have the correct authorization credentials, the "
    "organization has an IP allow list enabled, and your IP address is not permitted to "
    "access this resource.",
    "NOT_FOUND": "Could not resolve to a node with the global id of 'PR_kwDOFAKE'.",
}


def _connection_key(item: Any) -> str | None:
    """The first nested connection of a node (else nested object): where a timeout hits."""
    if not isinstance(item, dict):
        return None
    objects = [k for k, v in item.items() if isinstance(v, dict)]
    connections = [k for k in objects if "nodes" in item[k] or "totalCount" in item[k]]
    return (connections or objects or [None])[0]


def partial_answer(body: bytes, error_type: str | None, message: str | None = None) -> bytes:
    """A GraphQL answer with one node nulled and an ``errors`` entry pointing at it.

    The first ``nodes`` list met breadth-first loses its middle element (GraphQL nulls
    the nearest nullable parent of a failed non-null field: the list item); without
    one, the first nested object of the top-level field is nulled.
    """
    answer = json.loads(body)
    data = answer.get("data") or {}
    path: list[Any] | None = None
    queue: list[tuple[list[Any], Any]] = [([key], value) for key, value in data.items()]
    while queue and path is None:
        where, value = queue.pop(0)
        if not isinstance(value, dict):
            continue
        for key, child in value.items():
            if key == "nodes" and isinstance(child, list) and child:
                index = len(child) // 2
                item = child[index]
                nested = _connection_key(item)
                child[index] = None
                path = [*where, key, index, *([nested] if nested else [])]
                break
            queue.append(([*where, key], child))
    if path is None:
        for key, value in data.items():
            if isinstance(value, dict):
                nested = next((k for k, v in value.items() if isinstance(v, dict)), None)
                if nested is not None:
                    value[nested] = None
                    path = [key, nested]
                    break
    error: dict[str, Any] = {
        "path": path or [],
        "locations": [{"line": 1, "column": 1}],
        "message": message or _PARTIAL_MESSAGES.get(error_type, f"{error_type} error"),
    }
    if error_type is not None:
        error["type"] = error_type
    answer["errors"] = [error]
    return json.dumps(answer).encode()


def removed_field_answer(message: str | None, path: list[Any] | None) -> dict[str, Any]:
    """GitHub's answer to a query naming a field it no longer has (no ``data``)."""
    path = path or ["query PullRequests", "repository", "pullRequests", "nodes", "reviews",
                    "nodes", "databaseId"]  # fmt: skip
    type_name = "PullRequestReview" if "reviews" in path else "PullRequest"
    return {
        "errors": [
            {
                "path": path,
                "extensions": {
                    "code": "undefinedField",
                    "typeName": type_name,
                    "fieldName": str(path[-1]),
                },
                "locations": [{"line": 47, "column": 3}],
                "message": message or f"Field '{path[-1]}' doesn't exist on type '{type_name}'",
            }
        ]
    }


class _Handler(BaseHTTPRequestHandler):
    fake: FakeGitHub
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep pytest's output quiet
        pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _kind(self, path: str) -> str:
        if path.startswith("/_blob/"):
            return "blob"
        if path == self.fake.graphql_path:
            return "graphql"
        if re.search(r"/app/installations/\d+/access_tokens$", path) or re.search(
            r"/(?:orgs|users)/[^/]+/installation$|/repos/[^/]+/[^/]+/installation$", path
        ):
            return "app"
        return "rest"

    def _serve(self, method: str) -> None:
        fake = self.fake
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            # The client went away mid-request (a killed collector): as a real server
            # does, answer nothing, and don't judge half a query.
            self.close_connection = True
            return
        url = urlsplit(self.path)
        req = RequestRecord(
            method=method,
            path=url.path,
            query=parse_qs(url.query),
            kind=self._kind(url.path),
            authorization=self.headers.get("Authorization"),
        )
        if req.kind == "graphql":
            try:
                text = json.loads(body or b"{}").get("query", "")
                found = _OPERATION_RE.search(text)
                req.operation = found.group(2) if found else None
            except (ValueError, AttributeError):
                pass
        index = fake._record(req)
        fake._hold(index)
        began = time.perf_counter()
        fault = fake._take_fault(req)
        if fault is not None:
            req.fault = fault.kind
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.seconds)
        if fault is not None and fault.kind == "reset":
            req.status = 0
            self._reset()
            return
        if fault is not None and fault.kind == "status":
            response = fake._json(fault.status, _BAD_GATEWAY if fault.status == 502 else {
                "message": "Server Error"})  # fmt: skip
        elif fault is not None and fault.kind == "invalid":
            response = fake._json(200, removed_field_answer(fault.message, fault.path))
        elif fault is not None and fault.kind == "exhausted":
            response = fake._json(
                403,
                {
                    "message": "API rate limit exceeded for user ID 1.",
                    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
                },
                {
                    "X-RateLimit-Limit": "5000",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": str(int(time.time()) + 3600),
                },
            )
        elif fault is not None and fault.kind == "abuse":
            response = fake._json(
                403,
                {
                    "message": "You have triggered an abuse detection mechanism. Please wait a "
                    "few minutes before you try again.",
                    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
                },
            )
        elif fault is not None and fault.kind == "rate_limit":
            response = fake._json(
                fault.status if fault.status in (403, 429) else 403,
                {
                    "message": "You have exceeded a secondary rate limit. Please wait a few "
                    "minutes before you try again.",
                    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
                },
                {"Retry-After": str(fault.retry_after)},
            )
        else:
            try:
                response = fake.handle(req, body)
            except GraphQLError as exc:  # pragma: no cover - a bug in the fake itself
                response = fake._json(500, {"message": str(exc)})
        if fault is not None and fault.kind == "partial" and response.status == 200:
            response.body = partial_answer(response.body, fault.error_type, fault.message)
        req.status = response.status
        req.seconds = time.perf_counter() - began - (fault.seconds if fault else 0.0)
        if fault is not None and fault.kind == "malformed":
            response.body = response.body[: max(1, len(response.body) // 2)]
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if fault is not None and fault.kind == "truncated":
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(response.body[: len(response.body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self._reset()
            return
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(response.body)

    def _reset(self) -> None:
        """Abort the connection with a TCP RST (SO_LINGER 0), as a dropped proxy does."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass
