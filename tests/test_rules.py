"""One small test per rule of :mod:`matcher.rules`: on a hand-built case whose answer is stated here
by hand, the rule's ``check_*`` flags exactly the plans that break it, the rows its ``add_*`` writes
accept exactly the plans that keep it, and a solve reaches the stated answer."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import numpy as np
import pytest

from matcher.candidates import Candidates, build_candidates
from matcher.domain import Budget, Community, Need, Order, Pairing, Project, Resource, Venue
from matcher.errors import InfeasibleError
from matcher.policy import Policy, get_policy
from matcher.problem import Problem
from matcher.projects import solve_projects
from matcher.rules.capacity import check_resource_hours, check_resource_tasks
from matcher.rules.check import check_plan
from matcher.rules.claims import ClaimRule, claimants
from matcher.rules.objective import PERMILLE, overload_of
from matcher.rules.pairing import check_pairing_minimums, pairing_rule_name
from matcher.rules.providers import check_all_or_nothing
from matcher.rules.required import check_required_needs
from matcher.rules.shares import check_community_shares, required_served
from matcher.solvers import solve
from matcher.solvers.linear import build_linear_model, plan_columns

C = [Community(id="A", x=0.0, y=0.0), Community(id="B", x=1.0, y=0.0)]
R = Resource(
    id="R1", kind="volunteer", community="A", categories=frozenset({"health"}), capacity_hours=2, capacity_tasks=5
)


def need(i: int, community: str = "A", **kw) -> Need:
    return Need(id=f"N{i}", community=community, category="health", **kw)


def chosen(problem: Problem, candidates: Candidates, *pairs: tuple[str, str]) -> np.ndarray:
    """The candidate indices of the (need id, resource id) pairs."""
    a = problem.arrays
    ends = zip(candidates.need.tolist(), candidates.resource.tolist(), strict=True)
    index = {(a.need_ids[n], a.resource_ids[r]): k for k, (n, r) in enumerate(ends)}
    return np.array(sorted(index[p] for p in pairs), dtype=np.int64)


def rows_hold(problem: Problem, policy: Policy, candidates: Candidates, picked: np.ndarray) -> bool:
    """Do the model's rows (every rule's ``add_*``) accept the plan ``picked``?"""
    model = build_linear_model(problem, candidates, policy)
    v = plan_columns(model, problem, candidates, policy, picked)
    within = np.all(model.lower <= v) and np.all(v <= model.upper)
    lhs = model.matrix @ v
    return bool(within and np.all(lhs >= model.row_lower - 1e-9) and np.all(lhs <= model.row_upper + 1e-9))


def case(problem: Problem, policy: str | dict = "default") -> tuple[Problem, Policy, Candidates]:
    p = get_policy(policy)
    return problem, p, build_candidates(problem, p)


def test_all_or_nothing():
    """Hard: a need taking two providers has both or none; one of two breaks it."""
    problem, policy, c = case(Problem.build(C, [need(1, providers=2)], [R, replace(R, id="R2")]))
    one, both = chosen(problem, c, ("N1", "R1")), chosen(problem, c, ("N1", "R1"), ("N1", "R2"))
    assert check_all_or_nothing(problem.arrays, c, one) == ["need N1 has 1 of its 2 provider(s)"]
    assert check_all_or_nothing(problem.arrays, c, both) == []
    assert not rows_hold(problem, policy, c, one) and rows_hold(problem, policy, c, both)
    assert solve(problem).n_served == 1


def test_resource_hours():
    """Hard: 1.5 h + 1 h breaks a 2-hour resource (150 of 120 minutes); 1 h + 1 h keeps it."""
    needs = [need(1, hours=1.5), need(2, hours=1), need(3, hours=1)]
    problem, policy, c = case(Problem.build(C, needs, [R]))
    over, fits = chosen(problem, c, ("N1", "R1"), ("N2", "R1")), chosen(problem, c, ("N2", "R1"), ("N3", "R1"))
    assert check_resource_hours(problem.arrays, c, over) == ["resource R1 works 150 of its 120 minutes"]
    assert check_resource_hours(problem.arrays, c, fits) == []
    assert not rows_hold(problem, policy, c, over) and rows_hold(problem, policy, c, fits)


def test_resource_task_count():
    """Hard: a resource with 2 tasks and hours to spare serves 2 of 3 one-hour needs, not 3."""
    unit = replace(R, capacity_tasks=2, capacity_hours=10)
    problem, policy, c = case(Problem.build(C, [need(1, hours=1), need(2, hours=1), need(3, hours=1)], [unit]))
    three = chosen(problem, c, ("N1", "R1"), ("N2", "R1"), ("N3", "R1"))
    two = three[:2]
    assert check_resource_tasks(problem.arrays, c, three) == ["resource R1 takes 3 of its 2 task(s)"]
    assert check_resource_tasks(problem.arrays, c, two) == []
    assert not rows_hold(problem, policy, c, three) and rows_hold(problem, policy, c, two)
    for solver in ("auto", "mip", "greedy"):
        assert solve(problem, solver=solver).n_served == 2


def test_pairing_minimum():
    """Hard: a unit of a group bound to B with minimum 1 serves B's need though A's is worth more."""
    unit = replace(R, id="U1", pairing_group="G1", capacity_tasks=1, radius_minutes=30)
    needs = [need(1, community="A", tier="floor"), need(2, community="B", tier="quality")]
    pairings = [Pairing(group="G1", community="A", mode="hard"), Pairing(group="G1", community="B", min_served=1)]
    problem, policy, c = case(Problem.build(C, needs, [unit], pairings=pairings))
    in_a, in_b = chosen(problem, c, ("N1", "U1")), chosen(problem, c, ("N2", "U1"))
    rule = pairing_rule_name("G1", "B", 1)
    assert rule == "hard pairing G1 -> B serves at least 1 need(s)"
    assert check_pairing_minimums(problem.arrays, c, in_a) == [f"{rule}: 0 served"]
    assert check_pairing_minimums(problem.arrays, c, in_b) == []
    assert not rows_hold(problem, policy, c, in_a) and rows_hold(problem, policy, c, in_b)
    assert [r["need"] for r in solve(problem).assignments()] == ["N2"]
    greedy = solve(problem, solver="greedy")
    assert [r["need"] for r in greedy.assignments()] == ["N2"] and greedy.solution.violations == ()


def test_required_need():
    """Hard: one task, a floor need worth more and a quality need that is required: the required one is served."""
    one = replace(R, capacity_tasks=1)
    problem, policy, c = case(Problem.build(C, [need(1, tier="floor"), need(2, tier="quality", required=True)], [one]))
    floor, required = chosen(problem, c, ("N1", "R1")), chosen(problem, c, ("N2", "R1"))
    assert check_required_needs(problem.arrays, c, floor) == ["required need N2 not served"]
    assert check_required_needs(problem.arrays, c, required) == []
    assert not rows_hold(problem, policy, c, floor) and rows_hold(problem, policy, c, required)
    for solver in ("auto", "greedy"):
        assert [r["need"] for r in solve(problem, solver=solver).assignments()] == ["N2"]


@pytest.mark.parametrize(("share", "needs", "required"), [(0.5, 4, 2), (1 / 3, 3, 1), (0.34, 3, 2), (0.1, 1, 1)])
def test_community_share_rounds_up_once(share, needs, required):
    """``ceil(share * needs)``, computed in exact fractions here (1/3 of 3 is 1, not 2 by float error)."""
    exact = Fraction(share).limit_denominator(1000) * needs
    assert required_served(share, needs) == required == -(-exact.numerator // exact.denominator)


def test_community_share():
    """Hard: with a 50% share and room for two, A's two needs alone leave B short; one each keeps it."""
    one = replace(R, capacity_tasks=2, radius_minutes=30)
    needs = [need(1, "A", tier="floor"), need(2, "A", tier="floor"), need(3, "B"), need(4, "B")]
    problem, policy, c = case(Problem.build(C, needs, [one]), {"preset": "default", "min_community_share": 0.5})
    only_a, each = chosen(problem, c, ("N1", "R1"), ("N2", "R1")), chosen(problem, c, ("N1", "R1"), ("N3", "R1"))
    assert check_community_shares(problem.arrays, c, policy, only_a) == [
        "community B has 1 of its 2 need(s) served (minimum share 50%): 0 served"
    ]
    assert check_community_shares(problem.arrays, c, policy, each) == []
    assert not rows_hold(problem, policy, c, only_a) and rows_hold(problem, policy, c, each)
    assert {r["community"] for r in solve(problem, policy).assignments()} == {"A", "B"}


