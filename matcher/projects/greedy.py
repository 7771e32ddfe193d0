"""A joint greedy start for the CP-SAT model: orders, claims and direct service compete for the
same scarce provider tasks, and each step takes the action with the most value per task.

Actions: serve one need directly (one task), or place an order claimed by its nearest free
eligible units (``slots`` tasks) serving its best uncovered needs. Scores only fall as needs are
covered and capacity is used, so stale scores are re-checked lazily off a heap. Orders and
claims found this way are then fixed and the needs assigned exactly.
"""

from __future__ import annotations

import heapq

import numpy as np

from matcher.projects.assign import assign, residual_capacity
from matcher.projects.plan import ORDER_COST, Part, Plan, budget_left, fits_venue, venue_minutes_left
from matcher.projects.space import ProjectSpace


class _State:
    """Capacity, budgets and covered needs while the greedy runs."""

    def __init__(self, space: ProjectSpace, part: Part, plan: Plan) -> None:
        self.space, self.plan = space, plan
        a = space.problem.arrays
        self.minutes, self.tasks = residual_capacity(space, plan)
        self.cents, self.count = budget_left(space, plan)
        self.venue_left = venue_minutes_left(space, plan)
        self.covered = np.zeros(a.n_needs, dtype=bool)
        self.claims_of: dict[int, list[int]] = {}
        for k in part.claims[np.argsort(space.claim_cost[part.claims], kind="stable")].tolist():
            self.claims_of.setdefault(int(space.claim_order[k]), []).append(k)
        self.serves_of: dict[int, list[int]] = {}
        for s in part.serves[np.argsort(-space.serve_value[part.serves], kind="stable")].tolist():
            self.serves_of.setdefault(int(space.serve_order[s]), []).append(s)

    def order_action(self, o: int) -> tuple[float, list[int], list[int]]:
        """(value per task, claims to add, serves) of running order ``o`` now; value <= 0 if it cannot."""
        s, plan = self.space, self.plan
        c = s.order_community[o]
        if not plan.placed[o] and ((0 <= self.count[c] < 1) or (0 <= self.cents[c] < s.order_cents[o])):
            return 0.0, [], []
        if not fits_venue(s, o, self.venue_left):
            return 0.0, [], []
        have = [k for k in self.claims_of.get(o, []) if plan.claims[k]]
        need = int(s.order_slots[o]) - len(have)
        add: list[int] = []
        for k in self.claims_of.get(o, []):
            if len(add) >= need:
                break
            r = s.claim_resource[k]
            if not plan.claims[k] and self.tasks[r] >= 1 and self.minutes[r] >= s.claim_load[k]:
                add.append(k)
        if len(add) < need:
            return 0.0, [], []
        serves = [x for x in self.serves_of.get(o, []) if not self.covered[s.serve_need[x]]][: int(s.order_serves[o])]
        value = s.serve_value[serves].sum() - s.claim_cost[add].sum() - (0 if plan.placed[o] else ORDER_COST)
        return float(value) / max(need, 1), add, serves

    def direct_action(self, d: int) -> float:
        s = self.space
        n, r = s.direct.need[d], s.direct.resource[d]
        if self.covered[n] or self.tasks[r] < 1 or self.minutes[r] < s.direct.load[d]:
            return 0.0
        return float(s.direct.value[d])

    def run_order(self, o: int, add: list[int], serves: list[int]) -> None:
        s, plan = self.space, self.plan
        c = s.order_community[o]
        if not plan.placed[o] and not s.order_pinned[o]:
            self.count[c] -= 1 if self.count[c] >= 0 else 0
            self.cents[c] -= s.order_cents[o] if self.cents[c] >= 0 else 0
        plan.placed[o] = plan.running[o] = True
        if s.order_venue[o] >= 0:
            self.venue_left[s.order_venue[o]] -= s.order_minutes[o]
        for k in add:
            plan.claims[k] = True
            self.tasks[s.claim_resource[k]] -= 1
            self.minutes[s.claim_resource[k]] -= s.claim_load[k]
        self.covered[s.serve_need[serves]] = True

    def serve_directly(self, d: int) -> None:
        s = self.space
        r = s.direct.resource[d]
        self.tasks[r] -= 1
        self.minutes[r] -= s.direct.load[d]
        self.covered[s.direct.need[d]] = True


def joint_greedy_plan(
    space: ProjectSpace, part: Part, *, time_limit: float, workers: int, seed: int, keep: Plan | None = None
) -> tuple[Plan, int, str]:
    """Orders, claims and direct service chosen greedily by value per task, then assigned exactly;
    the orders and claims of ``keep`` (placed orders first) stay."""
    a = space.problem.arrays
    plan = Plan.empty(space) if keep is None else keep.orders_and_claims(part)
    pinned = part.orders[space.order_pinned[part.orders]]
    plan.placed[pinned] = True
    plan.claims[part.claims[space.claim_pinned[part.claims]]] = True
    state = _State(space, part, plan)
    single = part.direct[a.need_providers[space.direct.need[part.direct]] == 1]
    heap: list[tuple[float, int, int]] = [(-float(space.direct.value[d]), 0, int(d)) for d in single.tolist()]
    heap += [(-float("inf"), 1, int(o)) for o in part.orders.tolist()]
    heapq.heapify(heap)
    while heap:
        _, kind, i = heapq.heappop(heap)
        if kind == 1 and plan.running[i]:
            continue
        if kind == 1:
            score, add, serves = state.order_action(i)
        else:
            score = state.direct_action(i)
        if score <= 0:
            continue
        if heap and score < -heap[0][0]:
            heapq.heappush(heap, (-score, kind, i))  # stale: someone else may now be better
            continue
        if kind == 1:
            state.run_order(i, add, serves)
        else:
            state.serve_directly(i)
    plan.direct[:] = False
    done, value, _, how = assign(space, part, plan, time_limit=time_limit, workers=workers, seed=seed)
    return done, value, how
