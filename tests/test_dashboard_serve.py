"""dashboard/serve.py, what `aimetrics dashboard` runs: the preload a fresh server does before
its first visitor (the server itself is started in tests/test_serve_address.py)."""

from __future__ import annotations

import pkgutil
import re
import sys
from pathlib import Path

import pytest

import dashboard
from dashboard import browser_preload, serve


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


def _streamlit_like(root: Path, names: list[str], head: str = "<head>\n</head>") -> Path:
    (root / "static" / "js").mkdir(parents=True)
    for name in names:
        (root / "static" / "js" / name).write_text("export {};\n")
    (root / "favicon.png").write_bytes(b"\x89PNG")
    (root / "index.html").write_text(f"<html>{head}<body></body></html>")
    return root


def test_the_shell_preloads_the_element_chunks_present(tmp_path: Path) -> None:
    own = _streamlit_like(
        tmp_path / "own",
        ["PlotlyChart.D9Z0_fxz.js", "DataFrame.-f9-1zS0.js", "Button.x1.js", "index.Dorm.js"],
    )
    shell = browser_preload.shell_with_preloads(own, tmp_path / "shell")
    assert shell == tmp_path / "shell"
    html = (shell / "index.html").read_text()
    # Only the chunks named in ELEMENT_CHUNKS, in its order (plotly first: the largest).
    assert re.findall(r'href="\./static/js/([^"]+)"', html) == [
        "PlotlyChart.D9Z0_fxz.js",
        "DataFrame.-f9-1zS0.js",
    ]
    assert html.index("modulepreload") < html.index("</head>")
    # Every other entry is Streamlit's own, linked (served as it is).
    assert (shell / "static").resolve() == (own / "static").resolve()
    assert (shell / "favicon.png").read_bytes() == b"\x89PNG"
    assert "modulepreload" not in (own / "index.html").read_text()  # the original untouched


@pytest.mark.parametrize(
    ("names", "head"),
    [(["Button.x1.js"], "<head>\n</head>"), (["PlotlyChart.D9Z0_fxz.js"], "<header></header>")],
    ids=["no known chunk", "no head to add to"],
)
def test_a_shell_it_cannot_improve_is_left_to_streamlit(
    tmp_path: Path, names: list[str], head: str
) -> None:
    own = _streamlit_like(tmp_path / "own", names, head)
    assert browser_preload.shell_with_preloads(own, tmp_path / "shell") is None
    assert not (tmp_path / "shell").exists()
