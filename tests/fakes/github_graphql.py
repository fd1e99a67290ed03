"""GitHub's GraphQL API over fixture dictionaries: validation, pagination, cost.

Every query is validated against GitHub's public schema (vendored, gzipped, in
``tests/fixtures/github``) and executed by graphql-core with one field resolver
that honours the pagination arguments GitHub implements (``first``/``last``,
``after``/``before``, ``orderBy``, ``states``, ``itemTypes``), since
graphql-core's default resolvers ignore arguments. Fixture nodes are plain
dicts; a list under a field whose type is a ``...Connection`` is paginated, a
callable is called with the field's arguments.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLResolveInfo,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    build_client_schema,
    execute_sync,
    get_named_type,
    parse,
    validate,
    value_from_ast_untyped,
)
from graphql.validation.rules.custom.no_deprecated import NoDeprecatedCustomRule

SCHEMA_FILE = Path(__file__).parents[1] / "fixtures" / "github" / "graphql-schema.json.gz"
MAX_PAGE = 100
MAX_NODES = 500_000

# orderBy fields GitHub offers on the connections the collector uses, as fixture keys.
_ORDER_FIELDS = {"UPDATED_AT": "updatedAt", "CREATED_AT": "createdAt", "NAME": "name"}


@cache
def github_schema() -> GraphQLSchema:
    """GitHub's public schema (``assume_valid``: its deprecations trip graphql-core's checks)."""
    with gzip.open(SCHEMA_FILE, "rt", encoding="utf-8") as fh:
        return build_client_schema(json.load(fh), assume_valid=True)


def validation_errors(query: str) -> list[str]:
    """Messages of every validation error of ``query`` against GitHub's schema ([] = valid)."""
    try:
        document = parse(query)
    except GraphQLError as exc:
        return [exc.message]
    return [e.message for e in validate(github_schema(), document)]


def deprecated_usages(query: str, schema: GraphQLSchema | None = None) -> list[str]:
    """Every deprecated field, argument, input field or enum value ``query`` uses.

    GitHub still answers them (until it removes them), so the fake serves such queries;
    the tests refuse them: a deprecated ``Int`` id is how review ids past 2^31 broke."""
    rules: list[type[ASTValidationRule]] = [NoDeprecatedCustomRule]
    return [e.message for e in validate(schema or github_schema(), parse(query), rules)]


def not_found(message: str) -> GraphQLError:
    """The error GitHub returns for a repository/node that does not exist or is hidden."""
    return GraphQLError(message, extensions={"type": "NOT_FOUND"})


# --- cursors and connections -------------------------------------------------------------------


def _cursor(key: Any) -> str:
    return base64.b64encode(("cursor:v2:" + json.dumps(key)).encode()).decode()


def _uncursor(cursor: str) -> Any:
    try:
        text = base64.b64decode(cursor.encode()).decode()
        return json.loads(text.removeprefix("cursor:v2:"))
    except (ValueError, UnicodeDecodeError):
        raise GraphQLError(f"`{cursor}` does not appear to be a valid cursor.") from None


def _typename(item_type: str) -> str:
    """``READY_FOR_REVIEW_EVENT`` -> ``ReadyForReviewEvent``."""
    return "".join(part.capitalize() for part in item_type.split("_"))


