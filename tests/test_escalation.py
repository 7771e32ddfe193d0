"""Escalation (吹哨报到): community first, then street, then district, within deadlines."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.problem import LEVELS
from matcher.solvers import solve
from matcher.solvers.escalation import SEVEN_WORKING_DAYS, EscalationRules, escalate, level_problem
from matcher.vocabulary import Level
from tests.network_cases import community, need, problem, resource

TOWN = [
    community("C1", 0, street="S1", district="D1"),
    community("C2", 1, street="S1", district="D1"),
    community("C3", 2, street="S2", district="D1"),
]


def street_dept(rid: str, where: str, **fields):
    return resource(rid, where, kind="department", level="street", radius_minutes=60, **fields)


def district_dept(rid: str, where: str, **fields):
    return resource(rid, where, kind="department", level="district", radius_minutes=600, **fields)


def by_id(result) -> dict[str, dict]:
    return {row["need"]: row for row in result.needs_table()}


def test_community_cannot_serve_and_the_street_can():
    """A heating repair the community lacks goes to the street's department and is met within 24 h."""
    p = problem(
        TOWN,
        [need("N1", "C1", category="daily_life", skills="heating", urgency="utilities")],
        [
            resource("R1", "C1", categories="daily_life"),
            street_dept("S1-dept", "C2", categories="daily_life", skills="heating", response_minutes=30),
        ],
    )
    rows = by_id(escalate(p))
    assert rows["N1"]["level"] == "street"
    assert rows["N1"]["route"] == "community:C1 > street:S1"
    assert rows["N1"]["resources"] == "S1-dept"
    assert rows["N1"]["arrival_minutes"] == 120 + 30 + 4  # routing + response + 1 km at 4 min/km
    assert rows["N1"]["deadline_status"] == "met"


def test_small_matters_stay_in_the_community():
    """What the community can serve is not escalated, though the street could serve it too."""
    p = problem(TOWN, [need("N1", "C1")], [resource("R1", "C1"), street_dept("S", "C1")])
    result = escalate(p)
    assert result.level.tolist() == [LEVELS.index(Level.COMMUNITY)]
    assert result.tried.tolist() == [1] and len(result.runs) == 1


def test_only_the_district_within_the_deadline():
    """A permit only the district grants: a complex need (15 d) is met there after 7 working days;
    a normal need (7 d) cannot wait for the district's feedback and stays unserved at the street."""
    p = problem(
        TOWN,
        [
            need("N1", "C3", category="government", skills="permit", urgency="complex"),
            need("N2", "C3", category="government", skills="permit", urgency="normal"),
        ],
        [
            resource("R1", "C3", categories="government"),
            street_dept("S2-dept", "C3", categories="government"),
            district_dept("D1-plan", "C1", categories="government", skills="permit"),
        ],
    )
    result = escalate(p)
    rows = by_id(result)
    assert rows["N1"]["level"] == "district"
    assert rows["N1"]["route"] == "community:C3 > street:S2 > district:D1"
    assert rows["N1"]["arrival_minutes"] == SEVEN_WORKING_DAYS + 8 and rows["N1"]["deadline_status"] == "met"
    assert rows["N2"]["deadline_status"] == "unserved" and rows["N2"]["route"] == "community:C3 > street:S2"
    assert rows["N2"]["reason"] == "street: no_skill; higher levels too slow for the deadline"
    compliance = {r["urgency"]: r for r in result.deadline_compliance()}
    assert compliance["complex"]["on_time"] == 1 and compliance["normal"]["on_time"] == 0


def test_emergencies_never_wait_for_the_street():
    """An emergency (30 min) the community cannot serve is not routed up: the street's 120 min are too slow."""
    p = problem(
        TOWN,
        [need("N1", "C1", urgency="emergency", skills="nurse")],
        [resource("R1", "C1"), street_dept("S", "C1", skills="nurse")],
    )
    result = escalate(p)
    assert result.tried.tolist() == [1] and not result.served.any()
    faster = escalate(p, rules=EscalationRules(street_minutes=10))
    assert by_id(faster)["N1"]["level"] == "street"


