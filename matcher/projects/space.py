"""The decision space of project matching: candidate orders (点单), claims (认领) and the needs
each project instance may serve, as flat numpy arrays beside the direct candidate pairs.

A catalogue project may run in a community when the community orders it: input orders (pinned
or not) and, for communities with a budget, one candidate new order per project (and per venue
of the project's station type within the 15-minute service circle). A resource may claim a
provider slot of an order by the rules of :mod:`matcher.rules.claims` (kind, category,
skills, reach, pairing). An instance serves needs of its community with the project's category whose
skills the project covers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from matcher.candidates import VALUE_SCALE, Candidates, build_candidates, need_base_values
from matcher.domain import Project
from matcher.policy import Policy
from matcher.problem import CATEGORIES, MINUTES_PER_HOUR, Problem
from matcher.rules.claims import Claimants, claimants

#: A venue serves the communities within the 15-minute service circle (15分钟服务圈) around it.
SERVICE_CIRCLE_MINUTES = 15.0
#: The needs list covers one week; venue capacities and opening hours are per week.
PERIOD_DAYS = 7
#: Money is counted in cents so budgets stay integral in CP-SAT.
CENTS = 100


@dataclass(frozen=True)
class ProjectSpace:
    """All candidate decisions of one problem under one policy."""

    problem: Problem
    policy: Policy
    direct: Candidates  # need -> resource pairs (served directly by a volunteer or unit)
    # orders: given ones first (in input order), then candidate new orders
    order_ids: list[str]
    order_project: np.ndarray  # int32 index into problem.projects
    order_community: np.ndarray  # int32
    order_venue: np.ndarray  # int32 index into problem.venues, -1 for none
    order_given: np.ndarray  # bool: listed in the scenario's orders
    order_pinned: np.ndarray  # bool: must stay placed
    order_slots: np.ndarray  # int64 provider slots
    order_serves: np.ndarray  # int64 needs one instance serves at most
    order_cents: np.ndarray  # int64 cost in cents
    order_minutes: np.ndarray  # int64 minutes one instance runs (venue time, claim effort)
    order_eligible: np.ndarray  # (O, 3) int: claimants with the skills anywhere, in reach, not bound elsewhere
    # claims: order -> resource
    claim_order: np.ndarray  # int32
    claim_resource: np.ndarray  # int32
    claim_minutes: np.ndarray  # float32 travel minutes to the order's community
    claim_load: np.ndarray  # int64 minutes of the resource's hours
    claim_cost: np.ndarray  # int64 scaled travel cost
    claim_pinned: np.ndarray  # bool
    claim_given: np.ndarray  # bool: listed in the scenario's claims
    # serves: need -> order
    serve_need: np.ndarray  # int32
    serve_order: np.ndarray  # int32
    serve_value: np.ndarray  # int64 scaled value
    # budgets per community (no budget row: no new orders; given unpinned orders are free)
    budget_cents: np.ndarray  # int64, -1 for no limit
    budget_orders: np.ndarray  # int64, -1 for no limit
    # venues
    venue_capacity: np.ndarray  # int64 needs per week
    venue_minutes: np.ndarray  # int64 opening minutes per week

    @property
    def n_orders(self) -> int:
        return len(self.order_ids)


def _subset_table(sets: list[frozenset[str]]) -> tuple[list[frozenset[str]], np.ndarray]:
    """The distinct skill sets and, per record, the index of its set (few distinct sets, many records)."""
    distinct = list(dict.fromkeys(sets))
    index = {k: i for i, k in enumerate(distinct)}
    return distinct, np.array([index[k] for k in sets], dtype=np.int64)


class OrderRow(NamedTuple):
    """One candidate order (点单): a given one or a new one a budgeted community may place."""

    id: str
    project: int  # index into problem.projects
    community: int
    venue: int  # index into problem.venues, -1 for none
    given: bool  # listed in the scenario's orders
    pinned: bool  # listed as pinned (a pinned claim pins it too, later)
    slots: int  # provider slots


@dataclass(frozen=True)
class _Lookup:
    """Indices of the problem's records by id, and the claim rules, shared by every decision."""

    problem: Problem
    community: dict[str, int]
    project: dict[str, int]
    venue: dict[str, int]
    resource: dict[str, int]
    rules: Claimants
    servable: np.ndarray  # (P, N) bool: the project may serve the need (category, skills)
    venue_community: np.ndarray  # (V,) int64


