"""What a MIP engine does for the exact solver: load a :class:`LinearModel` once, then maximise
one phase at a time, holding earlier phases at the levels they reached.

Engines are registered by name in :data:`ENGINES` (``highs``, ``cpsat``); each is a small class
following :class:`EngineSession`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import numpy as np

from matcher.rules.model import Phase

#: ``on_progress(objective, bound, seconds)`` in scaled value units at improving plans; the bound
#: is None while none is proven.
ProgressHook = Callable[[int, int | None, float], None]


class RunStatus(StrEnum):
    """How one engine run ended."""

    OPTIMAL = "optimal"  # proven within the gap limit
    FEASIBLE = "feasible"  # stopped (time or request) with a solution
    NO_SOLUTION = "no_solution"  # stopped before any solution
    INFEASIBLE = "infeasible"  # proven that no solution exists


@dataclass(frozen=True)
class Limits:
    """What stops a run: seconds, CP-SAT's deterministic time, the relative gap, a stop request."""

    seconds: float
    gap: float
    deterministic_time: float | None = None
    should_stop: Callable[[], bool] | None = None
    on_progress: ProgressHook | None = None


@dataclass(frozen=True)
class EngineRun:
    """The outcome of one phase: column values (None without a solution), the phase's objective
    and a proven upper bound on it (None when the engine proved none), both whole numbers."""

    status: RunStatus
    values: np.ndarray | None
    objective: int | None
    bound: int | None


class EngineSession(Protocol):
    """A model loaded into one engine."""

    def hold(self, phase: Phase, level: int) -> None:
        """Add the rows that hold ``phase`` at ``level`` from now on (:meth:`Phase.hold_rows`)."""

    def solve(self, phase: Phase, start: np.ndarray | None, limits: Limits) -> EngineRun:
        """Maximise ``phase`` from the ``start`` values (a hint), within ``limits``."""


def whole_bound(bound: float, objective: int | None) -> int | None:
    """An integral objective's proven bound, rounded down (never below the objective found);
    None when the engine proved no finite bound."""
    if not np.isfinite(bound):
        return None
    # the engine's float bound carries its tolerances: round down only past them
    whole = int(np.floor(bound + 1e-6 + 1e-7 * abs(bound)))
    return whole if objective is None else max(whole, objective)
