"""The Taizhou scenario (docs/cases.md): one street of 15 communities with
neighbourhood stations of the five types (敬老 elderly care, 希望 youth, 活力 sport, 爱心
volunteering, 乡愁 heritage), 7 standard canteens that carry the meal service for all 15
communities, and needs of the focus groups 一老一小一残一特 (elderly, children, disabled,
special hardship). Planning follows "一谋四定": the need, then the project, venue, provider.

    matcher generate taizhou --seed 4 --out scenarios/taizhou
"""

from __future__ import annotations

from typing import Any

import numpy as np

from matcher.generate.writer import GeneratedScenario

STREET, DISTRICT = "白云街道", "椒江区"
COMMUNITIES = (
    "白云",
    "星明",
    "东升",
    "岩头",
    "下陈",
    "枫南",
    "东山",
    "西门",
    "白沙",
    "海门",
    "葭沚",
    "江城",
    "文化",
    "中山",
    "人民",
)
CANTEENS = 7

#: The street's catalogue: (id, name, category, tier, skills, slots, serves, hours, cost, station type).
CATALOGUE = (
    ("T01", "长者助餐服务", "生活服务", "底线民生", ("助餐",), 1, 25, 10, 3.0, "elderly_care"),
    ("T02", "长者健康讲座", "健康服务", "基本民生", ("健康体检", "慢病管理"), 1, 12, 3, 1.0, "elderly_care"),
    ("T03", "四点半课堂", "文化服务", "基本民生", ("课后托管",), 2, 15, 6, 1.5, "youth"),
    ("T04", "暑期爱心托管班", "文化服务", "质量民生", ("课后托管", "阅读推广"), 2, 15, 8, 2.5, "youth"),
    ("T05", "全民健身指导", "文化服务", "质量民生", ("健身指导",), 1, 15, 4, 1.0, "sport"),
    ("T06", "残疾人康复训练", "健康服务", "底线民生", ("康复护理",), 2, 8, 6, 2.0, "volunteering"),
    ("T07", "心理疏导志愿服务", "健康服务", "基本民生", ("心理疏导",), 1, 8, 3, 1.0, "volunteering"),
    ("T08", "志愿服务日", "党群服务", "基本民生", ("志愿动员",), 1, 10, 4, 0.5, "volunteering"),
    ("T09", "非遗传承课堂", "文化服务", "质量民生", ("非遗传承",), 1, 12, 4, 1.5, "heritage"),
    ("T10", "乡愁记忆展", "文化服务", "质量民生", ("阅读推广", "非遗传承"), 1, 20, 6, 2.0, "heritage"),
    ("T11", "困难家庭帮扶", "政务服务", "底线民生", ("救助申请",), 1, 8, 4, 1.0, ""),
    ("T12", "法律援助进社区", "法律服务", "基本民生", ("法律援助",), 1, 8, 3, 0.8, ""),
    ("T13", "助浴上门", "生活服务", "底线民生", ("助浴",), 2, 6, 6, 2.0, ""),
)

#: What each focus group asks for: (category, skill, weight).
GROUP_NEEDS = {
    "elderly": (
        ("生活服务", "助餐", 6),
        ("健康服务", "健康体检", 2),
        ("健康服务", "慢病管理", 2),
        ("生活服务", "助浴", 1),
    ),
    "child": (("文化服务", "课后托管", 5), ("文化服务", "阅读推广", 1)),
    "disabled": (("健康服务", "康复护理", 4), ("生活服务", "助浴", 1), ("健康服务", "心理疏导", 1)),
    "special": (("政务服务", "救助申请", 3), ("法律服务", "法律援助", 2), ("健康服务", "心理疏导", 1)),
    "general": (("文化服务", "健身指导", 2), ("文化服务", "非遗传承", 1), ("党群服务", "志愿动员", 1)),
}
GROUP_SHARE = {"elderly": 0.4, "child": 0.2, "disabled": 0.1, "special": 0.1, "general": 0.2}

#: Stations besides the canteens: (type, label, count).
STATIONS = (
    ("elderly_care", "敬老驿站", 2),
    ("youth", "希望小家", 3),
    ("sport", "活力广场", 3),
    ("volunteering", "爱心驿站", 3),
    ("heritage", "乡愁馆", 2),
)


