"""The package's import structure: no import cycles among lawsearch's modules, and no module importing from a layer
above its own.

The layers, lowest first, are written out in ``LAYERS``; a module may import from its own layer and the layers below.
Every import statement counts, module-level or inside a function (a function-level import runs just the same, only
later), except those under ``if TYPE_CHECKING:``, which never run. A module that no layer names fails the test: place
it in ``LAYERS``. A name in ``LAYERS`` whose module does not exist (yet) is no failure.

The checker is tested on a made-up package too (``test_the_checker_finds_…``), so that a green run means the rules hold
and not that the checker sees nothing.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "lawsearch"

# Lowest first. "pkg.*" names a package and every module under it; an exact name beats a pattern, a longer pattern
# beats a shorter one (lawsearch.search.pipeline is not a search part).
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "base",
        (
            "lawsearch._version",
            "lawsearch.errors",
            "lawsearch.checks",
            "lawsearch.terminal",
            "lawsearch.models",
            "lawsearch.cachedir",
            "lawsearch.optional",
        ),
    ),
    ("read", ("lawsearch.read.*",)),
    ("embed", ("lawsearch.embed",)),
    (
        "storage",
        (
            "lawsearch.index",
            "lawsearch.index.folder",
            "lawsearch.index.ids",
            "lawsearch.index.locate",
            "lawsearch.index.cache",
            "lawsearch.index.holdings",
            "lawsearch.index.records",
            "lawsearch.index.vector_base",
            "lawsearch.index.shardset",
        ),
    ),
    ("search parts", ("lawsearch.search.*",)),
    ("cluster work", ("lawsearch.cluster", "lawsearch.cluster.ray_build")),
    ("writer", ("lawsearch.index.writer", "lawsearch.index.pending", "lawsearch.index.sharded_writer")),
    ("pipeline", ("lawsearch.search.pipeline",)),
    ("facade", ("lawsearch.engine", "lawsearch.verify", "lawsearch.evaluate", "lawsearch.batch")),
    (
        "sharded search",
        ("lawsearch.search.shard_service", "lawsearch.search.fanout", "lawsearch.search.sharded", "lawsearch.cluster.ray_shards"),
    ),
    ("interfaces", ("lawsearch.cli", "lawsearch.web.*", "lawsearch")),
]


@dataclass(frozen=True)
class Import:
    """One import statement of ``source`` that names the lawsearch module ``target``."""

    source: str
    target: str
    path: Path
    line: int
    statement: str

    def where(self) -> str:
        return f"{self.path.as_posix()}:{self.line}"


def module_names(package: Path) -> dict[str, Path]:
    """Every module of the package at ``package`` by dotted name (a package by its own name, for its __init__)."""
    names = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def _runtime_nodes(nodes: Sequence[ast.stmt] | Sequence[ast.AST]) -> Iterator[ast.AST]:
    """Every node below ``nodes``, leaving out the bodies of ``if TYPE_CHECKING:`` (their ``else`` stays)."""
    for node in nodes:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _runtime_nodes(node.orelse)
            continue
        yield node
        yield from _runtime_nodes(list(ast.iter_child_nodes(node)))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _known(name: str, modules: dict[str, Path]) -> str | None:
    """``name`` or the longest of its prefixes that is a module of the package; None outside it."""
    parts = name.split(".")
    while parts:
        if ".".join(parts) in modules:
            return ".".join(parts)
        parts.pop()
    return None


def imports(package: Path) -> list[Import]:
    """Every import, at run time, of one module of the package by another (``from . import x`` names ``x``)."""
    modules = module_names(package)
    found = []
    for source, path in modules.items():
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in _runtime_nodes(tree.body):
            targets: set[str | None] = set()
            if isinstance(node, ast.Import):
                targets = {_known(alias.name, modules) for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = source.split(".") if is_package else source.split(".")[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    origin = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    origin = node.module or ""
                for alias in node.names:
                    submodule = f"{origin}.{alias.name}"
                    targets.add(submodule if submodule in modules else _known(origin, modules))
            else:
                continue
            relative = path.relative_to(package.parent)
            statement = ast.unparse(node)
            found += [Import(source, t, relative, node.lineno, statement) for t in sorted(t for t in targets if t and t != source)]
    return found


def layer_of(module: str, layers: list[tuple[str, tuple[str, ...]]]) -> int | None:
    """The index in ``layers`` of the layer that places ``module``: an exact name first, else the longest pattern."""
    best: tuple[int, int] | None = None  # (specificity, layer)
    for index, (_, names) in enumerate(layers):
        for name in names:
            if name == module:
                return index
            if name.endswith(".*"):
                prefix = name[:-2]
                if (module == prefix or module.startswith(prefix + ".")) and (best is None or len(prefix) > best[0]):
                    best = (len(prefix), index)
    return None if best is None else best[1]


def unplaced(package: Path, layers: list[tuple[str, tuple[str, ...]]]) -> list[str]:
    """The modules that no layer places."""
    return [module for module in module_names(package) if layer_of(module, layers) is None]


def upward_imports(package: Path, layers: list[tuple[str, tuple[str, ...]]]) -> list[str]:
    """One line for each import of a module placed in a layer above the importer's own."""
    problems = []
    for imported in imports(package):
        low, high = layer_of(imported.source, layers), layer_of(imported.target, layers)
        if low is not None and high is not None and high > low:
            problems.append(
                f"{imported.where()}: {imported.source} (layer {layers[low][0]!r}) imports {imported.target} "
                f"(layer {layers[high][0]!r}, above it): {imported.statement}"
            )
    return problems


