"""Hypothesis strategies for small random problems (communities on a line, integer km apart)."""

from __future__ import annotations

from hypothesis import strategies as st

from matcher.domain import Community, Need, Pairing, Resource
from matcher.problem import Problem
from matcher.vocabulary import Category, Level, PairingMode, Slot, Tier, Urgency

CATEGORIES = [Category.HEALTH, Category.LEGAL]
SKILLS = ["nursing", "english"]


@st.composite
def problems(
    draw,
    max_needs: int = 6,
    max_resources: int = 3,
    unit_loads: bool = False,
    pairings: bool = True,
    multi_provider: bool = True,
) -> Problem:
    n_comm = draw(st.integers(1, 3))
    communities = [
        Community(id=f"C{i}", x=float(draw(st.integers(0, 4))), y=0.0, street=f"S{i % 2}", district="D")
        for i in range(n_comm)
    ]
    cid = st.sampled_from([c.id for c in communities])
    needs = []
    for i in range(draw(st.integers(1, max_needs))):
        needs.append(
            Need(
                id=f"N{i}",
                community=draw(cid),
                category=draw(st.sampled_from(CATEGORIES)),
                tier=draw(st.sampled_from(list(Tier))),
                urgency=draw(st.sampled_from(list(Urgency))),
                skills=frozenset(draw(st.sets(st.sampled_from(SKILLS), max_size=1))),
                hours=1.0 if unit_loads else float(draw(st.sampled_from([0.5, 1, 2]))),
                providers=draw(st.sampled_from([1, 1, 2])) if multi_provider else 1,
                slot=draw(st.sampled_from([None, None, Slot.WEEKEND])),
            )
        )
    resources = []
    n_res = draw(st.integers(1, max_resources))
    for j in range(n_res):
        resources.append(
            Resource(
                id=f"R{j}",
                kind="volunteer",
                community=draw(cid),
                categories=frozenset(draw(st.sets(st.sampled_from(CATEGORIES), min_size=1))),
                skills=frozenset(draw(st.sets(st.sampled_from(SKILLS)))),
                capacity_hours=100.0 if unit_loads else float(draw(st.sampled_from([1, 2, 3]))),
                capacity_tasks=draw(st.integers(1, 3)),
                radius_minutes=float(draw(st.sampled_from([5, 12, 40]))),
                availability=frozenset(draw(st.sets(st.sampled_from(list(Slot)), min_size=1))),
                response_minutes=float(draw(st.sampled_from([0, 10, 40]))),
                hours_factor=1.0 if unit_loads else float(draw(st.sampled_from([1.0, 0.5]))),
                pairing_group=draw(st.sampled_from(["", "G1"])) if pairings else "",
                level=draw(st.sampled_from([Level.COMMUNITY, Level.STREET])),
            )
        )
    pairs = []
    if pairings and any(r.pairing_group for r in resources):
        mode = draw(st.sampled_from(list(PairingMode)))
        pairs.append(Pairing(group="G1", community=draw(cid), mode=mode, min_served=draw(st.integers(0, 2))))
    return Problem.build(communities, needs, resources, pairings=pairs)
