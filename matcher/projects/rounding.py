"""A start from the LP relaxation: on the project model the LP bound lies within a fraction of a
percent of the optimum, so rounding its orders and claims gives a strong first plan.

1. solve the LP relaxation of the joint model (HiGHS);
2. place the new orders the LP runs at least halfway, most-run first, within each budget;
3. fill their slots by the LP's claim values, then nearest; orders left short do not run;
4. assign the needs exactly with orders and claims fixed.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from matcher.projects.assign import assign
from matcher.projects.highs import linear_program
from matcher.projects.model import JointModel
from matcher.projects.plan import Part, Plan, budget_left
from matcher.projects.sequential import claim_step
from matcher.projects.space import ProjectSpace

#: New orders the LP runs at least this much are placed.
THRESHOLD = 0.5


def lp_rounding_plan(
    space: ProjectSpace,
    part: Part,
    model: JointModel,
    *,
    time_limit: float,
    workers: int,
    seed: int,
    keep: Plan | None = None,
) -> tuple[Plan, int, str, float]:
    """(plan, objective, how assigned, LP bound) rounded from the LP relaxation of ``model``; the
    LP optimum bounds the part's objective (``inf`` when the LP did not finish). The orders and
    claims of ``keep`` (placed orders first) stay."""
    program = linear_program(model.model)
    lp = milp(
        program.objective,
        constraints=LinearConstraint(program.matrix, program.row_lower, program.row_upper),
        bounds=Bounds(program.lower, program.upper),
        options={"time_limit": max(time_limit, 0.1), "disp": False},
    )
    plan = Plan.empty(space) if keep is None else keep.orders_and_claims(part)
    plan.placed[part.orders[space.order_pinned[part.orders]]] = True
    if lp.x is None:
        claim_step(space, part, plan, {})
    else:
        running = lp.x[[v.index for v in model.running]]
        preference = np.zeros(len(space.claim_order))
        preference[part.claims] = lp.x[[v.index for v in model.claim]]
        cents, count = budget_left(space, plan)
        for i in np.argsort(-running, kind="stable").tolist():
            o = int(part.orders[i])
            if running[i] < THRESHOLD or plan.placed[o]:
                continue
            cm = space.order_community[o]
            if (0 <= count[cm] < 1) or (0 <= cents[cm] < space.order_cents[o]):
                continue
            plan.placed[o] = True
            count[cm] -= 1 if count[cm] >= 0 else 0
            cents[cm] -= space.order_cents[o] if cents[cm] >= 0 else 0
        values = {int(o): float(r) for o, r in zip(part.orders.tolist(), running.tolist(), strict=True)}
        claim_step(space, part, plan, values, preference)
    done, value, _, how = assign(space, part, plan, time_limit=time_limit, workers=workers, seed=seed)
    bound = program.model_value(lp.fun) if lp.status == 0 else float("inf")
    return done, value, how, bound
