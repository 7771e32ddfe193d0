"""Exact matching with side constraints by OR-Tools CP-SAT.

Model: one boolean per candidate pair. Hard: a need takes all its providers or none; a resource
stays within its hours and its task count; a hard pairing (结对) serves its minimum in its
community; every community reaches the policy's minimum share. Objective: the summed pair value,
less the load-balancing term when the policy asks for one. The equity objective is lexicographic:
first the best worst-community coverage, then, with that coverage held, the value.
Side constraints are guarded by assumption literals, so an infeasible model names the constraints
in conflict instead of failing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from matcher.candidates import VALUE_SCALE, Candidates
from matcher.errors import InfeasibleError, MatcherError
from matcher.policy import Policy
from matcher.problem import Problem
from matcher.solvers.base import Solution


def _groups(keys: np.ndarray, n: int) -> list[np.ndarray]:
    """Pair indices grouped by key (need or resource index), for keys 0..n-1."""
    order = np.argsort(keys, kind="stable")
    bounds = np.searchsorted(keys[order], np.arange(n + 1))
    return [order[bounds[i] : bounds[i + 1]] for i in range(n)]


#: Utilisation is measured in permille for the load-balancing term.
PERMILLE = 1000


@dataclass
class Model:
    """A built CP-SAT model: pair variables, served indicators, side-constraint literals, objective."""

    model: cp_model.CpModel
    x: list[cp_model.IntVar]
    served: dict[int, cp_model.LinearExprT]
    all_or_nothing: dict[int, cp_model.IntVar]
    assumptions: dict[str, cp_model.IntVar]
    value: cp_model.LinearExprT
    #: ``value`` is in VALUE_SCALE units times ``scale`` (PERMILLE with load balancing, else 1)
    scale: int = 1


def build_model(
    problem: Problem, candidates: Candidates, policy: Policy
) -> tuple[cp_model.CpModel, list[cp_model.IntVar], dict[int, cp_model.IntVar], dict[str, cp_model.IntVar]]:
    """The CP-SAT model, its pair variables, the served flag of each need taking several providers,
    and the assumption literal of each named side constraint."""
    m = _build(problem, candidates, policy)
    return m.model, m.x, m.all_or_nothing, m.assumptions


def _build(problem: Problem, candidates: Candidates, policy: Policy) -> Model:
    a = problem.arrays
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{p}") for p in range(len(candidates))]
    by_need = _groups(candidates.need, a.n_needs)
    served: dict[int, cp_model.LinearExprT] = {}
    all_or_nothing: dict[int, cp_model.IntVar] = {}
    for n, pairs in enumerate(by_need):
        if len(pairs) == 0:
            continue
        k = int(a.need_providers[n])
        total = sum(x[p] for p in pairs)
        if k == 1:
            model.add(total <= 1)
            served[n] = total
        elif len(pairs) >= k:
            s = model.new_bool_var(f"served{n}")
            model.add(total == k * s)
            served[n] = all_or_nothing[n] = s
        else:
            model.add(total == 0)
    for r, pairs in enumerate(_groups(candidates.resource, a.n_resources)):
        if len(pairs) == 0:
            continue
        loads = candidates.load[pairs]
        if loads.sum() > a.resource_capacity_minutes[r]:
            model.add(cp_model.LinearExpr.weighted_sum([x[p] for p in pairs], loads.tolist())
                      <= int(a.resource_capacity_minutes[r]))
        if len(pairs) > a.resource_capacity_tasks[r]:
            model.add(sum(x[p] for p in pairs) <= int(a.resource_capacity_tasks[r]))

    assumptions: dict[str, cp_model.IntVar] = {}
    need_comm = a.need_community[candidates.need]
    res_group = a.resource_group[candidates.resource]
    for g, c, minimum in a.pairing_minimums:
        if not candidates.hard_groups[g]:
            continue
        name = f"hard pairing {a.group_ids[g]} -> {a.community_ids[c]} serves at least {minimum} need(s)"
        lit = assumptions[name] = model.new_bool_var(name)
        pairs = np.flatnonzero((res_group == g) & (need_comm == c))
        model.add(sum(x[p] for p in pairs) >= minimum).only_enforce_if(lit)
    if policy.min_community_share > 0:
        counts = np.bincount(a.need_community, minlength=a.n_communities)
        for c in np.flatnonzero(counts):
            required = math.ceil(policy.min_community_share * counts[c] - 1e-9)
            name = (f"community {a.community_ids[c]} has {required} of its {counts[c]} need(s) served "
                    f"(minimum share {policy.min_community_share:.0%})")
            lit = assumptions[name] = model.new_bool_var(name)
            members = [served[n] for n in np.flatnonzero(a.need_community == c) if n in served]
            model.add(sum(members) >= required).only_enforce_if(lit)
    model.add_assumptions(list(assumptions.values()))
    value = cp_model.LinearExpr.weighted_sum(x, candidates.value.tolist())
    scale = 1
    if policy.balance_weight > 0:
        # the overload is in permille of a resource's hours and costs balance_weight points per
        # whole share: value is scaled by PERMILLE so that the cost per permille stays whole
        # (unscaled it was balance_weight * VALUE_SCALE / PERMILLE, which rounded to 0 below 5)
        scale = PERMILLE
        value = value * scale - _overload(model, problem, candidates, x, policy.balance_target) * round(
            policy.balance_weight * VALUE_SCALE)
    model.maximize(value)
    return Model(model, x, served, all_or_nothing, assumptions, value, scale)


def _overload(
    model: cp_model.CpModel, problem: Problem, candidates: Candidates, x: list[cp_model.IntVar], target: float
) -> cp_model.LinearExprT:
    """The summed share of hours each resource works beyond ``target``, in permille (load balancing)."""
    a = problem.arrays
    base = round(target * PERMILLE)
    excess = []
    for r, pairs in enumerate(_groups(candidates.resource, a.n_resources)):
        hours = int(a.resource_capacity_minutes[r])
        if len(pairs) == 0 or hours == 0 or int(candidates.load[pairs].sum()) * PERMILLE <= base * hours:
            continue
        e = model.new_int_var(0, PERMILLE - base, f"overload{r}")
        used = cp_model.LinearExpr.weighted_sum([x[p] for p in pairs], (candidates.load[pairs] * PERMILLE).tolist())
        model.add(used <= (e + base) * hours)
        excess.append(e)
    return sum(excess)


def _worst_coverage(model: cp_model.CpModel, problem: Problem, served: dict[int, cp_model.LinearExprT]
                    ) -> cp_model.IntVar:
    """A variable ``z`` with ``z / scale <=`` every community's served share.

    With ``scale >= max(needs per community)**2`` two different shares differ by at least
    ``1 / scale``, so maximising ``z`` maximises the worst coverage exactly.
    """
    a = problem.arrays
    counts = np.bincount(a.need_community, minlength=a.n_communities)
    scale = max(10_000, int(counts.max(initial=1)) ** 2)
    z = model.new_int_var(0, scale, "worst_coverage")
    for c in np.flatnonzero(counts):
        members = [served[n] for n in np.flatnonzero(a.need_community == c) if n in served]
        model.add(sum(members) * scale >= z * int(counts[c]))
    return z


#: ``on_progress(objective, bound, seconds)`` in scaled units, called at improving solutions.
ProgressHook = Callable[[int, int, float], None]


class _Monitor(cp_model.CpSolverSolutionCallback):
    """At every improving solution: report progress, and stop the search when asked to."""

    def __init__(self, should_stop: Callable[[], bool] | None, on_progress: ProgressHook | None,
                 scale: int = 1) -> None:
        super().__init__()
        self._should_stop = should_stop
        self._on_progress = on_progress
        self._scale = scale

    def on_solution_callback(self) -> None:
        if self._on_progress:
            self._on_progress(int(round(self.objective_value / self._scale)),
                              int(math.floor(self.best_objective_bound / self._scale + 1e-6)), self.wall_time)
        if self._should_stop and self._should_stop():
            self.stop_search()


def solve_cpsat(
    problem: Problem,
    candidates: Candidates,
    policy: Policy,
    *,
    time_limit: float = 30.0,
    workers: int = 4,
    seed: int = 0,
    deterministic_time: float | None = None,
    hint: Solution | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_progress: ProgressHook | None = None,
) -> Solution:
    """Best solution within ``time_limit`` seconds with its proven bound.

    ``hint`` (e.g. the greedy solution) seeds the search; if CP-SAT finds nothing in time and the
    hint breaks no hard rule, the hint is returned with CP-SAT's bound. The equity objective
    solves twice: the best worst coverage, then the best value holding it (both within the limit).
    """
    m = _build(problem, candidates, policy)
    model, x, all_or_nothing, assumptions = m.model, m.x, m.all_or_nothing, m.assumptions
    if hint is not None:
        chosen = np.zeros(len(candidates), dtype=bool)
        chosen[hint.chosen] = True
        for var, on in zip(x, chosen.tolist()):
            model.add_hint(var, on)
        hinted_needs = set(candidates.need[hint.chosen].tolist())
        for n, var in all_or_nothing.items():
            model.add_hint(var, n in hinted_needs)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    if deterministic_time is not None:
        solver.parameters.max_deterministic_time = deterministic_time
    proven = True
    if policy.objective == "equity":  # stage 1: the best worst coverage, then held in stage 2
        z = _worst_coverage(model, problem, m.served)
        model.maximize(z)
        status = solver.solve(model, _Monitor(should_stop, None))  # progress reports value, not coverage
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return _no_solution(status, solver, model, assumptions, hint, time_limit, value_stage=False)
        proven = status == cp_model.OPTIMAL
        model.add(z >= int(solver.value(z)))
        model.clear_hints()
        for var in (*x, *all_or_nothing.values()):
            model.add_hint(var, solver.boolean_value(var))
        model.maximize(m.value)
    status = solver.solve(model, _Monitor(should_stop, on_progress, m.scale))
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _no_solution(status, solver, model, assumptions, hint, time_limit, scale=m.scale)
    values = np.array([solver.boolean_value(v) for v in x], dtype=bool)
    objective = int(round(solver.objective_value / m.scale))
    bound = int(math.floor(solver.best_objective_bound / m.scale + 1e-6))
    return Solution(np.flatnonzero(values), objective, max(bound, objective),
                    "optimal" if proven and status == cp_model.OPTIMAL else "feasible")


def _no_solution(status: int, solver: cp_model.CpSolver, model: cp_model.CpModel,
                 assumptions: dict[str, cp_model.IntVar], hint: Solution | None, time_limit: float,
                 value_stage: bool = True, scale: int = 1) -> Solution:
    """No solution found: name the conflict if infeasible, else fall back on a clean hint, else fail.

    The hint keeps CP-SAT's bound only when the search was over value (not equity's first stage).
    """
    if status == cp_model.INFEASIBLE:
        raise InfeasibleError(_conflict(model, assumptions, time_limit) or ["capacity and pairing rules"])
    if hint is not None and not hint.violations and math.isfinite(solver.best_objective_bound):
        bound = int(math.floor(solver.best_objective_bound / scale + 1e-6))
        return Solution(hint.chosen, hint.objective, max(bound, hint.objective) if value_stage else None, "feasible")
    raise MatcherError(f"CP-SAT found no solution within {time_limit:g} s (status {solver.status_name(status)})")


def _conflict(model: cp_model.CpModel, assumptions: dict[str, cp_model.IntVar], time_limit: float) -> list[str]:
    """Names of side constraints that together cannot hold (an infeasible core)."""
    if not assumptions:
        return []
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = time_limit
    solver.solve(model)
    names = {lit.index: name for name, lit in assumptions.items()}
    return [names[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in names]
