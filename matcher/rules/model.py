"""What a rule writes into: the columns and rows of the engine-neutral model, collected by
:class:`ModelBuilder` and frozen by :func:`matcher.solvers.linear.build_linear_model`.

Columns: one binary ``x`` per candidate pair first, then whatever columns the rules add (an
all-or-nothing flag per need, an overload per resource, the worst coverage). Rows are collected as
COO triplets with their bounds; a side rule that may be infeasible names its row in ``named``.
The objective is a list of :class:`Phase`, maximised in turn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from matcher.candidates import Candidates
from matcher.policy import Policy
from matcher.problem import ProblemArrays


@dataclass(frozen=True)
class Phase:
    """One level of the lexicographic objective: maximise ``objective · columns``.

    ``scale`` divides the objective back to VALUE_SCALE units for the value phase (1 otherwise).
    ``attainable``, when known, lists every value the objective can take (sorted): a proven bound
    can then be lowered to the largest attainable value below it (see :meth:`tighten`)."""

    name: str
    objective: np.ndarray  # float64, one coefficient per column, integral
    scale: int = 1
    attainable: np.ndarray | None = None
    #: rows that hold a level reached, when tighter than ``objective · v >= level`` (equity's)
    level_rows: Callable[[int], tuple[sparse.csr_matrix, np.ndarray]] | None = None

    def hold_rows(self, level: int) -> tuple[sparse.csr_matrix, np.ndarray]:
        """Rows ``R v >= lower`` that keep this phase at ``level`` or better in later phases."""
        if self.level_rows is not None:
            return self.level_rows(level)
        return sparse.csr_matrix(self.objective.reshape(1, -1)), np.array([float(level)])

    def tighten(self, bound: int) -> int:
        """The largest attainable value at most ``bound`` (``bound`` itself when all are attainable)."""
        if self.attainable is None:
            return bound
        at = int(np.searchsorted(self.attainable, bound, side="right")) - 1
        return int(self.attainable[at]) if at >= 0 else bound


@dataclass
class Auxiliary:
    """Where the columns beyond the pairs are, to complete a plan given as pairs."""

    all_or_nothing: tuple[np.ndarray, np.ndarray] = (np.zeros(0, np.int64), np.zeros(0, np.int64))  # cols, needs
    overload: tuple[np.ndarray, np.ndarray] = (np.zeros(0, np.int64), np.zeros(0, np.int64))  # cols, resources
    worst_coverage: tuple[int, int] | None = None  # column, scale


@dataclass
class Rows:
    """Rows collected as COO triplets, then frozen into a CSR matrix."""

    rows: list[np.ndarray] = field(default_factory=list)
    cols: list[np.ndarray] = field(default_factory=list)
    vals: list[np.ndarray] = field(default_factory=list)
    lower: list[np.ndarray] = field(default_factory=list)
    upper: list[np.ndarray] = field(default_factory=list)
    count: int = 0

    def add(self, row: np.ndarray, col: np.ndarray, val: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> int:
        """Add rows numbered ``row`` (0-based within this block); returns the first new row's index."""
        first = self.count
        self.rows.append(np.asarray(row, dtype=np.int64) + first)
        self.cols.append(np.asarray(col, dtype=np.int64))
        self.vals.append(np.asarray(val, dtype=np.float64))
        self.lower.append(np.asarray(lower, dtype=np.float64))
        self.upper.append(np.asarray(upper, dtype=np.float64))
        self.count += len(self.lower[-1])
        return first

    def add_matrix(self, block: sparse.spmatrix, lower: np.ndarray, upper: np.ndarray) -> int:
        coo = sparse.coo_matrix(block)
        return self.add(coo.row, coo.col, coo.data, lower, upper)

    def freeze(self, n_columns: int) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
        if not self.rows:
            return sparse.csr_matrix((0, n_columns)), np.zeros(0), np.zeros(0)
        matrix = sparse.csr_matrix(
            (np.concatenate(self.vals), (np.concatenate(self.rows), np.concatenate(self.cols))),
            shape=(self.count, n_columns),
        )
        return matrix, np.concatenate(self.lower), np.concatenate(self.upper)


class ModelBuilder:
    """Columns and rows of the model for one (problem arrays, candidates, policy)."""

    def __init__(self, arrays: ProblemArrays, candidates: Candidates, policy: Policy) -> None:
        self.a = arrays
        self.c = candidates
        self.policy = policy
        self.rows = Rows()
        self.lower = [np.zeros(len(candidates))]
        self.upper = [np.ones(len(candidates))]
        self.n_columns = len(candidates)
        self.named: dict[str, int] = {}
        self.aux = Auxiliary()

    def columns(self, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
        """New integer columns; returns their indices."""
        first = self.n_columns
        self.lower.append(np.asarray(lower, dtype=np.float64))
        self.upper.append(np.asarray(upper, dtype=np.float64))
        self.n_columns += len(self.lower[-1])
        return np.arange(first, self.n_columns)

    def tied_columns(
        self,
        chosen: np.ndarray,
        owner: np.ndarray,
        pair_coef: np.ndarray,
        column_coef: np.ndarray,
        upper: float,
        row_lower: np.ndarray,
        row_upper: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One integer column in [0, upper] per chosen need or resource, tied to its pairs by one row:
        ``row_lower <= sum pair_coef * x + column_coef * column <= row_upper``. Returns the columns,
        the chosen owners' pairs, and each owner's row number among them (-1 when not chosen)."""
        owners = np.flatnonzero(chosen)
        cols = self.columns(np.zeros(len(owners)), np.full(len(owners), upper))
        row_of = np.full(len(chosen), -1)
        row_of[owners] = np.arange(len(owners))
        pairs = np.flatnonzero(chosen[owner])
        self.rows.add(
            np.concatenate([row_of[owner[pairs]], np.arange(len(owners))]),
            np.concatenate([pairs, cols]),
            np.concatenate([pair_coef[pairs], column_coef]),
            row_lower,
            row_upper,
        )
        return cols, pairs, row_of

    def per_owner_rows(
        self, binding: np.ndarray, owner: np.ndarray, weights: np.ndarray, lower: np.ndarray, upper: np.ndarray
    ) -> None:
        """One row per binding owner (a need or a resource): ``lower <= sum weights * x <= upper``
        over its pairs; ``lower`` and ``upper`` are given per binding owner."""
        owners = np.flatnonzero(binding)
        row_of = np.full(len(binding), -1)
        row_of[owners] = np.arange(len(owners))
        pairs = np.flatnonzero(binding[owner])
        self.rows.add(row_of[owner[pairs]], pairs, weights[pairs], lower, upper)


def group_sizes(keys: np.ndarray, n: int) -> np.ndarray:
    """How many pairs each of ``n`` owners has."""
    return np.bincount(keys, minlength=n)
