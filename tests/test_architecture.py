"""The plan of docs/architecture.md, checked: which folder may import which, and no import cycle.

Every import of every module of ``aimetrics/``, ``collectors/`` and ``dashboard/`` is read
with ``ast`` (also imports inside functions and under ``if TYPE_CHECKING``), so a lazy or a
type-only import counts like any other. Data moves one way:

    collectors -> (store) -> tagging -> metrics -> figures -> exports / dashboard

and the CLI, the pipeline and the demo wire the stages together. A stage imports its own
modules, the shared modules (settings, errors, ids, vocabulary, store) and the stages before
it that `ALLOWED` lists; never a later one. ``aimetrics.figures`` may or may not exist yet: the
rules name it either way.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("aimetrics", "collectors", "dashboard")

# Shared by every stage: they import only each other (and nothing of a stage).
SHARED = "shared"
SHARED_MODULES = (
    "aimetrics",  # the package itself (its __init__)
    "aimetrics.settings",
    "aimetrics.errors",
    "aimetrics.ids",
    "aimetrics.vocabulary",
    "aimetrics.store",
)

# Module prefixes -> stage (the longest prefix wins).
STAGES: dict[str, str] = {
    "collectors": "collectors",
    "aimetrics.tagging": "tagging",
    "aimetrics.metrics": "metrics",
    "aimetrics.figures": "figures",
    # How a figure is shown (money, shares, colours, labels), shared by the presenters only: it
    # reads metrics' types (Period, Estimate, the folded-group names), so no stage before the
    # figures may import it.
    "aimetrics.format": "format",
    "aimetrics.exports": "exports",
    "dashboard": "dashboard",
    "aimetrics.cli": "cli",
    "aimetrics.pipeline": "pipeline",
    "aimetrics.demo": "demo",
    **dict.fromkeys(SHARED_MODULES, SHARED),
}

# What each stage may import besides itself and the shared modules.
ALLOWED: dict[str, frozenset[str]] = {
    SHARED: frozenset(),
    "collectors": frozenset(),
    "tagging": frozenset(),
    # Pure functions over frames: the tagging's flags and tags come in as frames, and the
    # words they share (confidences, kinds) are the vocabulary's.
    "metrics": frozenset(),
    "format": frozenset({"metrics"}),
    # The store edge (Facts/load_facts) reads the tags and classifies with the tagging's flags.
    "figures": frozenset({"tagging", "metrics", "format"}),
    "exports": frozenset({"figures", "metrics", "format"}),
    "dashboard": frozenset({"figures", "metrics", "format"}),
    # Wiring: everything but the dashboard (which only the CLI launches).
    "pipeline": frozenset({"collectors", "tagging", "metrics", "figures"}),
    "demo": frozenset({"collectors", "tagging", "metrics", "figures", "exports", "pipeline"}),
    "cli": frozenset(
        {"collectors", "tagging", "metrics", "figures", "format", "exports", "pipeline", "demo"}
    ),
}

# Single modules allowed one more stage than their folder, on purpose (importer -> stage).
EXCEPTIONS: dict[tuple[str, str], str] = {
    # The report button builds the report the exports build, for the page's selection.
    ("dashboard.report_button", "exports"): "the dashboard's report button",
    # `aimetrics dashboard` and `aimetrics demo` start Streamlit on the dashboard.
    ("aimetrics.cli.store", "dashboard"): "the CLI launches the dashboard",
}

# Temporary exceptions while a move is under way (none today).
# (importer module, imported module prefix): why.
TEMPORARY: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Edge:
    importer: str
    imported: str
    path: Path
    line: int

    def where(self) -> str:
        path = self.path.relative_to(ROOT) if self.path.is_relative_to(ROOT) else self.path
        return f"{path}:{self.line}"


def module_files() -> dict[str, Path]:
    """Every module of the three packages, by dotted name."""
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _ours(name: str) -> bool:
    return name.split(".")[0] in PACKAGES


def _resolve(name: str, modules: dict[str, Path]) -> str:
    """The longest prefix of ``name`` that is one of our modules (``a.b.func`` -> ``a.b``)."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return name


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> Iterator[Edge]:
    """Every import of one of our modules in ``path``, wherever it is in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from a.b import c`: the module a.b.c when it is one, else a.b.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                for alias in node.names
            ]
        for target in targets:
            if _ours(target):
                yield Edge(module, _resolve(target, modules), path, node.lineno)


def all_edges() -> list[Edge]:
    modules = module_files()
    return [edge for m, p in modules.items() for edge in imports_of(m, p, modules)]


def stage_of(module: str) -> str | None:
    best = max(
        (p for p in STAGES if module == p or module.startswith(p + ".")), key=len, default=None
    )
    return STAGES[best] if best is not None else None


def _temporary(edge: Edge) -> str | None:
    for (importer, imported), why in TEMPORARY.items():
        if edge.importer == importer and (
            edge.imported == imported or edge.imported.startswith(imported + ".")
        ):
            return why
    return None


def violations(edges: list[Edge]) -> tuple[list[str], set[tuple[str, str]]]:
    """Messages for the imports the plan forbids, and the temporary entries that were used."""
    problems: list[str] = []
    used: set[tuple[str, str]] = set()
    for edge in edges:
        source, target = stage_of(edge.importer), stage_of(edge.imported)
        if source is None or target is None:
            unknown = edge.importer if source is None else edge.imported
            problems.append(
                f"{edge.where()}: {unknown} belongs to no stage: add it to STAGES in "
                "tests/test_architecture.py and to the table in docs/architecture.md"
            )
            continue
        if source == target or target == SHARED or target in ALLOWED[source]:
            continue
        if (edge.importer, target) in EXCEPTIONS:
            continue
        why = _temporary(edge)
        if why is not None:
            used.update(k for k in TEMPORARY if k[0] == edge.importer)
            continue
        problems.append(
            f"{edge.where()}: {edge.importer} ({source}) imports {edge.imported} ({target}); "
            f"{source} may import {', '.join([*sorted(ALLOWED[source]), 'the shared modules'])}"
        )
    return problems, used


def cycles(edges: list[Edge]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), plus any module
    importing itself; each is a cycle of imports."""
    graph: dict[str, set[str]] = {}
    for edge in edges:
        graph.setdefault(edge.importer, set()).add(edge.imported)
        graph.setdefault(edge.imported, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0

    def connect(start: str) -> None:  # iterative: no recursion limit on long chains
        nonlocal counter
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in graph[node]:
                    found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def _cycle_text(component: list[str], edges: list[Edge]) -> str:
    members = set(component)
    inside = [e for e in edges if e.importer in members and e.imported in members]
    lines = [f"  {e.where()}: {e.importer} imports {e.imported}" for e in inside]
    return "import cycle between " + ", ".join(component) + ":\n" + "\n".join(lines)


# --- the tests --------------------------------------------------------------------------------


def test_every_module_is_read() -> None:
    modules = module_files()
    assert "aimetrics.pipeline" in modules and "collectors.git_local" in modules
    assert "dashboard.app" in modules
    edges = all_edges()
    assert any(e.importer == "aimetrics.pipeline" and e.imported.startswith("aimetrics.tagging")
               for e in edges)  # fmt: skip


def test_imports_follow_the_stages() -> None:
    problems, used = violations(all_edges())
    assert not problems, "imports against docs/architecture.md:\n" + "\n".join(problems)
    stale = sorted(set(TEMPORARY) - used)
    if stale:  # the figures layer is merged: these entries can go
        warnings.warn(f"unused TEMPORARY entries in test_architecture.py: {stale}", stacklevel=1)


def test_no_import_cycles() -> None:
    edges = all_edges()
    found = cycles(edges)
    assert not found, "\n\n".join(_cycle_text(c, edges) for c in found)


def test_the_checks_catch_what_they_should(tmp_path: Path) -> None:
    """The rules themselves: an upward import, a lazy one, a type-only one, and a cycle."""
    modules = {
        "collectors.x": tmp_path / "x.py",
        "aimetrics.metrics.m": tmp_path / "m.py",
        "aimetrics.metrics.n": tmp_path / "n.py",
        "aimetrics.tagging": tmp_path / "t.py",
    }
    modules["collectors.x"].write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from aimetrics.tagging import RuleSet\n"
    )
    modules["aimetrics.metrics.m"].write_text(
        "def f():\n    from aimetrics.metrics import n\n    import aimetrics.tagging\n"
    )
    modules["aimetrics.metrics.n"].write_text("from aimetrics.metrics.m import f\n")
    modules["aimetrics.tagging"].write_text("")
    edges = [e for m, p in modules.items() for e in imports_of(m, p, modules)]
    got = {(e.importer, e.imported, e.line) for e in edges}
    assert got == {
        ("collectors.x", "aimetrics.tagging", 3),
        ("aimetrics.metrics.m", "aimetrics.metrics.n", 2),
        ("aimetrics.metrics.m", "aimetrics.tagging", 3),
        ("aimetrics.metrics.n", "aimetrics.metrics.m", 1),
    }
    problems, _ = violations(edges)
    assert len(problems) == 2
    assert problems[0].startswith(
        f"{tmp_path / 'x.py'}:3: collectors.x (collectors) imports aimetrics.tagging (tagging); "
        "collectors may import the shared modules"
    )
    assert (
        "m.py:3: aimetrics.metrics.m (metrics) imports aimetrics.tagging (tagging)" in problems[1]
    )
    assert cycles(edges) == [["aimetrics.metrics.m", "aimetrics.metrics.n"]]
