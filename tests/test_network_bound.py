"""The max-flow serving bound against brute force and the solvers' optimum on random cases."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.candidates import build_candidates
from matcher.network.bound import serving_bound
from matcher.policy import get_policy
from matcher.solvers import solve
from matcher.solvers.params import SolveParams
from tests.network_cases import community, need, problem, resource

#: Every pair worth the same: the maximum-value assignment is a maximum-count assignment.
COUNT = {
    "tier_weights": {"floor": 1, "basic": 1, "quality": 1},
    "urgency_weights": {"emergency": 1, "utilities": 1, "normal": 1, "complex": 1},
    "travel_cost": 0.0,
    "pairing_bonus": 0.0,
}
SKILLS = ["", "nurse", "lawyer"]


@st.composite
def cases(draw, unit: bool = False, hours: bool = False):
    """Up to 3 communities on a line, up to 7 needs and 4 resources with random skills and capacity."""
    xs = draw(st.lists(st.sampled_from([0, 2, 3, 6]), min_size=1, max_size=3, unique=True))
    communities = [community(f"C{i}", x) for i, x in enumerate(xs)]
    where = st.integers(0, len(xs) - 1)
    needs = [
        need(
            f"N{i}",
            f"C{draw(where)}",
            skills=draw(st.sampled_from(SKILLS)),
            category=draw(st.sampled_from(["health", "legal"])),
            hours=draw(st.sampled_from([1, 2, 3])),
        )
        for i in range(draw(st.integers(1, 7)))
    ]
    resources = []
    for i in range(draw(st.integers(1, 4))):
        tasks = 1 if unit else draw(st.integers(0, 3))
        resources.append(
            resource(
                f"R{i}",
                f"C{draw(where)}",
                categories=draw(st.sampled_from(["health", "legal", "health;legal"])),
                skills=";".join(draw(st.sets(st.sampled_from(SKILLS[1:])))),
                capacity_tasks=tasks,
                capacity_hours=draw(st.integers(0, 6)) if hours else 100,
                radius_minutes=draw(st.sampled_from([10, 20])),
            )
        )
    return problem(communities, needs, resources)


def brute_force_max_served(p, policy) -> int:
    """Most needs served by any assignment of needs to candidates within tasks and hours."""
    c = build_candidates(p, policy)
    a = p.arrays
    options = [[None] + [k for k in range(len(c)) if c.need[k] == n] for n in range(a.n_needs)]
    best = 0
    for choice in itertools.product(*options):
        picked = [k for k in choice if k is not None]
        tasks = np.bincount(c.resource[picked], minlength=a.n_resources)
        minutes = np.bincount(c.resource[picked], weights=c.load[picked], minlength=a.n_resources)
        if (tasks <= a.resource_capacity_tasks).all() and (minutes <= a.resource_capacity_minutes).all():
            best = max(best, len(picked))
    return best


@settings(max_examples=40, deadline=None)
@given(cases(hours=True))
def test_bound_never_below_any_assignment(p):
    """With tasks and hours binding, the bound is at least the brute-force maximum and the CP-SAT optimum."""
    policy = get_policy(COUNT)
    bound = serving_bound(p, build_candidates(p, policy))
    assert bound.max_served >= brute_force_max_served(p, policy)
    assert bound.max_served >= solve(p, policy, solver="cpsat", params=SolveParams(time_limit=5, workers=1)).n_served
    assert bound.deficiency == bound.without_candidates + bound.hall_deficiency


@settings(max_examples=40, deadline=None)
@given(cases())
def test_bound_equals_count_optimum_when_hours_do_not_bind(p):
    """With hours loose, the bound is exact: it equals brute force and the flow optimum of a count policy."""
    policy = get_policy(COUNT)
    bound = serving_bound(p, build_candidates(p, policy))
    assert bound.max_served == brute_force_max_served(p, policy)
    assert bound.max_served == solve(p, policy, solver="flow").n_served


@settings(max_examples=40, deadline=None)
@given(cases(unit=True))
def test_bound_equals_optimum_with_unit_capacities(p):
    """Unit capacities: the bound equals the solver's optimum, and is never below the default policy's result."""
    policy = get_policy(COUNT)
    bound = serving_bound(p, build_candidates(p, policy))
    assert bound.max_served == solve(p, policy, solver="flow").n_served
    default = solve(p, solver="flow")
    assert serving_bound(p, default.candidates).max_served >= default.n_served
