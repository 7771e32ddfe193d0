"""Intake (受理): one arriving need, checked like a row of the needs list (需求清单) plus its
arrival time, before anything is stored.

A need is refused — naming the field — when a field is bad, its community is unknown, its id is
already used, or its arrival time lies before the last arrival the ledger holds (in the past, or
out of order).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from matcher.dispatch.ledger import Ledger
from matcher.domain import Need
from matcher.errors import FieldError, Issue, ScenarioError
from matcher.i18n import Text
from matcher.io.tables import Row

#: The field of an arrival that carries its time (minutes since the plan began).
TIME_FIELD = "at"


def now(ledger: Ledger) -> float:
    """The latest arrival time the ledger holds (0 before any)."""
    return max(ledger.arrived_at, default=0.0)


def arrival_minutes(value: Any) -> float:
    """An arrival time in minutes since the plan began; refuses what is not a finite number."""
    if isinstance(value, bool):
        raise FieldError(TIME_FIELD, Text("expected minutes since the plan began, got {value!r}", value=value))
    try:
        minutes = float(value)
    except (TypeError, ValueError):
        raise FieldError(
            TIME_FIELD, Text("expected minutes since the plan began, got {value!r}", value=value)
        ) from None
    if not math.isfinite(minutes) or minutes < 0:
        raise FieldError(TIME_FIELD, Text("expected a non-negative number of minutes, got {value!r}", value=value))
    return minutes


def check_arrival(ledger: Ledger, record: Mapping[str, Any]) -> tuple[Need, float]:
    """The need and its arrival time from a plain mapping, or a :class:`FieldError` naming the field."""
    if record.get(TIME_FIELD) in (None, ""):
        raise FieldError(TIME_FIELD, Text("is required: the minute the need arrived"))
    at = arrival_minutes(record[TIME_FIELD])
    need = Need.from_record({k: v for k, v in record.items() if k != TIME_FIELD})
    if need.id in ledger.index:
        raise FieldError("id", Text("need id {id!r} is already used", id=need.id))
    if need.community not in ledger.arrays.community_ids:
        raise FieldError("community", Text("unknown community {community!r}", community=need.community))
    latest = now(ledger)
    if at < latest:
        raise FieldError(
            TIME_FIELD,
            Text(
                "arrival at minute {at:g} is before the last arrival (minute {latest:g}): in the past or out of order",
                at=at,
                latest=latest,
            ),
        )
    return need, at


def intake(ledger: Ledger, record: Mapping[str, Any]) -> int:
    """Check an arrival and store it, unplaced; returns its index. Nothing is stored on error."""
    need, at = check_arrival(ledger, record)
    return ledger.add(need, at)


def read_arrivals(ledger: Ledger, rows: Sequence[Row]) -> list[tuple[Need, float]]:
    """Every row of an arrivals file checked in turn like an intake (on ``ledger``, which takes
    them in); raises :class:`ScenarioError` naming file, row and field of each bad row."""
    issues, arrivals = [], []
    for row in rows:
        try:
            n = intake(ledger, row.values)
        except FieldError as exc:
            issues.append(Issue(row.file, row.label, exc.field, exc.message))
            continue
        arrivals.append((ledger.needs[n], ledger.arrived_at[n]))
    if issues:
        raise ScenarioError(issues)
    return arrivals
