"""What every solver returns: the chosen candidate pairs and what the solver proved."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Solution:
    """Chosen candidate pairs (indices into :class:`Candidates`) and what the solver proved.

    ``status`` is ``optimal``, ``feasible`` (a time limit stopped the search) or ``heuristic``.
    ``objective`` and ``bound`` are in scaled integer units; the bound is an upper bound on the
    best objective (``None`` when the solver proves none).
    """

    chosen: np.ndarray
    objective: int
    bound: int | None
    status: str
    violations: tuple[str, ...] = field(default_factory=tuple)
