"""Stable matching by deferred acceptance: the hospital-resident game with needs proposing.

Needs propose to resources in their order of preference; a resource holds the best proposals up
to its capacity and rejects the rest; a rejected need proposes to its next choice. The outcome is
the needs-optimal stable matching (Gale and Shapley 1962; Roth 1984): no need and resource would
both rather be matched with each other than keep what they have.

Preferences come from the candidate pairs:

- a need prefers the pair of higher value, then earlier arrival, then the lower resource index;
- a resource prefers shorter tasks (most volunteers prefer short, simple work — Wanshou Road),
  then shorter travel, then the lower need index.

Only needs that take one provider enter the game; capacities are task counts
(:func:`stable_capacity`).
"""

from __future__ import annotations

import heapq

import numpy as np

from matcher.candidates import Candidates
from matcher.policy import Policy
from matcher.problem import Problem
from matcher.rules.check import check_plan
from matcher.solution import Solution, Status
from matcher.solvers.base import effective_task_capacity


def stable_capacity(problem: Problem, candidates: Candidates) -> np.ndarray:
    """Tasks each resource may take in the game.

    Where hours reduce exactly to a task count that count is used; where they bind with uneven
    loads, the count of the resource's largest candidate loads that fit its hours, so no choice
    of tasks can overbook it.
    """
    a = problem.arrays
    capacity, uneven = effective_task_capacity(a, candidates)
    if uneven:
        largest = np.zeros(a.n_resources, dtype=np.int64)
        np.maximum.at(largest, candidates.resource, candidates.load)
        index = {rid: i for i, rid in enumerate(a.resource_ids)}
        for r in (index[rid] for rid in uneven):
            capacity[r] = min(int(a.resource_capacity_tasks[r]), int(a.resource_capacity_minutes[r] // largest[r]))
    return capacity


def preferences(candidates: Candidates) -> tuple[np.ndarray, np.ndarray]:
    """Per pair, its position in its need's list and in its resource's list (lower is preferred).

    Positions are global sort positions, comparable among the pairs of one need (or resource).
    """
    k = len(candidates)
    need_position = np.empty(k, dtype=np.int64)
    need_position[np.lexsort((candidates.resource, candidates.arrival, -candidates.value, candidates.need))] = (
        np.arange(k)
    )
    resource_position = np.empty(k, dtype=np.int64)
    resource_position[np.lexsort((candidates.need, candidates.minutes, candidates.load, candidates.resource))] = (
        np.arange(k)
    )
    return need_position, resource_position


def single_provider_pairs(problem: Problem, candidates: Candidates) -> np.ndarray:
    """Mask of the pairs whose need takes one provider (the needs that enter the game)."""
    return problem.arrays.need_providers[candidates.need] == 1


def deferred_acceptance(
    n_needs: int,
    need: np.ndarray,
    resource: np.ndarray,
    need_position: np.ndarray,
    resource_position: np.ndarray,
    capacity: np.ndarray,
) -> np.ndarray:
    """Indices of the pairs matched by needs-proposing deferred acceptance."""
    order = np.lexsort((need_position, need))
    bounds = np.searchsorted(need[order], np.arange(n_needs + 1))
    proposal = bounds[:-1].copy()
    held: dict[int, list[tuple[int, int]]] = {}  # resource -> max-heap of (-position, pair)
    free = [n for n in range(n_needs) if bounds[n] < bounds[n + 1]]
    while free:
        n = free.pop()
        while proposal[n] < bounds[n + 1]:
            p = int(order[proposal[n]])
            proposal[n] += 1
            r = int(resource[p])
            if capacity[r] <= 0:
                continue
            heap = held.setdefault(r, [])
            if len(heap) < capacity[r]:
                heapq.heappush(heap, (-int(resource_position[p]), p))
                break
            if resource_position[p] < -heap[0][0]:
                _, rejected = heapq.heapreplace(heap, (-int(resource_position[p]), p))
                free.append(int(need[rejected]))
                break
    return np.array(sorted(p for heap in held.values() for _, p in heap), dtype=np.int64)


def solve_stable(problem: Problem, candidates: Candidates, policy: Policy) -> Solution:
    """The needs-optimal stable matching; unmet hard rules are listed as violations."""
    a = problem.arrays
    entered = np.flatnonzero(single_provider_pairs(problem, candidates))
    need_position, resource_position = preferences(candidates)
    picked = deferred_acceptance(
        a.n_needs,
        candidates.need[entered],
        candidates.resource[entered],
        need_position[entered],
        resource_position[entered],
        stable_capacity(problem, candidates),
    )
    chosen = entered[picked]
    violations = tuple(check_plan(a, candidates, policy, chosen))
    return Solution(chosen, int(candidates.value[chosen].sum()), None, Status.STABLE, violations)
