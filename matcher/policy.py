"""Allocation policies: the weights of the objective and the switches of the hard rules.

A policy is a small frozen dataclass with named presets; any field can be overridden, from a
scenario file (``policy: {preset: urgency-first, travel_cost: 0.02}``) or the command line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from typing import Any

from matcher.errors import FieldError
from matcher.i18n import Text
from matcher.vocabulary import Tier, Urgency, Vocabulary


class PairingMode(StrEnum):
    """Which fixed pairings (结对) bind: those declared hard, all of them, or none (a bonus only)."""

    DECLARED = "declared"
    HARD = "hard"
    SOFT = "soft"


class Objective(StrEnum):
    """What is optimised: the most weighted value; first the best worst-community coverage, then
    value (equity, lexicographic); or deferred acceptance on needs' and resources' preferences."""

    VALUE = "value"
    EQUITY = "equity"
    STABLE = "stable"


class PlacedOrderMode(StrEnum):
    """Orders a community placed (点单) in a project run: ``priority`` runs as many of them as can
    run before any value is weighed (lexicographic), ``hard`` requires every one to run, ``free``
    weighs them like the solver's own orders."""

    PRIORITY = "priority"
    HARD = "hard"
    FREE = "free"


PLACED_ORDER_MODES = tuple(PlacedOrderMode)
_DEFAULT_TIERS = {"floor": 3.0, "basic": 2.0, "quality": 1.0}
_DEFAULT_URGENCY = {"emergency": 4.0, "utilities": 3.0, "normal": 2.0, "complex": 1.0}


def _weights(enum: type[Vocabulary], values: Mapping[Any, float]) -> dict[str, float]:
    return {enum.parse(k).value: float(v) for k, v in values.items()}


