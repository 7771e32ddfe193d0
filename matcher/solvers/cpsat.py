"""The CP-SAT engine (OR-Tools): the same :class:`LinearModel`, searched by CP-SAT's portfolio of
workers with its LP relaxation at ``linearization_level`` 2 (the full linear relaxation with
cuts, which the default level 1 leaves out and which closes this model's gap).

No assumption literals in the search: CP-SAT runs sequentially when there are any. They serve
only :func:`matcher.solvers.explain.infeasible_rules`, after a model is proven infeasible.
"""

from __future__ import annotations

import numpy as np
from ortools.sat.python import cp_model
from scipy import sparse

from matcher.rules.model import Phase
from matcher.solvers.engine import EngineRun, Limits, RunStatus, whole_bound
from matcher.solvers.linear import LinearModel

#: CP-SAT's largest finite domain end.
_HUGE = cp_model.INT_MAX // 4


def load_model(
    model: LinearModel, guarded: bool = False
) -> tuple[cp_model.CpModel, list[cp_model.IntVar], dict[str, cp_model.IntVar]]:
    """``model``'s columns and rows as a CP-SAT model. With ``guarded`` each named rule holds only
    when its own literal (returned by name) is true."""
    cp = cp_model.CpModel()
    literals = {name: cp.new_bool_var(name) for name in model.named} if guarded else {}
    enforce = {model.named[name]: lit for name, lit in literals.items()}
    x = [cp.new_int_var(int(lo), int(hi), f"v{j}") for j, (lo, hi) in enumerate(zip(model.lower, model.upper))]
    for r, expr in enumerate(row_expressions(model.matrix, x)):
        lo = int(model.row_lower[r]) if np.isfinite(model.row_lower[r]) else -_HUGE
        hi = int(model.row_upper[r]) if np.isfinite(model.row_upper[r]) else _HUGE
        constraint = cp.add_linear_constraint(expr, lo, hi)
        if r in enforce:
            constraint.only_enforce_if(enforce[r])
    return cp, x, literals


def row_expressions(rows: sparse.spmatrix, x: list[cp_model.IntVar]) -> list[cp_model.LinearExprT]:
    """Each row of a sparse matrix as a linear expression over the columns ``x``."""
    m = rows.tocsr()
    return [
        cp_model.LinearExpr.weighted_sum(
            [x[j] for j in m.indices[m.indptr[r] : m.indptr[r + 1]]],
            m.data[m.indptr[r] : m.indptr[r + 1]].astype(np.int64).tolist(),
        )
        for r in range(m.shape[0])
    ]


def phase_expression(phase: Phase, x: list[cp_model.IntVar]) -> cp_model.LinearExprT:
    cols = np.flatnonzero(phase.objective)
    return cp_model.LinearExpr.weighted_sum([x[j] for j in cols], phase.objective[cols].astype(np.int64).tolist())


class _Monitor(cp_model.CpSolverSolutionCallback):
    """At every improving solution: report progress, and stop the search when asked to."""

    def __init__(self, limits: Limits, phase: Phase) -> None:
        super().__init__()
        self._limits = limits
        self._phase = phase
        self._scale = phase.scale

    def on_solution_callback(self) -> None:
        if self._phase.attainable is not None:  # proven once the bound rounds down to this plan
            bound = whole_bound(self.best_objective_bound, None)
            if bound is not None and self._phase.tighten(bound) <= round(self.objective_value):
                self.stop_search()
        if self._limits.on_progress:
            objective = int(round(self.objective_value / self._scale))
            bound = whole_bound(self.best_objective_bound / self._scale, objective)
            self._limits.on_progress(objective, bound, self.wall_time)
        if self._limits.should_stop and self._limits.should_stop():
            self.stop_search()


class CpsatSession:
    """The model loaded once into CP-SAT; each phase sets the objective and the hints."""

    def __init__(self, model: LinearModel, *, seed: int = 0, workers: int = 2, linearization_level: int = 2) -> None:
        self.cp, self.x, _ = load_model(model)
        self.seed, self.workers, self.linearization_level = seed, workers, linearization_level

    def hold(self, phase: Phase, level: int) -> None:
        rows, lower = phase.hold_rows(level)
        for expr, bound in zip(row_expressions(rows, self.x), lower.tolist(), strict=True):
            self.cp.add(expr >= int(bound))

    def solve(self, phase: Phase, start: np.ndarray | None, limits: Limits) -> EngineRun:
        cp = self.cp
        cp.maximize(phase_expression(phase, self.x))
        cp.clear_hints()
        if start is not None:
            for var, value in zip(self.x, np.rint(start).astype(np.int64).tolist()):
                cp.add_hint(var, value)
        solver = cp_model.CpSolver()
        p = solver.parameters
        p.max_time_in_seconds = max(float(limits.seconds), 0.01)
        p.num_workers = self.workers
        p.random_seed = self.seed
        p.linearization_level = self.linearization_level
        p.relative_gap_limit = float(limits.gap)
        if limits.deterministic_time is not None:
            p.max_deterministic_time = limits.deterministic_time
        status = solver.solve(cp, _Monitor(limits, phase))
        if status == cp_model.INFEASIBLE:
            return EngineRun(RunStatus.INFEASIBLE, None, None, None)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            # stopped before a first solution: CP-SAT leaves its bound unset (read as 0), so none is proven
            return EngineRun(RunStatus.NO_SOLUTION, None, None, None)
        values = np.array([solver.value(v) for v in self.x], dtype=np.float64)
        objective = int(round(float(phase.objective @ values)))
        bound = whole_bound(solver.best_objective_bound, objective)
        bound = None if bound is None else max(objective, phase.tighten(bound))
        proven = bound is not None and (
            status == cp_model.OPTIMAL or bound <= objective or bound - objective <= limits.gap * max(1, abs(bound))
        )
        return EngineRun(RunStatus.OPTIMAL if proven else RunStatus.FEASIBLE, values, objective, bound)
