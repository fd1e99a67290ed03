"""Security review, as tests: values reach SQL only as bound parameters; no unsafe
deserialisation, evaluation or shell in the product's code; the image runs as a
non-root user with pinned dependencies (docs/security.md)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from aimetrics.store import Replace, create_store_engine, read_table, upgrade, write_frames
from aimetrics.store import schema as s
from aimetrics.store.adbc import compile_sql

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = [ROOT / "aimetrics", ROOT / "collectors", ROOT / "dashboard"]

# A repository name an attacker might choose (git remotes and --repo-name are free text).
HOSTILE = "o'x\\\"; DROP TABLE commits; --/ré'po\x7f"


def test_values_are_bound_never_rendered_into_sql(tmp_path: Path) -> None:
    engine = create_store_engine(f"sqlite:///{tmp_path / 'x.db'}")
    stmt = sa.select(s.repositories.c.id).where(
        s.repositories.c.full_name == HOSTILE, s.repositories.c.id.in_([7, 8])
    )
    sql, values = compile_sql(engine, stmt)
    assert "DROP" not in sql and "o'x" not in sql
    assert values == (HOSTILE, 7, 8)


def test_hostile_text_round_trips_as_data(store_url: str) -> None:
    engine = create_store_engine(store_url)
    upgrade(engine)
    repos = pl.DataFrame({"id": [1, 2], "full_name": [HOSTILE, "acme/web"], "source": ["git"] * 2})
    write_frames(engine, [(s.repositories, repos)])
    found = read_table(engine, s.repositories, where=s.repositories.c.full_name == HOSTILE)
    assert found["id"].to_list() == [1] and found["full_name"].to_list() == [HOSTILE]
    # A delete filtered on the hostile value removes exactly that row.
    write_frames(
        engine,
        [(s.repositories, repos.filter(pl.col("id") == 2))],
        replace=[Replace(s.repositories, s.repositories.c.full_name == HOSTILE)],
    )
    assert read_table(engine, s.repositories)["full_name"].to_list() == ["acme/web"]
    assert sa.inspect(engine).has_table("commits")


def _calls(tree: ast.AST) -> list[tuple[int, str]]:
    """Every unsafe construct in a module: (line, what)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [
                node.module or ""]  # fmt: skip
            for name in names:
                if name.split(".")[0] in {"pickle", "marshal", "shelve", "dill", "cloudpickle"}:
                    found.append((node.lineno, f"import {name}"))
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in {"eval", "exec", "__import__"}:
            found.append((node.lineno, f"{func.id}()"))
        if isinstance(func, ast.Attribute):
            owner = func.value.id if isinstance(func.value, ast.Name) else ""
            if owner == "yaml" and func.attr in {"load", "unsafe_load", "full_load", "load_all"}:
                found.append((node.lineno, f"yaml.{func.attr}"))
            if owner == "os" and func.attr in {"system", "popen"}:
                found.append((node.lineno, f"os.{func.attr}"))
        for kw in node.keywords:
            if kw.arg == "shell" and not (
                isinstance(kw.value, ast.Constant) and kw.value.value is False
            ):
                found.append((node.lineno, "shell=True"))
            if kw.arg == "compile_kwargs" and "literal_binds" in ast.unparse(kw.value):
                found.append((node.lineno, "literal_binds (values rendered into SQL)"))
    return found


# Each exception with the reason it is safe (and the test that holds the reason to account).
ALLOWED = {
    # The disk cache's page figures: read only from a folder this user owns and nobody else
    # may write (disk_cache._private; tests/test_store_version.py checks a shared folder is
    # not read), written by this process; docs/security.md.
    ("aimetrics/figures/disk_cache.py", "import pickle"),
    # The git-ai notes reader's answer: the stdout of the child process it started itself,
    # running this same module (git_notes_read.NotesReader); docs/security.md.
    ("collectors/git_notes_read.py", "import pickle"),
}


def test_product_code_has_no_unsafe_constructs() -> None:
    problems = []
    files = [p for root in PRODUCT for p in root.rglob("*.py")]
    assert len(files) > 50  # the scan really covers the code
    for path in files:
        for line, what in _calls(ast.parse(path.read_text(), str(path))):
            where = str(path.relative_to(ROOT))
            if (where, what) not in ALLOWED:
                problems.append(f"{where}:{line}: {what}")
    assert problems == []


def test_the_scan_finds_what_it_looks_for() -> None:
    bad = (
        "import pickle\nimport yaml\nimport subprocess\neval('1')\nyaml.load(x)\n"
        "subprocess.run('ls', shell=True)\nstmt.compile(compile_kwargs={'literal_binds': True})\n"
    )
    assert [what for _line, what in _calls(ast.parse(bad))] == [
        "import pickle", "eval()", "yaml.load", "shell=True",
        "literal_binds (values rendered into SQL)",
    ]  # fmt: skip


def test_image_runs_as_non_root_with_pinned_dependencies() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.M)
    assert users and users[-1] not in {"root", "0"}
    assert "-c constraints.txt" in dockerfile
    pins = [
        line for line in (ROOT / "constraints.txt").read_text().splitlines()
        if line and not line.startswith("#")
    ]  # fmt: skip
    assert pins and all(re.fullmatch(r"[A-Za-z0-9_.\-]+==[\w.+]+", p) for p in pins), pins
    pinned = {re.split(r"==", p)[0].lower().replace("_", "-") for p in pins}
    for needed in ("streamlit", "polars", "plotly", "pygithub", "sqlalchemy", "playwright"):
        assert needed in pinned


def test_config_paths_resolve_beside_the_config_file(tmp_path: Path) -> None:
    """Relative paths in a config (rules_file, private_key_file) mean the config's folder,
    whatever the working directory; absolute paths are the operator's choice."""
    from aimetrics.settings import load_settings

    folder = tmp_path / "conf"
    folder.mkdir()
    (folder / "aimetrics.yaml").write_text("privacy:\n  min_group_size: 5\n")
    settings = load_settings(folder / "aimetrics.yaml")
    assert settings.resolve_path("x/y.yaml") == folder / "x" / "y.yaml"
    assert settings.resolve_path("/abs/y.yaml") == Path("/abs/y.yaml")
