"""Orders (点单) and claims (认领) as transactions: the checks and the write share one transaction,
so no order ever holds more active claims than slots.

Every change of a claim (claim, withdraw, transfer, cancel) first locks the claim's order row
(``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite :meth:`api.db.Store.write` has already taken
the database write lock with ``BEGIN IMMEDIATE``) and only then reads the claim and checks who
may act on it, so no check is made on a row another transaction is changing. A claim is checked
against the core's claim rules (:mod:`api.eligibility`). An ``Idempotency-Key`` belongs to the
unit and the order it was first sent with: a retry returns the claim it made the first time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import bindparam, case, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api import audit
from api.auth import LIVE_TOKEN, Principal
from api.claim_statement import Outcome, call_claim_slot, order_facts
from api.db import Store
from api.eligibility import Facts, Missing, RulesCache
from api.errors import ApiError
from api.group_commit import GroupCommit
from api.models import Claim, IdempotencyKey, ListRecord, Order, Scenario, Transfer, now
from api.prepared import Prepared
from api.records import OPEN_STAGES, find_record, parse
from matcher.domain import Project, Venue
from matcher.problem import venue_issue

T = TypeVar("T")
STAGE_ORDER = ("hearing", "running", "evaluated")


def write_with_rules(writer: GroupCommit, rules: RulesCache, work: Callable[[Session], T]) -> T:
    """Run ``work`` in a write transaction (committed with others queued at the same moment, see
    :mod:`api.group_commit`); when it needs claim rules ``rules`` does not hold yet, build them in
    a read (no lock held) and run it again."""
    return _with_rules(writer.store, rules, lambda: writer.run(work))


def _with_rules(store: Store, rules: RulesCache, attempt: Callable[[], T]) -> T:
    """``attempt()``, again after building the claim rules it found missing (in a read, no lock held)."""
    for _ in range(3):
        try:
            return attempt()
        except Missing as missing:
            with store.read() as session:
                rules.build(session, missing.scenario_id)
    raise ApiError(503, "the scenario's lists keep changing; try again shortly")


def lock_order(session: Session, order_id: int) -> Order:
    order = session.scalar(
        select(Order).where(Order.id == order_id).with_for_update().execution_options(populate_existing=True)
    )
    if order is None:
        raise ApiError(404, f"no order {order_id}")
    return order


def active_claims(session: Session, order_id: int) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(Claim).where(Claim.order_id == order_id, Claim.status == "active")
        )
        or 0
    )


def may_see(actor: Principal, claim: Claim, order: Order, session: Session) -> bool:
    """A claim is private to its parties: planners, the unit holding it, the community whose order
    it is, and the units a transfer of it was offered by or to."""
    if actor.is_planner or actor.is_unit(claim.unit) or actor.is_community(order.community):
        return True
    return (
        actor.role == "unit"
        and session.scalar(
            select(Transfer.id)
            .where(
                Transfer.claim_id == claim.id,
                (Transfer.from_unit == actor.subject) | (Transfer.to_unit == actor.subject),
            )
            .limit(1)
        )
        is not None
    )


def locked_claim(session: Session, actor: Principal, claim_id: int) -> tuple[Claim, Order]:
    """The claim and its order, the order locked first and the claim read after the lock; 404
    when there is no such claim or it is not the actor's to see."""
    order_id = session.scalar(select(Claim.order_id).where(Claim.id == claim_id))  # never changes
    if order_id is None:
        raise ApiError(404, f"no claim {claim_id}")
    order = lock_order(session, order_id)
    found = session.scalar(select(Claim).where(Claim.id == claim_id).execution_options(populate_existing=True))
    assert found is not None  # claims are deleted only with their order, which we hold
    if not may_see(actor, found, order, session):
        raise ApiError(404, f"no claim {claim_id}")
    return found, order


def _unknown_unit(unit: str, scenario_id: int, field: str) -> ApiError:
    return ApiError(
        422,
        f"unit {unit!r} is not in the resources list (资源清单) of scenario {scenario_id}",
        {"json": {field: [f"unknown unit {unit!r}"]}},
    )


