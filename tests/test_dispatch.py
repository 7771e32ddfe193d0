"""Live dispatch: recommendations against brute force, published work that never moves, re-plans
against a cold solve, live escalation and intake checks."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher.dispatch.intake import intake
from matcher.dispatch.ledger import Ledger
from matcher.dispatch.recommend import accept, recommend
from matcher.dispatch.replan import replan
from matcher.domain import Community, Need, Resource
from matcher.errors import FieldError
from matcher.policy import get_policy
from matcher.problem import Problem
from matcher.solvers import solve
from matcher.solvers.escalation import EscalationRules
from matcher.solvers.params import SolveParams
from matcher.vocabulary import Category, Level, Urgency
from tests import reference
from tests.strategies import CATEGORIES, problems

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _community_level(problem: Problem) -> Problem:
    """The same problem with every resource at community level (no escalation involved)."""
    resources = [replace(r, level=Level.COMMUNITY) for r in problem.resources]
    return Problem.build(problem.communities, problem.needs, resources, pairings=problem.pairings)


@st.composite
def arrivals(draw, problem: Problem, count: int) -> list[Need]:
    ids = [c.id for c in problem.communities]
    return [
        Need(
            id=f"A{i}",
            community=draw(st.sampled_from(ids)),
            category=draw(st.sampled_from(CATEGORIES)),
            urgency=draw(st.sampled_from(list(Urgency))),
            hours=float(draw(st.sampled_from([0.5, 1, 2]))),
        )
        for i in range(count)
    ]


@st.composite
def cases(draw, count: int = 1):  # type: ignore[no-untyped-def]
    problem = _community_level(draw(problems(max_needs=5, max_resources=3, pairings=False, multi_provider=False)))
    return problem, draw(arrivals(problem, count))


def _solved_ledger(problem: Problem) -> Ledger:
    result = solve(problem, "default", solver="cpsat", params=SolveParams(workers=1, time_limit=10))
    assert result.solution.status == "optimal"
    return Ledger.from_result(result)


def _ref_pairs(ledger: Ledger) -> dict[tuple[int, int], reference.Pair]:
    """Independent pairs of every need on the ledger (plain loops over the value objects)."""
    problem = Problem.build(ledger.problem.communities, ledger.needs, ledger.problem.resources)
    return {(p.need, p.resource): p for p in reference.pairs(problem, ledger.policy)}, problem


def _current(ledger: Ledger, ref: dict) -> list[reference.Pair]:
    return [ref[(n, p.resource)] for n, ps in ledger.placed.items() for p in ps]


@FAST
@given(cases())
def test_recommendations_are_the_best_of_brute_force(case) -> None:
    """Every option's objective change and moves match a brute force over the same neighbourhood
    (the need joins r, or r gives up one need that moves elsewhere or waits), and the top options
    are the best by merit (objective change less the default move cost 0.5 per move)."""
    problem, (new,) = case
    ledger = _solved_ledger(problem)
    intake(ledger, {**{k: getattr(new, k) for k in ("id", "community", "category", "urgency", "hours")}, "at": 1})
    n = ledger.index[new.id]
    ref, full = _ref_pairs(ledger)
    current = _current(ledger, ref)
    base = sum(p.value for p in current)
    expected: dict[int, tuple[int, int]] = {}
    for (i, r), pair in ref.items():
        if i != n:
            continue
        variants = [(current + [pair], 0)]
        for old in current:
            if old.resource != r:
                continue
            rest = [p for p in current if p is not old] + [pair]
            variants.append((rest, 1))
            variants += [(rest + [alt], 1) for (m, r2), alt in ref.items() if m == old.need and r2 != r]
        feasible = [
            (sum(p.value for p in chosen) - base, moved)
            for chosen, moved in variants
            if reference.feasible(full, ledger.policy, chosen)
        ]
        if feasible:
            direct = [d for d, moved in feasible if moved == 0]
            expected[r] = (direct[0], 0) if direct else (max(d for d, _ in feasible), 1)
    got = recommend(ledger, new.id, k=100)
    assert {o.placement.resource: (o.delta, o.moved) for o in got.options} == expected
    if expected:
        per_move = round(ledger.policy.move_cost * 100)  # in the model's units (VALUE_SCALE 100)
        merit = sorted((d - per_move * moved for d, moved in expected.values()), reverse=True)
        top = recommend(ledger, new.id, k=2).options
        assert [o.delta - per_move * o.moved for o in top] == merit[:2]


@FAST
@given(
    cases(count=4),
    st.lists(st.sampled_from(["accept", "replan", "unpin"]), min_size=4, max_size=4),
    st.sampled_from([0.0, 0.5, 5.0]),
)
def test_published_assignments_never_move(case, steps, move_cost) -> None:
    """Over a random stream of arrivals, accepts and re-plans, a published assignment keeps its
    resource until it is unpinned, and the ledger always keeps every hard rule (checked
    independently)."""
    problem, stream = case
    policy = get_policy("default").with_overrides({"move_cost": move_cost})
    result = solve(problem, policy, solver="cpsat", params=SolveParams(workers=1, time_limit=10))
    ledger = Ledger.from_result(result)
    published: dict[str, tuple[str, ...]] = {}
    for t, (need, step) in enumerate(zip(stream, steps, strict=True), start=1):
        intake(
            ledger,
            {
                "id": need.id,
                "community": need.community,
                "category": need.category,
                "urgency": need.urgency,
                "hours": need.hours,
                "at": t,
            },
        )
        options = recommend(ledger, need.id).options
        if options:
            rid = ledger.arrays.resource_ids[options[0].placement.resource]
            accept(ledger, need.id, rid, t)
            published[need.id] = (rid,)
        if step == "replan":
            replan(ledger, t, time_limit=10)
        elif step == "unpin" and published:
            gone = sorted(published)[0]
            ledger.unpin(ledger.index[gone])
            del published[gone]
        assignment = ledger.assignment()
        assert {k: assignment.get(k) for k in published} == published
        ref, full = _ref_pairs(ledger)
        assert reference.feasible(full, policy, _current(ledger, ref))


@FAST
@given(problems(max_needs=5, max_resources=3, unit_loads=True, pairings=False, multi_provider=False))
def test_replan_without_move_cost_equals_a_cold_solve(problem) -> None:
    """With move_cost 0 and nothing published, a re-plan's objective is the cold optimum (brute force)."""
    greedy = solve(problem, get_policy("default").with_overrides({"move_cost": 0}), solver="greedy")
    ledger = Ledger.from_result(greedy)
    report = replan(ledger, 0.0)
    assert round(report.objective * reference.SCALE) == reference.brute_force(problem, ledger.policy)
    assert report.stability_cost == 0
    assert report.objective == pytest.approx(ledger.objective())


