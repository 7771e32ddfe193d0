"""The audit log, for planners: who changed what, when."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from sqlalchemy import select

from api.auth import require_planner
from api.models import AuditEntry
from api.parser import Blueprint
from api.schemas import AuditPageSchema, AuditQuery
from api.views.common import paged, store

blp = Blueprint("audit", __name__, url_prefix="/audit", description="The audit log of every change")


@blp.route("")
class AuditLog(MethodView):
    @blp.arguments(AuditQuery, location="query")
    @blp.response(200, AuditPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Entries oldest first, filtered by entity, entity id, actor and action."""
        require_planner()
        with store().read() as session:
            query = select(AuditEntry)
            for key in ("entity", "entity_id", "actor", "action"):
                if key in args:
                    query = query.where(getattr(AuditEntry, key) == args[key])
            return paged(session, query.order_by(AuditEntry.id), args["page"], args["page_size"])
