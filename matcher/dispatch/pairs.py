"""The candidate pairs of one arriving need, found by the core's own rules (:mod:`matcher.candidates`)
on a problem cut down to that need and the resources that might reach it.

The cut is only a pre-selection (category offered, home within the service radius); every rule
of the core — skills, scope, slot, deadline, pairings, worth — is then applied by
:func:`matcher.candidates.build_candidates` itself, so live dispatch and a full solve agree.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from matcher.candidates import CATEGORIES, candidates_of
from matcher.domain import Need
from matcher.policy import Policy
from matcher.problem import LEVELS, ProblemArrays, need_columns
from matcher.vocabulary import Level

_RESOURCE_COLUMNS = [
    f.name for f in fields(ProblemArrays) if f.name.startswith("resource_") and f.name != "resource_ids"
]


@dataclass(frozen=True)
class NeedPairs:
    """The resources that may serve one need, with the core's scaled value, load and arrival."""

    resource: np.ndarray  # int32 index into the plan's resources
    value: np.ndarray  # int64 scaled value (the core's)
    load: np.ndarray  # int64 minutes of capacity used
    arrival: np.ndarray  # float64 minutes from the call until the resource arrives (routing included)

    def __len__(self) -> int:
        return len(self.resource)


EMPTY = NeedPairs(np.zeros(0, np.int32), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))


def compile_need(arrays: ProblemArrays, need: Need) -> dict[str, np.ndarray]:
    """The need columns of one need in the vocabulary of ``arrays``."""
    community = {c: i for i, c in enumerate(arrays.community_ids)}
    skills = {s: i for i, s in enumerate(arrays.skill_ids)}
    return need_columns([need], community, skills)


def need_pairs(
    arrays: ProblemArrays, need: Need, policy: Policy, level: Level | None = None, delay: float = 0.0
) -> NeedPairs:
    """Pairs of ``need`` with the plan's resources (of ``level`` only, when given), each resource's
    response lengthened by ``delay`` routing minutes (the time to reach that level)."""
    if not need.skills <= set(arrays.skill_ids):
        return EMPTY  # a skill no resource offers
    columns = compile_need(arrays, need)
    c = int(columns["need_community"][0])
    bit = np.uint8(1 << CATEGORIES.index(need.category))
    near = (arrays.resource_categories & bit) != 0
    near &= arrays.travel[arrays.resource_community, c] <= arrays.resource_radius
    if level is not None:
        near &= arrays.resource_level == LEVELS.index(level)
    chosen = np.flatnonzero(near)
    cut = {name: getattr(arrays, name)[chosen] for name in _RESOURCE_COLUMNS}
    cut["resource_response"] = cut["resource_response"] + np.float32(delay)
    cut_columns: dict[str, Any] = {**columns, **cut}
    small = replace(
        arrays, need_ids=[need.id], resource_ids=[arrays.resource_ids[i] for i in chosen.tolist()], **cut_columns
    )
    candidates = candidates_of(small, policy)
    return NeedPairs(
        chosen[candidates.resource].astype(np.int32),
        candidates.value,
        candidates.load,
        candidates.arrival.astype(np.float64),
    )
