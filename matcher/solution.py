"""What every solver returns: the chosen candidate pairs and what the solver proved."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np


class Status(StrEnum):
    """What a solve proved about the plan it returns.

    - ``optimal``: proven best (within the gap limit, 0.01% by default; the gap says how close);
    - ``feasible``: a time limit or a stop request ended the search; the bound is proven, so the
      gap is how far the plan can be from the best (blank if no bound was proven in time);
    - ``no_solution_in_time``: the engine found nothing in time; the plan is the greedy start,
      labelled as such, with no bound;
    - ``heuristic``: the greedy solver was asked for by name; nothing is proven;
    - ``stable``: the needs-optimal stable matching by deferred acceptance (exact for the stable
      objective; no bound on value).
    """

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    NO_SOLUTION_IN_TIME = "no_solution_in_time"
    HEURISTIC = "heuristic"
    STABLE = "stable"


@dataclass(frozen=True)
class PhaseOutcome:
    """One level of a lexicographic objective as solved: what it reached, its bound, its status."""

    name: str
    objective: int
    bound: int | None
    status: Status


@dataclass(frozen=True)
class Solution:
    """Chosen candidate pairs (indices into :class:`Candidates`) and what the solver proved.

    ``objective`` and ``bound`` are in scaled integer units; the bound is an upper bound on the
    best objective (``None`` when nothing is proven). ``phases`` lists the lexicographic levels
    solved before the value (e.g. emergencies served), each with its own status.
    """

    chosen: np.ndarray
    objective: int
    bound: int | None
    status: Status
    violations: tuple[str, ...] = field(default_factory=tuple)
    phases: tuple[PhaseOutcome, ...] = ()
