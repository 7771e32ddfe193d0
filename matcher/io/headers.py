"""Column and sheet names a planner's spreadsheet may use: the English field names and their
Chinese aliases (编号, 社区, 类别 …; sheets 需求清单, 资源清单 …), in one table.

A header is matched ignoring case, surrounding spaces and a trailing note in brackets
(``工时（小时）`` is ``工时``); an alias counts only for a list that has its field, so ``层级`` is
the tier of a need and the level of a resource.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Sequence

#: Chinese aliases of each field, for every list that has the field.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("编号",),
    "name": ("名称", "姓名"),
    "street": ("街镇", "街道"),
    "district": ("区", "区县"),
    "x": ("横坐标",),
    "y": ("纵坐标",),
    "neighbours": ("相邻社区",),
    "population": ("人口",),
    "community": ("社区", "村居", "所属社区"),
    "category": ("类别", "服务类别"),
    "categories": ("类别", "服务类别"),
    "tier": ("层级", "民生层级"),
    "urgency": ("紧急程度", "响应等级"),
    "group": ("人群", "单位组"),
    "skills": ("技能",),
    "hours": ("工时",),
    "providers": ("人数",),
    "slot": ("时段",),
    "title": ("标题", "内容"),
    "kind": ("类型", "资源类型"),
    "capacity_hours": ("可用工时",),
    "capacity_tasks": ("可接任务数",),
    "radius_minutes": ("服务半径",),
    "availability": ("可服务时段",),
    "response_minutes": ("响应时间",),
    "hours_factor": ("工时系数",),
    "pairing_group": ("结对组",),
    "level": ("层级", "级别"),
    "department": ("部门", "责任部门"),
    "provider_slots": ("人数", "所需人数"),
    "serves": ("服务需求数",),
    "cost": ("费用",),
    "venue_type": ("站点类型",),
    "mode": ("结对方式",),
    "min_served": ("最少服务数",),
    "project": ("项目",),
    "pinned": ("锁定",),
    "venue": ("站点",),
    "slots": ("名额",),
    "order": ("点单",),
    "resource": ("资源",),
    "type": ("类型", "站点类型"),
    "capacity": ("容量",),
    "opening_hours": ("开放时间",),
    "amount": ("金额",),
    "max_orders": ("最多点单数",),
    "parent": ("上级",),
    "party_groups": ("党小组数",),
    "party_members": ("党员数",),
    "households": ("户数",),
    "workers": ("网格员数",),
    "weekly_visit_capacity": ("每周走访能力",),
    "special": ("特殊",),
    "key": ("重点",),
    "regular": ("常规",),
    "ordinary": ("普通",),
    "general": ("一般",),
    "required": ("必须服务", "必需"),
    "need": ("需求", "需求编号"),
    "value": ("价值",),
    "load_minutes": ("工作量", "工作分钟"),
    "travel_minutes": ("路程分钟", "路程时间"),
    "origin": ("from", "出发社区", "起点"),
    "destination": ("to", "到达社区", "终点"),
    "minutes": ("分钟", "通行分钟"),
}

#: Chinese names of the sheet (or list) of each list.
SHEET_ALIASES: dict[str, tuple[str, ...]] = {
    "communities": ("社区", "村居", "社区清单"),
    "needs": ("需求清单", "需求"),
    "resources": ("资源清单", "资源"),
    "projects": ("项目清单", "项目"),
    "pairings": ("结对", "结对清单"),
    "orders": ("点单", "点单清单"),
    "claims": ("认领", "认领清单"),
    "venues": ("站点", "站点清单"),
    "budgets": ("预算",),
    "pairs": ("配对", "配对清单"),
    "travel": ("通行时间", "路程"),
    "areas": ("区域",),
    "grids": ("网格",),
}

_NOTE = re.compile(r"\s*[(（][^()（）]*[)）]\s*$")


def normalise(name: object) -> str:
    """A header or sheet name as compared: no surrounding spaces, lower case, no trailing note."""
    text = str(name).replace("\u3000", " ").strip().lower()
    text = _NOTE.sub("", text) or text
    return re.sub(r"\s+", "_", text)


@functools.cache
def _names(fields: tuple[str, ...]) -> dict[str, str]:
    """Every accepted spelling (normalised) of ``fields``, mapped to its field."""
    out: dict[str, str] = {}
    for f in fields:
        for name in (f, *FIELD_ALIASES.get(f, ())):
            out.setdefault(normalise(name), f)
    return out


@functools.lru_cache(maxsize=4096)
def _field_for(header: object, fields: tuple[str, ...]) -> str | None:
    return _names(fields).get(normalise(header))


def field_for(header: object, fields: Sequence[str]) -> str | None:
    """The field a column header (or an inline record's key) names in a list with ``fields``, or None."""
    return _field_for(header, tuple(fields))


def closest(header: object, fields: Sequence[str]) -> str | None:
    """The known column name (field or alias) nearest to an unknown ``header``, for a hint."""
    names = [n for f in fields for n in (f, *FIELD_ALIASES.get(f, ()))]
    found = difflib.get_close_matches(normalise(header), names, n=1, cutoff=0.5)
    return found[0] if found else None


def sheet_for(list_name: str, sheet_names: Sequence[str]) -> str | None:
    """The sheet holding ``list_name`` (its English name or an alias, any case and spacing)."""
    wanted = {normalise(n) for n in (list_name, *SHEET_ALIASES.get(list_name, ()))}
    for sheet in sheet_names:
        if normalise(sheet) in wanted:
            return sheet
    return None
