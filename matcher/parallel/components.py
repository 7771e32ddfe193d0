"""The core model cut into independent parts (独立分块): the connected components of its candidate
graph, solved part by part and put back together.

Needs and resources are nodes, candidate pairs are edges. A rule that ties needs together joins
them: a minimum share served per community joins each community's needs; a hard pairing minimum
(结对) joins the community's needs with the group's resources. What is left in different
components shares no resource and no rule, so the whole problem's optimum is the sum of the parts'
optima, and the sum of the parts' bounds bounds it. The equity objective (the worst community's
coverage first, over every community) couples all parts: such a problem is solved whole and
:func:`split_reason` says why.

Components are packed into as many groups as there are workers (largest first, onto the lightest
group); each group is one sub-problem, solved by :func:`matcher.solvers.solve` with the full time
limit on one worker.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from matcher.candidates import Candidates, build_candidates
from matcher.errors import MatcherError
from matcher.i18n import Text
from matcher.parallel.cluster import Executor
from matcher.policy import Policy, get_policy
from matcher.problem import Problem
from matcher.result import Result
from matcher.solution import PhaseOutcome, Solution, Status

#: From weakest to strongest: a combined status is the weakest of its parts'.
_STATUS_ORDER = (Status.NO_SOLUTION_IN_TIME, Status.HEURISTIC, Status.FEASIBLE, Status.STABLE, Status.OPTIMAL)


@dataclass(frozen=True)
class Group:
    """Components packed together: the needs and resources (indices into the whole problem) of one
    sub-problem."""

    needs: np.ndarray
    resources: np.ndarray
    components: int


def split_reason(policy: Policy) -> Text | None:
    """Why the core model cannot be split under ``policy``, or None when it can."""
    if policy.objective == "equity":
        return Text(
            "cannot split into independent parts: the equity objective maximises the worst coverage over every "
            "community, which couples all parts; solved whole"
        )
    return None


def _labels(problem: Problem, candidates: Candidates, policy: Policy) -> tuple[np.ndarray, np.ndarray]:
    """Component labels of the needs, resources and communities (in that order), and the hard
    pairing minimums' communities (their labels carry the minimum)."""
    a = problem.arrays
    N, R, C = a.n_needs, a.n_resources, a.n_communities
    rows = [candidates.need.astype(np.int64)]
    cols = [N + candidates.resource.astype(np.int64)]
    binding = [(g, c) for g, c, m in a.pairing_minimums if candidates.hard_groups[g] and m > 0]
    tied = np.zeros(C, dtype=bool)
    tied[[c for _, c in binding]] = True
    if policy.min_community_share > 0:
        tied[:] = True
    needs = np.flatnonzero(tied[a.need_community])
    rows.append(needs)
    cols.append(N + R + a.need_community[needs].astype(np.int64))
    for g, c in binding:
        members = np.flatnonzero(a.resource_group == g)
        rows.append(N + members)
        cols.append(np.full(len(members), N + R + c, dtype=np.int64))
    row, col = np.concatenate(rows), np.concatenate(cols)
    n = N + R + C
    _, label = connected_components(coo_matrix((np.ones(len(row)), (row, col)), shape=(n, n)), directed=False)
    return label, np.array(sorted({c for _, c in binding}), dtype=np.int64)


def groups(problem: Problem, candidates: Candidates, policy: Policy, n_groups: int) -> list[Group]:
    """The components that hold a need or a hard pairing minimum, packed into at most ``n_groups``
    groups of about equal size (candidate pairs), largest component first."""
    a = problem.arrays
    N, R = a.n_needs, a.n_resources
    label, minimum_communities = _labels(problem, candidates, policy)
    need_label, res_label = label[:N], label[N : N + R]
    minimum_label = label[N + R + minimum_communities]
    wanted = np.union1d(need_label, minimum_label)
    size = np.bincount(label[candidates.need], minlength=len(label)) + 1
    order = wanted[np.argsort(-size[wanted], kind="stable")]
    n_groups = max(1, min(n_groups, len(order)))
    load = np.zeros(n_groups, dtype=np.int64)
    bin_of = np.full(len(label), -1, dtype=np.int64)
    for comp in order.tolist():
        b = int(np.argmin(load))
        bin_of[comp] = b
        load[b] += size[comp]
    out = []
    for b in range(n_groups):
        comps = np.flatnonzero(bin_of == b)
        if not len(comps):
            continue
        out.append(
            Group(np.flatnonzero(np.isin(need_label, comps)), np.flatnonzero(np.isin(res_label, comps)), len(comps))
        )
    return out


