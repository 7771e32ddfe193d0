"""One entry point, ``solve(problem, policy) -> Result``, over three solvers.

- ``flow``: OR-Tools min-cost flow, exact when no side constraint needs more;
- ``cpsat``: OR-Tools CP-SAT for per-pair loads, several providers, hard pairing minimums and
  community shares, with a time limit, a proven bound and a gap;
- ``greedy``: urgency first, nearest available, the baseline;
- ``stable``: deferred acceptance, the needs-optimal stable matching.

``auto`` picks stable for the stable objective, else flow when flow is exact for the problem and
CP-SAT otherwise.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from matcher.candidates import build_candidates
from matcher.errors import MatcherError, SolverUnsuitableError
from matcher.policy import Policy, get_policy
from matcher.problem import Problem
from matcher.result import Result
from matcher.solvers.base import Solution, side_constraints
from matcher.solvers.cpsat import ProgressHook, solve_cpsat
from matcher.solvers.flow import solve_flow
from matcher.solvers.greedy import solve_greedy
from matcher.solvers.stable import solve_stable

SOLVERS = ("auto", "flow", "cpsat", "greedy", "stable")


def solve(
    problem: Problem,
    policy: Policy | str | dict[str, Any] | None = None,
    *,
    solver: str = "auto",
    time_limit: float = 30.0,
    workers: int = 4,
    seed: int = 0,
    deterministic_time: float | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_progress: ProgressHook | None = None,
) -> Result:
    """Match the needs of ``problem`` with its resources under ``policy``.

    ``time_limit`` (seconds), ``workers`` and ``seed`` steer CP-SAT; ``deterministic_time`` also
    bounds its work in CP-SAT's deterministic time units (with one worker the run is repeatable);
    ``should_stop`` is polled at each improving CP-SAT solution and ends the search early, keeping
    the best solution so far; ``on_progress(objective, bound, seconds)`` hears of each improving
    solution (scaled units).
    """
    if solver not in SOLVERS:
        raise MatcherError(f"unknown solver {solver!r}; expected one of: {', '.join(SOLVERS)}")
    policy = get_policy(policy)
    start = time.perf_counter()
    _ = problem.arrays  # compile once, timed with the build
    candidates = build_candidates(problem, policy)
    built = time.perf_counter()
    needs_more = side_constraints(problem, candidates, policy)
    if policy.objective == "stable" and solver not in ("auto", "stable"):
        raise SolverUnsuitableError(f"the stable objective is solved by deferred acceptance, not {solver!r}")
    if solver == "auto" and policy.objective == "stable":
        solver, note = "stable", "auto: deferred acceptance for the stable objective"
    elif solver == "auto":
        solver = "cpsat" if needs_more else "flow"
        note = ("auto: flow cannot express " + "; ".join(needs_more)) if needs_more else "auto: flow is exact here"
    else:
        note = "chosen by name"
    solution: Solution
    if solver == "flow":
        solution = solve_flow(problem, candidates, policy)
    elif solver == "greedy":
        solution = solve_greedy(problem, candidates, policy)
    elif solver == "stable":
        solution = solve_stable(problem, candidates, policy)
    else:
        baseline = solve_greedy(problem, candidates, policy)
        solution = solve_cpsat(problem, candidates, policy, time_limit=time_limit, workers=workers, seed=seed,
                               deterministic_time=deterministic_time, hint=baseline, should_stop=should_stop,
                               on_progress=on_progress)
    solved = time.perf_counter()
    timings = {"candidates": built - start, "solve": solved - built}
    return Result(problem, policy, candidates, solution, solver, note, solved - start, timings)


__all__ = ["SOLVERS", "solve"]
