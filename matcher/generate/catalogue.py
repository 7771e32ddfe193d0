"""The Pudong project catalogue (项目清单): 147 projects from 26 district departments in three
tiers (底线 / 基本 / 质量民生) over the seven service categories, with the skills of each category."""

from __future__ import annotations

from typing import Any

import numpy as np

from matcher.vocabulary import Category, Tier

#: Six skills per category; needs ask for one, projects and resources offer some.
SKILLS: dict[Category, tuple[str, ...]] = {
    Category.PARTY_COMMUNITY: ("党员教育", "组织生活", "志愿动员", "议事协商", "青年联谊", "统战联络"),
    Category.GOVERNMENT: ("社保办理", "医保办理", "证照代办", "就业帮扶", "住房保障", "救助申请"),
    Category.DAILY_LIFE: ("助餐", "家政维修", "助浴", "代购配送", "托育照看", "适老改造"),
    Category.LEGAL: ("法律咨询", "人民调解", "法律援助", "普法宣传", "婚姻家事", "劳动争议"),
    Category.HEALTH: ("健康体检", "慢病管理", "家庭医生", "康复护理", "心理疏导", "中医养生"),
    Category.CULTURE: ("书画培训", "合唱舞蹈", "阅读推广", "非遗传承", "科普教育", "课后托管"),
    Category.COMMUNITY_MANAGEMENT: ("垃圾分类", "治安巡逻", "消防安全", "物业协调", "停车治理", "环境整治"),
}

#: The 26 district departments behind the catalogue, by the categories they sponsor.
DEPARTMENTS: dict[Category, tuple[str, ...]] = {
    Category.PARTY_COMMUNITY: ("区委组织部", "区委宣传部", "团区委", "区总工会", "区妇联"),
    Category.GOVERNMENT: ("区人社局", "区医保局", "区民政局", "区退役军人事务局", "区住建委"),
    Category.DAILY_LIFE: ("区民政局", "区商务委", "区市场监管局", "区房管局", "区农委"),
    Category.LEGAL: ("区司法局", "区公安分局", "区妇联"),
    Category.HEALTH: ("区卫健委", "区医保局", "区残联"),
    Category.CULTURE: ("区文体旅游局", "区教育局", "区科委"),
    Category.COMMUNITY_MANAGEMENT: ("区城管执法局", "区生态环境局", "区应急管理局", "区水务局", "区交通委"),
}

_SUFFIX = {
    Tier.FLOOR: ("保障", "兜底", "帮扶"),
    Tier.BASIC: ("服务", "驿站", "课堂"),
    Tier.QUALITY: ("提升", "品牌", "计划"),
}
PROJECTS_PER_CATEGORY = 21  # 7 x 21 = 147


def pudong_catalogue(rng: np.random.Generator) -> list[dict[str, Any]]:
    """147 catalogue projects: 21 per category, 7 per tier, each offering one or two skills."""
    rows = []
    tiers = list(Tier)
    for k, category in enumerate(Category):
        skills, departments = SKILLS[category], DEPARTMENTS[category]
        for i in range(PROJECTS_PER_CATEGORY):
            tier = tiers[i % 3]
            primary = skills[i % len(skills)]
            offered = [primary]
            if rng.random() < 0.5:
                offered.append(skills[(i + 1 + int(rng.integers(len(skills) - 1))) % len(skills)])
            name = "、".join(offered) + _SUFFIX[tier][(i // 3) % 3] + ("项目" if i < 12 else "行动")
            rows.append(
                {
                    "id": f"P{k + 1}{i + 1:02d}",
                    "name": name,
                    "category": category.label,
                    "tier": tier.label,
                    "department": departments[i % len(departments)],
                    "skills": offered,
                    "provider_slots": int(rng.choice([1, 2, 3], p=[0.5, 0.35, 0.15])),
                    "serves": int(rng.integers(4, 13)),
                    "hours": float(rng.integers(2, 7)),
                    "cost": round(float(rng.uniform(0.5, 5.0)), 1),
                }
            )
    return rows
