"""Immutable, validated value objects of the three lists (三清单) and fixed pairings (结对).

Constructors refuse bad values with a :class:`FieldError` naming the field; ``from_record``
builds an object from a plain mapping (a YAML entry or a spreadsheet row) and parses text.
Cross-record checks (unknown community, duplicate id) live in :mod:`matcher.problem`.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar, TypeVar

from matcher.errors import FieldError, typed
from matcher.i18n import Text
from matcher.vocabulary import (
    Category,
    Level,
    PairingMode,
    PopulationGroup,
    ResourceKind,
    Slot,
    StationType,
    Tier,
    Urgency,
    Vocabulary,
)

T = TypeVar("T", bound="Record")

LIST_SEPARATOR = ";"


#: Separators of a list field's text: ';' and the full-width '；', '、' and '，' Chinese text uses.
_SEPARATORS = ("；", "、", "，")
#: The largest magnitude a number may have: beyond it no count or duration means anything, and
#: minutes and scaled values would no longer fit the solvers' 64-bit integers.
MAX_NUMBER = 1_000_000_000


def _split(value: Any) -> list[str]:
    """A list field: a YAML list, or text separated by ';' (or Chinese '；', '、', '，')."""
    if value is None:
        return []
    if isinstance(value, (list, tuple, set, frozenset)):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value)
    for separator in _SEPARATORS:
        text = text.replace(separator, LIST_SEPARATOR)
    return [part.strip() for part in text.split(LIST_SEPARATOR) if part.strip()]


def _is_blank(value: Any) -> bool:
    return (
        value is None
        or (isinstance(value, str) and not value.strip())
        or (isinstance(value, float) and math.isnan(value))
    )


def _number(name: str, value: Any, *, integer: bool = False, minimum: float = 0.0, positive: bool = False) -> float:
    """A number from a cell: refused, naming the cell as typed, when it is not one, not whole
    (``integer``), too large, below ``minimum`` or, with ``positive``, not above 0."""
    if isinstance(value, bool):
        raise FieldError(name, Text("expected a number, got {value}", value=typed(value)))
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise FieldError(name, Text("expected a number, got {value}", value=typed(value))) from None
    if not math.isfinite(number):
        raise FieldError(name, Text("expected a finite number, got {value}", value=typed(value)))
    if abs(number) > MAX_NUMBER:
        raise FieldError(
            name, Text("too large: at most {max_number:,}, got {value}", max_number=MAX_NUMBER, value=typed(value))
        )
    if integer and number != int(number):
        raise FieldError(name, Text("expected a whole number, got {value}", value=typed(value)))
    if positive and number <= 0:
        raise FieldError(name, Text("must be positive, got {value}", value=typed(value)))
    if number < minimum:
        bound = Text("must not be negative") if minimum == 0 else Text("must be at least {minimum:g}", minimum=minimum)
        raise FieldError(name, Text("{bound}, got {value}", bound=bound, value=typed(value)))
    return int(number) if integer else number


def _vocab(name: str, enum: type[Vocabulary], value: Any) -> Any:
    try:
        return enum.parse(value)
    except ValueError as exc:
        raise FieldError(name, exc.args[0]) from None


def _text(name: str, value: Any) -> str:
    text = "" if _is_blank(value) else str(value).strip()
    if isinstance(value, float) and value == int(value):
        text = str(int(value))  # spreadsheets turn id 7 into 7.0
    return text


def _require_id(name: str, value: str) -> None:
    if not value:
        raise FieldError(name, Text("is required"))


@dataclass(frozen=True)
class Record:
    """Shared parsing of plain mappings into value objects."""

    parsers: ClassVar[dict[str, Callable[[str, Any], Any]]] = {}
    mandatory: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        """Normalise typed fields given as text (``"health"`` becomes ``Category.HEALTH``)."""
        for name, parse in self.parsers.items():
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, parse(name, value))

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    @classmethod
    def from_record(cls: type[T], record: Mapping[str, Any]) -> T:
        """Build from a mapping of field name to raw value; blank cells take the default."""
        known = set(cls.field_names())
        for key in record:
            if key not in known:
                raise FieldError(
                    str(key), Text("unknown field; expected some of: {items}", items=", ".join(sorted(known)))
                )
        for key in cls.mandatory:
            if _is_blank(record.get(key)):
                raise FieldError(key, Text("is required"))
        kwargs = {}
        for key, value in record.items():
            if _is_blank(value) and key not in cls.mandatory:
                continue
            parse = cls.parsers.get(key, _text)
            kwargs[key] = parse(key, value)
        return cls(**kwargs)


def _vocab_parser(enum: type[Vocabulary]) -> Callable[[str, Any], Any]:
    def parse(name: str, value: Any) -> Any:
        return value if isinstance(value, enum) else _vocab(name, enum, value)

    return parse


def _vocab_set_parser(enum: type[Vocabulary]) -> Callable[[str, Any], frozenset]:
    def parse(name: str, value: Any) -> frozenset:
        if isinstance(value, frozenset) and all(isinstance(v, enum) for v in value):
            return value
        return frozenset(_vocab(name, enum, v) for v in _split(value))

    return parse


def _strings(name: str, value: Any) -> frozenset[str]:
    return value if isinstance(value, frozenset) else frozenset(_split(value))


def _float(name: str, value: Any) -> float:
    return _number(name, value)


def _positive(name: str, value: Any) -> float:
    return _number(name, value, positive=True)


def _count(name: str, value: Any) -> int:
    return int(_number(name, value, integer=True))


def _positive_count(name: str, value: Any) -> int:
    return int(_number(name, value, integer=True, minimum=1))


def _signed_float(name: str, value: Any) -> float:
    return _number(name, value, minimum=-math.inf)


def _flag(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "1", "1.0", "y", "是"):
        return True
    if text in ("false", "no", "0", "0.0", "n", "否"):
        return False
    raise FieldError(name, Text("expected true or false, got {value}", value=typed(value)))


def _neighbours(name: str, value: Any) -> tuple[tuple[str, float], ...]:
    """Neighbours as 'C02:8;C03:12' or a YAML mapping {C02: 8}: community id and travel minutes."""
    if isinstance(value, Mapping):
        items = list(value.items())
    elif isinstance(value, (list, tuple)) and all(isinstance(v, (list, tuple)) and len(v) == 2 for v in value):
        items = [tuple(v) for v in value]
    else:
        items = []
        for part in _split(value):
            part = part.replace("：", ":")
            if ":" not in part:
                raise FieldError(name, Text("expected 'community:minutes', got {value}", value=typed(part)))
            key, minutes = part.rsplit(":", 1)
            items.append((key.strip(), minutes.strip()))
    return tuple((str(k), _number(name, m)) for k, m in items)


@dataclass(frozen=True)
class Community(Record):
    """A village or residential area (村居/社区) in its street/town (街镇) and district (区).

    Place it either by coordinates in km (``x``, ``y``) or by ``neighbours`` with travel minutes.
    """

    id: str
    name: str = ""
    street: str = ""
    district: str = ""
    x: float | None = None
    y: float | None = None
    neighbours: tuple[tuple[str, float], ...] = ()
    population: int = 0

    mandatory: ClassVar = ("id",)
    parsers: ClassVar = {
        "x": _signed_float,
        "y": _signed_float,
        "neighbours": _neighbours,
        "population": _count,
    }

    def __post_init__(self) -> None:
        super().__post_init__()
        _require_id("id", self.id)
        if (self.x is None) != (self.y is None):
            raise FieldError("x" if self.x is None else "y", Text("give both x and y, or neither"))
        for other, minutes in self.neighbours:
            if minutes < 0:
                raise FieldError("neighbours", Text("travel minutes to {other!r} must not be negative", other=other))

    @property
    def has_coordinates(self) -> bool:
        return self.x is not None


@dataclass(frozen=True)
class Need(Record):
    """One entry of the needs list (需求清单): what a resident or household needs."""

    id: str
    community: str
    category: Category
    tier: Tier = Tier.BASIC
    urgency: Urgency = Urgency.NORMAL
    group: PopulationGroup = PopulationGroup.GENERAL
    skills: frozenset[str] = frozenset()
    hours: float = 1.0
    providers: int = 1
    slot: Slot | None = None
    title: str = ""
    required: bool = False  # 必须服务: served in every feasible plan, else the plan is infeasible

    mandatory: ClassVar = ("id", "community", "category")
    parsers: ClassVar = {
        "category": _vocab_parser(Category),
        "tier": _vocab_parser(Tier),
        "urgency": _vocab_parser(Urgency),
        "group": _vocab_parser(PopulationGroup),
        "skills": _strings,
        "hours": _positive,
        "providers": _positive_count,
        "slot": _vocab_parser(Slot),
        "required": _flag,
    }

    def __post_init__(self) -> None:
        super().__post_init__()
        _require_id("id", self.id)
        _require_id("community", self.community)
        if self.hours <= 0:
            raise FieldError("hours", Text("must be positive, got {value}", value=typed(self.hours)))
        if self.providers < 1:
            raise FieldError("providers", Text("must be at least 1, got {value}", value=typed(self.providers)))


ALL_SLOTS = frozenset(Slot)


@dataclass(frozen=True)
class Resource(Record):
    """One entry of the resources list (资源清单): a unit, volunteer, organisation, workshop,
    party member or department that can serve.

    ``hours_factor`` scales a need's effort for this resource (a skilled volunteer needs fewer
    hours); ``pairing_group`` names the unit group of a fixed pairing (结对).
    """

    id: str
    kind: ResourceKind
    community: str
    categories: frozenset[Category]
    skills: frozenset[str] = frozenset()
    capacity_hours: float = 8.0
    capacity_tasks: int = 4
    radius_minutes: float = 15.0
    availability: frozenset[Slot] = ALL_SLOTS
    response_minutes: float = 0.0
    hours_factor: float = 1.0
    pairing_group: str = ""
    level: Level = Level.COMMUNITY
    name: str = ""

    mandatory: ClassVar = ("id", "kind", "community", "categories")
    parsers: ClassVar = {
        "kind": _vocab_parser(ResourceKind),
        "categories": _vocab_set_parser(Category),
        "skills": _strings,
        "capacity_hours": _signed_float,
        "capacity_tasks": lambda n, v: int(_number(n, v, integer=True, minimum=-math.inf)),
        "radius_minutes": _signed_float,
        "availability": _vocab_set_parser(Slot),
        "response_minutes": _signed_float,
        "hours_factor": _signed_float,
        "level": _vocab_parser(Level),
    }

    def __post_init__(self) -> None:
        super().__post_init__()
        _require_id("id", self.id)
        _require_id("community", self.community)
        if not self.categories:
            raise FieldError("categories", Text("name at least one service category"))
        for name in ("capacity_hours", "capacity_tasks", "radius_minutes", "response_minutes"):
            if getattr(self, name) < 0:
                raise FieldError(name, Text("must not be negative, got {value}", value=typed(getattr(self, name))))
        if self.hours_factor <= 0:
            raise FieldError("hours_factor", Text("must be positive, got {value}", value=typed(self.hours_factor)))
        if not self.availability:
            raise FieldError("availability", Text("name at least one slot"))


@dataclass(frozen=True)
class Project(Record):
    """One entry of the projects list (项目清单): a catalogue project communities order (点单)
    and units claim (认领). One instance serves up to ``serves`` needs of its category."""

    id: str
    name: str
    category: Category
    tier: Tier = Tier.BASIC
    department: str = ""
    skills: frozenset[str] = frozenset()
    provider_slots: int = 1
    serves: int = 10
    hours: float = 4.0
    cost: float = 1.0
    venue_type: StationType | None = None

    mandatory: ClassVar = ("id", "name", "category")
    parsers: ClassVar = {
        "category": _vocab_parser(Category),
        "tier": _vocab_parser(Tier),
        "skills": _strings,
        "provider_slots": _positive_count,
        "serves": _positive_count,
        "hours": _positive,
        "cost": _float,
        "venue_type": _vocab_parser(StationType),
    }

    def __post_init__(self) -> None:
        super().__post_init__()
        _require_id("id", self.id)
        if self.provider_slots < 1:
            raise FieldError(
                "provider_slots", Text("must be at least 1, got {value}", value=typed(self.provider_slots))
            )
        if self.serves < 1:
            raise FieldError("serves", Text("must be at least 1, got {value}", value=typed(self.serves)))
        if self.hours <= 0:
            raise FieldError("hours", Text("must be positive, got {value}", value=typed(self.hours)))
        if self.cost < 0:
            raise FieldError("cost", Text("must not be negative"))


@dataclass(frozen=True)
class Pairing(Record):
    """A fixed pairing (结对) of a unit group with a community.

    Hard: the group's resources serve only their paired communities, and together serve at
    least ``min_served`` needs there. Soft: serving the paired community earns the policy's
    pairing bonus, nothing is forbidden.
    """

    group: str
    community: str
    mode: PairingMode = PairingMode.HARD
    min_served: int = 0

    mandatory: ClassVar = ("group", "community")
    parsers: ClassVar = {"mode": _vocab_parser(PairingMode), "min_served": _count}

    def __post_init__(self) -> None:
        super().__post_init__()
        _require_id("group", self.group)
        _require_id("community", self.community)
        if self.min_served < 0:
            raise FieldError("min_served", Text("must not be negative"))


@dataclass(frozen=True)
class Order(Record):
    """A community's order (点单) of a catalogue project: one project instance to run.

    ``pinned`` orders stay whatever the solver finds; an unpinned order may be dropped when it
    does not pay. ``venue`` names the station it runs in, when the project needs one. ``slots``
    overrides the project's ``provider_slots`` for this order (blank: the project's).
    """

    id: str
    project: str
    community: str
    pinned: bool = False
    venue: str = ""
    slots: int | None = None

    mandatory: ClassVar = ("id", "project", "community")
    parsers: ClassVar = {"pinned": _flag, "slots": _positive_count}

    def __post_init__(self) -> None:
        for name in ("id", "project", "community"):
            _require_id(name, getattr(self, name))


@dataclass(frozen=True)
class Claim(Record):
    """A resource's claim (认领) of one provider slot of an order; pinned claims stay."""

    order: str
    resource: str
    pinned: bool = True

    mandatory: ClassVar = ("order", "resource")
    parsers: ClassVar = {"pinned": _flag}

    def __post_init__(self) -> None:
        _require_id("order", self.order)
        _require_id("resource", self.resource)


