"""The usual claim on PostgreSQL in one round trip: the database function ``claim_slot``
(migration 0008) locks the order row, checks the token, the stage, the unit, the Idempotency-Key
and the rules' lists version under that lock, and makes the claim with its key and audit entry,
all in the one transaction of an autocommitted call.

The claim rules are checked in Python before the call (:func:`api.claims.claim_slot`), against
the lists version passed to the function, which answers ``stale`` when the lists changed since.
SQLite has no such functions; there :func:`api.claims.claim` runs the statements one by one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from api.eligibility import Facts, OrderFacts
from api.records import OPEN_STAGES

_FACTS = (
    "SELECT o.scenario_id, o.project, o.community, s.lists_version FROM orders o "
    "JOIN scenarios s ON s.id = o.scenario_id WHERE o.id = %s"
)


def _words_array(words: tuple[str, ...]) -> str:
    """A SQL array literal of plain words (a quote or space in one would be a programming error)."""
    if not all(word.isidentifier() for word in words):
        raise ValueError(f"not plain words: {words!r}")
    return "ARRAY[" + ", ".join(f"'{word}'" for word in words) + "]::text[]"


#: The stages open to claims, written into the call (a constant: no list to adapt per call).
_OPEN = _words_array(OPEN_STAGES)
_CALL = f"SELECT outcome, version, slots, taken, claim_id FROM claim_slot(%s, %s, %s, %s, %s, {_OPEN}, %s, %s)"


def order_facts(cursor: Any, memory: OrderFacts, order_id: int) -> tuple[Facts, int] | None:
    """The order's facts and its scenario's lists version as last seen, read when ``memory``
    does not hold them; None when there is no such order."""
    found = memory.get(order_id)
    if found is not None:
        return found
    row = cursor.execute(_FACTS, (order_id,)).fetchone()
    return None if row is None else memory.remember(order_id, Facts(row[0], row[1], row[2]), row[3])


@dataclass(frozen=True)
class Outcome:
    """What ``claim_slot`` did (see migration 0008): ``made``, ``mine``, ``full``, ``stale`` or
    ``other``; the lists version, the order's slots, its active claims before this one and the
    new claim's id (``made``) or the unit's own (``mine``)."""

    outcome: str
    version: int | None
    slots: int | None
    taken: int | None
    claim_id: int | None


def call_claim_slot(
    cursor: Any,
    order_id: int,
    unit: str,
    token: str,
    key: str,
    version: int,
    at: datetime,
    actor: str,
) -> Outcome:
    """Claim a slot of the order for ``unit``, whose rules were checked at lists ``version``
    (``key`` '' for none), in the autocommitted transaction of one call."""
    row = cursor.execute(_CALL, (order_id, unit, token, key, version, at, actor)).fetchone()
    return Outcome(*row)
