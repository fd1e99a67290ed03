"""A disk cache of what the dashboard derives from the store, keyed by the store version.

Building the facts reads the whole store and derives every flag (about 8 s at 100k PRs),
and the Overview's figures take seconds more (bootstrap intervals per team); loading them
back takes a fraction of a second. The dashboard saves the :class:`~aimetrics.figures.facts.
Facts` it built (Arrow IPC files) and its pages' figures (pickles), and a freshly started
server (a restart, an upgrade, a second replica on the same machine) loads them instead of
computing them again.

An entry is used only for exactly what it was built from: the store (its ``store_id``,
drawn when the store was created, so a store deleted and rebuilt at the same path is
another store), its version (:mod:`aimetrics.store.version`: any write moves it), the
settings the facts depend on, and this code (a digest of the package's sources and the
polars version: an upgrade never reads an older layout). Anything else is a miss, and a
damaged or unreadable entry is a miss too (it is removed): the cache can only save time.

Where: ``$AIMETRICS_CACHE_DIR``, else ``$XDG_CACHE_HOME/aimetrics``, else
``~/.cache/aimetrics``; one folder per store (named by a digest of its URL, without any
password), readable by its owner only, holding one folder per store version. ``AIMETRICS_
CACHE_DIR=off`` turns the cache off. It holds what the dashboard shows (names, e-mails, PR
titles: the store's data, never a credential); the first save at a new version removes the
older versions' folders, and ``aimetrics forget`` clears the store's folder, so a forgotten
person does not outlive the forgetting on disk. Pickles are only ever read from this
owner-only folder, written by this code.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import json
import logging
import os
import pickle
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
        _make_dirs(entry.parent)
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


def _version_dir(db_url: str, version: str | None) -> Path | None:
    folder = cache_dir_for(db_url)
    if folder is None or version is None:
        return None
    # The token is STORE_ID.COUNTER (hex and digits); anything else is kept out of paths.
    return folder / hashlib.sha256(version.encode()).hexdigest()[:24]


def _private(store_folder: Path) -> bool:
    """The store's folder is this user's and writable by no one else (as :func:`_make_dirs`
    creates it): otherwise another user could have put a pickle there, so nothing is read."""
    try:
        info = store_folder.stat()
    except OSError:
        return False
    if info.st_uid != os.getuid() or info.st_mode & 0o022:
        log.warning("not reading the cache %s: it is not private to this user", store_folder)
        return False
    return True


def _make_dirs(folder: Path) -> None:
    """``folder`` and its parents up to the store's folder, each readable by its owner only."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    for path in reversed(missing):
        path.mkdir(mode=0o700)


def _entry(key: FactsKey) -> Path | None:
    version = _version_dir(key.db_url, key.version)
    return None if version is None else version / f"facts-{key.digest()}"


def _remove_others(keep: Path) -> None:
    """Another entry of the same settings, or an older version's folder, is never read
    again: free the disk (and the personal data in it)."""
    for other in keep.parent.iterdir():
        if other.name.startswith("facts-") and other != keep:
            shutil.rmtree(other, ignore_errors=True)
    _remove_other_versions(keep.parent)


def _remove_other_versions(version: Path) -> None:
    for other in version.parent.iterdir():
        if other != version and not other.name.startswith(".tmp-"):
            shutil.rmtree(other, ignore_errors=True)


# --- the pages' figures: any picklable value, keyed by version, function and arguments -----


MISSING = object()


def figure_path(db_url: str, version: str | None, name: str, args: str) -> Path | None:
    """Where the figure ``name`` computed from ``args`` (a canonical text of the arguments)
    at ``version`` is kept, or None (cache off, no version)."""
    folder = _version_dir(db_url, version)
    if folder is None:
        return None
    text = json.dumps([_FORMAT, _code_digest(), pl.__version__, name, args])
    return folder / "figures" / f"{name}-{hashlib.sha256(text.encode()).hexdigest()[:32]}.pickle"


def load_figure(path: Path | None) -> object:
    """The value saved at ``path``, or :data:`MISSING`. A pickle is only read from a store
    folder this user owns and nobody else may write (see :func:`_private`)."""
    if path is None or not path.exists() or not _private(path.parent.parent.parent):
        return MISSING
    try:
        return pickle.loads(path.read_bytes())
    except Exception as exc:  # damaged, or a class that changed shape: a miss
        log.warning("ignoring the unreadable figure cache %s: %s", path, exc)
        path.unlink(missing_ok=True)
        return MISSING


def save_figure(path: Path | None, value: object) -> None:
    """Save ``value`` at ``path`` (atomically); errors are logged, never raised."""
    if path is None:
        return
    try:
        _make_dirs(path.parent)
        _remove_other_versions(path.parent.parent)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        with os.fdopen(fd, "wb") as out:
            pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except (OSError, pickle.PicklingError, TypeError, AttributeError) as exc:
        log.warning("could not write the figure cache %s: %s", path, exc)


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
    """A digest of the sources of aimetrics and of the dashboard (whose loaders name and call
    the figures): the layout and every derivation are code, so an upgrade misses."""
    roots = [Path(__file__).resolve().parents[1]]
    spec = importlib.util.find_spec("dashboard")  # located, not imported (layering)
    if spec is not None and spec.submodule_search_locations:
        roots += [Path(p) for p in spec.submodule_search_locations]
    digest = hashlib.sha256()
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            digest.update(f"{root.name}/{path.relative_to(root).as_posix()}".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()
