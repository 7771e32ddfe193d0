"""The joint CP-SAT model of one part: orders (点单), claims (认领) and who serves each need.

Hard: a placed order runs only when all its provider slots are claimed, and a new order is
placed only to run; claims go to placed orders, at most one per slot; an instance serves at most
``serves`` needs, only while running; a need is served once, by one instance or directly (with
all the providers it takes); a resource's claims and direct tasks stay within its hours and task
count; a community's new orders stay within its budget and maximum number; a venue's instances
stay within its opening hours and the needs it can take; pinned orders and claims stay; a hard
pairing's minimum holds. Soft (objective): the value of needs served, less claim travel and a
small price per order.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from ortools.sat.python import cp_model

from matcher.errors import InfeasibleError
from matcher.projects.highs import Infeasible, solve_with_highs
from matcher.projects.plan import ORDER_COST, Part, Plan
from matcher.projects.space import ProjectSpace
from matcher.rules.pairing import pairing_rule_name
from matcher.solvers.explain import infeasible_core


def _by(keys: np.ndarray, members: np.ndarray) -> dict[int, list[int]]:
    """Positions of ``members`` grouped by their key."""
    out: dict[int, list[int]] = {}
    for pos, key in enumerate(keys[members].tolist()):
        out.setdefault(key, []).append(pos)
    return out


#: Stands for "no bound known" (every objective is far below it).
_NO_BOUND = 2**62

ENGINES = ("cpsat", "highs")


class JointModel:
    """CP-SAT variables and constraints of one part; ``fixed`` pins orders and claims to a plan;
    ``minimums=False`` leaves out the hard pairings' minimums (for a model of claims alone)."""

    def __init__(self, space: ProjectSpace, part: Part, fixed: Plan | None = None, minimums: bool = True) -> None:
        self.space, self.part = space, part
        a = space.problem.arrays
        m = self.model = cp_model.CpModel()
        orders, K, S, D = part.orders, part.claims, part.serves, part.direct
        self.placed = [m.new_bool_var(f"place{o}") for o in orders]
        self.running = [m.new_bool_var(f"run{o}") for o in orders]
        self.claim = [m.new_bool_var(f"claim{k}") for k in K]
        self.serve = [m.new_bool_var(f"serve{s}") for s in S]
        self.direct = [m.new_bool_var(f"direct{d}") for d in D]
        self._orders()
        self._needs(a)
        self._resources(a)
        self._budgets()
        self._venues()
        self.assumptions = self._pairing_minimums(a) if minimums else {}
        if fixed is not None:
            self._fix(fixed)
        new = [self.placed[i] for i, o in enumerate(orders.tolist()) if not space.order_pinned[o]]
        m.maximize(
            cp_model.LinearExpr.weighted_sum(self.direct, space.direct.value[D].tolist())
            + cp_model.LinearExpr.weighted_sum(self.serve, space.serve_value[S].tolist())
            - cp_model.LinearExpr.weighted_sum(self.claim, space.claim_cost[K].tolist())
            - ORDER_COST * sum(new)
        )

    def _orders(self) -> None:
        """An order runs only placed and with every slot claimed (a new one is placed only to run);
        claims go to placed orders, one per slot; an instance serves at most ``serves`` needs, only
        while running; pinned orders and claims stay."""
        space, part, m = self.space, self.part, self.model
        local = {int(o): i for i, o in enumerate(part.orders)}
        claim_of = _by(space.claim_order, part.claims)
        serve_of = _by(space.serve_order, part.serves)
        for i, o in enumerate(part.orders.tolist()):
            m.add(self.running[i] <= self.placed[i])
            if space.order_pinned[o]:
                m.add(self.placed[i] == 1)
            if not space.order_given[o]:
                m.add(self.running[i] == self.placed[i])
            mine = [self.claim[k] for k in claim_of.get(o, [])]
            slots = int(space.order_slots[o])
            m.add(sum(mine) >= slots * self.running[i])
            if len(mine) > slots:
                m.add(sum(mine) <= slots)
            served = [self.serve[s] for s in serve_of.get(o, [])]
            if len(served) > space.order_serves[o]:  # the aggregated form keeps the LP bound tight
                m.add(sum(served) <= int(space.order_serves[o]) * self.running[i])
            for v in served:
                m.add(v <= self.running[i])
        for k, o in enumerate(space.claim_order[part.claims].tolist()):
            m.add(self.claim[k] <= self.placed[local[o]])
            if space.claim_pinned[part.claims[k]]:
                m.add(self.claim[k] == 1)

    def _fix(self, fixed: Plan) -> None:
        """Pin orders and claims to ``fixed`` (only who serves each need is left to decide)."""
        m, part = self.model, self.part
        for i, o in enumerate(part.orders.tolist()):
            m.add(self.placed[i] == int(fixed.placed[o]))
            m.add(self.running[i] == int(fixed.running[o]))
        for k, g in enumerate(part.claims.tolist()):
            m.add(self.claim[k] == int(fixed.claims[g]))

    def _needs(self, a) -> None:
        """A need is served once: by one instance, or directly with all its providers."""
        space, part, m = self.space, self.part, self.model
        direct_of = _by(space.direct.need, part.direct)
        serve_of = _by(space.serve_need, part.serves)
        for n in set(direct_of) | set(serve_of):
            pairs = [self.direct[d] for d in direct_of.get(n, [])]
            k = int(a.need_providers[n])
            if k == 1 or not pairs:
                served = sum(pairs)
            elif len(pairs) >= k:
                s = m.new_bool_var(f"direct_served{n}")
                m.add(sum(pairs) == k * s)
                served = s
            else:
                for v in pairs:
                    m.add(v == 0)
                served = 0
            by_project = [self.serve[s] for s in serve_of.get(n, [])]
            if by_project or not isinstance(served, int):
                m.add(served + sum(by_project) <= 1)

    def _resources(self, a) -> None:
        """Claims and direct tasks share a resource's hours and task count."""
        space, part, m = self.space, self.part, self.model
        direct_of = _by(space.direct.resource, part.direct)
        claim_of = _by(space.claim_resource, part.claims)
        for r in set(direct_of) | set(claim_of):
            ds, ks = direct_of.get(r, []), claim_of.get(r, [])
            vars_ = [self.direct[d] for d in ds] + [self.claim[k] for k in ks]
            loads = np.concatenate([space.direct.load[part.direct[ds]], space.claim_load[part.claims[ks]]])
            if loads.sum() > a.resource_capacity_minutes[r]:
                m.add(cp_model.LinearExpr.weighted_sum(vars_, loads.tolist()) <= int(a.resource_capacity_minutes[r]))
            if len(vars_) > a.resource_capacity_tasks[r]:
                m.add(sum(vars_) <= int(a.resource_capacity_tasks[r]))

    def _budgets(self) -> None:
        """New and unpinned orders stay within the community's budget (点单 within budget)."""
        space, part, m = self.space, self.part, self.model
        of = _by(space.order_community, part.orders)
        for c, members in of.items():
            free = [i for i in members if not space.order_pinned[part.orders[i]]]
            if not free:
                continue
            cents, count = int(space.budget_cents[c]), int(space.budget_orders[c])
            costs = space.order_cents[part.orders[free]]
            if cents >= 0 and costs.sum() > cents:
                m.add(cp_model.LinearExpr.weighted_sum([self.placed[i] for i in free], costs.tolist()) <= cents)
            if 0 <= count < len(free):
                m.add(sum(self.placed[i] for i in free) <= count)

    def _venues(self) -> None:
        """A venue's instances fit its opening hours; it takes at most ``capacity`` needs a week."""
        space, part, m = self.space, self.part, self.model
        at = _by(space.order_venue, part.orders)
        serve_at = _by(space.order_venue[space.serve_order], part.serves)
        for v, members in at.items():
            if v < 0:
                continue
            minutes = space.order_minutes[part.orders[members]]
            if minutes.sum() > space.venue_minutes[v]:
                m.add(
                    cp_model.LinearExpr.weighted_sum([self.running[i] for i in members], minutes.tolist())
                    <= int(space.venue_minutes[v])
                )
            served = [self.serve[s] for s in serve_at.get(v, [])]
            if len(served) > space.venue_capacity[v]:
                m.add(sum(served) <= int(space.venue_capacity[v]))

    def _pairing_minimums(self, a) -> dict[str, cp_model.IntVar]:
        """Hard pairings (结对): the unit group's direct tasks and claims in the community reach the minimum."""
        space, part, m = self.space, self.part, self.model
        lits: dict[str, cp_model.IntVar] = {}
        comms = set(part.communities.tolist())
        d_group = a.resource_group[space.direct.resource[part.direct]]
        d_comm = a.need_community[space.direct.need[part.direct]]
        k_group = a.resource_group[space.claim_resource[part.claims]]
        k_comm = space.order_community[space.claim_order[part.claims]]
        for g, c, minimum in a.pairing_minimums:
            if c not in comms or not space.direct.hard_groups[g]:
                continue
            name = pairing_rule_name(a.group_ids[g], a.community_ids[c], minimum)
            lit = lits[name] = m.new_bool_var(name)
            terms = [self.direct[i] for i in np.flatnonzero((d_group == g) & (d_comm == c))] + [
                self.claim[i] for i in np.flatnonzero((k_group == g) & (k_comm == c))
            ]
            m.add(sum(terms) >= minimum).only_enforce_if(lit)
        m.add_assumptions(list(lits.values()))
        return lits

    def placed_running(self) -> list[cp_model.IntVar]:
        """The running literals of the orders a community placed (given in the scenario)."""
        return [self.running[i] for i, o in enumerate(self.part.orders.tolist()) if self.space.order_given[o]]

    def hint(self, plan: Plan) -> None:
        """Start the search from ``plan`` (the sequential baseline)."""
        p = self.part
        for vars_, values in (
            (self.placed, plan.placed[p.orders]),
            (self.running, plan.running[p.orders]),
            (self.claim, plan.claims[p.claims]),
            (self.serve, plan.serves[p.serves]),
            (self.direct, plan.direct[p.direct]),
        ):
            for var, on in zip(vars_, values.tolist(), strict=True):
                self.model.add_hint(var, on)

    def solve(
        self,
        time_limit: float,
        workers: int,
        seed: int,
        should_stop: Callable[[], bool] | None = None,
        engine: str = "cpsat",
        gap: float = 0.0,
    ) -> tuple[Plan | None, int, int, str]:
        """(plan on this part, objective, bound, status) within ``time_limit`` seconds; the plan is
        None (status ``unknown``) when the time ran out before a first solution. ``engine`` is
        ``cpsat`` or ``highs`` (the same model handed to the HiGHS MIP solver); the search stops
        once the relative ``gap`` is proven."""
        if engine == "highs":
            try:
                values, value, bound, optimal = solve_with_highs(self.model, time_limit, gap)
            except Infeasible:
                raise self._infeasible(time_limit) from None
            if values is None:
                return None, 0, int(math.floor(bound + 1e-6)) if math.isfinite(bound) else _NO_BOUND, "unknown"
            chosen = values.astype(bool)
            read = lambda var: bool(chosen[var.index])  # noqa: E731
            status = "optimal" if optimal else "feasible"
            value, bound = int(round(value)), int(math.floor(bound + 1e-6))
        else:
            solver = cp_model.CpSolver()
            solver.parameters.max_time_in_seconds = max(time_limit, 0.05)
            solver.parameters.num_workers = workers
            solver.parameters.random_seed = seed
            solver.parameters.relative_gap_limit = gap
            code = solver.solve(self.model, _Stop(should_stop) if should_stop else None)
            if code == cp_model.INFEASIBLE:
                raise self._infeasible(time_limit)
            if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                return None, 0, _NO_BOUND, "unknown"  # stopped before a first solution: CP-SAT's bound is unset
            read = solver.boolean_value
            value = int(round(solver.objective_value))
            bound = int(math.floor(solver.best_objective_bound + 1e-6))
            status = "optimal" if bound <= value else "feasible"
        plan = Plan.empty(self.space)
        p = self.part
        for target, idx, vars_ in (
            (plan.placed, p.orders, self.placed),
            (plan.running, p.orders, self.running),
            (plan.claims, p.claims, self.claim),
            (plan.serves, p.serves, self.serve),
            (plan.direct, p.direct, self.direct),
        ):
            target[idx] = np.array([read(v) for v in vars_], dtype=bool)
        return plan, value, max(value, bound), status

    def _infeasible(self, time_limit: float) -> InfeasibleError:
        """The error naming the hard pairing minimums that together make the model infeasible."""
        core = infeasible_core(self.model, self.assumptions, time_limit)
        return InfeasibleError(core or ["pinned orders and claims against capacities and venues"])


class _Stop(cp_model.CpSolverSolutionCallback):
    def __init__(self, should_stop: Callable[[], bool]) -> None:
        super().__init__()
        self._should_stop = should_stop

    def on_solution_callback(self) -> None:
        if self._should_stop():
            self.stop_search()
