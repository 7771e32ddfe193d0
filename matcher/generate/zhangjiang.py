"""The Zhangjiang town case: 35 communities, 33 fixed pairings, 107 units, 715 needs.

Figures from the case (docs/cases.md): 42.1 km²; 67,735 residents and 69,569 migrants; the five resident groups
(local, migrant, white-collar, high-end talent, foreigner); 107 units of the regional party
council signed pairing agreements in four kinds (party education, aid and relief, service to
residents, civic improvement) and were split into 33 groups, each paired with one of the 33
residential/village party organisations (结对, hard, "down to the person"); 715 problems were
received in household visits (638 solved or explained, 89.2%); the 24-hour hotline promises
on-site within 15 minutes for emergencies; each community has 10+ party-member posts (policy
outreach, security patrol, medical advice, sanitation, residents' feedback).
Everything else (places, capacities, skills) is drawn from ``seed``.
"""

from __future__ import annotations

import numpy as np

from matcher.generate.writer import GeneratedScenario

N_COMMUNITIES, N_PAIRED, N_UNITS, N_NEEDS = 35, 33, 107, 715
SIDE_KM = 42.1**0.5  # the town as a square of its area
RESIDENTS, MIGRANTS = 67_735, 69_569

#: Resident groups: share of the 715 needs and what they ask for (category, skill, slot).
GROUPS = {
    "local": (0.40, ["health", "daily_life", "community_management", "party_community"], None),
    "migrant": (0.30, ["government", "legal", "daily_life"], None),
    "white_collar": (0.15, ["culture", "daily_life", "health"], "evening"),
    "talent": (0.10, ["government", "culture"], "weekend"),
    "foreigner": (0.05, ["government", "legal", "daily_life"], None),
}
SKILL_OF = {
    "health": "nursing",
    "legal": "legal_advice",
    "government": "policy",
    "culture": "tutoring",
    "daily_life": "repair",
    "community_management": "mediation",
    "party_community": "policy",
}

#: The four kinds of pairing agreement (协议) and the categories each unit offers under them.
AGREEMENT_KINDS = {
    "party_education": ["party_community", "culture"],
    "aid_relief": ["daily_life", "health"],
    "service": ["government", "legal", "health", "daily_life"],
    "civic": ["culture", "community_management"],
}
UNIT_TYPES = ["hospital", "school", "enterprise", "state_company"]
#: What a unit type adds to its agreement: hospitals give first aid, state utilities repair.
UNIT_SPECIALITIES = {
    "hospital": ("health", ["nursing", "first_aid"]),
    "state_company": ("daily_life", ["electrical", "plumbing"]),
}

#: The party-member posts of every community and the category each serves.
POSTS = [
    ("policy_outreach", "government", ["policy"]),
    ("security_patrol", "community_management", ["mediation", "first_aid"]),
    ("medical_advice", "health", ["nursing", "first_aid"]),
    ("sanitation", "community_management", []),
    ("feedback", "party_community", []),
]


