"""Small random project problems for property tests, and an independent checker of plans."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from matcher.domain import Budget, Claim, Community, Need, Order, Pairing, Project, Resource, Venue
from matcher.problem import Problem
from matcher.projects.plan import Plan
from matcher.projects.result import ProjectResult
from matcher.projects.space import ProjectSpace

CATS = ("health", "culture")
SKILLS = ("a", "b")


def _rec(cls, **fields):
    """A record parsed as a scenario file's row would be."""
    return cls.from_record(fields)


@st.composite
def small_problems(
    draw: st.DrawFn,
    max_needs: int = 7,
    categories: tuple[str, ...] = CATS,
    with_venues: bool = False,
    with_minimums: bool = False,
) -> Problem:
    """2-3 communities on a line, a few needs, units and volunteers, 1-3 projects, budgets, maybe
    a given order with a pinned claim and a hard pairing; ``with_venues``: maybe a station type for
    the later projects and a station or two with small capacities and hours; ``with_minimums``:
    maybe a minimum on the hard pairing (which can make the problem infeasible)."""
    n_comm = draw(st.integers(2, 3))
    communities = [
        _rec(Community, id=f"C{i}", street="S", x=float(draw(st.integers(0, 4))), y=0.0) for i in range(n_comm)
    ]
    needs = _needs(draw, n_comm, max_needs, categories)
    resources = _resources(draw, n_comm, categories)
    projects = _projects(draw, categories, with_venues)
    venues = [
        _rec(
            Venue,
            id=f"V{i}",
            community=f"C{draw(st.integers(0, n_comm - 1))}",
            type="elderly_care",
            capacity=draw(st.integers(0, 3)),
            opening_hours=draw(st.sampled_from([0.25, 0.5, 8])),
        )
        for i in range(draw(st.integers(0, 2)) if with_venues else 0)
    ]
    budgets = [
        _rec(Budget, community=c.id, amount=draw(st.integers(1, 4)), max_orders=draw(st.integers(0, 2)))
        for c in communities
        if draw(st.integers(0, 4)) > 0
    ]
    minimum = draw(st.sampled_from([0, 0, 1])) if with_minimums else 0
    pairings = (
        [_rec(Pairing, group="G", community="C0", mode="hard", min_served=minimum)]
        if resources[0].pairing_group
        else []
    )
    orders, claims = [], []
    if draw(st.booleans()):
        orders.append(_rec(Order, id="O1", project=projects[0].id, community="C1", pinned=draw(st.booleans())))
        if draw(st.booleans()) and resources[-1].capacity_hours >= projects[0].hours:  # else infeasible input
            claims.append(_rec(Claim, order="O1", resource=resources[-1].id, pinned=True))
    return Problem.build(
        communities, needs, resources, projects, pairings, orders=orders, claims=claims, budgets=budgets, venues=venues
    )


def _needs(draw: st.DrawFn, n_comm: int, max_needs: int, categories: tuple[str, ...]) -> list[Need]:
    return [
        _rec(
            Need,
            id=f"N{i}",
            community=f"C{draw(st.integers(0, n_comm - 1))}",
            category=draw(st.sampled_from(categories)),
            tier=draw(st.sampled_from(["floor", "basic", "quality"])),
            skills=sorted(draw(st.sets(st.sampled_from(SKILLS), max_size=1))),
            hours=draw(st.sampled_from([1, 2])),
            providers=draw(st.sampled_from([1, 1, 1, 2])),
        )
        for i in range(draw(st.integers(1, max_needs)))
    ]


