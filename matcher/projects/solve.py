"""``solve_projects(problem, policy) -> ProjectResult``: ordering (点单), claiming (认领) and
serving needs, decided together.

Steps:
1. build the decision space (candidate orders, claims, served needs, direct pairs) and drop
   candidate orders another candidate dominates (an exact reduction);
2. cut it into parts: communities linked by a resource or a venue stay together, parts share
   nothing, so the sum of the parts' optima (and bounds) is the whole problem's;
3. per part, the sequential baseline (order, then claim, then assign);
4. per part, when orders and claims are all fixed, the baseline's assignment is exact (min-cost
   flow where it applies); otherwise the joint CP-SAT model, started from the better of the
   baseline and a joint greedy (value per provider task), within the part's share of the time
   limit. With HiGHS the LP relaxation is solved first and rounded into a third start; when that
   start is within the ``gap`` asked for of the LP bound the part is done without search (method
   ``highs-lp``). A joint plan worse than its start (only possible when time runs out) gives way to the start, which
   is feasible for the joint model; so the joint result is never worse than the baseline.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from matcher.errors import MatcherError, SolverUnsuitableError
from matcher.i18n import Text
from matcher.parallel.cluster import Executor
from matcher.policy import PlacedOrderMode, Policy, get_policy
from matcher.problem import Problem
from matcher.projects.dominance import prune_dominated
from matcher.projects.greedy import joint_greedy_plan
from matcher.projects.highs import GAP_TARGET
from matcher.projects.model import ENGINES, JointModel
from matcher.projects.placed import placed_first, placed_running, require_running
from matcher.projects.plan import Part, Plan
from matcher.projects.result import PartReport, ProjectResult
from matcher.projects.rounding import lp_rounding_plan
from matcher.projects.sequential import sequential_plan
from matcher.projects.space import ProjectSpace, build_space

#: The least time a part's CP-SAT search gets, in seconds.
MIN_SHARE = 0.2


def split_parts(space: ProjectSpace) -> list[Part]:
    """Independent parts: communities joined by any resource that may serve or claim in both,
    or by a venue shared between them. A part with no needs and no orders is left out, unless a
    binding hard pairing's minimum falls in it (the model then proves it cannot be met)."""
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
    guarded = {comm_label[c] for g, c, _ in a.pairing_minimums if space.direct.hard_groups[g]}
    for lab in np.unique(comm_label):
        comms = np.flatnonzero(comm_label == lab)
        orders = np.flatnonzero(order_label == lab)
        needs = np.flatnonzero(need_label == lab)
        if len(needs) == 0 and len(orders) == 0 and lab not in guarded:
            continue
        parts.append(
            Part(
                communities=comms,
                needs=needs,
                orders=orders,
                claims=np.flatnonzero(order_label[space.claim_order] == lab),
                serves=np.flatnonzero(order_label[space.serve_order] == lab),
                direct=np.flatnonzero(need_label[space.direct.need] == lab),
            )
        )
    return parts


def trivial_bound(space: ProjectSpace, part: Part) -> int:
    """An upper bound that needs no search: every need of the part served at its best value."""
    a = space.problem.arrays
    best = np.zeros(a.n_needs, dtype=np.int64)
    d, s = part.direct, part.serves
    np.maximum.at(best, space.direct.need[d], space.direct.value[d] * a.need_providers[space.direct.need[d]])
    np.maximum.at(best, space.serve_need[s], space.serve_value[s])
    return int(best.sum())


def _report(part: Part, method: str, status: str, value: int, bound: int, baseline: int, t0: float) -> PartReport:
    return PartReport(
        len(part.communities),
        len(part.needs),
        part.size,
        method,
        status,
        value,
        bound,
        baseline,
        time.perf_counter() - t0,
    )


