"""Properties of the three solvers on random small problems, against independent answers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from matcher.candidates import build_candidates
from matcher.errors import InfeasibleError, SolverUnsuitableError
from matcher.policy import get_policy
from matcher.rules.check import check_plan
from matcher.solvers import solve
from matcher.solvers.base import side_constraints
from matcher.solvers.params import SolveParams
from tests import reference
from tests.strategies import problems

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
POLICIES = st.sampled_from(["default", "pairing-soft", "pairing-strict", "locality-first"])


def _solve_or_infeasible(problem, policy, solver):
    try:
        return solve(problem, policy, solver=solver, params=SolveParams(time_limit=10, workers=1))
    except InfeasibleError:
        return None


def _check_rules(result) -> None:
    """No resource over capacity, every assignment a candidate, all-or-nothing providers, hard pairings."""
    problem, policy = result.problem, result.policy
    chosen = [
        reference.pair_of(problem, policy, n, problem.needs[n], r, problem.resources[r])
        for n, r in zip(result.pair_need.tolist(), result.pair_resource.tolist())
    ]
    assert all(p is not None for p in chosen), "an assignment that is not a candidate"
    assert reference.feasible(problem, policy, chosen)
    assert check_plan(problem.arrays, result.candidates, policy, result.solution.chosen) == []


@SETTINGS
@given(problems(), POLICIES)
def test_cpsat_matches_brute_force(problem, policy_name):
    """CP-SAT's optimum equals the brute-force optimum and keeps every hard rule."""
    policy = get_policy(policy_name)
    best = reference.brute_force(problem, policy)
    result = _solve_or_infeasible(problem, policy, "cpsat")
    if best is None:
        assert result is None
        return
    assert result is not None and result.solution.status == "optimal"
    assert result.solution.objective == best
    _check_rules(result)


@SETTINGS
@given(problems(), POLICIES)
def test_candidates_match_reference(problem, policy_name):
    """Every candidate pair and its value equals the plain-Python reference's."""
    policy = get_policy(policy_name)
    cands = build_candidates(problem, policy)
    got = sorted(zip(cands.need.tolist(), cands.resource.tolist(), cands.value.tolist(), cands.load.tolist()))
    want = sorted((p.need, p.resource, p.value, p.load) for p in reference.pairs(problem, policy))
    assert got == want


@SETTINGS
@given(problems(multi_provider=False), POLICIES)
def test_flow_is_exact_when_it_accepts(problem, policy_name):
    """Where flow accepts the problem, its objective is the brute-force optimum."""
    policy = get_policy(policy_name)
    cands = build_candidates(problem, policy)
    if side_constraints(problem, cands, policy):
        with pytest.raises(SolverUnsuitableError):
            solve(problem, policy, solver="flow")
        return
    result = solve(problem, policy, solver="flow")
    assert result.solution.objective == reference.brute_force(problem, policy)
    _check_rules(result)


@SETTINGS
@given(problems(), POLICIES)
def test_cpsat_never_worse_than_greedy_and_bound_holds(problem, policy_name):
    """CP-SAT's objective is at least greedy's (when greedy keeps the rules); its bound is at least its objective."""
    policy = get_policy(policy_name)
    greedy = solve(problem, policy, solver="greedy")
    _check_rules_if_clean(greedy)
    exact = _solve_or_infeasible(problem, policy, "cpsat")
    if exact is None:
        assert greedy.solution.violations
        return
    assert exact.solution.bound >= exact.solution.objective
    if greedy.is_feasible():
        assert exact.solution.objective >= greedy.solution.objective


def _check_rules_if_clean(result) -> None:
    """A heuristic's plan keeps every rule exactly when it reports no violation (by the reference)."""
    problem, policy = result.problem, result.policy
    chosen = [
        reference.pair_of(problem, policy, n, problem.needs[n], r, problem.resources[r])
        for n, r in zip(result.pair_need.tolist(), result.pair_resource.tolist())
    ]
    assert reference.feasible(problem, policy, chosen) == result.is_feasible()
    if result.is_feasible():
        _check_rules(result)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_flow_equals_linear_sum_assignment(seed):
    """With unit capacities, flow's optimum equals scipy's assignment optimum on the reference values."""
    from matcher.domain import Community, Need, Resource

    rng = np.random.default_rng(seed)
    communities = [Community(id=f"C{i}", x=float(i), y=0.0) for i in range(4)]
    needs = [
        Need(
            id=f"N{i}",
            community=f"C{rng.integers(4)}",
            category="health",
            urgency=["emergency", "normal", "complex"][rng.integers(3)],
            tier=["floor", "basic"][rng.integers(2)],
        )
        for i in range(25)
    ]
    resources = [
        Resource(
            id=f"R{j}",
            kind="unit",
            community=f"C{rng.integers(4)}",
            categories=frozenset({"health"}),
            capacity_tasks=1,
            radius_minutes=float(rng.choice([4, 8, 20])),
        )
        for j in range(12)
    ]
    from matcher.problem import Problem

    problem = Problem.build(communities, needs, resources)
    policy = get_policy("default")
    matrix = np.zeros((len(needs), len(resources)))
    for p in reference.pairs(problem, policy):
        matrix[p.need, p.resource] = p.value
    rows, cols = linear_sum_assignment(matrix, maximize=True)
    result = solve(problem, policy, solver="flow")
    assert result.solution.objective == int(matrix[rows, cols].sum())
