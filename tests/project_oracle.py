"""An independent oracle of project matching (点单, 认领) for tiny problems: the rules written
again from the records (needs, projects, units, communities, budgets, venues) with plain loops,
and the optimum by enumeration. It shares no code with :mod:`matcher.projects`; direct service
comes from :mod:`tests.reference`, the core's own independent oracle.

The rules, as docs/projects.md states them: a community orders a project (given orders, and for
a community with a budget one new order per project that may serve one of its needs, and per
venue of its station type within the 15-minute circle); an organisation may claim a slot of an
order when it offers the project's category and skills, reaches the community and no hard
pairing binds it elsewhere (given claims stay as facts); an order runs only with every slot
claimed, a new order is placed only to run; a running instance serves at most ``serves`` needs
of its community with the project's category and skills; budgets bound the placed unpinned
orders of a community in number and money; a venue bounds its running instances' hours a week
and the needs they serve; resources keep their hours and task counts across direct tasks and
claims; a hard pairing's minimum holds.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from matcher.domain import Community, Project, Resource, Venue
from matcher.policy import Policy
from matcher.problem import Problem
from tests.reference import SCALE, Pair, minutes_between, pairs

#: Who may claim (认领): organisations, not individual volunteers and party members.
CLAIMANT_KINDS = frozenset({"unit", "social_org", "workshop", "department"})
#: The 15-minute service circle (15分钟服务圈) a venue serves.
CIRCLE_MINUTES = 15.0
#: Venue opening hours are per day; the needs list covers a week.
WEEK_DAYS = 7
#: The price of placing an order that is not pinned, in scaled units (plan.ORDER_COST's documented value).
ORDER_PRICE = 1
#: Above this many combinations of order states the oracle declines (returns None).
MAX_STATES = 20_000


@dataclass(frozen=True)
class OracleOrder:
    id: str
    project: Project
    community: str
    venue: Venue | None
    given: bool
    pinned: bool  # listed pinned, or holds a pinned claim
    slots: int


@dataclass(frozen=True)
class OracleClaim:
    resource: int
    pinned: bool
    cost: int  # scaled travel price
    load: int  # minutes of the resource's hours


@dataclass(frozen=True)
class OrderState:
    """One way an order can stand: placed or not, its claims, running or not."""

    placed: bool
    running: bool
    claims: tuple[OracleClaim, ...]


def _community(problem: Problem, cid: str) -> Community:
    return next(c for c in problem.communities if c.id == cid)


def _reaches(problem: Problem, res: Resource, cid: str) -> bool:
    home, place = _community(problem, res.community), _community(problem, cid)
    if res.level.value == "street" and home.street != place.street:
        return False
    if res.level.value == "district" and home.district != place.district:
        return False
    return minutes_between(problem, res.community, cid) <= res.radius_minutes


def _hard(problem: Problem, policy: Policy, group: str) -> bool:
    """Do the unit group's pairings bind (declared hard, or every pairing made hard by the policy)?"""
    if not group or policy.pairings == "soft":
        return False
    return policy.pairings == "hard" or any(p.group == group and p.mode.value == "hard" for p in problem.pairings)


def _bound_elsewhere(problem: Problem, policy: Policy, res: Resource, cid: str) -> bool:
    paired = any(p.group == res.pairing_group and p.community == cid for p in problem.pairings)
    return _hard(problem, policy, res.pairing_group) and not paired


def may_claim(problem: Problem, policy: Policy, res: Resource, project: Project, cid: str) -> bool:
    """The claim rules: kind, category, skills, reach, pairing."""
    return (
        res.kind.value in CLAIMANT_KINDS
        and project.category in res.categories
        and project.skills <= res.skills
        and _reaches(problem, res, cid)
        and not _bound_elsewhere(problem, policy, res, cid)
    )


def serve_value(problem: Problem, policy: Policy, order: OracleOrder, n: int) -> int:
    """The scaled value of the order's instance serving need ``n`` (0: it may not)."""
    need = problem.needs[n]
    if need.community != order.community or need.category != order.project.category:
        return 0
    if not need.skills <= order.project.skills:
        return 0
    travel = minutes_between(problem, order.venue.community, need.community) if order.venue else 0.0
    base = policy.tier_weights[need.tier.value] * policy.urgency_weights[need.urgency.value]
    return max(0, round((base - policy.travel_cost * travel) * SCALE))


