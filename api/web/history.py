"""History (审计): the audit log's entries for one order, claim or need, oldest first, written by
the API's services in each change's own transaction (:mod:`api.audit`). An order's history
holds its claims' entries and a claim's its transfers'. Planners see every history; a community
its own orders and the claims on them; a unit the claims it is a party to (:func:`api.claims.may_see`)."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from api import claims as service
from api.auth import Principal
from api.models import AuditEntry, Claim, Order
from api.views.common import store
from api.web.blueprint import blp
from api.web.session import login_required, signed_in
from api.web.terms import ACTIONS

#: The entities with a history, and the entity whose entries belong to them (by a detail field).
RELATED = {"order": ("claim", "order"), "claim": ("transfer", "claim"), "needs": None}


def _scenario_of(session: Session, actor: Principal, entity: str, entity_id: str) -> int:
    """The scenario the entity is in, when ``actor`` may read its history; 404 otherwise."""
    if entity == "needs":
        scenario = request.args.get("scenario", type=int)
        if not actor.is_planner or scenario is None:
            abort(404)
        return scenario
    if not entity_id.isdigit():
        abort(404)
    if entity == "order":
        order = session.get(Order, int(entity_id))
        if order is None or not (actor.is_planner or actor.is_community(order.community)):
            abort(404)
        return order.scenario_id
    claim = session.get(Claim, int(entity_id))
    order = session.get(Order, claim.order_id) if claim is not None else None
    if claim is None or order is None or not service.may_see(actor, claim, order, session):
        abort(404)
    return order.scenario_id


def entries(session: Session, scenario_id: int, entity: str, entity_id: str) -> list[AuditEntry]:
    """The entity's own entries and those of its related entity that name it, oldest first."""
    mine = (AuditEntry.entity == entity) & (AuditEntry.entity_id == entity_id)
    related = RELATED[entity]
    if related:
        kind, field = related
        mine |= (AuditEntry.entity == kind) & (AuditEntry.detail[field].as_integer() == int(entity_id))
    query = select(AuditEntry).where(AuditEntry.scenario_id == scenario_id, mine).order_by(AuditEntry.id)
    return list(session.scalars(query))


@blp.get("/web/history/<any(order, claim, needs):entity>/<entity_id>")
@login_required()
def history(entity: str, entity_id: str) -> str:
    actor = signed_in()
    assert actor is not None
    with store().read() as session:
        scenario_id = _scenario_of(session, actor, entity, entity_id)
        found = entries(session, scenario_id, entity, entity_id)
    return render_template(
        "history.html", entity=entity, entity_id=entity_id, entries=found, actions=ACTIONS, detail_text=detail_text
    )


def detail_text(detail: dict[str, Any]) -> str:
    return "; ".join(f"{key}: {value}" for key, value in detail.items() if value not in ("", None))