def _opening_hours(name: str, value: Any) -> float:
    """Opening hours per day: a number of hours, or a span such as '08:00-20:00'."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        hours = _number(name, value)
    else:
        text = str(value).strip().replace("～", "-").replace("~", "-").replace("—", "-")
        if "-" not in text:
            hours = _number(name, text)
        else:
            try:
                start, end = (_clock(part) for part in text.split("-", 1))
            except ValueError:
                message = Text(
                    "expected hours per day or a span such as '08:00-20:00', got {value}", value=typed(value)
                )
                raise FieldError(name, message) from None
            hours = end - start
            if hours <= 0:
                raise FieldError(name, Text("the span {value} closes before it opens", value=typed(value)))
    if hours > 24:
        raise FieldError(name, Text("a day has 24 hours, got {hours:g}", hours=hours))
    return hours


def _clock(text: str) -> float:
    hours, _, minutes = text.strip().partition(":")
    h, m = int(hours), int(minutes or 0)
    if not (0 <= h <= 24 and 0 <= m < 60):
        raise ValueError(text)
    return h + m / 60


@dataclass(frozen=True)
class Venue(Record):
    """A station (站点) of one of Taizhou's five types where project instances run.

    ``capacity`` is the number of needs it can serve in the planning period (one week);
    ``opening_hours`` is hours open per day (given as a number or '08:00-20:00').
    """

    id: str
    community: str
    type: StationType
    capacity: int = 50
    opening_hours: float = 8.0
    name: str = ""

    mandatory: ClassVar = ("id", "community", "type")
    parsers: ClassVar = {"type": _vocab_parser(StationType), "capacity": _count, "opening_hours": _opening_hours}

    def __post_init__(self) -> None:
        _require_id("id", self.id)
        _require_id("community", self.community)
        if self.capacity < 0:
            raise FieldError("capacity", Text("must not be negative"))
        if not 0 <= self.opening_hours <= 24:
            raise FieldError(
                "opening_hours", Text("must lie in [0, 24] hours per day, got {value}", value=typed(self.opening_hours))
            )


def _date(name: str, value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise FieldError(name, Text("expected a date such as 2024-05-31, got {value!r}", value=value)) from None


@dataclass(frozen=True)
class Visit(Record):
    """Visits counted at a station (站点) on one day: the data of Taizhou's popularity index (人气指数)."""

    station: str
    date: datetime.date
    count: int

    mandatory: ClassVar = ("station", "date", "count")
    parsers: ClassVar = {"date": _date, "count": _count}

    def __post_init__(self) -> None:
        super().__post_init__()
        _require_id("station", self.station)


