"""Recommend, then accept (推荐, 派单): the top k resources for one arriving need, without a re-solve.

For each resource that may serve the need (its candidate pairs, by the core's rules):

1. it has room (a task and the minutes the need takes): the need simply joins it; the objective
   gains the pair's value and nothing else moves;
2. it is full: it gives up one of its unpublished assignments (an ejection chain of length one):
   the displaced need moves to its best other resource that has room, or waits unserved when none
   has; the objective changes by the new pair's value minus what the displaced need loses, and one
   other assignment moves.

Published (pinned) assignments are never displaced. Options are ranked by their merit — the change
in the objective less the policy's ``move_cost`` per assignment moved — then by the earlier
arrival. Escalation (吹哨报到): the need is offered to the resources of its community level first;
when none of them can serve it in time, to the street's resources (after the street's routing
minutes), then the district's; each step is recorded.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from matcher.candidates import VALUE_SCALE
from matcher.dispatch.ledger import Ledger, Placement, Step
from matcher.dispatch.pairs import NeedPairs, need_pairs
from matcher.errors import FieldError
from matcher.i18n import Text
from matcher.problem import LEVELS
from matcher.solvers.escalation import EscalationRules
from matcher.vocabulary import Level

DEFAULT_K = 5


@dataclass(frozen=True)
class Move:
    """An assignment an option displaces: the need leaves ``source`` for ``target`` (None: it waits)."""

    need: int
    source: int
    target: Placement | None


@dataclass(frozen=True)
class Option:
    """One way to serve the new need: the resource, when it arrives, what the plan gains. A need
    of several providers is served by a set: ``placement`` and the ``others``."""

    placement: Placement
    level: Level
    delta: int  # scaled change in the plan's objective
    moves: tuple[Move, ...]
    others: tuple[Placement, ...] = ()

    @property
    def moved(self) -> int:
        return len(self.moves)

    @property
    def placements(self) -> tuple[Placement, ...]:
        return (self.placement, *self.others)

    @property
    def arrival(self) -> float:
        """When the need is served: its last provider's arrival."""
        return max(p.arrival for p in self.placements)


@dataclass(frozen=True)
class Recommendation:
    """The options for one need, best first, and the escalation route that found them."""

    need: int
    deadline: float
    options: tuple[Option, ...]
    route: tuple[Step, ...]

    def to_rows(self, ledger: Ledger) -> list[dict[str, Any]]:
        """One row per option, in the words a dispatcher reads."""
        ids = ledger.arrays.resource_ids
        rows = []
        for rank, o in enumerate(self.options, 1):
            rows.append(
                {
                    "rank": rank,
                    "resource": ids[o.placement.resource],
                    "resources": [ids[p.resource] for p in o.placements],
                    "level": o.level.value,
                    "arrival_minutes": round(o.arrival, 1),
                    "deadline_minutes": self.deadline,
                    "on_time": o.arrival <= self.deadline,
                    "objective_change": o.delta / VALUE_SCALE,
                    "moved": o.moved,
                    "moves": [
                        {
                            "need": ledger.needs[m.need].id,
                            "from": ids[m.source],
                            "to": ids[m.target.resource] if m.target else None,
                        }
                        for m in o.moves
                    ],
                }
            )
        return rows


def _room(ledger: Ledger, resources: np.ndarray, loads: np.ndarray, exclude: int = -1) -> np.ndarray:
    return (ledger.tasks_left[resources] >= 1) & (ledger.minutes_left[resources] >= loads) & (resources != exclude)


def best_elsewhere(ledger: Ledger, need: int, source: int) -> Placement | None:
    """The best other resource with room for one-provider ``need`` when it leaves ``source``."""
    pairs = ledger.pairs[need]
    if pairs is None or not len(pairs):
        return None
    ok = _room(ledger, pairs.resource, pairs.load, source)
    if not ok.any():
        return None
    i = int(np.flatnonzero(ok)[np.argmax(pairs.value[ok])])
    return Placement(int(pairs.resource[i]), int(pairs.value[i]), int(pairs.load[i]), float(pairs.arrival[i]))


def _ejectable(ledger: Ledger, r: int) -> list[int]:
    """Needs on ``r`` that may give way: unpublished, of one provider."""
    return [m for m in sorted(ledger.holders[r]) if m not in ledger.pinned and ledger.providers(m) == 1]


def _move_penalty(ledger: Ledger) -> int:
    """The policy's move cost, scaled: what ranking charges an option per assignment it moves."""
    return round(ledger.policy.move_cost * VALUE_SCALE)


