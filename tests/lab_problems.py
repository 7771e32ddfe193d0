"""Small random problems for the policy-lab tests: a few communities on a plane, needs and
resources with categories, hours, urgencies and unit groups paired with communities."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import numpy as np
import yaml

from matcher.domain import Community, Need, Pairing, Resource
from matcher.problem import Problem
from matcher.vocabulary import Category, PairingMode, ResourceKind, Tier, Urgency

CATEGORIES = list(Category)[:3]
URGENCIES = [Urgency.UTILITIES, Urgency.NORMAL, Urgency.COMPLEX]


def random_problem(
    seed: int,
    communities: int = 4,
    needs: int = 14,
    resources: int = 6,
    *,
    uneven_hours: bool = False,
    multi_provider: bool = False,
    pairings: bool = True,
) -> Problem:
    """A feasible random problem; ``uneven_hours`` lets loads differ, ``multi_provider`` adds 2-provider needs."""
    rng = np.random.default_rng(seed)
    comms = [
        Community(id=f"C{i}", street="S1", district="D1", x=float(rng.uniform(0, 3)), y=float(rng.uniform(0, 3)))
        for i in range(communities)
    ]
    need_list = []
    for i in range(needs):
        hours = float(rng.choice([1.0, 2.0, 3.0])) if uneven_hours else 1.0
        providers = int(rng.random() < 0.15) + 1 if multi_provider else 1
        need_list.append(
            Need(
                id=f"N{i}",
                community=f"C{rng.integers(communities)}",
                category=CATEGORIES[rng.integers(3)],
                tier=list(Tier)[rng.integers(3)],
                urgency=URGENCIES[rng.integers(3)],
                hours=hours,
                providers=providers,
            )
        )
    groups = [f"G{g}" for g in range(max(1, resources // 3))] if pairings else []
    res_list = []
    for i in range(resources):
        cats = frozenset(CATEGORIES[k] for k in range(3) if rng.random() < 0.6) or frozenset([CATEGORIES[i % 3]])
        res_list.append(
            Resource(
                id=f"R{i}",
                kind=ResourceKind.VOLUNTEER if i % 2 else ResourceKind.WORKSHOP,
                community=f"C{rng.integers(communities)}",
                categories=cats,
                capacity_hours=float(rng.integers(1, 6)),
                capacity_tasks=int(rng.integers(1, 4)),
                radius_minutes=float(rng.uniform(8, 20)),
                pairing_group=groups[i % len(groups)] if groups and i < 2 * len(groups) else "",
            )
        )
    pair_list = [
        Pairing(group=g, community=f"C{k % communities}", mode=PairingMode.HARD if k % 2 == 0 else PairingMode.SOFT)
        for k, g in enumerate(groups)
    ]
    return Problem.build(comms, need_list, res_list, pairings=pair_list, name=f"random-{seed}")


def _plain(value: object) -> object:
    if isinstance(value, frozenset):
        return sorted(str(v) for v in value)
    return str(value) if isinstance(value, str) else value


def write_scenario(problem: Problem, path: Path) -> Path:
    """The problem as a scenario YAML file (inline lists), for the command-line tests."""
    doc = {"name": problem.name}
    for name in ("communities", "needs", "resources", "pairings"):
        doc[name] = [
            {f.name: _plain(getattr(r, f.name)) for f in fields(r) if getattr(r, f.name) not in (None, "", ())}
            for r in getattr(problem, name)
        ]
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path
