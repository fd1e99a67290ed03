"""Choosing, reading and parsing the configuration file (``load_settings``,
``parse_settings``); YAML mistakes become one `ConfigError` with file and line.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode

from aimetrics.errors import ConfigError
from aimetrics.settings.checks import _show
from aimetrics.settings.messages import _format, _problem
from aimetrics.settings.model import Settings

CONFIG_ENV = "AIMETRICS_CONFIG"
"""Environment variable naming the configuration file when no path is given."""

EXPOSED_ENV = "AIMETRICS_EXPOSED_ADDRESS"
"""Set by ``aimetrics dashboard`` / ``demo`` to the address it listens on when that is not
loopback and no sign-in is configured, so the Data page can say so."""

DEFAULT_CONFIG_NAME = "aimetrics.yaml"
"""Looked for in the working directory when neither a path nor ``AIMETRICS_CONFIG`` is given."""

DEFAULT_STORE_URL = "sqlite:///aimetrics.db"

# --------------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------------


def load_settings(path: str | Path | None = None) -> Settings:
    """Read the configuration.

    The file is ``path``, else the file named by ``AIMETRICS_CONFIG``, else ``./aimetrics.yaml`` if
    it exists; with none of these the defaults are returned. Raises `ConfigError` for every mistake.
    """
    chosen, how = _choose_file(path)
    if chosen is None:
        return Settings()
    text = _read_text(chosen, how)
    return parse_settings(text, source=chosen)


def parse_settings(text: str, source: str | Path = "<config>") -> Settings:
    """Validate configuration text; ``source`` names the file in error messages."""
    name = str(source)
    root, data = _parse_yaml(text, name)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        line = root.start_mark.line + 1 if root is not None else 1
        raise ConfigError(
            f"{name}, line {line}: the file must be a mapping of sections such as 'github:' and "
            f"'privacy:', but it is {_show(data)}. For example: privacy: {{min_group_size: 5}}"
        )
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        problems = [_problem(error, root) for error in exc.errors(include_url=False)]
        raise ConfigError(_format(name, problems)) from None
    if isinstance(source, Path):
        settings._source_file = source.absolute()
    return settings


def _choose_file(path: str | Path | None) -> tuple[Path | None, str]:
    if path is not None and str(path) != "":
        return Path(path).expanduser(), ""
    env = os.environ.get(CONFIG_ENV, "").strip()
    if env:
        return Path(env).expanduser(), f" (named by {CONFIG_ENV})"
    local = Path(DEFAULT_CONFIG_NAME)
    if local.exists():
        return local, " (found in the working directory)"
    return None, ""


def _read_text(path: Path, how: str) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: config file not found{how}. Copy config/aimetrics.example.yaml to start one, "
            f"or pass an existing file, e.g. --config config/aimetrics.yaml"
        ) from None
    except IsADirectoryError:
        raise ConfigError(
            f"{path}: is a folder, not a config file{how}. "
            f"For example: --config {path / DEFAULT_CONFIG_NAME}"
        ) from None
    except PermissionError:
        raise ConfigError(
            f"{path}: config file cannot be read (permission denied){how}. "
            f"Make it readable by this user, e.g. chmod 644 {path}"
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"{path}: config file cannot be read: {exc.strerror or exc}{how}"
        ) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}, line {line}: not UTF-8 text (byte 0x{raw[exc.start]:02x}). "
            "Save the file as UTF-8 YAML, e.g. 'privacy: {min_group_size: 5}'"
        ) from None


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys and reports bad scalars with their position."""

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except yaml.YAMLError:
            raise
        except (ValueError, TypeError, AttributeError, OverflowError) as exc:
            # e.g. `2026-02-30` (resolved as a date, then out of range) or `!!int abc`
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read the value {node.value!r}: {exc}", node.start_mark
            ) from None

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[tuple[str, str], int] = {}
        for key_node, _value in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = (key_node.tag, key_node.value)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"the key '{key_node.value}' appears twice in this mapping (first on line "
                    f"{seen[key] + 1}); keep only one",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep)


_YAML_HINT = (
    "Hint: nested keys are indented with spaces under their section, "
    "e.g. 'privacy:' then '  min_group_size: 5' on the next line"
)
_YAML_HINTS = (
    ("'\\t'", "Hint: indent with spaces, not tabs, e.g. '  min_group_size: 5'"),
    ("appears twice", "Delete one of the two lines"),
    ("cannot read the value", "For example: a real date written YYYY-MM-DD, such as 2026-03-01"),
    ("another document", "Hint: keep one document, e.g. remove the '---' line"),
    ("could not determine a constructor", "Hint: remove the '!tag', e.g. count: 20"),
    ("found undefined alias", "Hint: define '&name' before using '*name'"),
    ("flow sequence", "Hint: close each '[' with ']' on the same line, e.g. orgs: [acme, beta]"),
    ("flow mapping", "Hint: close each '{' with '}', e.g. privacy: {min_group_size: 5}"),
    (
        "mapping values are not allowed",
        "Hint: check the indentation of this line, and quote a value containing ': ', "
        'e.g. name: "Payments: core"',
    ),
)


def _parse_yaml(text: str, name: str) -> tuple[Node | None, Any]:
    loader: _Loader | None = None
    try:
        loader = _Loader(text)  # the reader already refuses some characters here
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "malformed YAML"
        if exc.context and exc.problem and exc.context_mark and exc.context_mark != mark:
            problem += f" ({exc.context} on line {exc.context_mark.line + 1})"
        hint = next((h for needle, h in _YAML_HINTS if needle in str(exc)), _YAML_HINT)
        raise ConfigError(f"{name}{where}: malformed YAML: {problem}. {hint}") from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise ConfigError(
            f"{name}, line {line}: malformed YAML: the control character U+{code:04X} is not "
            'allowed in YAML text. Delete it (e.g. retype the line as name: "Payments")'
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{name}: malformed YAML: {exc}") from None
    except RecursionError:
        raise ConfigError(
            f"{name}: malformed YAML: values are nested too deeply. "
            "Configuration needs only a few levels, e.g. privacy: {min_group_size: 5}"
        ) from None
    finally:
        if loader is not None:
            loader.dispose()
    return root, data