@dataclass(frozen=True)
class Policy:
    """How to weigh served needs and which rules bind.

    The value of serving need n by resource r is
    ``tier_weight[n] * urgency_weight[n] * fit(n, r) / providers[n] - travel_cost * minutes(r, n)``
    with ``fit = 1 + locality_bonus * [r lives in n's community] + pairing_bonus * [r's group is
    paired with n's community]``.

    ``objective`` picks what is optimised (see :class:`Objective`); ``balance_weight`` > 0 takes
    that many units of value off, per resource, per unit of the share of its hours used beyond
    ``balance_target`` — a convex cost that spreads work across resources (load balancing).

    ``priority_urgencies`` are served first, lexicographically and in order: the most needs of the
    first level, then with that held the most of the next, and only then the value (default:
    emergencies, 紧急 — no emergency loses a resource to a less urgent need). With
    ``enforce_deadlines`` off a late pair loses ``lateness_cost`` of value per minute past the
    need's deadline.
    """

    name: str = "default"
    tier_weights: Mapping[str, float] = field(default_factory=lambda: dict(_DEFAULT_TIERS))
    urgency_weights: Mapping[str, float] = field(default_factory=lambda: dict(_DEFAULT_URGENCY))
    travel_cost: float = 0.01
    locality_bonus: float = 0.0
    pairing_bonus: float = 0.25
    pairings: PairingMode = PairingMode.DECLARED
    enforce_deadlines: bool = True
    min_community_share: float = 0.0
    objective: Objective = Objective.VALUE
    balance_weight: float = 0.0
    balance_target: float = 0.5
    priority_urgencies: tuple[str, ...] = ("emergency",)
    lateness_cost: float = 0.05
    placed_orders: PlacedOrderMode = PlacedOrderMode.PRIORITY
    #: A re-plan or a recommendation pays this per assignment it moves: the smallest value step the
    #: objective distinguishes (1 / VALUE_SCALE), so it breaks ties towards stability and costs at
    #: most that much per move forgone.
    move_cost: float = 0.01

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "tier_weights", {**_DEFAULT_TIERS, **_weights(Tier, self.tier_weights)})
        except ValueError as exc:
            raise FieldError("tier_weights", str(exc)) from None
        try:
            object.__setattr__(self, "urgency_weights", {**_DEFAULT_URGENCY, **_weights(Urgency, self.urgency_weights)})
        except ValueError as exc:
            raise FieldError("urgency_weights", str(exc)) from None
        for name in ("tier_weights", "urgency_weights"):
            for key, value in getattr(self, name).items():
                if value < 0:
                    raise FieldError(name, Text("weight of {key!r} must not be negative", key=key))
        try:
            levels = tuple(Urgency.parse(level).value for level in self.priority_urgencies)
        except ValueError as exc:
            raise FieldError("priority_urgencies", str(exc)) from None
        if len(set(levels)) != len(levels):
            raise FieldError("priority_urgencies", Text("a level is named twice in {value}", value=list(levels)))
        object.__setattr__(self, "priority_urgencies", levels)
        for name in ("travel_cost", "locality_bonus", "pairing_bonus", "balance_weight", "lateness_cost", "move_cost"):
            if getattr(self, name) < 0:
                raise FieldError(name, Text("must not be negative, got {value!r}", value=getattr(self, name)))
        for name, mode in (("pairings", PairingMode), ("placed_orders", PlacedOrderMode), ("objective", Objective)):
            object.__setattr__(self, name, _mode(name, mode, getattr(self, name)))
        for name in ("min_community_share", "balance_target"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise FieldError(name, Text("must lie in [0, 1], got {value!r}", value=getattr(self, name)))

    def with_overrides(self, overrides: Mapping[str, Any]) -> Policy:
        """A copy with fields replaced; weight mappings are merged, not replaced."""
        known = {f.name for f in fields(self)} - {"name"}
        changes: dict[str, Any] = {}
        for key, value in overrides.items():
            if key not in known:
                raise FieldError(
                    key, Text("unknown policy field; expected one of: {items}", items=", ".join(sorted(known)))
                )
            if key in ("tier_weights", "urgency_weights"):
                if not isinstance(value, Mapping):
                    raise FieldError(key, Text("expected a mapping such as {{floor: 3}}"))
                value = {**getattr(self, key), **value}
            elif key == "enforce_deadlines":
                value = _boolean(key, value)
            elif key in ("pairings", "objective", "placed_orders"):
                value = str(value)
            elif key == "priority_urgencies":
                value = _levels(value)
            else:
                try:
                    value = float(value)
                except (TypeError, ValueError):
                    raise FieldError(key, Text("expected a number, got {value!r}", value=value)) from None
            changes[key] = value
        return replace(self, **changes)


def _mode(name: str, mode: type[StrEnum], value: Any) -> Any:
    """``value`` as a member of ``mode``; a FieldError naming the choices otherwise."""
    try:
        return mode(value)
    except ValueError:
        raise FieldError(
            name, Text("expected one of {items}, got {value!r}", items=", ".join(mode), value=value)
        ) from None


def _levels(value: Any) -> tuple[str, ...]:
    """Urgency levels from a list or a comma-separated text (``none`` or empty: no level first)."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = [] if value.strip().lower() in ("", "none") else value.replace("，", ",").split(",")
    if not isinstance(value, list | tuple):
        raise FieldError("priority_urgencies", Text("expected a list of urgency levels, got {value!r}", value=value))
    return tuple(str(v).strip() for v in value)


def _boolean(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "1", "on"):
        return True
    if text in ("false", "no", "0", "off"):
        return False
    raise FieldError(name, Text("expected true or false, got {value!r}", value=value))


PRESETS: dict[str, Policy] = {
    p.name: p
    for p in (
        Policy(name="default"),
        Policy(name="efficiency", pairing_bonus=0.0),
        Policy(
            name="urgency-first",
            urgency_weights={"emergency": 1000.0, "utilities": 100.0, "normal": 10.0, "complex": 1.0},
        ),
        Policy(name="locality-first", locality_bonus=1.0, travel_cost=0.05),
        Policy(name="pairing-strict", pairings=PairingMode.HARD),
        Policy(name="pairing-soft", pairings=PairingMode.SOFT),
        Policy(name="equity", pairing_bonus=0.0, objective=Objective.EQUITY),
        Policy(name="load-balanced", balance_weight=2.0),
        Policy(name="stable", objective=Objective.STABLE),
    )
}


def parse_overrides(items: Iterable[str], option: str = "--set") -> dict[str, Any]:
    """``FIELD=VALUE`` texts (values read as YAML) as a mapping of policy overrides (the CLI's
    ``--set``, the workbench's overrides box)."""
    import yaml

    overrides: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise FieldError(option, Text("expected FIELD=VALUE, got {value!r}", value=item))
        try:
            overrides[key.strip()] = yaml.safe_load(value)
        except yaml.YAMLError:
            raise FieldError(key.strip(), Text("cannot read value {value!r}", value=value)) from None
    return overrides


def get_policy(spec: str | Mapping[str, Any] | Policy | None = None) -> Policy:
    """A policy from a preset name, a mapping ``{preset: name, field: value, ...}`` or a Policy."""
    if isinstance(spec, Policy):
        return spec
    if spec is None:
        return PRESETS["default"]
    if isinstance(spec, str):
        spec = {"preset": spec}
    overrides = dict(spec)
    preset = str(overrides.pop("preset", "default"))
    if preset not in PRESETS:
        raise FieldError(
            "preset", Text("unknown policy {policy!r}; presets: {presets}", policy=preset, presets=", ".join(PRESETS))
        )
    return PRESETS[preset].with_overrides(overrides)
