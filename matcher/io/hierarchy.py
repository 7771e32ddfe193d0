"""The hierarchy of a scenario checked as it is read: streets under districts, communities under
streets, grids in one community (the ``areas`` and ``grids`` lists, :mod:`matcher.areas`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import networkx as nx

from matcher.areas import Area, Grid
from matcher.problem import Location, Problem
from matcher.vocabulary import Level


def check_hierarchy(
    problem: Problem, areas: Sequence[Area], grids: Sequence[Grid], *, strict: bool = False
) -> Iterator[tuple[Location, str, str]]:
    """Yield (location, field, message) for every broken link of the hierarchy.

    Runs when the scenario declares ``areas`` or ``grids`` (or when ``strict``, as escalation
    needs): every community then needs a parent street; area parents must exist and form no
    cycle; a grid sits in exactly one community.
    """
    if not areas and not grids and not strict:
        return
    by_id: dict[str, tuple[int, Area]] = {}
    for i, area in enumerate(areas):
        if area.id in by_id:
            yield Location("areas", i), "id", f"duplicate id {area.id!r}"
        by_id.setdefault(area.id, (i, area))
    in_cycle: set[str] = set()
    yield from _area_parents(areas, by_id, in_cycle)
    yield from _community_parents(problem, bool(areas), by_id, in_cycle)
    yield from _grid_homes(problem, grids)


def _area_parents(
    areas: Sequence[Area], by_id: dict[str, tuple[int, Area]], in_cycle: set[str]
) -> Iterator[tuple[Location, str, str]]:
    """Unknown parents, cycles (their areas added to ``in_cycle``), and streets under districts."""
    parents: nx.DiGraph[str] = nx.DiGraph()
    for i, area in enumerate(areas):
        if area.parent and area.parent not in by_id:
            yield Location("areas", i), "parent", f"unknown area {area.parent!r}"
        elif area.parent:
            parents.add_edge(area.id, area.parent)
    for cycle in nx.simple_cycles(parents):
        in_cycle.update(cycle)
        first = min(range(len(cycle)), key=lambda k: by_id[cycle[k]][0])  # start at the record listed first
        cycle = cycle[first:] + cycle[:first]
        i = by_id[cycle[0]][0]
        yield Location("areas", i), "parent", "cycle in the hierarchy: " + " -> ".join([*cycle, cycle[0]])
    for i, area in enumerate(areas):
        if area.id in in_cycle:
            continue
        if area.level is Level.STREET and not area.parent:
            yield Location("areas", i), "parent", f"street {area.id!r} has no parent district"
        elif area.level is Level.STREET and by_id.get(area.parent, (0, area))[1].level is not Level.DISTRICT:
            yield Location("areas", i), "parent", f"the parent of street {area.id!r} must be a district"
        elif area.level is Level.DISTRICT and area.parent:
            yield Location("areas", i), "parent", f"district {area.id!r} is the top level and takes no parent"


def _community_parents(
    problem: Problem, listed: bool, by_id: dict[str, tuple[int, Area]], in_cycle: set[str]
) -> Iterator[tuple[Location, str, str]]:
    """Each community's street: given, listed among the areas (when ``listed``), a street, in its district."""
    for i, community in enumerate(problem.communities):
        if not community.street:
            yield Location("communities", i), "street", f"community {community.id!r} has no parent street"
        elif listed and community.street not in by_id:
            yield Location("communities", i), "street", f"unknown street {community.street!r}"
        elif listed and community.street not in in_cycle:
            street = by_id[community.street][1]
            if street.level is not Level.STREET:
                yield (
                    Location("communities", i),
                    "street",
                    f"{community.street!r} is a {street.level.value}, not a street",
                )
            elif community.district and street.parent and community.district != street.parent:
                yield (
                    Location("communities", i),
                    "district",
                    f"{community.district!r} differs from street {street.id!r}'s district {street.parent!r}",
                )


def _grid_homes(problem: Problem, grids: Sequence[Grid]) -> Iterator[tuple[Location, str, str]]:
    """A grid sits in one known community, once."""
    community_ids = {c.id for c in problem.communities}
    homes: dict[str, str] = {}
    for i, grid in enumerate(grids):
        if grid.community not in community_ids:
            yield Location("grids", i), "community", f"unknown community {grid.community!r}"
        elif grid.id in homes and homes[grid.id] != grid.community:
            yield (
                Location("grids", i),
                "community",
                f"grid {grid.id!r} is in two communities: {homes[grid.id]!r} and {grid.community!r}",
            )
        elif grid.id in homes:
            yield Location("grids", i), "id", f"duplicate id {grid.id!r}"
        homes.setdefault(grid.id, grid.community)