@dataclass(frozen=True)
class Budget(Record):
    """What a community may spend on new orders (点单) in the period: money and a number of orders."""

    community: str
    amount: float | None = None  # None: no money limit
    max_orders: int = 3

    mandatory: ClassVar = ("community",)
    parsers: ClassVar = {"amount": _float, "max_orders": _count}

    def __post_init__(self) -> None:
        _require_id("community", self.community)
        if self.amount is not None and self.amount < 0:
            raise FieldError("amount", Text("must not be negative"))
        if self.max_orders < 0:
            raise FieldError("max_orders", Text("must not be negative"))


@dataclass(frozen=True)
class GivenPair(Record):
    """A pair the researcher gives (who may serve whom, from a survey or a routing engine): a need,
    a resource, and any of its value (or a cost taken off the need's value), its load in minutes of
    the resource's hours and its travel minutes; blank fields are computed as usual."""

    need: str
    resource: str
    value: float | None = None
    cost: float | None = None
    load_minutes: float | None = None
    travel_minutes: float | None = None

    mandatory: ClassVar = ("need", "resource")
    parsers: ClassVar = {
        "value": _signed_float,
        "cost": _signed_float,
        "load_minutes": _float,
        "travel_minutes": _float,
    }

    def __post_init__(self) -> None:
        super().__post_init__()
        _require_id("need", self.need)
        _require_id("resource", self.resource)
        if self.value is not None and self.cost is not None:
            raise FieldError("cost", Text("give a value or a cost, not both"))


