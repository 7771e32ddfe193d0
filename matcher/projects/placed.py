"""Orders a community placed (点单) run first: the policy's ``placed_orders`` switch.

``priority`` (default) is lexicographic: first the most placed orders that can run together,
then the best value among plans running that many. The count comes from a model of the placed
orders and their claims alone (budgets, stations, units' hours and tasks; needs play no part);
the joint model then keeps at least that count running. Among plans running that many, the
count model takes the nearest claimants, so the start it gives wastes no travel. ``hard`` requires every placed order to
run and names those that cannot; ``free`` weighs placed orders like the solver's own.
"""

from __future__ import annotations

import numpy as np
from ortools.sat.python import cp_model

from matcher.errors import InfeasibleError
from matcher.i18n import Text
from matcher.policy import PlacedOrderMode
from matcher.projects.assign import assign
from matcher.projects.model import JointModel
from matcher.projects.needs import order_reason
from matcher.projects.plan import Part, Plan
from matcher.projects.space import ProjectSpace


def placed_running(space: ProjectSpace, part: Part, plan: Plan) -> int:
    """How many orders the communities placed run in ``plan`` (on ``part``)."""
    orders = part.orders[space.order_given[part.orders]]
    return int(plan.running[orders].sum())


def require_running(space: ProjectSpace, part: Part, plan: Plan) -> None:
    """Under ``placed_orders: hard``: raise :class:`InfeasibleError` naming the placed orders of
    ``part`` that do not run in ``plan``, and why."""
    given = part.orders[space.order_given[part.orders]]
    idle = given[~plan.running[given]]
    if space.policy.placed_orders != PlacedOrderMode.HARD or len(idle) == 0:
        return
    problems: list[str] = []
    for o in idle[:5].tolist():
        reason, detail = order_reason(space, plan, o)
        problems.append(
            Text(
                "placed order {order} cannot run (placed_orders: hard): {reason}, {detail}",
                order=space.order_ids[o],
                reason=reason.value,
                detail=detail,
            )
        )
    raise InfeasibleError(problems)


def placed_first(
    space: ProjectSpace, part: Part, *, engine: str, time_limit: float, workers: int, seed: int
) -> tuple[int, Plan, int]:
    """(most placed orders running together, a plan running them with the needs assigned exactly,
    its objective). Under ``hard`` a placed order that cannot run raises :class:`InfeasibleError`
    naming it and why."""
    given = part.orders[space.order_given[part.orders]]
    claims = part.claims[np.isin(space.claim_order[part.claims], given)]
    empty = np.zeros(0, dtype=np.int64)
    alone = Part(part.communities, empty, given, claims, empty, empty)
    model = JointModel(space, alone, minimums=False)
    # Most orders running first; among those, the nearest claimants (a weight above all claim costs).
    weight = int(space.claim_cost[claims].sum()) + 1
    model.model.maximize(
        weight * sum(model.placed_running())
        - cp_model.LinearExpr.weighted_sum(model.claim, space.claim_cost[claims].tolist())
    )
    found, _, _, _ = model.solve(time_limit / 2, workers, seed, engine=engine, gap=0.0)
    plan = Plan.empty(space)
    if found is not None:
        plan.update(alone, found)
    else:  # no plan in time: the pinned orders stay placed, nothing more is promised
        plan.placed[given[space.order_pinned[given]]] = True
        plan.claims[claims[space.claim_pinned[claims]]] = True
    # Only what runs is kept: the count alone was optimised, so idle placements and claims are noise.
    idle = claims[~plan.running[space.claim_order[claims]] & ~space.claim_pinned[claims]]
    plan.claims[idle] = False
    plan.placed[given[~plan.running[given] & ~space.order_pinned[given]]] = False
    count = int(plan.running[given].sum())
    require_running(space, part, plan)
    done, value, _, _ = assign(space, part, plan, time_limit=time_limit / 2, workers=workers, seed=seed)
    return count, done, value
