"""git-ai's authorship notes: parsed (git-ai's own samples and notes built here) and read by
`collect git` from repositories the tests build with real git."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from aimetrics.store import read_table
from aimetrics.store import schema as s
from collectors.git_ai_notes import (
    Agent,
    NoteError,
    added_ranges,
    count_lines,
    log_added_ranges,
    parse_note,
    tool_id,
)
from collectors.git_local import collect_repo, inspect_repo
from collectors.git_notes_read import _commit_pieces, _PatchLog
from tests.test_git_local import Repo

FIXTURES = Path(__file__).parent / "fixtures" / "git-ai"

CLAUDE_SESSION = "s_1a2b3c4d5e6f70"
CURSOR_SESSION = "s_0f0e0d0c0b0a09"
IDLE_SESSION = "s_99999999999999"  # named in the metadata, no lines
CODEX_PROMPT = "5a1b2c3d4e5f6789"  # a legacy prompt hash (16 hex, no prefix)
ALICE = "h_31dce776f88375"


def note(attestations: dict[str, list[tuple[str, str]]], **meta: object) -> str:
    """A note in git-ai's layout: quoted paths where git-ai quotes them, then the metadata."""
    lines = []
    for path, entries in attestations.items():
        lines.append(f'"{path}"' if " " in path else path)
        lines.extend(f"  {h} {ranges}" for h, ranges in entries)
    body = {"schema_version": "authorship/3.0.0", "git_ai_version": "1.3.0",
            "base_commit_sha": "", "prompts": {}, **meta}  # fmt: skip
    return "\n".join([*lines, "---", json.dumps(body, indent=2)])


def agent(tool: str, model: str) -> dict[str, object]:
    return {"agent_id": {"tool": tool, "id": "conv-1", "model": model}, "human_author": None}


SESSIONS = {
    CLAUDE_SESSION: agent("claude", "claude-sonnet-4-5"),
    CURSOR_SESSION: agent("cursor", "gpt-5"),
    IDLE_SESSION: agent("claude", "claude-opus-4-1"),
}
HUMANS = {ALICE: {"author": "Alice Smith <alice@acme.example>"}}


# --- parsing -------------------------------------------------------------------------------


def test_git_ai_sample_notes_parse() -> None:
    """Every note copied from git-ai's tests parses, with its paths, ranges and agents."""
    parsed = {f.name: parse_note(f.read_text()) for f in sorted(FIXTURES.glob("*.note"))}
    assert len(parsed) == 6
    spaces = parsed["file-names-with-spaces.note"]
    assert [e.path for e in spaces.entries] == [
        "src/my file.rs", "docs/README (copy).md", "test/file-with-dashes.js",
    ]  # fmt: skip
    assert spaces.agent("c9883b05a2487d6d") == Agent("cursor", "claude-3-sonnet")
    expected = parsed["expected-format.note"]
    assert expected.entries[0].ranges == ((1, 1), (2, 2), (19, 222))
    mixed = parsed["mixed-prompts-and-sessions.note"]
    session = mixed.entries[1].hash
    assert session == "s_1234567890abcd::t_fedcba0987654321"
    assert mixed.agent(session) == Agent("unspecified", "new_model")  # "new_tool": not ours
    assert parsed["old-format-without-sessions.note"].humans == {"h_abcdef12345678"}
    assert parsed["serialize-deserialize-no-attestations.note"].entries == ()


def test_sample_note_counts_like_git_ai() -> None:
    """git-ai's mixed note over a commit adding lines 1-3 of each file: the legacy prompt's
    and the session's lines both count as AI."""
    parsed = parse_note((FIXTURES / "mixed-prompts-and-sessions.note").read_text())
    counts = count_lines(parsed, {"old_file.txt": [(1, 3)], "new_file.txt": [(1, 3)]})
    assert counts.ai == {("unspecified", "test_model"): 3, ("unspecified", "new_model"): 3}
    assert (counts.added, counts.human, counts.untracked) == (6, 0, 0)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("claude", "claude-code"), ("cursor", "cursor"), ("github-copilot", "github-copilot"),
     ("copilot", "github-copilot"), ("codex", "openai-codex"), ("gemini", "gemini-cli"),
     ("windsurf", "windsurf"), ("some-new-agent", "unspecified"), (None, "unspecified")],
)  # fmt: skip
def test_tool_names_map_to_catalogue_ids(name: str | None, expected: str) -> None:
    assert tool_id(name) == expected


