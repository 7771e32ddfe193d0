"""Reproducible scenario generators for the cases in DOMAIN.md; each writes a scenario folder.

A generator is a function ``(seed) -> GeneratedScenario``; register it in :data:`GENERATORS`.
"""

from __future__ import annotations

from collections.abc import Callable

from matcher.generate.writer import GeneratedScenario, write_scenario
from matcher.generate.zhangjiang import zhangjiang

GENERATORS: dict[str, Callable[[int], GeneratedScenario]] = {
    "zhangjiang": zhangjiang,
}

__all__ = ["GENERATORS", "GeneratedScenario", "write_scenario"]
