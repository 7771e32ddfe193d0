"""The Pudong scenario (docs/cases.md): doorstep stations (家门口服务站) in 1,284
villages and residential areas of 36 streets and towns, the 147-project catalogue of 26
departments, resident units, social organisations, volunteers and party members, needs in
every community, budgets for ordering (点单), and a few orders and claims already made.

Streets are laid out 7 km apart with their communities within 2 km of the centre; units serve
their own street and volunteers 10 minutes around home, so streets share no resource and the
solver may take them one by one.

    matcher generate pudong --seed 2024 --out scenarios/pudong
    matcher generate pudong-street --seed 2024 --out scenarios/pudong-street
"""

from __future__ import annotations

from typing import Any

import numpy as np

from matcher.generate.catalogue import SKILLS, pudong_catalogue
from matcher.generate.writer import GeneratedScenario
from matcher.vocabulary import Category, PopulationGroup, Tier, Urgency

STREETS = (
    "潍坊新村街道",
    "陆家嘴街道",
    "周家渡街道",
    "塘桥街道",
    "上钢新村街道",
    "南码头路街道",
    "沪东新村街道",
    "金杨新村街道",
    "洋泾街道",
    "浦兴路街道",
    "东明路街道",
    "花木街道",
    "川沙新镇",
    "高桥镇",
    "北蔡镇",
    "合庆镇",
    "唐镇",
    "曹路镇",
    "金桥镇",
    "高行镇",
    "高东镇",
    "张江镇",
    "三林镇",
    "惠南镇",
    "周浦镇",
    "新场镇",
    "大团镇",
    "康桥镇",
    "航头镇",
    "祝桥镇",
    "泥城镇",
    "宣桥镇",
    "书院镇",
    "万祥镇",
    "老港镇",
    "南汇新城镇",
)
COMMUNITIES = 1284
STREET_SPACING_KM, STREET_RADIUS_KM = 7.0, 2.0
CATEGORIES = list(Category)
#: Share of a community's needs that ask for one of its three hot topics.
HOT_SHARE = 0.7
#: How often residents ask for each category (daily life and health most).
CATEGORY_WEIGHTS = np.array([0.08, 0.14, 0.24, 0.1, 0.22, 0.12, 0.1])
GROUPS = [
    PopulationGroup.LOCAL,
    PopulationGroup.MIGRANT,
    PopulationGroup.WHITE_COLLAR,
    PopulationGroup.ELDERLY,
    PopulationGroup.CHILD,
    PopulationGroup.DISABLED,
    PopulationGroup.GENERAL,
]