def _best_start(
    space: ProjectSpace,
    part: Part,
    model: JointModel,
    base: tuple[Plan, int],
    engine: str,
    limit: float,
    workers: int,
    seed: int,
) -> tuple[Plan, int, float]:
    """(plan, objective, LP bound) of the best heuristic start: the sequential baseline ``base``, the
    placed orders first (then every plan must run as many), the joint greedy and, with HiGHS, the
    rounded LP (``inf`` bound without it)."""
    least, keep = 0, None  # placed orders every plan must run (placed_orders: priority or hard)
    starts = [base]
    if space.policy.placed_orders != PlacedOrderMode.FREE and space.order_given[part.orders].any():
        least, keep, value = placed_first(space, part, engine=engine, time_limit=limit, workers=workers, seed=seed)
        model.model.add(sum(model.placed_running()) >= least)
        starts.append((keep, value))
    starts.append(joint_greedy_plan(space, part, time_limit=limit, workers=workers, seed=seed, keep=keep)[:2])
    lp_bound = float("inf")
    if engine == "highs":
        rounded, rounded_value, _, lp_bound = lp_rounding_plan(
            space, part, model, time_limit=limit, workers=workers, seed=seed, keep=keep
        )
        starts.append((rounded, rounded_value))
    plan, value = max((s for s in starts if placed_running(space, part, s[0]) >= least), key=lambda s: s[1])
    return plan, value, lp_bound


def _solve_part(
    space: ProjectSpace,
    part: Part,
    share: float,
    workers: int,
    seed: int,
    should_stop: Callable[[], bool] | None,
    engine: str,
    gap: float,
) -> tuple[Plan, Plan, PartReport]:
    """(best plan, baseline plan, report) of one part within ``share`` seconds."""
    t0 = time.perf_counter()
    assign_limit = share / 4  # each exact assignment with fixed orders and claims
    base, base_value, how = sequential_plan(space, part, time_limit=assign_limit, workers=workers, seed=seed)
    if part.is_fixed(space):  # orders and claims leave no choice: placed orders run or cannot
        require_running(space, part, base)
        status = "optimal" if how in ("flow", "cpsat") else "feasible"
        return base, base, _report(part, how, status, base_value, base_value, base_value, t0)
    model = JointModel(space, part)
    start_plan, start_value, lp_bound = _best_start(
        space, part, model, (base, base_value), engine, assign_limit, workers, seed
    )
    lp_floor = math.floor(lp_bound + 1e-6) if math.isfinite(lp_bound) else None
    if lp_floor is not None and lp_floor - start_value <= gap * abs(lp_floor):
        # The rounded LP is proven within the target gap by the LP itself: no search needed.
        status = "optimal" if start_value >= lp_floor else "feasible"
        report = _report(part, "highs-lp", status, start_value, max(lp_floor, start_value), base_value, t0)
        return start_plan, base, report
    trivial = trivial_bound(space, part)
    if should_stop is not None and should_stop():  # asked to stop: keep the best start, search no more
        bound = max(min(trivial, lp_floor if lp_floor is not None else trivial), start_value)
        return start_plan, base, _report(part, "stopped (start kept)", "feasible", start_value, bound, base_value, t0)
    model.hint(start_plan)
    left = max(MIN_SHARE, share - (time.perf_counter() - t0))
    found, value, bound, status = model.solve(left, workers, seed, should_stop, engine, gap)
    method = engine
    if found is None or value < start_value:  # time ran out before the engine matched its start
        found, value, status, method = start_plan, start_value, "feasible", engine + " (heuristic start kept)"
    bound = max(min(bound, trivial, lp_floor if lp_floor is not None else bound), value)
    return found, base, _report(part, method, status, value, bound, base_value, t0)


def _refuse_required(problem: Problem) -> None:
    """The project model does not enforce required needs (必须服务) yet: say so rather than ignore them."""
    required = np.flatnonzero(problem.arrays.need_required)
    if len(required):
        raise SolverUnsuitableError(
            Text(
                "the project model does not yet enforce required needs ({count}, e.g. {need}); drop the "
                "orders and budgets to match them with the mip solver",
                count=len(required),
                need=problem.arrays.need_ids[required[0]],
            )
        )


