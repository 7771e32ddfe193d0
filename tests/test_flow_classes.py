"""Identical needs solved once (issue 14, item 7): min-cost flow over classes of identical needs
reaches the per-need optimum, against the brute force, scipy's assignment solver and the flow
over the per-need network, and hands each need at most one of its own candidate pairs."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from matcher.candidates import build_candidates
from matcher.domain import Community, Need, Resource
from matcher.policy import get_policy
from matcher.problem import Problem
from matcher.solvers import solve
from matcher.solvers.base import effective_task_capacity, side_constraints
from matcher.solvers.flow import flow_arrays, solve_min_cost_flow
from tests import reference
from tests.strategies import problems


@st.composite
def with_copies(draw, max_needs: int = 8, max_resources: int = 3) -> Problem:
    """A small problem whose needs are each repeated 1-3 times and whose resources are repeated
    with other task capacities (at most ``max_needs`` needs and ``max_resources`` resources)."""
    base = draw(problems(max_needs=4, max_resources=3, unit_loads=True, multi_provider=False))
    needs = []
    for need in base.needs:
        for k in range(draw(st.integers(1, 3))):
            if len(needs) < max_needs:
                needs.append(replace(need, id=f"{need.id}-{k}"))
    resources = []
    for res in base.resources:
        for k in range(draw(st.integers(1, 3))):
            if k == 0 or len(resources) < max_resources:  # every resource of the base problem stays
                resources.append(replace(res, id=f"{res.id}-{k}", capacity_tasks=draw(st.integers(0, 2))))
    return Problem.build(base.communities, needs, resources, pairings=base.pairings)


def _check_plan(result) -> None:
    """Each need served at most once, by one of its own candidates, within every capacity."""
    problem, policy = result.problem, result.policy
    chosen = [
        reference.pair_of(problem, policy, n, problem.needs[n], r, problem.resources[r])
        for n, r in zip(result.pair_need.tolist(), result.pair_resource.tolist(), strict=True)
    ]
    assert all(p is not None for p in chosen)
    assert len(set(result.pair_need.tolist())) == len(chosen)
    assert reference.feasible(problem, policy, chosen)
    assert sum(p.value for p in chosen) == result.solution.objective


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(with_copies(), with_copies(max_needs=5, max_resources=5)),
    st.sampled_from(["default", "pairing-soft", "locality-first"]),
)
def test_class_flow_matches_brute_force(problem, policy_name):
    """With repeated needs and resources, the class network's optimum is the brute-force optimum,
    split back validly."""
    policy = get_policy(policy_name)
    if side_constraints(problem, build_candidates(problem, policy), policy):
        return
    result = solve(problem, policy, solver="flow")
    assert result.solution.objective == reference.brute_force(problem, policy)
    _check_plan(result)


def _city(seed: int) -> Problem:
    """60 needs drawn from 8 kinds and 15 resources of 1-3 tasks from 6 kinds (so many are identical)."""
    rng = np.random.default_rng(seed)
    communities = [Community(id=f"C{i}", x=float(i), y=0.0) for i in range(4)]
    kinds = [
        Need(
            id="k",
            community=f"C{rng.integers(4)}",
            category="health",
            urgency=["emergency", "normal", "complex"][rng.integers(3)],
            tier=["floor", "basic"][rng.integers(2)],
        )
        for _ in range(8)
    ]
    needs = [replace(kinds[rng.integers(8)], id=f"N{i}") for i in range(60)]
    homes = [(f"C{rng.integers(4)}", float(rng.choice([4, 8, 20]))) for _ in range(6)]
    resources = [
        Resource(
            id=f"R{j}",
            kind="unit",
            community=homes[k][0],
            categories=frozenset({"health"}),
            capacity_tasks=int(rng.integers(1, 4)),
            capacity_hours=10.0,
            radius_minutes=homes[k][1],
        )
        for j, k in enumerate(rng.integers(6, size=15).tolist())
    ]
    return Problem.build(communities, needs, resources)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_class_flow_matches_assignment_and_per_need_flow(seed):
    """Against scipy's linear_sum_assignment (one column per task a resource can take) on the
    reference values, and against min-cost flow over the per-need network."""
    problem = _city(seed)
    policy = get_policy("default")
    assert len(problem.arrays.need_classes[1]) < problem.arrays.n_needs  # the aggregation is exercised
    assert len(problem.arrays.resource_classes[1]) < problem.arrays.n_resources
    columns = [j for j, r in enumerate(problem.resources) for _ in range(r.capacity_tasks)]
    matrix = np.zeros((len(problem.needs), len(columns)))
    for p in reference.pairs(problem, policy):
        matrix[p.need, [k for k, j in enumerate(columns) if j == p.resource]] = p.value
    rows, cols = linear_sum_assignment(matrix, maximize=True)
    result = solve(problem, policy, solver="flow")
    assert result.solution.objective == int(matrix[rows, cols].sum())
    _check_plan(result)

    a, cands = problem.arrays, result.candidates
    capacity, _ = effective_task_capacity(problem.arrays, cands)
    per_need = flow_arrays(a.n_needs, a.n_resources, cands.need, cands.resource, cands.value, capacity)
    assert -solve_min_cost_flow(*per_need[:5])[0] == result.solution.objective


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(-2, 2)), min_size=1, max_size=12), st.integers(0, 2**32 - 1))
def test_hubs_join_only_lists_equal_up_to_a_constant(lists, seed):
    """Classes share a hub exactly when their resource lists agree and their values differ by a constant."""
    from matcher.solvers.hubs import find_hubs

    rng = np.random.default_rng(seed)
    shapes = [rng.permutation(4)[: 1 + int(rng.integers(3))] for _ in range(3)]
    steps = [rng.integers(-50, 50, size=len(s)) for s in shapes]
    klass, resource, value = [], [], []
    for c, (shape, shift) in enumerate(lists):
        klass += [c] * len(shapes[shape % 3])
        resource += shapes[shape % 3].tolist()
        bump = np.zeros(len(shapes[shape % 3]), dtype=np.int64)
        bump[-1] = shape == 3  # shape 3: shape 0's list with its last value one higher
        value += (steps[shape % 3] + 100 * shift + bump).tolist()
    hubs = find_hubs(np.array(klass), np.array(resource), np.array(value), len(lists))

    def listing(c):
        mine = [k for k, x in enumerate(klass) if x == c]
        return [resource[k] for k in mine], [value[k] - value[mine[0]] for k in mine]

    for c in range(len(lists)):
        for d in range(len(lists)):
            assert (hubs.hub[c] == hubs.hub[d]) == (listing(c) == listing(d))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(with_copies(), st.sampled_from(["default", "pairing-strict", "locality-first"]))
def test_candidates_of_repeated_needs_match_reference(problem, policy_name):
    """Pairs found once per class and copied to its members equal the plain-Python reference's."""
    policy = get_policy(policy_name)
    cands = build_candidates(problem, policy)
    got = sorted(
        zip(cands.need.tolist(), cands.resource.tolist(), cands.value.tolist(), cands.load.tolist(), strict=True)
    )
    assert got == sorted((p.need, p.resource, p.value, p.load) for p in reference.pairs(problem, policy))
