"""A disk cache of :class:`~aimetrics.figures.facts.Facts`, keyed by the store version.

Building the facts reads the whole store and derives every flag (about 8 s at 100k PRs);
loading them back from Arrow IPC files takes a fraction of a second. The dashboard saves
the facts it built and a freshly started server (a restart, an upgrade, a second replica
on the same machine) loads them instead of reading the store again.

An entry is used only for exactly what it was built from: the store (its ``store_id``,
drawn when the store was created, so a store deleted and rebuilt at the same path is
another store), its version (:mod:`aimetrics.store.version`: any write moves it), the
settings the facts depend on, and this code (a digest of the package's sources and the
polars version: an upgrade never reads an older layout). Anything else is a miss, and a
damaged or unreadable entry is a miss too (it is removed): the cache can only save time.

Where: ``$AIMETRICS_CACHE_DIR``, else ``$XDG_CACHE_HOME/aimetrics``, else
``~/.cache/aimetrics``; one folder per store (named by a digest of its URL, without any
password), readable by its owner only. ``AIMETRICS_CACHE_DIR=off`` turns the cache off.
It holds what the dashboard shows (names, e-mails, PR titles: the store's data, never a
credential); saving an entry removes that store's other entries, and ``aimetrics forget``
clears the store's folder, so a forgotten person does not outlive the forgetting on disk.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import shutil
import tempfile
from functools import cache
from pathlib import Path

import polars as pl

from aimetrics.figures.facts import Facts
from aimetrics.figures.tags import ExplainInputs
from aimetrics.store.engine import StoreUrl, safe_url

CACHE_ENV = "AIMETRICS_CACHE_DIR"
OFF = "off"
_FORMAT = 1  # bump when the layout below changes
log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class FactsKey:
    """Everything the facts are built from (``version``: ``read_version``'s token)."""

    db_url: str
    version: str | None
    min_confidence: str
    exclude: tuple[str, ...]
    bots: tuple[str, ...]
    tz: str
    show_individuals: bool
    ai_tools: tuple[str, ...]  # the configured tools, as JSON

    def digest(self) -> str:
        fields = dataclasses.asdict(self) | {"db_url": _store_identity(self.db_url)}
        text = json.dumps([_FORMAT, _code_digest(), pl.__version__, fields], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:32]


def cache_root() -> Path | None:
    """The cache folder (see the module docstring), or None when turned off."""
    configured = os.environ.get(CACHE_ENV)
    if configured is not None:
        return None if configured.strip().lower() in (OFF, "") else Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "aimetrics"


def cache_dir_for(db_url: str) -> Path | None:
    """The folder of one store's entries (None when the cache is off)."""
    root = cache_root()
    if root is None:
        return None
    name = hashlib.sha256(_store_identity(db_url).encode()).hexdigest()[:16]
    return root / f"store-{name}"


def clear(db_url: str) -> None:
    """Remove every entry of this store (``aimetrics forget`` calls it)."""
    folder = cache_dir_for(db_url)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def load(key: FactsKey) -> Facts | None:
    """The cached facts for exactly ``key``, or None (no entry, cache off, unreadable)."""
    entry = _entry(key)
    if entry is None or not (entry / "meta.json").exists():
        return None
    try:
        meta = json.loads((entry / "meta.json").read_text())
        frames = {name: pl.read_ipc(entry / f"{name}.arrow") for name in meta["frames"]}
        explain = ExplainInputs(
            **{f: frames.pop(f"explain.{f}") for f in _frame_fields(ExplainInputs)},
            # JSON has no tuples: the settings' tuples come back as lists.
            **{k: tuple(v) if isinstance(v, list) else v for k, v in meta["explain"].items()},
        )
        return Facts(
            **{f: frames[f] for f in _frame_fields(Facts)},
            repositories=tuple(meta["repositories"]),
            explain=explain,
        )
    except Exception as exc:  # a damaged entry (disk full at save, a manual edit): a miss
        log.warning("ignoring the unreadable facts cache %s: %s", entry, exc)
        shutil.rmtree(entry, ignore_errors=True)
        return None


def save(key: FactsKey, facts: Facts) -> Path | None:
    """Write ``facts`` as the entry of ``key`` and remove the store's other entries.

    Written into a temporary folder renamed into place, so a reader never sees half an
    entry; a failure (disk full, read-only home) is logged and otherwise ignored."""
    entry = _entry(key)
    if entry is None or key.version is None:
        return None
    try:
        entry.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=entry.parent))
        frames = {f: getattr(facts, f) for f in _frame_fields(Facts)}
        frames |= {f"explain.{f}": getattr(facts.explain, f) for f in _frame_fields(ExplainInputs)}
        for name, frame in frames.items():
            # Uncompressed: loading is then a plain read, the point of the cache.
            frame.write_ipc(tmp / f"{name}.arrow", compression="uncompressed")
        scalars = {
            f.name: getattr(facts.explain, f.name)
            for f in dataclasses.fields(ExplainInputs)
            if f.name not in _frame_fields(ExplainInputs)
        }
        meta = {
            "frames": sorted(frames),
            "repositories": list(facts.repositories),
            "explain": scalars,
            "store": safe_url(key.db_url),
            "version": key.version,
        }
        (tmp / "meta.json").write_text(json.dumps(meta))
        try:
            tmp.rename(entry)
        except OSError:  # another server saved the same entry first: keep theirs
            shutil.rmtree(tmp, ignore_errors=True)
        _remove_others(entry)
    except OSError as exc:
        log.warning("could not write the facts cache in %s: %s", entry.parent, exc)
        return None
    return entry


def _entry(key: FactsKey) -> Path | None:
    folder = cache_dir_for(key.db_url)
    if folder is None or key.version is None:
        return None
    return folder / key.digest()


def _remove_others(keep: Path) -> None:
    """An older version's entry is never read again: free the disk (and its personal data)."""
    for other in keep.parent.iterdir():
        if other != keep and not other.name.startswith(".tmp-"):
            shutil.rmtree(other, ignore_errors=True)


@cache
def _frame_fields(cls: type) -> tuple[str, ...]:
    hints = {f.name: f.type for f in dataclasses.fields(cls)}
    return tuple(name for name, hint in hints.items() if "DataFrame" in str(hint))


def _store_identity(db_url: str) -> str:
    """The store's URL without its password, a SQLite path made absolute."""
    url = StoreUrl.parse(db_url)
    if url.is_sqlite:
        return f"sqlite:{url.sqlite_path.resolve()}"
    return url.url.render_as_string(hide_password=True)


@cache
def _code_digest() -> str:
    """A digest of this package's sources: the facts' layout and derivations are code."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