def solve_projects(
    problem: Problem,
    policy: Policy | str | dict[str, Any] | None = None,
    *,
    time_limit: float = 60.0,
    workers: int = 2,
    seed: int = 0,
    communities: Iterable[str] | None = None,
    should_stop: Callable[[], bool] | None = None,
    engine: str = "highs",
    gap: float = GAP_TARGET,
    executor: Executor | None = None,
) -> ProjectResult:
    """Decide orders, claims and who serves each need; ``communities`` limits the work to the
    parts that hold them (the rest of the result stays empty). Parts run on up to ``workers``
    threads. ``engine`` solves the joint
    model: ``highs`` (default; its bound is much tighter here) or ``cpsat``; a part's search stops
    once its relative ``gap`` is proven (0 asks for proven optima). ``should_stop`` is polled
    before each part's search (a part asked to stop keeps its best start) and, with ``cpsat``, at
    each improving solution; a HiGHS search under way runs to the end of its part's time share.
    With an ``executor`` (Dask, or serial) the parts run there instead, each a task with a fixed
    share of the time (see :func:`solve_on`); ``should_stop`` does not reach them."""
    if engine not in ENGINES:
        raise MatcherError(
            Text("unknown engine {engine!r}; expected one of: {items}", engine=engine, items=", ".join(ENGINES))
        )
    _refuse_required(problem)
    policy = get_policy(policy)
    start = time.perf_counter()
    space = prune_dominated(build_space(problem, policy))
    parts = split_parts(space)
    if communities is not None:
        wanted = {problem.arrays.community_ids.index(c) for c in communities}
        parts = [p for p in parts if wanted & set(p.communities.tolist())]
    built = time.perf_counter()
    plan, baseline = Plan.empty(space), Plan.empty(space)
    if executor is not None:
        reports = solve_on(
            executor, space, parts, plan, baseline, time_limit=time_limit, seed=seed, engine=engine, gap=gap
        )
    else:
        reports = _solve_threaded(
            space, parts, plan, baseline, start + time_limit, workers, seed, should_stop, engine, gap
        )
    solved = time.perf_counter()
    return ProjectResult(
        space, plan, baseline, reports, solved - start, {"space": built - start, "solve": solved - built}
    )


def _solve_threaded(
    space: ProjectSpace,
    parts: list[Part],
    plan: Plan,
    baseline: Plan,
    deadline: float,
    workers: int,
    seed: int,
    should_stop: Callable[[], bool] | None,
    engine: str,
    gap: float,
) -> list[PartReport]:
    """Solve the parts on up to ``workers`` threads until ``deadline`` (a perf_counter time), each
    part's best and start written into ``plan`` and ``baseline``; the parts' reports."""
    threads = max(1, min(workers, len(parts)))
    per_part_workers = max(1, workers // threads)
    waiting = [sum(p.size for p in parts)]  # size of the parts not started yet
    lock = threading.Lock()

    def run(part: Part) -> PartReport:
        with lock:  # the part's share of the thread time left, by size
            share = (deadline - time.perf_counter()) * threads * part.size / max(waiting[0], 1)
            waiting[0] -= part.size
        share = max(MIN_SHARE, min(share, deadline - time.perf_counter()))
        best, base, report = _solve_part(space, part, share, per_part_workers, seed, should_stop, engine, gap)
        plan.update(part, best)  # parts touch disjoint entries, so threads never collide
        baseline.update(part, base)
        return report

    # Largest parts first so the threads finish together; HiGHS and CP-SAT release the GIL.
    ordered = sorted(parts, key=lambda p: -p.size)
    if threads == 1:
        reports = [run(p) for p in ordered]
    else:
        with ThreadPoolExecutor(threads) as pool:
            reports = list(pool.map(run, ordered))
    return reports


def _part_task(job: dict[str, Any], part_share: tuple[Part, float]) -> tuple[Plan, Plan, PartReport]:
    """One part on a worker: one thread, no stop request (it cannot cross processes)."""
    part, share = part_share
    return _solve_part(job["space"], part, share, 1, job["seed"], None, job["engine"], job["gap"])


def solve_on(
    executor: Executor,
    space: ProjectSpace,
    parts: list[Part],
    plan: Plan,
    baseline: Plan,
    *,
    time_limit: float,
    seed: int,
    engine: str,
    gap: float,
) -> list[PartReport]:
    """Solve ``parts`` on ``executor`` and write their plans into ``plan`` and ``baseline``. Each part
    gets a fixed share of the time its size earns, as if the executor's workers shared the time
    limit (at least :data:`MIN_SHARE`, at most the limit), so the same parts get the same shares
    wherever they run."""
    total = max(sum(p.size for p in parts), 1)
    ordered = sorted(parts, key=lambda p: -p.size)  # largest first, so the workers finish together
    shares = [max(MIN_SHARE, min(time_limit, time_limit * executor.workers * p.size / total)) for p in ordered]
    job = {"space": space, "seed": seed, "engine": engine, "gap": gap}
    answers = executor.map(_part_task, job, list(zip(ordered, shares, strict=True)))
    for part, (best, base, _) in zip(ordered, answers, strict=True):
        plan.update(part, best)
        baseline.update(part, base)
    return [report for _, _, report in answers]


__all__ = ["solve_on", "solve_projects", "split_parts"]
