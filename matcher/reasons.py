"""Why a need went unmatched: one reason code per need, from the candidate stages."""

from __future__ import annotations

import numpy as np

from matcher.candidates import Candidates
from matcher.i18n import N_
from matcher.vocabulary import Vocabulary


class Reason(Vocabulary):
    """Reason codes for unmatched needs, in the order the candidate rules apply; each label is an
    English msgid, translated where it is printed."""

    NO_SKILL = "no_skill", N_("no resource anywhere offers the category and skills")
    OUT_OF_REACH = "out_of_reach", N_("no resource with the skills is within its service radius")
    NOT_AVAILABLE = "not_available", N_("no resource in reach is available in the need's slot")
    TOO_SLOW = "too_slow", N_("no available resource can arrive before the deadline")
    PAIRING_BLOCKED = "pairing_blocked", N_("only units bound elsewhere by hard pairings could serve")
    NOT_WORTHWHILE = "not_worthwhile", N_("travel cost exceeds the need's value for every candidate")
    TOO_FEW_PROVIDERS = "too_few_providers", N_("fewer candidates than the providers the need takes")
    CAPACITY = "capacity", N_("every candidate's capacity went to other needs")


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
