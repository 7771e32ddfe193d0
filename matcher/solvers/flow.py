"""Exact matching by OR-Tools min-cost flow (SimpleMinCostFlow).

Network: source -> need (capacity 1) -> resource (capacity 1, cost = -value) -> sink (capacity
= tasks the resource can take), plus a source -> sink bypass so needs may stay unserved. The
minimum-cost flow of one unit per need is then the maximum-value assignment.

The solve itself runs on a smaller, equivalent network (:mod:`matcher.solvers.hubs`): identical
needs are one supply, classes with the same candidate list meet at one hub, and identical
resources (but for capacity) are one node with their capacities summed; the served units are
handed back to the classes' needs and the resources' members in order, one pair per need.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from ortools.graph.python import min_cost_flow

from matcher.candidates import Candidates, expand_blocks
from matcher.errors import MatcherError, SolverUnsuitableError
from matcher.i18n import Text
from matcher.policy import Policy
from matcher.problem import Problem, ProblemArrays
from matcher.solution import Solution, Status
from matcher.solvers.base import effective_task_capacity, side_constraints
from matcher.solvers.hubs import Hubs, find_hubs, hub_network, split_units
from matcher.solvers.priority import priority_bonus, with_bonus


def flow_arrays(
    n_needs: int, n_resources: int, need: np.ndarray, resource: np.ndarray, value: np.ndarray, capacity: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Arc arrays (tails, heads, capacities, costs) and node supplies of the per-need network.

    The first ``len(need)`` arcs are the candidate pairs, in order. Returns also the arc count
    of the network.
    """
    source, sink = n_needs + n_resources, n_needs + n_resources + 1
    active = np.flatnonzero(np.bincount(need, minlength=n_needs))
    used = np.flatnonzero(np.bincount(resource, minlength=n_resources))
    k = len(need)
    tails = np.concatenate([need, np.full(len(active), source), n_needs + used, [source]])
    heads = np.concatenate([n_needs + resource, active, np.full(len(used), sink), [sink]])
    caps = np.concatenate([np.ones(k, np.int64), np.ones(len(active), np.int64), capacity[used], [len(active)]])
    costs = np.concatenate([-value, np.zeros(len(active) + len(used) + 1, np.int64)])
    supplies = np.zeros(n_needs + n_resources + 2, dtype=np.int64)
    supplies[source], supplies[sink] = len(active), -len(active)
    return tails.astype(np.int32), heads.astype(np.int32), caps, costs.astype(np.int64), supplies, len(tails)


def solve_min_cost_flow(
    tails: np.ndarray, heads: np.ndarray, caps: np.ndarray, costs: np.ndarray, supplies: np.ndarray
) -> tuple[int, np.ndarray]:
    """One OR-Tools min-cost-flow call; returns (optimal cost, flow on every arc)."""
    smcf = min_cost_flow.SimpleMinCostFlow()
    arcs = smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    smcf.set_nodes_supplies(np.arange(len(supplies)), supplies)
    status = smcf.solve()
    if status != smcf.OPTIMAL:
        raise MatcherError(f"min-cost flow ended with status {status}")
    return smcf.optimal_cost(), smcf.flows(arcs)


