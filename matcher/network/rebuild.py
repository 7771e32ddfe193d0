"""A result rebuilt from what was stored of it: the problem, the policy and the chosen
(need, resource) pairs. The candidates are built again (deterministic for a problem and policy)
and the pairs found among them; nothing is solved. The diagnostics can then explain a stored
run (the workbench's unmatched queue) as they explain a fresh one."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from matcher.candidates import VALUE_SCALE, build_candidates
from matcher.policy import Policy
from matcher.problem import Problem
from matcher.result import Result
from matcher.solution import Solution, Status


def rebuild_result(
    problem: Problem,
    policy: Policy,
    pairs: Iterable[tuple[str, str]],
    *,
    status: str,
    objective: float,
    bound: float | None,
    solver: str,
    wall_time: float = 0.0,
) -> Result:
    """The :class:`Result` whose chosen pairs are ``pairs``; ValueError when a pair is not a
    candidate of ``problem`` under ``policy`` (the lists or the policy changed since)."""
    a = problem.arrays
    candidates = build_candidates(problem, policy)
    need_index = {need: i for i, need in enumerate(a.need_ids)}
    resource_index = {resource: i for i, resource in enumerate(a.resource_ids)}
    try:
        wanted = np.array([need_index[n] * a.n_resources + resource_index[r] for n, r in pairs], dtype=np.int64)
    except KeyError as exc:
        raise ValueError(f"the stored result names {exc.args[0]!r}, which the lists no longer hold") from None
    keys = candidates.need.astype(np.int64) * a.n_resources + candidates.resource
    order = np.argsort(keys, kind="stable")
    found = order[np.minimum(np.searchsorted(keys[order], wanted), len(keys) - 1)] if len(keys) else wanted[:0]
    if len(wanted) and (not len(keys) or not np.array_equal(keys[found], wanted)):
        raise ValueError("the stored result chose pairs that are no longer candidates (the lists or policy changed)")
    solution = Solution(
        chosen=np.sort(found),
        objective=round(objective * VALUE_SCALE),
        bound=None if bound is None else round(bound * VALUE_SCALE),
        status=Status(status),
    )
    return Result(problem, policy, candidates, solution, solver, "rebuilt from the stored result", wall_time)