def _servable(problem: Problem) -> np.ndarray:
    """(P, N) bool: project p's category is need n's and its skills cover the need's."""
    a = problem.arrays
    cat = {c: i for i, c in enumerate(CATEGORIES)}
    need_sets, need_set = _subset_table([n.skills for n in problem.needs])
    servable = np.zeros((len(problem.projects), a.n_needs), dtype=bool)
    for p, project in enumerate(problem.projects):
        covers = np.array([w <= project.skills for w in need_sets], dtype=bool)
        servable[p] = (a.need_category == cat[project.category]) & covers[need_set]
    return servable


def _lookup(problem: Problem, policy: Policy) -> _Lookup:
    a = problem.arrays
    community = {c: i for i, c in enumerate(a.community_ids)}
    return _Lookup(
        problem=problem,
        community=community,
        project={p.id: i for i, p in enumerate(problem.projects)},
        venue={v.id: i for i, v in enumerate(problem.venues)},
        resource={r: i for i, r in enumerate(a.resource_ids)},
        rules=claimants(problem, policy),
        servable=_servable(problem),
        venue_community=np.array([community[v.community] for v in problem.venues], dtype=np.int64),
    )


def _given_orders(look: _Lookup) -> list[OrderRow]:
    """The scenario's orders, as listed (slots default to the project's)."""
    projects = look.problem.projects
    return [
        OrderRow(
            o.id,
            look.project[o.project],
            look.community[o.community],
            look.venue[o.venue] if o.venue else -1,
            True,
            o.pinned,
            o.slots or projects[look.project[o.project]].provider_slots,
        )
        for o in look.problem.orders
    ]


def _fitting_projects(look: _Lookup) -> np.ndarray:
    """(P, C) bool: the project may serve some need of the community and enough claimants reach it."""
    a = look.problem.arrays
    in_community = np.zeros((a.n_needs, a.n_communities), dtype=np.float32)
    in_community[np.arange(a.n_needs), a.need_community] = 1
    servable_here = look.servable.astype(np.float32) @ in_community > 0
    rules = look.rules
    claimable_here = rules.claimant.astype(np.float32) @ (rules.reach & rules.unbound).astype(np.float32)
    slots_needed = np.array([p.provider_slots for p in look.problem.projects], dtype=np.float32)
    return servable_here & (claimable_here >= slots_needed[:, None])


def _venue_options(look: _Lookup, project: Project, community: int) -> list[int]:
    """Venues of the project's station type within the 15-minute circle of the community ([-1]: none needed)."""
    if project.venue_type is None:
        return [-1]
    travel = look.problem.arrays.travel
    return [
        v
        for v, venue in enumerate(look.problem.venues)
        if venue.type is project.venue_type and travel[look.venue_community[v], community] <= SERVICE_CIRCLE_MINUTES
    ]


def _new_orders(look: _Lookup, given: list[OrderRow]) -> list[OrderRow]:
    """One candidate per (budgeted community, fitting affordable project not ordered there, venue)."""
    problem, a = look.problem, look.problem.arrays
    needs_by_comm = np.bincount(a.need_community, minlength=a.n_communities)
    ordered = {(r.project, r.community) for r in given}
    taken = {r.id for r in given}
    fits = _fitting_projects(look)
    costs = np.array([p.cost for p in problem.projects])
    rows: list[OrderRow] = []
    for b in problem.budgets:
        c = look.community[b.community]
        if b.max_orders == 0 or needs_by_comm[c] == 0:
            continue
        affordable = costs <= (np.inf if b.amount is None else b.amount)
        for p in np.flatnonzero(fits[:, c] & affordable).tolist():
            project = problem.projects[p]
            if (p, c) in ordered:
                continue
            for v in _venue_options(look, project, c):
                oid = f"new:{b.community}:{project.id}" + (f"@{problem.venues[v].id}" if v >= 0 else "")
                if oid not in taken:
                    rows.append(OrderRow(oid, p, c, v, False, False, project.provider_slots))
    return rows


