"""One small test per solver-level constraint: capacity, several providers, pairing minimums,
community shares, and the infeasibility report that names the constraint."""

from __future__ import annotations

from dataclasses import replace

import pytest

from matcher.domain import Community, Need, Pairing, Resource
from matcher.errors import InfeasibleError
from matcher.problem import Problem
from matcher.reasons import REASONS, Reason
from matcher.solvers import solve

C = [Community(id="A", x=0.0, y=0.0), Community(id="B", x=1.0, y=0.0)]
R = Resource(
    id="R1", kind="volunteer", community="A", categories=frozenset({"health"}), capacity_hours=2, capacity_tasks=5
)


def need(i: int, community: str = "A", **kw) -> Need:
    return Need(id=f"N{i}", community=community, category="health", **kw)


def test_hours_capacity_is_a_knapsack():
    """Hard: loads 1.5 h + 1 h + 1 h against 2 h: the best is the two one-hour needs (flow cannot)."""
    needs = [need(1, hours=1.5, tier="quality"), need(2, hours=1), need(3, hours=1)]
    problem = Problem.build(C, needs, [R])
    result = solve(problem)
    assert result.solver == "mip"
    assert sorted(result.assignments()[i]["need"] for i in range(2)) == ["N2", "N3"]
    assert REASONS[result.reasons[0]] is Reason.CAPACITY


def test_several_providers_all_or_nothing():
    """Hard: a need that takes two providers gets both or none."""
    two = need(1, providers=2)
    alone = Problem.build(C, [two], [R])
    assert solve(alone).n_served == 0
    assert REASONS[solve(alone).reasons[0]] is Reason.TOO_FEW_PROVIDERS
    pair = Problem.build(C, [two], [R, replace(R, id="R2")])
    result = solve(pair)
    assert result.n_served == 1 and len(result.assignments()) == 2


def test_pairing_minimum_is_kept_at_a_cost():
    """Hard: a paired group serves at least min_served needs in its community, even when worth less."""
    unit = replace(R, id="U1", pairing_group="G1", capacity_tasks=1, radius_minutes=30)
    needs = [need(1, community="A", tier="floor"), need(2, community="B", tier="quality")]
    free = Problem.build(C, needs, [unit], pairings=[Pairing(group="G1", community="B", mode="soft")])
    assert solve(free, "efficiency").assignments()[0]["need"] == "N1"
    bound = Problem.build(C, needs, [unit], pairings=[Pairing(group="G1", community="B", mode="soft", min_served=1)])
    assert solve(bound, "pairing-strict").assignments()[0]["need"] == "N2"


def test_overfilled_pairing_is_reported_infeasible_by_name():
    """Pairings that ask a unit for more than its capacity are infeasible, and the message names them."""
    unit = replace(R, id="U1", pairing_group="G1", capacity_tasks=1)
    needs = [need(1), need(2)]
    problem = Problem.build(C, needs, [unit], pairings=[Pairing(group="G1", community="A", min_served=2)])
    with pytest.raises(InfeasibleError) as err:
        solve(problem)
    assert err.value.constraints == ["hard pairing G1 -> A serves at least 2 need(s)"]


def test_minimum_community_share():
    """Hard: with a 50% share every community gets half its needs served before more value elsewhere."""
    one = replace(R, capacity_tasks=2, radius_minutes=30)
    needs = [
        need(1, community="A", tier="floor"),
        need(2, community="A", tier="floor"),
        need(3, community="B", tier="quality"),
        need(4, community="B", tier="quality"),
    ]
    problem = Problem.build(C, needs, [one])
    assert {r["need"] for r in solve(problem).assignments()} == {"N1", "N2"}
    shared = solve(problem, {"preset": "default", "min_community_share": 0.5})
    assert {r["community"] for r in shared.assignments()} == {"A", "B"}


def test_flow_and_cpsat_agree_where_flow_is_exact():
    """Where flow is exact, CP-SAT proves the same optimum."""
    needs = [need(i, community="AB"[i % 2], urgency=["normal", "emergency"][i % 2]) for i in range(8)]
    resources = [replace(R, id=f"R{j}", capacity_hours=10, capacity_tasks=2, radius_minutes=30) for j in range(3)]
    problem = Problem.build(C, needs, resources)
    flow, exact = solve(problem, solver="flow"), solve(problem, solver="cpsat")
    assert flow.solution.objective == exact.solution.objective
    assert exact.solution.status == "optimal"
