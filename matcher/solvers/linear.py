"""The core matching model as one engine-neutral mixed-integer program (MIP).

Columns: one binary ``x`` per candidate pair; one binary ``s`` per need taking several providers
(all or nothing); with load balancing an integer overload per resource; with the equity
objective an integer worst-coverage level ``z``. Each rule writes its own rows
(:mod:`matcher.rules`, one function per rule); HiGHS and CP-SAT both load the same
:class:`LinearModel`, so the two engines solve exactly the same problem.

The objective is lexicographic, a list of :class:`Phase` maximised in turn, each phase's optimum
held as a row while the next is solved: under the default policy first the emergencies served
(紧急, danger to life or property), then the value; under equity first the worst community's
coverage. Side rules that may be infeasible carry a name, so an infeasible model can be explained
(:mod:`matcher.solvers.explain`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from matcher.candidates import Candidates
from matcher.policy import Objective, Policy
from matcher.problem import Problem
from matcher.rules.capacity import add_resource_hours, add_resource_tasks
from matcher.rules.model import Auxiliary, ModelBuilder, Phase
from matcher.rules.objective import add_overload, overload_of, priority_phases, value_phase
from matcher.rules.pairing import add_pairing_minimums
from matcher.rules.providers import add_all_or_nothing, served_needs
from matcher.rules.required import add_required_needs
from matcher.rules.shares import (
    add_community_shares,
    add_worst_coverage,
    coverage_levels,
    coverage_rows,
    worst_coverage,
)


@dataclass
class LinearModel:
    """``maximise phases[k] · v  s.t.  row_lower <= A v <= row_upper, lower <= v <= upper, v integer``.

    ``named`` maps the name of each side rule that may be infeasible (a hard pairing's minimum, a
    community's minimum share) to its row, for the explanation of an infeasible model.
    """

    n_pairs: int
    lower: np.ndarray
    upper: np.ndarray
    matrix: sparse.csr_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    named: dict[str, int]
    phases: list[Phase]
    served: sparse.csr_matrix  # (needs, columns): row n is need n's "served" indicator
    aux: Auxiliary

    @property
    def n_columns(self) -> int:
        return len(self.lower)


def _pad(matrix: sparse.csr_matrix, n_columns: int) -> sparse.csr_matrix:
    extra = n_columns - matrix.shape[1]
    return matrix if extra == 0 else sparse.hstack([matrix, sparse.csr_matrix((matrix.shape[0], extra))]).tocsr()


def build_linear_model(problem: Problem, candidates: Candidates, policy: Policy) -> LinearModel:
    """The model of ``problem`` under ``policy``: every rule's rows and the objective phases."""
    a = problem.arrays
    b = ModelBuilder(a, candidates, policy)
    served = add_all_or_nothing(b)
    add_resource_hours(b)
    add_resource_tasks(b)
    add_pairing_minimums(b)
    add_required_needs(b, served)
    add_community_shares(b, served)
    overload: tuple[np.ndarray, np.ndarray] | None = None
    if policy.balance_weight > 0:
        overload = add_overload(b)
    z = add_worst_coverage(b, served) if policy.objective == Objective.EQUITY else None
    n = b.n_columns
    served = _pad(served, n)
    phases = priority_phases(a, policy, served)
    if z is not None:
        objective = np.zeros(n)
        objective[z] = 1.0
        phases.append(
            Phase(
                "worst community coverage",
                objective,
                attainable=coverage_levels(a, b.aux),
                level_rows=coverage_rows(a, served, b.aux),
            )
        )
    phases.append(value_phase(candidates, policy, n, overload))
    matrix, row_lower, row_upper = b.rows.freeze(n)
    return LinearModel(
        len(candidates),
        np.concatenate(b.lower),
        np.concatenate(b.upper),
        matrix,
        row_lower,
        row_upper,
        b.named,
        phases,
        served,
        b.aux,
    )


def plan_columns(
    model: LinearModel, problem: Problem, candidates: Candidates, policy: Policy, chosen: np.ndarray
) -> np.ndarray:
    """All column values of a plan given as chosen pairs: the pairs, each all-or-nothing need's
    flag, each resource's overload and the worst coverage, at the values the plan implies."""
    a = problem.arrays
    values = np.zeros(model.n_columns)
    values[chosen] = 1.0
    taken = np.bincount(candidates.need[chosen], minlength=a.n_needs)
    cols, needs = model.aux.all_or_nothing
    values[cols] = taken[needs] >= a.need_providers[needs]
    cols, rs = model.aux.overload
    if len(cols):
        values[cols] = overload_of(a, candidates, policy, chosen, rs)
    if model.aux.worst_coverage is not None:
        z, scale = model.aux.worst_coverage
        served = np.asarray(model.served[:, : len(candidates)] @ values[: len(candidates)]).ravel()
        served = np.where(a.need_providers > 1, served_needs(a, candidates, chosen), served)
        values[z] = worst_coverage(a, served, scale)
    return values