def check_rules(
    rules: RulesCache, scenario_id: int, version: int, project: str, community: str, unit: str, field: str
) -> None:
    """422 naming the claim rule ``unit`` breaks for an order of ``project`` by ``community``."""
    rule = rules.lookup(scenario_id, version).broken(project, community, unit)
    if rule is not None:
        message = f"{rule.value}: {rule.label}"
        raise ApiError(
            422,
            f"unit {unit!r} may not claim project {project!r} ordered by {community!r}: {message}",
            {"json": {field: [message]}},
        )


#: The claim path's statements, built once (building SQLAlchemy expressions per request cost more
#: CPU than running them): the order's row, locked, with its scenario's lists version, whether
#: the unit is in its scenario and whether the caller's token is live ...
_ORDER_ROW = Prepared(
    select(
        LIVE_TOKEN,
        Order.scenario_id,
        Order.slots,
        Order.stage,
        Order.project,
        Order.community,
        Scenario.lists_version,
        select(ListRecord.id)
        .where(
            ListRecord.scenario_id == Order.scenario_id,
            ListRecord.list_name == "resources",
            ListRecord.record_id == bindparam("unit"),
        )
        .exists(),
    )
    .join(Scenario, Scenario.id == Order.scenario_id)
    .where(Order.id == bindparam("order_id"))
    .with_for_update(of=Order)
)
#: ... the order and claim an Idempotency-Key of this unit was first used with ...
_EARLIER = Prepared(
    select(IdempotencyKey.order_id, IdempotencyKey.claim_id).where(
        IdempotencyKey.unit == bindparam("unit"), IdempotencyKey.key == bindparam("key")
    )
)
#: ... the order's active claims, and the unit's among them ...
_TAKEN = Prepared(
    select(func.count(), func.max(case((Claim.unit == bindparam("unit"), Claim.id)))).where(
        Claim.order_id == bindparam("order_id"), Claim.status == "active"
    )
)
#: ... and the new claim's row and its key's (Core, no unit-of-work flush).
_INSERT = Prepared(
    insert(Claim.__table__).returning(Claim.__table__.c.id),  # type: ignore[arg-type]  # SQLAlchemy types __table__ as FromClause; it is a Table
    ("order_id", "unit", "status", "created_at", "updated_at"),
)
_INSERT_KEY = Prepared(
    insert(IdempotencyKey.__table__),  # type: ignore[arg-type]  # SQLAlchemy types __table__ as FromClause; it is a Table
    ("unit", "key", "order_id", "claim_id"),
)
_KEY_IN_USE = ApiError(
    422,
    "this Idempotency-Key was used for a claim of another order",
    {"headers": {"Idempotency-Key": ["already used for another order"]}},
)


def claim_slot(
    writer: GroupCommit,
    rules: RulesCache,
    actor: Principal,
    token: str,
    order_id: int,
    unit: str,
    idempotency_key: str | None,
) -> tuple[Claim | dict[str, Any], bool]:
    """:func:`claim` in a write transaction of its own; on PostgreSQL the usual claim (a slot made
    or refused as taken) runs first on a driver connection (:func:`_claim_directly`)."""
    if not writer.store.is_sqlite:
        args = (rules, actor, token, order_id, unit, idempotency_key or "")
        made = _with_rules(writer.store, rules, lambda: _claim_directly(writer.store, *args))
        if made is not None:
            return made, True
    return write_with_rules(
        writer, rules, lambda session: claim(session, rules, actor, token, order_id, unit, idempotency_key)
    )


