"""The greedy baseline: urgency first, then the nearest resource that still has room.

1. Serve hard pairings' minimums first, each from its own unit group (结对 first), then the
   required needs (必须服务).
2. Take the remaining needs by urgency (emergency first), then by value, highest first.
3. Give each need its nearest candidates (earliest arrival) with hours and tasks left;
   a need with several providers is served only if all of them fit.
"""

from __future__ import annotations

import numpy as np

from matcher.candidates import Candidates, need_base_values
from matcher.policy import Policy
from matcher.problem import Problem
from matcher.rules.check import check_plan
from matcher.rules.pairing import binding_minimums
from matcher.solution import Solution, Status


class _Ledger:
    """Remaining hours and tasks per resource, and the pairs taken so far."""

    def __init__(self, problem: Problem, candidates: Candidates) -> None:
        a = problem.arrays
        self.candidates = candidates
        self.minutes = a.resource_capacity_minutes.copy()
        self.tasks = a.resource_capacity_tasks.copy()
        self.providers = a.need_providers
        self.offsets = candidates.need_offsets(a.n_needs)
        self.served = np.zeros(a.n_needs, dtype=bool)
        self.chosen: list[int] = []

    def serve(self, need: int, allowed: np.ndarray | None = None) -> bool:
        """Serve ``need`` by its nearest fitting candidates; ``allowed`` masks the resources."""
        if self.served[need]:
            return False
        c = self.candidates
        pairs = np.arange(self.offsets[need], self.offsets[need + 1])
        pairs = pairs[np.argsort(c.arrival[pairs], kind="stable")]
        picked = []
        for p in pairs.tolist():
            r = c.resource[p]
            if (allowed is None or allowed[r]) and self.tasks[r] >= 1 and self.minutes[r] >= c.load[p]:
                picked.append(p)
                if len(picked) == self.providers[need]:
                    break
        if len(picked) < self.providers[need]:
            return False
        for p in picked:
            self.tasks[c.resource[p]] -= 1
            self.minutes[c.resource[p]] -= c.load[p]
        self.chosen.extend(picked)
        self.served[need] = True
        return True


def solve_greedy(problem: Problem, candidates: Candidates, policy: Policy) -> Solution:
    """A feasible assignment by urgency and proximity; unmet hard rules are listed as violations."""
    a = problem.arrays
    ledger = _Ledger(problem, candidates)
    order = np.lexsort((-need_base_values(a, policy), a.need_urgency))
    for g, c, minimum in binding_minimums(a, candidates):
        in_group = a.resource_group == g
        done = 0
        for n in order[a.need_community[order] == c].tolist():
            if done >= minimum:
                break
            done += ledger.serve(n, in_group)
    for n in order[a.need_required[order]].tolist():
        ledger.serve(n)
    for n in order.tolist():
        ledger.serve(n)
    chosen = np.array(sorted(ledger.chosen), dtype=np.int64)
    violations = tuple(check_plan(a, candidates, policy, chosen))
    return Solution(chosen, int(candidates.value[chosen].sum()), None, Status.HEURISTIC, violations)
