"""The fixed vocabularies of the three lists, with the Chinese terms the cases use.

Every enum accepts its English value or its Chinese label when parsed, so a planner's
spreadsheet may say ``健康服务`` or ``health``.
"""

from __future__ import annotations

import functools
from enum import StrEnum
from typing import TypeVar

from matcher.errors import typed
from matcher.i18n import N_, Text

E = TypeVar("E", bound="Vocabulary")

#: Each vocabulary's name in messages (an msgid: translated where the message is printed).
KINDS = {
    "category": N_("category"),
    "tier": N_("tier"),
    "urgency": N_("urgency"),
    "resourcekind": N_("resourcekind"),
    "level": N_("level"),
    "populationgroup": N_("populationgroup"),
    "slot": N_("slot"),
    "pairingmode": N_("pairingmode"),
    "stationtype": N_("stationtype"),
}


class Vocabulary(StrEnum):
    """A StrEnum whose members carry a Chinese label and parse from either form."""

    label: str

    def __new__(cls, value: str, label: str = "") -> Vocabulary:
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label = label or value
        return obj

    @classmethod
    def parse(cls: type[E], text: object) -> E:
        """Return the member named by ``text`` (English value, in any case, or Chinese label)."""
        key = str(text).strip()
        names = _names(cls)
        found = names.get(key) or names.get(key.lower())
        if found is not None:
            return found  # type: ignore[return-value]
        choices = ", ".join(f"{m.value} ({m.label})" if m.label != m.value else m.value for m in cls)
        shown = typed(key if isinstance(text, str) else text)
        raise ValueError(
            Text(
                "unknown {kind} {value}; expected one of: {choices}",
                kind=Text(KINDS.get(cls.__name__.lower(), cls.__name__.lower())),
                value=shown,
                choices=choices,
            )
        )


@functools.cache
def _names(cls: type[Vocabulary]) -> dict[str, Vocabulary]:
    """Each member of ``cls`` by its value and its label, the first member winning (reading a
    scenario parses hundreds of thousands of values: a loop over the members took seconds)."""
    names: dict[str, Vocabulary] = {}
    for member in cls:
        names.setdefault(member.value, member)
        names.setdefault(member.label, member)
    return names


class Category(Vocabulary):
    """The seven service categories of every doorstep station (家门口服务站)."""

    PARTY_COMMUNITY = "party_community", "党群服务"
    GOVERNMENT = "government", "政务服务"
    DAILY_LIFE = "daily_life", "生活服务"
    LEGAL = "legal", "法律服务"
    HEALTH = "health", "健康服务"
    CULTURE = "culture", "文化服务"
    COMMUNITY_MANAGEMENT = "community_management", "社区管理服务"


class Tier(Vocabulary):
    """Project and need tiers of the Pudong catalogue (民生三级)."""

    FLOOR = "floor", "底线民生"
    BASIC = "basic", "基本民生"
    QUALITY = "quality", "质量民生"


class Urgency(Vocabulary):
    """Wanshou Road's four response levels; ``deadline_minutes`` is the promise made."""

    EMERGENCY = "emergency", "紧急"
    UTILITIES = "utilities", "水电气热"
    NORMAL = "normal", "一般"
    COMPLEX = "complex", "复杂"

    @property
    def deadline_minutes(self) -> int:
        """Minutes allowed from the request to the response (30 min, 24 h, 7 d, 15 d)."""
        return _DEADLINES[self.value]


_DEADLINES = {"emergency": 30, "utilities": 24 * 60, "normal": 7 * 24 * 60, "complex": 15 * 24 * 60}


class ResourceKind(Vocabulary):
    """Who can serve, as the resources list (资源清单) records them."""

    UNIT = "unit", "驻区单位"
    VOLUNTEER = "volunteer", "志愿者"
    SOCIAL_ORG = "social_org", "社会组织"
    WORKSHOP = "workshop", "工作室"
    PARTY_MEMBER = "party_member", "党员"
    DEPARTMENT = "department", "职能部门"


class Level(Vocabulary):
    """Where a resource sits in the hierarchy; what it may serve widens with the level."""

    COMMUNITY = "community", "社区"
    STREET = "street", "街镇"
    DISTRICT = "district", "区"


class PopulationGroup(Vocabulary):
    """Resident groups: Zhangjiang's five segments and Taizhou's focus groups (一老一小一残一特)."""

    LOCAL = "local", "本地居民"
    MIGRANT = "migrant", "来沪人员"
    WHITE_COLLAR = "white_collar", "普通白领"
    TALENT = "talent", "高端人才"
    FOREIGNER = "foreigner", "外籍人士"
    ELDERLY = "elderly", "一老"
    CHILD = "child", "一小"
    DISABLED = "disabled", "一残"
    SPECIAL = "special", "一特"
    GENERAL = "general", "一般居民"


class Slot(Vocabulary):
    """When a need must be served or a resource is available (extended and weekend hours)."""

    WEEKDAY = "weekday", "工作日"
    EVENING = "evening", "晚间"
    WEEKEND = "weekend", "周末"


class PairingMode(Vocabulary):
    """Whether a fixed pairing (结对) binds (hard) or is only preferred (soft)."""

    HARD = "hard", "刚性"
    SOFT = "soft", "柔性"


class StationType(Vocabulary):
    """Taizhou's five neighbourhood station types (五类站点) a project instance may need as its venue."""

    ELDERLY_CARE = "elderly_care", "敬老"
    YOUTH = "youth", "希望"
    SPORT = "sport", "活力"
    VOLUNTEERING = "volunteering", "爱心"
    HERITAGE = "heritage", "乡愁"
