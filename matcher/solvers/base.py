"""The side constraints that decide which solver can be exact, and what every solver returns."""

from __future__ import annotations

import numpy as np

from matcher.candidates import Candidates
from matcher.i18n import Text
from matcher.policy import Objective, Policy
from matcher.problem import Problem, ProblemArrays
from matcher.rules.pairing import binding_minimums
from matcher.solution import Solution
from matcher.solvers.priority import priority_bonus

__all__ = ["Solution", "effective_task_capacity", "side_constraints"]


def effective_task_capacity(a: ProblemArrays, candidates: Candidates) -> tuple[np.ndarray, list[str]]:
    """Per resource, how many tasks it can take when its hours reduce to a task count.

    A resource's hours reduce exactly when all its candidate loads are equal (then it takes
    ``hours // load`` tasks) or when its hours cannot bind (they cover its ``capacity_tasks``
    largest loads). Returns the capacities and the ids of resources whose hours do not reduce.
    """
    n = a.n_resources
    if len(candidates) == 0:
        return a.resource_capacity_tasks.copy(), []
    lo = np.full(n, np.iinfo(np.int64).max)
    hi = np.zeros(n, dtype=np.int64)
    np.minimum.at(lo, candidates.resource, candidates.load)
    np.maximum.at(hi, candidates.resource, candidates.load)
    total = np.bincount(candidates.resource, weights=candidates.load, minlength=n)
    tasks, hours = a.resource_capacity_tasks, a.resource_capacity_minutes
    loose = (hours >= total) | (hours >= hi * tasks)
    uniform = lo == hi
    capacity = tasks.copy()
    tight_uniform = uniform & ~loose & (hi > 0)
    capacity[tight_uniform] = np.minimum(tasks[tight_uniform], hours[tight_uniform] // hi[tight_uniform])
    used = np.zeros(n, dtype=bool)
    used[candidates.resource] = True
    bad = used & ~loose & ~uniform
    return capacity, [a.resource_ids[i] for i in np.flatnonzero(bad)]


def side_constraints(
    problem: Problem, candidates: Candidates, policy: Policy, uneven: list[str] | None = None
) -> list[str]:
    """What a min-cost flow cannot express exactly here; empty when flow is exact.

    ``uneven`` is the second part of :func:`effective_task_capacity`, when already computed."""
    a = problem.arrays
    reasons = []
    required = np.flatnonzero(a.need_required)
    if len(required):
        reasons.append(f"{len(required)} required need(s) (e.g. {a.need_ids[required[0]]})")
    multi = np.flatnonzero(a.need_providers > 1)
    if len(multi):
        reasons.append(
            Text("{n} need(s) take several providers (e.g. {need})", n=len(multi), need=a.need_ids[multi[0]])
        )
    binding = binding_minimums(a, candidates)
    if binding:
        g, c, m = binding[0]
        reasons.append(
            Text(
                "{n} hard pairing minimum(s) (e.g. {group} -> {community} serves {minimum})",
                n=len(binding),
                group=a.group_ids[g],
                community=a.community_ids[c],
                minimum=m,
            )
        )
    if policy.min_community_share > 0:
        reasons.append(
            Text(
                "a minimum share of {min_community_share:.0%} served in every community",
                min_community_share=policy.min_community_share,
            )
        )
    if policy.objective == Objective.EQUITY:
        reasons.append(Text("the equity objective (worst community's coverage first, then value)"))
    if policy.balance_weight > 0:
        reasons.append(
            Text(
                "load balancing (balance_weight {balance_weight:g}, target {balance_target:.0%})",
                balance_weight=policy.balance_weight,
                balance_target=policy.balance_target,
            )
        )
    if policy.priority_urgencies and priority_bonus(problem, candidates, policy) is None:
        reasons.append(
            Text("serving {items} first needs weights too large for flow", items=", ".join(policy.priority_urgencies))
        )
    if uneven is None:
        _, uneven = effective_task_capacity(a, candidates)
    if uneven:
        reasons.append(
            Text(
                "{n} resource(s) whose hours bind with loads that differ by need or per pair (e.g. {resource})",
                n=len(uneven),
                resource=uneven[0],
            )
        )
    return reasons
