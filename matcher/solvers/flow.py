"""Exact matching by OR-Tools min-cost flow (SimpleMinCostFlow).

Network: source -> need (capacity 1) -> resource (capacity 1, cost = -value) -> sink (capacity
= tasks the resource can take), plus a source -> sink bypass so needs may stay unserved. The
minimum-cost flow of one unit per need is then the maximum-value assignment.

The solve itself runs on a smaller, equivalent network (:mod:`matcher.solvers.hubs`): identical
needs are one supply, and classes with the same candidate list meet at one hub; the served
units are handed back to the classes' needs in order, one candidate pair per need.
"""

from __future__ import annotations

import numpy as np
from ortools.graph.python import min_cost_flow

from matcher.candidates import Candidates, expand_blocks
from matcher.errors import MatcherError, SolverUnsuitableError
from matcher.policy import Policy
from matcher.problem import Problem
from matcher.solvers.base import Solution, effective_task_capacity, side_constraints
from matcher.solvers.hubs import find_hubs, hub_network, split_units


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


def solve_flow(problem: Problem, candidates: Candidates, policy: Policy) -> Solution:
    """The exact optimum by min-cost flow over hubs of identical needs; refuses problems flow
    cannot express."""
    capacity, uneven = effective_task_capacity(problem, candidates)
    unsuitable = side_constraints(problem, candidates, policy, uneven)
    if unsuitable:
        raise SolverUnsuitableError("the flow solver cannot express: " + "; ".join(unsuitable) + " (use cpsat)")
    a = problem.arrays
    if len(candidates) == 0:
        return Solution(np.zeros(0, dtype=np.int64), 0, 0, "optimal")
    classes, first = a.need_classes
    size = np.bincount(classes, minlength=len(first))
    offsets = candidates.need_offsets(a.n_needs)
    klass, rows = expand_blocks(offsets[first], offsets[first + 1] - offsets[first])
    hubs = find_hubs(klass, candidates.resource[rows], candidates.value[rows], len(first))
    *network, pair = hub_network(hubs, size, capacity, a.n_resources)
    cost, flows = solve_min_cost_flow(*network)
    unit_class, position = split_units(hubs, pair, flows)
    return Solution(_rows_of_needs(classes, size, offsets, unit_class, position), -cost, -cost, "optimal")


def _rows_of_needs(classes: np.ndarray, size: np.ndarray, offsets: np.ndarray, unit_class: np.ndarray,
                   position: np.ndarray) -> np.ndarray:
    """The candidate rows chosen when each class's served units go to its needs in order: a
    member need's row is its own offset plus the unit's position in the class's list."""
    order = np.argsort(unit_class, kind="stable")
    unit_class, position = unit_class[order], position[order]
    per_class = np.bincount(unit_class, minlength=len(size))
    rank = np.arange(len(unit_class)) - (np.cumsum(per_class) - per_class)[unit_class]
    members = np.argsort(classes, kind="stable")
    need = members[(np.cumsum(size) - size)[unit_class] + rank]
    return np.sort(offsets[need] + position)
