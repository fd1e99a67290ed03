"""Reading and counting git-ai notes (``refs/notes/ai``), in a process of its own beside the log.

``read_notes`` lists the notes, reads their blobs (one ``git cat-file --batch``) and the lines
their commits add (one ``git log -p -U0`` over them, parsed as git writes it), and counts each
note's lines (``collectors.git_ai_notes``). ``NotesReader`` runs it in a second Python process
(``python -c``, running ``_serve``): `collect git` parses its own log in the meantime, and
two threads of one process would take turns on the GIL instead of using both cores. This
module imports neither polars nor SQLAlchemy, so that process starts in a few tens of
milliseconds; ``collectors.git_notes`` turns what it returns into rows and writes them.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from collectors import git_clone_state as clone
from collectors.git_ai_notes import (
    Added,
    LineCounts,
    NoteError,
    count_lines,
    log_added_ranges,
    parse_note,
)
from collectors.git_log import GitError, run_git

NOTES_REF = "refs/notes/ai"
SOURCE = "git-ai"  # commit_ai_lines.source and sync_state.source

_READ_BYTES = 1 << 20  # the patch log is parsed in pieces of about this size while git runs

Columns = dict[str, list[Any]]


@dataclass
class NotesRead:
    """What ``read_notes`` found, for ``collectors.git_notes.write_notes``: the rows of every
    counted commit as columns (without ``repo_id`` and ``source``; see ``line_columns``)."""

    notes_tip: str
    branch_tip: str
    lines: Columns
    files: Columns
    replaced: list[str] | None  # commits whose rows go before writing; None: all of them
    warnings: dict[str, str] = field(default_factory=dict)  # per commit


def read_notes(
    path: Path, full_name: str, branch_tip: str, state: dict[str, str], *, full: bool = False
) -> NotesRead | None:
    """Read and count the notes to (re)write; None when there is nothing to do (no notes
    ref, or nothing changed since ``state``, the last run's ``read_state``)."""
    notes_tip = _resolve(path, NOTES_REF)
    if _nothing_to_do(notes_tip, branch_tip, state, full=full):
        return None
    assert notes_tip is not None
    notes = _list_notes(path)
    changed, everything = _changed(path, state, notes_tip, branch_tip, notes, full=full)
    # Which of them are on the branch is settled when writing, by the commits stored (git
    # lists every note at once; walking the branch here would cost as much as the log).
    todo = sorted(sha for sha in changed if sha in notes)
    gone = sorted(sha for sha in changed if sha not in notes)
    counted: dict[str, LineCounts] = {}
    warnings: dict[str, str] = {}
    # Both gits start at once: cat-file reads the notes (quickly) while git log diffs; then
    # each piece of the log is parsed and its commits' notes parsed and counted while git
    # diffs the next commits, so that little is left to do when git is done.
    with _CatBlobs(path, [notes[sha] for sha in todo]) as blobs, _PatchLog(path, todo) as log:
        texts = blobs.texts()
        for added in log:
            for sha, (merge, lines) in added.items():
                try:
                    note = parse_note(texts[notes[sha]])
                except NoteError as exc:
                    warnings[sha] = (
                        f"{full_name}: the git-ai note on commit {sha} is skipped: {exc}"
                    )
                    continue
                counted[sha] = count_lines(note, lines, merge=merge)
    rows, files = line_columns(counted), file_columns(counted)
    replaced = None if everything else [*todo, *gone]
    return NotesRead(notes_tip, branch_tip, rows, files, replaced, warnings)


def _nothing_to_do(
    notes_tip: str | None, branch_tip: str, state: dict[str, str], *, full: bool
) -> bool:
    return notes_tip is None or (not full and state == {"notes": notes_tip, "branch": branch_tip})


def line_columns(counted: dict[str, LineCounts]) -> Columns:
    """``commit_ai_lines`` columns but ``repo_id`` and ``source``: one row per commit, tool and
    model with AI lines, or one with tool and model '' for a commit whose evidence has none."""
    cols: Columns = {k: [] for k in LINE_COLUMNS}
    sha_, human, mixed, untracked, added, tool_, model_, ai = cols.values()
    for sha, c in counted.items():
        for (tool, model), n in sorted(c.ai.items()) or [(("", ""), 0)]:
            sha_.append(sha)
            human.append(c.human)
            mixed.append(c.mixed)
            untracked.append(c.untracked)
            added.append(c.added)
            tool_.append(tool)
            model_.append(model)
            ai.append(n)
    return cols


def file_columns(counted: dict[str, LineCounts]) -> Columns:
    """``commit_ai_line_files`` columns but ``repo_id`` and ``source``: per commit, file, tool
    and model with AI lines."""
    cols: Columns = {k: [] for k in FILE_COLUMNS}
    sha_, path_, tool_, model_, ai = cols.values()
    for sha, c in counted.items():
        for (path, tool, model), n in sorted(c.files.items()):
            sha_.append(sha)
            path_.append(path)
            tool_.append(tool)
            model_.append(model)
            ai.append(n)
    return cols


LINE_COLUMNS = (
    "sha", "human_lines", "mixed_lines", "untracked_lines", "added_lines", "tool_id", "model",
    "ai_added_lines",
)  # fmt: skip
FILE_COLUMNS = ("sha", "path", "tool_id", "model", "ai_added_lines")


def _resolve(path: Path, ref: str) -> str | None:
    try:
        return run_git(path, "rev-parse", "--verify", "--quiet", ref).strip() or None
    except GitError:
        return None


def _list_notes(path: Path) -> dict[str, str]:
    """Annotated commit -> its note's blob."""
    pairs = (
        line.split() for line in run_git(path, "notes", "--ref", NOTES_REF, "list").splitlines()
    )
    return {commit: blob for blob, commit in pairs}


def _changed(
    path: Path, state: dict[str, str], notes_tip: str, branch_tip: str,
    notes: dict[str, str], *, full: bool,
) -> tuple[set[str], bool]:  # fmt: skip
    """The commits whose note to read (again), and whether that is every annotated one (a
    first or full run); else those whose note changed since the notes tip read last, and
    the branch's new ones."""
    old_notes, old_branch = state.get("notes"), state.get("branch")
    if full or not old_notes or _resolve(path, f"{old_notes}^{{commit}}") is None:
        return set(notes), True
    diff = run_git(path, "diff-tree", "-r", "--name-only", "--no-renames", old_notes, notes_tip)
    # A note's path is the annotated commit's sha, maybe split into fan-out folders.
    changed = {line.replace("/", "") for line in diff.split()}
    if old_branch and _resolve(path, f"{old_branch}^{{commit}}"):
        changed |= set(run_git(path, "rev-list", branch_tip, f"^{old_branch}").split())
    else:
        changed |= set(notes)
    return changed, False


def _lines_file(items: list[str]) -> IO[bytes]:
    """A temporary file of one item a line, for a git command's stdin (a pipe would need a
    thread to write it while git's output is read)."""
    file = tempfile.TemporaryFile()  # noqa: SIM115 (the caller closes it)
    file.write("".join(f"{item}\n" for item in items).encode())
    file.seek(0)
    return file


def _git(path: Path, args: list[str], stdin: IO[bytes], stdout: IO[bytes] | int) -> _Git:
    err = tempfile.TemporaryFile()  # noqa: SIM115 (closed by _check or _stop)
    try:
        proc = subprocess.Popen(
            ["git", "-C", str(path), *args], stdin=stdin, stdout=stdout, stderr=err,
            # Buffered output: into a pipe git log flushes after every commit, a write (and a
            # read here) per commit, about a quarter of its CPU time over 21k commits.
            env={**clone.git_env(), "GIT_FLUSH": "0"},
        )  # fmt: skip
    except FileNotFoundError:
        err.close()
        raise GitError("git is not installed (aimetrics reads local clones with git)") from None
    return _Git(proc, err)


@dataclass
class _Git:
    proc: subprocess.Popen
    err: IO[bytes]  # git's stderr, read when it failed


def _check(path: Path, git: _Git, what: str) -> None:
    """``GitError`` with git's last line when it failed (as ``run_git`` says it)."""
    code = git.proc.wait()
    if git.proc.stdout is not None:
        git.proc.stdout.close()
    git.err.seek(0)
    msg = git.err.read().decode(errors="replace").strip().splitlines()
    git.err.close()
    if code:
        raise GitError(f"{path}: git {what} failed: {msg[-1] if msg else code}")


def _stop(git: _Git) -> None:
    """Stop a git whose output is no longer wanted (the reading stopped early)."""
    if git.proc.poll() is None:
        git.proc.kill()
    if git.proc.stdout is not None:
        git.proc.stdout.close()
    git.proc.wait()
    git.err.close()


class _CatBlobs:
    """The text of each blob, from one ``git cat-file --batch`` started at once (its output goes
    to a temporary file until ``texts`` reads it)."""

    def __init__(self, path: Path, blobs: list[str]) -> None:
        self.path, self.git = path, None
        self.stdin = _lines_file(blobs)
        self.out = tempfile.TemporaryFile()  # noqa: SIM115 (closed by __exit__)
        if blobs:
            # --buffer: without it cat-file also flushes each object's header on its own.
            self.git = _git(path, ["cat-file", "--batch", "--buffer"], self.stdin, self.out)

    def texts(self) -> dict[str, str]:
        if self.git is None:
            return {}
        git, self.git = self.git, None
        _check(self.path, git, "cat-file")
        self.out.seek(0)
        out, pos, texts = self.out.read(), 0, {}
        while pos < len(out):
            end = out.index(b"\n", pos)
            header = out[pos:end].split()
            if len(header) < 3:  # "<sha> missing"
                pos = end + 1
                continue
            size = int(header[2])
            texts[header[0].decode()] = out[end + 1 : end + 1 + size].decode("utf-8", "replace")
            pos = end + 1 + size + 1
        return texts

    def __enter__(self) -> _CatBlobs:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.git is not None:  # left early
            _stop(self.git)
        self.stdin.close()
        self.out.close()


class _PatchLog:
    """The lines each commit adds against its first parent (git-ai's diff: ``-U0``, renames
    found down to 1% similarity; a root commit against the empty tree; a merge shows no
    diff), from one ``git log`` over all of them, started at once. Iterating yields them
    per piece of whole commits (``log_added_ranges``), as git writes them."""

    def __init__(self, path: Path, shas: list[str]) -> None:
        self.path, self.git = path, None
        self.stdin = _lines_file(shas)
        if not shas:
            return
        args = [
            "-c", "core.quotePath=false", "log", "--no-walk=unsorted", "--stdin", "-p", "-U0",
            "--find-renames=1%", "--no-color", "--no-ext-diff", "--format=%x01%H %P",
        ]  # fmt: skip
        self.git = _git(path, args, self.stdin, subprocess.PIPE)
        _widen_pipe(self.git.proc.stdout)  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[dict[str, tuple[bool, Added]]]:
        if self.git is None:
            return
        for piece in _commit_pieces(self.git.proc.stdout):  # type: ignore[arg-type]
            yield log_added_ranges(piece)
        git, self.git = self.git, None
        _check(self.path, git, "log")

    def __enter__(self) -> _PatchLog:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.git is not None:  # left early
            _stop(self.git)
        self.stdin.close()


def _widen_pipe(stdout: IO[bytes]) -> None:
    """Let git write up to a megabyte ahead (Linux; a pipe holds 64 KiB by default): git
    diffs on while a piece is parsed and counted, instead of waiting for it."""
    try:
        import fcntl  # not on Windows

        fcntl.fcntl(stdout.fileno(), fcntl.F_SETPIPE_SZ, _READ_BYTES)
    except (ImportError, AttributeError, OSError):  # another system, or a lower limit
        pass


def _commit_pieces(stdout: IO[bytes]) -> Iterator[str]:
    """``git log --format=%x01...`` output in pieces that start at a commit's first line: what
    git has written so far (up to ``_READ_BYTES``), cut after its last whole commit."""
    parts: list[bytes] = []
    # read1: what the pipe holds, without waiting for a full megabyte (git writes on).
    while block := stdout.read1(_READ_BYTES):  # type: ignore[attr-defined]
        cut = block.rfind(b"\n\x01")
        if cut < 0:  # within a commit (or a cut between two blocks): gather on
            parts.append(block)
            continue
        parts.append(block[: cut + 1])
        yield b"".join(parts).decode("utf-8", "replace")
        parts = [block[cut + 1 :]]
    if rest := b"".join(parts):
        yield rest.decode("utf-8", "replace")


# --- in a process of its own ---------------------------------------------------------------


# The child's program: this module's _serve, imported as itself (not run as __main__), so the
# answer's classes are the ones the parent unpickles (collectors.git_notes_read.NotesRead).
_CHILD = "from collectors.git_notes_read import _serve; _serve()"

_NICENESS = 10  # added to the child's nice value (``nice``'s default)


class NotesReader:
    """``read_notes`` in a second Python process, started at once (it lowers its own priority,
    see ``_serve``); ``result`` waits for it.
    Nothing is started when there is nothing to read (no notes ref, or none changed); where
    no interpreter can be started (a frozen application), ``result`` reads in this process."""

    def __init__(
        self, path: Path, full_name: str, branch_tip: str, state: dict[str, str], *, full: bool
    ) -> None:
        self.proc: subprocess.Popen | None = None
        self.request: dict[str, Any] | None = None
        if _nothing_to_do(_resolve(path, NOTES_REF), branch_tip, state, full=full):
            return
        self.request = {"path": str(path), "full_name": full_name, "branch_tip": branch_tip,
                        "state": state, "full": full}  # fmt: skip
        if getattr(sys, "frozen", False) or not sys.executable:
            return
        # The child finds these packages where this process found them (an installed
        # package, or a source tree on the path).
        root = str(Path(__file__).resolve().parents[1])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [root, *filter(None, [os.environ.get("PYTHONPATH")])]
        )}  # fmt: skip
        with contextlib.suppress(OSError):
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _CHILD, json.dumps(self.request)],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                env=env,
            )  # fmt: skip

    def result(self) -> NotesRead | None:
        """What ``read_notes`` returned, or the exception it raised, raised here."""
        request, self.request = self.request, None
        if request is None:
            return None
        if self.proc is None:  # no second process: read here
            return _read(request)
        out, err = self.proc.communicate()
        self.proc = None
        try:
            # Our own child's answer on its own stdout, never data from elsewhere (the one
            # pickle read besides the disk cache's, docs/security.md): pickle keeps the
            # exception's type, so a GitError is handled here as if read in this process, and
            # is about ten times cheaper than JSON for 21k commits' columns (40 ms, 3% of
            # the notes benchmark's time).
            kind, value = pickle.loads(out)
        except Exception as exc:
            said = err.decode(errors="replace").strip().splitlines()
            raise RuntimeError(
                f"the git-ai notes reader failed: {said[-1] if said else exc}"
            ) from None
        if kind == "raise":
            raise value
        return value

    def cancel(self) -> None:
        """Stop the child (the log failed: its answer is not wanted)."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.communicate()
            self.proc = None
        self.request = None


def _read(request: dict[str, Any]) -> NotesRead | None:
    return read_notes(
        Path(request["path"]),
        request["full_name"],
        request["branch_tip"],
        request["state"],
        full=request["full"],
    )


def _serve() -> None:
    """The child's side of ``NotesReader``: the request its argument, the answer on stdout."""
    # A short-lived process making a few objects per note and no reference cycles: the
    # collector's passes over the growing heap cost a third of the counting, for nothing.
    gc.disable()
    # A lower priority (its git's too, started from here): the log and its parsing in the
    # parent are what the run waits for, and they already keep one and a half cores busy;
    # this process takes what they leave. At the same priority it slowed them by more than
    # it saved (measured in docs/collecting.md); its answer is wanted only after the log.
    if hasattr(os, "nice"):  # not on Windows
        with contextlib.suppress(OSError):
            os.nice(_NICENESS)
    try:
        answer: tuple[str, object] = ("ok", _read(json.loads(sys.argv[1])))
    except Exception as exc:  # raised again in the parent
        answer = ("raise", exc)
    try:
        data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # an exception that does not pickle: its text
        data = pickle.dumps(("raise", RuntimeError(repr(answer[1]))))
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
