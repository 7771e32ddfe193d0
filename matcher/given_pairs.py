"""Candidates from the researcher's own ``pairs`` list (a survey of who will do what, hours
estimated per person and task, a routing engine's travel minutes).

``settings.pairs_mode`` says how the list meets the rules: ``replace`` (the default) makes the
listed pairs the candidates, checking none of the matching rules (category, skills, reach, slot,
deadline, pairing) — the list is the researcher's statement; ``restrict`` keeps the computed
candidates that are listed. Either way a listed field replaces the computed one: ``load_minutes``
the load, ``travel_minutes`` the travel (and so the arrival and the travel price), ``value`` the
pair's value, ``cost`` a price taken off the need's base value (tier weight × urgency weight)
instead of the usual fit and travel terms. Pairs worth nothing are dropped as usual, unless the
need takes several providers or is required.
"""

from __future__ import annotations

import numpy as np

from matcher.candidates import VALUE_SCALE, Candidates, Stages, need_base_values
from matcher.policy import Policy
from matcher.problem import Problem


def _listed(problem: Problem) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """(need, resource, fields) of the listed pairs; a field is NaN where the row leaves it blank."""
    a = problem.arrays
    need_index = {n: i for i, n in enumerate(a.need_ids)}
    resource_index = {r: i for i, r in enumerate(a.resource_ids)}
    rows = problem.pairs
    need = np.array([need_index[p.need] for p in rows], dtype=np.int32)
    resource = np.array([resource_index[p.resource] for p in rows], dtype=np.int32)
    fields = {
        name: np.array([np.nan if getattr(p, name) is None else getattr(p, name) for p in rows], dtype=np.float64)
        for name in ("value", "cost", "load_minutes", "travel_minutes")
    }
    return need, resource, fields


def _computed_value(
    problem: Problem,
    policy: Policy,
    need: np.ndarray,
    res: np.ndarray,
    minutes: np.ndarray,
    arrival: np.ndarray,
    binding: np.ndarray,
) -> np.ndarray:
    """The usual value of a pair: base × fit / providers less the travel price (and lateness)."""
    a = problem.arrays
    home = a.need_community[need]
    group = a.resource_group[res]
    paired = np.vstack([a.paired, np.zeros(a.n_communities, dtype=bool)])[group, home]
    soft = paired & ~np.append(binding, False)[group]
    fit = 1.0 + policy.locality_bonus * (a.resource_community[res] == home) + policy.pairing_bonus * soft
    value = need_base_values(a, policy)[need] * fit / a.need_providers[need] - policy.travel_cost * minutes
    if not policy.enforce_deadlines:
        value -= policy.lateness_cost * np.maximum(arrival - a.need_deadline[need], 0.0)
    return value


def given_candidates(problem: Problem, policy: Policy, computed: Candidates) -> Candidates:
    """The candidates of a problem with a ``pairs`` list, from the rules' ``computed`` candidates."""
    a = problem.arrays
    need, res, fields = _listed(problem)
    if problem.settings.pairs_mode == "restrict":
        allowed = set(zip(computed.need.tolist(), computed.resource.tolist(), strict=True))
        keep = np.array([k in allowed for k in zip(need.tolist(), res.tolist(), strict=True)], dtype=bool)
        need, res, fields = need[keep], res[keep], {k: v[keep] for k, v in fields.items()}
    listed = np.bincount(need, minlength=a.n_needs)
    order = np.lexsort((res, need))
    need, res, fields = need[order], res[order], {k: v[order] for k, v in fields.items()}
    minutes = np.where(
        np.isnan(fields["travel_minutes"]),
        a.travel[a.resource_community[res], a.need_community[need]],
        fields["travel_minutes"],
    )
    arrival = minutes + a.resource_response[res]
    value = _computed_value(problem, policy, need, res, minutes, arrival, computed.hard_groups)
    value = np.where(np.isnan(fields["cost"]), value, need_base_values(a, policy)[need] - fields["cost"])
    value = np.where(np.isnan(fields["value"]), value, fields["value"])
    scaled = np.rint(value * VALUE_SCALE).astype(np.int64)
    load = np.where(
        np.isnan(fields["load_minutes"]), a.need_minutes[need] * a.resource_factor[res], fields["load_minutes"]
    )
    keep = (scaled > 0) | (a.need_providers[need] > 1) | a.need_required[need]
    return Candidates(
        need=need[keep],
        resource=res[keep],
        minutes=minutes[keep].astype(np.float32),
        arrival=arrival[keep].astype(np.float32),
        load=np.maximum(np.rint(load[keep]), 1).astype(np.int64),
        value=scaled[keep],
        stages=Stages(listed > 0, listed, listed, listed, listed, np.bincount(need[keep], minlength=a.n_needs)),
        hard_groups=computed.hard_groups,
        listed=True,
    )
