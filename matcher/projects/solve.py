"""``solve_projects(problem, policy) -> ProjectResult``: ordering (点单), claiming (认领) and
serving needs, decided together.

Steps:
1. build the decision space (candidate orders, claims, served needs, direct pairs);
2. cut it into parts: communities linked by a resource or a venue stay together, parts share
   nothing, so the sum of the parts' optima (and bounds) is the whole problem's;
3. per part, the sequential baseline (order, then claim, then assign);
4. per part, when orders and claims are all fixed, the baseline's assignment is exact (min-cost
   flow where it applies); otherwise the joint CP-SAT model, started from the baseline, within the
   part's share of the time limit. A joint plan worse than the baseline (only possible when time
   runs out) gives way to the baseline, which is feasible for the joint model.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from matcher.policy import Policy, get_policy
from matcher.problem import Problem
from matcher.projects.model import JointModel
from matcher.projects.plan import Part, Plan
from matcher.projects.result import PartReport, ProjectResult
from matcher.projects.sequential import sequential_plan
from matcher.projects.space import ProjectSpace, build_space


def split_parts(space: ProjectSpace) -> list[Part]:
    """Independent parts: communities joined by any resource that may serve or claim in both,
    or by a venue shared between them."""
    a = space.problem.arrays
    C = a.n_communities
    d_res, d_comm = space.direct.resource, a.need_community[space.direct.need]
    k_res, k_comm = space.claim_resource, space.order_community[space.claim_order]
    venue_comm = np.array([a.community_ids.index(v.community) for v in space.problem.venues], dtype=np.int64)
    with_venue = np.flatnonzero(space.order_venue >= 0)
    rows = np.concatenate([C + d_res, C + k_res, venue_comm[space.order_venue[with_venue]]]).astype(np.int64)
    cols = np.concatenate([d_comm, k_comm, space.order_community[with_venue]]).astype(np.int64)
    n = C + a.n_resources
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    comm_label = label[:C]
    parts = []
    need_label = comm_label[a.need_community]
    order_label = comm_label[space.order_community]
    for lab in np.unique(comm_label):
        comms = np.flatnonzero(comm_label == lab)
        orders = np.flatnonzero(order_label == lab)
        needs = np.flatnonzero(need_label == lab)
        if len(needs) == 0 and len(orders) == 0:
            continue
        parts.append(Part(
            communities=comms, needs=needs, resources=np.flatnonzero(label[C:] == lab), orders=orders,
            claims=np.flatnonzero(order_label[space.claim_order] == lab),
            serves=np.flatnonzero(order_label[space.serve_order] == lab),
            direct=np.flatnonzero(need_label[space.direct.need] == lab),
        ))
    return parts


def solve_projects(
    problem: Problem,
    policy: Policy | str | dict[str, Any] | None = None,
    *,
    time_limit: float = 60.0,
    workers: int = 2,
    seed: int = 0,
    communities: Iterable[str] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> ProjectResult:
    """Decide orders, claims and who serves each need; ``communities`` limits the work to the
    parts that hold them (the rest of the result stays empty)."""
    policy = get_policy(policy)
    start = time.perf_counter()
    space = build_space(problem, policy)
    parts = split_parts(space)
    if communities is not None:
        wanted = {problem.arrays.community_ids.index(c) for c in communities}
        parts = [p for p in parts if wanted & set(p.communities.tolist())]
    built = time.perf_counter()
    plan, baseline = Plan.empty(space), Plan.empty(space)
    reports = []
    deadline = start + time_limit
    remaining_size = sum(p.size for p in parts)
    for part in sorted(parts, key=lambda p: p.size):
        share = max(0.05, (deadline - time.perf_counter()) * part.size / max(remaining_size, 1))
        remaining_size -= part.size
        t0 = time.perf_counter()
        base, base_value, how = sequential_plan(space, part, time_limit=share, workers=workers, seed=seed)
        baseline.update(part, base)
        if part.is_fixed(space):
            best, value, bound, status, method = base, base_value, base_value, "optimal", how
            if not how.startswith("flow") and how != "cpsat":
                status = "feasible"
        else:
            model = JointModel(space, part)
            model.hint(base)
            left = max(0.05, share - (time.perf_counter() - t0))
            best, value, bound, status = model.solve(left, workers, seed, should_stop)
            method = "cpsat"
            if value < base_value:
                best, value, status, method = base, base_value, "feasible", "cpsat (baseline kept)"
        plan.update(part, best)
        reports.append(PartReport(len(part.communities), len(part.needs), part.size, method, status, value, bound,
                                  base_value, time.perf_counter() - t0))
    solved = time.perf_counter()
    return ProjectResult(space, plan, baseline, reports, solved - start,
                         {"space": built - start, "solve": solved - built})


__all__ = ["solve_projects", "split_parts"]