def _claim_directly(
    store: Store, rules: RulesCache, actor: Principal, token: str, order_id: int, unit: str, key: str
) -> dict[str, Any] | None:
    """The claim on PostgreSQL in one call of the database function ``claim_slot``
    (:mod:`api.claim_statement`), after the claim rules were checked here at the lists version last
    seen (again when the function finds the lists changed). None, with nothing written, when the
    answer is another (401, 404, a known key, the stage, the unit, a rule): :func:`claim` gives it."""
    with store.raw_autocommit() as conn, conn.cursor() as cursor:
        found = order_facts(cursor, rules.orders, order_id)
        for _ in range(3):
            if found is None or _broken_rule(rules, *found, unit):
                return None
            facts, version = found
            at = now()
            try:
                done = call_claim_slot(cursor, order_id, unit, token, key, version, at, actor.name)
            except conn.IntegrityError:  # the same key, sent at this moment for another order
                raise _KEY_IN_USE from None
            if done.outcome != "stale":
                return _answered(done, order_id, unit, at)
            assert done.version is not None  # read under the lock
            rules.orders.saw(facts.scenario_id, done.version)
            found = facts, done.version
    return None


def _answered(done: Outcome, order_id: int, unit: str, at: datetime) -> dict[str, Any] | None:
    """The claim ``claim_slot`` made (409 when the unit holds one or the order is full); None
    for an answer :func:`claim` gives."""
    if done.outcome not in ("made", "mine", "full"):
        return None
    assert done.slots is not None and done.taken is not None  # read under the lock
    _check_slot(order_id, unit, done.slots, done.taken, done.claim_id if done.outcome == "mine" else None)
    assert done.claim_id is not None  # made
    return _answer(done.claim_id, order_id, unit, at)


def _broken_rule(rules: RulesCache, facts: Facts, version: int, unit: str) -> bool:
    """Whether the rules at ``version`` refuse ``unit`` the order, or do not know the unit, the
    project or the community (:func:`claim` then names the refusal)."""
    found = rules.lookup(facts.scenario_id, version)
    if unit not in found.resources or facts.project not in found.projects or facts.community not in found.communities:
        return True
    return found.broken(facts.project, facts.community, unit) is not None


def claim(
    session: Session,
    rules: RulesCache,
    actor: Principal,
    token: str,
    order_id: int,
    unit: str,
    idempotency_key: str | None,
) -> tuple[Claim | dict[str, Any], bool]:
    """Claim one slot of an order for ``unit``, if the caller's token (hash ``token``) is live;
    return the claim and whether it is new. The answers, in this order: token (401), order (404),
    a known Idempotency-Key (its first claim, or 422 when it was used for another order), the
    order's stage (409), the unit and the claim rules (422), the unit's own claim and a free slot (409)."""
    conn = session.connection()  # Core execution in the session's transaction: no ORM result handling
    found = _ORDER_ROW.run(conn, {"unit": unit, "order_id": order_id, "token": token}).first()
    live = found[0] if found is not None else conn.execute(select(LIVE_TOKEN), {"token": token}).scalar()
    if not live:
        raise ApiError(401, "unknown or revoked token")
    if found is None:
        raise ApiError(404, f"no order {order_id}")
    _, scenario_id, slots, stage, project, community, version, unit_known = found
    rules.orders.saw(scenario_id, version)
    if idempotency_key:
        earlier = _EARLIER.run(conn, {"unit": unit, "key": idempotency_key}).first()
        if earlier is not None:
            return _retried(session, order_id, earlier.order_id, earlier.claim_id), False
    refusal = _refusal(rules, order_id, stage, scenario_id, version, project, community, unit, unit_known)
    if refusal is not None:
        raise refusal
    taken, mine = _TAKEN.run(conn, {"unit": unit, "order_id": order_id}).one()
    _check_slot(order_id, unit, slots, taken, mine)
    return _insert(session, actor, order_id, unit, idempotency_key or "", now(), scenario_id, taken, slots), True


def _check_slot(order_id: int, unit: str, slots: int, taken: int, mine: int | None) -> None:
    """409 when ``unit`` already holds claim ``mine`` on the order or its slots are all taken."""
    if mine is not None:
        raise ApiError(409, f"unit {unit!r} already holds claim {mine} on order {order_id}")
    if taken >= slots:
        raise ApiError(409, f"order {order_id} is full: {taken} of {slots} slots claimed")


