"""Urgency first in min-cost flow: weights proven to dominate.

Serving the policy's priority levels first (emergencies, 紧急, by default) is lexicographic. Flow
has one objective, so each served need of a priority level earns a bonus larger than everything
the levels after it can add: the last level's bonus exceeds the total value of all pairs, and each
earlier level's bonus exceeds the later levels' bonuses at their most plus that total. A flow
optimum under these values is then the lexicographic optimum (flow serves each need once, so
the bonus counts served needs exactly). The MIP solves the same order as phases instead
(:func:`matcher.rules.objective.priority_phases`).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from matcher.candidates import Candidates
from matcher.policy import Policy
from matcher.problem import URGENCIES, Problem
from matcher.vocabulary import Urgency

#: The largest cost times the number of nodes stays below this: OR-Tools' min-cost flow scales
#: costs by the node count in int64 arithmetic and refuses what would overflow.
_LIMIT = 2**60


def priority_bonus(problem: Problem, candidates: Candidates, policy: Policy) -> np.ndarray | None:
    """Per pair, the bonus that makes flow serve the priority levels first (zeros when the policy
    has none); ``None`` when the bonuses would be too large for int64 costs (several levels on a
    large problem: each level multiplies the bonus by its number of needs)."""
    a = problem.arrays
    nodes = a.n_needs + a.n_resources + 2
    bonus = np.zeros(len(candidates), dtype=np.int64)
    if not policy.priority_urgencies or len(candidates) == 0:
        return bonus
    # more than any plan's value: each need is served at most once, at its best pair at most
    best = np.zeros(a.n_needs, dtype=np.int64)
    np.maximum.at(best, candidates.need, np.clip(candidates.value, 0, None))
    ahead = int((best * a.need_providers).sum()) + 1
    pair_urgency = a.need_urgency[candidates.need]
    for level in reversed(policy.priority_urgencies):
        mine = pair_urgency == URGENCIES.index(Urgency.parse(level))
        count = int(np.count_nonzero(a.need_urgency == URGENCIES.index(Urgency.parse(level))))
        if count == 0:
            continue
        if 2 * ahead * nodes >= _LIMIT:  # a pair's cost reaches this level's bonus plus its value < 2 x ahead
            return None
        bonus[mine] = ahead
        ahead = ahead * (count + 1) + 1  # what an earlier level's bonus must exceed
    return bonus


def with_bonus(candidates: Candidates, bonus: np.ndarray) -> Candidates:
    """The same pairs with the bonus added to their values."""
    return replace(candidates, value=candidates.value + bonus)
