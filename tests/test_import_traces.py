"""`aimetrics import traces`: Agent Trace records joined to the commits `collect git` stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from aimetrics.cli import app
from aimetrics.store import create_store_engine, read_table, upgrade
from aimetrics.store import schema as s
from collectors.agent_trace import TraceError, import_traces, read_records
from collectors.git_local import collect_repo, inspect_repo
from tests.test_git_local import Repo

SPEC_EXAMPLE = Path(__file__).parent / "fixtures" / "agent-trace" / "spec-example.json"


def record(revision: str, files: list[dict], tool: str = "claude-code") -> dict:
    return {
        "version": "0.1.0",
        "id": "550e8400-e29b-41d4-a716-446655440001",
        "timestamp": "2026-01-23T14:30:00Z",
        "vcs": {"type": "git", "revision": revision},
        "tool": {"name": tool, "version": "2.0.0"},
        "files": files,
    }


def conv(kind: str, ranges: list[tuple[int, int]], model: str | None = None) -> dict:
    who = {"type": kind, **({"model_id": model} if model else {})}
    return {"contributor": who, "ranges": [{"start_line": a, "end_line": b} for a, b in ranges]}


@pytest.fixture
def stored(tmp_path: Path, engine: sa.Engine) -> dict[str, str]:
    r = Repo(tmp_path / "payments-api")
    (r.path / "src" / "utils").mkdir(parents=True)
    shas = {
        "first": r.commit("feat: app", lines=20),
        "second": r.commit("feat: parser", file="src/utils/parser.ts", lines=67),
        "third": r.commit("feat: helpers", file="src/utils/helpers.ts", lines=30),
    }
    collect_repo(engine, inspect_repo(r.path))
    return shas


def rows(engine: sa.Engine) -> list[tuple]:
    return (
        read_table(engine, s.commit_ai_lines)
        .sort("sha", "tool_id", "model")
        .select(
            "sha",
            "source",
            "tool_id",
            "model",
            "ai_added_lines",
            "human_lines",
            "mixed_lines",
            "untracked_lines",
            "added_lines",
        )
        .rows()
    )


def test_four_contributor_types(stored: dict[str, str], engine: sa.Engine, tmp_path: Path) -> None:
    """ai -> AI lines (per tool and model), human -> human, mixed apart (never AI),
    unknown and uncovered lines -> untracked; a range's own contributor wins."""
    first = stored["first"]
    rec = record(first, [{"path": "app.py", "conversations": [
        conv("ai", [(1, 8)], "anthropic/claude-sonnet-4-5"),
        conv("human", [(9, 11)]),
        conv("mixed", [(12, 13)], "anthropic/claude-sonnet-4-5"),
        conv("unknown", [(14, 14)]),
        {"contributor": {"type": "ai", "model_id": "openai/gpt-5"},
         "ranges": [{"start_line": 15, "end_line": 16,
                     "contributor": {"type": "ai", "model_id": "openai/gpt-5-mini"}}]},
    ]}])  # fmt: skip
    file = tmp_path / "trace.json"
    file.write_text(json.dumps(rec))
    summary = import_traces(engine, file)
    assert (summary.records, summary.commits, summary.unknown_revisions) == (1, 1, 0)
    assert rows(engine) == [
        (first, "agent-trace", "claude-code", "anthropic/claude-sonnet-4-5", 8, 3, 2, 5, 20),
        (first, "agent-trace", "claude-code", "openai/gpt-5-mini", 2, 3, 2, 5, 20),
    ]
    # Idempotent: importing again leaves the same rows.
    import_traces(engine, file)
    assert len(rows(engine)) == 2


def test_spec_example_and_a_folder_of_json_lines(
    stored: dict[str, str], engine: sa.Engine, tmp_path: Path
) -> None:
    """The specification's own example, its revision replaced by a stored commit's; a
    folder with JSON Lines; a revision the store does not hold is counted, not an error."""
    example = json.loads(SPEC_EXAMPLE.read_text())
    assert example["vcs"]["revision"] == "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0"
    folder = tmp_path / "traces"
    folder.mkdir()
    (folder / "unknown.json").write_text(json.dumps(example))  # not in the store
    example["vcs"]["revision"] = stored["second"].upper()  # a revision in capitals joins too
    human = record(stored["third"], [{"path": "x.py", "conversations": [conv("human", [(1, 5)])]}])
    (folder / "more.jsonl").write_text(json.dumps(example) + "\n" + json.dumps(human) + "\n")
    summary = import_traces(engine, folder)
    assert (summary.records, summary.files, summary.commits, summary.unknown_revisions) == (
        3, 2, 2, 1,
    )  # fmt: skip
    # Cursor's record: parser.ts lines 42-67 (26) and helpers.ts 10-25 (16) in the second
    # commit, which adds 67 lines.
    assert rows(engine) == sorted([
        (stored["second"], "agent-trace", "cursor", "anthropic/claude-opus-4-5-20251101",
         26, 0, 0, 25, 67),
        (stored["second"], "agent-trace", "cursor", "openai/gpt-4o", 16, 0, 0, 25, 67),
        (stored["third"], "agent-trace", "", "", 0, 5, 0, 25, 30),
    ])  # fmt: skip


def test_cli_import_traces(stored: dict[str, str], tmp_path: Path) -> None:
    trace = tmp_path / "t.json"
    rec = record(stored["first"], [{"path": "app.py", "conversations": [conv("ai", [(1, 4)])]}])
    trace.write_text(json.dumps([rec, record("f" * 40, rec["files"])]))
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    repo = inspect_repo(tmp_path / "payments-api")
    engine = create_store_engine(url)
    upgrade(engine)
    collect_repo(engine, repo)
    res = CliRunner().invoke(app, ["import", "traces", str(trace), "--db", url])
    assert res.exit_code == 0, res.output
    assert "2 Agent Trace records from 1 files: line evidence for 1 commits; 1 revisions" in (
        res.output
    )
    lines = read_table(engine, s.commit_ai_lines)
    assert lines.select("tool_id", "ai_added_lines").rows() == [("claude-code", 4)]
    files = read_table(engine, s.commit_ai_line_files)  # per file, for explain
    assert files.select("path", "tool_id", "ai_added_lines").rows() == [
        ("app.py", "claude-code", 4)
    ]
    engine.dispose()
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": "0.1.0"}')
    res = CliRunner().invoke(app, ["import", "traces", str(bad), "--db", url])
    assert res.exit_code == 2 and "not an Agent Trace record" in res.output


def test_not_json_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "x.json"
    bad.write_text("not json\n")
    with pytest.raises(TraceError, match="not JSON"):
        read_records(bad)