def cycles(package: Path) -> list[str]:
    """One line for each import cycle (a strongly connected set of modules), with the imports that close it."""
    edges: dict[str, dict[str, list[Import]]] = {module: {} for module in module_names(package)}
    for imported in imports(package):
        edges[imported.source].setdefault(imported.target, []).append(imported)
    # Tarjan's strongly connected components, iteratively.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for start in edges:
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(edges[successor]))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))
    problems = []
    for component in sorted(components):
        inside = [
            f"{imported.where()} {imported.source} -> {imported.target}"
            for source in component
            for target, found in sorted(edges[source].items())
            if target in component
            for imported in found
        ]
        problems.append(f"cycle among {', '.join(component)}: " + "; ".join(inside))
    return problems


# -- the package -------------------------------------------------------------------------------------------------


def test_every_module_is_placed_in_a_layer() -> None:
    missing = unplaced(PACKAGE, LAYERS)
    assert not missing, f"place these modules in LAYERS in {Path(__file__).name} (lowest layer first): {missing}"


def test_no_module_imports_from_a_layer_above_its_own() -> None:
    problems = upward_imports(PACKAGE, LAYERS)
    assert not problems, "imports from a layer above:\n" + "\n".join(problems)


def test_no_import_cycles() -> None:
    problems = cycles(PACKAGE)
    assert not problems, "import cycles:\n" + "\n".join(problems)


def test_the_package_is_seen() -> None:
    modules = module_names(PACKAGE)
    assert {"lawsearch", "lawsearch.read", "lawsearch.read.page", "lawsearch.engine", "lawsearch.web.app"} <= set(modules)
    found = {(i.source, i.target) for i in imports(PACKAGE)}
    assert ("lawsearch.read.report", "lawsearch.read.page") in found  # a relative import at module level
    assert ("lawsearch.read", "lawsearch.read.report") in found  # from . import report, inside a function


# -- the checker, on a made-up package ---------------------------------------------------------------------------


def _package(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "pkg"


MADE_UP_LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("low", ("pkg.base", "pkg.gone")),
    ("middle", ("pkg.parts.*",)),
    ("high", ("pkg", "pkg.parts.top")),
]


def test_the_checker_finds_upward_imports_cycles_and_unplaced_modules(tmp_path: Path) -> None:
    package = _package(
        tmp_path,
        {
            "pkg/__init__.py": "from .parts import a\n",
            "pkg/base.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n"
                "    from pkg.parts.top import T  # never runs: no import\n"
                "def f():\n"
                "    from .parts import c  # runs when called: an upward import\n"
            ),
            "pkg/parts/__init__.py": "",
            "pkg/parts/a.py": "from . import b\nimport pkg.base\n",
            "pkg/parts/b.py": "def g():\n    from .a import x\n",
            "pkg/parts/c.py": "",
            "pkg/parts/top.py": "from ..parts import a\n",
            "pkg/stray.py": "",
        },
    )
    assert unplaced(package, MADE_UP_LAYERS) == ["pkg.stray"]
    assert upward_imports(package, MADE_UP_LAYERS) == [
        "pkg/base.py:5: pkg.base (layer 'low') imports pkg.parts.c (layer 'middle', above it): from .parts import c"
    ]
    assert cycles(package) == [
        "cycle among pkg.parts.a, pkg.parts.b: pkg/parts/a.py:1 pkg.parts.a -> pkg.parts.b; pkg/parts/b.py:2 pkg.parts.b -> pkg.parts.a",
    ]


def test_the_checker_passes_a_sound_package(tmp_path: Path) -> None:
    package = _package(
        tmp_path,
        {
            "pkg/__init__.py": "from pkg.parts.top import T\nimport os\n",
            "pkg/base.py": "import json\n",
            "pkg/parts/__init__.py": "",
            "pkg/parts/a.py": "from ..base import x\nfrom pkg import base\n",
            "pkg/parts/top.py": "from .a import y\n",
        },
    )
    assert unplaced(package, MADE_UP_LAYERS) == []
    assert upward_imports(package, MADE_UP_LAYERS) == []
    assert cycles(package) == []
