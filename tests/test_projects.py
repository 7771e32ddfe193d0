"""Project matching on constructed cases: the joint model beats the sequential baseline where it
should, fixed orders and claims reduce to min-cost flow, recommendations explain themselves."""

from __future__ import annotations

import pytest

from matcher.candidates import VALUE_SCALE
from matcher.domain import Budget, Claim, Community, Need, Order, Pairing, Project, Resource, Venue
from matcher.errors import FieldError, InfeasibleError
from matcher.problem import Problem
from matcher.projects import recommend, solve_projects
from matcher.projects.model import JointModel
from matcher.projects.solve import split_parts
from matcher.projects.space import build_space


def rec(cls, **fields):
    return cls.from_record(fields)


def contested_unit() -> Problem:
    """One unit with one task: it can claim a health project covering two basic needs in C1, or
    serve an emergency legal need in C2 directly. Ordering first spends the task on the project."""
    return Problem.build(
        [rec(Community, id="C1", x=0, y=0), rec(Community, id="C2", x=1, y=0)],
        [
            rec(Need, id="h1", community="C1", category="health", skills="check"),
            rec(Need, id="h2", community="C1", category="health", skills="check"),
            rec(Need, id="l1", community="C2", category="legal", tier="floor", urgency="emergency"),
        ],
        [
            rec(
                Resource,
                id="U",
                kind="unit",
                community="C1",
                categories="health;legal",
                skills="check",
                capacity_tasks=1,
                capacity_hours=10,
                radius_minutes=30,
            )
        ],
        [rec(Project, id="P", name="health day", category="health", skills="check", serves=2, hours=2, cost=1)],
        budgets=[rec(Budget, community="C1", amount=5, max_orders=1)],
    )


def test_joint_beats_ordering_first_when_a_unit_is_contested():
    """Sequential orders the project and lets the unit claim it; jointly the unit serves the
    emergency directly, which is worth more (12 against 8)."""
    result = solve_projects(contested_unit(), time_limit=5, workers=1)
    assert result.status == "optimal"
    # two basic needs (2 x 4), less the claim's travel (5 min x 0.01, plus one unit) and the order price (one unit)
    unit = 1 / VALUE_SCALE
    assert result.baseline == pytest.approx(8 - (0.05 + unit) - unit)
    assert result.objective > result.baseline
    assert result.served_directly.tolist() == [False, False, True]
    assert result.orders() == []


def cheap_order_blocks_claims() -> Problem:
    """Two candidate projects in C1: a cheap one needing two providers and a dearer one needing
    one. Greedy ordering (value per cost) takes the cheap one, which the single unit cannot staff."""
    return Problem.build(
        [rec(Community, id="C1", x=0, y=0)],
        [rec(Need, id=f"n{i}", community="C1", category="culture", skills="class") for i in range(3)],
        [
            rec(
                Resource,
                id="U",
                kind="unit",
                community="C1",
                categories="culture",
                skills="class",
                capacity_tasks=1,
                capacity_hours=10,
                radius_minutes=10,
            ),
            rec(
                Resource,
                id="S",
                kind="social_org",
                community="C1",
                categories="culture",
                skills="class",
                capacity_tasks=1,
                capacity_hours=10,
                radius_minutes=10,
                pairing_group="G",
            ),
        ],
        [
            rec(
                Project,
                id="CHEAP",
                name="after-school class",
                category="culture",
                skills="class",
                provider_slots=2,
                serves=3,
                hours=2,
                cost=1,
            ),
            rec(
                Project,
                id="DEAR",
                name="reading club",
                category="culture",
                skills="class",
                provider_slots=1,
                serves=3,
                hours=2,
                cost=3,
            ),
        ],
        budgets=[rec(Budget, community="C1", amount=3, max_orders=1)],
    )


def test_joint_beats_sequential_when_greedy_ordering_picks_the_wrong_project():
    """Ordering by value per cost picks CHEAP, so only one project can be afforded and both units
    go to it; jointly DEAR runs with one unit and the other serves directly — strictly better."""
    problem = cheap_order_blocks_claims()
    result = solve_projects(problem, time_limit=5, workers=1)
    assert result.status == "optimal"
    assert result.objective > result.baseline
    baseline_orders = [result.space.order_ids[o] for o in result.baseline_plan.placed.nonzero()[0]]
    assert baseline_orders == ["new:C1:CHEAP"]


