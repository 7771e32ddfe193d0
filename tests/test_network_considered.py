"""Every resource considered for an unserved need: the rule that excluded it agrees with the
candidates the solve used, and the change named for it really lifts that rule (the resource,
changed so, passes that rule when the candidates are built again). A rebuilt result chooses the
same pairs as the solved one."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest

from matcher.io.scenario import load_scenario
from matcher.network.considered import RULES, considered
from matcher.network.rebuild import rebuild_result
from matcher.policy import get_policy
from matcher.problem import Problem
from matcher.solvers import solve
from matcher.vocabulary import Slot

SCENARIO = Path(__file__).parents[1] / "scenarios" / "zhangjiang" / "scenario.yaml"


@pytest.fixture(scope="module")
def solved():
    scenario = load_scenario(SCENARIO)
    return scenario, solve(scenario.problem, scenario.policy, solver="greedy")


def _pairs(candidates, n: int) -> set[int]:
    return set(candidates.resource[candidates.need == n].tolist())


def test_rebuilt_result_chooses_the_same_pairs(solved):
    scenario, result = solved
    pairs = [(row["need"], row["resource"]) for row in result.assignments()]
    again = rebuild_result(
        scenario.problem, scenario.policy, pairs, status="heuristic", objective=result.objective, bound=None, solver="x"
    )
    assert np.array_equal(again.served, result.served) and again.n_served == result.n_served
    assert sorted(again.assignments(), key=str) == sorted(result.assignments(), key=str)
    with pytest.raises(ValueError):
        rebuild_result(
            scenario.problem,
            scenario.policy,
            [("N0001", "nobody")],
            status="heuristic",
            objective=0,
            bound=None,
            solver="x",
        )


def _changed(problem: Problem, resource_id: str, rule: str, change: dict) -> Problem:
    """``problem`` with one resource changed as ``change`` says."""
    index = problem.arrays.resource_ids.index(resource_id)
    resource = problem.resources[index]
    if rule == "skills":
        resource = dataclasses.replace(resource, skills=resource.skills | set(change["add_skills"]))
    elif rule == "reach":
        resource = dataclasses.replace(resource, radius_minutes=change["radius_minutes"])
    elif rule == "slot":
        resource = dataclasses.replace(resource, availability=resource.availability | {Slot(change["slot"])})
    elif rule == "deadline":
        resource = dataclasses.replace(
            resource, response_minutes=max(0.0, resource.response_minutes - change["minutes_sooner"])
        )
    resources = list(problem.resources)
    resources[index] = resource
    return Problem.build(
        problem.communities, problem.needs, resources, problem.projects, problem.pairings, problem.settings
    )


def test_rules_agree_with_the_candidates_without_pairings():
    """A city without fixed pairings (no unit groups at all): every rule still agrees."""
    sys.path.insert(0, str(Path(__file__).parents[1] / "bench"))
    from synthetic import city

    problem = city(600, 100)
    result = solve(problem, get_policy("default"), solver="greedy")
    unserved = np.flatnonzero(~result.served).tolist()
    assert unserved
    for n in unserved[:20]:
        rows = considered(result, problem.arrays.need_ids[n])["resources"]
        candidates = _pairs(result.candidates, n)
        assert {
            problem.arrays.resource_ids.index(r["resource"]) for r in rows if r["rule"] in ("capacity", "chosen")
        } == (candidates)


def test_rules_agree_with_the_candidates_and_changes_lift_them(solved):
    scenario, result = solved
    unserved = np.flatnonzero(~result.served).tolist()
    assert unserved
    checked = 0
    for n in unserved[:12]:
        need_id = result.problem.arrays.need_ids[n]
        explained = considered(result, need_id)
        candidates = _pairs(result.candidates, n)
        ids = result.problem.arrays.resource_ids
        for row in explained["resources"]:
            r = ids.index(row["resource"])
            assert (row["rule"] in ("capacity", "chosen", "serves")) == (r in candidates), row
        for row in explained["resources"][:40]:
            if row["rule"] not in ("skills", "reach", "slot", "deadline") or row["change"].get("level"):
                continue
            problem = _changed(result.problem, row["resource"], row["rule"], row["change"])
            again = rebuild_result(problem, result.policy, [], status="heuristic", objective=0, bound=None, solver="x")
            after = next(x for x in considered(again, need_id)["resources"] if x["resource"] == row["resource"])
            assert RULES.index(after["rule"]) > RULES.index(row["rule"]), (need_id, row, after)
            checked += 1
    assert checked >= 5
    best = considered(result, result.problem.arrays.need_ids[unserved[0]])["smallest_change"]
    assert best is None or best["rule"] in RULES


def test_a_served_need_lists_who_serves_it(solved):
    _, result = solved
    n = int(np.flatnonzero(result.served)[0])
    explained = considered(result, result.problem.arrays.need_ids[n])
    serving = {row["resource"] for row in explained["resources"] if row["rule"] == "serves"}
    chosen = result.pair_resource[result.pair_need == n].tolist()
    assert serving == {result.problem.arrays.resource_ids[r] for r in chosen}
    assert explained["served"] and explained["smallest_change"] is None
