"""Re-plan with minimal change (稳定重排): re-solve what is not published, keeping the plan stable.

1. Published (pinned) assignments stay: the re-solve sees only the other needs, and each
   resource's capacity less what its published work uses (fixed pairings' minimums less what
   published work already serves there).
2. Every assignment of the current plan that the re-solve keeps earns ``policy.move_cost``: a
   move costs that much, so of equally good plans the one that moves least wins.
3. The same residual problem is solved once more without the move cost (unconstrained); the
   difference in objective is the price of stability, reported beside the number of moves.

The re-solve is the core's exact min-cost flow when flow can express the residual problem, CP-SAT
otherwise (``side_constraints`` decides, as in :func:`matcher.solvers.solve`), seeded with the
current plan, so a search cut short by its time limit starts from what stands.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from matcher.candidates import VALUE_SCALE, Candidates, build_candidates
from matcher.dispatch.ledger import Ledger, Placement
from matcher.problem import MINUTES_PER_HOUR, Problem
from matcher.solution import Solution, Status
from matcher.solvers.base import side_constraints
from matcher.solvers.exact import solve_exact
from matcher.solvers.flow import flow_with_priority
from matcher.solvers.greedy import solve_greedy
from matcher.solvers.params import SolveParams


@dataclass(frozen=True)
class Replan:
    """What a re-plan did: moves, objective against the unconstrained re-solve, solver used."""

    needs: int  # needs the re-solve saw (not published)
    moved: int  # assignments of the previous plan that changed resource or were dropped
    placed: int  # needs served after the re-plan
    objective: float  # the whole plan's objective after the re-plan (policy units)
    unconstrained: float  # the same with move_cost 0
    solver: str
    status: str
    seconds: float

    @property
    def stability_cost(self) -> float:
        """Objective given up to keep the plan stable (0 when nothing better moved)."""
        return max(0.0, self.unconstrained - self.objective)

    def to_dict(self) -> dict[str, Any]:
        return {
            "needs": self.needs,
            "moved": self.moved,
            "placed": self.placed,
            "objective": round(self.objective, 2),
            "unconstrained_objective": round(self.unconstrained, 2),
            "stability_cost": round(self.stability_cost, 2),
            "solver": self.solver,
            "status": self.status,
            "seconds": round(self.seconds, 3),
        }


def residual_problem(ledger: Ledger, open_needs: list[int]) -> Problem:
    """The problem a re-plan solves: the open needs, capacity left by published work."""
    problem = ledger.problem
    tasks = problem.arrays.resource_capacity_tasks.copy()
    minutes = problem.arrays.resource_capacity_minutes.copy()
    served_by_group: Counter[tuple[int, str]] = Counter()
    groups = problem.arrays.resource_group
    for n in ledger.pinned:
        for p in ledger.placed[n]:
            tasks[p.resource] -= 1
            minutes[p.resource] -= p.load
            served_by_group[(int(groups[p.resource]), ledger.needs[n].community)] += 1
    group_index = {g: i for i, g in enumerate(problem.arrays.group_ids)}
    resources = tuple(
        replace(r, capacity_tasks=int(t), capacity_hours=int(m) / MINUTES_PER_HOUR)
        for r, t, m in zip(problem.resources, tasks.tolist(), minutes.tolist(), strict=True)
    )
    pairings = tuple(
        replace(p, min_served=max(0, p.min_served - served_by_group[(group_index[p.group], p.community)]))
        for p in problem.pairings
    )
    return problem.direct_part([ledger.needs[n] for n in open_needs], resources=resources, pairings=pairings)


def _solve(
    problem: Problem,
    candidates: Candidates,
    ledger: Ledger,
    kept: np.ndarray,
    time_limit: float,
    deterministic_time: float | None,
) -> tuple[str, Solution]:
    """Flow when exact; else the MIP on CP-SAT seeded with the current plan (greedy when it holds nothing)."""
    if side_constraints(problem, candidates, ledger.policy):
        current = np.flatnonzero(kept)
        hint = (
            Solution(current, int(candidates.value[current].sum()), None, Status.HEURISTIC)
            if len(current)
            else solve_greedy(problem, candidates, ledger.policy)
        )
        params = SolveParams(time_limit=time_limit, workers=1, deterministic_time=deterministic_time, engine="cpsat")
        return "cpsat", solve_exact(problem, candidates, ledger.policy, params, hint)
    return "flow", flow_with_priority(problem, candidates, ledger.policy)


def _kept(ledger: Ledger, open_needs: list[int], candidates: Candidates) -> np.ndarray:
    """Per candidate pair: is it an assignment of the current plan?"""
    current = {(i, p.resource) for i, n in enumerate(open_needs) for p in ledger.placed.get(n, ())}
    if not current:
        return np.zeros(len(candidates), dtype=bool)
    keys = candidates.need.astype(np.int64) * (1 << 32) + candidates.resource
    wanted = np.fromiter((i * (1 << 32) + r for i, r in current), dtype=np.int64, count=len(current))
    return np.isin(keys, wanted)


def replan(ledger: Ledger, at: float, *, time_limit: float = 10.0, deterministic_time: float | None = None) -> Replan:
    """Re-solve every unpublished need on the ledger at minute ``at``; update the ledger. CP-SAT
    runs on one worker; with ``deterministic_time`` its answer repeats run to run."""
    start = time.perf_counter()
    open_needs = [n for n in range(len(ledger.needs)) if n not in ledger.pinned]
    problem = residual_problem(ledger, open_needs)
    candidates = build_candidates(problem, ledger.policy)
    kept = _kept(ledger, open_needs, candidates)
    bonus = round(ledger.policy.move_cost * VALUE_SCALE)
    steady = replace(candidates, value=candidates.value + bonus * kept)
    solver, solution = _solve(problem, steady, ledger, kept, time_limit, deterministic_time)
    _, free = _solve(problem, candidates, ledger, kept, time_limit, deterministic_time)
    chosen = solution.chosen
    previous = {(n, p.resource) for n in open_needs for p in ledger.placed.get(n, ())}
    pinned_value = sum(p.value for n in ledger.pinned for p in ledger.placed[n])
    plan: dict[int, list[Placement]] = {}
    for p in chosen.tolist():
        plan.setdefault(open_needs[int(candidates.need[p])], []).append(
            Placement(
                int(candidates.resource[p]),
                int(candidates.value[p]),
                int(candidates.load[p]),
                float(candidates.arrival[p]),
            )
        )
    _settle(ledger, plan, at)
    now_pairs = {(n, p.resource) for n in open_needs for p in ledger.placed.get(n, ())}
    objective = (pinned_value + int(candidates.value[chosen].sum())) / VALUE_SCALE
    return Replan(
        needs=len(open_needs),
        moved=len(previous - now_pairs),
        placed=sum(ledger.is_served(n) for n in range(len(ledger.needs))),
        objective=objective,
        unconstrained=(pinned_value + free.objective) / VALUE_SCALE,
        solver=solver,
        status=solution.status,
        seconds=time.perf_counter() - start,
    )


def _settle(ledger: Ledger, plan: dict[int, list[Placement]], at: float) -> None:
    """Replace the placements of every unpublished need by ``plan``; an assignment that did not
    move keeps the time it was made."""
    open_needs = [n for n in range(len(ledger.needs)) if n not in ledger.pinned]
    before = {n: ({p.resource for p in ledger.placed.get(n, ())}, ledger.placed_at.get(n)) for n in open_needs}
    for n in open_needs:
        ledger.remove(n)
    for n, placements in plan.items():
        for placement in placements:
            ledger.place(n, placement, at)
        resources, since = before[n]
        if since is not None and {p.resource for p in placements} == resources:
            ledger.placed_at[n] = since


def plan_data(ledger: Ledger) -> dict[str, list[list[Any]]]:
    """The unpublished placements as plain data (need id -> [resource id, value, load, arrival])."""
    ids = ledger.arrays.resource_ids
    return {
        ledger.needs[n].id: [[ids[p.resource], p.value, p.load, p.arrival] for p in ps]
        for n, ps in ledger.placed.items()
        if n not in ledger.pinned
    }


def restore(ledger: Ledger, data: dict[str, list[list[Any]]], at: float) -> None:
    """Set the unpublished placements to ``data`` (from :func:`plan_data`): another process's re-plan."""
    plan = {
        ledger.need_index(need): [
            Placement(ledger.resource_index(r), int(v), int(load), float(arrival)) for r, v, load, arrival in rows
        ]
        for need, rows in data.items()
    }
    _settle(ledger, plan, at)
