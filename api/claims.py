"""Orders (点单) and claims (认领) as transactions: the checks and the write share one transaction,
so no order ever holds more active claims than slots.

On PostgreSQL the order row is locked (``SELECT ... FOR UPDATE``) before its claims are counted;
on SQLite :meth:`api.db.Store.write` has already taken the database write lock (``BEGIN
IMMEDIATE``). An ``Idempotency-Key`` makes a retried claim return the claim it made the first time.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import bindparam, case, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api import audit
from api.auth import Principal
from api.errors import ApiError
from api.models import Claim, ListRecord, Order, Transfer, now
from api.records import find_record, parse
from matcher.domain import Project, Venue
from matcher.problem import venue_issue

STAGE_ORDER = ("hearing", "running", "evaluated")


def lock_order(session: Session, order_id: int) -> Order:
    order = session.scalar(select(Order).where(Order.id == order_id).with_for_update())
    if order is None:
        raise ApiError(404, f"no order {order_id}")
    return order


def active_claims(session: Session, order_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Claim).where(
        Claim.order_id == order_id, Claim.status == "active")) or 0


def _unknown_unit(unit: str, scenario_id: int, field: str) -> ApiError:
    return ApiError(422, f"unit {unit!r} is not in the resources list (资源清单) of scenario {scenario_id}",
                    {"json": {field: [f"unknown unit {unit!r}"]}})


def _check_unit(session: Session, order: Order, unit: str, field: str) -> None:
    if find_record(session, order.scenario_id, "resources", unit) is None:
        raise _unknown_unit(unit, order.scenario_id, field)


#: The claim path's statements, built once (building SQLAlchemy expressions per request cost more
#: CPU than running them): the order's row, locked, with whether the unit is in its scenario ...
_ORDER_ROW = (select(Order.scenario_id, Order.slots, Order.stage,
                     select(ListRecord.id).where(ListRecord.scenario_id == Order.scenario_id,
                                                 ListRecord.list_name == "resources",
                                                 ListRecord.record_id == bindparam("unit")).exists())
              .where(Order.id == bindparam("order_id")).with_for_update(of=Order))
#: ... a claim made earlier with the same Idempotency-Key ...
_EARLIER = select(Claim).where(Claim.unit == bindparam("unit"), Claim.idempotency_key == bindparam("key"))
#: ... the order's active claims, and the unit's among them ...
_TAKEN = (select(func.count(), func.max(case((Claim.unit == bindparam("unit"), Claim.id))))
          .where(Claim.order_id == bindparam("order_id"), Claim.status == "active"))
#: ... and the new claim's row (Core, no unit-of-work flush).
_INSERT = insert(Claim.__table__).returning(Claim.__table__.c.id)


def claim(session: Session, actor: Principal, order_id: int, unit: str,
          idempotency_key: str | None) -> tuple[Claim, bool]:
    """Claim one slot of an order for ``unit``; return the claim and whether it is new."""
    conn = session.connection()  # Core execution in the session's transaction: no ORM result handling
    found = conn.execute(_ORDER_ROW, {"unit": unit, "order_id": order_id}).first()
    if found is None:
        raise ApiError(404, f"no order {order_id}")
    scenario_id, slots, stage, unit_known = found
    if idempotency_key:
        earlier = session.scalar(_EARLIER, {"unit": unit, "key": idempotency_key})
        if earlier is not None:
            if earlier.order_id != order_id:
                raise ApiError(422, "this Idempotency-Key was used for a claim of another order",
                               {"headers": {"Idempotency-Key": ["already used for another order"]}})
            return earlier, False
    if stage == "evaluated":
        raise ApiError(409, f"order {order_id} is evaluated and closed to claims")
    if not unit_known:
        raise _unknown_unit(unit, scenario_id, "unit")
    taken, mine = conn.execute(_TAKEN, {"unit": unit, "order_id": order_id}).one()
    if mine is not None:
        raise ApiError(409, f"unit {unit!r} already holds claim {mine} on order {order_id}")
    if taken >= slots:
        raise ApiError(409, f"order {order_id} is full: {taken} of {slots} slots claimed")
    at = now()
    new = Claim(order_id=order_id, unit=unit, status="active", idempotency_key=idempotency_key or None,
                created_at=at, updated_at=at)
    try:
        new.id = conn.execute(_INSERT, {"order_id": order_id, "unit": unit, "status": "active",
                                        "idempotency_key": new.idempotency_key, "created_at": at,
                                        "updated_at": at}).scalar_one()
    except IntegrityError:  # the same key, used at this moment for another order
        raise ApiError(409, "this Idempotency-Key is in use by another claim",
                       {"headers": {"Idempotency-Key": ["in use"]}}) from None
    audit.record(session, actor, "claim.create", "claim", new.id, scenario_id, order=order_id, unit=unit,
                 slot=taken + 1, slots=slots)
    return new, True


def withdraw(session: Session, actor: Principal, claim_id: int) -> Claim:
    """Withdraw an active claim; the slot frees up. Pending transfers of it lapse."""
    found = session.get(Claim, claim_id)
    if found is None:
        raise ApiError(404, f"no claim {claim_id}")
    if not (actor.is_planner or actor.is_unit(found.unit)):
        raise ApiError(403, f"{actor.name} may not withdraw unit {found.unit!r}'s claim")
    order = lock_order(session, found.order_id)
    session.refresh(found)
    if found.status != "active":
        raise ApiError(409, f"claim {claim_id} is already {found.status}")
    found.status = "withdrawn"
    for transfer in session.scalars(select(Transfer).where(Transfer.claim_id == claim_id,
                                                            Transfer.status == "pending")):
        transfer.status, transfer.decided_at = "lapsed", now()
    audit.record(session, actor, "claim.withdraw", "claim", claim_id, order.scenario_id, order=order.id,
                 unit=found.unit)
    return found


def offer_transfer(session: Session, actor: Principal, claim_id: int, to_unit: str) -> Transfer:
    """The holder offers its claim to another unit; nothing changes until the receiver accepts."""
    found = session.get(Claim, claim_id)
    if found is None:
        raise ApiError(404, f"no claim {claim_id}")
    if not actor.is_unit(found.unit):
        raise ApiError(403, f"only unit {found.unit!r} may transfer its claim; this token is {actor.name}'s")
    if found.status != "active":
        raise ApiError(409, f"claim {claim_id} is {found.status}")
    if to_unit == found.unit:
        raise ApiError(422, "a claim cannot be transferred to its own unit", {"json": {"to_unit": ["same unit"]}})
    order = session.get(Order, found.order_id)
    assert order is not None
    _check_unit(session, order, to_unit, "to_unit")
    offer = Transfer(claim_id=claim_id, from_unit=found.unit, to_unit=to_unit, status="pending")
    session.add(offer)
    session.flush()
    audit.record(session, actor, "transfer.offer", "transfer", offer.id, order.scenario_id, claim=claim_id,
                 to_unit=to_unit)
    return offer


def decide_transfer(session: Session, actor: Principal, transfer_id: int, accept: bool) -> Transfer:
    """The receiving unit accepts (the claim becomes its own) or declines the offer."""
    offer = session.get(Transfer, transfer_id)
    if offer is None:
        raise ApiError(404, f"no transfer {transfer_id}")
    if not actor.is_unit(offer.to_unit):
        raise ApiError(403, f"only unit {offer.to_unit!r} may answer this transfer; this token is {actor.name}'s")
    found = session.get(Claim, offer.claim_id)
    assert found is not None
    order = lock_order(session, found.order_id)
    session.refresh(offer)
    session.refresh(found)
    if offer.status != "pending":
        raise ApiError(409, f"transfer {transfer_id} is already {offer.status}")
    if accept:
        if found.status != "active" or found.unit != offer.from_unit:
            raise ApiError(409, f"claim {found.id} is no longer {offer.from_unit!r}'s to give")
        held = session.scalar(select(Claim).where(Claim.order_id == order.id, Claim.unit == offer.to_unit,
                                                  Claim.status == "active"))
        if held is not None:
            raise ApiError(409, f"unit {offer.to_unit!r} already holds claim {held.id} on order {order.id}")
        found.unit = offer.to_unit
    offer.status, offer.decided_at = ("accepted" if accept else "declined"), now()
    audit.record(session, actor, f"transfer.{offer.status}", "transfer", transfer_id, order.scenario_id,
                 claim=found.id, from_unit=offer.from_unit, to_unit=offer.to_unit)
    return offer


def create_order(session: Session, actor: Principal, scenario_id: int, project: str, community: str,
                 slots: int | None, note: str, venue: str = "") -> Order:
    """A community orders a catalogue project (点单), at a venue where the project needs one; it
    starts at its hearing (听证会)."""
    if not (actor.is_planner or actor.is_community(community)):
        raise ApiError(403, f"{actor.name} may not order for community {community!r}")
    row = find_record(session, scenario_id, "projects", project)
    if row is None:
        raise ApiError(422, f"no project {project!r} in the projects list (项目清单)",
                       {"json": {"project": [f"unknown project {project!r}"]}})
    if find_record(session, scenario_id, "communities", community) is None:
        raise ApiError(422, f"no community {community!r} in scenario {scenario_id}",
                       {"json": {"community": [f"unknown community {community!r}"]}})
    station = find_record(session, scenario_id, "venues", venue) if venue else None
    issue = venue_issue(cast(Project, parse("projects", row.data)), venue,
                        cast(Venue, parse("venues", station.data)) if station else None)
    if issue:
        raise ApiError(422, issue, {"json": {"venue": [issue]}})
    order = Order(scenario_id=scenario_id, project=project, community=community, venue=venue,
                  slots=slots or int(row.data.get("provider_slots", 1)), stage="hearing", comments="", note=note,
                  created_by=actor.name)
    session.add(order)
    session.flush()
    audit.record(session, actor, "order.create", "order", order.id, scenario_id, project=project,
                 community=community, venue=venue, slots=order.slots)
    return order


def advance(session: Session, actor: Principal, order_id: int, stage: str, score: float | None,
            comments: str | None) -> Order:
    """Move an order one step through the 三会; evaluating needs a score."""
    order = lock_order(session, order_id)
    if not (actor.is_planner or actor.is_community(order.community)):
        raise ApiError(403, f"{actor.name} may not change community {order.community!r}'s order")
    current, target = STAGE_ORDER.index(order.stage), STAGE_ORDER.index(stage)
    if target != current + 1:
        raise ApiError(409, f"order {order_id} is at {order.stage!r}; the next stage is "
                       + (repr(STAGE_ORDER[current + 1]) if current + 1 < len(STAGE_ORDER) else "none"))
    if stage == "evaluated" and score is None:
        raise ApiError(422, "an evaluation (评议会) needs a score", {"json": {"score": ["required to evaluate"]}})
    if stage != "evaluated" and score is not None:
        raise ApiError(422, "a score is given at the evaluation only", {"json": {"score": ["only when evaluating"]}})
    order.stage = stage
    if score is not None:
        order.score = score
    if comments:
        order.comments = comments
    audit.record(session, actor, f"order.{stage}", "order", order_id, order.scenario_id, score=score,
                 comments=comments or "")
    return order
