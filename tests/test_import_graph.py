"""The import graph of the installed ``onething`` package: layers that point one way.

Every module's syntax tree is read, so imports inside functions and under ``TYPE_CHECKING``
count as much as those at the top: an import moved into a function to dodge a cycle is
still a cycle here.  (The implicit import of a module's parent packages is not an edge:
every module of the namespace would otherwise depend on ``onething/__init__.py``.)
"""

from __future__ import annotations

import ast
import importlib.util
from functools import cache
from pathlib import Path

LAYERS = (
    "onething.scenarios",
    "onething.topics",
    "onething.services",
    "onething.sim",
    "onething.discovery",
    "onething.experiments",
    "onething",
    "onething.workbench",
    "onething.cli",
)
"""Bottom to top; a module may import its own layer and those below it, never one above.

- scenarios: the domain model, its checks and the one core of mechanics; needs nothing.
- topics: the live contract; topic names come from a scenario's departments.
- services: the plain service classes, the Faust adapter and runtime, the embedded broker;
  they speak the topics' contract and never drive an applicant (so never import sim).
- sim: the engines that drive applicants (the DES, the live harness, the broker-less loop
  over the services' classes).
- discovery: scenarios from event logs, which it reads in the event-log format sim writes.
- experiments: studies over many DES runs, optionally on workers over Kafka (services).
- onething: the notebook API (``api``), live runs (``live``), compose files and the API's
  plots: the one API both fronts call.
- workbench: the web front, over the API.
- onething.cli: the command-line front, which also starts the workbench.
"""


def _module_file(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.origin is not None, name
    return Path(spec.origin)


@cache
def modules() -> dict[str, Path]:
    """Every module of the installed package, by dotted name: the modules of each package
    folder, starting from ``onething`` and following the imports to the subpackages (they
    are mapped from the repository's top-level folders, so not beside ``onething/``)."""
    found: dict[str, Path] = {}
    packages, seen = ["onething"], {"onething"}
    while packages:
        package = packages.pop()
        folder = _module_file(package).parent
        members = {package: folder / "__init__.py"}
        members |= {f"{package}.{p.stem}": p for p in folder.glob("*.py") if p.stem != "__init__"}
        members |= {f"{package}.{p.parent.name}": p for p in folder.glob("*/__init__.py")}
        found |= members
        for name, path in members.items():
            for target in _imported(name, path):
                for candidate in {target, target.rpartition(".")[0]} - seen:
                    if candidate.startswith("onething.") and _is_package(candidate):
                        seen.add(candidate)
                        packages.append(candidate)
    return found


def _is_package(name: str) -> bool:
    try:
        spec = importlib.util.find_spec(name)
    except ModuleNotFoundError:
        return False
    return spec is not None and spec.submodule_search_locations is not None


def _imported(name: str, path: Path) -> set[str]:
    """The ``onething`` names this module imports anywhere in its body (module, or
    module.attribute for ``from x import y``)."""
    package = name if path.stem == "__init__" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            out.add(base)
            out.update(f"{base}.{alias.name}" for alias in node.names)
    return {n for n in out if n == "onething" or n.startswith("onething.")}


@cache
def edges() -> dict[str, set[str]]:
    """Module -> the modules it imports (``from package import module`` names the module)."""
    known = modules()
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        targets = set()
        for target in _imported(name, path):
            if target in known:
                targets.add(target)
            elif target.rpartition(".")[0] in known:  # from module import attribute
                targets.add(target.rpartition(".")[0])
        graph[name] = targets - {name}
    return graph


def layer(module: str) -> int:
    """The index of the longest layer name ``module`` falls under."""
    matches = [i for i, top in enumerate(LAYERS) if module == top or module.startswith(top + ".")]
    return max(matches, key=lambda i: len(LAYERS[i]))


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_walk_finds_every_layer_and_the_imports_inside_functions():
    names = modules()
    assert {LAYERS[layer(name)] for name in names} == set(LAYERS)
    assert len(names) > 80
    assert "onething.cli" in names and "onething.experiments.studies.kind" in names
    assert "onething.experiments.plots" in edges()["onething.experiments.runner"]  # in `draw`


def test_no_module_is_part_of_an_import_cycle():
    assert cycles(edges()) == []


def test_nothing_imports_a_layer_above_its_own():
    upward = sorted(
        f"{a} -> {b}" for a, targets in edges().items() for b in targets if layer(b) > layer(a)
    )
    assert upward == []


def test_services_never_import_sim():
    assert (
        sorted(
            f"{a} -> {b}"
            for a, targets in edges().items()
            if a.startswith("onething.services.")
            for b in targets
            if b.startswith("onething.sim")
        )
        == []
    )


def test_the_check_sees_a_cycle_and_an_upward_import():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert layer("onething.sim.engine") > layer("onething.services.platform")
    assert layer("onething.api") > layer("onething.experiments.runner")
    assert layer("onething.cli.live") > layer("onething.workbench.app") > layer("onething.live")
