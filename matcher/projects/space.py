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

import numpy as np

from matcher.candidates import VALUE_SCALE, Candidates, build_candidates, need_base_values
from matcher.policy import Policy
from matcher.problem import CATEGORIES, MINUTES_PER_HOUR, Problem
from matcher.rules.claims import claimants

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


def build_space(problem: Problem, policy: Policy) -> ProjectSpace:
    """Candidate orders, claims and served needs of ``problem`` under ``policy``."""
    a = problem.arrays
    direct = build_candidates(problem, policy)
    cidx = {c: i for i, c in enumerate(a.community_ids)}
    pidx = {p.id: i for i, p in enumerate(problem.projects)}
    vidx = {v.id: i for i, v in enumerate(problem.venues)}
    ridx = {r: i for i, r in enumerate(a.resource_ids)}
    projects = problem.projects
    cat = {c: i for i, c in enumerate(CATEGORIES)}

    # Which resources may claim each project (the claim rules), and which needs each project may serve.
    rules = claimants(problem, policy)
    claimant, reach, unbound = rules.claimant, rules.reach, rules.unbound
    need_sets, need_set = _subset_table([n.skills for n in problem.needs])
    servable = np.zeros((len(projects), a.n_needs), dtype=bool)
    for p, project in enumerate(projects):
        covers = np.array([w <= project.skills for w in need_sets], dtype=bool)
        servable[p] = (a.need_category == cat[project.category]) & covers[need_set]
    base = need_base_values(a, policy)

    # Orders: the given ones, then one candidate per (budgeted community, project, venue).
    venue_comm = np.array([cidx[v.community] for v in problem.venues], dtype=np.int64)
    venue_type = [v.type for v in problem.venues]
    needs_by_comm = np.bincount(a.need_community, minlength=a.n_communities)
    rows: list[tuple[str, int, int, int, bool, bool]] = []
    for o in problem.orders:
        rows.append((o.id, pidx[o.project], cidx[o.community], vidx[o.venue] if o.venue else -1, True, o.pinned))
    given_pairs = {(r[1], r[2]) for r in rows}
    budget = {b.community: b for b in problem.budgets}
    taken = {r[0] for r in rows}
    # (project, community) counts of servable needs and of eligible claimants, as matrix products.
    in_community = np.zeros((a.n_needs, a.n_communities), dtype=np.float32)
    in_community[np.arange(a.n_needs), a.need_community] = 1
    servable_here = servable.astype(np.float32) @ in_community > 0
    claimable_here = claimant.astype(np.float32) @ (reach & unbound).astype(np.float32)
    slots_needed = np.array([p.provider_slots for p in projects], dtype=np.float32)
    costs = np.array([p.cost for p in projects])
    for c_id, b in budget.items():
        c = cidx[c_id]
        if b.max_orders == 0 or needs_by_comm[c] == 0:
            continue
        affordable = costs <= (np.inf if b.amount is None else b.amount)
        fit = servable_here[:, c] & (claimable_here[:, c] >= slots_needed) & affordable
        for p in np.flatnonzero(fit).tolist():
            project = projects[p]
            if (p, c) in given_pairs:
                continue
            if project.venue_type is None:
                options = [-1]
            else:
                options = [
                    v
                    for v in range(len(venue_type))
                    if venue_type[v] is project.venue_type and a.travel[venue_comm[v], c] <= SERVICE_CIRCLE_MINUTES
                ]
            for v in options:
                oid = f"new:{c_id}:{project.id}" + (f"@{problem.venues[v].id}" if v >= 0 else "")
                if oid not in taken:
                    rows.append((oid, p, c, v, False, False))
    order_project = np.array([r[1] for r in rows], dtype=np.int32)
    order_community = np.array([r[2] for r in rows], dtype=np.int32)
    order_venue = np.array([r[3] for r in rows], dtype=np.int32)
    slots = np.array([p.provider_slots for p in projects], dtype=np.int64)
    order_slots = slots[order_project]
    order_slots[: len(problem.orders)] = [o.slots or projects[pidx[o.project]].provider_slots for o in problem.orders]
    serves = np.array([p.serves for p in projects], dtype=np.int64)
    cents = np.array([round(p.cost * CENTS) for p in projects], dtype=np.int64)
    minutes = np.array([round(p.hours * MINUTES_PER_HOUR) for p in projects], dtype=np.int64)

    # Claims: per project, its claimants x the communities of its orders.
    c_order, c_res = [], []
    eligible = np.zeros((len(rows), 3), dtype=np.int64)
    for p in range(len(projects)):
        orders_p = np.flatnonzero(order_project == p)
        if len(orders_p) == 0:
            continue
        res_p = np.flatnonzero(claimant[p])
        comm = order_community[orders_p]
        ok_reach = reach[np.ix_(res_p, comm)]
        ok = ok_reach & unbound[np.ix_(res_p, comm)]
        eligible[orders_p, 0] = len(res_p)
        eligible[orders_p, 1] = ok_reach.sum(axis=0)
        eligible[orders_p, 2] = ok.sum(axis=0)
        rr, oo = np.nonzero(ok)
        c_order.append(orders_p[oo])
        c_res.append(res_p[rr])
    claim_order = np.concatenate(c_order).astype(np.int32) if c_order else np.zeros(0, np.int32)
    claim_resource = np.concatenate(c_res).astype(np.int32) if c_res else np.zeros(0, np.int32)
    # Given claims are kept even where the rules would not propose them (they are facts).
    oidx = {r[0]: i for i, r in enumerate(rows)}
    given = {(oidx[cl.order], ridx[cl.resource]): cl.pinned for cl in problem.claims}
    known = set(zip(claim_order.tolist(), claim_resource.tolist(), strict=True))
    extra = [k for k in given if k not in known]
    if extra:
        claim_order = np.concatenate([claim_order, np.array([k[0] for k in extra], dtype=np.int32)])
        claim_resource = np.concatenate([claim_resource, np.array([k[1] for k in extra], dtype=np.int32)])
    order = np.lexsort((claim_resource, claim_order))
    claim_order, claim_resource = claim_order[order], claim_resource[order]
    pairs = list(zip(claim_order.tolist(), claim_resource.tolist(), strict=True))
    claim_given = np.array([k in given for k in pairs], dtype=bool)
    claim_pinned = np.array([given.get(k, False) for k in pairs], dtype=bool)
    claim_minutes = a.travel[a.resource_community[claim_resource], order_community[claim_order]].astype(np.float32)
    claim_load = np.maximum(
        1, np.rint(minutes[order_project[claim_order]] * a.resource_factor[claim_resource].astype(np.float64))
    ).astype(np.int64)
    claim_cost = 1 + np.rint(policy.travel_cost * claim_minutes * VALUE_SCALE).astype(np.int64)

    # Serves: per order, the servable needs of its community.
    s_need, s_order = [], []
    need_order = np.argsort(a.need_community, kind="stable")
    starts = np.searchsorted(a.need_community[need_order], np.arange(a.n_communities + 1))
    for o in range(len(rows)):
        c, p = order_community[o], order_project[o]
        members = need_order[starts[c] : starts[c + 1]]
        members = members[servable[p, members]]
        s_need.append(members)
        s_order.append(np.full(len(members), o))
    serve_need = np.concatenate(s_need).astype(np.int32) if s_need else np.zeros(0, np.int32)
    serve_order = np.concatenate(s_order).astype(np.int32) if s_order else np.zeros(0, np.int32)
    venue_of = order_venue[serve_order]
    venue_home = np.append(venue_comm, 0)[venue_of]  # index -1 (no venue) lands on the appended 0
    travel = np.where(venue_of >= 0, a.travel[venue_home, a.need_community[serve_need]], 0.0)
    serve_value = np.rint((base[serve_need] - policy.travel_cost * travel) * VALUE_SCALE).astype(np.int64)
    keep = serve_value > 0
    serve_need, serve_order, serve_value = serve_need[keep], serve_order[keep], serve_value[keep]

    # A pinned claim pins its order: the claimed order stays placed.
    order_pinned = np.array([r[5] for r in rows], dtype=bool)
    order_pinned[claim_order[claim_pinned]] = True

    budget_cents = np.full(a.n_communities, -1, dtype=np.int64)
    budget_orders = np.full(a.n_communities, -1, dtype=np.int64)
    for c_id, b in budget.items():
        budget_cents[cidx[c_id]] = -1 if b.amount is None else round(b.amount * CENTS)
        budget_orders[cidx[c_id]] = b.max_orders
    return ProjectSpace(
        problem=problem,
        policy=policy,
        direct=direct,
        order_ids=[r[0] for r in rows],
        order_project=order_project,
        order_community=order_community,
        order_venue=order_venue,
        order_given=np.array([r[4] for r in rows], dtype=bool),
        order_pinned=order_pinned,
        order_slots=order_slots,
        order_serves=serves[order_project],
        order_cents=cents[order_project],
        order_minutes=minutes[order_project],
        order_eligible=eligible,
        claim_order=claim_order,
        claim_resource=claim_resource,
        claim_minutes=claim_minutes,
        claim_load=claim_load,
        claim_cost=claim_cost,
        claim_pinned=claim_pinned,
        claim_given=claim_given,
        serve_need=serve_need,
        serve_order=serve_order,
        serve_value=serve_value,
        budget_cents=budget_cents,
        budget_orders=budget_orders,
        venue_capacity=np.array([v.capacity for v in problem.venues], dtype=np.int64),
        venue_minutes=np.array(
            [round(v.opening_hours * MINUTES_PER_HOUR * PERIOD_DAYS) for v in problem.venues], dtype=np.int64
        ),
    )
