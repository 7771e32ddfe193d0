"""The per-need plan of a project run: who serves each need (a project instance or a resource)
and, for each need left unserved, one true reason read off the plan.

A need with no project that could serve it keeps the direct-service reason of the core
(:mod:`matcher.reasons`). A need some order could serve is followed along the project route, as
far as the route got:

1. a running instance that could serve it still had room: ``not_chosen`` (the solver left it);
2. running instances could serve it but were full: ``venue`` when the station's weekly capacity
   was reached, else ``capacity``;
3. an order that could serve it was placed (点单) but does not run: ``order_not_run``;
4. candidate orders were not placed: each is followed through ordering (点单) as a desk would —
   the community's budget (amount or number of orders), then the station's hours and capacity,
   then claiming (认领): enough eligible units with a task and the hours left. The need takes the
   rule that stopped the order which got furthest: ``budget``, ``venue`` or ``no_claimant``, and
   ``not_chosen`` when no rule stops one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from matcher.candidates import VALUE_SCALE
from matcher.i18n import N_, Text
from matcher.problem import MINUTES_PER_HOUR, URGENCIES
from matcher.projects.plan import Plan
from matcher.projects.space import CENTS, ProjectSpace
from matcher.reasons import REASONS, Reason, unmatched_reasons
from matcher.vocabulary import Vocabulary


class ProjectReason(Vocabulary):
    """Reasons a need goes unserved in a project run, beyond the core's direct-service reasons
    (``capacity`` is the core's: every candidate, unit or running instance, is full). Labels are
    English msgids, translated where printed (有空余未选, 站点已满, 点单未运行, 无人认领, 社区预算已用完)."""

    NOT_CHOSEN = "not_chosen", N_("an instance or unit had room; the solver left the need (its value)")
    VENUE = "venue", N_("the station's weekly capacity or opening hours are spent")
    ORDER_NOT_RUN = "order_not_run", N_("the order that would serve it was placed but not claimed in full")
    NO_CLAIMANT = "no_claimant", N_("too few eligible units have a task and the hours left to claim an order")
    BUDGET = "budget", N_("the community's budget (amount or number of orders) is spent")


#: Project-route stages of an unplaced candidate order, in the order they are checked.
_STAGES = (ProjectReason.BUDGET, ProjectReason.VENUE, ProjectReason.NO_CLAIMANT, ProjectReason.NOT_CHOSEN)


def residual(space: ProjectSpace, plan: Plan) -> tuple[np.ndarray, np.ndarray]:
    """Per resource: (tasks, minutes) left after the plan's claims and direct service."""
    a, d = space.problem.arrays, space.direct
    k, x = np.flatnonzero(plan.claims), np.flatnonzero(plan.direct)
    r = np.concatenate([space.claim_resource[k], d.resource[x]])
    load = np.concatenate([space.claim_load[k], d.load[x]])
    tasks = a.resource_capacity_tasks - np.bincount(r, minlength=a.n_resources)
    minutes = a.resource_capacity_minutes - np.bincount(r, weights=load, minlength=a.n_resources).astype(np.int64)
    return tasks, minutes


@dataclass(frozen=True)
class NeedPlan:
    """Per need: the reason code ("" when served) and a detail naming the budget, venue or order."""

    reason: np.ndarray  # object array of codes
    detail: list[str]  # "" or a Text (English, translated where printed)

    def counts(self) -> dict[str, int]:
        codes, counts = np.unique(self.reason[self.reason != ""].astype(str), return_counts=True)
        return dict(zip(codes.tolist(), counts.tolist(), strict=True))


def label(code: str) -> str:
    """The explanation of a reason code (project or core)."""
    for vocabulary in (ProjectReason, REASONS):
        for member in vocabulary:
            if member.value == code:
                return member.label
    return code


class Route:
    """What the plan left for the project route: instance room, venue room, budgets, claimants."""

    def __init__(self, space: ProjectSpace, plan: Plan) -> None:
        s = self.space = space
        self.plan = plan
        served = s.serve_order[plan.serves]
        self.instance_load = np.bincount(served, minlength=s.n_orders)
        n_venues = len(s.venue_capacity)
        at = s.order_venue[served]
        self.venue_load = np.bincount(at[at >= 0], minlength=n_venues)
        running = np.flatnonzero(plan.running & (s.order_venue >= 0))
        self.venue_minutes = np.bincount(
            s.order_venue[running], weights=s.order_minutes[running], minlength=n_venues
        ).astype(np.int64)
        free = np.flatnonzero(plan.placed & ~s.order_pinned)
        n_comm = len(s.budget_cents)
        self.spent_cents = np.bincount(s.order_community[free], weights=s.order_cents[free], minlength=n_comm).astype(
            np.int64
        )
        self.spent_orders = np.bincount(s.order_community[free], minlength=n_comm)
        tasks, minutes = residual(space, plan)
        able = (tasks[s.claim_resource] >= 1) & (minutes[s.claim_resource] >= s.claim_load)
        self.able_claimants = np.bincount(s.claim_order[able], minlength=s.n_orders)

    def venue_full(self, v: int) -> bool:
        return v >= 0 and self.venue_load[v] >= self.space.venue_capacity[v]

    def stage(self, o: int) -> int:
        """How far unplaced order ``o`` gets through :data:`_STAGES` (index of the first that stops it)."""
        s = self.space
        c = int(s.order_community[o])
        over_count = 0 <= s.budget_orders[c] < self.spent_orders[c] + 1
        over_cents = 0 <= s.budget_cents[c] < self.spent_cents[c] + s.order_cents[o]
        if over_count or over_cents:
            return 0
        v = int(s.order_venue[o])
        if v >= 0 and (self.venue_full(v) or self.venue_minutes[v] + s.order_minutes[o] > s.venue_minutes[v]):
            return 1
        if self.able_claimants[o] < s.order_slots[o]:
            return 2
        return 3

    def blocker(self, o: int) -> Text | str:
        """What keeps unplaced order ``o`` from being placed now: the budget, the station or
        claimants, named with their figures ("" when nothing does)."""
        s, stage = self.space, self.stage(o)
        if stage == 0:
            return self.budget_text(int(s.order_community[o]))
        if stage == 1:
            return self.venue_text(int(s.order_venue[o]))
        if stage == 2:
            return Text("claimants (认领): {claimants}", claimants=self.claimants_text(o))
        return ""

    def claimants_text(self, o: int) -> Text:
        """The units eligible to claim order ``o`` that have a task and the hours left, and its slots."""
        return Text(
            "{eligible} eligible unit(s) with room for {slots} slot(s)",
            eligible=int(self.able_claimants[o]),
            slots=int(self.space.order_slots[o]),
        )

    def budget_text(self, c: int) -> Text:
        """Community ``c``'s budget: orders and money spent of its limits."""
        s = self.space
        orders = (
            Text("no limit")
            if s.budget_orders[c] < 0
            else Text("{used} of {limit}", used=int(self.spent_orders[c]), limit=int(s.budget_orders[c]))
        )
        amount = (
            Text("no limit")
            if s.budget_cents[c] < 0
            else Text(
                "{used:,.2f} of {limit:,.2f}",
                used=float(self.spent_cents[c] / CENTS),
                limit=float(s.budget_cents[c] / CENTS),
            )
        )
        community = s.problem.arrays.community_ids[c]
        return Text(
            "budget of {community} (社区预算): orders {orders}; spent {amount}",
            community=community,
            orders=orders,
            amount=amount,
        )

    def venue_text(self, v: int) -> Text:
        """Station ``v``: needs served of its weekly capacity and hours used of its opening hours."""
        s = self.space
        return Text(
            "venue {venue} (站点): {needs} of {capacity} needs a week, {hours:g} of {open_hours:g} h open",
            venue=s.problem.venues[v].id,
            needs=int(self.venue_load[v]),
            capacity=int(s.venue_capacity[v]),
            hours=float(self.venue_minutes[v] / MINUTES_PER_HOUR),
            open_hours=float(s.venue_minutes[v] / MINUTES_PER_HOUR),
        )


class OrderReason(Vocabulary):
    """Why an order a community placed (点单) does not run."""

    NO_SKILL = "no_skill", "无人具备技能 — too few units anywhere offer the project's category and skills"
    OUT_OF_REACH = "out_of_reach", "服务半径外 — too few units with the skills have the community within reach"
    PAIRING_BLOCKED = "pairing_blocked", "结对约束 — hard pairings bind the units in reach to other communities"
    BUDGET = "budget", "社区预算已用完 — the community's budget is spent on other orders"
    VENUE = "venue", "站点已满 — the station's opening hours are spent on other instances"
    CAPACITY = "capacity", "认领单位已满 — the eligible units' hours and tasks went to other orders and needs"


def order_reason(space: ProjectSpace, plan: Plan, o: int, route: Route | None = None) -> tuple[OrderReason, Text]:
    """The first rule that keeps given order ``o`` from running, with the figures behind it
    (``route``: the plan's :class:`Route`, when the caller has it)."""
    s = space
    skilled, in_reach, unbound = s.order_eligible[o].tolist()
    slots = int(s.order_slots[o])
    if skilled < slots:
        return OrderReason.NO_SKILL, Text(
            "{units} unit(s) with the skills for {slots} slot(s)", units=skilled, slots=slots
        )
    if in_reach < slots:
        return OrderReason.OUT_OF_REACH, Text(
            "{units} unit(s) in reach for {slots} slot(s)", units=in_reach, slots=slots
        )
    if unbound < slots:
        return OrderReason.PAIRING_BLOCKED, Text(
            "{units} unit(s) free of other pairings for {slots} slot(s)", units=unbound, slots=slots
        )
    route = route or Route(space, plan)
    c, v = int(s.order_community[o]), int(s.order_venue[o])
    if not plan.placed[o] and route.stage(o) == 0:
        return OrderReason.BUDGET, route.budget_text(c)
    if v >= 0 and route.venue_minutes[v] + s.order_minutes[o] > s.venue_minutes[v]:
        return OrderReason.VENUE, route.venue_text(v)
    return OrderReason.CAPACITY, route.claimants_text(o)


def need_plan(space: ProjectSpace, plan: Plan, served: np.ndarray) -> NeedPlan:
    """One reason (and its detail) per unserved need, following the route as far as it got."""
    a, s, d = space.problem.arrays, space, space.direct
    core = unmatched_reasons(d, a.need_providers, served)
    tasks, minutes = residual(space, plan)
    room = (tasks[d.resource] >= 1) & (minutes[d.resource] >= d.load)
    direct_room = np.bincount(d.need, weights=room, minlength=a.n_needs) >= a.need_providers
    route = Route(space, plan)
    pairs_of: dict[int, list[int]] = {}
    for p, n in enumerate(s.serve_need.tolist()):
        if not served[n]:
            pairs_of.setdefault(n, []).append(p)
    reason = np.full(a.n_needs, "", dtype=object)
    detail = [""] * a.n_needs
    for n in np.flatnonzero(~served).tolist():
        orders = np.unique(s.serve_order[pairs_of.get(n, [])])
        running = orders[plan.running[orders]]
        has_room = [
            o
            for o in running.tolist()
            if route.instance_load[o] < s.order_serves[o] and not route.venue_full(int(s.order_venue[o]))
        ]
        placed_idle = orders[plan.placed[orders] & ~plan.running[orders]]
        unplaced = orders[~plan.placed[orders]]
        if has_room or direct_room[n]:
            code: ProjectReason | Reason = ProjectReason.NOT_CHOSEN
            detail[n] = (
                Text("order {order} had room", order=s.order_ids[has_room[0]]) if has_room else Text("a unit had room")
            )
        elif len(running):
            full_venues = [int(v) for v in s.order_venue[running] if route.venue_full(int(v))]
            code = ProjectReason.VENUE if full_venues else Reason.CAPACITY
            detail[n] = (
                route.venue_text(full_venues[0])
                if full_venues
                else Text("instances full: {orders}", orders=", ".join(s.order_ids[o] for o in running[:3].tolist()))
            )
        elif len(placed_idle):
            code = ProjectReason.ORDER_NOT_RUN
            o = int(placed_idle[0])
            why, figures = order_reason(space, plan, o, route)
            detail[n] = Text(
                "order {order} does not run: {reason}, {figures}",
                order=s.order_ids[o],
                reason=why.value,
                figures=figures,
            )
        elif len(unplaced):
            stages = [route.stage(int(o)) for o in unplaced.tolist()]
            best = max(stages)
            o = int(unplaced[stages.index(best)])
            code = _STAGES[best]
            detail[n] = Text(
                "order {order}: {blocker}", order=s.order_ids[o], blocker=route.blocker(o) or Text("could be placed")
            )
        else:
            reason[n] = REASONS[core[n]].value
            continue
        reason[n] = code.value
    return NeedPlan(reason, detail)


def assignment_rows(space: ProjectSpace, plan: Plan) -> list[dict[str, Any]]:
    """The direct run's assignment columns, one row per (need, resource) pair served directly and
    one per need served by a project instance (its claimants as the resource), plus who serves:
    ``served_by`` (direct or project), ``order``, ``project`` and ``venue``."""
    a, s, d, problem = space.problem.arrays, space, space.direct, space.problem
    rows = []
    for x in np.flatnonzero(plan.direct).tolist():
        n, r = int(d.need[x]), int(d.resource[x])
        rows.append(
            {
                "need": a.need_ids[n],
                "resource": a.resource_ids[r],
                "community": a.community_ids[a.need_community[n]],
                "travel_minutes": round(float(d.minutes[x]), 1),
                "arrival_minutes": round(float(d.arrival[x]), 1),
                "load_hours": round(int(d.load[x]) / MINUTES_PER_HOUR, 2),
                "value": int(d.value[x]) / VALUE_SCALE,
                "served_by": "direct",
                "order": "",
                "project": "",
                "venue": "",
            }
        )
    claimants: dict[int, list[str]] = {}
    for k in np.flatnonzero(plan.claims).tolist():
        claimants.setdefault(int(s.claim_order[k]), []).append(a.resource_ids[s.claim_resource[k]])
    venue_comm = [a.community_ids.index(v.community) for v in problem.venues]
    for p in np.flatnonzero(plan.serves).tolist():
        n, o = int(s.serve_need[p]), int(s.serve_order[p])
        v = int(s.order_venue[o])
        travel = float(a.travel[venue_comm[v], a.need_community[n]]) if v >= 0 else 0.0
        rows.append(
            {
                "need": a.need_ids[n],
                "resource": ";".join(claimants.get(o, [])),
                "community": a.community_ids[a.need_community[n]],
                "travel_minutes": round(travel, 1),
                "arrival_minutes": "",
                "load_hours": "",
                "value": int(s.serve_value[p]) / VALUE_SCALE,
                "served_by": "project",
                "order": s.order_ids[o],
                "project": problem.projects[s.order_project[o]].id,
                "venue": problem.venues[v].id if v >= 0 else "",
            }
        )
    order = {nid: i for i, nid in enumerate(a.need_ids)}
    rows.sort(key=lambda row: order[row["need"]])
    return rows


def unmatched_rows(space: ProjectSpace, plan: NeedPlan) -> list[dict[str, Any]]:
    """The direct run's unmatched columns (need, community, urgency, reason, explanation) and the
    ``detail`` naming the budget, venue or order, and how many orders could have served the need."""
    a = space.problem.arrays
    candidates = np.bincount(space.serve_need, minlength=a.n_needs)
    return [
        {
            "need": a.need_ids[n],
            "community": a.community_ids[a.need_community[n]],
            "urgency": URGENCIES[a.need_urgency[n]].value,
            "reason": str(plan.reason[n]),
            "explanation": label(str(plan.reason[n])),
            "detail": plan.detail[n],
            "project_candidates": int(candidates[n]),
        }
        for n in np.flatnonzero(plan.reason != "").tolist()
    ]
