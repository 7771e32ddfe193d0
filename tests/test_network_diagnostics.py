"""Diagnostics: each reason on a hand-made case whose true reason is known."""

from __future__ import annotations

from matcher.domain import Pairing
from matcher.network.diagnostics import NOT_CHOSEN, diagnose, explain_need
from matcher.solvers import solve
from matcher.solvers.params import SolveParams
from tests.network_cases import community, need, problem, resource

# Two communities 10 km apart: 40 travel minutes at 4 min/km.
NEAR, FAR = community("C1", 0), community("C2", 10)


def reasons_of(p) -> dict[str, str]:
    result = solve(p)
    d = diagnose(result)
    return {p.needs[i].id: code for i, code in enumerate(d.reasons.tolist()) if code}


def test_no_resource_with_the_skill_anywhere():
    """A need whose skill no resource offers is diagnosed no_skill."""
    p = problem([NEAR], [need("N1", "C1", skills="dialysis")], [resource("R1", "C1", skills="nurse")])
    assert reasons_of(p) == {"N1": "no_skill"}
    assert "dialysis" in explain_need(solve(p), "N1")["facts"]


def test_skilled_resource_out_of_reach():
    """The only nurse lives 40 minutes away with a 15-minute radius: out of reach, and the facts say so."""
    p = problem([NEAR, FAR], [need("N1", "C2", skills="nurse")], [resource("R1", "C1", skills="nurse")])
    assert reasons_of(p) == {"N1": "out_of_reach"}
    facts = explain_need(solve(p), "N1")["facts"]
    assert facts[0]["resource"] == "R1" and facts[0]["travel_minutes"] == 40.0 and not facts[0]["within_reach"]


def test_in_reach_but_too_slow_for_an_emergency():
    """An emergency (30 min) that the only resource reaches after 35 + 5 minutes is too_slow."""
    p = problem([NEAR], [need("N1", "C1", urgency="emergency")], [resource("R1", "C1", response_minutes=35)])
    assert reasons_of(p) == {"N1": "too_slow"}
    fact = explain_need(solve(p), "N1")["facts"][0]
    assert fact["arrival_minutes"] == 40.0 and fact["deadline_minutes"] == 30


def test_all_candidates_full_names_who_took_the_capacity():
    """Two needs, one resource with one task: the unserved need names the need that took it."""
    p = problem(
        [NEAR],
        [need("N1", "C1", tier="floor"), need("N2", "C1", tier="quality")],
        [resource("R1", "C1", capacity_tasks=1)],
    )
    result = solve(p)
    d = diagnose(result)
    assert d.reasons.tolist() == ["", "capacity"]
    row = d.unmatched()[0]
    assert row["need"] == "N2" and row["detail"] == "R1 <- N1"
    detail = explain_need(result, "N2")["candidates"][0]
    assert detail["taken_by"] == ["N1"] and detail["tasks_left"] == 0


def test_blocked_by_a_hard_pairing():
    """The only resource belongs to a unit group hard-paired with another community."""
    p = problem(
        [NEAR, community("C3", 1)],
        [need("N1", "C3")],
        [resource("R1", "C1", pairing_group="G1")],
        [Pairing.from_record({"group": "G1", "community": "C1", "mode": "hard"})],
    )
    assert reasons_of(p) == {"N1": "pairing_blocked"}
    fact = explain_need(solve(p), "N1")["facts"][0]
    assert fact == {"resource": "R1", "group": "G1", "bound_to": ["C1"]}


def test_multi_provider_need_short_of_free_candidates_is_capacity():
    """A need taking two providers when only one candidate has room left is a capacity case."""
    p = problem(
        [NEAR],
        [need("N1", "C1", urgency="emergency"), need("N2", "C1", providers=2)],
        [resource("R1", "C1", capacity_tasks=1), resource("R2", "C1", capacity_tasks=1)],
    )
    d = diagnose(solve(p, solver="cpsat", params=SolveParams(time_limit=5)))
    assert d.reasons.tolist() == ["", "capacity"]


def test_room_left_but_not_worth_serving_is_not_chosen():
    """Both candidates have room, but serving the two-provider need has negative value: not_chosen."""
    p = problem([NEAR], [need("N1", "C1", providers=2)], [resource("R1", "C1"), resource("R2", "C1")])
    d = diagnose(solve(p, {"travel_cost": 1.0}, solver="cpsat", params=SolveParams(time_limit=5)))
    assert d.reasons.tolist() == [NOT_CHOSEN]
    assert d.unmatched()[0]["detail"] == ""


def test_scenario_level_findings():
    """Uncovered communities, idle resources, bottlenecks and components on a case built to show each."""
    lonely = community("C9", 100)
    p = problem(
        [NEAR, FAR, lonely],
        [need("N1", "C1"), need("N2", "C1"), need("N3", "C2"), need("N4", "C9")],
        [
            resource("R1", "C1", capacity_tasks=1),
            resource("R2", "C1", capacity_tasks=1),
            resource("R3", "C2", capacity_tasks=5),
            resource("R4", "C2", categories="legal"),
        ],
    )
    d = diagnose(solve(p))
    assert d.uncovered == ["C9"]  # 400 minutes from everyone
    assert d.bound.max_served == 3 and d.bound.without_candidates == 1
    assert [p.resources[r].id for r in d.never_candidates.tolist()] == ["R4"]  # offers legal only
    assert {p.resources[r].id: loss for r, loss in d.bottlenecks} == {"R1": 1, "R2": 1, "R3": 1}
    assert sorted(d.component_needs.tolist()) == [1, 2]  # {N1, N2 | R1, R2} and {N3 | R3}
    assert d.to_dict()["uncovered_by_category"] == {"health": ["C9"]}


def test_hall_set_names_the_shortage():
    """Three needs compete for one resource with two tasks: Hall's deficient set is those three."""
    p = problem(
        [NEAR],
        [need(f"N{i}", "C1") for i in range(3)] + [need("N9", "C1", category="legal")],
        [resource("R1", "C1", capacity_tasks=2), resource("R2", "C1", categories="legal")],
    )
    b = diagnose(solve(p)).bound
    assert b.max_served == 3 and b.deficiency == 1 and b.hall_deficiency == 1
    assert b.hall_needs.tolist() == [True, True, True, False]
    assert b.hall_resources.tolist() == [True, False]


def test_pairing_graph_components():
    """Unit groups paired with shared communities form one component."""
    p = problem(
        [NEAR, FAR, community("C3", 1)],
        [need("N1", "C1")],
        [
            resource("R1", "C1", pairing_group="G1"),
            resource("R2", "C2", pairing_group="G2"),
            resource("R3", "C3", pairing_group="G3"),
        ],
        [
            Pairing.from_record({"group": g, "community": c, "mode": "soft"})
            for g, c in (("G1", "C1"), ("G2", "C1"), ("G3", "C3"))
        ],
    )
    comps = diagnose(solve(p)).pairing_components
    assert comps == [{"groups": ["G1", "G2"], "communities": ["C1"]}, {"groups": ["G3"], "communities": ["C3"]}]
