"""The one switch between the two models: a problem that orders (点单) or budgets projects is
solved by the project model, any other by the core's direct matching. The CLI and the API both
call :func:`solve_problem`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from matcher.policy import Policy
from matcher.problem import Problem
from matcher.result import Result
from matcher.solvers import solve
from matcher.solvers.engine import ProgressHook
from matcher.solvers.params import DEFAULT_GAP

if TYPE_CHECKING:  # the project model (and OR-Tools' CP-SAT) is imported only for problems with projects
    from matcher.parallel.cluster import Executor
    from matcher.projects.result import ProjectResult


def solve_problem(
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
    executor: Executor | None = None,
) -> Result | ProjectResult:
    """Solve with the project model when ``problem.has_projects`` (``engine`` picks its joint
    solver), else with :func:`matcher.solvers.solve` (``solver`` and ``engine``; ``on_progress``
    hears of each improving plan). Pinned orders and claims stay fixed in the project model.
    With an ``executor`` independent parts are solved there (:mod:`matcher.parallel`)."""
    if problem.has_projects:
        from matcher.projects.solve import solve_projects

        return solve_projects(
            problem,
            policy,
            time_limit=time_limit,
            workers=workers,
            seed=seed,
            should_stop=should_stop,
            engine=engine,
            executor=executor,
        )
    if executor is not None:
        from matcher.parallel.components import solve_in_parts

        return solve_in_parts(
            problem,
            policy,
            executor,
            solver=solver,
            engine=engine,
            time_limit=time_limit,
            workers=1,
            seed=seed,
            deterministic_time=deterministic_time,
            gap=gap,
        )
    return solve(
        problem,
        policy,
        solver=solver,
        engine=engine,
        time_limit=time_limit,
        workers=workers,
        seed=seed,
        deterministic_time=deterministic_time,
        gap=gap,
        should_stop=should_stop,
        on_progress=on_progress,
    )


__all__ = ["solve_problem"]