def _refusal(
    rules: RulesCache,
    order_id: int,
    stage: str,
    scenario_id: int,
    version: int,
    project: str,
    community: str,
    unit: str,
    unit_known: bool,
) -> ApiError | None:
    """Why ``unit`` may not claim the order at all (its stage, an unknown unit, a claim rule), if it may not."""
    if stage not in OPEN_STAGES:
        return ApiError(409, f"order {order_id} is {stage} and closed to claims")
    if not unit_known:
        return _unknown_unit(unit, scenario_id, "unit")
    try:
        check_rules(rules, scenario_id, version, project, community, unit, "unit")
    except ApiError as broken:
        return broken
    return None


def _retried(session: Session, order_id: int, earlier_order: int, earlier_claim: int) -> Claim:
    """The claim an Idempotency-Key made the first time; 422 when it was made for another order."""
    if earlier_order != order_id:
        raise _KEY_IN_USE
    made = session.get(Claim, earlier_claim)
    assert made is not None  # a key is deleted only with its claim
    return made


def _answer(claim_id: int, order_id: int, unit: str, at: datetime) -> dict[str, Any]:
    """A new claim as answered: a mapping, no ORM object needed."""
    return {"id": claim_id, "order_id": order_id, "unit": unit, "status": "active", "created_at": at, "updated_at": at}


def _insert(
    session: Session,
    actor: Principal,
    order_id: int,
    unit: str,
    key: str,
    at: datetime,
    scenario_id: int,
    taken: int,
    slots: int,
) -> dict[str, Any]:
    """Insert the claim, its Idempotency-Key (unless ``key`` is '') and its audit entry, statement by statement."""
    conn = session.connection()
    new = {"order_id": order_id, "unit": unit, "status": "active", "created_at": at, "updated_at": at}
    made = _INSERT.run(conn, new).scalar_one()
    if key:
        try:
            _INSERT_KEY.run(conn, {"unit": unit, "key": key, "order_id": order_id, "claim_id": made})
        except IntegrityError:  # the same key, sent at this moment for another order (the transaction rolls back)
            raise _KEY_IN_USE from None
    audit.record(
        session,
        actor,
        "claim.create",
        "claim",
        made,
        scenario_id,
        order=order_id,
        unit=unit,
        slot=taken + 1,
        slots=slots,
    )
    return _answer(made, order_id, unit, at)


def _lapse_transfers(
    session: Session, actor: Principal | str, claim: Claim, order: Order, why: str, keep: int | None = None
) -> None:
    """Pending offers of ``claim`` (but ``keep``) lapse, each with its audit entry."""
    for transfer in session.scalars(
        select(Transfer).where(Transfer.claim_id == claim.id, Transfer.status == "pending")
    ):
        if transfer.id == keep:
            continue
        transfer.status, transfer.decided_at = "lapsed", now()
        audit.record(
            session,
            actor,
            "transfer.lapsed",
            "transfer",
            transfer.id,
            order.scenario_id,
            claim=claim.id,
            from_unit=transfer.from_unit,
            to_unit=transfer.to_unit,
            why=why,
        )


def withdraw(session: Session, actor: Principal, claim_id: int) -> Claim:
    """Withdraw an active claim; the slot frees up. Pending transfers of it lapse. A claim on an
    evaluated order stays: the project ran with it."""
    found, order = locked_claim(session, actor, claim_id)
    if not (actor.is_planner or actor.is_unit(found.unit)):
        raise ApiError(403, f"{actor.name} may not withdraw unit {found.unit!r}'s claim")
    if found.status != "active":
        raise ApiError(409, f"claim {claim_id} is already {found.status}")
    if order.stage == "evaluated":
        raise ApiError(409, f"claim {claim_id} is on order {order.id}, which is evaluated (评议会): it stays")
    found.status = "withdrawn"
    _lapse_transfers(session, actor, found, order, "claim withdrawn")
    audit.record(
        session, actor, "claim.withdraw", "claim", claim_id, order.scenario_id, order=order.id, unit=found.unit
    )
    return found


