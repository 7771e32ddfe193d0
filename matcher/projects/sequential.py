"""The sequential baseline, one decision after another as a desk would take them:

1. order (点单): each community keeps its given orders, then picks new projects greedily by the
   value of the needs they could cover per unit of cost, within its budget and order count;
2. claim (认领): orders in turn (pinned first, then by value) take the nearest eligible units
   that still have hours and tasks; an order that cannot fill every slot does not run;
3. assign: needs go to running instances and to resources exactly (flow or CP-SAT), with
   orders and claims fixed.
"""

from __future__ import annotations

import numpy as np

from matcher.projects.assign import assign, residual_capacity
from matcher.projects.plan import Part, Plan, fits_venue, venue_minutes_left
from matcher.projects.space import ProjectSpace


def _order_value(space: ProjectSpace, o: int, covered: set[int], by_order: dict[int, list[int]]) -> int:
    """Value of the best ``serves`` needs order ``o`` could take that no chosen order covers yet."""
    pairs = by_order.get(o, [])
    values = sorted((int(space.serve_value[s]) for s in pairs if int(space.serve_need[s]) not in covered), reverse=True)
    return sum(values[: int(space.order_serves[o])])


class _Purse:
    """What a community's budget has left while the desk orders: cents and orders (None: no limit)."""

    def __init__(self, space: ProjectSpace, c: int) -> None:
        self.cents = int(space.budget_cents[c]) if space.budget_cents[c] >= 0 else None
        self.count = int(space.budget_orders[c]) if space.budget_orders[c] >= 0 else None

    def affords(self, cents: int) -> bool:
        return (self.count is None or self.count >= 1) and (self.cents is None or self.cents >= cents)

    def spend(self, cents: int) -> None:
        self.count = None if self.count is None else self.count - 1
        self.cents = None if self.cents is None else self.cents - cents


def _place(space: ProjectSpace, plan: Plan, o: int, covered: set[int], by_order: dict[int, list[int]]) -> int:
    """Place order ``o``, mark the needs it could serve covered; its greedy value."""
    plan.placed[o] = True
    value = _order_value(space, o, covered, by_order)
    covered.update(space.serve_need[by_order.get(o, [])].tolist())
    return value


def _order_community(
    space: ProjectSpace, plan: Plan, mine: np.ndarray, by_order: dict[int, list[int]], values: dict[int, float]
) -> None:
    """One community's orders: its given ones first (pinned ones always), then new projects by
    value per unit of cost while the budget lasts."""
    covered: set[int] = set()
    purse = _Purse(space, int(space.order_community[mine[0]]))
    for o in mine[space.order_given[mine]].tolist():
        free = not space.order_pinned[o]
        if free and not purse.affords(int(space.order_cents[o])):
            continue
        values[o] = _place(space, plan, o, covered, by_order)
        if free:
            purse.spend(int(space.order_cents[o]))
    candidates = mine[~space.order_given[mine]].tolist()
    while candidates and purse.affords(0):
        scored = [
            (_order_value(space, o, covered, by_order) / max(int(space.order_cents[o]), 1), o)
            for o in candidates
            if purse.affords(int(space.order_cents[o]))
        ]
        scored = [(ratio, o) for ratio, o in scored if ratio > 0]
        if not scored:
            break
        _, best = max(scored)
        values[best] = _place(space, plan, best, covered, by_order)
        candidates.remove(best)
        purse.spend(int(space.order_cents[best]))


def order_step(space: ProjectSpace, part: Part, plan: Plan) -> dict[int, float]:
    """Place orders community by community; return each placed order's greedy value."""
    by_order: dict[int, list[int]] = {}
    for s in part.serves.tolist():
        by_order.setdefault(int(space.serve_order[s]), []).append(s)
    values: dict[int, float] = {}
    for c in np.unique(space.order_community[part.orders]).tolist():
        _order_community(space, plan, part.orders[space.order_community[part.orders] == c], by_order, values)
    return values


def claim_step(
    space: ProjectSpace, part: Part, plan: Plan, values: dict[int, float], preference: np.ndarray | None = None
) -> None:
    """Fill provider slots nearest first (or by ``preference`` per claim pair, highest first);
    orders left short, or whose venue's opening hours are spent, do not run (new ones are dropped)."""
    for k in part.claims[space.claim_pinned[part.claims]].tolist():
        plan.claims[k] = True
    minutes, tasks = residual_capacity(space, plan)
    venue_left = venue_minutes_left(space, plan)
    claims_of: dict[int, list[int]] = {}
    rank = space.claim_cost[part.claims] if preference is None else -preference[part.claims]
    for k in part.claims[np.argsort(rank, kind="stable")].tolist():
        claims_of.setdefault(int(space.claim_order[k]), []).append(k)
    placed = [o for o in part.orders.tolist() if plan.placed[o]]
    placed.sort(key=lambda o: (not space.order_pinned[o], -values.get(o, 0)))
    for o in placed:
        taken = [k for k in claims_of.get(o, []) if plan.claims[k]]
        for k in claims_of.get(o, []):
            if len(taken) >= space.order_slots[o]:
                break
            r = space.claim_resource[k]
            if not plan.claims[k] and tasks[r] >= 1 and minutes[r] >= space.claim_load[k]:
                taken.append(k)
        if len(taken) >= space.order_slots[o] and fits_venue(space, o, venue_left):
            plan.running[o] = True
            if space.order_venue[o] >= 0:
                venue_left[space.order_venue[o]] -= space.order_minutes[o]
            for k in taken:
                if not plan.claims[k]:
                    plan.claims[k] = True
                    minutes[space.claim_resource[k]] -= space.claim_load[k]
                    tasks[space.claim_resource[k]] -= 1
        elif not space.order_pinned[o]:
            plan.placed[o] = False


def sequential_plan(
    space: ProjectSpace, part: Part, *, time_limit: float, workers: int, seed: int
) -> tuple[Plan, int, str]:
    """Order, then claim, then assign: (plan, objective, how the assignment was solved)."""
    plan = Plan.empty(space)
    values = order_step(space, part, plan)
    claim_step(space, part, plan, values)
    done, value, _, how = assign(space, part, plan, time_limit=time_limit, workers=workers, seed=seed)
    return done, value, how