def _useful(problem: Problem, policy: Policy, order: OracleOrder) -> bool:
    """A new order is offered only for a project that may serve some need of the community."""
    return any(serve_value(problem, policy, order, n) for n in range(len(problem.needs)))


def orders(problem: Problem, policy: Policy) -> list[OracleOrder]:
    """The given orders, then the new ones budgeted communities may place."""
    catalogue = {p.id: p for p in problem.projects}
    venues = {v.id: v for v in problem.venues}
    pinned_by_claim = {c.order for c in problem.claims if c.pinned}
    out = [
        OracleOrder(
            o.id,
            catalogue[o.project],
            o.community,
            venues.get(o.venue),
            True,
            o.pinned or o.id in pinned_by_claim,
            o.slots or catalogue[o.project].provider_slots,
        )
        for o in problem.orders
    ]
    ordered = {(o.project, o.community) for o in problem.orders}
    for budget in problem.budgets:
        if budget.max_orders == 0:
            continue
        for project in problem.projects:
            if (project.id, budget.community) in ordered:
                continue
            if budget.amount is not None and project.cost > budget.amount:
                continue
            for venue in _venues_for(problem, project, budget.community):
                new = OracleOrder("new", project, budget.community, venue, False, False, project.provider_slots)
                if _useful(problem, policy, new):
                    out.append(new)
    return out


def _venues_for(problem: Problem, project: Project, cid: str) -> list[Venue | None]:
    if project.venue_type is None:
        return [None]
    return [
        v
        for v in problem.venues
        if v.type == project.venue_type and minutes_between(problem, v.community, cid) <= CIRCLE_MINUTES
    ]


def _claimable(problem: Problem, policy: Policy, order: OracleOrder) -> list[OracleClaim]:
    """Who may claim the order's slots: by the rules, and the given claims (facts) whatever the rules say."""
    given = {c.resource: c.pinned for c in problem.claims if order.given and c.order == order.id}
    out = []
    for r, res in enumerate(problem.resources):
        if res.id in given or may_claim(problem, policy, res, order.project, order.community):
            minutes = minutes_between(problem, res.community, order.community)
            load = max(1, round(round(order.project.hours * 60) * res.hours_factor))
            out.append(OracleClaim(r, given.get(res.id, False), 1 + round(policy.travel_cost * minutes * SCALE), load))
    return out


def order_states(problem: Problem, policy: Policy, order: OracleOrder) -> list[OrderState]:
    """Every state the rules allow the order on its own."""
    claimable = _claimable(problem, policy, order)
    states = [] if order.pinned else [OrderState(False, False, ())]
    for k in range(order.slots + 1):
        for chosen in itertools.combinations(claimable, k):
            if any(c.pinned for c in claimable if c not in chosen):
                continue
            full = k == order.slots
            if not order.given and not full:
                continue  # a new order is placed only to run
            states.append(OrderState(True, full, chosen))
            if order.given and full:
                states.append(OrderState(True, False, chosen))
    return states


def _budgets_hold(problem: Problem, chosen: list[tuple[OracleOrder, OrderState]]) -> bool:
    for budget in problem.budgets:
        mine = [o for o, s in chosen if s.placed and not o.pinned and o.community == budget.community]
        if len(mine) > budget.max_orders:
            return False
        if budget.amount is not None and sum(o.project.cost for o in mine) > budget.amount + 1e-9:
            return False
    return True


def _venue_hours_hold(problem: Problem, chosen: list[tuple[OracleOrder, OrderState]]) -> bool:
    for venue in problem.venues:
        minutes = sum(round(o.project.hours * 60) for o, s in chosen if s.running and o.venue == venue)
        if minutes > round(venue.opening_hours * 60 * WEEK_DAYS):
            return False
    return True


