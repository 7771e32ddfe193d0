"""Wanshou Road street, Beijing (万寿路街道; docs/cases.md): 27 communities, ~160,000 residents on
6.56 km², four urgency levels, the street's departments and the city 12345 hotline above them.

``matcher generate wanshou --out scenarios/wanshou`` writes the checked-in files (seed 2016).
"""

from __future__ import annotations

import numpy as np

from matcher.generate.escalation_lists import (
    DISTRICT_DEPARTMENTS,
    STREET_DEPARTMENTS,
    community_resources,
    draw_needs,
    level_departments,
)
from matcher.generate.writer import GeneratedScenario

COMMUNITIES = 27
RESIDENTS = 160_000
AREA_KM2 = 6.56
STREET, DISTRICT = "wanshou-road", "haidian-12345"


def wanshou(seed: int = 2016, needs: int = 4000) -> GeneratedScenario:
    """The scenario document and its lists, reproducible from ``seed``."""
    rng = np.random.default_rng(seed)
    side = AREA_KM2**0.5
    share = rng.uniform(0.5, 1.5, COMMUNITIES)
    population = np.round(share / share.sum() * RESIDENTS).astype(int)
    ids = [f"WS{i + 1:02d}" for i in range(COMMUNITIES)]
    xy = rng.uniform(0, side, (COMMUNITIES, 2)).round(3)
    communities = [
        {
            "id": c,
            "name": f"万寿路第{i + 1}社区",
            "street": STREET,
            "district": DISTRICT,
            "x": float(xy[i, 0]),
            "y": float(xy[i, 1]),
            "population": int(population[i]),
        }
        for i, c in enumerate(ids)
    ]
    areas = [
        {"id": DISTRICT, "level": "district", "parent": "", "name": "海淀区 12345 市民服务热线 (city hotline)"},
        {"id": STREET, "level": "street", "parent": DISTRICT, "name": "万寿路街道 (Wanshou Road street)"},
    ]
    need_rows = draw_needs(rng, ids, population.astype(float), needs)
    per_community = needs / COMMUNITIES
    resources = []
    for i, c in enumerate(ids):
        resources += community_resources(rng, c, per_community * population[i] / population.mean() * 0.9, f"R-{c}")
    centre = ids[int(np.argmin(((xy - side / 2) ** 2).sum(axis=1)))]
    resources += level_departments(
        centre, STREET_DEPARTMENTS, "street", "ST-WS", max(20, needs // 30), 30, 30, "万寿路街道 "
    )
    resources += level_departments(
        centre, DISTRICT_DEPARTMENTS, "district", "DI-HD", max(20, needs // 25), 120, 60, "12345 -> 海淀区 "
    )
    return GeneratedScenario(
        name="wanshou",
        description=(
            f"Wanshou Road street (万寿路街道), generated with seed {seed}: 27 communities, ~160,000 "
            "residents, 6.56 km², four urgency levels, street departments, the 12345 level above"
        ),
        lists={"areas": areas, "communities": communities, "needs": need_rows, "resources": resources},
        policy={"preset": "urgency-first"},
        settings={"minutes_per_km": 4.0, "intra_community_minutes": 5.0},
    )