def offer_transfer(session: Session, rules: RulesCache, actor: Principal, claim_id: int, to_unit: str) -> Transfer:
    """The holder offers its claim to another unit; nothing changes until the receiver accepts.
    The receiver must meet the claim rules for the order."""
    found, order = locked_claim(session, actor, claim_id)
    if not actor.is_unit(found.unit):
        raise ApiError(403, f"only unit {found.unit!r} may transfer its claim; this token is {actor.name}'s")
    if found.status != "active":
        raise ApiError(409, f"claim {claim_id} is {found.status}")
    if order.stage not in OPEN_STAGES:
        raise ApiError(409, f"order {order.id} is {order.stage}: its claims are no longer handed on")
    if to_unit == found.unit:
        raise ApiError(422, "a claim cannot be transferred to its own unit", {"json": {"to_unit": ["same unit"]}})
    if find_record(session, order.scenario_id, "resources", to_unit) is None:
        raise _unknown_unit(to_unit, order.scenario_id, "to_unit")
    version = session.scalar(select(Scenario.lists_version).where(Scenario.id == order.scenario_id))
    check_rules(rules, order.scenario_id, version or 0, order.project, order.community, to_unit, "to_unit")
    offer = Transfer(claim_id=claim_id, from_unit=found.unit, to_unit=to_unit, status="pending")
    session.add(offer)
    session.flush()
    audit.record(
        session, actor, "transfer.offer", "transfer", offer.id, order.scenario_id, claim=claim_id, to_unit=to_unit
    )
    return offer


def decide_transfer(session: Session, actor: Principal, transfer_id: int, accept: bool) -> Transfer:
    """The receiving unit accepts (the claim becomes its own; other offers of it lapse) or declines."""
    claim_id = session.scalar(select(Transfer.claim_id).where(Transfer.id == transfer_id))  # never changes
    if claim_id is None:
        raise ApiError(404, f"no transfer {transfer_id}")
    order_id = session.scalar(select(Claim.order_id).where(Claim.id == claim_id))
    assert order_id is not None
    order = lock_order(session, order_id)
    offer = session.scalar(select(Transfer).where(Transfer.id == transfer_id).execution_options(populate_existing=True))
    found = session.scalar(select(Claim).where(Claim.id == claim_id).execution_options(populate_existing=True))
    assert offer is not None and found is not None
    if not (actor.is_unit(offer.to_unit) or actor.is_unit(offer.from_unit) or actor.is_planner):
        raise ApiError(404, f"no transfer {transfer_id}")
    if not actor.is_unit(offer.to_unit):
        raise ApiError(403, f"only unit {offer.to_unit!r} may answer this transfer; this token is {actor.name}'s")
    if offer.status != "pending":
        raise ApiError(409, f"transfer {transfer_id} is already {offer.status}")
    if accept:
        if found.status != "active" or found.unit != offer.from_unit:
            raise ApiError(409, f"claim {found.id} is no longer {offer.from_unit!r}'s to give")
        held = session.scalar(
            select(Claim).where(Claim.order_id == order.id, Claim.unit == offer.to_unit, Claim.status == "active")
        )
        if held is not None:
            raise ApiError(409, f"unit {offer.to_unit!r} already holds claim {held.id} on order {order.id}")
        found.unit = offer.to_unit
        _lapse_transfers(session, actor, found, order, f"claim handed to {offer.to_unit!r}", keep=offer.id)
    offer.status, offer.decided_at = ("accepted" if accept else "declined"), now()
    audit.record(
        session,
        actor,
        f"transfer.{offer.status}",
        "transfer",
        transfer_id,
        order.scenario_id,
        claim=found.id,
        from_unit=offer.from_unit,
        to_unit=offer.to_unit,
    )
    return offer


def create_order(
    session: Session,
    actor: Principal,
    scenario_id: int,
    project: str,
    community: str,
    slots: int | None,
    note: str,
    venue: str = "",
) -> Order:
    """A community orders a catalogue project (点单), at a venue where the project needs one; it
    starts at its hearing (听证会)."""
    row = _orderable_project(session, actor, scenario_id, project, community, venue)
    order = Order(
        scenario_id=scenario_id,
        project=project,
        community=community,
        venue=venue,
        slots=slots or int(row.data.get("provider_slots", 1)),
        stage="hearing",
        comments="",
        note=note,
        created_by=actor.name,
    )
    session.add(order)
    session.flush()
    audit.record(
        session,
        actor,
        "order.create",
        "order",
        order.id,
        scenario_id,
        project=project,
        community=community,
        venue=venue,
        slots=order.slots,
    )
    return order