def _bound(ledger: Ledger, placement: Placement) -> int | None:
    """An upper bound on the merit (objective change less the move cost) of putting the need on
    ``placement.resource``: exact when it has room; None when no need there may give way."""
    r = placement.resource
    if ledger.tasks_left[r] >= 1 and ledger.minutes_left[r] >= placement.load:
        return placement.value
    losses = [
        ledger.placed[m][0].value - ledger.top_value(m)
        for m in _ejectable(ledger, r)
        if ledger.minutes_left[r] + ledger.placed[m][0].load >= placement.load
    ]
    return placement.value - min(losses) - _move_penalty(ledger) if losses else None


def _option(ledger: Ledger, placement: Placement, level: Level) -> Option | None:
    """The best way to put the new need on ``placement.resource``: directly, or by displacing one."""
    r = placement.resource
    if ledger.tasks_left[r] >= 1 and ledger.minutes_left[r] >= placement.load:
        return Option(placement, level, placement.value, ())
    best: Option | None = None
    for m in _ejectable(ledger, r):
        own = ledger.placed[m][0]
        if ledger.minutes_left[r] + own.load < placement.load:
            continue
        target = best_elsewhere(ledger, m, r)
        delta = placement.value - own.value + (target.value if target else 0)
        if best is None or delta > best.delta:
            best = Option(placement, level, delta, (Move(m, r, target),))
    return best


def _key(o: Option, penalty: int) -> tuple[int, float, int]:
    """Best first: the larger merit (objective change less ``penalty`` per move), then the earlier
    arrival, then the resource index."""
    return (-(o.delta - penalty * o.moved), o.placement.arrival, o.placement.resource)


def options_for(ledger: Ledger, pairs: NeedPairs, level: Level, k: int) -> list[Option]:
    """The ``k`` best options, best first by merit: the objective change less the policy's move
    cost per assignment moved, so of equally good options the one that moves nothing comes first.
    Resources are tried in the order of an upper bound on their merit; the search stops once k
    options beat every bound left."""
    penalty = _move_penalty(ledger)
    bounded = []
    for i in range(len(pairs)):
        placement = Placement(int(pairs.resource[i]), int(pairs.value[i]), int(pairs.load[i]), float(pairs.arrival[i]))
        bound = _bound(ledger, placement)
        if bound is not None:
            bounded.append((bound, placement))
    bounded.sort(key=lambda b: (-b[0], b[1].arrival, b[1].resource))
    found: list[Option] = []
    for bound, placement in bounded:
        if len(found) >= k and _key(found[k - 1], penalty) <= (-bound, placement.arrival, placement.resource):
            break
        option = _option(ledger, placement, level)
        if option is not None:
            found.append(option)
            found.sort(key=lambda o: _key(o, penalty))
    return found[:k]


def _placement(pairs: NeedPairs, i: int) -> Placement:
    return Placement(int(pairs.resource[i]), int(pairs.value[i]), int(pairs.load[i]), float(pairs.arrival[i]))


def set_options(ledger: Ledger, pairs: NeedPairs, level: Level, k: int, providers: int) -> list[Option]:
    """The ``k`` best sets of ``providers`` distinct resources for a need of several providers,
    among the resources that have room now (a set moves nothing: displacing several needs at once
    is left to a re-plan). Best first: the larger summed value, then the earlier last arrival (the
    need is served when its last provider arrives), then the resource indices.

    Sets come out of a best-first walk over index tuples of the members sorted by value (each step
    moves one member to the next resource), in non-increasing order of summed value; the walk goes
    on past the k-th set while sets tie with it, so ties are ranked by arrival exactly."""
    members = [_placement(pairs, i) for i in range(len(pairs)) if ledger.fits(_placement(pairs, i))]
    members.sort(key=lambda x: (-x.value, x.arrival, x.resource))
    if len(members) < providers:
        return []

    def total(t: tuple[int, ...]) -> int:
        return sum(members[i].value for i in t)

    first = tuple(range(providers))
    heap, seen = [(-total(first), first)], {first}
    found: list[tuple[int, ...]] = []
    while heap and (len(found) < k or -heap[0][0] == total(found[k - 1])):
        _, t = heapq.heappop(heap)
        found.append(t)
        for j in range(providers):
            limit = t[j + 1] if j + 1 < providers else len(members)
            if t[j] + 1 < limit:
                nxt = (*t[:j], t[j] + 1, *t[j + 1 :])
                if nxt not in seen:
                    seen.add(nxt)
                    heapq.heappush(heap, (-total(nxt), nxt))
    options = [Option(members[t[0]], level, total(t), (), tuple(members[i] for i in t[1:])) for t in found]
    options.sort(key=lambda o: (-o.delta, o.arrival, sorted(x.resource for x in o.placements)))
    return options[:k]


