"""The problem: the three lists, communities and pairings, checked across records and
compiled once into numpy arrays for candidate search and the solvers."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from typing import Any, TypeVar

import numpy as np

from matcher.domain import (
    Budget,
    Claim,
    Community,
    GivenPair,
    Need,
    Order,
    Pairing,
    Project,
    Record,
    Resource,
    Settings,
    TravelTime,
    Venue,
    Visit,
)
from matcher.errors import Issue, ScenarioError
from matcher.i18n import Text
from matcher.travel import Travel
from matcher.vocabulary import Category, Level, PairingMode, Slot, Tier, Urgency

R = TypeVar("R", bound=Record)

CATEGORIES = list(Category)
TIERS = list(Tier)
URGENCIES = list(Urgency)
SLOTS = list(Slot)
LEVELS = list(Level)

#: Minutes are the unit of load: hours are rounded to whole minutes so CP-SAT stays integral.
MINUTES_PER_HOUR = 60


@dataclass(frozen=True)
class Location:
    """Where a record sits in its input list (``needs``, index 12): errors map it to a file row."""

    list_name: str
    index: int


@dataclass(frozen=True)
class Problem:
    """The three lists (需求清单, 资源清单, 项目清单) with communities and fixed pairings (结对)."""

    communities: tuple[Community, ...]
    needs: tuple[Need, ...]
    resources: tuple[Resource, ...]
    projects: tuple[Project, ...] = ()
    pairings: tuple[Pairing, ...] = ()
    settings: Settings = field(default_factory=Settings)
    name: str = "scenario"
    orders: tuple[Order, ...] = ()
    claims: tuple[Claim, ...] = ()
    venues: tuple[Venue, ...] = ()
    budgets: tuple[Budget, ...] = ()
    visits: tuple[Visit, ...] = ()
    pairs: tuple[GivenPair, ...] = ()  # the researcher's own candidate pairs (settings.pairs_mode)
    travel: tuple[TravelTime, ...] = ()  # travel minutes as given, instead of coordinates or neighbours

    @classmethod
    def build(
        cls,
        communities: Sequence[Community],
        needs: Sequence[Need],
        resources: Sequence[Resource],
        projects: Sequence[Project] = (),
        pairings: Sequence[Pairing] = (),
        settings: Settings | None = None,
        name: str = "scenario",
        orders: Sequence[Order] = (),
        claims: Sequence[Claim] = (),
        venues: Sequence[Venue] = (),
        budgets: Sequence[Budget] = (),
        visits: Sequence[Visit] = (),
        pairs: Sequence[GivenPair] = (),
        travel: Sequence[TravelTime] = (),
    ) -> Problem:
        """Assemble and check a problem; raise :class:`ScenarioError` naming each bad record."""
        problem = cls(
            tuple(communities),
            tuple(needs),
            tuple(resources),
            tuple(projects),
            tuple(pairings),
            settings or Settings(),
            name,
            tuple(orders),
            tuple(claims),
            tuple(venues),
            tuple(budgets),
            tuple(visits),
            tuple(pairs),
            tuple(travel),
        )
        return problem.checked()

    @classmethod
    def from_lists(
        cls, lists: Mapping[str, Sequence[Record]], settings: Settings | None = None, name: str = "scenario"
    ) -> Problem:
        """A problem from parsed lists by name (``needs``, ``resources`` ...), not yet checked; a list
        not given is empty, a name that is not a list of a problem is a TypeError."""
        unknown = sorted(set(lists) - set(LIST_KINDS))
        if unknown:
            raise TypeError(f"not lists of a problem: {', '.join(unknown)}")
        return cls(
            records_of(lists, "communities", Community),
            records_of(lists, "needs", Need),
            records_of(lists, "resources", Resource),
            records_of(lists, "projects", Project),
            records_of(lists, "pairings", Pairing),
            settings or Settings(),
            name,
            records_of(lists, "orders", Order),
            records_of(lists, "claims", Claim),
            records_of(lists, "venues", Venue),
            records_of(lists, "budgets", Budget),
            records_of(lists, "visits", Visit),
            records_of(lists, "pairs", GivenPair),
            records_of(lists, "travel", TravelTime),
        )

    def checked(self) -> Problem:
        """This problem, after :meth:`check`; raise :class:`ScenarioError` naming each bad record."""
        issues = [Issue(loc.list_name, _record_label(self, loc), f, m) for loc, f, m in self.check()]
        if issues:
            raise ScenarioError(issues)
        return self

    def record(self, location: Location) -> Record:
        return getattr(self, location.list_name)[location.index]

    def check(self) -> Iterator[tuple[Location, str, str]]:
        """Yield (location, field, message) for every cross-record problem."""
        yield from _duplicates("communities", self.communities, "id")
        yield from _duplicates("needs", self.needs, "id")
        yield from _duplicates("resources", self.resources, "id")
        yield from _duplicates("projects", self.projects, "id")
        community_ids = {c.id for c in self.communities}
        with_xy = [c.has_coordinates for c in self.communities]
        if any(with_xy) and not all(with_xy):
            first = with_xy.index(False)
            yield Location("communities", first), "x", "give coordinates for every community or for none"
        for i, c in enumerate(self.communities):
            for other, _ in c.neighbours:
                if other not in community_ids:
                    yield (
                        Location("communities", i),
                        "neighbours",
                        Text("unknown community {community!r}", community=other),
                    )
        for list_name in ("needs", "resources"):
            for i, r in enumerate(getattr(self, list_name)):
                if r.community not in community_ids:
                    yield (
                        Location(list_name, i),
                        "community",
                        Text("unknown community {community!r}", community=r.community),
                    )
        groups = {r.pairing_group for r in self.resources if r.pairing_group}
        for i, p in enumerate(self.pairings):
            if p.community not in community_ids:
                yield (
                    Location("pairings", i),
                    "community",
                    Text("unknown community {community!r}", community=p.community),
                )
            if p.group not in groups:
                yield (
                    Location("pairings", i),
                    "group",
                    Text("no resource belongs to unit group {group!r}", group=p.group),
                )
        modes: dict[str, set[PairingMode]] = {}
        for i, p in enumerate(self.pairings):
            modes.setdefault(p.group, set()).add(p.mode)
            if len(modes[p.group]) > 1:
                yield (
                    Location("pairings", i),
                    "mode",
                    Text("unit group {group!r} mixes hard and soft pairings", group=p.group),
                )
        yield from _check_project_lists(self, community_ids)
        yield from _check_given_lists(self, community_ids)

    def direct_part(self, needs: Sequence[Need], **changes: Any) -> Problem:
        """The direct-service problem over ``needs`` (a subset, or arrivals): the same communities,
        resources, pairings, settings and given travel table, without the lists tied to particular
        needs or to ordering projects (pairs, orders, claims, venues, budgets, visits); ``changes``
        replaces further fields (resources, pairings, name)."""
        cleared: dict[str, Any] = {"orders": (), "claims": (), "venues": (), "budgets": (), "visits": (), "pairs": ()}
        return replace(self, needs=tuple(needs), **{**cleared, **changes})

    @property
    def has_projects(self) -> bool:
        """Does the problem order (点单) or claim (认领) projects, so the project model applies?"""
        return bool(self.orders or self.budgets)

    @cached_property
    def arrays(self) -> ProblemArrays:
        """The problem compiled to numpy arrays (computed once)."""
        return ProblemArrays.compile(self)


def _duplicates(list_name: str, records: Sequence[object], attr: str) -> Iterator[tuple[Location, str, str]]:
    seen: Counter[str] = Counter()
    for i, r in enumerate(records):
        key = getattr(r, attr)
        seen[key] += 1
        if seen[key] == 2:
            yield Location(list_name, i), attr, Text("duplicate id {key!r}", key=key)


def venue_issue(project: Project, venue_id: str, venue: Venue | None) -> str:
    """What is wrong with an order of ``project`` at venue ``venue_id`` (``venue``: that record,
    None when unknown or not given), or "" when nothing is."""
    if venue_id and venue is None:
        return Text("unknown venue {venue!r}", venue=venue_id)
    if project.venue_type is not None and venue is None:
        return Text(
            "project {project!r} needs a venue of type {type}", project=project.id, type=project.venue_type.value
        )
    if venue is not None and project.venue_type is not None and venue.type is not project.venue_type:
        return Text(
            "venue {venue!r} is a {type} station; project {project!r} needs {needs}",
            venue=venue.id,
            type=venue.type.value,
            project=project.id,
            needs=project.venue_type.value,
        )
    return ""


def _check_project_lists(problem: Problem, community_ids: set[str]) -> Iterator[tuple[Location, str, str]]:
    """Orders (点单), claims (认领), venues and budgets against the catalogue and the resources."""
    yield from _duplicates("orders", problem.orders, "id")
    yield from _duplicates("venues", problem.venues, "id")
    yield from _duplicates("budgets", problem.budgets, "community")
    for list_name in ("venues", "budgets", "orders"):
        for i, r in enumerate(getattr(problem, list_name)):
            if r.community not in community_ids:
                yield (
                    Location(list_name, i),
                    "community",
                    Text("unknown community {community!r}", community=r.community),
                )
    projects = {p.id: p for p in problem.projects}
    venues = {v.id: v for v in problem.venues}
    for i, visit in enumerate(problem.visits):
        if visit.station not in venues:
            yield (
                Location("visits", i),
                "station",
                Text("unknown station {station!r} (not in venues)", station=visit.station),
            )
    for i, o in enumerate(problem.orders):
        project = projects.get(o.project)
        if project is None:
            yield (
                Location("orders", i),
                "project",
                Text("project {project!r} is not in the catalogue (项目清单)", project=o.project),
            )
            continue
        issue = venue_issue(project, o.venue, venues.get(o.venue) if o.venue else None)
        if issue:
            yield Location("orders", i), "venue", issue
    yield from _check_claims(problem, projects)


def _check_claims(problem: Problem, projects: dict[str, Project]) -> Iterator[tuple[Location, str, str]]:
    """Claims (认领) name a known order and resource, once each, within the order's provider slots."""
    orders = {o.id: o for o in problem.orders}
    resource_ids = {r.id for r in problem.resources}
    taken: Counter[str] = Counter()
    seen: set[tuple[str, str]] = set()
    for i, c in enumerate(problem.claims):
        order = orders.get(c.order)
        if order is None:
            yield Location("claims", i), "order", Text("unknown order {order!r}", order=c.order)
        if c.resource not in resource_ids:
            yield Location("claims", i), "resource", Text("unknown unit or resource {resource!r}", resource=c.resource)
        if (c.order, c.resource) in seen:
            yield (
                Location("claims", i),
                "resource",
                Text("{resource!r} claims order {order!r} twice", resource=c.resource, order=c.order),
            )
        seen.add((c.order, c.resource))
        taken[c.order] += 1
        project = projects.get(order.project) if order else None
        slots = (order.slots or project.provider_slots) if order is not None and project is not None else None
        if slots is not None and taken[c.order] > slots:
            yield (
                Location("claims", i),
                "order",
                Text(
                    "claim {n} of order {order!r} exceeds its {slots} provider slot(s)",
                    n=taken[c.order],
                    order=c.order,
                    slots=slots,
                ),
            )