def _resources(draw: st.DrawFn, n_comm: int, categories: tuple[str, ...]) -> list[Resource]:
    """1-4 resources; the first may belong to pairing group G."""
    return [
        _rec(
            Resource,
            id=f"R{i}",
            kind=draw(st.sampled_from(["unit", "unit", "volunteer", "social_org"])),
            community=f"C{draw(st.integers(0, n_comm - 1))}",
            categories=sorted(draw(st.sets(st.sampled_from(categories), min_size=1))),
            skills=sorted(draw(st.sets(st.sampled_from(SKILLS)))),
            capacity_hours=draw(st.integers(1, 10)),
            capacity_tasks=draw(st.integers(1, 3)),
            radius_minutes=draw(st.sampled_from([5, 20, 60, 60])),
            pairing_group="G" if i == 0 and draw(st.booleans()) else "",
        )
        for i in range(draw(st.integers(1, 4)))
    ]


def _projects(draw: st.DrawFn, categories: tuple[str, ...], with_venues: bool) -> list[Project]:
    """1-3 catalogue projects; with venues, the later ones may need an elderly-care station."""
    return [
        _rec(
            Project,
            id=f"P{i}",
            name=f"project {i}",
            category=draw(st.sampled_from(categories)),
            skills=sorted(draw(st.sets(st.sampled_from(SKILLS), max_size=1))),
            provider_slots=draw(st.integers(1, 2)),
            serves=draw(st.integers(1, 4)),
            hours=draw(st.integers(1, 4)),
            cost=draw(st.integers(1, 3)),
            venue_type="elderly_care" if i > 0 and with_venues and draw(st.booleans()) else None,
        )
        for i in range(draw(st.integers(1, 3)))
    ]


def violations(result: ProjectResult, plan: Plan | None = None) -> list[str]:
    """Every hard rule the plan (the result's own by default) breaks, checked from the records,
    not from the model."""
    plan = result.plan if plan is None else plan
    return [
        *_order_violations(result.space, plan),
        *_need_violations(result.space, plan),
        *_resource_violations(result.space, plan),
        *_pairing_violations(result.space, plan),
        *_venue_violations(result.space, plan),
        *_budget_violations(result.space, plan),
    ]


def _order_violations(s: ProjectSpace, plan: Plan) -> list[str]:
    """Slots, running, placement and pinning of orders; instances serving within their order."""
    problem, a = s.problem, s.problem.arrays
    out = []
    claims = np.flatnonzero(plan.claims)
    per_order = np.bincount(s.claim_order[claims], minlength=s.n_orders)
    for o in range(s.n_orders):
        project = problem.projects[s.order_project[o]]
        given = problem.orders[o] if o < len(problem.orders) else None  # given orders come first
        slots = (given.slots if given is not None else None) or project.provider_slots
        if per_order[o] > slots:
            out.append(f"order {s.order_ids[o]} has {per_order[o]} claims for {slots} slots")
        if plan.running[o] and per_order[o] != slots:
            out.append(f"order {s.order_ids[o]} runs with {per_order[o]} of {slots} claims")
        if per_order[o] and not plan.placed[o]:
            out.append(f"claims on unplaced order {s.order_ids[o]}")
        if s.order_pinned[o] and not plan.placed[o]:
            out.append(f"pinned order {s.order_ids[o]} dropped")
    serves = np.flatnonzero(plan.serves)
    per_instance = np.bincount(s.serve_order[serves], minlength=s.n_orders)
    for o in np.flatnonzero(per_instance).tolist():
        if not plan.running[o]:
            out.append(f"order {s.order_ids[o]} serves needs without running")
        if per_instance[o] > problem.projects[s.order_project[o]].serves:
            out.append(f"order {s.order_ids[o]} serves {per_instance[o]} needs")
    for k in range(len(s.claim_order)):
        if s.claim_pinned[k] and not plan.claims[k]:
            out.append(f"pinned claim {s.order_ids[s.claim_order[k]]}->{a.resource_ids[s.claim_resource[k]]} dropped")
    return out


