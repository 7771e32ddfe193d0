"""Does a plan keep every hard rule of the core model? The one check the heuristics (greedy,
stable) report their unmet rules with, and the tests hold every solver's plan to."""

from __future__ import annotations

import numpy as np

from matcher.candidates import Candidates
from matcher.i18n import Text
from matcher.policy import Policy
from matcher.problem import ProblemArrays
from matcher.rules.capacity import check_resource_hours, check_resource_tasks
from matcher.rules.pairing import check_pairing_minimums
from matcher.rules.providers import check_all_or_nothing
from matcher.rules.required import check_required_needs
from matcher.rules.shares import check_community_shares


def check_plan(a: ProblemArrays, candidates: Candidates, policy: Policy, chosen: np.ndarray) -> list[Text]:
    """Every hard rule the chosen pairs break, one message each (empty when the plan keeps them all).
    That each pair is a candidate (skills, reach, slots, deadlines, pairings' bounds) is the
    candidates' own rule: ``chosen`` indexes them."""
    return [
        *check_all_or_nothing(a, candidates, chosen),
        *check_resource_hours(a, candidates, chosen),
        *check_resource_tasks(a, candidates, chosen),
        *check_pairing_minimums(a, candidates, chosen),
        *check_required_needs(a, candidates, chosen),
        *check_community_shares(a, candidates, policy, chosen),
    ]