@dataclass(frozen=True)
class TravelTime(Record):
    """Travel minutes from one community to another, used as given (a routing engine's matrix).
    Without the reverse row the same minutes hold back."""

    origin: str
    destination: str
    minutes: float

    mandatory: ClassVar = ("origin", "destination", "minutes")
    parsers: ClassVar = {"minutes": _float}

    def __post_init__(self) -> None:
        super().__post_init__()
        _require_id("origin", self.origin)
        _require_id("destination", self.destination)
        if self.origin == self.destination:
            raise FieldError(
                "destination", Text("the same community; minutes within one are settings.intra_community_minutes")
            )


#: How a scenario's ``pairs`` list meets the computed candidates.
PAIRS_MODES = ("replace", "restrict")


def _pairs_mode(name: str, value: Any) -> str:
    text = str(value).strip().lower()
    if text not in PAIRS_MODES:
        raise FieldError(
            name, Text("expected one of {items}, got {value}", items=", ".join(PAIRS_MODES), value=typed(value))
        )
    return text


@dataclass(frozen=True)
class Settings(Record):
    """Scenario-wide settings: how coordinates turn into travel minutes, and how a ``pairs`` list
    is used (``replace``: the listed pairs are the candidates; ``restrict``: the computed candidates
    that are listed, with the listed fields)."""

    minutes_per_km: float = 4.0
    intra_community_minutes: float = 5.0
    pairs_mode: str = "replace"

    parsers: ClassVar = {"minutes_per_km": _float, "intra_community_minutes": _float, "pairs_mode": _pairs_mode}


def ids(records: Iterable[Any], attribute: str = "id") -> list[str]:
    """The ids of records, in order."""
    return [getattr(r, attribute) for r in records]


__all__ = [
    "ALL_SLOTS",
    "Budget",
    "Claim",
    "Community",
    "GivenPair",
    "Need",
    "Order",
    "Pairing",
    "Project",
    "Record",
    "Resource",
    "Settings",
    "TravelTime",
    "Venue",
    "ids",
]
