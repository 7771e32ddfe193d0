"""Xihu district, Hangzhou (西湖区; docs/cases.md): 11 towns/streets, 386 grids (网格), households in
five visit tiers (special/key/regular/ordinary/general), grid workers with a weekly visit
capacity, and three-level routing: grid/community -> street service centre -> district
department (feedback within 7 working days).

Each grid holds 3-5 party groups of ~10 members, each member linking ~10 households. Grid teams
(网格员) are listed as ``party_member`` resources of their community (the resource vocabulary has
no grid-worker kind); 146 specialist workshops (law, psychology, education, health) are
community resources with a wider radius.

``matcher generate xihu --out scenarios/xihu`` writes the checked-in files (seed 2016).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from matcher.areas import VISIT_TIERS
from matcher.generate.escalation_lists import (
    DISTRICT_DEPARTMENTS,
    STREET_DEPARTMENTS,
    community_resources,
    draw_needs,
    level_departments,
    resource,
)
from matcher.generate.writer import GeneratedScenario

STREETS = (
    "北山街道",
    "西溪街道",
    "灵隐街道",
    "翠苑街道",
    "文新街道",
    "古荡街道",
    "西湖街道",
    "留下街道",
    "转塘街道",
    "蒋村街道",
    "三墩镇",
)
GRIDS = 386
COMMUNITIES = 193
WORKSHOPS = 146
DISTRICT = "xihu"
#: Share of a grid's households in each visit tier (特殊、重点、常规、普通、一般); an assumption.
TIER_SHARES = {"special": 0.02, "key": 0.08, "regular": 0.2, "ordinary": 0.3, "general": 0.4}
VISITS_PER_WORKER = 110  # household visits a grid worker makes in a week (assumption)


def xihu(seed: int = 2016, needs_per_grid: float = 12.0) -> GeneratedScenario:
    """The scenario document and its lists, reproducible from ``seed``."""
    rng = np.random.default_rng(seed)
    street_ids = [f"XH-S{i + 1:02d}" for i in range(len(STREETS))]
    home_street, xy = _place_communities(rng)
    ids = [f"XH{i + 1:03d}" for i in range(COMMUNITIES)]
    grids, households = _grids(rng, ids)
    communities = [
        {
            "id": c,
            "name": f"{STREETS[home_street[i]]}{c}社区",
            "street": street_ids[home_street[i]],
            "district": DISTRICT,
            "x": float(xy[i, 0]),
            "y": float(xy[i, 1]),
            "population": int(households[i] * 2.4),
        }
        for i, c in enumerate(ids)
    ]
    # Needs come from grid visits: each grid raises needs in proportion to its weighted visit tiers.
    grid_weight = np.array([sum(g[t] * per_week for t, per_week in VISIT_TIERS.items()) for g in grids])
    count = int(round(needs_per_grid * GRIDS))
    grid_of_need = rng.choice(GRIDS, size=count, p=grid_weight / grid_weight.sum())
    need_rows = _needs_by_grid(rng, grids, grid_of_need)
    per_community = np.bincount([ids.index(r["community"]) for r in need_rows], minlength=COMMUNITIES)
    resources = []
    for i, c in enumerate(ids):
        resources += community_resources(rng, c, 0.6 * per_community[i], f"R-{c}")
    resources += _grid_teams(grids, needs_per_grid) + _workshops(rng, ids, needs_per_grid)
    street_tasks = max(10, int(count / len(STREETS) / 25))
    for s, street in enumerate(street_ids):
        seat = ids[int(np.flatnonzero(home_street == s)[0])]
        resources += level_departments(
            seat, STREET_DEPARTMENTS, "street", f"ST-{street}", street_tasks, 40, 60, f"{STREETS[s]}服务中心 "
        )
    resources += level_departments(
        ids[0], DISTRICT_DEPARTMENTS, "district", "DI-XH", max(20, count // 40), 240, 60, "西湖区 "
    )
    areas = [{"id": DISTRICT, "level": "district", "parent": "", "name": "西湖区 (Xihu district)"}]
    areas += [
        {"id": s, "level": "street", "parent": DISTRICT, "name": name}
        for s, name in zip(street_ids, STREETS, strict=True)
    ]
    return GeneratedScenario(
        name="xihu",
        description=(
            f"Xihu district (西湖区), generated with seed {seed}: 11 towns/streets, 386 grids, five visit "
            "tiers, grid workers' weekly visit capacity, three-level routing"
        ),
        lists={"areas": areas, "communities": communities, "grids": grids, "needs": need_rows, "resources": resources},
        policy={"preset": "urgency-first"},
        settings={"minutes_per_km": 4.0, "intra_community_minutes": 5.0},
    )


def _place_communities(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Each community's street (every street has one) and its position (km) near the street's centre."""
    centres = rng.uniform(0, 16, (len(STREETS), 2))
    home_street = np.sort(rng.integers(0, len(STREETS), COMMUNITIES))
    home_street[: len(STREETS)] = np.arange(len(STREETS))  # every street has a community
    xy = (centres[home_street] + rng.normal(0, 0.9, (COMMUNITIES, 2))).round(3)
    return home_street, xy


