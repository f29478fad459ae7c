"""The package's shape: no import circles between its modules, no module too long to read,
and a cache key that sees every module of the per-page stages (sub-packages included)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from pipeline.engine import cache

PACKAGE = Path(__file__).resolve().parents[1] / "pipeline"
MAX_LINES = 430      # "about 400": a module longer than this is split by what it holds
# modules allowed to be longer, and why
LONG_MODULES: dict[str, str] = {}


def _module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules(root: Path = PACKAGE) -> dict[str, Path]:
    return {_module_name(p, root): p for p in root.rglob("*.py")}


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    """module -> the package's modules it imports, at module level or inside functions
    (a lazy import is still a dependency; a package's ``__init__`` counts as a module)."""
    modules = _modules(root)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".") if is_package else name.split(".")[:-1]
                    base = base[:len(base) - (node.level - 1)]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                targets = [f"{module}.{a.name}" if f"{module}.{a.name}" in modules else module for a in node.names]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name and target.split(".")[0] == root.name:
                    deps.add(target)
        graph[name] = deps
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_made_up_circle(tmp_path):
    pkg = tmp_path / "demo"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from .sub import b\n")
    (pkg / "sub" / "b.py").write_text("def f():\n    from ..c import g\n")
    (pkg / "c.py").write_text("from demo import a\n")
    (pkg / "d.py").write_text("from . import c\n")
    graph = import_graph(pkg)
    assert graph["demo.a"] == {"demo.sub.b"} and graph["demo.sub.b"] == {"demo.c"}
    assert cycles(graph) == [["demo.a", "demo.c", "demo.sub.b"]]


def test_no_import_circles():
    graph = import_graph()
    # every import of a module runs the package's __init__ first: a façade (pipeline.build,
    # .analyze, .nlp) that imports the driver only inside those functions, never on import
    facade = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    assert not [n for n in facade.body if isinstance(n, (ast.Import, ast.ImportFrom)) and n.module != "__future__"]
    inner = {name: deps - {"pipeline"} for name, deps in graph.items() if name != "pipeline"}
    assert cycles(inner) == []


def test_no_module_too_long_to_read():
    long = {name: sum(1 for _ in path.open(encoding="utf-8")) for name, path in _modules().items()}
    too_long = {name: n for name, n in long.items() if n > MAX_LINES and name not in LONG_MODULES}
    assert too_long == {}


@pytest.mark.parametrize("module", ["pipeline.structure.split", "pipeline.clean.cleaner", "pipeline.genre.tagger"])
def test_code_version_sees_stage_modules_in_sub_packages(module, monkeypatch, tmp_path):
    """Editing a stage module in a sub-package changes the code version (stale cached pages
    otherwise); editing the driver or an engine module does not."""
    import shutil

    copy = tmp_path / "pipeline"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    monkeypatch.setattr(cache, "PACKAGE_DIR", copy)
    before = cache.code_version()
    path = copy / (module.removeprefix("pipeline.").replace(".", "/") + ".py")
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert cache.code_version() != before
    driver = copy / "driver.py"
    edited = cache.code_version()
    driver.write_text(driver.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    (copy / "engine" / "engines.py").write_text((copy / "engine" / "engines.py").read_text(encoding="utf-8") + "\n#\n")
    assert cache.code_version() == edited
