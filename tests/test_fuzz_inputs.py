"""Generated bad input: rule files and cost files never end in a traceback, always name
the file (and the rule or row), and leave nothing half-written in the store.

Reduced counts here (CI); raise ``FUZZ_EXAMPLES`` for the full runs.
"""

from __future__ import annotations

import os
import string
from pathlib import Path

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aimetrics.errors import AimetricsError
from aimetrics.settings import ReportingSettings
from aimetrics.store import create_store_engine, read_table, upgrade
from aimetrics.store import schema as s
from aimetrics.tagging import build_ruleset
from collectors.costs import SOURCES
from collectors.costs.load import import_file

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

text = st.text(string.printable, max_size=40)
rule = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(text, st.integers(), st.none()),
        "tool": st.one_of(st.sampled_from(["cursor", "claude-code", ""]), text),
        "kind": st.one_of(st.sampled_from(["authored", "assisted", "reviewed"]), text),
        "field": st.one_of(st.sampled_from(["commit.message", "pr.label", "pr.body"]), text),
        "pattern": st.one_of(text, st.sampled_from(["(", "[a-", "(?<=x)y", "\\", "a{99999}"])),
        "confidence": st.one_of(st.sampled_from(["high", "medium", "low"]), text),
        "extra": text,
    },
)


@FUZZ
@given(rules=st.lists(rule, max_size=4))
def test_generated_rule_files_fail_cleanly(tmp_path_factory, rules) -> None:  # type: ignore[no-untyped-def]
    import yaml

    path = tmp_path_factory.mktemp("rules") / "rules.yaml"
    path.write_text(yaml.safe_dump({"rules": rules}))
    try:
        build_ruleset(path)
    except AimetricsError as exc:
        assert str(path) in str(exc)
    # Anything else (a traceback) fails the test by itself.


@FUZZ
@given(raw=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_random_bytes_as_rule_file(tmp_path_factory, raw: bytes) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("rules") / "rules.yaml"
    path.write_bytes(raw)
    try:
        build_ruleset(path)
    except AimetricsError as exc:
        assert str(path) in str(exc)


cell = st.one_of(
    st.sampled_from(["2026-05-01", "2026-13-01", "yesterday", "", "12.50", "$3", "-4", "1e309",
                     "USD", "EUR", "usd", "github-copilot", "cursor", "claude", "true", "maybe"]),
    st.text(string.printable.replace("\n", "").replace("\r", ""), max_size=12),
)  # fmt: skip
header = st.sampled_from(
    [["date", "tool", "amount", "currency"], ["date", "tool", "amount", "currency", "user"],
     ["day", "tool_id", "net_amount", "currency", "billed"], ["date", "amount"]]
)  # fmt: skip


@st.composite
def csv_files(draw: st.DrawFn) -> str:
    cols = draw(header)
    rows = draw(st.lists(st.lists(cell, min_size=len(cols), max_size=len(cols)), max_size=6))
    quote = lambda v: '"' + v.replace('"', '""') + '"' if ("," in v or '"' in v) else v  # noqa: E731
    lines = [",".join(cols)] + [",".join(quote(v) for v in r) for r in rows]
    return "\n".join(lines) + "\n"


_ENGINES: dict[str, sa.Engine] = {}


def _engine(tmp: Path) -> sa.Engine:
    key = str(tmp)
    if key not in _ENGINES:
        eng = create_store_engine(f"sqlite:///{tmp / 'fuzz.db'}")
        upgrade(eng)
        _ENGINES[key] = eng
    return _ENGINES[key]


@FUZZ
@given(content=csv_files(), source=st.sampled_from(sorted(SOURCES)))
def test_generated_cost_files_import_whole_or_not_at_all(tmp_path_factory, content, source) -> None:  # type: ignore[no-untyped-def]
    base = tmp_path_factory.getbasetemp()
    engine = _engine(base)
    before = read_table(engine, s.cost_records).height
    path = tmp_path_factory.mktemp("costs") / "export.csv"
    path.write_text(content)
    try:
        summary = import_file(engine, path, source, ReportingSettings(exchange_rates={"EUR": 1.1}))
    except AimetricsError as exc:
        assert "export.csv" in str(exc)
        assert read_table(engine, s.cost_records).height == before  # nothing half-written
    else:
        assert read_table(engine, s.cost_records).height >= before
        assert summary.records >= 0