@pytest.mark.parametrize(
    "text",
    ["app.py\n  s_1 1-3\n", "app.py\n  s_1 1-3\n---\n{not json",
     "  s_1 1-3\n---\n{}", "app.py\n  s_1 one-3\n---\n{}", "app.py\n  s_1\n---\n{}",
     'app.py\n---\n{"prompts": {"x": {"agent": 1}}}'],
)  # fmt: skip
def test_malformed_notes_raise_note_error(text: str) -> None:
    with pytest.raises(NoteError):
        parse_note(text)


def test_added_ranges_from_a_zero_context_patch() -> None:
    """An added line `++ b/evil.py` (shown `+++ b/evil.py`) is a line, not a file."""
    patch = (
        "diff --git a/app.py b/app.py\n--- a/app.py\n+++ b/app.py\n"
        "@@ -3,0 +4,2 @@\n+a\n+++ b/evil.py\n@@ -9 +11 @@\n-x\n\\ No newline at end of file\n+y\n"
        "@@ -12,2 +13,0 @@\n-p\n-q\n"
        "diff --git a/old.py b/old.py\ndeleted file mode 100644\n--- a/old.py\n+++ /dev/null\n"
        "@@ -1,2 +0,0 @@\n-a\n-b\n"
        "diff --git a/my file.py b/my file.py\n--- /dev/null\n+++ b/my file.py\t\n@@ -0,0 +1,3 @@\n"
    )
    assert added_ranges(patch) == {"app.py": [(4, 5), (11, 11)], "my file.py": [(1, 3)]}


def test_added_lines_read_from_git_as_git_ai_diffs(tmp_path: Path) -> None:
    """The lines commits add, from one `git log -p -U0` over them: an added line `++ x`
    replacing a removed `-- y` (shown `+++ x` after `--- y`), a file with no newline at its
    end, a renamed and edited file (its new name), quoted and non-ASCII names, a binary
    file, a deleted one, a root commit and a merge."""
    r = Repo(tmp_path / "repo")
    (r.path / "a.txt").write_text("one\n-- y\nthree")  # no newline at the end
    (r.path / "moved.py").write_text("".join(f"line {i}\n" for i in range(1, 21)))
    r.git("add", ".")
    r.git("commit", "-q", "-m", "root")
    root = r.git("rev-parse", "HEAD").strip()
    (r.path / "a.txt").write_text("one\n++ x\nthree\nfour\n")
    r.git("mv", "moved.py", "renamed.py")
    text = "".join(f"line {i}\n" for i in range(1, 21)).replace("line 5\n", "five\n")
    (r.path / "renamed.py").write_text(text + "line 21\n")
    (r.path / 'say "hi" é.txt').write_text("hello\n")
    (r.path / "blob.bin").write_bytes(b"\x00\x01\x02" * 10)
    r.git("add", "-A")
    r.git("commit", "-q", "-m", "edit")
    edit = r.git("rev-parse", "HEAD").strip()
    r.git("checkout", "-q", "-b", "side")
    r.git("rm", "-q", "a.txt")
    r.git("commit", "-q", "-m", "delete")
    delete = r.git("rev-parse", "HEAD").strip()
    r.git("checkout", "-q", "main")
    (r.path / "main.txt").write_text("m\n")
    r.git("add", "main.txt")
    r.git("commit", "-q", "-m", "main")
    r.git("merge", "-q", "--no-ff", "side", "-m", "merge")
    merge = r.git("rev-parse", "HEAD").strip()

    with _PatchLog(r.path, [root, edit, delete, merge]) as log:
        added = {sha: found for piece in log for sha, found in piece.items()}

    assert added[root] == (False, {"a.txt": [(1, 3)], "moved.py": [(1, 20)]})
    assert added[edit] == (False, {
        "a.txt": [(2, 4)], "renamed.py": [(5, 5), (21, 21)], 'say "hi" é.txt': [(1, 1)],
    })  # fmt: skip
    assert added[delete] == (False, {})
    assert added[merge] == (True, {})


class _Trickle(io.BytesIO):
    """A pipe that holds ``size`` bytes at a time (``read1`` returns no more)."""

    def __init__(self, data: bytes, size: int) -> None:
        super().__init__(data)
        self.size = size

    def read1(self, n: int = -1) -> bytes:
        return super().read1(min(n, self.size) if n >= 0 else self.size)