def test_fixed_orders_and_claims_reduce_to_flow_with_the_same_optimum():
    """With every order pinned and fully claimed the part is solved by min-cost flow, and CP-SAT on
    the joint model with nothing left to decide finds the same objective."""
    base = contested_unit()
    problem = Problem.build(
        base.communities,
        base.needs,
        [
            *base.resources,
            rec(
                Resource,
                id="V",
                kind="volunteer",
                community="C2",
                categories="legal",
                capacity_tasks=1,
                radius_minutes=10,
            ),
        ],
        base.projects,
        orders=[rec(Order, id="O", project="P", community="C1", pinned=True)],
        claims=[rec(Claim, order="O", resource="U")],
    )
    result = solve_projects(problem, time_limit=5, workers=1)
    assert [p.method for p in result.parts] == ["flow"]
    space = build_space(problem, result.space.policy)
    (part,) = split_parts(space)
    _, value, _, status = JointModel(space, part).solve(5, 1, 0)
    assert status == "optimal" and value == round(result.objective * VALUE_SCALE)
    assert result.served_by_project.sum() == 2 and result.served_directly.sum() == 1


def test_pinned_claims_beyond_capacity_are_infeasible():
    """A pinned claim needing more hours than the unit has cannot hold: InfeasibleError names it."""
    base = contested_unit()
    problem = Problem.build(
        base.communities,
        base.needs,
        [
            rec(
                Resource,
                id="U",
                kind="unit",
                community="C1",
                categories="health",
                skills="check",
                capacity_tasks=1,
                capacity_hours=1,
                radius_minutes=30,
            )
        ],
        base.projects,
        orders=[rec(Order, id="O", project="P", community="C1", pinned=True)],
        claims=[rec(Claim, order="O", resource="U")],
    )
    with pytest.raises(InfeasibleError, match="U"):
        solve_projects(problem, time_limit=5, workers=1)


def test_parts_share_nothing_and_bounds_add_up():
    """Communities far apart with local resources form separate parts; the bound is their sum."""
    far = contested_unit()
    problem = Problem.build(
        [*far.communities, rec(Community, id="C9", x=100, y=0)],
        [*far.needs, rec(Need, id="x", community="C9", category="health")],
        [*far.resources, rec(Resource, id="W", kind="volunteer", community="C9", categories="health")],
        far.projects,
        budgets=far.budgets,
    )
    result = solve_projects(problem, time_limit=5, workers=2)
    assert len(result.parts) == 2
    assert result.bound == pytest.approx(sum(p.bound for p in result.parts) / VALUE_SCALE)


def venue_problem(capacity: int) -> Problem:
    """An elderly-care project that needs a station; the only station takes ``capacity`` needs."""
    return Problem.build(
        [rec(Community, id="C1", x=0, y=0)],
        [
            rec(Need, id=f"m{i}", community="C1", category="daily_life", skills="meal", group="elderly")
            for i in range(4)
        ],
        [
            rec(
                Resource,
                id="K",
                kind="unit",
                community="C1",
                categories="daily_life",
                skills="meal",
                capacity_tasks=1,
                capacity_hours=20,
            ),
            rec(
                Resource,
                id="V",
                kind="volunteer",
                community="C1",
                categories="daily_life",
                skills="meal",
                capacity_tasks=1,
                capacity_hours=20,
            ),
        ],
        [
            rec(
                Project,
                id="MEAL",
                name="meal service",
                category="daily_life",
                skills="meal",
                serves=10,
                hours=3,
                venue_type="敬老",
            )
        ],
        venues=[
            rec(
                Venue,
                id="CT1",
                community="C1",
                type="elderly_care",
                capacity=capacity,
                opening_hours="10:30-13:30",
                name="canteen",
            )
        ],
        budgets=[rec(Budget, community="C1", amount=5, max_orders=1)],
    )


def test_venue_capacity_limits_the_needs_a_station_serves_and_popularity_counts_them():
    """Three of four meal needs fit the canteen, the fourth goes to the volunteer; the popularity
    estimate (no visits list) reports 3 a week."""
    result = solve_projects(venue_problem(3), time_limit=5, workers=1)
    (row,) = result.popularity()
    assert row["needs_per_week_estimate"] == 3 and row["rank"] == 1 and row["basis"].startswith("estimate")
    assert result.served_by_project.sum() == 3 and result.served_directly.sum() == 1


def test_recommendations_for_a_community_list_the_needs_each_project_covers():
    """The community is told to order MEAL, covering the meal needs the volunteer cannot take."""
    result = solve_projects(venue_problem(10), time_limit=5, workers=1)
    rows = recommend.for_community(result, "C1")
    assert rows[0]["project"] == "MEAL" and rows[0]["ordered"]
    covered = {n["need"] for n in rows[0]["needs"]}
    assert len(covered) >= 3 and covered <= {"m0", "m1", "m2", "m3"}
    with pytest.raises(FieldError):
        recommend.for_community(result, "nowhere")


def test_recommendations_for_a_unit_explain_skills_distance_pairing_and_load():
    """The unit sees the order it is proposed to claim, with the reasons."""
    result = solve_projects(venue_problem(10), time_limit=5, workers=1)
    (row,) = recommend.for_unit(result, "K")
    assert row["proposed"] and row["project"] == "MEAL"
    assert "meal" in row["skills"] and row["pairing"] == "no pairing"
    assert row["distance_minutes"] == pytest.approx(5.0) and "1 of 1 task(s)" in row["load"]


