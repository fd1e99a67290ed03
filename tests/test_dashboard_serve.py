"""dashboard/serve.py, what `aimetrics dashboard` runs: the preload a fresh server does before
its first visitor (the server itself is started in tests/test_serve_address.py)."""

from __future__ import annotations

import pkgutil
import sys
from pathlib import Path

import pytest

import dashboard
from dashboard import serve


def test_preload_imports_every_library_module_and_no_page(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AIMETRICS_DB", f"sqlite:///{tmp_path / 'none.db'}")  # no store yet
    monkeypatch.delenv("AIMETRICS_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    serve.preload()  # a missing store is the page's to explain: nothing raised here
    libraries = {
        m.name for m in pkgutil.iter_modules(dashboard.__path__) if m.name not in {"app", "serve"}
    } - {"app_pages"}
    assert libraries, "the dashboard has library modules"
    assert all(f"dashboard.{name}" in sys.modules for name in libraries)
    pages = [
        m.name for m in pkgutil.iter_modules([str(Path(dashboard.__file__).parent / "app_pages")])
    ]
    assert pages and not any(f"dashboard.app_pages.{p}" in sys.modules for p in pages)
    assert not (tmp_path / "none.db").exists()  # the preload never creates a store
