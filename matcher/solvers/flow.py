"""Exact matching by OR-Tools min-cost flow (SimpleMinCostFlow).

Network: source -> need (capacity 1) -> resource (capacity 1, cost = -value) -> sink (capacity
= tasks the resource can take), plus a source -> sink bypass so needs may stay unserved. The
minimum-cost flow of one unit per need is then the maximum-value assignment.
"""

from __future__ import annotations

import numpy as np
from ortools.graph.python import min_cost_flow

from matcher.candidates import Candidates
from matcher.errors import MatcherError, SolverUnsuitableError
from matcher.policy import Policy
from matcher.problem import Problem
from matcher.solvers.base import Solution, effective_task_capacity, side_constraints


def flow_arrays(
    n_needs: int, n_resources: int, need: np.ndarray, resource: np.ndarray, value: np.ndarray, capacity: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Arc arrays (tails, heads, capacities, costs) and node supplies of the matching network.

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
    """The exact optimum by min-cost flow; refuses problems flow cannot express."""
    capacity, uneven = effective_task_capacity(problem, candidates)
    unsuitable = side_constraints(problem, candidates, policy, uneven)
    if unsuitable:
        raise SolverUnsuitableError("the flow solver cannot express: " + "; ".join(unsuitable) + " (use cpsat)")
    a = problem.arrays
    if len(candidates) == 0:
        return Solution(np.zeros(0, dtype=np.int64), 0, 0, "optimal")
    tails, heads, caps, costs, supplies, _ = flow_arrays(
        a.n_needs, a.n_resources, candidates.need, candidates.resource, candidates.value, capacity
    )
    cost, flows = solve_min_cost_flow(tails, heads, caps, costs, supplies)
    chosen = np.flatnonzero(flows[: len(candidates)] > 0)
    return Solution(chosen, -cost, -cost, "optimal")
