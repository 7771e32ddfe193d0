"""Soft rules: the objective, maximised lexicographically phase by phase — the urgency levels served
first (default: emergencies, 紧急), then the value of the chosen pairs less the load-balancing cost."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from matcher.candidates import VALUE_SCALE, Candidates
from matcher.policy import Policy
from matcher.problem import URGENCIES, ProblemArrays
from matcher.rules.model import ModelBuilder, Phase
from matcher.vocabulary import Urgency

#: Utilisation is measured in permille for the load-balancing term.
PERMILLE = 1000


def add_overload(b: ModelBuilder) -> tuple[np.ndarray, np.ndarray]:
    """Soft: load balancing — each resource's share of hours used beyond the policy's target, in
    permille, as an integer column tied to its pairs by a row. Returns (columns, their resources);
    the value phase gives the columns their cost."""
    a, c = b.a, b.c
    base = round(b.policy.balance_target * PERMILLE)
    hours = a.resource_capacity_minutes.astype(np.int64)
    total = np.bincount(c.resource, weights=c.load, minlength=a.n_resources).astype(np.int64)
    counted = (hours > 0) & (total * PERMILLE > base * hours)
    rs = np.flatnonzero(counted)
    # sum load * PERMILLE * x - hours * e <= base * hours
    cols, _, _ = b.tied_columns(
        counted,
        c.resource,
        c.load.astype(np.float64) * PERMILLE,
        -hours[rs].astype(np.float64),
        float(PERMILLE - base),
        np.full(len(rs), -np.inf),
        (base * hours[rs]).astype(np.float64),
    )
    b.aux.overload = (cols, rs)
    return cols, rs


def overload_of(
    a: ProblemArrays, candidates: Candidates, policy: Policy, chosen: np.ndarray, resources: np.ndarray
) -> np.ndarray:
    """The overload column of each of ``resources`` at a plan: permille of hours used beyond the
    target, rounded up, within [0, PERMILLE - target]."""
    used = np.bincount(candidates.resource[chosen], weights=candidates.load[chosen], minlength=a.n_resources)
    hours = a.resource_capacity_minutes[resources].astype(np.float64)
    base = round(policy.balance_target * PERMILLE)
    return np.clip(np.ceil((used[resources] * PERMILLE - base * hours) / hours - 1e-9), 0, PERMILLE - base)


def priority_phases(a: ProblemArrays, policy: Policy, served: sparse.csr_matrix) -> list[Phase]:
    """Soft, lexicographic: the urgency levels the policy serves first, each a phase that
    maximises how many of its needs are served (default: emergencies, 紧急)."""
    phases = []
    for level in policy.priority_urgencies:
        mine = a.need_urgency == URGENCIES.index(Urgency.parse(level))
        if not mine.any():
            continue
        objective = np.asarray(served[np.flatnonzero(mine)].sum(axis=0)).ravel()
        phases.append(Phase(f"{level} needs served", objective))
    return phases


def value_phase(
    candidates: Candidates, policy: Policy, n_columns: int, overload: tuple[np.ndarray, np.ndarray] | None
) -> Phase:
    """Soft: the summed value of the chosen pairs, less the load-balancing cost.

    With load balancing the value is scaled by PERMILLE so that the cost per permille of overload
    stays whole (``balance_weight * VALUE_SCALE`` per whole share of hours)."""
    objective = np.zeros(n_columns)
    objective[: len(candidates)] = candidates.value
    if overload is None:
        return Phase("value", objective)
    cols, _ = overload
    objective *= PERMILLE
    objective[cols] = -round(policy.balance_weight * VALUE_SCALE)
    return Phase("value", objective, PERMILLE)
