"""Turning pydantic's validation errors into messages that name the file, the line,
the field path, what is wrong and an example of what is right.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any

import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from aimetrics.settings.checks import _MAX_LISTED_PROBLEMS, _NO_ECHO_FIELDS, _show, _suggest
from aimetrics.settings.model import Settings

# --------------------------------------------------------------------------------------------------
# Turning pydantic errors into messages
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Problem:
    line: int | None
    path: str
    message: str


def _format(name: str, problems: list[_Problem]) -> str:
    problems = sorted(set(problems), key=lambda p: (p.line or 0, p.path, p.message))

    def one(p: _Problem) -> str:
        where = f"line {p.line}: " if p.line else ""
        field = f"{p.path}: " if p.path else ""
        return f"{where}{field}{p.message}"

    if len(problems) == 1:
        p = problems[0]
        prefix = f"{name}, line {p.line}" if p.line else name
        field = f"{p.path}: " if p.path else ""
        return f"{prefix}: {field}{p.message}"
    lines = [f"{name}: {len(problems)} problems in the configuration:"]
    lines += [f"  {one(p)}" for p in problems[:_MAX_LISTED_PROBLEMS]]
    if len(problems) > _MAX_LISTED_PROBLEMS:
        lines.append(f"  ... and {len(problems) - _MAX_LISTED_PROBLEMS} more")
    return "\n".join(lines)


def _problem(error: Mapping[str, Any], root: Node | None) -> _Problem:
    ctx = error.get("ctx") or {}
    loc: tuple[Any, ...] = tuple(error["loc"]) + tuple(ctx.get("at", ()))
    # pydantic marks errors about a dict's keys with a trailing "[key]"
    key_error = bool(loc) and loc[-1] == "[key]"
    loc = tuple(part for part in loc if part != "[key]")
    if error["type"] == "invalid_key":  # a key YAML read as a number, boolean or null
        loc = loc[:-1]
    path = _path_text(loc)
    line, node = _node_at(root, loc)
    if error["type"] == "invalid_key" and isinstance(node, MappingNode):
        line = next(
            (k.start_mark.line + 1 for k, _ in node.value if k.tag != "tag:yaml.org,2002:str"),
            line,
        )
    message = _describe(error, loc, ctx)
    if key_error:
        message = f"key {message}"
    example = _example(loc) if error["type"] != "extra_forbidden" else None
    if example and "For example" not in message and "e.g." not in message:
        message = f"{message}. For example: {example}"
    return _Problem(line, path, message)


def _path_text(loc: Sequence[Any]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int) and not isinstance(part, bool):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _node_at(root: Node | None, loc: Sequence[Any]) -> tuple[int | None, Node | None]:
    """The 1-based line of the YAML node at ``loc`` (or of its nearest existing ancestor)."""
    if root is None:
        return None, None
    node: Node = root
    line = root.start_mark.line + 1
    for part in loc:
        if isinstance(node, MappingNode):
            for key_node, value_node in reversed(node.value):  # the last duplicate wins in YAML
                if isinstance(key_node, ScalarNode) and key_node.value == str(part):
                    line, node = key_node.start_mark.line + 1, value_node
                    break
            else:
                break
        elif isinstance(node, SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line, node


_TYPE_MESSAGES = {
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number, not a fraction",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be text",
    "string_unicode": "must be text",
    "list_type": "must be a list",
    "dict_type": "must be a mapping of 'key: value' pairs",
    "model_type": "must be a mapping of 'key: value' pairs",
    "model_attributes_type": "must be a mapping of 'key: value' pairs",
    "path_type": "must be a file path",
    "date_type": "must be a date written YYYY-MM-DD",
    "date_parsing": "must be a date written YYYY-MM-DD",
    "date_from_datetime_parsing": "must be a date written YYYY-MM-DD",
    "date_from_datetime_inexact": "must be a day, without a time",
    "recursion_loop": "refers to itself (a YAML alias loop)",
}
_BOUND_MESSAGES = {
    "greater_than_equal": ("ge", "must be at least {}"),
    "greater_than": ("gt", "must be more than {}"),
    "less_than_equal": ("le", "must be at most {}"),
    "less_than": ("lt", "must be less than {}"),
}
_SYNONYMS = {
    "token": "token_env",
    "github_token": "token_env",
    "since": "from",
    "date": "from",
    "until": "to",
    "seat_count": "count",
    "price": "price_per_seat_month",
    "tz": "timezone",
    "time_zone": "timezone",
    "db": "url",
    "database": "url",
    "organizations": "orgs",
    "repositories": "repos",
    "email": "emails",
    "tools": "ai_tools",
}


def _describe(error: Mapping[str, Any], loc: Sequence[Any], ctx: Mapping[str, Any]) -> str:
    kind = error["type"]
    value = error.get("input")
    echo = not (loc and loc[-1] in _NO_ECHO_FIELDS)
    if kind == "missing":
        return "is required but missing"
    if kind == "invalid_key":
        return (
            f"a key reads as {_show(value)}, not as text (YAML reads unquoted yes/no/on/off, "
            "numbers and null as values): quote it, e.g. 'on': ..."
        )
    if kind == "extra_forbidden":
        return _unknown_key(loc)
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind == "aimetrics":
        return str(error["msg"])
    if kind == "literal_error":
        got = f", got {_show(value)}" if echo else ""
        return f"must be one of {ctx.get('expected', '')}{got}"
    if kind in _BOUND_MESSAGES:
        key, template = _BOUND_MESSAGES[kind]
        got = f", got {_show(value)}" if echo else ""
        bound = ctx.get(key)
        return template.format(f"{bound:g}" if isinstance(bound, float) else bound) + got
    if kind in _TYPE_MESSAGES:
        got = f", got {_show(value)}" if echo else ""
        return _TYPE_MESSAGES[kind] + got
    return str(error["msg"])


def _unknown_key(loc: Sequence[Any]) -> str:
    key = str(loc[-1]) if loc else ""
    allowed = _keys_at(loc[:-1])
    if key in {"token", "github_token"} and "token_env" in allowed:
        return (
            "the token itself never goes in the file (value not shown). Export it in an "
            "environment variable and name that variable in token_env. "
            "For example: token_env: GITHUB_TOKEN"
        )
    hint = ""
    synonym = _SYNONYMS.get(key.lower())
    best = synonym if synonym in allowed else _suggest(key, allowed)
    if best:
        hint = f" Did you mean '{best}'?"
    else:
        elsewhere = _paths_of_key(key)
        if elsewhere:
            hint = f" It belongs elsewhere: {' or '.join(elsewhere)}."
    valid = f" Valid keys here: {', '.join(sorted(allowed))}." if allowed else ""
    return f"unknown key '{key}'.{hint}{valid}"


# -- walking the models along an error location ----------------------------------------------------


def _unwrap(tp: Any) -> Any:
    """Strip Annotated and Optional wrappers."""
    while True:
        origin = typing.get_origin(tp)
        if origin is Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _field(model: type[BaseModel], key: str) -> tuple[str, FieldInfo] | None:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info.alias or name, info
    return None


def _resolve(loc: Sequence[Any]) -> tuple[Any, tuple[str, FieldInfo] | None]:
    """The type at ``loc`` and the last model field passed on the way (None if lost)."""
    tp: Any = Settings
    last: tuple[str, FieldInfo] | None = None
    for part in loc:
        tp = _unwrap(tp)
        if _is_model(tp) and isinstance(part, str):
            found = _field(tp, part)
            if found is None:
                return None, None
            last, tp = found, found[1].annotation
        elif typing.get_origin(tp) is list and isinstance(part, int):
            tp = typing.get_args(tp)[0]
        elif typing.get_origin(tp) is dict:
            tp = typing.get_args(tp)[1]
        else:
            return None, None
    return _unwrap(tp), last


def _keys_at(loc: Sequence[Any]) -> list[str]:
    tp, _ = _resolve(loc)
    if not _is_model(tp):
        return []
    return [info.alias or name for name, info in tp.model_fields.items()]


@cache
def _key_index() -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}

    def visit(model: type[BaseModel], prefix: str) -> None:
        for name, info in model.model_fields.items():
            key = info.alias or name
            path = f"{prefix}.{key}" if prefix else key
            index.setdefault(key, []).append(path)
            tp = _unwrap(info.annotation)
            if typing.get_origin(tp) is list:
                tp, path = _unwrap(typing.get_args(tp)[0]), f"{path}[]"
            if _is_model(tp):
                visit(tp, path)

    visit(Settings, "")
    return {key: tuple(paths) for key, paths in index.items()}


def _paths_of_key(key: str) -> tuple[str, ...]:
    return _key_index().get(key, ())


def _flow(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=10**6, sort_keys=False).strip()
    return text.removesuffix("...").strip()


def _example(loc: Sequence[Any]) -> str | None:
    tp, last = _resolve(loc)
    if _is_model(tp) and tp.example:
        return tp.example
    if last is None:
        return None
    key, info = last
    if info.examples:
        return f"{key}: {_flow(info.examples[0])}"
    default = info.get_default(call_default_factory=True)
    if default is None or default == [] or default == {} or isinstance(default, BaseModel):
        return None
    return f"{key}: {_flow(default)}"
