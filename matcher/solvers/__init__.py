"""One entry point, ``solve(problem, policy) -> Result``, over the solvers of
:mod:`matcher.solvers.registry` (``flow``, ``mip``, ``greedy``, ``stable``; ``cpsat`` is ``mip`` on
the CP-SAT engine).

``auto`` picks stable for the stable objective, else flow when flow is exact for the problem and
mip otherwise.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from matcher.candidates import build_candidates
from matcher.errors import MatcherError, SolverUnsuitableError
from matcher.i18n import Text
from matcher.policy import Objective, Policy, get_policy
from matcher.problem import Problem
from matcher.result import Result
from matcher.solvers.base import side_constraints
from matcher.solvers.engine import ProgressHook
from matcher.solvers.params import ENGINE_NAMES, SolveParams
from matcher.solvers.registry import ALIASES, ENGINE_SOLVERS, REGISTRY, Hooks

#: Every name ``solve`` takes.
SOLVERS = ("auto", *REGISTRY, *ALIASES)


def solve(
    problem: Problem,
    policy: Policy | str | dict[str, Any] | None = None,
    *,
    solver: str = "auto",
    params: SolveParams | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_progress: ProgressHook | None = None,
) -> Result:
    """Match the needs of ``problem`` with its resources under ``policy``.

    ``params`` (:class:`SolveParams`: seconds, engine, workers, seed, deterministic time, gap)
    steer the MIP; ``should_stop`` is polled during the search and ends it early, keeping the best
    plan so far; ``on_progress(objective, bound, seconds)`` hears of each improving plan (scaled units).
    """
    if solver not in SOLVERS:
        raise MatcherError(
            Text("unknown solver {solver!r}; expected one of: {items}", solver=solver, items=", ".join(SOLVERS))
        )
    params = params or SolveParams()
    if solver in ALIASES:
        solver, engine = ALIASES[solver]
        params = replace(params, engine=engine)
    policy = get_policy(policy)
    start = time.perf_counter()
    _ = problem.arrays  # compile once, timed with the build
    candidates = build_candidates(problem, policy)
    built = time.perf_counter()
    solver, note = _choose(solver, policy, side_constraints(problem, candidates, policy))
    solution = REGISTRY[solver](problem, candidates, policy, params, Hooks(should_stop, on_progress))
    if solver in ENGINE_SOLVERS:
        note = Text("engine {engine}; {note}", engine=params.engine, note=note)
    solved = time.perf_counter()
    timings = {"candidates": built - start, "solve": solved - built}
    return Result(problem, policy, candidates, solution, solver, note, solved - start, timings)


def _choose(solver: str, policy: Policy, needs_more: list[str]) -> tuple[str, Text]:
    """The solver that runs and why: ``auto`` picks stable for the stable objective, flow when
    nothing in ``needs_more`` (what flow cannot express) applies, else mip."""
    stable = policy.objective == Objective.STABLE
    if stable and solver not in ("auto", "stable"):
        raise SolverUnsuitableError(
            Text("the stable objective is solved by deferred acceptance, not {solver!r}", solver=solver)
        )
    if solver != "auto":
        return solver, Text("chosen by name")
    if stable:
        return "stable", Text("auto: deferred acceptance for the stable objective")
    if needs_more:
        return "mip", Text("auto: flow cannot express {reasons}", reasons=needs_more)
    return "flow", Text("auto: flow is exact here")


__all__ = ["ENGINE_NAMES", "SOLVERS", "SolveParams", "solve"]
