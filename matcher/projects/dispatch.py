"""The one switch between the two models: a problem that orders (点单) or budgets projects is
solved by the project model, any other by the core's direct matching. The CLI and the API both
call :func:`solve_problem`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from matcher.policy import Policy
from matcher.problem import Problem
from matcher.result import Result
from matcher.solvers import solve
from matcher.solvers.engine import ProgressHook
from matcher.solvers.params import SolveParams

if TYPE_CHECKING:  # the project model (and OR-Tools' CP-SAT) is imported only for problems with projects
    from matcher.parallel.cluster import Executor
    from matcher.projects.result import ProjectResult


def solve_problem(
    problem: Problem,
    policy: Policy | str | dict[str, Any] | None = None,
    *,
    solver: str = "auto",
    params: SolveParams | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_progress: ProgressHook | None = None,
    executor: Executor | None = None,
) -> Result | ProjectResult:
    """Solve with the project model when ``problem.has_projects`` (``params.engine`` picks its joint
    solver; its own gap target), else with :func:`matcher.solvers.solve` (``solver`` and ``params``;
    ``on_progress`` hears of each improving plan). Pinned orders and claims stay fixed in the
    project model. With an ``executor`` independent parts are solved there (:mod:`matcher.parallel`)."""
    params = params or SolveParams()
    if problem.has_projects:
        from matcher.projects.solve import solve_projects

        return solve_projects(
            problem,
            policy,
            time_limit=params.time_limit,
            workers=params.workers,
            seed=params.seed,
            should_stop=should_stop,
            engine=params.engine,
            executor=executor,
        )
    if executor is not None:
        from matcher.parallel.components import solve_in_parts

        return solve_in_parts(problem, policy, executor, solver=solver, params=replace(params, workers=1))
    return solve(problem, policy, solver=solver, params=params, should_stop=should_stop, on_progress=on_progress)


__all__ = ["solve_problem"]