def _orderable_project(
    session: Session, actor: Principal, scenario_id: int, project: str, community: str, venue: str
) -> ListRecord:
    """The catalogue project's record, once the actor may order it for the community, the
    community is known and the venue suits the project; else 403 or 422 naming the field."""
    if not (actor.is_planner or actor.is_community(community)):
        raise ApiError(403, f"{actor.name} may not order for community {community!r}")
    row = find_record(session, scenario_id, "projects", project)
    if row is None:
        raise ApiError(
            422,
            f"no project {project!r} in the projects list (项目清单)",
            {"json": {"project": [f"unknown project {project!r}"]}},
        )
    if find_record(session, scenario_id, "communities", community) is None:
        raise ApiError(
            422,
            f"no community {community!r} in scenario {scenario_id}",
            {"json": {"community": [f"unknown community {community!r}"]}},
        )
    station = find_record(session, scenario_id, "venues", venue) if venue else None
    issue = venue_issue(
        cast(Project, parse("projects", row.data)),
        venue,
        cast(Venue, parse("venues", station.data)) if station else None,
    )
    if issue:
        raise ApiError(422, issue, {"json": {"venue": [issue]}})
    return row


def advance(
    session: Session, actor: Principal, order_id: int, stage: str, score: float | None, comments: str | None
) -> Order:
    """Move an order one step through the 三会; evaluating needs a score."""
    order = lock_order(session, order_id)
    if not (actor.is_planner or actor.is_community(order.community)):
        raise ApiError(403, f"{actor.name} may not change community {order.community!r}'s order")
    if order.stage not in STAGE_ORDER:
        raise ApiError(409, f"order {order_id} is {order.stage}: {order.cancel_reason}")
    current, target = STAGE_ORDER.index(order.stage), STAGE_ORDER.index(stage)
    if target != current + 1:
        raise ApiError(
            409,
            f"order {order_id} is at {order.stage!r}; the next stage is "
            + (repr(STAGE_ORDER[current + 1]) if current + 1 < len(STAGE_ORDER) else "none"),
        )
    if stage == "evaluated" and score is None:
        raise ApiError(422, "an evaluation (评议会) needs a score", {"json": {"score": ["required to evaluate"]}})
    if stage != "evaluated" and score is not None:
        raise ApiError(422, "a score is given at the evaluation only", {"json": {"score": ["only when evaluating"]}})
    order.stage = stage
    if score is not None:
        order.score = score
    if comments:
        order.comments = comments
    audit.record(
        session, actor, f"order.{stage}", "order", order_id, order.scenario_id, score=score, comments=comments or ""
    )
    return order


def cancel(session: Session, actor: Principal, order_id: int, reason: str) -> Order:
    """Cancel an order at its hearing (听证会), with the reason: its active claims are cancelled
    and their pending transfers lapse, each with its audit entry."""
    order = lock_order(session, order_id)
    if not (actor.is_planner or actor.is_community(order.community)):
        raise ApiError(403, f"{actor.name} may not cancel community {order.community!r}'s order")
    if order.stage != "hearing":
        raise ApiError(
            409, f"order {order_id} is at {order.stage!r}; only an order at its hearing (听证会) can be cancelled"
        )
    order.stage, order.cancel_reason = "cancelled", reason
    for held in session.scalars(select(Claim).where(Claim.order_id == order_id, Claim.status == "active")):
        held.status = "cancelled"
        _lapse_transfers(session, actor, held, order, "order cancelled")
        audit.record(
            session, actor, "claim.cancelled", "claim", held.id, order.scenario_id, order=order_id, unit=held.unit
        )
    audit.record(session, actor, "order.cancelled", "order", order_id, order.scenario_id, reason=reason)
    return order