def test_each_level_sees_what_the_level_below_left():
    """Community capacity overflows to the street and the street's to the district; each sees only the overflow."""
    p = problem(
        TOWN,
        [need(f"N{i}", "C1", urgency="complex") for i in range(5)],
        [
            resource("R1", "C1", capacity_tasks=2),
            street_dept("S", "C1", capacity_tasks=2),
            district_dept("D", "C1", capacity_tasks=9),
        ],
    )
    result = escalate(p)
    assert [len(run.needs) for run in result.runs] == [5, 3, 1]
    assert result.level_shares()["community"] == 2 and result.level_shares()["street"] == 2
    assert result.level_shares()["district"] == 1 and result.level_shares()["escalated_to_district"] == 1
    assert all(row["deadline_status"] == "met" for row in result.needs_table())


def test_level_problem_restricts_resources_and_adds_the_routing_delay():
    """The street level's problem holds only street resources, their response delayed by the routing minutes."""
    p = problem(
        TOWN, [need("N1", "C1"), need("N2", "C2")], [resource("R1", "C1"), street_dept("S", "C1", response_minutes=5)]
    )
    sub = level_problem(p, Level.STREET, np.array([1]), 120.0)
    assert [r.id for r in sub.resources] == ["S"] and sub.resources[0].response_minutes == 125
    assert [n.id for n in sub.needs] == ["N2"]
    direct = solve(sub)
    assert direct.n_served == 1


def test_negative_routing_minutes_refused():
    """Routing minutes must not be negative."""
    with pytest.raises(ValueError, match="street_minutes"):
        EscalationRules(street_minutes=-1)


@st.composite
def hierarchies(draw):
    """Needs of every urgency in two streets; resources at all three levels with random skills."""
    needs = [
        need(
            f"N{i}",
            draw(st.sampled_from(["C1", "C2", "C3"])),
            urgency=draw(st.sampled_from(URGENCY)),
            skills=draw(st.sampled_from(["", "nurse", "permit"])),
        )
        for i in range(draw(st.integers(1, 8)))
    ]
    resources = []
    for i in range(draw(st.integers(1, 5))):
        level = draw(st.sampled_from(["community", "street", "district"]))
        resources.append(
            resource(
                f"R{i}",
                draw(st.sampled_from(["C1", "C2", "C3"])),
                level=level,
                kind="volunteer" if level == "community" else "department",
                skills=draw(st.sampled_from(["", "nurse", "nurse;permit"])),
                capacity_tasks=draw(st.integers(0, 3)),
                response_minutes=draw(st.sampled_from([0, 20, 600])),
                radius_minutes={"community": 10, "street": 60, "district": 600}[level],
            )
        )
    return problem(TOWN, needs, resources)


URGENCY = ["emergency", "utilities", "normal", "complex"]


@settings(max_examples=30, deadline=None)
@given(hierarchies())
def test_escalation_invariants(p):
    """Served needs meet their deadline; the community level equals a direct solve of the community-only
    problem; a need reaches a level only if the level's routing leaves time before its deadline."""
    rules = EscalationRules()
    result = escalate(p, rules=rules)
    assert (result.arrival[result.served] <= result.deadline[result.served]).all()
    community_only = solve(level_problem(p, Level.COMMUNITY, np.arange(len(p.needs)), 0.0))
    assert int((result.level == 0).sum()) == community_only.n_served
    for n in range(len(p.needs)):
        for lvl in LEVELS[: result.tried[n]]:
            assert rules.delay(lvl) < result.deadline[n]
        if result.served[n]:
            assert result.level[n] == result.tried[n] - 1  # escalation stops where the need is served


def test_escalation_refuses_a_scenario_with_projects(capsys):
    """Regression: escalate ignored Taizhou's projects and reported 93 needs served where `run`
    serves 166 with the project model; it now refuses, naming why, with exit code 2."""
    from pathlib import Path

    from matcher.cli import main

    taizhou = Path(__file__).parent.parent / "scenarios" / "taizhou" / "scenario.yaml"
    assert main(["escalate", str(taizhou)]) == 2
    err = capsys.readouterr().err
    assert "orders projects" in err and "Traceback" not in err
