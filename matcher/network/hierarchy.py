"""The governance graph (district -> street -> community -> grid -> party group -> member) and
the community neighbour graph of the 15-minute service circle (15分钟服务圈).

Taizhou's five party levels map onto the tree: street working committee (街道工委) -> community
committee (社区党委) -> estate branch (小区党支部, one per grid) -> building group (楼道党小组,
a grid's party groups) -> party-member household (党员中心户, each linking ~10 households).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np

from matcher.areas import Area, Grid, Routes, routes_of
from matcher.problem import Problem

#: Taizhou's five party levels, by the governance level they sit on.
PARTY_LEVELS = {
    "street": "街道工委 street working committee",
    "community": "社区党委 community committee",
    "grid": "小区党支部 estate branch",
    "party_group": "楼道党小组 building group",
    "party_member": "党员中心户 party-member household",
}
SERVICE_CIRCLE_MINUTES = 15.0


@dataclass(frozen=True)
class Governance:
    """The governance tree as a networkx DiGraph (parent -> child); node keys are ``level:id``."""

    graph: nx.DiGraph
    routes: Routes

    def counts(self) -> dict[str, int]:
        """Nodes per level."""
        out: dict[str, int] = {}
        for node in self.graph.nodes:
            level = str(self.graph.nodes[node]["level"])
            out[level] = out.get(level, 0) + 1
        return out

    def households(self) -> int:
        return sum(int(self.graph.nodes[node].get("households", 0)) for node in self.graph.nodes)


def governance_graph(
    problem: Problem, areas: Sequence[Area] = (), grids: Sequence[Grid] = (), *, party: bool = True
) -> Governance:
    """Build the governance tree; ``party`` expands grids into party groups and members."""
    g: nx.DiGraph[str] = nx.DiGraph()
    found = routes_of(problem, areas)
    names = {a.id: a.name for a in areas}
    for street, district in found.street_district.items():
        g.add_node(f"district:{district}", level="district", name=names.get(district, district))
        g.add_node(f"street:{street}", level="street", name=names.get(street, street), party=PARTY_LEVELS["street"])
        g.add_edge(f"district:{district}", f"street:{street}")
    for c in problem.communities:
        g.add_node(
            f"community:{c.id}",
            level="community",
            name=c.name or c.id,
            population=c.population,
            party=PARTY_LEVELS["community"],
        )
        g.add_edge(f"street:{c.street}", f"community:{c.id}")
    for grid in grids:
        key = f"grid:{grid.id}"
        g.add_node(
            key,
            level="grid",
            name=grid.name or grid.id,
            households=0 if party else grid.households,
            workers=grid.workers,
            weekly_visit_capacity=grid.weekly_visit_capacity,
            weekly_visits=grid.weekly_visits,
            party=PARTY_LEVELS["grid"],
        )
        g.add_edge(f"community:{grid.community}", key)
        if party:
            _add_party(g, key, grid)
    return Governance(g, found)


def _add_party(g: nx.DiGraph, grid_key: str, grid: Grid) -> None:
    """Party groups under a grid, members under groups, households spread evenly over members."""
    groups = max(grid.party_groups, 1 if grid.party_members else 0)
    members = np.array_split(np.arange(grid.party_members), groups) if groups else []
    households = np.array_split(np.arange(grid.households), max(grid.party_members, 1))
    for k, block in enumerate(members):
        group_key = f"{grid_key}/group{k + 1}"
        g.add_node(group_key, level="party_group", party=PARTY_LEVELS["party_group"])
        g.add_edge(grid_key, group_key)
        for m in block.tolist():
            member_key = f"{group_key}/member{m + 1}"
            g.add_node(
                member_key, level="party_member", households=len(households[m]), party=PARTY_LEVELS["party_member"]
            )
            g.add_edge(group_key, member_key)
    if not grid.party_members:
        g.nodes[grid_key]["households"] = grid.households


def grid_visit_load(grids: Sequence[Grid]) -> list[dict[str, object]]:
    """Grids whose households need more visits a week than their workers can make, worst first."""
    rows = [
        {
            "grid": g.id,
            "community": g.community,
            "weekly_visits": round(g.weekly_visits, 1),
            "weekly_visit_capacity": g.weekly_visit_capacity,
            "load": round(g.weekly_visits / g.weekly_visit_capacity, 3) if g.weekly_visit_capacity else float("inf"),
        }
        for g in grids
        if g.weekly_visits > g.weekly_visit_capacity
    ]
    return sorted(rows, key=lambda r: (-float(r["load"]), str(r["grid"])))  # type: ignore[arg-type]


def neighbour_graph(problem: Problem, circle: float = SERVICE_CIRCLE_MINUTES) -> nx.Graph:
    """Communities joined when travel between them takes at most ``circle`` minutes."""
    a = problem.arrays
    g: nx.Graph[str] = nx.Graph()
    g.add_nodes_from(a.community_ids)
    i, j, minutes = a.travel.pairs_within(circle)
    ids = a.community_ids
    edges = ((ids[x], ids[y], m) for x, y, m in zip(i.tolist(), j.tolist(), minutes.tolist(), strict=True))
    g.add_weighted_edges_from(edges, weight="minutes")
    return g