def test_an_order_nobody_can_claim_says_why():
    """A pinned order whose skills no unit has is reported unclaimed for lack of skills."""
    base = contested_unit()
    problem = Problem.build(
        base.communities,
        base.needs,
        base.resources,
        [*base.projects, rec(Project, id="Q", name="dentist day", category="health", skills="teeth")],
        orders=[rec(Order, id="O", project="Q", community="C1", pinned=True)],
    )
    result = solve_projects(problem, time_limit=5, workers=1)
    (row,) = result.unclaimed()
    assert row["order"] == "O" and row["reason"] == "no_skill"


def test_recommendations_list_each_project_once_with_its_venue_and_blocker():
    """Three stations of the meal project's type stand within the service circle: the project is
    still listed once (it was listed three times), at one of them, with the budget that blocks it
    (its one order went to a class serving three needs)."""
    problem = Problem.build(
        [rec(Community, id="C1", x=0, y=0)],
        [rec(Need, id="m0", community="C1", category="daily_life", skills="meal")]
        + [rec(Need, id=f"c{i}", community="C1", category="culture", skills="class") for i in range(3)],
        [
            rec(
                Resource,
                id="K",
                kind="unit",
                community="C1",
                categories="daily_life;culture",
                skills="meal;class",
                capacity_tasks=1,
                capacity_hours=20,
            )
        ],
        [
            rec(
                Project,
                id="MEAL",
                name="meal service",
                category="daily_life",
                skills="meal",
                serves=3,
                hours=3,
                cost=2,
                venue_type="敬老",
            ),
            rec(Project, id="CLASS", name="class", category="culture", skills="class", serves=3, hours=3, cost=2),
        ],
        venues=[
            rec(Venue, id=f"CT{i}", community="C1", type="elderly_care", capacity=5, opening_hours=3) for i in range(3)
        ],
        budgets=[rec(Budget, community="C1", amount=5, max_orders=1)],
    )
    result = solve_projects(problem, time_limit=5, workers=1)
    assert sum(oid.startswith("new:C1:MEAL@") for oid in result.space.order_ids) == 3  # one per station
    rows = recommend.for_community(result, "C1")
    assert [r["project"] for r in rows] == ["CLASS", "MEAL"]
    meal = rows[1]
    assert not meal["ordered"] and meal["venue"] in {"CT0", "CT1", "CT2"} and meal["value"] > 0
    assert "budget of C1" in meal["blocked_by"] and "orders 1 of 1" in meal["blocked_by"]


def test_a_venue_too_short_for_a_project_leaves_it_unrun_rather_than_failing():
    """The only candidate order needs 2 hours at a station open 0.25 h a day (105 min a week):
    it cannot run, so the plan serves the need directly; the sequential and greedy starts used to
    run it anyway and the fixed model reported the whole problem infeasible."""
    problem = Problem.build(
        [rec(Community, id=f"C{i}", x=0, y=0) for i in range(2)],
        [rec(Need, id="N0", community="C1", category="health", tier="floor")],
        [rec(Resource, id="U", kind="unit", community="C0", categories="health", capacity_hours=2, capacity_tasks=1)],
        [rec(Project, id="P", name="p", category="health", serves=1, hours=2, cost=1, venue_type="elderly_care")],
        venues=[rec(Venue, id="V", community="C0", type="elderly_care", capacity=5, opening_hours=0.25)],
        budgets=[rec(Budget, community="C1", amount=1, max_orders=1)],
    )
    for engine in ("cpsat", "highs"):
        result = solve_projects(problem, time_limit=5, workers=1, engine=engine, gap=0.0)
        assert not result.plan.running.any()
        assert result.plan.direct.sum() == 1  # U serves N0 itself: 6.0 less 5 minutes' travel


def test_a_hard_pairing_minimum_where_nothing_else_happens_is_still_enforced():
    """Group G must serve at least once in C0, which has no needs and no orders: no plan meets
    it, and the result says so naming the pairing (the part with nothing in it was skipped)."""
    problem = Problem.build(
        [rec(Community, id="C0", x=0, y=0), rec(Community, id="C1", x=0, y=0)],
        [rec(Need, id="N0", community="C1", category="health")],
        [
            rec(Resource, id="G1", kind="unit", community="C0", categories="health", pairing_group="G"),
            rec(Resource, id="U", kind="unit", community="C0", categories="health"),
        ],
        [rec(Project, id="P", name="p", category="health")],
        [rec(Pairing, group="G", community="C0", mode="hard", min_served=1)],
        budgets=[rec(Budget, community="C1", amount=1, max_orders=1)],
    )
    for engine in ("cpsat", "highs"):
        with pytest.raises(InfeasibleError, match="hard pairing G -> C0"):
            solve_projects(problem, time_limit=5, workers=1, engine=engine)
