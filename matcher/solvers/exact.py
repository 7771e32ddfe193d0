"""The exact solver for the core model with side rules: build the MIP once, then solve its
lexicographic phases in turn on one engine (HiGHS by default, CP-SAT by choice), starting from the
greedy plan.

1. Build the :class:`LinearModel` (every rule once, :mod:`matcher.solvers.linear`).
2. Load it into the engine.
3. For each phase (e.g. emergencies served, then value): maximise it from the best plan so far
   within the time left; hold the level it reached before the next phase.
4. A proven infeasible model is explained by its named rules (:mod:`matcher.solvers.explain`).
5. If the engine finds no plan in time, the greedy start is returned labelled
   ``no_solution_in_time``, with no bound: no gap is printed that was not proven.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from matcher.candidates import Candidates
from matcher.errors import InfeasibleError
from matcher.policy import Policy
from matcher.problem import Problem
from matcher.rules.model import Phase
from matcher.solution import PhaseOutcome, Solution, Status
from matcher.solvers.engine import EngineRun, EngineSession, Limits, ProgressHook, RunStatus
from matcher.solvers.linear import LinearModel, build_linear_model, plan_columns
from matcher.solvers.params import SolveParams


def _highs(model: LinearModel, params: SolveParams) -> EngineSession:
    from matcher.solvers.highs import HighsSession

    return HighsSession(model, seed=params.seed)


def _cpsat(model: LinearModel, params: SolveParams) -> EngineSession:
    # imported when used: OR-Tools' CP-SAT module brings pandas, about 0.35 s of start-up
    from matcher.solvers.cpsat import CpsatSession

    return CpsatSession(model, seed=params.seed, workers=params.workers)


#: The engines by name: how to load a model into each.
ENGINES: dict[str, Callable[[LinearModel, SolveParams], EngineSession]] = {"highs": _highs, "cpsat": _cpsat}


def solve_exact(
    problem: Problem,
    candidates: Candidates,
    policy: Policy,
    params: SolveParams,
    start: Solution,
    *,
    should_stop: Callable[[], bool] | None = None,
    on_progress: ProgressHook | None = None,
) -> Solution:
    """The best plan of ``problem`` under ``policy`` within ``params.time_limit``, with what was proven."""
    deadline = time.monotonic() + params.time_limit
    model = build_linear_model(problem, candidates, policy)
    session = ENGINES[params.engine](model, params)
    values: np.ndarray | None = plan_columns(model, problem, candidates, policy, start.chosen)
    outcomes: list[PhaseOutcome] = []
    run: EngineRun | None = None
    for k, phase in enumerate(model.phases):
        last = k == len(model.phases) - 1
        limits = Limits(
            seconds=deadline - time.monotonic(),
            gap=params.gap if last else 0.0,
            deterministic_time=params.deterministic_time,
            should_stop=should_stop,
            on_progress=on_progress if last else None,
        )
        run = session.solve(phase, values, limits)
        if run.status == RunStatus.INFEASIBLE:
            from matcher.solvers.explain import infeasible_rules

            raise InfeasibleError(infeasible_rules(model, params.time_limit) or ["capacity and pairing rules"])
        if run.values is None:
            if k == 0 or values is None:
                return _greedy_start(start, outcomes, phase)
            return _earlier_plan(model, values, outcomes, phase, run, len(candidates))
        values = run.values
        outcomes.append(_outcome(phase, run))
        if not last:
            session.hold(phase, run.objective or 0)
    assert run is not None and values is not None and run.objective is not None
    value = outcomes.pop()
    chosen = np.flatnonzero(values[: len(candidates)] > 0.5)
    status = Status.OPTIMAL if all(o.status == Status.OPTIMAL for o in (*outcomes, value)) else Status.FEASIBLE
    return Solution(chosen, value.objective, value.bound, status, phases=tuple(outcomes))


def _outcome(phase: Phase, run: EngineRun) -> PhaseOutcome:
    """A phase's result in its own units (the value phase divided back to VALUE_SCALE)."""
    assert run.objective is not None
    objective = int(round(run.objective / phase.scale))
    bound = None if run.bound is None else int(np.floor(run.bound / phase.scale + 1e-9))
    return PhaseOutcome(
        phase.name,
        objective,
        None if bound is None else max(bound, objective),
        Status.OPTIMAL if run.status == RunStatus.OPTIMAL else Status.FEASIBLE,
    )


def _earlier_plan(
    model: LinearModel, values: np.ndarray, outcomes: list[PhaseOutcome], phase: Phase, run: EngineRun, n_pairs: int
) -> Solution:
    """A later phase found nothing in time: the last phase's plan (it keeps every hard rule and the
    levels reached), valued by the value phase, with that phase's bound if one was proven."""
    value = model.phases[-1]
    objective = int(round(float(value.objective @ values) / value.scale))
    bound = None if run.bound is None or phase is not value else max(objective, run.bound // value.scale)
    stopped = (
        (*outcomes, PhaseOutcome(phase.name, 0, None, Status.NO_SOLUTION_IN_TIME))
        if phase is not value
        else tuple(outcomes)
    )
    return Solution(np.flatnonzero(values[:n_pairs] > 0.5), objective, bound, Status.FEASIBLE, phases=stopped)


def _greedy_start(start: Solution, outcomes: list[PhaseOutcome], phase: Phase) -> Solution:
    """Nothing found in time: the greedy plan, labelled so, with no bound."""
    stopped = (*outcomes, PhaseOutcome(phase.name, 0, None, Status.NO_SOLUTION_IN_TIME))
    return Solution(start.chosen, start.objective, None, Status.NO_SOLUTION_IN_TIME, start.violations, stopped)