@dataclass(frozen=True)
class _Claims:
    """Candidate claims (认领), sorted by (order, resource), and per order its eligible claimants."""

    order: np.ndarray  # int32
    resource: np.ndarray  # int32
    given: np.ndarray  # bool
    pinned: np.ndarray  # bool
    eligible: np.ndarray  # (O, 3) int64


def _rule_claims(
    look: _Lookup, order_project: np.ndarray, order_community: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(order, resource, eligible counts) of the claims the rules allow, per project's orders."""
    rules = look.rules
    claimant, reach, unbound = rules.claimant, rules.reach, rules.unbound
    c_order, c_res = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    eligible = np.zeros((len(order_project), 3), dtype=np.int64)
    for p in range(len(look.problem.projects)):
        orders_p = np.flatnonzero(order_project == p)
        if len(orders_p) == 0:
            continue
        res_p = np.flatnonzero(claimant[p])
        comm = order_community[orders_p]
        ok_reach = reach[np.ix_(res_p, comm)]
        ok = ok_reach & unbound[np.ix_(res_p, comm)]
        eligible[orders_p] = np.column_stack([np.full(len(orders_p), len(res_p)), ok_reach.sum(axis=0), ok.sum(axis=0)])
        rr, oo = np.nonzero(ok)
        c_order.append(orders_p[oo])
        c_res.append(res_p[rr])
    return np.concatenate(c_order), np.concatenate(c_res), eligible


def _claims(look: _Lookup, rows: list[OrderRow], order_project: np.ndarray, order_community: np.ndarray) -> _Claims:
    """The rules' claims plus the given ones (kept even where the rules would not propose them: facts)."""
    claim_order, claim_resource, eligible = _rule_claims(look, order_project, order_community)
    oidx = {r.id: i for i, r in enumerate(rows)}
    given = {(oidx[cl.order], look.resource[cl.resource]): cl.pinned for cl in look.problem.claims}
    known = set(zip(claim_order.tolist(), claim_resource.tolist(), strict=True))
    extra = [k for k in given if k not in known]
    claim_order = np.concatenate([claim_order, np.array([k[0] for k in extra], dtype=np.int64)])
    claim_resource = np.concatenate([claim_resource, np.array([k[1] for k in extra], dtype=np.int64)])
    order = np.lexsort((claim_resource, claim_order))
    claim_order, claim_resource = claim_order[order].astype(np.int32), claim_resource[order].astype(np.int32)
    pairs = list(zip(claim_order.tolist(), claim_resource.tolist(), strict=True))
    return _Claims(
        order=claim_order,
        resource=claim_resource,
        given=np.array([k in given for k in pairs], dtype=bool),
        pinned=np.array([given.get(k, False) for k in pairs], dtype=bool),
        eligible=eligible,
    )


@dataclass(frozen=True)
class _Serves:
    """Which instance may serve which need, with the scaled value (positive only)."""

    need: np.ndarray  # int32
    order: np.ndarray  # int32
    value: np.ndarray  # int64


def _serves(
    look: _Lookup, policy: Policy, order_project: np.ndarray, order_community: np.ndarray, order_venue: np.ndarray
) -> _Serves:
    """Per order, the servable needs of its community, valued less the travel to the order's venue."""
    a = look.problem.arrays
    need_order = np.argsort(a.need_community, kind="stable")
    starts = np.searchsorted(a.need_community[need_order], np.arange(a.n_communities + 1))
    s_need, s_order = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for o, (c, p) in enumerate(zip(order_community.tolist(), order_project.tolist(), strict=True)):
        members = need_order[starts[c] : starts[c + 1]]
        members = members[look.servable[p, members]]
        s_need.append(members)
        s_order.append(np.full(len(members), o))
    serve_need, serve_order = np.concatenate(s_need), np.concatenate(s_order)
    venue_of = order_venue[serve_order]
    venue_home = np.append(look.venue_community, 0)[venue_of]  # index -1 (no venue) lands on the appended 0
    travel = np.where(venue_of >= 0, a.travel[venue_home, a.need_community[serve_need]], 0.0)
    base = need_base_values(a, policy)
    value = np.rint((base[serve_need] - policy.travel_cost * travel) * VALUE_SCALE).astype(np.int64)
    keep = value > 0
    return _Serves(serve_need[keep].astype(np.int32), serve_order[keep].astype(np.int32), value[keep])


def _budgets(look: _Lookup) -> tuple[np.ndarray, np.ndarray]:
    """Per community (budget_cents, budget_orders); -1 where there is no limit."""
    n = look.problem.arrays.n_communities
    cents, orders = np.full(n, -1, dtype=np.int64), np.full(n, -1, dtype=np.int64)
    for b in look.problem.budgets:
        c = look.community[b.community]
        cents[c] = -1 if b.amount is None else round(b.amount * CENTS)
        orders[c] = b.max_orders
    return cents, orders


def _venue_limits(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    """Per venue (needs a week it takes, opening minutes a week)."""
    capacity = np.array([v.capacity for v in problem.venues], dtype=np.int64)
    minutes = [round(v.opening_hours * MINUTES_PER_HOUR * PERIOD_DAYS) for v in problem.venues]
    return capacity, np.array(minutes, dtype=np.int64)


def build_space(problem: Problem, policy: Policy) -> ProjectSpace:
    """Candidate orders, claims and served needs of ``problem`` under ``policy``."""
    a = problem.arrays
    look = _lookup(problem, policy)
    given = _given_orders(look)
    rows = given + _new_orders(look, given)
    order_project = np.array([r.project for r in rows], dtype=np.int32)
    order_community = np.array([r.community for r in rows], dtype=np.int32)
    order_venue = np.array([r.venue for r in rows], dtype=np.int32)
    claims = _claims(look, rows, order_project, order_community)
    serves = _serves(look, policy, order_project, order_community, order_venue)
    project_of = problem.projects
    minutes = np.array([round(p.hours * MINUTES_PER_HOUR) for p in project_of], dtype=np.int64)[order_project]
    claim_minutes = a.travel[a.resource_community[claims.resource], order_community[claims.order]]
    claim_load = np.rint(minutes[claims.order] * a.resource_factor[claims.resource].astype(np.float64))
    order_pinned = np.array([r.pinned for r in rows], dtype=bool)
    order_pinned[claims.order[claims.pinned]] = True  # a pinned claim pins its order
    budget_cents, budget_orders = _budgets(look)
    venue_capacity, venue_minutes = _venue_limits(problem)
    return ProjectSpace(
        problem=problem,
        policy=policy,
        direct=build_candidates(problem, policy),
        order_ids=[r.id for r in rows],
        order_project=order_project,
        order_community=order_community,
        order_venue=order_venue,
        order_given=np.array([r.given for r in rows], dtype=bool),
        order_pinned=order_pinned,
        order_slots=np.array([r.slots for r in rows], dtype=np.int64),
        order_serves=np.array([p.serves for p in project_of], dtype=np.int64)[order_project],
        order_cents=np.array([round(p.cost * CENTS) for p in project_of], dtype=np.int64)[order_project],
        order_minutes=minutes,
        order_eligible=claims.eligible,
        claim_order=claims.order,
        claim_resource=claims.resource,
        claim_minutes=claim_minutes.astype(np.float32),
        claim_load=np.maximum(1, claim_load).astype(np.int64),
        claim_cost=1 + np.rint(policy.travel_cost * claim_minutes.astype(np.float32) * VALUE_SCALE).astype(np.int64),
        claim_pinned=claims.pinned,
        claim_given=claims.given,
        serve_need=serves.need,
        serve_order=serves.order,
        serve_value=serves.value,
        budget_cents=budget_cents,
        budget_orders=budget_orders,
        venue_capacity=venue_capacity,
        venue_minutes=venue_minutes,
    )