def test_load_balancing_overload():
    """Soft: 90 of 120 minutes used is 750 permille, 250 beyond a 50% target."""
    problem, policy, c = case(Problem.build(C, [need(1, hours=1.5)], [R]), {"balance_weight": 1.0})
    picked = chosen(problem, c, ("N1", "R1"))
    assert overload_of(problem.arrays, c, policy, picked, np.array([0])).tolist() == [250]
    assert PERMILLE == 1000


def test_urgency_first_phase_counts_emergencies():
    """Soft, lexicographic: one resource, an emergency worth less than a floor need: the emergency wins."""
    one = replace(R, capacity_tasks=1)
    needs = [need(1, urgency="emergency", tier="quality"), need(2, tier="floor")]
    problem, policy, c = case(Problem.build(C, needs, [one]), {"urgency_weights": {"emergency": 1.0}})
    model = build_linear_model(problem, c, policy)
    first = model.phases[0]
    for pair, emergencies in ((("N1", "R1"), 1), (("N2", "R1"), 0)):
        v = plan_columns(model, problem, c, policy, chosen(problem, c, pair))
        assert first.objective @ v == emergencies
    assert [r["need"] for r in solve(problem, policy).assignments()] == ["N1"]


def test_check_plan_lists_every_broken_rule_of_a_plan():
    """A plan breaking hours and task count at once is named for both; solvers' plans for none."""
    tight = replace(R, capacity_tasks=1)
    problem, policy, c = case(Problem.build(C, [need(1, hours=1.5), need(2, hours=1)], [tight]))
    both = chosen(problem, c, ("N1", "R1"), ("N2", "R1"))
    assert check_plan(problem.arrays, c, policy, both) == [
        "resource R1 works 150 of its 120 minutes",
        "resource R1 takes 2 of its 1 task(s)",
    ]
    for solver in ("mip", "greedy", "stable"):
        result = solve(problem, solver=solver)
        assert check_plan(problem.arrays, result.candidates, policy, result.solution.chosen) == []