def _need_violations(s: ProjectSpace, plan: Plan) -> list[str]:
    """Each need served by all its providers or none, and at most once."""
    out = []
    serves, direct = np.flatnonzero(plan.serves), np.flatnonzero(plan.direct)
    by_need = np.bincount(s.direct.need[direct], minlength=s.problem.arrays.n_needs)
    for n, need in enumerate(s.problem.needs):
        by_project = int((s.serve_need[serves] == n).sum())
        if by_need[n] not in (0, need.providers):
            out.append(f"need {need.id} has {by_need[n]} of {need.providers} providers")
        if by_project + (by_need[n] > 0) > 1:
            out.append(f"need {need.id} served more than once")
    return out


def _resource_violations(s: ProjectSpace, plan: Plan) -> list[str]:
    """Each resource within its tasks and hours, direct pairs and claims together."""
    out = []
    claims, direct = np.flatnonzero(plan.claims), np.flatnonzero(plan.direct)
    for r, resource in enumerate(s.problem.resources):
        mine_d, mine_k = direct[s.direct.resource[direct] == r], claims[s.claim_resource[claims] == r]
        tasks = len(mine_d) + len(mine_k)
        minutes = s.direct.load[mine_d].sum() + s.claim_load[mine_k].sum()
        if tasks > resource.capacity_tasks or minutes > round(resource.capacity_hours * 60):
            out.append(f"resource {resource.id} over capacity: {tasks} tasks, {minutes} min")
    return out


def _pairing_violations(s: ProjectSpace, plan: Plan) -> list[str]:
    """A hard-paired group works only in its paired communities (pinned claims excepted)."""
    problem, a = s.problem, s.problem.arrays
    out = []
    claims, direct = np.flatnonzero(plan.claims), np.flatnonzero(plan.direct)
    hard = {(p.group, p.community) for p in problem.pairings if p.mode.value == "hard"}
    hard_groups = {g for g, _ in hard}
    for r, c in [(s.direct.resource[d], a.need_community[s.direct.need[d]]) for d in direct] + [
        (s.claim_resource[k], s.order_community[s.claim_order[k]]) for k in claims if not s.claim_pinned[k]
    ]:  # pinned claims are facts the plan keeps
        group = problem.resources[r].pairing_group
        if group in hard_groups and (group, a.community_ids[c]) not in hard:
            out.append(f"{problem.resources[r].id} of hard-paired group {group} works in {a.community_ids[c]}")
    return out


def _venue_violations(s: ProjectSpace, plan: Plan) -> list[str]:
    """Each venue within its weekly opening hours and its capacity of needs."""
    problem = s.problem
    out = []
    serves = np.flatnonzero(plan.serves)
    for v, venue in enumerate(problem.venues):
        here = np.flatnonzero(plan.running & (s.order_venue == v))
        minutes = sum(round(problem.projects[s.order_project[o]].hours * 60) for o in here)
        if minutes > round(venue.opening_hours * 60 * 7):
            out.append(f"venue {venue.id} open {venue.opening_hours} h a day runs {minutes} min a week")
        if int(np.isin(s.serve_order[serves], here).sum()) > venue.capacity:
            out.append(f"venue {venue.id} takes more than {venue.capacity} needs")
    return out


def _budget_violations(s: ProjectSpace, plan: Plan) -> list[str]:
    """A community's free orders need its budget and stay within its amount and number of orders."""
    problem = s.problem
    out = []
    budgets = {b.community: b for b in problem.budgets}
    for c, cid in enumerate(problem.arrays.community_ids):
        free = np.flatnonzero(plan.placed & ~s.order_pinned & (s.order_community == c))
        if len(free) and cid not in budgets and (~s.order_given[free]).any():
            out.append(f"{cid} orders without a budget")
        if cid in budgets:
            b = budgets[cid]
            cost = sum(problem.projects[s.order_project[o]].cost for o in free)
            if len(free) > b.max_orders or (b.amount is not None and cost > b.amount + 1e-9):
                out.append(f"{cid} over budget: {len(free)} orders costing {cost}")
    return out
