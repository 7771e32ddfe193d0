"""API tokens, issued by planners (``matcher tokens create`` issues them from the command line)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from api import audit
from api.auth import issue_token, require_planner
from api.errors import ApiError
from api.parser import Blueprint
from api.schemas import TokenCreateSchema, TokenSchema
from api.views.common import store

blp = Blueprint("tokens", __name__, url_prefix="/tokens", description="API tokens")


@blp.route("")
class Tokens(MethodView):
    @blp.arguments(TokenCreateSchema)
    @blp.response(201, TokenSchema)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Issue a token for a planner, a community or a unit; the secret is shown only here."""
        actor = require_planner()
        role, subject = body["role"], body["subject"].strip()
        with store().write() as session:
            try:
                secret = issue_token(session, role, subject, body.get("label", ""))
            except ValueError as exc:
                raise ApiError(422, str(exc), {"json": {"subject": [str(exc)]}}) from None
            audit.record(session, actor, "token.create", "token", f"{role}:{subject}", None)
        return {"token": secret, "role": role, "subject": subject}
