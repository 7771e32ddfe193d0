"""A claim's writes on PostgreSQL in one statement (data-modifying CTEs): the Idempotency-Key's
earlier use, the order's active claims and the unit's among them are read, and, when there is no
earlier use, no claim of the unit and a free slot, the claim, its key and its audit entry are
inserted, all in one round trip.

Each statement of a PostgreSQL transaction (READ COMMITTED) reads what was committed before it
began, so this statement runs after the one that locked the order row: it sees every claim
committed before the lock was granted, and no other claim of the order can commit while it runs.
SQLite has no data-modifying CTEs; there :func:`api.claims.claim` runs the statements one by one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, bindparam, text
from sqlalchemy.engine import Dialect

from api.prepared import Prepared

_CLAIM = Prepared(
    text(
        """
WITH earlier AS (
    SELECT order_id, claim_id FROM idempotency_keys WHERE unit = :unit AND key = :key
), taken AS (
    SELECT count(*) AS n, max(CASE WHEN unit = :unit THEN id END) AS mine
    FROM claims WHERE order_id = :order_id AND status = 'active'
), made AS (
    INSERT INTO claims (order_id, unit, status, created_at, updated_at)
    SELECT :order_id, :unit, 'active', :at, :at FROM taken
    WHERE taken.mine IS NULL AND taken.n < :slots AND NOT EXISTS (SELECT 1 FROM earlier)
    RETURNING id
), keyed AS (
    INSERT INTO idempotency_keys (unit, key, order_id, claim_id)
    SELECT :unit, :key, :order_id, made.id FROM made WHERE CAST(:key AS text) <> ''
), audited AS (
    INSERT INTO audit_log (at, actor, action, entity, entity_id, scenario_id, detail)
    SELECT :at, :actor, 'claim.create', 'claim', CAST(made.id AS text), :scenario_id,
        json_build_object('order', CAST(:order_id AS integer), 'unit', CAST(:unit AS text),
            'slot', taken.n + 1, 'slots', CAST(:slots AS integer))
    FROM made, taken
)
SELECT (SELECT order_id FROM earlier), (SELECT claim_id FROM earlier), taken.n, taken.mine,
    (SELECT id FROM made)
FROM taken
"""
    ).bindparams(bindparam("at", type_=DateTime()))
)


@dataclass(frozen=True)
class Outcome:
    """What the statement found and did: the order and claim the key was first used with (None
    when it was not), the order's active claims before this one, the unit's active claim on
    the order, and the new claim's id (None when none was made)."""

    earlier: tuple[int, int] | None
    taken: int
    mine: int | None
    made: int | None


def claim_in_one(
    cursor: Any,
    dialect: Dialect,
    order_id: int,
    unit: str,
    key: str,
    slots: int,
    at: datetime,
    actor: str,
    scenario_id: int,
) -> Outcome:
    """Claim a slot of the order (whose row ``cursor``'s transaction has locked) for ``unit`` when
    the key ``key`` ('' for none) is new, the unit holds no claim on it and a slot is free."""
    params = {
        "order_id": order_id,
        "unit": unit,
        "key": key,
        "slots": slots,
        "at": at,
        "actor": actor,
        "scenario_id": scenario_id,
    }
    earlier_order, earlier_claim, taken, mine, made = _CLAIM.run_raw(cursor, dialect, params).fetchone()
    earlier = None if earlier_order is None else (earlier_order, earlier_claim)
    return Outcome(earlier, taken, mine, made)
