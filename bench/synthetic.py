"""Synthetic city-scale problems for benchmarks: communities on a 1 km grid, needs and resources
spread evenly, sized by the number of needs and resources."""

from __future__ import annotations

import numpy as np

from matcher.domain import Community, Need, Resource
from matcher.problem import Problem
from matcher.vocabulary import Category, Level, ResourceKind, Tier, Urgency

CATEGORIES = list(Category)
TIERS = list(Tier)
URGENCIES = list(Urgency)


def city(
    n_needs: int,
    n_resources: int,
    needs_per_community: int = 50,
    seed: int = 0,
    radius_minutes: tuple[float, ...] = (5.0, 6.0, 6.0),
) -> Problem:
    """A flow-exact problem (one-hour needs, one provider each): about 20 candidate pairs per need
    with the defaults, so 100,000 needs x 20,000 resources gives about 2 million pairs."""
    rng = np.random.default_rng(seed)
    n_comm = max(1, n_needs // needs_per_community)
    side = int(np.ceil(np.sqrt(n_comm)))
    communities = [
        Community(id=f"C{i}", x=float(i % side), y=float(i // side), street=f"S{i // 40}", district="D")
        for i in range(n_comm)
    ]
    need_comm = rng.integers(n_comm, size=n_needs)
    need_cat = rng.integers(len(CATEGORIES), size=n_needs)
    need_tier = rng.integers(len(TIERS), size=n_needs)
    need_urg = rng.choice(len(URGENCIES), size=n_needs, p=[0.02, 0.08, 0.7, 0.2])
    needs = [
        Need(
            id=f"N{i}",
            community=communities[c].id,
            category=CATEGORIES[k],
            tier=TIERS[t],
            urgency=URGENCIES[u],
            hours=1.0,
        )
        for i, (c, k, t, u) in enumerate(
            zip(need_comm.tolist(), need_cat.tolist(), need_tier.tolist(), need_urg.tolist())
        )
    ]
    res_comm = rng.integers(n_comm, size=n_resources)
    res_cats = rng.integers(len(CATEGORIES), size=(n_resources, 2))
    res_tasks = rng.integers(1, 8, size=n_resources)
    res_radius = rng.choice(radius_minutes, size=n_resources)
    resources = [
        Resource(
            id=f"R{j}",
            kind=ResourceKind.VOLUNTEER,
            community=communities[c].id,
            categories=frozenset({CATEGORIES[a], CATEGORIES[b]}),
            capacity_hours=float(t),
            capacity_tasks=int(t),
            radius_minutes=float(r),
            response_minutes=5.0,
            level=Level.COMMUNITY,
        )
        for j, (c, (a, b), t, r) in enumerate(
            zip(res_comm.tolist(), res_cats.tolist(), res_tasks.tolist(), res_radius.tolist())
        )
    ]
    return Problem.build(communities, needs, resources, name=f"city-{n_needs}x{n_resources}")