@dataclass(frozen=True)
class ClassNetwork:
    """The hub network of a problem's candidates, and what splitting its flow back needs."""

    arcs: tuple[np.ndarray, ...]  # tails, heads, capacities, costs, supplies
    hubs: Hubs
    pair: np.ndarray  # per hub arc, the pair of its lead class
    classes: np.ndarray  # class of each need
    kinds: np.ndarray  # class of each resource
    capacity: np.ndarray  # tasks per resource
    offsets: np.ndarray  # candidate rows of each need
    klass: np.ndarray  # the candidate lists, class by class: class ...
    resource: np.ndarray  # ... and resource
    kept: np.ndarray  # the pairs in the network (one per run of identical resources), indices of the above

    @classmethod
    def build(cls, a: ProblemArrays, candidates: Candidates, capacity: np.ndarray) -> ClassNetwork:
        """Identical needs as one supply meeting at hubs; identical resources as one node."""
        classes, first = a.need_classes
        kinds, leads = a.resource_classes
        offsets = candidates.need_offsets(a.n_needs)
        if candidates.listed or not _classes_hold(candidates, offsets, classes, first, kinds):
            # listed pairs (a scenario's own), or the caller changed some pairs' values (a re-plan's
            # bonus for kept assignments): solve the per-need network, every need and resource its own class
            classes, first = np.arange(a.n_needs), np.arange(a.n_needs)
            kinds, leads = np.arange(a.n_resources), np.arange(a.n_resources)
        klass, rows = expand_blocks(offsets[first], offsets[first + 1] - offsets[first])
        resource = candidates.resource[rows]
        # Identical resources stand side by side in a list (they share their reach profile) and
        # have equal pairs: one pair per run. Were they ever apart, a kind would just get two arcs.
        kind = kinds.astype(np.int32)[resource]
        new = np.ones(len(kind), dtype=bool)
        new[1:] = (klass[1:] != klass[:-1]) | (kind[1:] != kind[:-1])
        kept = np.flatnonzero(new)
        del new
        hubs = find_hubs(klass[kept], kind[kept], candidates.value[rows[kept]], len(first))
        kind_capacity = np.bincount(kinds, weights=capacity, minlength=len(leads)).astype(np.int64)
        *arcs, pair = hub_network(hubs, np.bincount(classes, minlength=len(first)), kind_capacity, len(leads))
        return cls(tuple(arcs), hubs, pair, classes, kinds, capacity, offsets, klass, resource, kept)

    def chosen_rows(self, flows: np.ndarray) -> np.ndarray:
        """The candidate rows of an optimal flow: one per served need."""
        hubs, n_kinds = self.hubs, int(self.kinds.max(initial=-1)) + 1
        unit_class, position = split_units(hubs, self.pair, flows)
        through = self.kept[hubs.start[unit_class] + position]  # the network's pair each unit took
        unit_resource = _members(self.kinds, n_kinds, self.capacity, self.kinds[self.resource[through]])
        size = np.bincount(self.classes, minlength=len(hubs.hub))
        count = np.bincount(self.klass, minlength=len(size))
        position = through - (np.cumsum(count) - count)[unit_class]
        moved = np.flatnonzero(self.resource[through] != unit_resource)
        position[moved] = self._position_of(unit_class[moved], unit_resource[moved], count)
        return _rows_of_needs(self.classes, size, self.offsets, unit_class, position)

    def _position_of(self, unit_class: np.ndarray, unit_resource: np.ndarray, count: np.ndarray) -> np.ndarray:
        """Where each resource stands in its class's candidate list (among the resources that
        have identical twins: the only ones a unit can move to)."""
        twinned = np.bincount(self.kinds)[self.kinds] > 1
        shared = np.flatnonzero(twinned[self.resource])
        n = len(self.kinds)
        key = self.klass[shared].astype(np.int64) * n + self.resource[shared]
        order = np.argsort(key, kind="stable")
        want = unit_class.astype(np.int64) * n + unit_resource
        at = np.minimum(np.searchsorted(key[order], want), max(len(order) - 1, 0))
        if len(want) and (len(order) == 0 or not np.array_equal(key[order][at], want)):
            raise MatcherError("min-cost flow: a unit went to a resource that is not its need's candidate")
        return shared[order[at]] - (np.cumsum(count) - count)[unit_class] if len(want) else want


