"""The solvers behind one small interface, by name: each takes the problem, its candidate pairs,
the policy and the :class:`SolveParams`, and returns a :class:`Solution`.

- ``flow``: OR-Tools min-cost flow, exact when no side rule needs more;
- ``mip``: the exact model with side rules on a MIP engine (``params.engine``: HiGHS or CP-SAT),
  started from the greedy plan, with a proven bound and gap;
- ``greedy``: urgency first, nearest available, the baseline;
- ``stable``: deferred acceptance, the needs-optimal stable matching.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from matcher.candidates import Candidates
from matcher.policy import Policy
from matcher.problem import Problem
from matcher.solution import Solution
from matcher.solvers.engine import ProgressHook
from matcher.solvers.exact import solve_exact
from matcher.solvers.flow import flow_with_priority
from matcher.solvers.greedy import solve_greedy
from matcher.solvers.params import SolveParams
from matcher.solvers.stable import solve_stable


@dataclass(frozen=True)
class Hooks:
    """What a caller hears and says during a search: ``should_stop`` is polled and ends it early,
    keeping the best plan so far; ``on_progress(objective, bound, seconds)`` hears of each
    improving plan (scaled units). Only the ``mip`` solver searches long enough to use them."""

    should_stop: Callable[[], bool] | None = None
    on_progress: ProgressHook | None = None


class Solver(Protocol):
    """One way to choose the pairs."""

    def __call__(
        self, problem: Problem, candidates: Candidates, policy: Policy, params: SolveParams, hooks: Hooks
    ) -> Solution:
        """The chosen pairs of ``candidates`` and what was proven about them."""
        ...


def _flow(problem: Problem, candidates: Candidates, policy: Policy, params: SolveParams, hooks: Hooks) -> Solution:
    return flow_with_priority(problem, candidates, policy)


def _mip(problem: Problem, candidates: Candidates, policy: Policy, params: SolveParams, hooks: Hooks) -> Solution:
    start = solve_greedy(problem, candidates, policy)
    return solve_exact(
        problem, candidates, policy, params, start, should_stop=hooks.should_stop, on_progress=hooks.on_progress
    )


def _greedy(problem: Problem, candidates: Candidates, policy: Policy, params: SolveParams, hooks: Hooks) -> Solution:
    return solve_greedy(problem, candidates, policy)


def _stable(problem: Problem, candidates: Candidates, policy: Policy, params: SolveParams, hooks: Hooks) -> Solution:
    return solve_stable(problem, candidates, policy)


#: The solvers by name.
REGISTRY: dict[str, Solver] = {"flow": _flow, "mip": _mip, "greedy": _greedy, "stable": _stable}
#: Other names a caller may give: ``cpsat`` is ``mip`` on the CP-SAT engine (the name scripts used
#: before engines were choosable).
ALIASES: dict[str, tuple[str, str]] = {"cpsat": ("mip", "cpsat")}
#: The solvers that run a MIP engine (their result names it).
ENGINE_SOLVERS = frozenset({"mip"})
