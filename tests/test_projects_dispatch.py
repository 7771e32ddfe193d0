"""The model switch (``solve_problem``), an order's own slot count, and the stop hook of the
project model."""

from __future__ import annotations

import pytest

from matcher.domain import Claim, Community, Need, Order, Project, Resource
from matcher.errors import ScenarioError
from matcher.problem import Problem
from matcher.projects import ProjectResult, solve_projects
from matcher.projects.dispatch import solve_problem
from matcher.result import Result
from matcher.solvers.params import SolveParams
from tests.project_cases import violations
from tests.test_projects import contested_unit, rec


def two_slot_project(slots: int | None, claimants: tuple[str, ...]) -> Problem:
    """A pinned order of a two-slot health project in C1, ``slots`` overriding the project's."""
    units = [
        rec(
            Resource,
            id=u,
            kind="unit",
            community="C1",
            categories="health",
            capacity_tasks=1,
            capacity_hours=10,
            radius_minutes=10,
        )
        for u in ("U1", "U2", "U3")
    ]
    return Problem.build(
        [rec(Community, id="C1", x=0, y=0)],
        [rec(Need, id=f"n{i}", community="C1", category="health") for i in range(3)],
        units,
        [rec(Project, id="P", name="clinic", category="health", provider_slots=2, serves=3, hours=1)],
        orders=[rec(Order, id="O", project="P", community="C1", pinned="true", slots=slots)],
        claims=[Claim("O", u) for u in claimants],
    )


def test_the_switch_picks_the_model_by_orders_and_budgets():
    plain = contested_unit()
    direct = Problem.build(plain.communities, plain.needs, plain.resources, plain.projects)
    assert isinstance(solve_problem(direct, params=SolveParams(time_limit=5, workers=1)), Result)
    assert isinstance(solve_problem(plain, params=SolveParams(time_limit=5, workers=1)), ProjectResult)


def test_an_order_runs_with_its_own_slot_count():
    """One slot given: the order runs with one claim and serves its three needs; the project's two
    slots would need a second claim. Claims beyond the order's slots are refused by name."""
    one = solve_projects(two_slot_project(1, ("U1",)), time_limit=5, workers=1)
    assert one.orders()[0]["slots"] == 1 and one.orders()[0]["running"] and one.served_by_project.all()
    assert violations(one) == []
    three = solve_projects(two_slot_project(3, ("U1", "U2", "U3")), time_limit=5, workers=1)
    assert three.orders()[0]["claimed"] == 3 and violations(three) == []
    with pytest.raises(ScenarioError, match="exceeds its 1 provider slot"):
        two_slot_project(1, ("U1", "U2"))


def test_a_stop_request_keeps_each_parts_best_start():
    """Asked to stop before searching, a part keeps the better of its starts: never below the
    sequential baseline, and feasible."""
    problem = contested_unit()
    for engine in ("cpsat", "highs"):
        stopped = solve_projects(problem, time_limit=5, workers=1, engine=engine, should_stop=lambda: True)
        no_search = {"stopped (start kept)"} | ({"highs-lp"} if engine == "highs" else set())  # the LP needs no stop
        assert {p.method for p in stopped.parts} <= no_search
        assert stopped.objective >= stopped.baseline and stopped.bound >= stopped.objective
        assert violations(stopped) == []
