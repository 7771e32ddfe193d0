"""The lab's policies on random small problems: equity against efficiency, load balancing, and the
stable matching against an independent blocking-pair check and the `matching` package."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from matching.games import HospitalResident

from matcher.errors import InfeasibleError, SolverUnsuitableError
from matcher.lab import metrics as m
from matcher.policy import get_policy
from matcher.solvers import solve
from matcher.solvers.params import SolveParams
from matcher.solvers.stable import preferences, single_provider_pairs, stable_capacity
from tests.lab_problems import random_problem
from tests.strategies import problems

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _solve(problem, policy):
    try:
        return solve(problem, policy, params=SolveParams(workers=1))
    except InfeasibleError:
        assume(False)


@SETTINGS
@given(problems(max_needs=8, max_resources=4))
def test_equity_never_below_efficiency_on_worst_coverage_and_never_above_on_value(problem):
    efficiency, equity = _solve(problem, "efficiency"), _solve(problem, "equity")
    assert efficiency.solution.status == "optimal" and equity.solution.status == "optimal"
    assert m.worst_coverage(equity) >= m.worst_coverage(efficiency)
    assert m.pair_value(efficiency) >= m.pair_value(equity) - 1e-9


@pytest.mark.parametrize("seed", range(4))
def test_equity_on_larger_random_problems(seed):
    problem = random_problem(
        seed, communities=5, needs=30, resources=10, uneven_hours=seed % 2 == 1, multi_provider=True
    )
    efficiency, equity = (
        solve(problem, "efficiency", params=SolveParams(workers=1)),
        solve(problem, "equity", params=SolveParams(workers=1)),
    )
    assert equity.solution.status == "optimal"
    assert m.worst_coverage(equity) >= m.worst_coverage(efficiency)
    assert m.pair_value(efficiency) >= m.pair_value(equity) - 1e-9


def _overload_permille(result, target: int = 500) -> int:
    """Sum over resources of the permille of hours used beyond ``target``, rounded up (integers only)."""
    a, c, idx = result.problem.arrays, result.candidates, result.solution.chosen
    used = np.bincount(c.resource[idx], weights=c.load[idx], minlength=a.n_resources).astype(np.int64)
    hours = a.resource_capacity_minutes
    over = np.maximum(0, used[hours > 0] * 1000 - target * hours[hours > 0])
    return int((-(-over // hours[hours > 0])).sum())


@SETTINGS
@given(problems(max_needs=8, max_resources=4))
def test_load_balancing_never_raises_the_overload(problem):
    """Optimal for value - w * overload, it cannot have more overload than the plain value optimum
    (same weights): value(b) - w E(b) >= value(p) - w E(p) and value(p) >= value(b) give E(b) <= E(p)."""
    plain = _solve(problem, get_policy("load-balanced").with_overrides({"balance_weight": 0}))
    balanced = _solve(problem, "load-balanced")
    assert plain.solution.status == "optimal" and balanced.solution.status == "optimal"
    assert _overload_permille(balanced) <= _overload_permille(plain)
    assert m.pair_value(balanced) <= m.pair_value(plain) + 1e-9


@SETTINGS
@given(problems(max_needs=8, max_resources=4))
def test_stable_matching_has_no_blocking_pair(problem):
    result = solve(problem, "stable")
    assert result.solver == "stable"
    assert m.blocking_pairs(result) == 0
    # it respects the capacities it plays with
    taken = np.bincount(result.pair_resource, minlength=problem.arrays.n_resources)
    assert (taken <= stable_capacity(problem, result.candidates)).all()


def _package_answer(result) -> set[tuple[int, int]]:
    """The resident-optimal hospital-resident matching from the `matching` package."""
    c = result.candidates
    keep = np.flatnonzero(single_provider_pairs(result.problem, c))
    capacity = stable_capacity(result.problem, c)
    keep = keep[capacity[c.resource[keep]] > 0]
    need_pos, res_pos = preferences(c)
    residents: dict[str, list[str]] = {}
    for p in keep[np.argsort(need_pos[keep])]:
        residents.setdefault(f"n{c.need[p]}", []).append(f"r{c.resource[p]}")
    hospitals: dict[str, list[str]] = {}
    for p in keep[np.argsort(res_pos[keep])]:
        hospitals.setdefault(f"r{c.resource[p]}", []).append(f"n{c.need[p]}")
    if not residents:
        return set()
    game = HospitalResident.create_from_dictionaries(
        residents, hospitals, {h: int(capacity[int(h[1:])]) for h in hospitals}
    )
    return {(int(str(r)[1:]), int(str(h)[1:])) for h, rs in game.solve(optimal="resident").items() for r in rs}


@SETTINGS
@given(problems(max_needs=8, max_resources=4, multi_provider=False))
def test_stable_matching_agrees_with_the_matching_package(problem):
    result = solve(problem, "stable")
    ours = set(zip(result.pair_need.tolist(), result.pair_resource.tolist(), strict=True))
    assert ours == _package_answer(result)


@pytest.mark.parametrize("seed", range(3))
def test_stable_agrees_with_the_matching_package_on_larger_cases(seed):
    result = solve(random_problem(seed, communities=4, needs=25, resources=8, uneven_hours=seed == 0), "stable")
    ours = set(zip(result.pair_need.tolist(), result.pair_resource.tolist(), strict=True))
    assert ours == _package_answer(result)
    assert m.blocking_pairs(result) == 0


def test_stable_objective_refuses_another_solver():
    with pytest.raises(SolverUnsuitableError, match="deferred acceptance"):
        solve(random_problem(0), "stable", solver="cpsat")


def test_value_policies_have_blocking_pairs_the_stable_one_removes():
    """A sanity check that the blocking-pair count is not trivially zero."""
    problem = random_problem(0, communities=4, needs=25, resources=8)
    assert m.blocking_pairs(solve(problem, "efficiency", params=SolveParams(workers=1))) > 0
    assert m.blocking_pairs(solve(problem, "stable")) == 0


def test_load_balancing_spreads_two_needs_over_two_units(tmp_path):
    """Two one-hour needs, two units of two hours; U2's travel is a little shorter (values 3.99
    against 3.95). Plain value puts both needs on U2; load balancing (weight 2: a fully booked
    unit costs 1 point, more than the 0.04 of travel) gives one need to each, since U2 doing both
    works half its hours beyond the 50% target."""
    from matcher.io.scenario import load_scenario

    (tmp_path / "s.yaml").write_text("""
name: balance
communities:
  - {id: C1, street: S1, district: D1, x: 0, y: 0}
  - {id: C2, street: S1, district: D1, x: 0.3, y: 0}
needs:
  - {id: N1, community: C1, category: health, hours: 1}
  - {id: N2, community: C1, category: health, hours: 1}
resources:
  - {id: U1, kind: unit, community: C1, categories: [health], capacity_hours: 2, capacity_tasks: 2}
  - {id: U2, kind: unit, community: C2, categories: [health], capacity_hours: 2, capacity_tasks: 2}
""")
    problem = load_scenario(tmp_path / "s.yaml").problem
    plain = solve(
        problem,
        get_policy("load-balanced").with_overrides({"balance_weight": 0}),
        solver="cpsat",
        params=SolveParams(workers=1),
    )
    balanced = solve(problem, "load-balanced", solver="cpsat", params=SolveParams(workers=1))
    assert sorted(row["resource"] for row in plain.assignments()) == ["U2", "U2"]
    assert sorted(row["resource"] for row in balanced.assignments()) == ["U1", "U2"]
    assert _overload_permille(plain) == 500 and _overload_permille(balanced) == 0