@dataclass
class _Load:
    tasks: list[int]
    minutes: list[int]

    def add(self, resource: int, minutes: int) -> None:
        self.tasks[resource] += 1
        self.minutes[resource] += minutes

    def fits(self, problem: Problem) -> bool:
        return all(
            t <= r.capacity_tasks and m <= round(r.capacity_hours * 60)
            for t, m, r in zip(self.tasks, self.minutes, problem.resources, strict=True)
        )


def _pairing_minimums_hold(
    problem: Problem, policy: Policy, chosen: list[tuple[OracleOrder, OrderState]], direct: list[Pair]
) -> bool:
    for p in problem.pairings:
        if not p.min_served or not _hard(problem, policy, p.group):
            continue  # a soft pairing's minimum binds nothing
        done = sum(
            1
            for d in direct
            if problem.resources[d.resource].pairing_group == p.group and problem.needs[d.need].community == p.community
        )
        done += sum(
            1
            for o, s in chosen
            if o.community == p.community
            for c in s.claims
            if problem.resources[c.resource].pairing_group == p.group
        )
        if done < p.min_served:
            return False
    return True


def _need_options(problem: Problem, policy: Policy, chosen, direct_pairs: list[Pair]) -> list[list]:
    """Per need: left, served by one running instance (index into chosen), or directly by enough pairs."""
    options = []
    for n, need in enumerate(problem.needs):
        opts: list = [None]
        for i, (o, s) in enumerate(chosen):
            value = serve_value(problem, policy, o, n) if s.running else 0
            if value > 0:
                opts.append(("instance", i, value))
        mine = [p for p in direct_pairs if p.need == n]
        opts += [
            ("direct", combo, sum(p.value for p in combo)) for combo in itertools.combinations(mine, need.providers)
        ]
        options.append(opts)
    return options


def _best_service(problem: Problem, policy: Policy, chosen, direct_pairs: list[Pair]) -> int | None:
    """The best value of serving needs given the orders' states, or None when no way keeps the rules."""
    base = _Load([0] * len(problem.resources), [0] * len(problem.resources))
    for _, s in chosen:
        for c in s.claims:
            base.add(c.resource, c.load)
    best = None
    for pick in itertools.product(*_need_options(problem, policy, chosen, direct_pairs)):
        load = _Load(list(base.tasks), list(base.minutes))
        served = [0] * len(chosen)
        direct: list[Pair] = []
        for option in pick:
            if option is None:
                continue
            if option[0] == "instance":
                served[option[1]] += 1
            else:
                direct += option[1]
        for d in direct:
            load.add(d.resource, d.load)
        if not load.fits(problem) or any(n > o.project.serves for n, (o, _) in zip(served, chosen, strict=True)):
            continue
        if not all(
            sum(n for n, (o, _) in zip(served, chosen, strict=True) if o.venue == v) <= v.capacity
            for v in problem.venues
        ):
            continue
        if not _pairing_minimums_hold(problem, policy, chosen, direct):
            continue
        value = sum(option[2] for option in pick if option is not None)
        best = value if best is None else max(best, value)
    return best


def optimum(problem: Problem, policy: Policy) -> tuple[int, int] | None | str:
    """The best (given orders running, scaled objective) over every plan that keeps the rules —
    compared in that order under ``placed_orders: priority``, by the objective alone (first 0)
    under ``free``; "infeasible" when no plan keeps them; None when there are too many plans."""
    candidates = orders(problem, policy)
    states = [order_states(problem, policy, o) for o in candidates]
    if math.prod(len(s) for s in states) > MAX_STATES:
        return None
    direct_pairs = pairs(problem, policy)
    best = None
    for combo in itertools.product(*states):
        chosen = list(zip(candidates, combo, strict=True))
        if not _budgets_hold(problem, chosen) or not _venue_hours_hold(problem, chosen):
            continue
        service = _best_service(problem, policy, chosen, direct_pairs)
        if service is None:
            continue
        cost = sum(c.cost for _, s in chosen for c in s.claims)
        cost += ORDER_PRICE * sum(1 for o, s in chosen if s.placed and not o.pinned)
        first = sum(1 for o, s in chosen if o.given and s.running) if policy.placed_orders == "priority" else 0
        key = (first, service - cost)
        best = key if best is None else max(best, key)
    return "infeasible" if best is None else best