def _grids(rng: np.random.Generator, ids: list[str]) -> tuple[list[dict[str, Any]], np.ndarray]:
    """The grids (网格), each in a community (every community has one), and households per community."""
    grid_home = np.concatenate([np.arange(COMMUNITIES), rng.integers(0, COMMUNITIES, GRIDS - COMMUNITIES)])
    grid_home.sort()
    grids, households = [], np.zeros(COMMUNITIES)
    for g, c in enumerate(grid_home.tolist()):
        groups = int(rng.integers(3, 6))
        members = int(groups * rng.integers(8, 13))
        total = int(rng.integers(1200, 2200))
        tiers = {t: int(round(total * share)) for t, share in TIER_SHARES.items()}
        workers = int(rng.integers(2, 6))
        grids.append(
            {
                "id": f"G{g + 1:03d}",
                "community": ids[c],
                "name": f"{ids[c]} 第{g + 1}网格",
                "party_groups": groups,
                "party_members": members,
                "households": sum(tiers.values()),
                "workers": workers,
                "weekly_visit_capacity": workers * VISITS_PER_WORKER,
                **tiers,
            }
        )
        households[c] += sum(tiers.values())
    return grids, households


def _grid_teams(grids: list[dict[str, Any]], needs_per_grid: float) -> list[dict[str, Any]]:
    """One grid workers' team (网格员) per grid, its capacity following the grid's workers."""
    return [
        resource(
            f"GW-{grid['id']}",
            "party_member",
            grid["community"],
            ["community_management", "party_community", "daily_life", "government"],
            {"safety_check", "pension_policy"},
            int(grid["workers"] * 2 * needs_per_grid / 12),
            10,
            10,
            name=f"网格员 grid team {grid['id']}",
        )
        for grid in grids
    ]


def _workshops(rng: np.random.Generator, ids: list[str], needs_per_grid: float) -> list[dict[str, Any]]:
    """The district's specialist workshops (专业工作室), each seated in a random community."""
    workshops = []
    for w in range(WORKSHOPS):
        c = ids[int(rng.integers(COMMUNITIES))]
        kind = ["legal", "health", "culture", "health"][w % 4]
        skills = [{"lawyer", "mediation"}, {"nurse"}, set(), {"psychology"}][w % 4]
        workshops.append(
            resource(
                f"WS-{w + 1:03d}",
                "workshop",
                c,
                [kind],
                skills,
                max(2, round(needs_per_grid / 3)),
                25,
                60,
                name="专业工作室 specialist workshop",
            )
        )
    return workshops


def _needs_by_grid(
    rng: np.random.Generator, grids: list[dict[str, Any]], grid_of_need: np.ndarray
) -> list[dict[str, Any]]:
    """Needs raised on grid visits; the title names the grid and the visit tier of the household."""
    tiers = list(TIER_SHARES)
    weights = np.array([[g[t] * VISIT_TIERS[t] for t in tiers] for g in grids])
    tier_of_need = [tiers[rng.choice(len(tiers), p=weights[g] / weights[g].sum())] for g in grid_of_need.tolist()]
    titles = [f"{grids[g]['id']} {t} visit" for g, t in zip(grid_of_need.tolist(), tier_of_need, strict=True)]
    communities = [g["community"] for g in grids]
    return draw_needs(rng, communities, np.ones(len(grids)), len(grid_of_need), titles=titles, where=grid_of_need)
