"""The layers point one way: every import of every module (read with ``ast``, lazy and type-only
imports included) goes in a direction the table below allows, and no two packages import each other,
directly or round a cycle."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Each package and the project packages it may import. ``matcher`` is the core: the modules directly
#: in ``matcher/`` (vocabulary, domain and areas, problem, travel, candidates, policy, result, ...).
ALLOWED: dict[str, set[str]] = {
    "matcher": set(),
    "matcher.rules": {"matcher"},
    "matcher.io": {"matcher"},
    "matcher.generate": {"matcher", "matcher.io"},
    "matcher.solvers": {"matcher", "matcher.rules"},
    "matcher.parallel": {"matcher", "matcher.rules", "matcher.solvers"},  # independent parts on Dask
    "matcher.projects": {"matcher", "matcher.rules", "matcher.solvers", "matcher.parallel"},
    "matcher.network": {"matcher", "matcher.rules", "matcher.solvers", "matcher.projects"},
    "matcher.dispatch": {"matcher", "matcher.rules", "matcher.io", "matcher.solvers", "matcher.projects"},
    "matcher.lab": {
        "matcher",
        "matcher.rules",
        "matcher.io",
        "matcher.solvers",
        "matcher.parallel",
        "matcher.projects",
        "matcher.dispatch",  # a dispatch policy's run replays arrivals through the dispatcher
    },
    "api": {
        "matcher",
        "matcher.rules",
        "matcher.io",
        "matcher.solvers",
        "matcher.projects",
        "matcher.network",
        "matcher.dispatch",
        "matcher.lab",  # the workbench's compare screen reads runs through the lab's metrics
    },
    # the commands sit on top; ``serve`` and ``tokens`` import the api inside the command
    "matcher.cli": {
        "matcher",
        "matcher.rules",
        "matcher.io",
        "matcher.generate",
        "matcher.solvers",
        "matcher.parallel",
        "matcher.projects",
        "matcher.network",
        "matcher.dispatch",
        "matcher.lab",
        "api",
    },
}


def package_of(module: str) -> str | None:
    """The package of the table a module belongs to (None outside the project)."""
    parts = module.split(".")
    if parts[0] == "api":
        return "api"
    if parts[0] != "matcher":
        return None
    if module == "matcher.__main__":  # ``python -m matcher`` is the command line
        return "matcher.cli"
    if len(parts) > 1 and (ROOT / "matcher" / parts[1]).is_dir():
        return f"matcher.{parts[1]}"
    return "matcher"


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted([*ROOT.glob("matcher/**/*.py"), *ROOT.glob("api/**/*.py")]):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        yield name.removesuffix(".__init__"), path


def imports(module: str, path: Path) -> Iterator[tuple[str, int]]:
    """Every module ``module`` imports, with its line, wherever the import stands."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from ((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield base, node.lineno


def package_edges() -> dict[tuple[str, str], list[str]]:
    """(importer's package, imported package) -> where it happens (module:line)."""
    edges: dict[tuple[str, str], list[str]] = {}
    for module, path in modules():
        source = package_of(module)
        for name, line in imports(module, path):
            target = package_of(name)
            if target is not None and source is not None and target != source:
                edges.setdefault((source, target), []).append(f"{module}:{line}")
    return edges


def test_every_package_is_in_the_table():
    found = {package_of(m) for m, _ in modules()}
    assert found == set(ALLOWED), f"packages missing from the table: {found - set(ALLOWED)}"


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_point_only_the_allowed_ways(package):
    wrong = {target: where for (source, target), where in package_edges().items() if source == package}
    wrong = {t: w for t, w in wrong.items() if t not in ALLOWED[package]}
    assert not wrong, f"{package} may not import {sorted(wrong)}: {wrong}"


def test_the_table_and_the_imports_have_no_cycle():
    for graph in (
        nx.DiGraph([(s, t) for s, targets in ALLOWED.items() for t in targets]),
        nx.DiGraph(list(package_edges())),
    ):
        assert nx.is_directed_acyclic_graph(graph), f"cycle between packages: {nx.find_cycle(graph)}"


def test_the_check_sees_a_broken_direction(tmp_path):
    """The parser finds a lazy import inside a function and a relative one (so the test can fail)."""
    path = tmp_path / "mod.py"
    path.write_text("def f():\n    from matcher.cli import main\n\nfrom ..solvers import exact\n")
    assert {package_of(name) for name, _ in imports("matcher.io.mod", path)} == {"matcher.cli", "matcher.solvers"}


def test_commands_import_the_api_only_when_they_run():
    """`matcher serve` and `matcher tokens` import Flask and the api inside the command, so no other
    command (nor `matcher --help`) loads them."""
    for module, path in modules():
        if package_of(module) != "matcher.cli":
            continue
        top = ast.parse(path.read_text(encoding="utf-8")).body
        loaded = [n.module for n in top if isinstance(n, ast.ImportFrom) and n.module]
        loaded += [a.name for n in top if isinstance(n, ast.Import) for a in n.names]
        assert not [m for m in loaded if package_of(m) == "api"], f"{module} imports the api at load time"
