"""Problems derived from a scenario (an escalation level, a re-plan's residual problem, a replay's
base and hindsight) keep the scenario's given travel table: travel is between communities, not
needs, so it holds for any subset of the needs."""

from __future__ import annotations

import numpy as np

from matcher.dispatch.ledger import Ledger
from matcher.dispatch.replan import residual_problem
from matcher.domain import Community, Need, Resource, TravelTime
from matcher.policy import get_policy
from matcher.problem import Problem
from matcher.solvers import solve
from matcher.solvers.escalation import level_problem
from matcher.vocabulary import Level


def _problem() -> Problem:
    """Two communities at the same spot that the given table puts 40 minutes apart."""
    communities = [Community(id=c, x=0.0, y=0.0, street="S", district="D") for c in ("C0", "C1")]
    needs = [Need(id="N0", community="C0", category="health"), Need(id="N1", community="C1", category="health")]
    resources = [Resource(id="R0", kind="volunteer", community="C0", categories=frozenset({"health"}))]
    problem = Problem.build(communities, needs, resources)
    return Problem(
        problem.communities,
        problem.needs,
        problem.resources,
        travel=(TravelTime("C0", "C1", 40.0), TravelTime("C1", "C0", 40.0)),
    )


def _minutes(problem: Problem) -> float:
    return float(problem.arrays.travel[np.array([0]), 1][0])


def test_given_travel_survives_every_derived_problem() -> None:
    problem = _problem()
    assert _minutes(problem) == 40.0  # as given, not the 0 minutes the coordinates imply
    assert _minutes(level_problem(problem, Level.COMMUNITY, np.array([1]), 0.0)) == 40.0
    assert _minutes(problem.direct_part(())) == 40.0
    ledger = Ledger.from_result(solve(problem, get_policy("default"), solver="greedy"))
    assert _minutes(residual_problem(ledger, [1])) == 40.0