def _classes_hold(
    candidates: Candidates, offsets: np.ndarray, classes: np.ndarray, first: np.ndarray, kinds: np.ndarray
) -> bool:
    """Do the candidates treat identical needs and identical resources alike, as the class network
    assumes? Each need's pairs equal its class lead's, and twin resources have equal pairs."""
    counts = np.diff(offsets)
    lead = first[classes]
    if not np.array_equal(counts, counts[lead]):
        return False
    rows = np.arange(len(candidates))
    need = candidates.need
    twin_row = offsets[lead[need]] + (rows - offsets[need])
    for column in (candidates.resource, candidates.value, candidates.load):
        if not np.array_equal(column, column[twin_row]):
            return False
    same_kind = np.flatnonzero(
        (need[1:] == need[:-1]) & (kinds[candidates.resource[1:]] == kinds[candidates.resource[:-1]])
    )
    return bool(
        np.array_equal(candidates.value[same_kind], candidates.value[same_kind + 1])
        and np.array_equal(candidates.load[same_kind], candidates.load[same_kind + 1])
    )


def solve_flow(problem: Problem, candidates: Candidates, policy: Policy) -> Solution:
    """The exact optimum by min-cost flow over the class network; refuses problems flow cannot
    express."""
    capacity, uneven = effective_task_capacity(problem.arrays, candidates)
    unsuitable = side_constraints(problem, candidates, policy, uneven)
    if unsuitable:
        raise SolverUnsuitableError(Text("the flow solver cannot express: {reasons} (use cpsat)", reasons=unsuitable))
    if len(candidates) == 0:
        return Solution(np.zeros(0, dtype=np.int64), 0, 0, Status.OPTIMAL)
    network = ClassNetwork.build(problem.arrays, candidates, capacity)
    cost, flows = solve_min_cost_flow(*network.arcs)
    return Solution(network.chosen_rows(flows), -cost, -cost, Status.OPTIMAL)


def _members(kinds: np.ndarray, n_kinds: int, capacity: np.ndarray, unit_kind: np.ndarray) -> np.ndarray:
    """The resource serving each unit sent to a class of identical resources: the class's
    members in order, each up to its capacity (the class's capacity is their sum)."""
    members = np.argsort(kinds, kind="stable")
    filled = np.cumsum(capacity[members])
    before = np.concatenate(([0], filled))[np.searchsorted(kinds[members], np.arange(n_kinds))]
    order = np.argsort(unit_kind, kind="stable")
    per_kind = np.bincount(unit_kind, minlength=n_kinds)
    rank = np.empty(len(unit_kind), dtype=np.int64)
    rank[order] = np.arange(len(unit_kind)) - (np.cumsum(per_kind) - per_kind)[unit_kind[order]]
    return members[np.searchsorted(filled, before[unit_kind] + rank, side="right")]


def _rows_of_needs(
    classes: np.ndarray, size: np.ndarray, offsets: np.ndarray, unit_class: np.ndarray, position: np.ndarray
) -> np.ndarray:
    """The candidate rows chosen when each class's served units go to its needs in order: a
    member need's row is its own offset plus the unit's position in the class's list."""
    order = np.argsort(unit_class, kind="stable")
    unit_class, position = unit_class[order], position[order]
    per_class = np.bincount(unit_class, minlength=len(size))
    rank = np.arange(len(unit_class)) - (np.cumsum(per_class) - per_class)[unit_class]
    members = np.argsort(classes, kind="stable")
    need = members[(np.cumsum(size) - size)[unit_class] + rank]
    return np.sort(offsets[need] + position)


def flow_with_priority(problem: Problem, candidates: Candidates, policy: Policy) -> Solution:
    """Min-cost flow with the priority levels served first (dominating weights), its objective
    reported without the bonus."""
    bonus = priority_bonus(problem, candidates, policy)
    if bonus is None:
        raise SolverUnsuitableError(
            f"serving {', '.join(policy.priority_urgencies)} first needs weights too large for flow; use the mip solver"
        )
    if not bonus.any():
        return solve_flow(problem, candidates, policy)
    # the bonus carries the priority now: flow checks the boosted values under a policy without it
    found = solve_flow(problem, with_bonus(candidates, bonus), replace(policy, priority_urgencies=()))
    value = int(candidates.value[found.chosen].sum())
    return replace(found, objective=value, bound=value)