def _communities(rng: np.random.Generator) -> list[dict]:
    grid = int(np.ceil(N_COMMUNITIES**0.5))
    cell = SIDE_KM / grid
    residents = rng.multinomial(RESIDENTS, np.full(N_COMMUNITIES, 1 / N_COMMUNITIES))
    migrants = rng.multinomial(MIGRANTS, np.full(N_COMMUNITIES, 1 / N_COMMUNITIES))
    rows = []
    for i in range(N_COMMUNITIES):
        x = (i % grid + rng.uniform(0.2, 0.8)) * cell
        y = (i // grid + rng.uniform(0.2, 0.8)) * cell
        kind = "村" if i % 5 == 4 else "居委"
        rows.append(
            {
                "id": f"ZJ{i + 1:02d}",
                "name": f"张江{kind}{i + 1:02d}",
                "street": "张江镇",
                "district": "浦东新区",
                "x": round(x, 3),
                "y": round(y, 3),
                "population": int(residents[i] + migrants[i]),
            }
        )
    return rows


def _units(rng: np.random.Generator, communities: list[dict]) -> list[dict]:
    sizes = np.full(N_PAIRED, N_UNITS // N_PAIRED)
    sizes[: N_UNITS - sizes.sum()] += 1  # 107 units in 33 groups: 8 groups of 4, 25 of 3
    rows, n = [], 0
    for g, size in enumerate(sizes):
        home = communities[g]["id"]
        for _ in range(size):
            n += 1
            kind = rng.choice(list(AGREEMENT_KINDS))
            categories = sorted(set(rng.choice(AGREEMENT_KINDS[kind], size=2)))
            skills = sorted({SKILL_OF[c] for c in categories})
            unit_type = UNIT_TYPES[n % len(UNIT_TYPES)]
            extra = UNIT_SPECIALITIES.get(unit_type)
            if extra:
                categories, skills = sorted(set(categories) | {extra[0]}), sorted(set(skills) | set(extra[1]))
            rows.append(
                {
                    "id": f"U{n:03d}",
                    "name": f"{unit_type}-{n:03d}",
                    "kind": "unit",
                    "community": home,
                    "categories": categories,
                    "skills": skills,
                    "capacity_hours": int(rng.integers(20, 41)),
                    "capacity_tasks": int(rng.integers(6, 13)),
                    "radius_minutes": 30,
                    "availability": ["weekday"],
                    "response_minutes": 60,
                    "hours_factor": 1.0,
                    "pairing_group": f"G{g + 1:02d}",
                    "level": "community",
                }
            )
    return rows


def _party_members(rng: np.random.Generator, communities: list[dict]) -> list[dict]:
    rows, n = [], 0
    for c in communities:
        for post, category, skills in POSTS:
            for _ in range(2 if post in ("security_patrol", "medical_advice") else 1):
                n += 1
                evening = rng.random() < 0.4
                rows.append(
                    {
                        "id": f"P{n:03d}",
                        "name": f"党员-{post}",
                        "kind": "party_member",
                        "community": c["id"],
                        "categories": [category],
                        "skills": skills,
                        "capacity_hours": 6,
                        "capacity_tasks": 3,
                        "radius_minutes": 15,
                        "availability": ["weekday", "evening"] if evening else ["weekday"],
                        "response_minutes": 10,
                        "hours_factor": 1.0,
                        "pairing_group": "",
                        "level": "community",
                    }
                )
    return rows


def _volunteers(rng: np.random.Generator, communities: list[dict]) -> list[dict]:
    """Older volunteers are willing (more hours) but slower; younger are capable but give less time."""
    rows = []
    categories = sorted({c for _, cats, _ in GROUPS.values() for c in cats})
    for n in range(1, 141):
        older = rng.random() < 0.6
        cats = sorted(set(rng.choice(categories, size=2)))
        rows.append(
            {
                "id": f"V{n:03d}",
                "name": "老年志愿者" if older else "青年志愿者",
                "kind": "volunteer",
                "community": communities[int(rng.integers(N_COMMUNITIES))]["id"],
                "categories": cats,
                "skills": sorted(
                    {SKILL_OF[c] for c in cats if rng.random() < (0.3 if older else 0.8)}
                    | ({"english"} if not older and rng.random() < 0.3 else set())
                ),
                "capacity_hours": 10 if older else 5,
                "capacity_tasks": 5 if older else 3,
                "radius_minutes": 15 if older else 25,
                "availability": ["weekday"] if older else ["evening", "weekend"],
                "response_minutes": 20,
                "hours_factor": 1.25 if older else 0.75,
                "pairing_group": "",
                "level": "community",
            }
        )
    return rows


def _organisations(communities: list[dict]) -> list[dict]:
    """Social organisations and workshops, plus the town's 24-hour hotline emergency team."""
    specs = [
        ("S01", "social_org", "法律援助社", ["legal"], ["legal_advice", "english"]),
        ("S02", "social_org", "心理服务社", ["health"], ["psychology"]),
        ("S03", "social_org", "外籍人士服务中心", ["government", "legal"], ["english", "policy"]),
        ("W01", "workshop", "家电维修工作室", ["daily_life"], ["repair", "electrical", "plumbing"]),
        ("W02", "workshop", "调解工作室", ["community_management", "legal"], ["mediation"]),
        ("W03", "workshop", "人才服务工作室", ["government", "culture"], ["policy", "tutoring"]),
    ]
    rows = [
        {
            "id": i,
            "name": name,
            "kind": kind,
            "community": communities[k * 6]["id"],
            "categories": cats,
            "skills": skills,
            "capacity_hours": 40,
            "capacity_tasks": 15,
            "radius_minutes": 40,
            "availability": ["weekday", "evening", "weekend"],
            "response_minutes": 60,
            "hours_factor": 1.0,
            "pairing_group": "",
            "level": "community",
        }
        for k, (i, kind, name, cats, skills) in enumerate(specs)
    ]
    rows.append(
        {
            "id": "H01",
            "name": "24小时热线应急队",
            "kind": "department",
            "community": communities[17]["id"],
            "categories": ["daily_life", "health", "community_management"],
            "skills": ["first_aid", "electrical", "plumbing", "repair"],
            "capacity_hours": 60,
            "capacity_tasks": 30,
            "radius_minutes": 20,
            "availability": ["weekday", "evening", "weekend"],
            "response_minutes": 0,
            "hours_factor": 1.0,
            "pairing_group": "",
            "level": "street",
        }
    )
    return rows


def _needs(rng: np.random.Generator, communities: list[dict]) -> list[dict]:
    weights = np.array([c["population"] for c in communities], dtype=float)
    home = rng.choice(N_COMMUNITIES, size=N_NEEDS, p=weights / weights.sum())
    names = list(GROUPS)
    group = rng.choice(len(names), size=N_NEEDS, p=[GROUPS[g][0] for g in names])
    urgency = rng.choice(["emergency", "utilities", "normal", "complex"], size=N_NEEDS, p=[0.04, 0.10, 0.70, 0.16])
    tier = rng.choice(["floor", "basic", "quality"], size=N_NEEDS, p=[0.25, 0.50, 0.25])
    rows = []
    for n in range(N_NEEDS):
        g = names[group[n]]
        _, categories, slot = GROUPS[g]
        category = str(rng.choice(categories))
        skills = {SKILL_OF[category]} if rng.random() < 0.5 else set()
        if g == "foreigner":
            skills.add("english")
        u = str(urgency[n])
        if u in ("emergency", "utilities"):
            category = "daily_life" if u == "utilities" else str(rng.choice(["health", "daily_life"]))
            skills = {"first_aid"} if category == "health" else {str(rng.choice(["electrical", "plumbing"]))}
        rows.append(
            {
                "id": f"N{n + 1:04d}",
                "community": communities[home[n]]["id"],
                "category": category,
                "tier": str(tier[n]),
                "urgency": u,
                "group": g,
                "skills": sorted(skills),
                "hours": float(rng.choice([1, 1.5, 2, 3, 4])),
                "providers": 2 if rng.random() < 0.04 else 1,
                "slot": "" if u == "emergency" else (slot or ""),
                "title": f"{g} {category} need",
            }
        )
    return rows


def zhangjiang(seed: int = 2016) -> GeneratedScenario:
    """Generate the Zhangjiang scenario; the same seed gives the same files."""
    rng = np.random.default_rng(seed)
    communities = _communities(rng)
    units = _units(rng, communities)
    resources = units + _party_members(rng, communities) + _volunteers(rng, communities) + _organisations(communities)
    pairings = [
        {"group": f"G{g + 1:02d}", "community": communities[g]["id"], "mode": "hard", "min_served": 2}
        for g in range(N_PAIRED)
    ]
    return GeneratedScenario(
        name="zhangjiang",
        description=(
            f"Zhangjiang town (张江镇), generated with seed {seed}: 35 communities, 33 hard pairings of "
            "unit groups (结对), 107 units, party-member posts, volunteers, 715 needs from household visits."
        ),
        lists={
            "communities": communities,
            "needs": _needs(rng, communities),
            "resources": resources,
            "pairings": pairings,
        },
        settings={"minutes_per_km": 4.0, "intra_community_minutes": 5.0},
    )