def _check_given_lists(problem: Problem, community_ids: set[str]) -> Iterator[tuple[Location, str, str]]:
    """The researcher's pairs and travel minutes against the lists they name; each listed once."""
    need_ids, resource_ids = {n.id for n in problem.needs}, {r.id for r in problem.resources}
    seen: set[tuple[str, str]] = set()
    for i, p in enumerate(problem.pairs):
        if p.need not in need_ids:
            yield Location("pairs", i), "need", Text("unknown need {need!r}", need=p.need)
        if p.resource not in resource_ids:
            yield Location("pairs", i), "resource", Text("unknown resource {resource!r}", resource=p.resource)
        if (p.need, p.resource) in seen:
            message = Text("pair {need!r} -> {resource!r} listed twice", need=p.need, resource=p.resource)
            yield Location("pairs", i), "resource", message
        seen.add((p.need, p.resource))
    seen.clear()
    for i, t in enumerate(problem.travel):
        for name in ("origin", "destination"):
            if getattr(t, name) not in community_ids:
                yield Location("travel", i), name, Text("unknown community {community!r}", community=getattr(t, name))
        if (t.origin, t.destination) in seen:
            message = Text("{origin!r} -> {destination!r} listed twice", origin=t.origin, destination=t.destination)
            yield Location("travel", i), "destination", message
        seen.add((t.origin, t.destination))


