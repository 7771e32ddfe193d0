"""Live recommendations for needs of several providers: the k best sets of resources with room,
checked against brute force over every set (plain loops over the value objects); accepting a set
publishes all of it and no re-plan moves it."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher.dispatch.intake import intake
from matcher.dispatch.recommend import accept, recommend
from matcher.dispatch.replan import replan
from matcher.domain import Resource
from matcher.errors import FieldError
from matcher.problem import Problem
from matcher.vocabulary import Slot
from tests import reference
from tests.strategies import CATEGORIES, problems
from tests.test_dispatch import _community_level, _current, _ref_pairs, _solved_ledger

FAST = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def set_cases(draw):  # type: ignore[no-untyped-def]
    """A small solved problem plus a few resources of the new need's category (some full after the
    solve, some far, some slow), and the new need of 2 or 3 providers."""
    base = draw(problems(max_needs=4, max_resources=3, pairings=False, multi_provider=False))
    category = draw(st.sampled_from(CATEGORIES))
    ids = [c.id for c in base.communities]
    extra = [
        Resource(
            id=f"X{j}",
            kind="volunteer",
            community=draw(st.sampled_from(ids)),
            categories=frozenset({category}),
            capacity_hours=float(draw(st.sampled_from([0.5, 1, 2]))),
            capacity_tasks=draw(st.integers(1, 2)),
            radius_minutes=float(draw(st.sampled_from([5, 12, 40]))),
            availability=frozenset(Slot),
            response_minutes=float(draw(st.sampled_from([0, 10, 20]))),
        )
        for j in range(draw(st.integers(2, 6)))
    ]
    problem = _community_level(Problem.build(base.communities, base.needs, (*base.resources, *extra)))
    new = {
        "id": "S1",
        "community": draw(st.sampled_from(ids)),
        "category": category,
        "urgency": draw(st.sampled_from(["emergency", "normal", "complex"])),
        "hours": float(draw(st.sampled_from([0.5, 1, 2]))),
        "providers": draw(st.sampled_from([2, 3])),
        "at": 1,
    }
    return problem, new


def _brute_sets(ledger, n):  # type: ignore[no-untyped-def]
    """Every set of the need's providers whose pairs all fit beside the current plan (nothing
    moves): {resources: (summed value, last arrival)}, by the independent reference."""
    ref, full = _ref_pairs(ledger)
    current = _current(ledger, ref)
    mine = [p for (i, _), p in ref.items() if i == n]
    out = {}
    for chosen in itertools.combinations(mine, ledger.needs[n].providers):
        if reference.feasible(full, ledger.policy, current + list(chosen)):
            out[frozenset(p.resource for p in chosen)] = (sum(p.value for p in chosen), max(p.arrival for p in chosen))
    return out


@FAST
@given(set_cases(), st.integers(1, 4))
def test_set_recommendations_are_the_best_of_brute_force(case, k) -> None:
    problem, new = case
    ledger = _solved_ledger(problem)
    intake(ledger, new)
    n = ledger.index["S1"]
    expected = _brute_sets(ledger, n)
    every = recommend(ledger, "S1", k=1000).options
    assert {frozenset(p.resource for p in o.placements): o.delta for o in every} == {
        s: v for s, (v, _) in expected.items()
    }
    assert all(o.moved == 0 and len({p.resource for p in o.placements}) == new["providers"] for o in every)
    top = recommend(ledger, "S1", k=k).options
    best = sorted(expected.values(), key=lambda va: (-va[0], va[1]))[:k]
    assert [(o.delta, round(o.arrival, 3)) for o in top] == [(v, round(a, 3)) for v, a in best]


@FAST
@given(set_cases())
def test_accepting_a_set_publishes_all_of_it_and_a_replan_keeps_it(case) -> None:
    problem, new = case
    ledger = _solved_ledger(problem)
    intake(ledger, new)
    options = recommend(ledger, "S1", k=1).options
    if not options:
        return
    ids = [ledger.arrays.resource_ids[p.resource] for p in options[0].placements]
    accept(ledger, "S1", ids, 2.0)
    n = ledger.index["S1"]
    assert n in ledger.pinned and ledger.assignment()["S1"] == tuple(sorted(ids))
    replan(ledger, 3.0, time_limit=10)
    assert ledger.assignment()["S1"] == tuple(sorted(ids))
    ref, full = _ref_pairs(ledger)
    assert reference.feasible(full, ledger.policy, _current(ledger, ref))


def test_a_set_of_the_wrong_size_is_refused_naming_resources() -> None:
    from tests.lab_problems import random_problem

    problem = _community_level(random_problem(3, communities=2, needs=4, resources=6, pairings=False))
    ledger = _solved_ledger(problem)
    need = problem.needs[0]
    intake(ledger, {"id": "S1", "community": need.community, "category": need.category, "providers": 2, "at": 1})
    one = ledger.arrays.resource_ids[0]
    with pytest.raises(FieldError) as info:
        accept(ledger, "S1", [one], 2.0)
    assert info.value.field == "resources"
    with pytest.raises(FieldError) as info:
        accept(ledger, "S1", [one, one], 2.0)
    assert info.value.field == "resources" and "S1" not in ledger.assignment()
