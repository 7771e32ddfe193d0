"""Hierarchy records of a scenario: streets and districts (``areas``) and grids (``grids``).

Communities already name their street (街镇) and district (区); an ``areas`` list makes those
parents explicit (with names and parent links, so a missing parent or a cycle can be named) and
a ``grids`` list (网格) places each grid in one community with its party groups, members,
households by visit tier (Xihu's five tiers) and its grid workers' weekly visit capacity.
:class:`Routes` reads from them the way a need escalates: community, street, district.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from matcher.domain import Record, _count, _vocab_parser
from matcher.errors import FieldError
from matcher.i18n import Text
from matcher.vocabulary import Level

if TYPE_CHECKING:  # the problem imports the records of the domain, not these
    from matcher.problem import Problem

#: Xihu's five visit tiers (特殊、重点、常规、普通、一般) and the visits a household of each tier
#: gets per week. The frequencies are this project's assumption (the case names only the tiers).
VISIT_TIERS: dict[str, float] = {"special": 1.0, "key": 0.5, "regular": 0.25, "ordinary": 1 / 8, "general": 1 / 12}


@dataclass(frozen=True)
class Area(Record):
    """A street/town (街镇) or district (区); a street's ``parent`` is its district."""

    id: str
    level: Level
    parent: str = ""
    name: str = ""

    mandatory: ClassVar = ("id", "level")
    parsers: ClassVar = {"level": _vocab_parser(Level)}

    def __post_init__(self) -> None:
        if not self.id:
            raise FieldError("id", Text("is required"))
        if self.level is Level.COMMUNITY:
            raise FieldError("level", Text("areas are streets or districts; communities go in the communities list"))


@dataclass(frozen=True)
class Grid(Record):
    """A grid (网格) of one community: 3-5 party groups (党小组), ~10 members (党员) a group,
    ~10 households (户) a member, and grid workers (网格员) with a weekly visit capacity."""

    id: str
    community: str
    name: str = ""
    party_groups: int = 0
    party_members: int = 0
    households: int = 0
    workers: int = 1
    weekly_visit_capacity: int = 0
    special: int = 0
    key: int = 0
    regular: int = 0
    ordinary: int = 0
    general: int = 0

    mandatory: ClassVar = ("id", "community")
    parsers: ClassVar = {
        name: _count
        for name in ("party_groups", "party_members", "households", "workers", "weekly_visit_capacity", *VISIT_TIERS)
    }

    def __post_init__(self) -> None:
        if not self.id:
            raise FieldError("id", Text("is required"))
        if not self.community:
            raise FieldError("community", Text("is required"))
        tiered = sum(getattr(self, t) for t in VISIT_TIERS)
        if self.households and tiered > self.households:
            raise FieldError(
                "households",
                Text(
                    "{tiered} households by visit tier exceed the grid's {households}",
                    tiered=tiered,
                    households=self.households,
                ),
            )

    @property
    def weekly_visits(self) -> float:
        """Visits the grid's households need per week under :data:`VISIT_TIERS`."""
        return sum(getattr(self, t) * per_week for t, per_week in VISIT_TIERS.items())


@dataclass(frozen=True)
class Routes:
    """Each community's street and each street's district: the route a need escalates along (吹哨报到)."""

    community_street: dict[str, str]
    street_district: dict[str, str]

    def route(self, community: str) -> list[str]:
        """The escalation route of a community: itself, its street, its district (node keys)."""
        street = self.community_street[community]
        return [f"community:{community}", f"street:{street}", f"district:{self.street_district[street]}"]


def routes_of(problem: Problem, areas: Sequence[Area] = ()) -> Routes:
    """The routes of ``problem``'s communities; a street's district from ``areas`` when listed there."""
    street_district = {a.id: a.parent for a in areas if a.level is Level.STREET}
    for c in problem.communities:
        street_district.setdefault(c.street, c.district)
    return Routes({c.id: c.street for c in problem.communities}, street_district)
