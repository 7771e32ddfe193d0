"""Dropping candidate new orders that another candidate dominates — an exact reduction.

New order o (project p) is dominated by new order q (project p') in the same community and at
the same venue when p' costs no more, needs no more provider slots and no more hours, can serve
every need it could ever serve (``serves`` at least its servable needs), serves every need o
could, and may be claimed by every unit that may claim o. Then any plan with o is matched or
beaten by one with q instead (o's claimants staff q at the same travel; q takes o's needs), so o
can go. Ties are broken by a fixed order so two equal candidates do not remove each other.
Communities with a binding hard-pairing minimum keep all candidates (fewer slots mean fewer claims).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from matcher.projects.space import ProjectSpace


def _members(keys: np.ndarray, values: np.ndarray, n: int) -> list[frozenset[int]]:
    out: list[set[int]] = [set() for _ in range(n)]
    for k, v in zip(keys.tolist(), values.tolist(), strict=True):
        out[k].add(v)
    return [frozenset(s) for s in out]


def dominated_orders(space: ProjectSpace) -> np.ndarray:
    """Boolean mask of candidate new orders some other candidate dominates."""
    a, projects = space.problem.arrays, space.problem.projects
    n = space.n_orders
    served = _members(space.serve_order, space.serve_need, n)
    claimers = _members(space.claim_order, space.claim_resource, n)
    guarded = {c for g, c, _ in a.pairing_minimums if space.direct.hard_groups[g]}
    hours = np.array([p.hours for p in projects])[space.order_project]
    # Sort key: better candidates first; a candidate can only be dominated by an earlier one.
    key = np.lexsort((np.arange(n), -space.order_serves, hours, space.order_slots, space.order_cents))
    groups: dict[tuple[int, int], list[int]] = {}
    out = np.zeros(n, dtype=bool)
    for o in key.tolist():
        if space.order_given[o] or space.order_community[o] in guarded:
            continue
        group = groups.setdefault((int(space.order_community[o]), int(space.order_venue[o])), [])
        for q in group:
            if (
                space.order_cents[q] <= space.order_cents[o]
                and space.order_slots[q] <= space.order_slots[o]
                and hours[q] <= hours[o]
                and served[o] <= served[q]
                and claimers[o] <= claimers[q]
            ):
                out[o] = True
                break
        else:
            if space.order_serves[o] >= len(served[o]):  # only a complete server can stand in for others
                group.append(o)
    return out


def prune_dominated(space: ProjectSpace) -> ProjectSpace:
    """The space without dominated candidate orders (and their claim and serve pairs)."""
    drop = dominated_orders(space)
    if not drop.any():
        return space
    keep = ~drop
    new_index = np.cumsum(keep) - 1
    claims, serves = keep[space.claim_order], keep[space.serve_order]
    orders = {
        name: getattr(space, name)[keep]
        for name in (
            "order_project",
            "order_community",
            "order_venue",
            "order_given",
            "order_pinned",
            "order_slots",
            "order_serves",
            "order_cents",
            "order_minutes",
            "order_eligible",
        )
    }
    claim = {
        name: getattr(space, name)[claims]
        for name in ("claim_resource", "claim_minutes", "claim_load", "claim_cost", "claim_pinned", "claim_given")
    }
    serve = {name: getattr(space, name)[serves] for name in ("serve_need", "serve_value")}
    return replace(
        space,
        order_ids=[i for i, k in zip(space.order_ids, keep.tolist(), strict=True) if k],
        **orders,
        claim_order=new_index[space.claim_order[claims]].astype(np.int32),
        **claim,
        serve_order=new_index[space.serve_order[serves]].astype(np.int32),
        **serve,
    )
