"""Assigning needs once orders and claims are fixed: the project model reduces to matching needs
with running instances (capacity ``serves``) and with resources (their hours and tasks less what
the claims took), which the core's min-cost flow solves exactly when no side constraint remains;
otherwise the joint CP-SAT model runs with orders and claims pinned."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from matcher.errors import InfeasibleError, MatcherError
from matcher.projects.model import JointModel
from matcher.projects.plan import Part, Plan, objective
from matcher.projects.space import ProjectSpace
from matcher.solvers.base import effective_task_capacity
from matcher.solvers.flow import flow_arrays, solve_min_cost_flow


def residual_capacity(space: ProjectSpace, plan: Plan) -> tuple[np.ndarray, np.ndarray]:
    """Per resource: (minutes, tasks) left after the plan's claims."""
    a = space.problem.arrays
    chosen = np.flatnonzero(plan.claims)
    minutes = a.resource_capacity_minutes - np.bincount(
        space.claim_resource[chosen], weights=space.claim_load[chosen], minlength=a.n_resources
    ).astype(np.int64)
    tasks = a.resource_capacity_tasks - np.bincount(space.claim_resource[chosen], minlength=a.n_resources)
    return minutes, tasks


def flow_capacities(space: ProjectSpace, part: Part, plan: Plan) -> tuple[np.ndarray, np.ndarray] | None:
    """(task capacities, direct pairs that still fit) under which min-cost flow is exact for the
    part, or None when it is not."""
    a = space.problem.arrays
    d = part.direct
    if (a.need_providers[space.direct.need[d]] > 1).any():
        return None
    comms = set(part.communities.tolist())
    if any(c in comms and space.direct.hard_groups[g] for g, c, _ in a.pairing_minimums):
        return None
    running = part.orders[plan.running[part.orders]]
    venues = space.order_venue[running]
    for v in np.unique(venues[venues >= 0]):
        at = running[venues == v]
        servable = np.isin(space.serve_order[part.serves], at).sum()
        if min(servable, space.order_serves[at].sum()) > space.venue_capacity[v]:
            return None
    minutes, tasks = residual_capacity(space, plan)
    d = d[space.direct.load[d] <= minutes[space.direct.resource[d]]]  # pairs that no longer fit cannot be chosen
    residual = replace(a, resource_capacity_minutes=minutes, resource_capacity_tasks=tasks)
    subset = replace(
        space.direct,
        need=space.direct.need[d],
        resource=space.direct.resource[d],
        load=space.direct.load[d],
        value=space.direct.value[d],
    )
    capacity, uneven = effective_task_capacity(residual, subset)
    return None if uneven else (np.maximum(capacity, 0), d)


def assign(
    space: ProjectSpace, part: Part, plan: Plan, *, time_limit: float, workers: int, seed: int
) -> tuple[Plan, int, int, str]:
    """Best serves and direct pairs for the plan's fixed orders and claims: (plan, objective, bound, how)."""
    a = space.problem.arrays
    minutes, tasks = residual_capacity(space, plan)
    over = np.flatnonzero((minutes < 0) | (tasks < 0))
    if len(over):
        raise InfeasibleError([f"claims on resource {a.resource_ids[r]} exceed its hours or tasks" for r in over[:5]])
    reduced = flow_capacities(space, part, plan)
    if reduced is None:
        done, value, bound, status = JointModel(space, part, fixed=plan).solve(time_limit, workers, seed)
        if done is None:
            raise MatcherError(f"CP-SAT found no assignment for fixed orders and claims within {time_limit:g} s")
        return done, value, bound, "cpsat" if status == "optimal" else "cpsat-" + status
    out = Plan.empty(space)
    out.update(part, plan)
    out.serves[part.serves] = False
    out.direct[part.direct] = False
    serves = part.serves[plan.running[space.serve_order[part.serves]]]
    capacity, d = reduced
    # Instances are extra "resources" numbered after the real ones; their capacity is ``serves``.
    instance = np.full(space.n_orders, -1, dtype=np.int64)
    running = part.orders[plan.running[part.orders]]
    instance[running] = a.n_resources + np.arange(len(running))
    need = np.concatenate([space.direct.need[d], space.serve_need[serves]]).astype(np.int64)
    resource = np.concatenate([space.direct.resource[d], instance[space.serve_order[serves]]]).astype(np.int64)
    pair_value = np.concatenate([space.direct.value[d], space.serve_value[serves]]).astype(np.int64)
    caps = np.concatenate([capacity, space.order_serves[running]]).astype(np.int64)
    if len(need):
        tails, heads, arc_caps, costs, supplies, _ = flow_arrays(a.n_needs, len(caps), need, resource, pair_value, caps)
        _, flow = solve_min_cost_flow(tails, heads, arc_caps, costs, supplies)
        chosen = flow[: len(need)] > 0
        out.direct[d[chosen[: len(d)]]] = True
        out.serves[serves[chosen[len(d) :]]] = True
    value = objective(space, out, part)
    return out, value, value, "flow"
