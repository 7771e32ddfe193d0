"""Why a need went unmatched: one reason code per need, from the candidate stages."""

from __future__ import annotations

import numpy as np

from matcher.candidates import Candidates
from matcher.vocabulary import Vocabulary


class Reason(Vocabulary):
    """Reason codes for unmatched needs, in the order the candidate rules apply."""

    NO_SKILL = "no_skill", "no resource anywhere offers the category and skills"
    OUT_OF_REACH = "out_of_reach", "no resource with the skills is within its service radius"
    NOT_AVAILABLE = "not_available", "no resource in reach is available in the need's slot"
    TOO_SLOW = "too_slow", "no available resource can arrive before the deadline"
    PAIRING_BLOCKED = "pairing_blocked", "only units bound elsewhere by hard pairings could serve"
    NOT_WORTHWHILE = "not_worthwhile", "travel cost exceeds the need's value for every candidate"
    TOO_FEW_PROVIDERS = "too_few_providers", "fewer candidates than the providers the need takes"
    CAPACITY = "capacity", "every candidate's capacity went to other needs"


REASONS = list(Reason)


def unmatched_reasons(candidates: Candidates, providers: np.ndarray, served: np.ndarray) -> np.ndarray:
    """Index into :data:`REASONS` per need, -1 for served needs."""
    s = candidates.stages
    stages = [
        ~s.skilled_anywhere,
        s.in_reach == 0,
        s.available == 0,
        s.in_time == 0,
        s.unpaired == 0,
        s.worthwhile == 0,
        s.worthwhile < providers,
    ]
    code = np.full(len(served), REASONS.index(Reason.CAPACITY), dtype=np.int8)
    for i, hit in reversed(list(enumerate(stages))):
        code[hit] = i
    code[served] = -1
    return code