def test_log_read_in_pieces_of_whole_commits_whatever_git_has_written() -> None:
    """The patch log is parsed as git writes it (what the pipe holds): each piece starts at
    a commit's first line and ends before the next, whether a read ends inside a commit, a
    multi-byte character, or between the newline and the mark that starts a commit."""
    log = (
        "\x01aaa \ndiff --git a/é.txt b/é.txt\n--- /dev/null\n+++ b/é.txt\n@@ -0,0 +1,2 @@\n+é\n"
        "+x\n\x01bbb aaa\n\x01ccc bbb x\n\x01ddd ccc\ndiff --git a/a b/a\n--- a/a\n+++ b/a\n"
        "@@ -3 +3,4 @@\n-y\n+1\n+2\n+3\n+4\n"
    ).encode()
    whole = log_added_ranges(log.decode())
    for size in range(1, len(log) + 2):
        pieces = list(_commit_pieces(_Trickle(log, size)))  # type: ignore[arg-type]
        assert "".join(pieces).encode() == log
        assert all(p.startswith("\x01") for p in pieces)
        found: dict[str, tuple[bool, dict[str, list[tuple[int, int]]]]] = {}
        for piece in pieces:
            found.update(log_added_ranges(piece))
        assert found == whole
    assert whole["ddd"] == (False, {"a": [(3, 6)]}) and whole["ccc"] == (True, {})


# --- collect git -------------------------------------------------------------------------------


def add_note(repo: Repo, sha: str, text: str, *, force: bool = False) -> None:
    file = repo.path.parent / "note.txt"
    file.write_text(text)
    repo.git("notes", "--ref=ai", "add", *(["-f"] if force else []), "-F", str(file), sha)


def lines_of(engine: sa.Engine) -> pl.DataFrame:
    return read_table(engine, s.commit_ai_lines).sort("sha", "tool_id", "model")


def rows_for(frame: pl.DataFrame, sha: str) -> list[tuple]:
    return frame.filter(pl.col("sha") == sha).select(
        "tool_id", "model", "ai_added_lines", "human_lines", "untracked_lines", "added_lines"
    ).rows()  # fmt: skip


@pytest.fixture
def noted(tmp_path: Path) -> tuple[Repo, dict[str, str]]:
    """A history whose notes cover each case; ``shas`` names its commits."""
    r = Repo(tmp_path / "payments-api")
    shas: dict[str, str] = {}
    # Root: Claude wrote lines 1-6 of app.py, Alice typed 7-8, 9-10 untracked.
    shas["root"] = r.commit("feat: app", lines=10)
    add_note(r, shas["root"], note(
        {"app.py": [(f"{CLAUDE_SESSION}::t_aaaaaaaaaaaaaa", "1-6"), (ALICE, "7-8")]},
        sessions=SESSIONS, humans=HUMANS,
    ))  # fmt: skip
    # A file with a space (quoted path) by Cursor; app.py lines 11-13 added, a legacy Codex
    # prompt wrote 11-12; a range over lines the commit does not add (1-3) counts nothing;
    # the idle session has no lines.
    shas["spaces"] = r.commit("feat: reports", file="my file.py", lines=4)
    r.commit("wip", lines=3)  # squashed into the next one below by amending
    r.git("reset", "-q", "--soft", "HEAD~2")
    r.git("commit", "-q", "-m", "feat: reports and app")
    shas["spaces"] = r.git("rev-parse", "HEAD").strip()
    add_note(r, shas["spaces"], note(
        {"my file.py": [(f"{CURSOR_SESSION}::t_bbbbbbbbbbbbbb", "1-4")],
         "app.py": [(CODEX_PROMPT, "1-3,11-12")]},
        prompts={CODEX_PROMPT: agent("codex", "gpt-5-codex")}, sessions=SESSIONS,
    ))  # fmt: skip
    # The next commit deletes the file with the space; its note names that file only.
    r.git("rm", "-q", "my file.py")
    shas["delete"] = r.commit("chore: drop reports", lines=2)
    add_note(r, shas["delete"], note(
        {"my file.py": [(f"{CURSOR_SESSION}::t_cccccccccccccc", "1-4")]}, sessions=SESSIONS
    ))  # fmt: skip
    shas["malformed"] = r.commit("fix: broken note", lines=1)
    add_note(r, shas["malformed"], "app.py\n  s_1 1-1\n")  # no '---' nor metadata
    shas["plain"] = r.commit("docs: no note", file="README.md", lines=2)
    # A merge commit with a note: counts none.
    r.git("checkout", "-q", "-b", "feature")
    shas["branch"] = r.commit("feat: side", file="side.py", lines=3)
    add_note(r, shas["branch"], note(
        {"side.py": [(f"{CLAUDE_SESSION}::t_dddddddddddddd", "1-3")]}, sessions=SESSIONS
    ))  # fmt: skip
    r.git("checkout", "-q", "main")
    r.git("merge", "-q", "--no-ff", "feature", "-m", "Merge pull request #3 from acme/feature")
    shas["merge"] = r.git("rev-parse", "HEAD").strip()
    add_note(r, shas["merge"], note(
        {"side.py": [(f"{CLAUDE_SESSION}::t_eeeeeeeeeeeeee", "1-3")]}, sessions=SESSIONS
    ))  # fmt: skip
    # A branch never merged: its note is not read (the branch read is main).
    r.git("checkout", "-q", "-b", "abandoned")
    shas["abandoned"] = r.commit("feat: abandoned", file="x.py", lines=5)
    add_note(r, shas["abandoned"], note(
        {"x.py": [(f"{CLAUDE_SESSION}::t_ffffffffffffff", "1-5")]}, sessions=SESSIONS
    ))  # fmt: skip
    r.git("checkout", "-q", "main")
    return r, shas


