"""Properties of project matching on random small problems, and a brute-force optimum."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings

from matcher.candidates import VALUE_SCALE
from matcher.policy import Policy
from matcher.projects import solve_projects
from matcher.projects.plan import ORDER_COST
from matcher.projects.space import build_space
from tests.project_cases import small_problems, violations

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("engine", ["highs", "cpsat"])
@FAST
@given(problem=small_problems())
def test_plans_keep_every_hard_rule(engine, problem):
    """No order over its slots, no unit over capacity, pinned orders and claims kept, a need served
    once, hard pairings and budgets honoured — for both engines; "optimal" only with bound = objective."""
    result = solve_projects(problem, time_limit=5, workers=1, engine=engine)
    assert violations(result) == []
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


def _brute_force(result) -> tuple[int, int]:
    """The best (placed orders running, objective) over every claim set and every way to serve
    each need, from the records: claim sets fix which orders run; each need is then left, served
    by one running instance, or served directly by enough candidate resources. Under
    ``placed_orders: priority`` the pair is compared lexicographically, under ``free`` only the
    objective counts."""
    s = build_space(result.space.problem, result.space.policy)  # the full space, before dominated orders go
    problem, a = s.problem, s.problem.arrays
    budgets = {b.community: b for b in problem.budgets}
    best = None
    n_claims = len(s.claim_order)
    for chosen in itertools.product((False, True), repeat=n_claims):
        chosen = np.array(chosen, dtype=bool)
        if (s.claim_pinned & ~chosen).any():
            continue
        per_order = np.bincount(s.claim_order[chosen], minlength=s.n_orders)
        if (per_order > s.order_slots).any():
            continue
        running = per_order == s.order_slots
        placed = running | s.order_pinned | (per_order > 0)
        if (placed & ~running & ~s.order_given).any():
            continue  # a new order is placed only to run
        ok = True
        for cid in {a.community_ids[c] for c in s.order_community[placed & ~s.order_pinned]}:
            mine = np.flatnonzero(placed & ~s.order_pinned & (s.order_community == a.community_ids.index(cid)))
            b = budgets.get(cid)
            cost = sum(problem.projects[s.order_project[o]].cost for o in mine)
            if b and (len(mine) > b.max_orders or (b.amount is not None and cost > b.amount)):
                ok = False
        if not ok:
            continue
        # Per need: options (kind, what); kind 0 none, 1 instance o, 2 a set of direct pairs.
        options = []
        for n, need in enumerate(problem.needs):
            opts = [(0, ())]
            for o in np.flatnonzero(running).tolist():
                pair = np.flatnonzero((s.serve_need == n) & (s.serve_order == o))
                if len(pair):
                    opts.append((1, (int(pair[0]),)))
            pairs = np.flatnonzero(s.direct.need == n).tolist()
            opts += [(2, combo) for combo in itertools.combinations(pairs, need.providers)]
            options.append(opts)
        first = int((running & s.order_given).sum()) if s.policy.placed_orders == "priority" else 0
        claim_cost = int(s.claim_cost[chosen].sum())
        order_cost = ORDER_COST * int((placed & ~s.order_pinned).sum())
        tasks = np.bincount(s.claim_resource[chosen], minlength=a.n_resources)
        minutes = np.bincount(s.claim_resource[chosen], weights=s.claim_load[chosen], minlength=a.n_resources)
        for pick in itertools.product(*options):
            t, m = tasks.copy(), minutes.copy()
            load = np.zeros(s.n_orders, dtype=int)
            value = 0
            for kind, what in pick:
                if kind == 1:
                    o = s.serve_order[what[0]]
                    load[o] += 1
                    value += s.serve_value[what[0]]
                elif kind == 2:
                    for d in what:
                        r = s.direct.resource[d]
                        t[r] += 1
                        m[r] += s.direct.load[d]
                        value += s.direct.value[d]
            if (
                (load > s.order_serves).any()
                or (t > a.resource_capacity_tasks).any()
                or (m > a.resource_capacity_minutes).any()
            ):
                continue
            total = (first, value - claim_cost - order_cost)
            best = total if best is None else max(best, total)
    return best


@pytest.mark.parametrize("placed", ["priority", "free"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=small_problems(max_needs=4, categories=("health",)))
def test_tiny_cases_reach_the_brute_force_optimum(placed, problem):
    """On tiny cases both engines prove the optimum that exhaustive enumeration finds: with
    placed orders first, the most placed orders running and then the best value."""
    policy = Policy().with_overrides({"placed_orders": placed})
    for engine in ("highs", "cpsat"):
        result = solve_projects(problem, policy, time_limit=10, workers=1, engine=engine, gap=0.0)
        if len(result.space.claim_order) > 10:
            return
        assert result.status == "optimal"
        event(f"orders running: {int(result.plan.running.sum())}, claim pairs: {len(result.space.claim_order)}")
        first, value = _brute_force(result)
        assert round(result.objective * VALUE_SCALE) == value
        if placed == "priority":
            assert int((result.plan.running & result.space.order_given).sum()) == first
