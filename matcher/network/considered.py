"""Every resource considered for one need (是否可服务): the rule that excluded each, and the
smallest change that would let it serve. Rules are checked in the order the candidate stages
apply them (:mod:`matcher.reasons`): service category and skills, reach (radius and level),
time slot, deadline, fixed pairings (结对), worth, then the capacity the solution left.

Whether a pair is a candidate comes from the candidates the solve used; the facts name the
first rule a non-candidate breaks. "Smallest change" is the change to the resource that got
furthest through the rules, the smallest of its kind (minutes, hours, tasks)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from matcher.candidates import reach_pairs
from matcher.network.diagnostics import remaining
from matcher.problem import URGENCIES

if TYPE_CHECKING:
    from matcher.result import Result

#: Rules in the order they apply; a later rule means the resource came closer to serving.
RULES = ("skills", "reach", "slot", "deadline", "pairing", "worth", "capacity", "chosen", "serves")


def considered(result: Result, need_id: str) -> dict[str, Any]:
    """The need, and one row per resource offering its service category (nearest first): the
    rule that excluded it (or ``serves``/``chosen``), the facts and the change that would help."""
    a, problem = result.problem.arrays, result.problem
    n = a.need_ids.index(need_id)
    need = problem.needs[n]
    offering = np.flatnonzero((a.resource_categories & np.uint8(1 << int(a.need_category[n]))) != 0)
    facts = _facts(result, n, offering)
    order = np.lexsort((offering, facts["travel"]))
    rules = _rules(result, n, offering, facts)
    rows = [
        _row(result, n, int(offering[i]), RULES[rules[i]], {k: v[i] for k, v in facts.items()}) for i in order.tolist()
    ]
    return {
        "need": need_id,
        "community": need.community,
        "category": need.category.value,
        "skills": sorted(need.skills),
        "urgency": need.urgency.value,
        "deadline_minutes": URGENCIES[a.need_urgency[n]].deadline_minutes,
        "providers": int(a.need_providers[n]),
        "served": bool(result.served[n]),
        "resources": rows,
        "smallest_change": _smallest(rows),
    }


def _facts(result: Result, n: int, offering: np.ndarray) -> dict[str, np.ndarray]:
    """Per offering resource: travel, arrival, room left, whether it is a candidate (and its load)."""
    a, c = result.problem.arrays, result.candidates
    community = a.need_community[n]
    travel = np.asarray(a.travel[a.resource_community[offering], community], dtype=float).reshape(-1)
    tasks_left, minutes_left = remaining(result)
    mine = c.need == n
    load = np.full(a.n_resources, -1, dtype=np.int64)
    load[c.resource[mine]] = c.load[mine]
    serving = np.zeros(a.n_resources, dtype=bool)
    serving[result.pair_resource[result.pair_need == n]] = True
    return {
        "travel": travel,
        "arrival": travel + a.resource_response[offering],
        "tasks_left": tasks_left[offering],
        "hours_left": minutes_left[offering] / 60,
        "load": load[offering],
        "serves": serving[offering],
    }


def _rules(result: Result, n: int, offering: np.ndarray, facts: dict[str, np.ndarray]) -> np.ndarray:
    """Per offering resource, the index in RULES of the first rule it breaks (or serves/chosen)."""
    a = result.problem.arrays
    community = a.need_community[n]
    reach_r, reach_c = reach_pairs(a)
    in_scope = np.zeros(a.n_resources, dtype=bool)
    in_scope[reach_r[reach_c == community]] = True
    bound_elsewhere = np.zeros(len(offering), dtype=bool)
    if len(a.group_ids):  # a unit of a group whose binding pairings leave out this community
        group = np.maximum(a.resource_group[offering], 0)
        bound_elsewhere = (a.resource_group[offering] >= 0) & result.candidates.hard_groups[group]
        bound_elsewhere &= ~a.paired[group, community]
    candidate = facts["load"] >= 0
    full = (facts["tasks_left"] < 1) | (facts["load"] / 60 > facts["hours_left"])
    checks = [
        (facts["serves"], "serves"),
        (candidate & full, "capacity"),
        (candidate, "chosen"),
        (np.any(a.need_skills[n][None, :] & ~a.resource_skills[offering], axis=1), "skills"),
        (~in_scope[offering], "reach"),
        ((a.resource_slots[offering] & a.need_slots[n]) == 0, "slot"),
        (facts["arrival"] > URGENCIES[a.need_urgency[n]].deadline_minutes, "deadline"),
        (bound_elsewhere, "pairing"),
    ]
    return np.select([hit for hit, _ in checks], [RULES.index(rule) for _, rule in checks], RULES.index("worth"))


def _row(result: Result, n: int, r: int, rule: str, facts: dict[str, Any]) -> dict[str, Any]:
    """One resource's row: its rule, the change that would lift it, and the facts shown."""
    return {
        "resource": result.problem.arrays.resource_ids[r],
        "rule": rule,
        "change": _change(result, n, r, rule, facts),
        "travel_minutes": round(float(facts["travel"]), 1),
        "arrival_minutes": round(float(facts["arrival"]), 1),
        "tasks_left": int(facts["tasks_left"]),
        "hours_left": round(float(facts["hours_left"]), 2),
    }


def _change(result: Result, n: int, r: int, rule: str, facts: dict[str, Any]) -> dict[str, Any]:
    """What would lift ``rule`` for resource ``r`` and need ``n``."""
    a, need = result.problem.arrays, result.problem.needs[n]
    if rule == "capacity":
        hours_short = float(facts["load"]) / 60 - float(facts["hours_left"])
        return {"tasks": max(0, 1 - int(facts["tasks_left"])), "hours": round(max(0.0, hours_short), 2)}
    if rule == "skills":
        return {"add_skills": sorted(set(need.skills) - set(result.problem.resources[r].skills))}
    if rule == "reach":
        radius = float(a.resource_radius[r])
        if float(facts["travel"]) > radius:
            return {"radius_minutes": math.ceil(float(facts["travel"])), "from": radius}
        return {"level": True}
    if rule == "slot":
        return {"slot": need.slot.value if need.slot else ""}
    if rule == "deadline":
        return {"minutes_sooner": math.ceil(float(facts["arrival"]) - URGENCIES[a.need_urgency[n]].deadline_minutes)}
    if rule == "pairing":
        return {"group": a.group_ids[a.resource_group[r]]}
    return {}


def _size(row: dict[str, Any]) -> float:
    """How big a row's change is, within its rule (minutes, hours or tasks; 0 when unmeasured)."""
    change = row["change"]
    if row["rule"] == "reach":
        return change.get("radius_minutes", 0) - change.get("from", 0)
    if row["rule"] == "capacity":
        return change["tasks"] * 1000 + change["hours"]
    return float(change.get("minutes_sooner", len(change.get("add_skills", ()))))


def _smallest(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The change to the resource that came furthest through the rules, the smallest of its kind;
    None when the need is served or a candidate with room was simply not chosen."""
    if any(row["rule"] in ("serves", "chosen") for row in rows) or not rows:
        return None
    best = max(rows, key=lambda row: (RULES.index(row["rule"]), -_size(row)))
    return {"resource": best["resource"], "rule": best["rule"], "change": best["change"]}
