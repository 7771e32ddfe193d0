"""Claims by units (认领): claim a slot of an order, withdraw, list a unit's claims, and hand a
claim to another unit, which takes effect when the receiver accepts."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from sqlalchemy import select

from api import claims as service
from api.auth import checks_token_itself, current_principal, token_hash
from api.errors import ApiError
from api.models import Claim, Order, Transfer
from api.parser import Blueprint
from api.schemas import (
    ClaimCreateSchema,
    ClaimListSchema,
    ClaimQuery,
    ClaimSchema,
    IdempotencyHeader,
    TransferCreateSchema,
    TransferSchema,
)
from api.views.common import MAX_ID, claims_writer, get_or_404, rules, store

blp = Blueprint("claims", __name__, description="Claims by units (认领) and their transfers")


@blp.route(f"/orders/<int(max={MAX_ID}):order_id>/claims")
class OrderClaims(MethodView):
    @blp.arguments(ClaimQuery, location="query")
    @blp.response(200, ClaimListSchema)
    def get(self, args: dict[str, Any], order_id: int) -> dict[str, Any]:
        """The claims of an order that the caller may see (planners and the ordering community see
        all; a unit its own): claims are private to their parties; the order's open slots are public."""
        actor = current_principal()
        with store().read() as session:
            order = get_or_404(session, Order, order_id, "order")
            query = select(Claim).where(Claim.order_id == order_id)
            if "status" in args:
                query = query.where(Claim.status == args["status"])
            found = session.scalars(query.order_by(Claim.id)).all()
            return {"items": [c for c in found if service.may_see(actor, c, order, session)]}

    # schema instances, not classes: webargs would build a schema per request from a class
    @checks_token_itself
    @blp.arguments(IdempotencyHeader(), location="headers")
    @blp.arguments(ClaimCreateSchema())
    @blp.response(201, ClaimSchema)
    @blp.alt_response(200, schema=ClaimSchema, description="a retry with a known Idempotency-Key: the first claim")
    def post(self, headers: dict[str, Any], body: dict[str, Any], order_id: int) -> Any:
        """Claim one slot of an order for a unit (that unit's token); 409 when the order is full or
        closed, 422 naming the rule when the unit may not claim the project (kind, category,
        skills, reach, pairing)."""
        actor = current_principal()
        unit = body["unit"]
        if not actor.is_unit(unit):
            raise ApiError(403, f"{actor.name} may not claim for unit {unit!r}")
        cache, token = rules(), token_hash()
        made, new = service.claim_slot(claims_writer(), cache, actor, token, order_id, unit, headers.get("key"))
        return made, (201 if new else 200)


@blp.route(f"/claims/<int(max={MAX_ID}):claim_id>")
class ClaimById(MethodView):
    @blp.response(200, ClaimSchema)
    def get(self, claim_id: int) -> Claim:
        """One claim, to its parties only (404 to others)."""
        actor = current_principal()
        with store().read() as session:
            found = session.get(Claim, claim_id)
            order = session.get(Order, found.order_id) if found is not None else None
            if found is None or order is None or not service.may_see(actor, found, order, session):
                raise ApiError(404, f"no claim {claim_id}")
            return found

    @blp.response(200, ClaimSchema)
    def delete(self, claim_id: int) -> Claim:
        """Withdraw a claim (its unit, or a planner); the record stays, marked withdrawn. A claim on
        an evaluated order cannot be withdrawn."""
        actor = current_principal()
        with store().write() as session:
            return service.withdraw(session, actor, claim_id)


@blp.route("/units/<name:unit>/claims")
class UnitClaims(MethodView):
    @blp.arguments(ClaimQuery, location="query")
    @blp.response(200, ClaimListSchema)
    def get(self, args: dict[str, Any], unit: str) -> dict[str, Any]:
        """A unit's claims (that unit's token, or a planner's)."""
        actor = current_principal()
        if not (actor.is_planner or actor.is_unit(unit)):
            raise ApiError(403, f"{actor.name} may not read unit {unit!r}'s claims")
        with store().read() as session:
            query = select(Claim).where(Claim.unit == unit)
            if "status" in args:
                query = query.where(Claim.status == args["status"])
            return {"items": session.scalars(query.order_by(Claim.id)).all()}


@blp.route(f"/claims/<int(max={MAX_ID}):claim_id>/transfers")
class ClaimTransfers(MethodView):
    @blp.arguments(TransferCreateSchema)
    @blp.response(201, TransferSchema)
    def post(self, body: dict[str, Any], claim_id: int) -> Transfer:
        """Offer a claim to another unit (the holder's token)."""
        actor = current_principal()
        cache = rules()
        return service.write_with_rules(
            claims_writer(),
            cache,
            lambda session: service.offer_transfer(session, cache, actor, claim_id, body["to_unit"]),
        )


@blp.route(f"/transfers/<int(max={MAX_ID}):transfer_id>")
class TransferById(MethodView):
    @blp.response(200, TransferSchema)
    def get(self, transfer_id: int) -> Transfer:
        """One transfer offer (either unit's token, or a planner's)."""
        actor = current_principal()
        with store().read() as session:
            offer = get_or_404(session, Transfer, transfer_id, "transfer")
            if not (actor.is_planner or actor.is_unit(offer.from_unit) or actor.is_unit(offer.to_unit)):
                raise ApiError(404, f"no transfer {transfer_id}")
            return offer


@blp.route(f"/transfers/<int(max={MAX_ID}):transfer_id>/accept")
class TransferAccept(MethodView):
    @blp.response(200, TransferSchema)
    def post(self, transfer_id: int) -> Transfer:
        """The receiving unit accepts: the claim becomes its own."""
        actor = current_principal()
        with store().write() as session:
            return service.decide_transfer(session, actor, transfer_id, accept=True)


@blp.route(f"/transfers/<int(max={MAX_ID}):transfer_id>/decline")
class TransferDecline(MethodView):
    @blp.response(200, TransferSchema)
    def post(self, transfer_id: int) -> Transfer:
        """The receiving unit declines: the claim stays with its holder."""
        actor = current_principal()
        with store().write() as session:
            return service.decide_transfer(session, actor, transfer_id, accept=False)
