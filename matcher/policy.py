"""Allocation policies: the weights of the objective and the switches of the hard rules.

A policy is a small frozen dataclass with named presets; any field can be overridden, from a
scenario file (``policy: {preset: urgency-first, travel_cost: 0.02}``) or the command line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from matcher.errors import FieldError
from matcher.vocabulary import Tier, Urgency

PAIRING_MODES = ("declared", "hard", "soft")
#: value: most weighted value; equity: first the best worst-community coverage, then value
#: (lexicographic, by CP-SAT); stable: deferred acceptance on needs' and resources' preferences.
OBJECTIVES = ("value", "equity", "stable")
_DEFAULT_TIERS = {"floor": 3.0, "basic": 2.0, "quality": 1.0}
_DEFAULT_URGENCY = {"emergency": 4.0, "utilities": 3.0, "normal": 2.0, "complex": 1.0}


def _weights(enum: type, values: Mapping[Any, float]) -> dict[str, float]:
    return {enum.parse(k).value: float(v) for k, v in values.items()}


@dataclass(frozen=True)
class Policy:
    """How to weigh served needs and which rules bind.

    The value of serving need n by resource r is
    ``tier_weight[n] * urgency_weight[n] * fit(n, r) / providers[n] - travel_cost * minutes(r, n)``
    with ``fit = 1 + locality_bonus * [r lives in n's community] + pairing_bonus * [r's group is
    paired with n's community]``.

    ``objective`` picks what is optimised (see :data:`OBJECTIVES`); ``balance_weight`` > 0 takes
    that many units of value off, per resource, per unit of the share of its hours used beyond
    ``balance_target`` — a convex cost that spreads work across resources (load balancing).
    ``move_cost`` is what a re-plan of live dispatch pays per assignment it moves, so that equally
    good plans do not reshuffle (:mod:`matcher.dispatch.replan`); a cold solve ignores it.
    """

    name: str = "default"
    tier_weights: Mapping[str, float] = field(default_factory=lambda: dict(_DEFAULT_TIERS))
    urgency_weights: Mapping[str, float] = field(default_factory=lambda: dict(_DEFAULT_URGENCY))
    travel_cost: float = 0.01
    locality_bonus: float = 0.0
    pairing_bonus: float = 0.25
    pairings: str = "declared"
    enforce_deadlines: bool = True
    min_community_share: float = 0.0
    objective: str = "value"
    balance_weight: float = 0.0
    balance_target: float = 0.5
    move_cost: float = 0.5

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "tier_weights", {**_DEFAULT_TIERS, **_weights(Tier, self.tier_weights)})
        except ValueError as exc:
            raise FieldError("tier_weights", str(exc)) from None
        try:
            object.__setattr__(
                self, "urgency_weights", {**_DEFAULT_URGENCY, **_weights(Urgency, self.urgency_weights)}
            )
        except ValueError as exc:
            raise FieldError("urgency_weights", str(exc)) from None
        for name in ("tier_weights", "urgency_weights"):
            for key, value in getattr(self, name).items():
                if value < 0:
                    raise FieldError(name, f"weight of {key!r} must not be negative")
        for name in ("travel_cost", "locality_bonus", "pairing_bonus", "balance_weight", "move_cost"):
            if getattr(self, name) < 0:
                raise FieldError(name, f"must not be negative, got {getattr(self, name)!r}")
        if self.pairings not in PAIRING_MODES:
            raise FieldError("pairings", f"expected one of {', '.join(PAIRING_MODES)}, got {self.pairings!r}")
        if self.objective not in OBJECTIVES:
            raise FieldError("objective", f"expected one of {', '.join(OBJECTIVES)}, got {self.objective!r}")
        for name in ("min_community_share", "balance_target"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise FieldError(name, f"must lie in [0, 1], got {getattr(self, name)!r}")

    def with_overrides(self, overrides: Mapping[str, Any]) -> Policy:
        """A copy with fields replaced; weight mappings are merged, not replaced."""
        known = {f.name for f in fields(self)} - {"name"}
        changes: dict[str, Any] = {}
        for key, value in overrides.items():
            if key not in known:
                raise FieldError(key, f"unknown policy field; expected one of: {', '.join(sorted(known))}")
            if key in ("tier_weights", "urgency_weights"):
                if not isinstance(value, Mapping):
                    raise FieldError(key, "expected a mapping such as {floor: 3}")
                value = {**getattr(self, key), **value}
            elif key == "enforce_deadlines":
                value = _boolean(key, value)
            elif key in ("pairings", "objective"):
                value = str(value)
            else:
                try:
                    value = float(value)
                except (TypeError, ValueError):
                    raise FieldError(key, f"expected a number, got {value!r}") from None
            changes[key] = value
        return replace(self, **changes)


def _boolean(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "1", "on"):
        return True
    if text in ("false", "no", "0", "off"):
        return False
    raise FieldError(name, f"expected true or false, got {value!r}")


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
        Policy(name="pairing-strict", pairings="hard"),
        Policy(name="pairing-soft", pairings="soft"),
        Policy(name="equity", pairing_bonus=0.0, objective="equity"),
        Policy(name="load-balanced", balance_weight=2.0),
        Policy(name="stable", objective="stable"),
    )
}


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
        raise FieldError("preset", f"unknown policy {preset!r}; presets: {', '.join(PRESETS)}")
    return PRESETS[preset].with_overrides(overrides)
