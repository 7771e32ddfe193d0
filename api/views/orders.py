"""Orders of catalogue projects by communities (点单) and their 三会 lifecycle."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from sqlalchemy import func, select

from api import claims as service
from api.auth import current_principal
from api.models import Claim, Order, Scenario
from api.parser import Blueprint
from api.schemas import CancelSchema, OrderCreateSchema, OrderPageSchema, OrderQuery, OrderSchema, StageSchema
from api.views.common import MAX_ID, get_or_404, paged, store

blp = Blueprint("orders", __name__, description="Project orders by communities (点单) and the 三会 lifecycle")


ORDER_FIELDS = (
    "id",
    "scenario_id",
    "project",
    "community",
    "venue",
    "slots",
    "stage",
    "score",
    "comments",
    "note",
    "cancel_reason",
    "created_by",
    "created_at",
    "updated_at",
)


def order_fields(order: Order) -> dict[str, Any]:
    return {name: getattr(order, name) for name in ORDER_FIELDS}


def order_view(session: Any, order: Order) -> dict[str, Any]:
    return {**order_fields(order), "claimed": service.active_claims(session, order.id)}


@blp.route(f"/scenarios/<int(max={MAX_ID}):scenario_id>/orders")
class Orders(MethodView):
    @blp.arguments(OrderQuery, location="query")
    @blp.response(200, OrderPageSchema)
    def get(self, args: dict[str, Any], scenario_id: int) -> dict[str, Any]:
        """List a scenario's orders, filtered by community, project and stage."""
        current_principal()
        with store().read() as session:
            get_or_404(session, Scenario, scenario_id, "scenario")
            query = select(Order).where(Order.scenario_id == scenario_id)
            for key in ("community", "project", "stage"):
                if key in args:
                    query = query.where(getattr(Order, key) == args[key])
            page = paged(session, query.order_by(Order.id), args["page"], args["page_size"])
            counts = dict(
                session.execute(
                    select(Claim.order_id, func.count())
                    .where(Claim.order_id.in_([o.id for o in page["items"]]), Claim.status == "active")
                    .group_by(Claim.order_id)
                ).all()
            )
            page["items"] = [{**order_fields(o), "claimed": counts.get(o.id, 0)} for o in page["items"]]
            return page

    @blp.arguments(OrderCreateSchema)
    @blp.response(201, OrderSchema)
    def post(self, body: dict[str, Any], scenario_id: int) -> dict[str, Any]:
        """A community orders a project (its own community's token, or a planner's)."""
        actor = current_principal()
        with store().write() as session:
            get_or_404(session, Scenario, scenario_id, "scenario")
            order = service.create_order(
                session,
                actor,
                scenario_id,
                body["project"],
                body["community"],
                body.get("slots"),
                body.get("note", ""),
                body.get("venue", ""),
            )
            return order_view(session, order)


@blp.route(f"/orders/<int(max={MAX_ID}):order_id>")
class OrderById(MethodView):
    @blp.response(200, OrderSchema)
    def get(self, order_id: int) -> dict[str, Any]:
        """One order with its count of active claims."""
        current_principal()
        with store().read() as session:
            return order_view(session, get_or_404(session, Order, order_id, "order"))


@blp.route(f"/orders/<int(max={MAX_ID}):order_id>/stage")
class OrderStage(MethodView):
    @blp.arguments(StageSchema)
    @blp.response(200, OrderSchema)
    def post(self, body: dict[str, Any], order_id: int) -> dict[str, Any]:
        """Advance an order: hearing (听证会) -> running (协调会) -> evaluated (评议会, with a score)."""
        actor = current_principal()
        with store().write() as session:
            order = service.advance(session, actor, order_id, body["stage"], body.get("score"), body.get("comments"))
            return order_view(session, order)


@blp.route(f"/orders/<int(max={MAX_ID}):order_id>/cancel")
class OrderCancel(MethodView):
    @blp.arguments(CancelSchema)
    @blp.response(200, OrderSchema)
    def post(self, body: dict[str, Any], order_id: int) -> dict[str, Any]:
        """Cancel an order at its hearing (听证会) with the reason (the community or a planner); its
        claims are cancelled."""
        actor = current_principal()
        with store().write() as session:
            return order_view(session, service.cancel(session, actor, order_id, body["reason"]))
