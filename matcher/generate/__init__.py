"""Reproducible scenario generators for the cases in docs/cases.md; each writes a scenario folder.

A generator is a function ``(seed=CASE) -> GeneratedScenario`` whose default seed is the one the
shipped scenario was made with; register it in :data:`GENERATORS`.
"""

from __future__ import annotations

from collections.abc import Callable

from matcher.generate.pudong import pudong, pudong_street
from matcher.generate.taizhou import taizhou
from matcher.generate.wanshou import wanshou
from matcher.generate.writer import GeneratedScenario, write_scenario
from matcher.generate.xihu import xihu
from matcher.generate.zhangjiang import zhangjiang

GENERATORS: dict[str, Callable[..., GeneratedScenario]] = {
    "zhangjiang": zhangjiang,
    "wanshou": wanshou,
    "xihu": xihu,
    "pudong": pudong,
    "pudong-street": pudong_street,
    "taizhou": taizhou,
}

__all__ = ["GENERATORS", "GeneratedScenario", "write_scenario"]