def rec(cls, **fields):
    return cls.from_record(fields)


def test_claim_rules():
    """Hard (认领): a volunteer may not claim (kind); a legal unit may not claim health (category);
    a unit bound to B by a hard pairing may not claim in A (pairing); a free health unit may."""
    units = [
        rec(Resource, id="V", kind="volunteer", community="A", categories="health", radius_minutes=60),
        rec(Resource, id="L", kind="unit", community="A", categories="legal", radius_minutes=60),
        rec(Resource, id="G", kind="unit", community="A", categories="health", pairing_group="G", radius_minutes=60),
        rec(Resource, id="H", kind="unit", community="A", categories="health", radius_minutes=60),
    ]
    problem = Problem.build(
        C,
        [need(1)],
        units,
        [rec(Project, id="P", name="check-up", category="health")],
        pairings=[rec(Pairing, group="G", community="B", mode="hard")],
    )
    rules = claimants(problem, get_policy())
    a = problem.arrays.community_ids.index("A")
    broken = [rules.check_claim(0, r, a) for r in range(4)]
    assert broken == [ClaimRule.KIND, ClaimRule.CATEGORY, ClaimRule.PAIRING, None]


def meal_problem(opening_hours: float) -> Problem:
    """Two given meal orders at one canteen, 3 hours an instance (180 min a week each); two units
    to claim them; a canteen open ``opening_hours`` a day (7 days)."""
    units = [
        rec(
            Resource,
            id=f"K{i}",
            kind="unit",
            community="A",
            categories="daily_life",
            skills="meal",
            capacity_tasks=1,
            capacity_hours=20,
        )
        for i in (1, 2)
    ]
    return Problem.build(
        C[:1],
        [rec(Need, id=f"m{i}", community="A", category="daily_life", skills="meal", group="elderly") for i in range(4)],
        units,
        [
            rec(
                Project,
                id="MEAL",
                name="meals",
                category="daily_life",
                skills="meal",
                serves=2,
                hours=3,
                venue_type="敬老",
            )
        ],
        venues=[rec(Venue, id="CT", community="A", type="elderly_care", opening_hours=opening_hours)],
        orders=[rec(Order, id=f"O{i}", project="MEAL", community="A", venue="CT") for i in (1, 2)],
        budgets=[rec(Budget, community="A", amount=10, max_orders=2)],
    )


@pytest.mark.parametrize(("opening_hours", "running"), [(0.5, 1), (1.0, 2)])
def test_venue_opening_hours(opening_hours, running):
    """Hard: a canteen open half an hour a day (210 min a week) runs one 180-minute instance, not two;
    open an hour a day (420 min) it runs both."""
    result = solve_projects(meal_problem(opening_hours), time_limit=5, workers=1)
    assert int(result.plan.running.sum()) == running
    space = result.space
    used = space.order_minutes[result.plan.running & (space.order_venue == 0)].sum()
    assert used <= space.venue_minutes[0] == round(opening_hours * 60 * 7)


def paired_project_problem(minimum: int) -> Problem:
    """One unit of group G (one task) bound to A and B; a floor need in A, a quality need in B; a
    project nobody orders. G's minimum in B is ``minimum``."""
    unit = rec(
        Resource,
        id="U",
        kind="unit",
        community="A",
        categories="health",
        pairing_group="G",
        capacity_tasks=1,
        radius_minutes=30,
    )
    return Problem.build(
        C,
        [need(1, "A", tier="floor"), need(2, "B", tier="quality")],
        [unit],
        [rec(Project, id="P", name="culture day", category="culture")],
        pairings=[
            rec(Pairing, group="G", community="A", mode="hard"),
            rec(Pairing, group="G", community="B", mode="hard", min_served=minimum),
        ],
    )


def test_project_model_pairing_minimum():
    """Hard: without a minimum the unit serves A's more valuable need; with a minimum of 1 in B it
    serves B's; a minimum of 2 with one task is infeasible, named in the rule's one wording."""
    for minimum, served in ((0, "N1"), (1, "N2")):
        result = solve_projects(paired_project_problem(minimum), time_limit=5, workers=1)
        assert [r["need"] for r in result.assignments()] == [served]
    with pytest.raises(InfeasibleError) as err:
        solve_projects(paired_project_problem(2), time_limit=5, workers=1)
    assert err.value.constraints == [pairing_rule_name("G", "B", 2)]