def _street_sizes(rng: np.random.Generator, streets: int, communities: int) -> list[int]:
    """Communities per street: at least 15, the rest spread unevenly, summing to ``communities``."""
    floor = min(15, communities // streets)
    share = rng.dirichlet(np.full(streets, 4.0))
    extra = np.floor(share * (communities - floor * streets)).astype(int)
    extra[: communities - floor * streets - extra.sum()] += 1
    return (floor + extra).tolist()


def _categories(rng: np.random.Generator, low: int, high: int) -> list[Category]:
    picked = rng.choice(len(CATEGORIES), size=int(rng.integers(low, high + 1)), replace=False, p=CATEGORY_WEIGHTS)
    return [CATEGORIES[int(i)] for i in picked]


def _skills_for(rng: np.random.Generator, categories: list[Category], per_category: tuple[int, int]) -> list[str]:
    out: list[str] = []
    for category in categories:
        k = int(rng.integers(per_category[0], per_category[1] + 1))
        out += [str(x) for x in rng.choice(SKILLS[category], size=k, replace=False)]
    return out


def generate(
    seed: int = 2024, streets: int = 36, communities: int = COMMUNITIES, needs_per_community: float = 8.0
) -> GeneratedScenario:
    """The scenario, all drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    catalogue = pudong_catalogue(rng)
    names = STREETS[:streets]
    sizes = _street_sizes(rng, streets, communities if streets == len(STREETS) else streets * 36)
    grid = int(np.ceil(np.sqrt(streets)))
    lists: dict[str, list[dict[str, Any]]] = {
        k: [] for k in ("communities", "needs", "resources", "projects", "pairings", "orders", "claims", "budgets")
    }
    lists["projects"] = catalogue
    for s, (street, size) in enumerate(zip(names, sizes, strict=True)):
        cx, cy = (s % grid) * STREET_SPACING_KM, (s // grid) * STREET_SPACING_KM
        comm_ids = []
        for j in range(size):
            angle, radius = rng.uniform(0, 2 * np.pi), STREET_RADIUS_KM * np.sqrt(rng.uniform())
            cid = f"S{s + 1:02d}C{j + 1:02d}"
            comm_ids.append(cid)
            kind = "村" if street.endswith("镇") and j % 3 == 0 else "居委"
            lists["communities"].append(
                {
                    "id": cid,
                    "name": f"{street.removesuffix('街道').removesuffix('镇')}{j + 1}{kind}",
                    "street": street,
                    "district": "浦东新区",
                    "x": round(cx + radius * np.cos(angle), 3),
                    "y": round(cy + radius * np.sin(angle), 3),
                    "population": int(rng.integers(2000, 12000)),
                }
            )
            lists["budgets"].append(
                {"community": cid, "amount": round(float(rng.uniform(3, 9)), 1), "max_orders": int(rng.integers(2, 5))}
            )
        _street_resources(rng, s, street, comm_ids, lists)
        _street_needs(rng, comm_ids, needs_per_community, lists)
    _given_orders(rng, lists)
    name = "pudong" if streets == len(STREETS) else "pudong-street" if streets == 1 else f"pudong-{streets}-streets"
    description = (
        f"Pudong doorstep services: {len(lists['communities'])} communities in {streets} streets/towns, "
        f"the 147-project catalogue of 26 departments; generated with seed {seed} "
        f"by matcher.generate.pudong"
    )
    return GeneratedScenario(
        name,
        description,
        {k: rows for k, rows in lists.items() if rows},
        settings={"minutes_per_km": 4.0, "intra_community_minutes": 5.0},
    )


#: The seed of the checked-in Pudong scenarios.
CASE_SEED = 2024


def pudong(seed: int = CASE_SEED) -> GeneratedScenario:
    """All of Pudong: 36 streets/towns, 1,284 communities."""
    return generate(seed)


def pudong_street(seed: int = CASE_SEED) -> GeneratedScenario:
    """One Pudong street (36 communities), small enough to solve in seconds."""
    return generate(seed, streets=1)


def _street_resources(
    rng: np.random.Generator, s: int, street: str, comm_ids: list[str], lists: dict[str, list[dict[str, Any]]]
) -> None:
    """Resident units and social organisations serve the street; volunteers and party members
    serve around home; some units form groups paired (结对) with a few communities."""
    n_units = max(4, len(comm_ids) // 3)
    groups = [f"S{s + 1:02d}G{g + 1}" for g in range(max(1, n_units // 5))]
    for u in range(n_units):
        categories = _categories(rng, 2, 3)
        kind, tasks = ("unit" if u % 4 else "social_org"), int(rng.integers(4, 9))
        group = groups[u % len(groups)] if u < 2 * len(groups) else ""
        lists["resources"].append(
            {
                "id": f"S{s + 1:02d}U{u + 1:02d}",
                "kind": kind,
                "community": comm_ids[int(rng.integers(len(comm_ids)))],
                "categories": [c.label for c in categories],
                "skills": _skills_for(rng, categories, (3, 5)),
                "capacity_hours": float(6 * tasks),
                "capacity_tasks": tasks,
                "radius_minutes": 30.0,
                "level": "street",
                "pairing_group": group,
                "name": f"{street}驻区单位{u + 1}" if kind == "unit" else f"{street}社会组织{u + 1}",
            }
        )
    for g in groups:
        for cid in rng.choice(comm_ids, size=min(len(comm_ids), int(rng.integers(3, 7))), replace=False):
            lists["pairings"].append({"group": g, "community": str(cid), "mode": "hard"})
    for cid in comm_ids:
        for v in range(int(rng.integers(1, 3))):
            categories, tasks = _categories(rng, 1, 2), int(rng.integers(2, 5))
            lists["resources"].append(
                {
                    "id": f"{cid}V{v + 1}",
                    "kind": "volunteer" if v % 2 else "party_member",
                    "community": cid,
                    "categories": [c.label for c in categories],
                    "skills": _skills_for(rng, categories, (1, 3)),
                    "capacity_hours": float(3 * tasks),
                    "capacity_tasks": tasks,
                    "radius_minutes": 10.0,
                    "level": "community",
                }
            )


def _street_needs(
    rng: np.random.Generator, comm_ids: list[str], per_community: float, lists: dict[str, list[dict[str, Any]]]
) -> None:
    """Needs in every community: a category, one skill of it, a tier, an urgency and a group.

    Each community has three hot topics (say, the elderly's health checks) that most of its needs
    ask for; that is what one project instance serving many needs answers."""
    tiers, urgencies = list(Tier), list(Urgency)
    for cid in comm_ids:
        hot = [_topic(rng) for _ in range(3)]
        for i in range(max(3, int(rng.poisson(per_community)))):
            category, skill = hot[int(rng.integers(3))] if rng.random() < HOT_SHARE else _topic(rng)
            lists["needs"].append(
                {
                    "id": f"{cid}N{i + 1:02d}",
                    "community": cid,
                    "category": category.label,
                    "tier": tiers[int(rng.choice(3, p=[0.25, 0.5, 0.25]))].label,
                    "urgency": urgencies[int(rng.choice(4, p=[0.03, 0.07, 0.8, 0.1]))].value,
                    "group": GROUPS[int(rng.integers(len(GROUPS)))].value,
                    "skills": [skill],
                    "hours": float(rng.choice([1.0, 1.5, 2.0, 3.0])),
                    "title": f"{skill}需求",
                }
            )


def _topic(rng: np.random.Generator) -> tuple[Category, str]:
    category = CATEGORIES[int(rng.choice(len(CATEGORIES), p=CATEGORY_WEIGHTS))]
    return category, str(rng.choice(SKILLS[category]))


def _given_orders(rng: np.random.Generator, lists: dict[str, list[dict[str, Any]]]) -> None:
    """Orders already placed in one community of ten (pinned), half of them claimed by a unit already."""
    projects = lists["projects"]
    units_by_street: dict[str, list[dict[str, Any]]] = {}
    for r in lists["resources"]:
        if r["level"] == "street":
            units_by_street.setdefault(r["id"][:3], []).append(r)
    needs_by_comm: dict[str, list[dict[str, Any]]] = {}
    for n in lists["needs"]:
        needs_by_comm.setdefault(n["community"], []).append(n)
    paired = {(p["group"], p["community"]) for p in lists["pairings"]}
    for c in lists["communities"][::10]:
        need = needs_by_comm[c["id"]][0]
        fitting = [p for p in projects if p["category"] == need["category"] and need["skills"][0] in p["skills"]]
        project = fitting[int(rng.integers(len(fitting)))]
        oid = f"O{c['id']}"
        lists["orders"].append({"id": oid, "project": project["id"], "community": c["id"], "pinned": True})
        claimants = [
            u
            for u in units_by_street.get(c["id"][:3], [])
            if project["category"] in u["categories"]
            and set(project["skills"]) <= set(u["skills"])
            and (not u["pairing_group"] or (u["pairing_group"], c["id"]) in paired)
        ]
        if claimants and rng.random() < 0.5:
            lists["claims"].append({"order": oid, "resource": claimants[0]["id"], "pinned": True})
