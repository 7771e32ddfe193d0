"""Reproducible scenario generators for the cases in DOMAIN.md; each writes a scenario folder.

A generator is a function ``(seed) -> GeneratedScenario``; register it in :data:`GENERATORS`.
"""

from __future__ import annotations

from collections.abc import Callable

from matcher.generate.pudong import pudong, pudong_street
from matcher.generate.taizhou import taizhou
from matcher.generate.wanshou import wanshou
from matcher.generate.writer import GeneratedScenario, write_scenario
from matcher.generate.xihu import xihu
from matcher.generate.zhangjiang import zhangjiang

GENERATORS: dict[str, Callable[[int], GeneratedScenario]] = {
    "zhangjiang": zhangjiang,
    "wanshou": wanshou,
    "xihu": xihu,
    "pudong": pudong,
    "pudong-street": pudong_street,
    "taizhou": taizhou,
}

__all__ = ["GENERATORS", "GeneratedScenario", "write_scenario"]