def taizhou(seed: int = 4, needs_per_community: float = 14.0) -> GeneratedScenario:
    """The scenario, drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    lists: dict[str, list[dict[str, Any]]] = {
        k: []
        for k in ("communities", "needs", "resources", "projects", "pairings", "venues", "orders", "claims", "budgets")
    }
    # 15 communities on a 5 x 3 grid, 1 km apart: every one within the 15-minute circle of a canteen.
    ids = [f"TZ{i + 1:02d}" for i in range(len(COMMUNITIES))]
    _communities(rng, ids, lists)
    lists["projects"] += [dict(zip(PROJECT_FIELDS, t, strict=True)) for t in CATALOGUE]
    _venues(rng, ids, lists)
    _resources(rng, ids, lists)
    _needs(rng, ids, needs_per_community, lists)
    # The meal service already runs at two canteens, each ordered and claimed (pinned).
    for k in range(2):
        venue = lists["venues"][k]
        oid = f"OT01-{venue['community']}"
        lists["orders"].append(
            {"id": oid, "project": "T01", "community": venue["community"], "pinned": True, "venue": venue["id"]}
        )
        lists["claims"].append({"order": oid, "resource": f"TZU{k + 1:02d}", "pinned": True})
    description = (
        f"Taizhou {STREET}: 15 communities, 7 canteens for the meal service, stations of the five types; "
        f"focus groups 一老一小一残一特; generated with seed {seed} by matcher.generate.taizhou"
    )
    return GeneratedScenario(
        "taizhou",
        description,
        {k: rows for k, rows in lists.items() if rows},
        settings={"minutes_per_km": 4.0, "intra_community_minutes": 5.0},
    )


#: The columns of a CATALOGUE entry, in order.
PROJECT_FIELDS = ("id", "name", "category", "tier", "skills", "provider_slots", "serves", "hours", "cost", "venue_type")


def _communities(rng: np.random.Generator, ids: list[str], lists: dict[str, list[dict[str, Any]]]) -> None:
    """The communities on their grid, each with its budget (预算)."""
    for i, (cid, name) in enumerate(zip(ids, COMMUNITIES, strict=True)):
        lists["communities"].append(
            {
                "id": cid,
                "name": f"{name}社区",
                "street": STREET,
                "district": DISTRICT,
                "x": round(float(i % 5) + rng.uniform(-0.2, 0.2), 3),
                "y": round(float(i // 5) + rng.uniform(-0.2, 0.2), 3),
                "population": int(rng.integers(3000, 9000)),
            }
        )
        lists["budgets"].append({"community": cid, "amount": round(float(rng.uniform(3, 6)), 1), "max_orders": 3})


def _venues(rng: np.random.Generator, ids: list[str], lists: dict[str, list[dict[str, Any]]]) -> None:
    """The canteens (长者食堂) first, then the stations of each type, in random communities."""
    canteen_homes = sorted(rng.choice(len(ids), size=CANTEENS, replace=False).tolist())
    for k, c in enumerate(canteen_homes):
        lists["venues"].append(
            {
                "id": f"CT{k + 1}",
                "community": ids[c],
                "type": "elderly_care",
                "capacity": int(rng.integers(40, 70)),
                "opening_hours": "10:30-13:30",
                "name": f"{COMMUNITIES[c]}长者食堂",
            }
        )
    for kind, label, count in STATIONS:
        for j, c in enumerate(sorted(rng.choice(len(ids), size=count, replace=False).tolist())):
            lists["venues"].append(
                {
                    "id": f"{kind[:2].upper()}{j + 1}",
                    "community": ids[c],
                    "type": kind,
                    "capacity": int(rng.integers(20, 50)),
                    "opening_hours": "08:30-20:30",
                    "name": f"{COMMUNITIES[c]}{label}",
                }
            )


def _resources(rng: np.random.Generator, ids: list[str], lists: dict[str, list[dict[str, Any]]]) -> None:
    """Canteen operators and social organisations serve the street; volunteers serve nearby."""
    units = (
        ("餐饮企业", ["生活服务"], ["助餐"]),
        ("餐饮企业", ["生活服务"], ["助餐"]),
        ("餐饮企业", ["生活服务"], ["助餐"]),
        ("社区卫生服务中心", ["健康服务"], ["健康体检", "慢病管理", "康复护理"]),
        ("康复机构", ["健康服务", "生活服务"], ["康复护理", "助浴"]),
        ("青少年宫", ["文化服务"], ["课后托管", "阅读推广"]),
        ("中心小学", ["文化服务"], ["课后托管", "阅读推广", "健身指导"]),
        ("体育协会", ["文化服务"], ["健身指导"]),
        ("文化站", ["文化服务"], ["非遗传承", "阅读推广"]),
        ("心理咨询社", ["健康服务"], ["心理疏导"]),
        ("律师事务所", ["法律服务"], ["法律援助"]),
        ("慈善总会", ["政务服务", "党群服务"], ["救助申请", "志愿动员"]),
    )
    for u, (name, categories, skills) in enumerate(units):
        tasks = int(rng.integers(3, 6))
        lists["resources"].append(
            {
                "id": f"TZU{u + 1:02d}",
                "kind": "unit" if u % 3 else "social_org",
                "name": f"{STREET}{name}",
                "community": ids[int(rng.integers(len(ids)))],
                "categories": categories,
                "skills": skills,
                "capacity_hours": float(10 * tasks),
                "capacity_tasks": tasks,
                "radius_minutes": 30.0,
                "level": "street",
            }
        )
    pool = [(c, s) for needs in GROUP_NEEDS.values() for c, s, _ in needs]
    for cid in ids:
        for v in range(2):
            category, skill = pool[int(rng.integers(len(pool)))]
            lists["resources"].append(
                {
                    "id": f"{cid}V{v + 1}",
                    "kind": "volunteer" if v else "party_member",
                    "community": cid,
                    "categories": [category],
                    "skills": [skill],
                    "capacity_hours": 6.0,
                    "capacity_tasks": 2,
                    "radius_minutes": 10.0,
                    "level": "community",
                }
            )


def _needs(
    rng: np.random.Generator, ids: list[str], per_community: float, lists: dict[str, list[dict[str, Any]]]
) -> None:
    groups = list(GROUP_SHARE)
    for cid in ids:
        for i in range(max(5, int(rng.poisson(per_community)))):
            group = groups[int(rng.choice(len(groups), p=list(GROUP_SHARE.values())))]
            options = GROUP_NEEDS[group]
            weights = np.array([w for *_, w in options], dtype=float)
            category, skill, _ = options[int(rng.choice(len(options), p=weights / weights.sum()))]
            lists["needs"].append(
                {
                    "id": f"{cid}N{i + 1:02d}",
                    "community": cid,
                    "category": category,
                    "group": group,
                    "tier": "底线民生" if group in ("disabled", "special") else "基本民生",
                    "urgency": "normal",
                    "skills": [skill],
                    "hours": 1.0,
                    "title": f"{skill}需求",
                }
            )
