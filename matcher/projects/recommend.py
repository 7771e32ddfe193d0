"""Recommendations that explain themselves, read off a solved plan.

- for a community (点单): the projects to order, each once with its station and the needs it
  would cover, first those the joint plan orders, then the best alternatives with what blocks
  them (the community's budget, the station, or claimants);
- for a unit (认领): the open orders it is best placed to claim, with why (skills, distance,
  pairing, load).
Orders nobody can claim carry their reason in :meth:`ProjectResult.unclaimed`.
The reasons are :class:`~matcher.i18n.Text`: English, translated where a person reads them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from matcher.candidates import VALUE_SCALE
from matcher.domain import Project
from matcher.errors import FieldError
from matcher.i18n import Text
from matcher.problem import MINUTES_PER_HOUR
from matcher.projects.needs import Route
from matcher.projects.result import ProjectResult

#: A unit's pairing with an order's community when it has none.
NO_PAIRING = Text("no pairing")


def _offers(project: Project) -> Text:
    """The skills a claimant of ``project`` offers (the category's when the project names none)."""
    if project.skills:
        return Text(
            "offers {skills} ({category})", skills="、".join(sorted(project.skills)), category=project.category.label
        )
    return Text("offers the category ({category})", category=project.category.label)


def _need_rows(result: ProjectResult, needs: np.ndarray) -> list[dict[str, str]]:
    problem = result.space.problem
    return [{"need": problem.needs[n].id, "title": problem.needs[n].title} for n in needs.tolist()]


def for_community(result: ProjectResult, community: str, alternatives: int = 5) -> list[dict[str, Any]]:
    """Projects for ``community`` to order, each once: those the joint plan orders (with the needs
    they serve), then the best alternatives (at their best station), each with the needs it would
    cover, its venue and what blocks it (the community's budget, the station, or claimants)."""
    s, a = result.space, result.space.problem.arrays
    if community not in a.community_ids:
        raise FieldError("--community", Text("unknown community {community!r}", community=community))
    c = a.community_ids.index(community)
    served = result.served
    route = Route(s, result.plan)
    best: dict[int, dict[str, Any]] = {}  # per project: the row of its best order
    for o in np.flatnonzero((s.order_community == c) & ~s.order_given).tolist():
        pairs = np.flatnonzero(s.serve_order == o)
        project = s.problem.projects[s.order_project[o]]
        ordered = bool(result.plan.placed[o])
        if ordered:
            chosen = pairs[result.plan.serves[pairs]]
            why = Text("the joint plan orders it; {needs} need(s) served by it", needs=len(chosen))
            blocked: Text | str = ""
        else:
            open_pairs = pairs[~served[s.serve_need[pairs]]]
            chosen = open_pairs[np.argsort(-s.serve_value[open_pairs], kind="stable")][: project.serves]
            if len(chosen) == 0:
                continue
            why = Text(
                "would cover {needs} need(s) left unserved; {units} unit(s) can claim it",
                needs=len(chosen),
                units=int(s.order_eligible[o, 2]),
            )
            blocked = route.blocker(o)
        v = int(s.order_venue[o])
        row = {
            "project": project.id,
            "name": project.name,
            "category": project.category.label,
            "tier": project.tier.label,
            "cost": project.cost,
            "ordered": ordered,
            "venue": s.problem.venues[v].id if v >= 0 else "",
            "value": round(float(s.serve_value[chosen].sum()) / VALUE_SCALE, 3),
            "why": why,
            "blocked_by": blocked,
            "needs": _need_rows(result, s.serve_need[chosen]),
        }
        key = int(s.order_project[o])
        held = best.get(key)
        if held is None or (row["ordered"], row["value"]) > (held["ordered"], held["value"]):
            best[key] = row
    rows = list(best.values())
    chosen_rows = [r for r in rows if r["ordered"]]
    others = sorted((r for r in rows if not r["ordered"]), key=lambda r: (-r["value"], r["project"]))[:alternatives]
    return chosen_rows + others


def for_unit(result: ProjectResult, unit: str, limit: int = 10) -> list[dict[str, Any]]:
    """Open orders ``unit`` may claim, best placed first, each with the reasons."""
    s, a, problem = result.space, result.space.problem.arrays, result.space.problem
    if unit not in a.resource_ids:
        raise FieldError("--unit", Text("unknown unit {unit!r}", unit=unit))
    r = a.resource_ids.index(unit)
    resource = problem.resources[r]
    claimed = np.bincount(s.claim_order[result.plan.claims], minlength=s.n_orders)
    mine = np.flatnonzero(s.claim_resource == r)
    used = np.flatnonzero(result.plan.claims & (s.claim_resource == r))
    direct = np.flatnonzero(result.plan.direct & (s.direct.resource == r))
    tasks = len(used) + len(direct)
    hours = (s.claim_load[used].sum() + s.direct.load[direct].sum()) / MINUTES_PER_HOUR
    load = Text(
        "{tasks} of {capacity} task(s), {hours:.1f} of {capacity_hours:g} h in the plan",
        tasks=tasks,
        capacity=resource.capacity_tasks,
        hours=float(hours),
        capacity_hours=resource.capacity_hours,
    )
    group = a.resource_group[r]
    rows = []
    for k in mine.tolist():
        o = int(s.claim_order[k])
        proposed = bool(result.plan.claims[k])
        if not result.plan.placed[o] or (claimed[o] >= s.order_slots[o] and not proposed):
            continue
        project = problem.projects[s.order_project[o]]
        c = s.order_community[o]
        if group < 0 or not a.paired[group, c]:
            pairing = NO_PAIRING
        else:
            pairing = Text("paired (结对, hard)") if s.direct.hard_groups[group] else Text("paired (结对, soft)")
        rows.append(
            {
                "order": s.order_ids[o],
                "project": project.id,
                "name": project.name,
                "community": a.community_ids[c],
                "proposed": proposed,
                "slots_open": int(s.order_slots[o] - claimed[o]) + (1 if proposed else 0),
                "skills": _offers(project),
                "distance_minutes": round(float(s.claim_minutes[k]), 1),
                "pairing": pairing,
                "load": load,
                "effort_hours": round(int(s.claim_load[k]) / MINUTES_PER_HOUR, 2),
            }
        )
    rows.sort(key=lambda row: (not row["proposed"], row["pairing"] == NO_PAIRING, row["distance_minutes"]))
    return rows[:limit]
