"""House habits, checked like behaviour: no function over 60 lines, none at radon rank D or worse,
no dead code (vulture). mypy runs from the README's developer commands (it takes about 20 s).

Each check is first shown to catch a bad example, so a clean run means something.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from radon.complexity import cc_rank, cc_visit, sorted_results
from vulture import Vulture

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 60
BAD_RANKS = ("D", "E", "F")

#: Never checked: alembic revisions are frozen history (a revision is not edited once released).
EXEMPT = ("api/migrations/versions/",)

#: Paths let off the checks for now: none (the list stays so that a path can be let off with a reason).
NOT_YET: tuple[str, ...] = ()


def _sources(*folders: str) -> list[Path]:
    found = sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))
    return [p for p in found if not _skipped(p.relative_to(ROOT).as_posix())]


def _skipped(relative: str) -> bool:
    return relative.startswith(EXEMPT + NOT_YET)


def long_functions(source: str, name: str) -> list[str]:
    """Functions and methods of ``source`` longer than MAX_LINES, counted from the def line to the last."""
    return [
        f"{name}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_LINES
    ]


def complex_blocks(source: str, name: str) -> list[str]:
    """Functions, methods and classes of ``source`` at radon rank D or worse (complexity over 20)."""
    return [
        f"{name}:{block.lineno} {block.fullname} {cc_rank(block.complexity)} ({block.complexity})"
        for block in sorted_results(cc_visit(source))
        if cc_rank(block.complexity) in BAD_RANKS
    ]


def _branchy(branches: int) -> str:
    lines = ["def branchy(x):"] + [f"    if x == {i}:\n        return {i}" for i in range(branches)] + ["    return -1"]
    return "\n".join(lines) + "\n"


def test_the_checks_catch_a_long_and_a_complex_function():
    sixty = "def f():\n" + "    x = 1\n" * 58 + "    return x\n"  # 60 lines: allowed
    sixty_one = "def g():\n" + "    x = 1\n" * 59 + "    return x\n"
    assert long_functions(sixty, "a.py") == []
    assert long_functions(sixty_one, "a.py") == ["a.py:1 g (61 lines)"]
    assert complex_blocks(_branchy(19), "b.py") == []  # complexity 20: rank C
    assert complex_blocks(_branchy(20), "b.py") == ["b.py:1 branchy D (21)"]


@pytest.mark.parametrize("folder", ["matcher", "api", "bench", "tests"])
def test_no_function_over_60_lines(folder):
    found = [hit for p in _sources(folder) for hit in long_functions(p.read_text(encoding="utf-8"), str(p))]
    assert found == []


@pytest.mark.parametrize("folder", ["matcher", "api", "bench"])
def test_no_function_at_radon_d_or_worse(folder):
    found = [hit for p in _sources(folder) for hit in complex_blocks(p.read_text(encoding="utf-8"), str(p))]
    assert found == []


def _unused(paths: list[Path]) -> list[str]:
    vulture = Vulture()
    vulture.scavenge([str(p) for p in paths])
    return [
        f"{item.filename}:{item.first_lineno} {item.typ} {item.name}"
        for item in vulture.get_unused_code(min_confidence=60)
        if not _skipped(Path(item.filename).resolve().relative_to(ROOT).as_posix())
    ]


def test_vulture_catches_an_unused_function(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def used():\n    return 1\n\n\ndef unused():\n    return 2\n\n\nused()\n")
    vulture = Vulture()
    vulture.scavenge([str(module)])
    assert [item.name for item in vulture.get_unused_code(min_confidence=60)] == ["unused"]


def test_no_dead_code():
    """vulture over matcher and api with the whitelist of names frameworks use (vulture_whitelist.py)."""
    # every module is read, so that code under NOT_YET still counts as a user of the names it uses
    everything = sorted(p for folder in ("matcher", "api") for p in (ROOT / folder).rglob("*.py"))
    assert _unused([*everything, ROOT / "vulture_whitelist.py"]) == []
