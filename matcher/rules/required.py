"""Hard: a required need (必须服务) is served in every plan; a problem where one cannot be is
infeasible, naming it."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from matcher.candidates import Candidates
from matcher.i18n import Text
from matcher.problem import ProblemArrays
from matcher.rules.model import ModelBuilder
from matcher.rules.providers import served_needs


def required_rule_name(need: str) -> Text:
    """How a required need is named in every message."""
    return Text("required need {need} is served", need=need)


def add_required_needs(b: ModelBuilder, served: sparse.csr_matrix) -> None:
    """Hard: each required need's served indicator is 1 (named, so one that cannot be is reported)."""
    needs = np.flatnonzero(b.a.need_required)
    if len(needs) == 0:
        return
    first = b.rows.add_matrix(served[needs], np.ones(len(needs)), np.full(len(needs), np.inf))
    for i, n in enumerate(needs.tolist()):
        b.named[required_rule_name(b.a.need_ids[n])] = first + i


def check_required_needs(a: ProblemArrays, candidates: Candidates, chosen: np.ndarray) -> list[Text]:
    """The required needs the chosen pairs leave unserved."""
    left = a.need_required & ~served_needs(a, candidates, chosen)
    return [Text("required need {need} not served", need=a.need_ids[n]) for n in np.flatnonzero(left).tolist()]
