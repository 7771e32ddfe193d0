"""Properties of project matching on random small problems, and a brute-force optimum."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, event, given, settings

from matcher.candidates import VALUE_SCALE
from matcher.errors import InfeasibleError
from matcher.policy import Policy
from matcher.projects import solve_projects
from matcher.projects.plan import ORDER_COST
from tests.project_cases import small_problems, violations
from tests.project_oracle import ORDER_PRICE, optimum

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("engine", ["highs", "cpsat"])
@FAST
@given(problem=small_problems(with_venues=True))
def test_plans_keep_every_hard_rule(engine, problem):
    """No order over its slots, no unit over capacity, pinned orders and claims kept, a need served
    once, hard pairings, budgets and venues honoured — for both engines, and in the sequential
    baseline too; "optimal" only with bound = objective."""
    result = solve_projects(problem, time_limit=5, workers=1, engine=engine)
    assert violations(result) == []
    assert violations(result, result.baseline_plan) == []
    if result.status == "optimal":  # a proven optimum leaves no gap, not even a rounding unit
        assert result.bound == pytest.approx(result.objective) and result.gap == pytest.approx(0)


@FAST
@given(problem=small_problems())
def test_joint_never_worse_than_sequential(problem):
    """The joint plan is at least the sequential baseline, and both are feasible: with placed
    orders first (the default), (placed orders running, objective) compared in that order."""
    result = solve_projects(problem, time_limit=5, workers=1)
    given = result.space.order_given
    joint = (int((result.plan.running & given).sum()), result.objective)
    assert joint >= (int((result.baseline_plan.running & given).sum()), result.baseline - 1e-9)
    assert result.plan_objective(result.baseline_plan) == pytest.approx(result.baseline)
    assert result.plan_objective(result.plan) == pytest.approx(result.objective)


@pytest.mark.parametrize("placed", ["priority", "free"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=small_problems(max_needs=4, categories=("health",), with_venues=True, with_minimums=True))
def test_tiny_cases_reach_the_oracle_optimum(placed, problem):
    """On tiny cases both engines prove the optimum that the independent oracle
    (tests/project_oracle.py: the rules from the records, every plan enumerated) finds: with placed
    orders first, the most placed orders running and then the best value."""
    policy = Policy().with_overrides({"placed_orders": placed})
    best = optimum(problem, policy)
    event(f"oracle: {best if best in (None, 'infeasible') else 'optimum'}")
    if best is None:
        return
    for engine in ("highs", "cpsat"):
        if best == "infeasible":
            with pytest.raises(InfeasibleError):
                solve_projects(problem, policy, time_limit=10, workers=1, engine=engine, gap=0.0)
            continue
        result = solve_projects(problem, policy, time_limit=10, workers=1, engine=engine, gap=0.0)
        assert result.status == "optimal"
        first, value = best
        assert round(result.objective * VALUE_SCALE) == value
        if placed == "priority":
            assert int((result.plan.running & result.space.order_given).sum()) == first


def test_the_oracle_prices_orders_as_the_model_does():
    """The oracle's documented order price is the model's."""
    assert ORDER_PRICE == ORDER_COST
