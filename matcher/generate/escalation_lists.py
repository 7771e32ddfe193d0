"""Shared pieces of the escalation scenarios (Wanshou Road, Xihu): need templates by urgency,
the skills each level offers, community resources and level departments.

Skills are split by level so escalation has work to do: community volunteers, party members
and stations cover everyday skills; utility repair, heating and property disputes need the
street's departments; permits and major repairs need the district's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

#: (category, skill, urgency, tier, weight): the needs residents raise, by urgency level.
NEED_TEMPLATES: tuple[tuple[str, str, str, str, float], ...] = (
    ("health", "first_aid", "emergency", "floor", 3),
    ("community_management", "safety_check", "emergency", "floor", 2),
    ("daily_life", "plumbing", "utilities", "floor", 5),
    ("daily_life", "electrical", "utilities", "floor", 4),
    ("daily_life", "utility_repair", "utilities", "floor", 4),
    ("daily_life", "heating", "utilities", "floor", 2),
    ("daily_life", "", "normal", "basic", 12),
    ("daily_life", "meal_delivery", "normal", "basic", 8),
    ("health", "nurse", "normal", "basic", 8),
    ("health", "", "normal", "basic", 5),
    ("health", "psychology", "normal", "quality", 2),
    ("legal", "mediation", "normal", "basic", 5),
    ("government", "pension_policy", "normal", "basic", 6),
    ("culture", "", "normal", "quality", 7),
    ("party_community", "", "normal", "quality", 5),
    ("community_management", "", "normal", "basic", 9),
    ("community_management", "property_dispute", "complex", "basic", 5),
    ("community_management", "major_repair", "complex", "floor", 3),
    ("government", "permit", "complex", "basic", 3),
    ("legal", "lawyer", "complex", "basic", 3),
)


def draw_needs(
    rng: np.random.Generator,
    communities: Sequence[str],
    weights: np.ndarray,
    count: int,
    prefix: str = "N",
    titles: Sequence[str] | None = None,
    where: np.ndarray | None = None,
) -> list[dict[str, Any]]:
    """``count`` needs spread over communities by ``weights`` (or placed by ``where``), kinds drawn
    from the templates."""
    kinds = np.array([t[4] for t in NEED_TEMPLATES], dtype=float)
    kind = rng.choice(len(NEED_TEMPLATES), size=count, p=kinds / kinds.sum())
    if where is None:
        where = rng.choice(len(communities), size=count, p=weights / weights.sum())
    hours = rng.choice([0.5, 1.0, 1.0, 1.5, 2.0, 3.0], size=count)
    groups = rng.choice(
        ["local", "migrant", "elderly", "child", "disabled", "general"],
        size=count,
        p=[0.3, 0.15, 0.25, 0.1, 0.05, 0.15],
    )
    rows = []
    for i in range(count):
        category, skill, urgency, tier, _ = NEED_TEMPLATES[kind[i]]
        if urgency == "emergency":
            hours[i] = 0.5
        rows.append(
            {
                "id": f"{prefix}{i + 1:06d}",
                "community": communities[where[i]],
                "category": category,
                "tier": tier,
                "urgency": urgency,
                "group": groups[i],
                "skills": skill,
                "hours": float(hours[i]),
                "title": titles[i] if titles is not None else "",
            }
        )
    return rows


def skills_text(skills: set[str] | list[str]) -> str:
    return ";".join(sorted(skills))


#: The longest need takes this many hours; resources get tasks x this, so hours never bind and
#: the flow solver stays exact (tasks are the capacity that counts).
MAX_NEED_HOURS = 3.0


def resource(
    rid: str,
    kind: str,
    community: str,
    categories: Sequence[str],
    skills: set[str] | list[str],
    tasks: int,
    radius: float,
    response: float,
    level: str = "community",
    name: str = "",
) -> dict[str, Any]:
    """One row of the resources list (资源清单)."""
    hours = tasks * MAX_NEED_HOURS
    return {
        "id": rid,
        "kind": kind,
        "community": community,
        "categories": ";".join(categories),
        "skills": skills_text(skills),
        "capacity_tasks": int(tasks),
        "capacity_hours": float(hours),
        "radius_minutes": float(radius),
        "response_minutes": float(response),
        "level": level,
        "name": name,
    }


#: Departments of a street office (街道) and what they answer for.
STREET_DEPARTMENTS: tuple[tuple[str, list[str], set[str]], ...] = (
    ("城市管理", ["community_management"], {"property_dispute", "safety_check"}),
    ("民政", ["government", "party_community"], {"pension_policy"}),
    ("司法所", ["legal"], {"lawyer", "mediation"}),
    ("社区服务中心", ["daily_life"], {"utility_repair", "heating", "plumbing", "electrical", "meal_delivery"}),
    ("社区卫生", ["health"], {"nurse", "first_aid", "psychology"}),
    ("文体", ["culture", "party_community"], set()),
)

#: District departments reached by escalation (in Beijing through the 12345 hotline).
DISTRICT_DEPARTMENTS = (
    ("住房和城乡建设", ["community_management", "daily_life"], {"major_repair", "property_dispute", "utility_repair"}),
    ("规划和自然资源", ["government"], {"permit"}),
    ("城市管理委员会", ["daily_life", "community_management"], {"heating", "utility_repair", "safety_check"}),
    ("司法局", ["legal"], {"lawyer", "mediation"}),
    ("卫生健康委", ["health"], {"nurse", "first_aid", "psychology"}),
    ("民政局", ["government", "party_community", "culture"], {"pension_policy"}),
)


#: A community's own resource kinds: (kind, categories, skills, radius km, response minutes, name).
OLDER_VOLUNTEER = (
    "volunteer",
    ["community_management", "party_community", "culture", "daily_life"],
    {"safety_check", "meal_delivery"},
    10,
    10,
    "民情专员 (older volunteer)",
)
YOUNGER_VOLUNTEER = (
    "volunteer",
    ["legal", "government", "health"],
    {"mediation", "pension_policy", "first_aid"},
    10,
    5,
    "民情专员 (younger volunteer)",
)
PARTY_MEMBER = (
    "party_member",
    ["daily_life", "community_management", "health"],
    {"plumbing", "electrical", "first_aid", "safety_check"},
    10,
    5,
    "党员 (party member)",
)
HEALTH_STATION = ("unit", ["health"], {"nurse", "first_aid"}, 15, 10, "社区卫生服务站 (health station)")
SOCIAL_ORG = (
    "social_org",
    ["culture", "party_community", "daily_life"],
    {"meal_delivery"},
    15,
    15,
    "社会组织 (social organisation)",
)
LEGAL_WORKSHOP = ("workshop", ["legal", "health"], {"lawyer", "mediation"}, 20, 30, "法律工作室 (legal workshop)")


def community_resources(rng: np.random.Generator, community: str, load: float, prefix: str) -> list[dict[str, Any]]:
    """A community's own resources, sized to serve about ``load`` needs.

    Wanshou's tension: older volunteers (民情专员) take many short, simple tasks; younger ones
    bring skills but take few; party members (党员) take repairs and first aid; the station and a
    social organisation take health, meals and culture.
    """
    unit = max(load / 100.0, 0.2)
    plan = [  # (how many, tasks each, kind), in id order
        (max(1, round(4 * unit)), 8, OLDER_VOLUNTEER),
        (max(1, round(2 * unit)), 3, YOUNGER_VOLUNTEER),
        (max(1, round(4 * unit)), 4, PARTY_MEMBER),
        (1, max(2, round(10 * unit)), HEALTH_STATION),
        (1, max(2, round(12 * unit)), SOCIAL_ORG),
    ]
    if rng.random() < 0.5:
        plan.append((1, 2, LEGAL_WORKSHOP))
    each = [(tasks, kind) for count, tasks, kind in plan for _ in range(count)]
    return [
        resource(f"{prefix}-{k:02d}", kind, community, categories, set(skills), tasks, radius, response, name=name)
        for k, (tasks, (kind, categories, skills, radius, response, name)) in enumerate(each, start=1)
    ]


def level_departments(
    community: str, departments: tuple, level: str, prefix: str, tasks: int, radius: float, response: float, label: str
) -> list[dict[str, Any]]:
    """One resource per department at ``level``, seated in ``community``."""
    return [
        resource(
            f"{prefix}-{k + 1:02d}",
            "department",
            community,
            categories,
            skills,
            tasks,
            radius,
            response,
            level=level,
            name=f"{label}{name}",
        )
        for k, (name, categories, skills) in enumerate(departments)
    ]
