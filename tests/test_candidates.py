"""One small test per candidate rule: each rule alone removes the pair it should."""

from __future__ import annotations

from dataclasses import replace

import pytest

from matcher.candidates import build_candidates
from matcher.domain import Community, Need, Pairing, Resource
from matcher.policy import get_policy
from matcher.problem import Problem
from matcher.reasons import REASONS, Reason
from matcher.solvers import solve
from matcher.solvers.params import SolveParams

HOME = [
    Community(id="A", x=0.0, y=0.0, street="S1", district="D1"),
    Community(id="B", x=2.0, y=0.0, street="S1", district="D1"),
    Community(id="F", x=50.0, y=0.0, street="S2", district="D2"),
]
NEED = Need(id="N", community="B", category="health", skills=frozenset({"nursing"}), urgency="normal")
RES = Resource(
    id="R",
    kind="volunteer",
    community="A",
    categories=frozenset({"health"}),
    skills=frozenset({"nursing"}),
    radius_minutes=15,
)


def pairs(need=NEED, res=RES, pairings=(), policy="default", extra=()):
    problem = Problem.build(HOME, [need], [res, *extra], pairings=pairings)
    return build_candidates(problem, get_policy(policy))


def reason(need=NEED, res=RES, pairings=(), policy="default") -> Reason:
    problem = Problem.build(HOME, [need], [res], pairings=pairings)
    result = solve(problem, policy, solver="cpsat", params=SolveParams(workers=1))
    return REASONS[result.reasons[0]]


def test_baseline_pair_exists():
    """A resource with the category and skills, in reach, is a candidate."""
    assert len(pairs()) == 1


def test_category_must_match():
    """Hard: a resource serves only the categories it lists."""
    assert len(pairs(res=replace(RES, categories=frozenset({"legal"})))) == 0
    assert reason(res=replace(RES, categories=frozenset({"legal"}))) is Reason.NO_SKILL


def test_skills_must_be_covered():
    """Hard: every skill the need requires must be the resource's."""
    assert len(pairs(res=replace(RES, skills=frozenset()))) == 0


def test_radius_limits_reach():
    """Hard: travel minutes (2 km x 4 min/km = 8) must lie within the service radius."""
    assert len(pairs(res=replace(RES, radius_minutes=7.9))) == 0
    assert reason(res=replace(RES, radius_minutes=7.9)) is Reason.OUT_OF_REACH


def test_street_level_serves_its_street_only():
    """Hard: a street-level resource serves only communities of its street, whatever its radius."""
    far = replace(NEED, community="F")
    assert len(pairs(need=far, res=replace(RES, radius_minutes=1000, level="street"))) == 0
    assert len(pairs(need=far, res=replace(RES, radius_minutes=1000, level="community"))) == 1


def test_slot_must_be_available():
    """Hard: a need in the evening needs a resource available in the evening."""
    evening = replace(NEED, slot="evening")
    assert len(pairs(need=evening, res=replace(RES, availability=frozenset({"weekday"})))) == 0
    assert reason(need=evening, res=replace(RES, availability=frozenset({"weekday"}))) is Reason.NOT_AVAILABLE


def test_emergency_deadline_is_30_minutes():
    """Hard (by default): response plus travel must be within the urgency's deadline."""
    urgent = replace(NEED, urgency="emergency")
    assert len(pairs(need=urgent, res=replace(RES, response_minutes=22))) == 1  # 22 + 8 = 30
    assert len(pairs(need=urgent, res=replace(RES, response_minutes=23))) == 0
    assert reason(need=urgent, res=replace(RES, response_minutes=23)) is Reason.TOO_SLOW
    loose = get_policy("default").with_overrides({"enforce_deadlines": False})
    assert len(pairs(need=urgent, res=replace(RES, response_minutes=23), policy=loose)) == 1


def test_hard_pairing_binds_the_group_to_its_community():
    """Hard: a unit of a hard-paired group serves only its paired community."""
    unit = replace(RES, pairing_group="G1")
    elsewhere = [Pairing(group="G1", community="A", mode="hard")]
    here = [Pairing(group="G1", community="B", mode="hard")]
    assert len(pairs(res=unit, pairings=elsewhere)) == 0
    assert reason(res=unit, pairings=elsewhere) is Reason.PAIRING_BLOCKED
    assert len(pairs(res=unit, pairings=here)) == 1
    assert len(pairs(res=unit, pairings=elsewhere, policy="pairing-soft")) == 1


def test_soft_pairing_adds_the_bonus():
    """Soft: serving the paired community is worth the pairing bonus more."""
    unit = replace(RES, pairing_group="G1")
    plain = pairs(res=unit, pairings=[Pairing(group="G1", community="A", mode="soft")]).value[0]
    bonus = pairs(res=unit, pairings=[Pairing(group="G1", community="B", mode="soft")]).value[0]
    assert bonus - plain == round(get_policy().pairing_bonus * 2 * 2 * 100)


def test_travel_cost_can_make_a_pair_worthless():
    """Soft: a pair whose travel cost exceeds the need's value is dropped."""
    costly = get_policy("default").with_overrides({"travel_cost": 1.0})
    assert len(pairs(policy=costly)) == 0
    assert reason(policy=costly) is Reason.NOT_WORTHWHILE


def test_per_pair_load_follows_hours_factor():
    """A skilled resource (hours_factor 0.5) uses half the need's hours."""
    fast = replace(RES, id="R2", hours_factor=0.5)
    c = pairs(extra=[fast])
    assert sorted(c.load.tolist()) == [30, 60]


@pytest.mark.parametrize("capacity_tasks,served", [(0, 0), (1, 1)])
def test_task_capacity(capacity_tasks, served):
    """Hard: a resource takes at most capacity_tasks needs."""
    problem = Problem.build(HOME, [NEED], [replace(RES, capacity_tasks=capacity_tasks)])
    assert solve(problem).n_served == served
