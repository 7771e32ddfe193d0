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
    community = a.need_community[n]
    travel = np.asarray(a.travel[a.resource_community[offering], community], dtype=float).reshape(-1)
    reach_r, reach_c = reach_pairs(a)
    in_scope = set(reach_r[reach_c == community].tolist())
    c = result.candidates
    mine = c.need == n
    pair_load = dict(zip(c.resource[mine].tolist(), c.load[mine].tolist(), strict=True))
    serving = set(result.pair_resource[result.pair_need == n].tolist())
    tasks_left, minutes_left = remaining(result)
    deadline = URGENCIES[a.need_urgency[n]].deadline_minutes
    rows = []
    for r, minutes in sorted(zip(offering.tolist(), travel.tolist(), strict=True), key=lambda x: (x[1], x[0])):
        facts = {
            "travel": minutes,
            "in_scope": r in in_scope,
            "arrival": minutes + float(a.resource_response[r]),
            "deadline": deadline,
            "tasks_left": int(tasks_left[r]),
            "hours_left": float(minutes_left[r]) / 60,
        }
        rule, change = _first_rule(result, n, r, facts, pair_load.get(r), r in serving)
        rows.append({"resource": a.resource_ids[r], "rule": rule, "change": change, **_shown(facts)})
    return {
        "need": need_id,
        "community": need.community,
        "category": need.category.value,
        "skills": sorted(need.skills),
        "urgency": need.urgency.value,
        "deadline_minutes": deadline,
        "providers": int(a.need_providers[n]),
        "served": bool(result.served[n]),
        "resources": rows,
        "smallest_change": _smallest(rows),
    }


def _first_rule(
    result: Result, n: int, r: int, facts: dict[str, Any], load: int | None, serves: bool
) -> tuple[str, dict[str, Any]]:
    """The first rule resource ``r`` breaks for need ``n``, and the change that would lift it."""
    a, need, resource = result.problem.arrays, result.problem.needs[n], result.problem.resources[r]
    if serves:
        return "serves", {}
    if load is not None:  # a candidate: the solution used its room, or chose others
        hours_short = load / 60 - facts["hours_left"]
        if facts["tasks_left"] < 1 or hours_short > 0:
            return "capacity", {"tasks": max(0, 1 - facts["tasks_left"]), "hours": round(max(0.0, hours_short), 2)}
        return "chosen", {}
    missing = sorted(set(need.skills) - set(resource.skills))
    if missing:
        return "skills", {"add_skills": missing}
    if not facts["in_scope"]:
        radius = float(a.resource_radius[r])
        if facts["travel"] > radius:
            return "reach", {"radius_minutes": math.ceil(facts["travel"]), "from": radius}
        return "reach", {"level": True}
    if not a.resource_slots[r] & a.need_slots[n]:
        return "slot", {"slot": need.slot.value if need.slot else ""}
    if facts["arrival"] > facts["deadline"]:
        return "deadline", {"minutes_sooner": math.ceil(facts["arrival"] - facts["deadline"])}
    group = int(a.resource_group[r])
    if group >= 0 and result.candidates.hard_groups[group] and not a.paired[group, a.need_community[n]]:
        return "pairing", {"group": a.group_ids[group]}
    return "worth", {}


def _shown(facts: dict[str, Any]) -> dict[str, Any]:
    return {
        "travel_minutes": round(facts["travel"], 1),
        "arrival_minutes": round(facts["arrival"], 1),
        "tasks_left": facts["tasks_left"],
        "hours_left": round(facts["hours_left"], 2),
    }


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