def test_collect_git_reads_notes(noted: tuple[Repo, dict[str, str]], engine: sa.Engine) -> None:
    repo, shas = noted
    warnings: list[str] = []
    counts = collect_repo(engine, inspect_repo(repo.path), on_warning=warnings.append)
    assert counts["ai_line_commits"] == 5
    lines = lines_of(engine)
    assert set(lines["source"]) == {"git-ai"}
    assert rows_for(lines, shas["root"]) == [("claude-code", "claude-sonnet-4-5", 6, 2, 2, 10)]
    assert rows_for(lines, shas["spaces"]) == [
        ("cursor", "gpt-5", 4, 0, 1, 7), ("openai-codex", "gpt-5-codex", 2, 0, 1, 7),
    ]  # fmt: skip
    # The same AI lines per file (what explain lists), the quoted path unquoted.
    files = read_table(engine, s.commit_ai_line_files).filter(pl.col("sha") == shas["spaces"])
    assert files.sort("path").select("path", "tool_id", "model", "ai_added_lines").rows() == [
        ("app.py", "openai-codex", "gpt-5-codex", 2), ("my file.py", "cursor", "gpt-5", 4),
    ]  # fmt: skip
    assert read_table(engine, s.commit_ai_line_files)["ai_added_lines"].sum() == lines[
        "ai_added_lines"
    ].sum()  # fmt: skip
    # The note names only the deleted file: evidence, no AI line.
    assert rows_for(lines, shas["delete"]) == [("", "", 0, 0, 2, 2)]
    assert rows_for(lines, shas["merge"]) == [("", "", 0, 0, 0, 0)]
    # The side branch's commit is on main through the merge: its note counts.
    assert rows_for(lines, shas["branch"]) == [("claude-code", "claude-sonnet-4-5", 3, 0, 0, 3)]
    for absent in ("malformed", "plain", "abandoned"):
        assert rows_for(lines, shas[absent]) == []
    assert len(warnings) == 1
    assert shas["malformed"] in warnings[0] and "acme/payments-api" in warnings[0]
    assert not set(lines["tool_id"]) & {"claude", "codex"}  # catalogue ids only

    # Unchanged: nothing read again, no warning again.
    assert collect_repo(engine, inspect_repo(repo.path), on_warning=warnings.append)[
        "ai_line_commits"
    ] == 0  # fmt: skip
    assert len(warnings) == 1


def test_notes_with_all_refs_only_of_the_default_branch(
    noted: tuple[Repo, dict[str, str]], engine: sa.Engine
) -> None:
    """With --all the log also reads the abandoned branch: its commit is stored, off the
    default branch, and its note is left out as without --all (the write tells the branch's
    commits from the log just read, not from the store)."""
    repo, shas = noted
    counts = collect_repo(engine, inspect_repo(repo.path), all_refs=True, on_warning=print)
    assert counts["ai_line_commits"] == 5
    commits = read_table(engine, s.commits).filter(pl.col("sha") == shas["abandoned"])
    assert commits["on_default_branch"].to_list() == [False]
    lines = lines_of(engine)
    assert rows_for(lines, shas["abandoned"]) == []
    assert rows_for(lines, shas["branch"]) == [("claude-code", "claude-sonnet-4-5", 3, 0, 0, 3)]


