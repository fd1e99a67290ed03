"""Running git and reading its log: ``git log``'s output streamed from its process in pieces
while git reads on, so a large history is parsed as it arrives.
"""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from aimetrics.errors import AimetricsError
from collectors import git_clone_state as clone

try:
    import fcntl
except ImportError:  # not on Windows: the pipe keeps its default size
    fcntl = None  # type: ignore[assignment]

RS, US = "\x1e", "\x1f"

# One record per commit: sha, parents, author, committer (dates as Unix seconds: the instant,
# which is what the store keeps, and no text to parse), full message; numstat follows.
FORMAT = f"{RS}%H{US}%P{US}%an{US}%ae{US}%at{US}%cn{US}%ce{US}%ct{US}%B{US}"

FIELDS = [
    "sha", "parents", "author_name", "author_email", "authored", "committer_name",
    "committer_email", "committed", "message", "numstat",
]  # fmt: skip


class GitError(AimetricsError):
    """git failed or the path is not a repository."""


def run_git(path: Path, *args: str, input: str | None = None) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(path), *args],
            input=input,
            check=True,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            env=clone.git_env(),
        )
    except FileNotFoundError:
        raise GitError("git is not installed (aimetrics reads local clones with git)") from None
    except subprocess.CalledProcessError as exc:
        msg = (exc.stderr or "").strip().splitlines()
        raise GitError(f"{path}: git {args[0]} failed: {msg[-1] if msg else exc}") from None
    return done.stdout


# Output is parsed in pieces of about this size (whole records), each while git reads on.
_CHUNK_BYTES = 1 << 20

_PIPE_BYTES = 1 << 20

_QUEUED_READS = 64  # at most this many reads wait for the parser (then git waits)

_PIPE_NAP = 0.005  # seconds the reader waits after a short read (git writes ~10 MB/s)


class GitLog:
    """``git log`` in our format, started at once and read as it comes.

    A thread drains the pipe, so git never waits for the parsing and loading the caller
    does with each piece: that work overlaps git's own. Iterating yields the output in
    pieces of whole records; ``close`` (or leaving the ``with`` block) stops git if the
    caller stopped early. A failed ``git log`` raises ``GitError`` at the end of iteration.
    """

    def __init__(
        self,
        path: Path,
        revs: list[str],
        on_progress: Callable[[int], None] | None = None,
        *,
        numstat: bool = True,
        name: str | None = None,
    ) -> None:
        self.path = path
        self.name = name or str(path)  # how errors name the repository
        self.numstat = numstat
        self.on_progress = on_progress
        cmd = ["git", "-C", str(path), "log", *revs, f"--format={FORMAT}",
               *(["--numstat"] if numstat else []), "--no-renames", "--no-color"]  # fmt: skip
        self._err = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        try:
            self._proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._err,
                env=clone.git_env(),
            )  # fmt: skip
        except FileNotFoundError:
            self._err.close()
            raise GitError("git is not installed (aimetrics reads local clones with git)") from None
        assert self._proc.stdout is not None
        stdout = self._proc.stdout
        if fcntl is not None and hasattr(fcntl, "F_SETPIPE_SZ"):  # Linux: fewer wake-ups
            with contextlib.suppress(OSError):
                fcntl.fcntl(stdout.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
        self._blocks: queue.Queue[bytes] = queue.Queue(maxsize=_QUEUED_READS)

        def pump() -> None:
            fd = stdout.fileno()
            try:
                while block := os.read(fd, _PIPE_BYTES):
                    self._blocks.put(block)
                    # git writes about a commit at a time: reading each write as it comes
                    # costs a wake-up (and a turn of the GIL) per commit. Let a few pile up.
                    if len(block) < _PIPE_BYTES // 16:
                        time.sleep(_PIPE_NAP)
            finally:
                self._blocks.put(b"")

        self._reader = threading.Thread(target=pump, name="git-log-reader", daemon=True)
        self._reader.start()
        self._finished = self._closed = False

    def __iter__(self) -> Iterator[str]:
        rs = RS.encode()
        buf = bytearray()
        while block := self._blocks.get():
            if self.on_progress:
                self.on_progress(block.count(rs))
            buf += block
            if len(buf) >= _CHUNK_BYTES and (cut := buf.rfind(rs)) > 0:
                yield buf[:cut].decode("utf-8", errors="replace")
                del buf[:cut]
        if buf:
            yield buf.decode("utf-8", errors="replace")
        self._finished = True
        self.close()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if not self._finished:  # stopped early: stop git, and the reader (which may wait)
            self._proc.kill()
            while self._reader.is_alive():
                with contextlib.suppress(queue.Empty):
                    self._blocks.get(timeout=0.05)
        self._reader.join()
        assert self._proc.stdout is not None
        self._proc.stdout.close()
        code = self._proc.wait()
        self._err.seek(0)
        msg = self._err.read().decode(errors="replace").strip()
        self._err.close()
        if self._finished and code != 0:
            # git's own message, not the usage hint it may print after it
            lines = msg.splitlines()
            said = [line for line in lines if line.startswith(("fatal:", "error:"))] or lines
            # The first error names the cause (the object missing), the last fatal the stop.
            said = list(dict.fromkeys([said[0], said[-1]])) if said else [str(code)]
            hint = clone.failure_hint(msg, numstat=self.numstat)
            raise GitError(f"{self.name}: git log failed: {'; '.join(said)}{hint}")

    def __enter__(self) -> GitLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def existing_commits(path: Path, shas: list[str]) -> list[str]:
    """The shas that still name a commit (or a tag of one) in the clone: one git call."""
    if not shas:
        return []
    out = run_git(
        path, "cat-file", "--batch-check", input="".join(f"{sha}^{{commit}}\n" for sha in shas)
    )
    found = out.splitlines()
    return [
        sha for sha, line in zip(shas, found, strict=True) if line.split(" ")[1:2] == ["commit"]
    ]
