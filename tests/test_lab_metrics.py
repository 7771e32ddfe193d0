"""Lab metrics on cases small enough to compute by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from matcher.candidates import build_candidates
from matcher.domain import Community, Need, Pairing, Resource
from matcher.errors import FieldError
from matcher.lab import metrics as m
from matcher.policy import get_policy
from matcher.problem import Problem
from matcher.result import Result
from matcher.solvers import solve
from matcher.solvers.base import Solution
from matcher.solvers.params import SolveParams


def test_gini_and_jain_by_hand():
    assert m.gini([1, 1, 1, 1]) == 0.0
    assert m.gini([0, 0, 0, 4]) == pytest.approx(0.75)  # (n - 1) / n when one holds everything
    assert m.gini([1, 0]) == pytest.approx(0.5)
    assert m.gini([1, 2, 3]) == pytest.approx(2 / 9)  # mean |xi - xj| = 8/9 over 2 * mean 2
    assert m.gini([]) == 0.0 and m.gini([0, 0]) == 0.0
    assert m.jain([1, 1, 1]) == pytest.approx(1.0)
    assert m.jain([1, 0]) == pytest.approx(0.5)
    assert m.jain([1, 2, 3]) == pytest.approx(36 / (3 * 14))
    assert m.jain([0, 0]) == 1.0


def _two_communities() -> Problem:
    """A at x=0 with two needs and one volunteer; B 10 km away (40 min) with one need out of reach."""
    comms = [Community(id="A", x=0.0, y=0.0), Community(id="B", x=10.0, y=0.0)]
    needs = [
        Need(id="n1", community="A", category="health", urgency="normal"),
        Need(id="n2", community="A", category="health", urgency="utilities"),
        Need(id="n3", community="B", category="health", urgency="normal"),
    ]
    res = [
        Resource(
            id="r1",
            kind="workshop",
            community="A",
            categories=frozenset({"health"}),
            capacity_hours=8,
            capacity_tasks=2,
            radius_minutes=15,
        )
    ]
    return Problem.build(comms, needs, res, name="by-hand")


def test_metrics_of_a_forced_matching():
    result = solve(_two_communities(), "efficiency", params=SolveParams(workers=1))
    assert result.n_served == 2
    ids, share = m.community_coverage(result)
    assert ids == ["A", "B"] and share.tolist() == [1.0, 0.0]
    got = m.measure(result)
    assert got["needs_served"] == 2
    # basic tier (2) x normal (2) + basic (2) x utilities (3)
    assert got["weighted_served"] == pytest.approx(2 * 2 + 2 * 3)
    assert got["coverage_worst"] == 0.0 and got["coverage_mean"] == 0.5
    assert got["coverage_gini"] == pytest.approx(0.5) and got["coverage_jain"] == pytest.approx(0.5)
    assert got["on_time_normal"] == pytest.approx(0.5) and got["on_time_utilities"] == 1.0
    assert math.isnan(got["on_time_emergency"])
    assert got["travel_minutes"] == pytest.approx(2 * 5.0)  # intra-community minutes, twice
    assert got["utilisation_max"] == pytest.approx(120 / 480)  # two one-hour tasks of eight hours
    assert got["resources_idle"] == 0 and got["utilisation_gini"] == 0.0
    # value: weights x fit / providers - travel_cost x minutes, efficiency's travel cost 0.01
    assert got["value"] == pytest.approx(4 - 0.05 + 6 - 0.05)
    assert m.station_popularity(result) == {"r1": 2}
    assert got["station_visits_max"] == 2 and got["station_gini"] == 0.0


def test_station_metrics_skipped_without_stations():
    p = _two_communities()
    p = Problem.build(
        p.communities, p.needs, [Resource(id="v", kind="volunteer", community="A", categories=frozenset({"health"}))]
    )
    got = m.measure(solve(p, "efficiency", params=SolveParams(workers=1)))
    assert "station_gini" not in got and "station_visits_max" not in got


def test_blocking_pair_by_hand():
    """n1 (1 h) and n2 (2 h) in A; r1 in A, r2 next door. Both needs prefer r1 (less travel), r1
    prefers n1 (the shorter task). Matching n2-r1 and n1-r2 is blocked by (n1, r1); the swap is not."""
    comms = [Community(id="A", x=0.0, y=0.0), Community(id="B", x=2.0, y=0.0)]  # 8 min apart
    needs = [
        Need(id="n1", community="A", category="legal", hours=1),
        Need(id="n2", community="A", category="legal", hours=2),
    ]
    res = [
        Resource(id="r1", kind="volunteer", community="A", categories=frozenset({"legal"}), capacity_tasks=1),
        Resource(id="r2", kind="volunteer", community="B", categories=frozenset({"legal"}), capacity_tasks=1),
    ]
    problem = Problem.build(comms, needs, res)
    policy = get_policy("efficiency")
    cand = build_candidates(problem, policy)

    def pair(n: int, r: int) -> int:
        return int(np.flatnonzero((cand.need == n) & (cand.resource == r))[0])

    def blocking(chosen: list[int]) -> int:
        sol = Solution(np.array(sorted(chosen)), int(cand.value[chosen].sum()), None, "heuristic")
        return m.blocking_pairs(Result(problem, policy, cand, sol, "test", "", 0.0))

    assert blocking([pair(1, 0), pair(0, 1)]) == 1
    assert blocking([pair(0, 0), pair(1, 1)]) == 0
    assert blocking([pair(0, 0)]) == 1  # n2 is unserved and r2 has room: (n2, r2)
    # n1 unserved: (n1, r1) as r1 is free, (n1, r2) as r2 prefers the shorter n1; (n2, r1) as n2 prefers r1
    assert blocking([pair(1, 1)]) == 3


def test_price_of_fixed_pairings_by_hand():
    """Unit group G in A is bound to A by a hard pairing, but the only need is in B."""
    comms = [Community(id="A", x=0.0, y=0.0), Community(id="B", x=0.5, y=0.0)]
    needs = [Need(id="n", community="B", category="legal")]
    res = [Resource(id="u", kind="unit", community="A", categories=frozenset({"legal"}), pairing_group="G")]
    problem = Problem.build(comms, needs, res, pairings=[Pairing(group="G", community="A")])
    strict, soft = (
        solve(problem, "pairing-strict", params=SolveParams(workers=1)),
        solve(problem, "pairing-soft", params=SolveParams(workers=1)),
    )
    price = m.pairing_price(strict, soft)
    assert strict.n_served == 0 and soft.n_served == 1
    assert price["needs_served_lost"] == 1 and price["worst_coverage_lost"] == 1.0
    assert price["value_lost"] == pytest.approx(m.pair_value(soft)) and price["value_lost"] > 0


def test_value_under_another_policy_revalues_the_same_pairs():
    result = solve(_two_communities(), "efficiency", params=SolveParams(workers=1))
    assert m.value_under(result, result.policy) == pytest.approx(m.pair_value(result))
    # locality-first: bonus 1 for own-community resources, travel 0.05 a minute: (4 + 6) x 2 - 2 x 5 x 0.05
    assert m.value_under(result, get_policy("locality-first")) == pytest.approx(20 - 0.5)


def test_unknown_metric_is_named():
    with pytest.raises(FieldError, match="'nope'"):
        m.metric_names(["needs_served", "nope"])