def sub_problem(problem: Problem, group: Group) -> Problem:
    """The group as a problem of its own: its needs and resources, every community, and the
    pairings of the unit groups it holds (a hard pairing minimum's group and community are joined,
    so the minimum counts in the one group that holds them)."""
    resources = tuple(problem.resources[i] for i in group.resources.tolist())
    held = {r.pairing_group for r in resources}
    pairings = tuple(p for p in problem.pairings if p.group in held)
    return dataclasses.replace(
        problem,
        needs=tuple(problem.needs[i] for i in group.needs.tolist()),
        resources=resources,
        pairings=pairings,
    )


def _solve_group(job: dict[str, Any], group: Group) -> tuple[np.ndarray, Solution, str]:
    """Solve one group (on a worker): its chosen pairs as (need, resource) indices of the whole
    problem, its solution and its solver."""
    from matcher.solvers import solve

    result = solve(sub_problem(job["problem"], group), job["policy"], **job["options"])
    pairs = np.stack([group.needs[result.pair_need], group.resources[result.pair_resource]])
    return pairs, result.solution, result.solver


def combine(candidates: Candidates, n_resources: int, answers: list[tuple[np.ndarray, Solution, str]]) -> Solution:
    """The parts' solutions as one: chosen pairs mapped onto the whole problem's candidates,
    objectives summed, bounds summed (None if a part has none), the weakest status, phases summed
    level by level."""
    keys = candidates.need.astype(np.int64) * n_resources + candidates.resource
    order = np.argsort(keys, kind="stable")
    wanted = np.concatenate([p[0].astype(np.int64) * n_resources + p[1] for p, _, _ in answers] or [np.zeros(0)])
    at = np.searchsorted(keys[order], wanted)
    if len(wanted) and (at.max() >= len(keys) or not np.array_equal(keys[order][at], wanted)):
        raise MatcherError(Text("a part chose a pair the whole problem's candidates do not hold"))
    solutions = [s for _, s, _ in answers]
    bounds = [s.bound for s in solutions]
    return Solution(
        np.sort(order[at]),
        sum(s.objective for s in solutions),
        None if any(b is None for b in bounds) else sum(b for b in bounds if b is not None),
        weakest([s.status for s in solutions]),
        tuple(v for s in solutions for v in s.violations),
        _phases(solutions),
    )


def weakest(statuses: list[Status]) -> Status:
    """The combined status: optimal only when every part is, else the weakest part's."""
    return min(statuses, key=_STATUS_ORDER.index, default=Status.OPTIMAL)


def _phases(solutions: list[Solution]) -> tuple[PhaseOutcome, ...]:
    """Lexicographic levels summed over the parts: independent parts reach each level's best
    together, so the sum of the parts' levels is the whole's."""
    names = list(dict.fromkeys(p.name for s in solutions for p in s.phases))
    out = []
    for name in names:
        levels = [p for s in solutions for p in s.phases if p.name == name]
        bounds = [p.bound for p in levels]
        out.append(
            PhaseOutcome(
                name,
                sum(p.objective for p in levels),
                None if any(b is None for b in bounds) else sum(b for b in bounds if b is not None),
                weakest([p.status for p in levels]),
            )
        )
    return tuple(out)


def solve_in_parts(
    problem: Problem, policy: Policy | str | dict[str, Any] | None, executor: Executor, **options: Any
) -> Result:
    """Solve ``problem`` as independent parts on ``executor`` (one group of components per
    worker), or whole when the policy couples the parts (the note says why). ``options`` are
    :func:`matcher.solvers.solve`'s keywords; each part runs on one worker thread."""
    from matcher.solvers import solve

    policy = get_policy(policy)
    reason = split_reason(policy)
    if reason is not None:
        result = solve(problem, policy, **options)
        return dataclasses.replace(result, solver_note=Text("{note}; {reason}", note=result.solver_note, reason=reason))
    start = time.perf_counter()
    candidates = build_candidates(problem, policy)
    packed = groups(problem, candidates, policy, executor.workers)
    built = time.perf_counter()
    answers = executor.map(_solve_group, {"problem": problem, "policy": policy, "options": options}, packed)
    solution = combine(candidates, problem.arrays.n_resources, answers)
    solved = time.perf_counter()
    solvers = sorted({s for _, _, s in answers})
    note = Text(
        "{parts} independent part(s) of the candidate graph in {groups} group(s), solved on {where}; objective "
        "and bound summed over the parts",
        parts=sum(g.components for g in packed),
        groups=len(packed),
        where=executor.where,
    )
    return Result(
        problem,
        policy,
        candidates,
        solution,
        "+".join(solvers) or "flow",
        note,
        solved - start,
        {"candidates": built - start, "solve": solved - built},
    )