def _check_open(ledger: Ledger, need_id: str) -> int:
    n = ledger.need_index(need_id)
    if n in ledger.placed:
        raise FieldError("need", Text("need {need_id!r} is already assigned", need_id=need_id))
    return n


def _levels(ledger: Ledger, n: int, rules: EscalationRules) -> Iterator[tuple[Level, NeedPairs, float]]:
    """The levels need ``n`` may be offered to, lowest first, with its pairs there and the routing
    minutes; a level whose routing alone misses the deadline (and every level above) is skipped."""
    need = ledger.needs[n]
    for level in LEVELS:
        delay = rules.delay(level)
        if level is not Level.COMMUNITY and ledger.policy.enforce_deadlines and delay >= need.urgency.deadline_minutes:
            return
        yield level, need_pairs(ledger.arrays, need, ledger.policy, level, delay), delay


def recommend(ledger: Ledger, need_id: str, k: int = DEFAULT_K, rules: EscalationRules | None = None) -> Recommendation:
    """The top ``k`` options for an arrived, unplaced need, escalating level by level; the route
    is recorded on the ledger."""
    if k < 1:
        raise FieldError("k", Text("must be at least 1, got {value!r}", value=k))
    n = _check_open(ledger, need_id)
    need = ledger.needs[n]
    community = next(c for c in ledger.problem.communities if c.id == need.community)
    nodes = {Level.COMMUNITY: community.id, Level.STREET: community.street, Level.DISTRICT: community.district}
    route: list[Step] = []
    options: list[Option] = []
    for level, pairs, delay in _levels(ledger, n, rules or EscalationRules()):
        started = time.perf_counter()
        p = ledger.providers(n)
        options = options_for(ledger, pairs, level, k) if p == 1 else set_options(ledger, pairs, level, k, p)
        route.append(
            Step(
                level.value,
                nodes[level],
                delay,
                len(pairs),
                len(options),
                round((time.perf_counter() - started) * 1000, 2),
            )
        )
        if options:
            ledger.pairs[n] = pairs
            break
    ledger.routes[n] = route
    return Recommendation(n, float(need.urgency.deadline_minutes), tuple(options), tuple(route))


def accept(
    ledger: Ledger, need_id: str, resource_ids: str | Sequence[str], at: float, rules: EscalationRules | None = None
) -> Option:
    """Publish need -> resource (派单), or need -> a set of resources for a need of several
    providers: the option re-evaluated on the ledger as it is now, at the lowest level that offers
    the resources, applied and pinned."""
    n = _check_open(ledger, need_id)
    ids = [resource_ids] if isinstance(resource_ids, str) else list(resource_ids)
    p = ledger.providers(n)
    if len(ids) != p or len(set(ids)) != p:
        raise FieldError(
            "resources" if p > 1 else "resource",
            Text("need {need!r} takes {n} distinct provider(s), got {ids}", need=need_id, n=p, ids=ids),
        )
    wanted = [ledger.resource_index(r) for r in ids]
    for level, pairs, _ in _levels(ledger, n, rules or EscalationRules()):
        option = _option_at(ledger, pairs, level, wanted)
        if option is not None:
            ledger.pairs[n] = pairs
            apply(ledger, n, option, at)
            ledger.pin(n)
            return option
    raise FieldError(
        "resources" if p > 1 else "resource",
        Text(
            "{resources} cannot serve need {need!r} now (not a candidate in time, or full of published work)",
            resources=", ".join(map(repr, ids)),
            need=need_id,
        ),
    )


def _option_at(ledger: Ledger, pairs: NeedPairs, level: Level, wanted: list[int]) -> Option | None:
    """The option that puts the need on the ``wanted`` resources at this level, or None: one
    resource as in a recommendation (directly, or displacing one need); a set only when every
    member has room (nothing moves)."""
    rows = [np.flatnonzero(pairs.resource == r) for r in wanted]
    if any(len(row) == 0 for row in rows):
        return None
    placements = [_placement(pairs, int(row[0])) for row in rows]
    if len(placements) == 1:
        return _option(ledger, placements[0], level)
    if not all(ledger.fits(x) for x in placements):
        return None
    return Option(placements[0], level, sum(x.value for x in placements), (), tuple(placements[1:]))


def apply(ledger: Ledger, n: int, option: Option, at: float) -> None:
    """Carry an option out on the ledger: displaced needs first, then the new need."""
    for move in option.moves:
        ledger.remove(move.need)
        if move.target is not None:
            ledger.place(move.need, move.target, at)
    for placement in option.placements:
        ledger.place(n, placement, at)
