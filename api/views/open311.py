"""Open311 GeoReport v2 endpoints under ``/open311/v2``: ``services``, ``services/{code}``,
``requests`` (GET, POST) and ``requests/{id}``, each as ``.json`` or ``.xml``. The jurisdiction is
the scenario (``jurisdiction_id`` = its id). POST needs ``api_key``: a planner's token or the
token of the request's community. Errors answer in the standard's format (400, 403, 404)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import Session

from api import audit, open311
from api import dispatch as service
from api.auth import Principal, digest
from api.models import Scenario, Token
from api.views.common import MAX_ID, store
from api.views.intake import live, locked_scenario
from matcher.errors import FieldError, MatcherError

blp = Blueprint(
    "open311",
    __name__,
    url_prefix="/open311/v2",
    description="Open311 GeoReport v2: services are the service categories, requests are live needs",
)


def _answer(fmt: str, work: Callable[[], tuple[bytes, str, int]]) -> Response:
    """Run ``work`` and answer its body, or the standard's error body."""
    try:
        if fmt not in open311.FORMATS:
            raise open311.Open311Error(404, f"format {fmt!r} is not served; use .json or .xml")
        body, content_type, status = work()
    except open311.Open311Error as exc:
        body, content_type = open311.render_error(exc, fmt)
        status = exc.code
    except FieldError as exc:
        body, content_type = open311.render_error(open311.Open311Error(400, f"{exc.field}: {exc.message}"), fmt)
        status = 400
    except MatcherError as exc:
        body, content_type = open311.render_error(open311.Open311Error(400, str(exc)), fmt)
        status = 400
    return Response(body, status=status, content_type=content_type)


def _jurisdiction(session: Session, lock: bool = False) -> Scenario:
    text = (request.values.get("jurisdiction_id") or "").strip()
    if not text:
        raise open311.Open311Error(400, "jurisdiction_id was not provided (the scenario id)")
    if not text.isdigit() or int(text) > MAX_ID:
        raise open311.Open311Error(404, f"jurisdiction_id {text!r} was not found")
    scenario = locked_scenario(session, int(text)) if lock else session.get(Scenario, int(text))
    if scenario is None:
        raise open311.Open311Error(404, f"jurisdiction_id {text!r} was not found")
    return scenario


def _api_key(session: Session) -> Principal:
    key = (request.form.get("api_key") or "").strip()
    token = session.scalar(select(Token).where(Token.token_hash == digest(key))) if key else None
    if token is None or token.revoked:
        raise open311.Open311Error(403, "Invalid api_key received -- can't proceed with create_request.")
    return Principal(token.role, token.subject)


@blp.route("/services.<fmt>")
class Services(MethodView):
    def get(self, fmt: str) -> Response:
        """GET Service List: the seven service categories (服务类别)."""

        def work() -> tuple[bytes, str, int]:
            with store().read() as session:
                _jurisdiction(session)
            return (*open311.render(open311.services(), open311.SERVICE_FIELDS, "services", "service", fmt), 200)

        return _answer(fmt, work)


@blp.route("/services/<name:code>.<fmt>")
class ServiceDefinition(MethodView):
    def get(self, code: str, fmt: str) -> Response:
        """GET Service Definition: the attributes (urgency, tier) a request may carry."""

        def work() -> tuple[bytes, str, int]:
            with store().read() as session:
                _jurisdiction(session)
            return (*open311.render_definition(open311.service_definition(code), fmt), 200)

        return _answer(fmt, work)


def _request_rows(ids: list[str] | None) -> list[dict[str, Any]]:
    """Live needs as GeoReport requests: the ones named, or those the filters keep."""
    with store().read() as session:
        scenario = _jurisdiction(session)
        views = service.arrivals(live(), session, scenario, ids)
        problem = service.scenario_problem(live(), session, scenario)
    codes = {c for c in (request.args.get("service_code") or "").split(",") if c}
    statuses = {s for s in (request.args.get("status") or "").split(",") if s}
    start = open311.parse_w3("start_date", request.args.get("start_date"))
    end = open311.parse_w3("end_date", request.args.get("end_date"))
    rows = []
    for view in views:
        row = open311.request_view(view, problem, scenario.created_at)
        if ids is None:  # service_request_id overrides every other argument
            when = scenario.created_at + timedelta(minutes=view["at"])
            if (
                (codes and row["service_code"] not in codes)
                or (statuses and row["status"] not in statuses)
                or (start and when < start)
                or (end and when > end)
            ):
                continue
        rows.append(row)
    return rows


def _render_requests(rows: list[dict[str, Any]], fmt: str) -> tuple[bytes, str, int]:
    return (*open311.render(rows, open311.REQUEST_FIELDS, "service_requests", "request", fmt), 200)


@blp.route("/requests.<fmt>")
class Requests(MethodView):
    def get(self, fmt: str) -> Response:
        """GET Service Requests: live needs, filtered by service_request_id (comma list, overrides the
        rest), service_code, status, start_date and end_date."""
        ids = [i for i in (request.args.get("service_request_id") or "").split(",") if i] or None
        return _answer(fmt, lambda: _render_requests(_request_rows(ids), fmt))

    def post(self, fmt: str) -> Response:
        """POST Service Request (form-encoded): take one need in; answers its service_request_id."""

        def work() -> tuple[bytes, str, int]:
            with store().write() as session:
                scenario = _jurisdiction(session, lock=True)
                actor = _api_key(session)
                problem = service.scenario_problem(live(), session, scenario)
                record = open311.need_record(request.form, problem, _free_id(session, scenario))
                if not actor.is_planner and not actor.is_community(record["community"]):
                    raise open311.Open311Error(403, f"{actor.name} may not file requests for {record['community']}")
                view = service.arrive(live(), session, scenario, record, actor.name)
                audit.record(session, actor, "dispatch.arrival", "needs", view["need"], scenario.id, via="open311")
            row = open311.request_view(view, problem, scenario.created_at)
            created = {
                "service_request_id": view["need"],
                "service_notice": row["service_notice"],
                "account_id": request.form.get("account_id") or None,
            }
            return (*open311.render([created], open311.CREATED_FIELDS, "service_requests", "request", fmt), 201)

        return _answer(fmt, work)


def _free_id(session: Session, scenario: Scenario) -> str:
    """The next unused request id ``311-N`` of the scenario."""
    taken = {v["need"] for v in service.arrivals(live(), session, scenario)}
    n = sum(1 for t in taken if t.startswith("311-")) + 1
    while f"311-{n}" in taken:
        n += 1
    return f"311-{n}"


@blp.route("/requests/<name:request_id>.<fmt>")
class RequestById(MethodView):
    def get(self, request_id: str, fmt: str) -> Response:
        """GET Service Request: one live need."""

        def work() -> tuple[bytes, str, int]:
            rows = _request_rows([request_id])
            if not rows:
                raise open311.Open311Error(404, f"service_request_id {request_id!r} was not found")
            return _render_requests(rows, fmt)

        return _answer(fmt, work)