def test_move_cost_keeps_an_equally_good_plan() -> None:
    """Two identical volunteers, one need: the re-plan keeps the one already assigned (no move),
    whichever it is."""
    communities = [Community(id="C0", x=0.0, y=0.0, street="S", district="D")]
    resources = [
        Resource(id=f"R{j}", kind="volunteer", community="C0", categories=frozenset({Category.HEALTH}))
        for j in range(2)
    ]
    problem = Problem.build(communities, [Need(id="N0", community="C0", category=Category.HEALTH)], resources)
    for keep in (0, 1):
        ledger = Ledger.from_result(solve(problem, "default"))
        ledger.remove(0)
        pair = ledger.pairs[0]
        i = int((pair.resource == keep).nonzero()[0][0])
        from matcher.dispatch.ledger import Placement

        ledger.place(0, Placement(keep, int(pair.value[i]), int(pair.load[i]), float(pair.arrival[i])), 0.0)
        report = replan(ledger, 1.0)
        assert report.moved == 0 and ledger.assignment() == {"N0": (f"R{keep}",)}


def _escalation_case(street_response: float) -> Ledger:
    communities = [
        Community(id="C0", x=0.0, y=0.0, street="S0", district="D"),
        Community(id="C1", x=2.0, y=0.0, street="S0", district="D"),
    ]
    resources = [
        Resource(
            id="slow", kind="volunteer", community="C0", categories=frozenset({Category.HEALTH}), response_minutes=40.0
        ),
        Resource(
            id="street-clinic",
            kind="department",
            community="C1",
            categories=frozenset({Category.HEALTH}),
            radius_minutes=60.0,
            response_minutes=street_response,
            level=Level.STREET,
        ),
    ]
    problem = Problem.build(communities, [], resources)
    return Ledger.empty(problem, get_policy("default"))


def test_an_emergency_no_community_resource_reaches_goes_to_the_street() -> None:
    """The community level cannot meet 30 minutes; the street's clinic can, after 10 routing minutes:
    the option is the street's, arriving at 10 + 8 travel + 2 response, and the route is recorded."""
    ledger = _escalation_case(street_response=2.0)
    intake(ledger, {"id": "E1", "community": "C0", "category": "health", "urgency": "emergency", "at": 0})
    rec = recommend(ledger, "E1", rules=EscalationRules(street_minutes=10.0))
    assert [(s.level, s.node, s.routing_minutes, s.options) for s in rec.route] == [
        ("community", "C0", 0.0, 0),
        ("street", "S0", 10.0, 1),
    ]
    (option,) = rec.options
    assert option.level is Level.STREET and option.placement.arrival == pytest.approx(10 + 2 * 4 + 2)
    accept(ledger, "E1", "street-clinic", 0.0, rules=EscalationRules(street_minutes=10.0))
    assert ledger.routes[0][-1].level == "street" and ledger.assignment() == {"E1": ("street-clinic",)}


def test_an_emergency_routing_cannot_save_waits_with_its_route() -> None:
    """When the street's routing alone takes longer than 30 minutes, the need is not offered upward."""
    ledger = _escalation_case(street_response=2.0)
    intake(ledger, {"id": "E1", "community": "C0", "category": "health", "urgency": "emergency", "at": 0})
    rec = recommend(ledger, "E1", rules=EscalationRules(street_minutes=45.0))
    assert rec.options == () and [s.level for s in rec.route] == ["community"]


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"id": "X", "community": "nowhere", "category": "health", "at": 5}, "community"),
        ({"id": "X", "community": "C0", "category": "plumbing", "at": 5}, "category"),
        ({"id": "E0", "community": "C0", "category": "health", "at": 5}, "id"),
        ({"id": "X", "community": "C0", "category": "health", "at": 1}, "at"),
        ({"id": "X", "community": "C0", "category": "health", "at": "soon"}, "at"),
        ({"id": "X", "community": "C0", "category": "health"}, "at"),
        ({"id": "X", "community": "C0", "category": "health", "at": 5, "hours": -1}, "hours"),
    ],
)
def test_bad_arrivals_name_the_field_and_store_nothing(record, field) -> None:
    """Unknown community or category, a reused id, a time before the last arrival, a bad field:
    refused naming the field, and the ledger is unchanged."""
    ledger = _escalation_case(street_response=2.0)
    intake(ledger, {"id": "E0", "community": "C0", "category": "health", "at": 3})
    with pytest.raises(FieldError) as caught:
        intake(ledger, record)
    assert caught.value.field == field
    assert [n.id for n in ledger.needs] == ["E0"] and ledger.arrived_at == [3.0]