def test_notes_read_in_this_process_without_an_interpreter_to_start(
    noted: tuple[Repo, dict[str, str]], engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No Python to start beside the log (a frozen application): the notes are read in the
    collecting process, with the same rows and warning."""
    repo, shas = noted
    monkeypatch.setattr(sys, "executable", "")
    warnings: list[str] = []
    counts = collect_repo(engine, inspect_repo(repo.path), on_warning=warnings.append)
    assert (counts["ai_line_commits"], len(warnings)) == (5, 1)
    lines = lines_of(engine)
    assert rows_for(lines, shas["root"]) == [("claude-code", "claude-sonnet-4-5", 6, 2, 2, 10)]


def test_note_added_later_is_picked_up(
    noted: tuple[Repo, dict[str, str]], engine: sa.Engine
) -> None:
    """A note added (or fixed) after the commit was collected is read on the next run;
    a new commit with its note too."""
    repo, shas = noted
    collect_repo(engine, inspect_repo(repo.path), on_warning=lambda _: None)
    add_note(repo, shas["plain"], note(
        {"README.md": [(f"{CURSOR_SESSION}::t_11111111111111", "2")]}, sessions=SESSIONS
    ))  # fmt: skip
    add_note(repo, shas["malformed"], note(
        {"app.py": [(ALICE, "16")]}, sessions=SESSIONS, humans=HUMANS
    ), force=True)  # fmt: skip
    new = repo.commit("feat: more", lines=2)
    add_note(repo, new, note(
        {"app.py": [(f"{CLAUDE_SESSION}::t_22222222222222", "1-100")]}, sessions=SESSIONS
    ))  # fmt: skip
    warnings: list[str] = []
    counts = collect_repo(engine, inspect_repo(repo.path), on_warning=warnings.append)
    assert (counts["commits"], counts["ai_line_commits"], warnings) == (1, 3, [])
    lines = lines_of(engine)
    assert rows_for(lines, shas["plain"]) == [("cursor", "gpt-5", 1, 0, 1, 2)]
    assert rows_for(lines, shas["malformed"]) == [("", "", 0, 1, 0, 1)]
    assert rows_for(lines, new) == [("claude-code", "claude-sonnet-4-5", 2, 0, 0, 2)]
    # What was read before is kept.
    assert rows_for(lines, shas["root"]) == [("claude-code", "claude-sonnet-4-5", 6, 2, 2, 10)]


def test_clone_without_notes_reads_none(tmp_path: Path, engine: sa.Engine) -> None:
    r = Repo(tmp_path / "plain")
    r.commit("feat: app")
    assert collect_repo(engine, inspect_repo(r.path))["ai_line_commits"] == 0
    assert lines_of(engine).is_empty()


def test_notes_git_cannot_read_leave_a_warning(tmp_path: Path, engine: sa.Engine) -> None:
    """git failing in the notes' own process (its notes ref names a blob) reaches
    `collect git` as git's error: one warning, the commits stored, the notes read next time."""
    r = Repo(tmp_path / "broken")
    sha = r.commit("feat: app")
    blob = r.git("hash-object", "-w", str(r.path / "app.py")).strip()
    r.git("update-ref", "refs/notes/ai", blob)
    warnings: list[str] = []
    counts = collect_repo(engine, inspect_repo(r.path), on_warning=warnings.append)
    assert (counts["commits"], counts["ai_line_commits"]) == (1, 0)
    assert len(warnings) == 1 and "git-ai notes not read" in warnings[0]
    assert "git notes failed" in warnings[0]
    assert lines_of(engine).is_empty()

    r.git("update-ref", "-d", "refs/notes/ai")
    add_note(r, sha, note({"app.py": [(ALICE, "1")]}, humans=HUMANS))
    counts = collect_repo(engine, inspect_repo(r.path), on_warning=warnings.append)
    assert (counts["commits"], counts["ai_line_commits"], len(warnings)) == (0, 1, 1)
