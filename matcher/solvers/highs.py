"""The HiGHS engine (through highspy): a branch-and-cut MIP solver whose LP relaxation and cuts
prove the core model's optimum quickly (see docs/engines.md for the measurements)."""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

import numpy as np

from matcher.errors import MatcherError
from matcher.rules.model import Phase
from matcher.solvers.engine import EngineRun, Limits, RunStatus, whole_bound
from matcher.solvers.linear import LinearModel

_ROWWISE = 2
_MAXIMISE = -1


_banner_lock = threading.Lock()
_banner_shown = False


def new_highs() -> Any:
    """A silent ``highspy.Highs``. HiGHS prints an English banner to standard output when the
    first instance of a process is made, before any option can be set: that one is made with
    standard output pointed at /dev/null, so command output stays the planner's report."""
    global _banner_shown
    import highspy

    with _banner_lock:
        if _banner_shown:
            h = highspy.Highs()
        else:
            sys.stdout.flush()
            saved = os.dup(1)
            try:
                with open(os.devnull, "w") as null:
                    os.dup2(null.fileno(), 1)
                    h = highspy.Highs()
            finally:
                os.dup2(saved, 1)
                os.close(saved)
            _banner_shown = True
    h.setOptionValue("output_flag", False)
    return h


class HighsSession:
    """The model loaded once into HiGHS; each phase changes the costs and adds its held row."""

    def __init__(self, model: LinearModel, *, seed: int = 0) -> None:
        import highspy

        self._highspy = highspy
        self.h = new_highs()
        self.h.setOptionValue("random_seed", int(seed))
        # The root reduced-cost heuristic costs about a quarter of the CPU on the core model and
        # finds nothing the sub-MIP heuristics do not (bench/bench_engines.py; docs/engines.md).
        self.h.setOptionValue("mip_heuristic_run_root_reduced_cost", False)
        self.n = model.n_columns
        m = model.matrix.tocsr()
        inf = highspy.kHighsInf
        self.h.passModel(
            self.n,
            m.shape[0],
            m.nnz,
            _ROWWISE,
            _MAXIMISE,
            0.0,
            np.zeros(self.n),
            model.lower,
            model.upper,
            np.where(np.isfinite(model.row_lower), model.row_lower, -inf),
            np.where(np.isfinite(model.row_upper), model.row_upper, inf),
            m.indptr.astype(np.int32),
            m.indices.astype(np.int32),
            m.data.astype(np.float64),
            np.ones(self.n, dtype=np.int32),
        )
        self._empty_plan_feasible = bool(np.all(model.row_lower <= 0) and np.all(model.row_upper >= 0))
        self._limits: Limits | None = None
        self._scale = 1
        self._phase: Phase | None = None
        self.h.cbMipImprovingSolution.subscribe(self._improving)
        self.h.cbMipInterrupt.subscribe(self._interrupt)

    def hold(self, phase: Phase, level: int) -> None:
        rows, lower = phase.hold_rows(level)
        rows = rows.tocsr()
        self.h.addRows(
            rows.shape[0],
            lower.astype(np.float64),
            np.full(rows.shape[0], self._highspy.kHighsInf),
            rows.nnz,
            rows.indptr[:-1].astype(np.int32),
            rows.indices.astype(np.int32),
            rows.data.astype(np.float64),
        )

    def solve(self, phase: Phase, start: np.ndarray | None, limits: Limits) -> EngineRun:
        del start  # see below
        h = self.h
        h.changeColsCost(self.n, np.arange(self.n, dtype=np.int32), phase.objective.astype(np.float64))
        h.setOptionValue("time_limit", max(float(limits.seconds), 0.01))
        h.setOptionValue("mip_rel_gap", float(limits.gap))
        h.setOptionValue("mip_abs_gap", 0.999)  # objectives are whole numbers
        # ``start`` is not passed on: with a start set by setSolution, HiGHS 1.16 proves a better
        # optimum after presolve but returns the start's column values beside the better
        # objective (seen on Zhangjiang: objective 31, columns worth 28). Without it HiGHS
        # finds its own first plan at the root; the exact solver keeps the greedy start for
        # the case that it finds none in time.
        self._limits, self._scale, self._phase = limits, phase.scale, phase
        h.run()
        self._limits = None
        status = h.getModelStatus()
        info = h.getInfo()
        ms = self._highspy.HighsModelStatus
        if status == ms.kModelEmpty:  # no column: the empty plan is the only one, if its rows allow it
            if self._empty_plan_feasible:
                return EngineRun(RunStatus.OPTIMAL, np.zeros(self.n), 0, 0)
            return EngineRun(RunStatus.INFEASIBLE, None, None, None)
        if status in (ms.kInfeasible, ms.kUnboundedOrInfeasible):  # every column is bounded: infeasible
            return EngineRun(RunStatus.INFEASIBLE, None, None, None)
        if info.primal_solution_status != 2:  # no feasible solution
            return EngineRun(RunStatus.NO_SOLUTION, None, None, whole_bound(info.mip_dual_bound, None))
        values = np.rint(np.asarray(h.getSolution().col_value))
        objective = int(round(float(phase.objective @ values)))
        if abs(objective - info.objective_function_value) > 0.5 + 1e-7 * abs(objective):
            raise MatcherError(
                f"HiGHS returned a plan worth {objective} with an objective of "
                f"{info.objective_function_value:g}: the plan cannot be trusted"
            )
        bound = whole_bound(info.mip_dual_bound, objective)
        bound = None if bound is None else max(objective, phase.tighten(bound))
        proven = bound is not None and (
            status == ms.kOptimal or bound - objective < 1 or bound - objective <= limits.gap * max(1, abs(bound))
        )
        return EngineRun(RunStatus.OPTIMAL if proven else RunStatus.FEASIBLE, values, objective, bound)

    def _improving(self, event: object) -> None:
        limits = self._limits
        if limits is None or limits.on_progress is None:
            return
        data = event.data_out  # type: ignore[attr-defined]
        objective = int(round(data.objective_function_value / self._scale))
        bound = whole_bound(data.mip_dual_bound / self._scale, objective)
        limits.on_progress(objective, bound, float(data.running_time))

    def _interrupt(self, event: object) -> None:
        # the flag is set either way: HiGHS keeps it between runs of the same instance
        event.data_in.user_interrupt = self._should_interrupt(event.data_out)  # type: ignore[attr-defined]

    def _should_interrupt(self, data: Any) -> bool:
        """Asked to stop, or (a phase with attainable values) the bound rounds down to the plan."""
        limits, phase = self._limits, self._phase
        if limits is not None and limits.should_stop is not None and limits.should_stop():
            return True
        if phase is None or phase.attainable is None:
            return False
        found, bound = data.mip_primal_bound, whole_bound(data.mip_dual_bound, None)
        return bool(np.isfinite(found) and bound is not None and phase.tighten(bound) <= round(found))