#: The record kind of each list of a problem, by list name.
LIST_KINDS: dict[str, type[Record]] = {
    "communities": Community,
    "needs": Need,
    "resources": Resource,
    "projects": Project,
    "pairings": Pairing,
    "orders": Order,
    "claims": Claim,
    "venues": Venue,
    "budgets": Budget,
    "visits": Visit,
    "pairs": GivenPair,
    "travel": TravelTime,
}


def records_of(lists: Mapping[str, Sequence[Record]], name: str, kind: type[R]) -> tuple[R, ...]:
    """List ``name`` of ``lists`` (empty when absent) as records of ``kind``; TypeError if one is not."""
    records = lists.get(name, ())
    typed = tuple(r for r in records if isinstance(r, kind))
    if len(typed) != len(records):
        raise TypeError(f"list {name} holds records that are not {kind.__name__}")
    return typed


def _record_label(problem: Problem, loc: Location) -> str:
    record = problem.record(loc)
    key = getattr(record, "id", None) or "->".join(str(getattr(record, f.name)) for f in fields(record)[:2])
    return f"record {loc.index + 1} ({key})"


def _index(values: Sequence[str]) -> dict[str, int]:
    return {v: i for i, v in enumerate(values)}


def _skill_words(skill_sets: Sequence[frozenset[str]], vocabulary: dict[str, int]) -> np.ndarray:
    """Skill sets as rows of 64-bit words, one bit per skill of the problem's vocabulary."""
    words = max(1, (len(vocabulary) + 63) // 64)
    out = np.zeros((len(skill_sets), words), dtype=np.uint64)
    rows, bits = [], []
    for i, skills in enumerate(skill_sets):
        for s in skills:
            rows.append(i)
            bits.append(vocabulary[s])
    if rows:
        r = np.asarray(rows)
        b = np.asarray(bits, dtype=np.uint64)
        np.bitwise_or.at(out, (r, (b // 64).astype(np.int64)), np.left_shift(np.uint64(1), b % np.uint64(64)))
    return out


def _mask(members: frozenset, order: list) -> int:
    return sum(1 << order.index(m) for m in members)


def _row_codes(columns: Sequence[np.ndarray]) -> np.ndarray:
    """Equal rows of ``columns`` as equal codes: one int64 per row when the columns' distinct
    values multiply to less than 2**62 (mixed radix over each column's value codes), else the
    columns' codes side by side."""
    codes, radix = [], []
    for column in columns:
        values, code = np.unique(column, return_inverse=True)
        codes.append(code.ravel().astype(np.int64))
        radix.append(max(1, len(values)))
    if math.prod(radix) >= 2**62:
        return np.column_stack(codes)
    packed = np.zeros(len(codes[0]) if codes else 0, dtype=np.int64)
    for code, base in zip(codes, radix, strict=True):
        packed *= base
        packed += code
    return packed[:, None]


def _classes(columns: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Rows equal in every column as classes: (class of each row, first row of each class),
    classes numbered in order of their first row."""
    _, first, classes = np.unique(_row_codes(columns), axis=0, return_index=True, return_inverse=True)
    renumber = np.empty(len(first), dtype=np.int64)
    renumber[np.argsort(first, kind="stable")] = np.arange(len(first))
    return renumber[classes.ravel()], np.sort(first)


def _resource_columns(
    resources: Sequence[Resource], cidx: dict[str, int], skills: dict[str, int], gidx: dict[str, int]
) -> dict[str, np.ndarray]:
    """The resource columns of :class:`ProblemArrays`."""
    return dict(
        resource_community=np.array([cidx[r.community] for r in resources], dtype=np.int32),
        resource_categories=np.array([_mask(r.categories, CATEGORIES) for r in resources], dtype=np.uint8),
        resource_skills=_skill_words([r.skills for r in resources], skills),
        resource_capacity_minutes=np.array(
            [round(r.capacity_hours * MINUTES_PER_HOUR) for r in resources], dtype=np.int64
        ),
        resource_capacity_tasks=np.array([r.capacity_tasks for r in resources], dtype=np.int64),
        resource_radius=np.array([r.radius_minutes for r in resources], dtype=np.float32),
        resource_slots=np.array([_mask(r.availability, SLOTS) for r in resources], dtype=np.uint8),
        resource_response=np.array([r.response_minutes for r in resources], dtype=np.float32),
        resource_factor=np.array([r.hours_factor for r in resources], dtype=np.float32),
        resource_level=np.array([LEVELS.index(r.level) for r in resources], dtype=np.int8),
        resource_group=np.array([gidx.get(r.pairing_group, -1) for r in resources], dtype=np.int32),
    )


def _pairing_columns(
    pairings: Sequence[Pairing], gidx: dict[str, int], cidx: dict[str, int]
) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int, int]]]:
    """Which unit groups are paired (结对) with which communities, which declare it hard, and the
    minimums served of hard pairings."""
    paired = np.zeros((len(gidx), len(cidx)), dtype=bool)
    declared_hard = np.zeros(len(gidx), dtype=bool)
    minimums = []
    for p in pairings:
        g, c = gidx[p.group], cidx[p.community]
        paired[g, c] = True
        declared_hard[g] |= p.mode is PairingMode.HARD
        if p.min_served:
            minimums.append((g, c, p.min_served))
    return paired, declared_hard, minimums


def need_columns(
    needs: Sequence[Need], community_index: dict[str, int], skill_index: dict[str, int]
) -> dict[str, np.ndarray]:
    """The need columns of :class:`ProblemArrays` for ``needs`` (skills outside the vocabulary are
    dropped: the caller checks them, as no resource offers them)."""
    all_slots = _mask(frozenset(SLOTS), SLOTS)
    cat_index = {c: i for i, c in enumerate(CATEGORIES)}
    known = [frozenset(s for s in n.skills if s in skill_index) for n in needs]
    return {
        "need_community": np.array([community_index[n.community] for n in needs], dtype=np.int32),
        "need_category": np.array([cat_index[n.category] for n in needs], dtype=np.int8),
        "need_tier": np.array([TIERS.index(n.tier) for n in needs], dtype=np.int8),
        "need_urgency": np.array([URGENCIES.index(n.urgency) for n in needs], dtype=np.int8),
        "need_deadline": np.array([n.urgency.deadline_minutes for n in needs], dtype=np.float64),
        "need_skills": _skill_words(known, skill_index),
        "need_minutes": np.array([round(n.hours * MINUTES_PER_HOUR) for n in needs], dtype=np.int64),
        "need_providers": np.array([n.providers for n in needs], dtype=np.int32),
        "need_required": np.array([n.required for n in needs], dtype=bool),
        "need_slots": np.array(
            [all_slots if n.slot is None else 1 << SLOTS.index(n.slot) for n in needs], dtype=np.uint8
        ),
    }


@dataclass(frozen=True)
class ProblemArrays:
    """Column arrays of the problem: one row per community, need and resource.

    Loads are whole minutes; masks are bit sets over the enums' order in :mod:`problem`.
    """

    community_ids: list[str]
    need_ids: list[str]
    resource_ids: list[str]
    travel: Travel  # minutes between communities, on demand (no C x C matrix)
    community_street: np.ndarray  # int32 index into streets
    community_district: np.ndarray
    need_community: np.ndarray  # int32
    need_category: np.ndarray  # int8
    need_tier: np.ndarray  # int8
    need_urgency: np.ndarray  # int8
    need_deadline: np.ndarray  # float64 minutes allowed by the urgency level (30 min ... 15 d)
    need_skills: np.ndarray  # (N, W) uint64
    need_minutes: np.ndarray  # int64 effort in minutes
    need_providers: np.ndarray  # int32
    need_slots: np.ndarray  # uint8 mask of acceptable slots
    need_required: np.ndarray  # bool: served in every feasible plan (必须服务)
    resource_community: np.ndarray  # int32 home community
    resource_categories: np.ndarray  # uint8 mask
    resource_skills: np.ndarray  # (R, W) uint64
    resource_capacity_minutes: np.ndarray  # int64
    resource_capacity_tasks: np.ndarray  # int64
    resource_radius: np.ndarray  # float32
    resource_slots: np.ndarray  # uint8 mask
    resource_response: np.ndarray  # float32 minutes before setting off
    resource_factor: np.ndarray  # float32 effort factor
    resource_level: np.ndarray  # int8
    resource_group: np.ndarray  # int32 unit group, -1 for none
    group_ids: list[str]
    paired: np.ndarray  # (G, C) bool: unit group g is paired (结对) with community c
    group_declared_hard: np.ndarray  # (G,) bool: the scenario declares g's pairings hard
    pairing_minimums: list[tuple[int, int, int]]  # (group, community, min_served), when hard
    skill_ids: list[str] = field(default_factory=list)  # the skill vocabulary behind the bit words

    @classmethod
    def compile(cls, problem: Problem) -> ProblemArrays:
        communities = problem.communities
        cidx = _index([c.id for c in communities])
        streets = _index(sorted({c.street for c in communities}))
        districts = _index(sorted({c.district for c in communities}))
        skills = _index(
            sorted({s for n in problem.needs for s in n.skills} | {s for r in problem.resources for s in r.skills})
        )
        groups = sorted({r.pairing_group for r in problem.resources if r.pairing_group})
        gidx = _index(groups)
        paired, declared_hard, minimums = _pairing_columns(problem.pairings, gidx, cidx)
        return cls(
            community_ids=list(cidx),
            need_ids=[n.id for n in problem.needs],
            resource_ids=[r.id for r in problem.resources],
            travel=Travel.of(communities, problem.settings, problem.travel),
            community_street=np.array([streets[c.street] for c in communities], dtype=np.int32),
            community_district=np.array([districts[c.district] for c in communities], dtype=np.int32),
            **need_columns(problem.needs, cidx, skills),
            **_resource_columns(problem.resources, cidx, skills, gidx),
            group_ids=groups,
            paired=paired,
            group_declared_hard=declared_hard,
            pairing_minimums=minimums,
            skill_ids=list(skills),
        )

    @cached_property
    def need_classes(self) -> tuple[np.ndarray, np.ndarray]:
        """Identical needs, for matching: same community, category, skills, urgency, tier, slot,
        minutes, providers and required flag, hence the same candidate pairs with the same values and loads.

        Returns (class of each need, first need of each class); classes are numbered in order of
        their first need.
        """
        columns = [
            self.need_community,
            self.need_category,
            self.need_tier,
            self.need_urgency,
            self.need_slots,
            self.need_minutes,
            self.need_providers,
            self.need_required,
            *self.need_skills.T,
        ]
        return _classes(columns)

    @cached_property
    def resource_classes(self) -> tuple[np.ndarray, np.ndarray]:
        """Identical resources but for their capacity: same community, categories, skills, radius,
        slots, response, hours factor, level and unit group, hence the same candidate pairs with
        the same values and loads.

        Returns (class of each resource, first resource of each class), numbered as in
        :attr:`need_classes`.
        """
        columns = [
            self.resource_community,
            self.resource_categories,
            self.resource_radius,
            self.resource_slots,
            self.resource_response,
            self.resource_factor,
            self.resource_level,
            self.resource_group,
            *self.resource_skills.T,
        ]
        return _classes(columns)

    @property
    def n_needs(self) -> int:
        return len(self.need_ids)

    @property
    def n_resources(self) -> int:
        return len(self.resource_ids)

    @property
    def n_communities(self) -> int:
        return len(self.community_ids)
