"""A plan: what is decided for every candidate order, claim, served need and direct pair,
and its objective. Parts of a problem are solved apart and their plans merged."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.projects.space import ProjectSpace

#: A small price on every order that is not pinned, so orders that serve nothing are not made.
ORDER_COST = 1


@dataclass(frozen=True)
class Part:
    """One independent piece of the problem: communities that share no resource or venue with
    the rest. Every array holds global indices into the space."""

    communities: np.ndarray
    needs: np.ndarray
    orders: np.ndarray
    claims: np.ndarray
    serves: np.ndarray
    direct: np.ndarray  # indices into space.direct

    @property
    def size(self) -> int:
        """Number of decision variables of the part's model."""
        return 2 * len(self.orders) + len(self.claims) + len(self.serves) + len(self.direct)

    def is_fixed(self, space: ProjectSpace) -> bool:
        """Orders and claims are all fixed: every order pinned and no claim left to decide."""
        orders = self.orders
        if not space.order_pinned[orders].all():
            return False
        pinned = np.bincount(
            space.claim_order[self.claims], weights=space.claim_pinned[self.claims], minlength=space.n_orders
        )[orders]
        free = np.bincount(
            space.claim_order[self.claims], weights=~space.claim_pinned[self.claims], minlength=space.n_orders
        )[orders]
        return bool(((pinned >= space.order_slots[orders]) | (free == 0)).all())


@dataclass
class Plan:
    """Boolean decisions over the whole space (entries outside a solved part stay False)."""

    placed: np.ndarray  # per order
    running: np.ndarray  # per order: placed and all provider slots claimed
    claims: np.ndarray  # per claim pair
    serves: np.ndarray  # per (need, order) pair
    direct: np.ndarray  # per direct candidate pair

    @classmethod
    def empty(cls, space: ProjectSpace) -> Plan:
        return cls(
            np.zeros(space.n_orders, bool),
            np.zeros(space.n_orders, bool),
            np.zeros(len(space.claim_order), bool),
            np.zeros(len(space.serve_need), bool),
            np.zeros(len(space.direct), bool),
        )

    def orders_and_claims(self, part: Part) -> Plan:
        """A plan with this plan's orders and claims on ``part`` and no need assigned."""
        out = Plan.empty_like(self)
        out.placed[part.orders] = self.placed[part.orders]
        out.running[part.orders] = self.running[part.orders]
        out.claims[part.claims] = self.claims[part.claims]
        return out

    @classmethod
    def empty_like(cls, plan: Plan) -> Plan:
        return cls(*(np.zeros_like(x) for x in (plan.placed, plan.running, plan.claims, plan.serves, plan.direct)))

    def update(self, part: Part, other: Plan) -> None:
        """Copy ``other``'s decisions on ``part`` into this plan."""
        self.placed[part.orders] = other.placed[part.orders]
        self.running[part.orders] = other.running[part.orders]
        self.claims[part.claims] = other.claims[part.claims]
        self.serves[part.serves] = other.serves[part.serves]
        self.direct[part.direct] = other.direct[part.direct]


def budget_left(space: ProjectSpace, plan: Plan) -> tuple[np.ndarray, np.ndarray]:
    """Per community: (cents, new orders) its budget has left after the plan's unpinned orders;
    -1 stays "no limit"."""
    free = np.flatnonzero(plan.placed & ~space.order_pinned)
    n = len(space.budget_cents)
    cents = space.budget_cents - np.bincount(
        space.order_community[free], weights=space.order_cents[free], minlength=n
    ).astype(np.int64)
    count = space.budget_orders - np.bincount(space.order_community[free], minlength=n)
    return np.where(space.budget_cents < 0, -1, cents), np.where(space.budget_orders < 0, -1, count)


def venue_minutes_left(space: ProjectSpace, plan: Plan) -> np.ndarray:
    """Per venue: opening minutes a week left after the plan's running instances there."""
    at = np.flatnonzero(plan.running & (space.order_venue >= 0))
    used = np.bincount(space.order_venue[at], weights=space.order_minutes[at], minlength=len(space.venue_minutes))
    return space.venue_minutes - used.astype(np.int64)


def fits_venue(space: ProjectSpace, o: int, minutes_left: np.ndarray) -> bool:
    """Can order ``o``'s instance run within its venue's opening minutes left (true without a venue)?"""
    v = space.order_venue[o]
    return bool(v < 0 or minutes_left[v] >= space.order_minutes[o])


def objective(space: ProjectSpace, plan: Plan, part: Part | None = None) -> int:
    """Scaled objective: needs served (directly or by a project) less claim travel and order price."""

    def pick(mask: np.ndarray, idx: np.ndarray | None) -> np.ndarray:
        chosen = np.flatnonzero(mask)
        return chosen if idx is None else np.intersect1d(chosen, idx)

    d = pick(plan.direct, None if part is None else part.direct)
    s = pick(plan.serves, None if part is None else part.serves)
    c = pick(plan.claims, None if part is None else part.claims)
    o = pick(plan.placed & ~space.order_pinned, None if part is None else part.orders)
    return int(
        space.direct.value[d].sum() + space.serve_value[s].sum() - space.claim_cost[c].sum() - ORDER_COST * len(o)
    )