def paginate(items: list[Any], connection: str, field: str, args: Mapping[str, Any]) -> dict:
    """One page of ``items`` as a GitHub connection, honouring GitHub's pagination rules."""
    first, last = args.get("first"), args.get("last")
    if first is None and last is None:
        raise GraphQLError(
            f"You must provide a `first` or `last` value to properly paginate the `{field}` "
            "connection."
        )
    for name, value in (("first", first), ("last", last)):
        if value is not None and not 0 <= value <= MAX_PAGE:
            raise GraphQLError(
                f"Requesting {value} records on the `{field}` connection exceeds the `{name}` "
                f"limit of {MAX_PAGE} records."
            )
    rows = list(items)
    if args.get("states"):
        rows = [r for r in rows if r.get("state") in args["states"]]
    if args.get("itemTypes"):
        wanted = {_typename(t) for t in args["itemTypes"]}
        rows = [r for r in rows if r.get("__typename") in wanted]
    order = args.get("orderBy")
    if order:
        key_field = _ORDER_FIELDS[order["field"]]
        descending = order.get("direction") == "DESC"

        def key(i: int, row: dict) -> list:
            # Ties (and nodes without the field) keep their fixture order, as ids would.
            return [row.get(key_field) or "", row.get("databaseId") or row.get("number") or i]

        keyed = sorted(
            ((key(i, r), r) for i, r in enumerate(rows)), key=lambda kr: kr[0], reverse=descending
        )
    else:
        descending = False
        keyed = [([i], r) for i, r in enumerate(rows)]

    def beyond(k: list, c: list, forward: bool) -> bool:
        return (k < c if descending else k > c) if forward else (k > c if descending else k < c)

    if args.get("after"):
        c = _uncursor(args["after"])
        keyed = [kr for kr in keyed if beyond(kr[0], c, forward=True)]
    if args.get("before"):
        c = _uncursor(args["before"])
        keyed = [kr for kr in keyed if beyond(kr[0], c, forward=False)]
    total, start = len(keyed), 0
    window = keyed[:first] if first is not None else keyed
    if last is not None:
        start = max(0, len(window) - last)
        window = window[start:]
    edges = [{"cursor": _cursor(k), "node": r} for k, r in window]
    return {
        "__connection": connection,
        "totalCount": len(rows),
        "edges": edges,
        "nodes": [e["node"] for e in edges],
        "pageInfo": {
            "hasNextPage": start + len(window) < total,
            "hasPreviousPage": start > 0 or bool(args.get("after")),
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


def resolve_field(source: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
    """The one resolver: dict lookup, callables with arguments, paginated connections."""
    name = info.field_name
    value = source.get(name) if isinstance(source, Mapping) else getattr(source, name, None)
    if name == "fullDatabaseId" and value is None and isinstance(source, Mapping):
        # GitHub's 64-bit twin of ``databaseId``: the same id, as a ``BigInt`` (a JSON
        # string). Fixture nodes that only hold ``databaseId`` get it derived.
        legacy = source.get("databaseId")
        value = str(legacy) if legacy is not None else None
    if callable(value):
        return value(info, **args)
    named = get_named_type(info.return_type)
    if isinstance(value, list) and named is not None and named.name.endswith("Connection"):
        return paginate(value, named.name, name, args)
    return value


# --- cost: GitHub's rate-limit formula ----------------------------------------------------------


@dataclass(frozen=True)
class QueryShape:
    """What a query asks for: GitHub's point cost, node count, and the largest page per field."""

    cost: int
    nodes: int
    largest: dict[str, int]


def query_shape(document: DocumentNode, variables: Mapping[str, Any]) -> QueryShape:
    """GitHub's cost: connections to fetch (each nested in its parents' pages) / 100, min 1."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    requests = nodes = 0
    largest: dict[str, int] = {}

    def page_size(field: FieldNode) -> int | None:
        for arg in field.arguments or ():
            if arg.name.value in ("first", "last"):
                value = value_from_ast_untyped(arg.value, dict(variables))
                return int(value) if value is not None else None
        return None

    def included(sel: Any) -> bool:
        """``@include(if:)`` / ``@skip(if:)``: what GitHub leaves out costs nothing."""
        for directive in sel.directives or ():
            name = directive.name.value
            for arg in directive.arguments or ():
                flag = bool(value_from_ast_untyped(arg.value, dict(variables)))
                if (name == "include" and not flag) or (name == "skip" and flag):
                    return False
        return True

    def walk(selection_set: SelectionSetNode | None, multiplier: int) -> None:
        nonlocal requests, nodes
        if selection_set is None:
            return
        for sel in selection_set.selections:
            if not included(sel):
                continue
            if isinstance(sel, FieldNode):
                size = page_size(sel)
                child = multiplier
                if size is not None:
                    requests += multiplier
                    child = multiplier * size
                    nodes += child
                    largest[sel.name.value] = max(largest.get(sel.name.value, 0), size)
                walk(sel.selection_set, child)
            elif isinstance(sel, InlineFragmentNode):
                walk(sel.selection_set, multiplier)
            elif isinstance(sel, FragmentSpreadNode):
                walk(fragments[sel.name.value].selection_set, multiplier)

    walk(operation.selection_set, 1)
    return QueryShape(max(1, round(requests / 100)), nodes, largest)


# --- execution ----------------------------------------------------------------------------------


def run_query(
    query: str,
    variables: Mapping[str, Any] | None,
    root: Mapping[str, Any],
    *,
    on_shape: Callable[[QueryShape], Mapping[str, Any]] | None = None,
) -> dict:
    """Execute like GitHub: validation errors come back as ``{"errors": [...]}`` with 200.

    ``on_shape`` sees the query's cost before execution and returns extra root
    fields (``rateLimit``).
    """
    try:
        document = parse(query)
    except GraphQLError as exc:
        return {"errors": [_format(exc)]}
    errors = validate(github_schema(), document)
    if errors:
        return {"errors": [_format(e) for e in errors]}
    variables = dict(variables or {})
    shape = query_shape(document, variables)
    if shape.nodes > MAX_NODES:
        return {
            "errors": [
                {
                    "message": f"By the time this query traverses to the nodes connection, it is "
                    f"requesting up to {shape.nodes:,} possible nodes which exceeds the maximum "
                    f"limit of {MAX_NODES:,}.",
                    "type": "MAX_NODE_LIMIT_EXCEEDED",
                }
            ]
        }
    root_value = dict(root)
    if on_shape is not None:
        root_value.update(on_shape(shape))
    result = execute_sync(
        github_schema(),
        document,
        root_value=root_value,
        variable_values=variables,
        field_resolver=resolve_field,
    )
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [_format(e) for e in result.errors]
    return body


def _format(error: GraphQLError) -> dict:
    """GitHub's error shape: ``type`` at the top level (PyGithub reads ``NOT_FOUND`` there)."""
    out: dict[str, Any] = {"message": error.message}
    if error.path:
        out["path"] = list(error.path)
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.extensions and "type" in error.extensions:
        out["type"] = error.extensions["type"]
    return out
