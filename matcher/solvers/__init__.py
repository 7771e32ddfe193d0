"""One entry point, ``solve(problem, policy) -> Result``, over the solvers.

- ``flow``: OR-Tools min-cost flow, exact when no side rule needs more;
- ``mip``: the exact model with side rules (per-pair loads, several providers, hard pairing
  minimums, community shares, urgency first, equity, load balancing) on a MIP engine — HiGHS by
  default, CP-SAT by ``engine="cpsat"`` — with a proven bound and gap;
- ``cpsat``: ``mip`` on the CP-SAT engine (the name scripts used before engines were choosable);
- ``greedy``: urgency first, nearest available, the baseline;
- ``stable``: deferred acceptance, the needs-optimal stable matching.

``auto`` picks stable for the stable objective, else flow when flow is exact for the problem and
mip otherwise.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from matcher.candidates import build_candidates
from matcher.errors import MatcherError, SolverUnsuitableError
from matcher.i18n import Text
from matcher.policy import Policy, get_policy
from matcher.problem import Problem
from matcher.result import Result
from matcher.solvers.base import Solution, side_constraints
from matcher.solvers.engine import ProgressHook
from matcher.solvers.exact import solve_exact
from matcher.solvers.flow import flow_with_priority
from matcher.solvers.greedy import solve_greedy
from matcher.solvers.params import DEFAULT_GAP, ENGINE_NAMES, SolveParams
from matcher.solvers.stable import solve_stable

SOLVERS = ("auto", "flow", "mip", "cpsat", "greedy", "stable")


def solve(
    problem: Problem,
    policy: Policy | str | dict[str, Any] | None = None,
    *,
    solver: str = "auto",
    engine: str = "highs",
    time_limit: float = 30.0,
    workers: int = 2,
    seed: int = 0,
    deterministic_time: float | None = None,
    gap: float = DEFAULT_GAP,
    should_stop: Callable[[], bool] | None = None,
    on_progress: ProgressHook | None = None,
) -> Result:
    """Match the needs of ``problem`` with its resources under ``policy``.

    ``time_limit`` (seconds), ``engine`` (highs or cpsat), ``workers`` and ``seed`` steer the MIP;
    ``deterministic_time`` also bounds CP-SAT's work in its deterministic units (with one worker
    the run is repeatable); ``gap`` is the relative gap at which a plan counts as optimal;
    ``should_stop`` is polled during the search and ends it early, keeping the best plan so far;
    ``on_progress(objective, bound, seconds)`` hears of each improving plan (scaled units).
    """
    if solver not in SOLVERS:
        raise MatcherError(
            Text("unknown solver {solver!r}; expected one of: {items}", solver=solver, items=", ".join(SOLVERS))
        )
    if solver == "cpsat":
        solver, engine = "mip", "cpsat"
    params = SolveParams(
        time_limit=time_limit, workers=workers, seed=seed, deterministic_time=deterministic_time, engine=engine, gap=gap
    )
    policy = get_policy(policy)
    start = time.perf_counter()
    _ = problem.arrays  # compile once, timed with the build
    candidates = build_candidates(problem, policy)
    built = time.perf_counter()
    solver, note = _choose(solver, policy, side_constraints(problem, candidates, policy))
    solution: Solution
    if solver == "flow":
        solution = flow_with_priority(problem, candidates, policy)
    elif solver == "greedy":
        solution = solve_greedy(problem, candidates, policy)
    elif solver == "stable":
        solution = solve_stable(problem, candidates, policy)
    else:
        baseline = solve_greedy(problem, candidates, policy)
        solution = solve_exact(
            problem, candidates, policy, params, baseline, should_stop=should_stop, on_progress=on_progress
        )
        note = Text("engine {engine}; {note}", engine=params.engine, note=note)
    solved = time.perf_counter()
    timings = {"candidates": built - start, "solve": solved - built}
    return Result(problem, policy, candidates, solution, solver, note, solved - start, timings)


__all__ = ["ENGINE_NAMES", "SOLVERS", "solve"]


def _choose(solver: str, policy: Policy, needs_more: list[str]) -> tuple[str, Text]:
    """The solver that runs and why: ``auto`` picks stable for the stable objective, flow when
    nothing in ``needs_more`` (what flow cannot express) applies, else mip."""
    if policy.objective == "stable" and solver not in ("auto", "stable"):
        raise SolverUnsuitableError(
            Text("the stable objective is solved by deferred acceptance, not {solver!r}", solver=solver)
        )
    if solver == "auto" and policy.objective == "stable":
        return "stable", Text("auto: deferred acceptance for the stable objective")
    if solver == "auto" and needs_more:
        return "mip", Text("auto: flow cannot express {reasons}", reasons=needs_more)
    if solver == "auto":
        return "flow", Text("auto: flow is exact here")
    return solver, Text("chosen by name")
