"""Live dispatch (受理, 推荐, 派单): needs arrive one at a time on a scenario, get the top k
resources that could serve them, and are published when one is accepted; a re-plan places the
rest with minimal change. The views parse and authorise; :mod:`api.dispatch` does the work."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import select
from sqlalchemy.orm import Session

from api import audit
from api import dispatch as service
from api.auth import current_principal, forbid, require_planner
from api.models import Scenario
from api.schemas import record_schema
from api.views.common import MAX_ID, get_or_404, store

blp = Blueprint(
    "dispatch",
    __name__,
    url_prefix=f"/scenarios/<int(max={MAX_ID}):scenario_id>",
    description="Live dispatch: intake, recommend, accept (派单), re-plan",
)


def live() -> service.LiveDispatch:
    """This app's live plans (one set per server process)."""
    return current_app.extensions.setdefault("matcher_dispatch", service.LiveDispatch())


def locked_scenario(session: Session, scenario_id: int) -> Scenario:
    """The scenario row, locked for the transaction (PostgreSQL), so dispatch writes queue."""
    scenario = session.scalar(select(Scenario).where(Scenario.id == scenario_id).with_for_update())
    return scenario if scenario is not None else get_or_404(session, Scenario, scenario_id, "scenario")


class ArrivalSchema(record_schema("needs")):  # type: ignore[misc]
    """A need as a needs-list row, and the minute it arrived (default: now on the scenario's clock)."""

    at = fields.Float(
        metadata={"description": "dispatch minutes since the scenario was created; not before the last arrival"}
    )


class StepSchema(Schema):
    level = fields.String()
    node = fields.String()
    routing_minutes = fields.Float()
    candidates = fields.Integer()
    options = fields.Integer()
    milliseconds = fields.Float()


class ArrivalViewSchema(Schema):
    need = fields.String()
    at = fields.Float()
    record = fields.Dict()
    status = fields.String(metadata={"description": "waiting, proposed or published (派单)"})
    resources = fields.List(fields.String())
    arrival_minutes = fields.Float(allow_none=True)
    deadline_minutes = fields.Float()
    route = fields.List(fields.Nested(StepSchema))
    objective_change = fields.Float()
    moved = fields.Integer()


class ArrivalListSchema(Schema):
    items = fields.List(fields.Nested(ArrivalViewSchema))


class OptionSchema(Schema):
    rank = fields.Integer()
    resource = fields.String()
    resources = fields.List(fields.String())
    level = fields.String()
    arrival_minutes = fields.Float()
    deadline_minutes = fields.Float()
    on_time = fields.Boolean()
    objective_change = fields.Float()
    moved = fields.Integer()
    moves = fields.List(fields.Dict())


class RecommendationSchema(Schema):
    need = fields.String()
    deadline_minutes = fields.Float()
    options = fields.List(fields.Nested(OptionSchema))
    route = fields.List(fields.Nested(StepSchema))


class KArgs(Schema):
    k = fields.Integer(load_default=5, validate=validate.Range(min=1, max=100))


class AcceptSchema(Schema):
    """One resource, or for a need of several providers the set (``resources``) of a recommendation."""

    resource = fields.String(validate=validate.Length(min=1, max=200))
    resources = fields.List(
        fields.String(validate=validate.Length(min=1, max=200)), validate=validate.Length(min=1, max=20)
    )

    @validates_schema
    def one_of(self, data: dict[str, Any], **_: Any) -> None:
        if ("resource" in data) == ("resources" in data):
            raise ValidationError("give resource (one provider) or resources (a set), not both", "resource")


class ReplanArgs(Schema):
    time_limit = fields.Float(load_default=10.0, validate=validate.Range(min=0.1, max=300))


class ReplanSchema(Schema):
    needs = fields.Integer()
    moved = fields.Integer()
    placed = fields.Integer()
    objective = fields.Float()
    unconstrained_objective = fields.Float()
    stability_cost = fields.Float()
    solver = fields.String()
    status = fields.String()
    seconds = fields.Float()


@blp.route("/arrivals")
class Arrivals(MethodView):
    @blp.response(200, ArrivalListSchema)
    def get(self, scenario_id: int) -> dict[str, Any]:
        """Needs taken in live, oldest first, with status and route (planners)."""
        require_planner()
        with store().read() as session:
            scenario = get_or_404(session, Scenario, scenario_id, "scenario")
            return {"items": service.arrivals(live(), session, scenario)}

    @blp.arguments(ArrivalSchema)
    @blp.response(201, ArrivalViewSchema)
    def post(self, body: dict[str, Any], scenario_id: int) -> dict[str, Any]:
        """Take one need in (planners, or its own community); 422 naming the field when it is bad."""
        actor = current_principal()
        if not actor.is_planner and not actor.is_community(str(body.get("community", ""))):
            forbid(actor, "file needs for another community")
        with store().write() as session:
            scenario = locked_scenario(session, scenario_id)
            view = service.arrive(live(), session, scenario, body, actor.name)
            audit.record(session, actor, "dispatch.arrival", "needs", view["need"], scenario_id, at=view["at"])
            return view


@blp.route("/arrivals/<name:need_id>/recommendations")
class Recommendations(MethodView):
    @blp.arguments(KArgs, location="query")
    @blp.response(200, RecommendationSchema)
    def get(self, args: dict[str, Any], scenario_id: int, need_id: str) -> dict[str, Any]:
        """The top k resources for an arrived need: arrival against the deadline, change in the
        objective, assignments that would move; escalated to the street and district when no
        community resource is in time (planners)."""
        require_planner()
        with store().read() as session:
            scenario = get_or_404(session, Scenario, scenario_id, "scenario")
            return service.recommendations(live(), session, scenario, need_id, args["k"])


@blp.route("/arrivals/<name:need_id>/accept")
class Accept(MethodView):
    @blp.arguments(AcceptSchema)
    @blp.response(200, ArrivalViewSchema)
    def post(self, body: dict[str, Any], scenario_id: int, need_id: str) -> dict[str, Any]:
        """Publish need -> resource (派单), or need -> a recommended set of resources for a need of
        several providers; it is pinned: later re-plans never move it (planners)."""
        actor = require_planner()
        with store().write() as session:
            scenario = locked_scenario(session, scenario_id)
            chosen = body.get("resources") or [body["resource"]]
            view = service.publish(live(), session, scenario, need_id, chosen, actor.name)
            audit.record(session, actor, "dispatch.accept", "needs", need_id, scenario_id, resource=",".join(chosen))
            return view


@blp.route("/arrivals/<name:need_id>/unpin")
class Unpin(MethodView):
    @blp.response(200, ArrivalViewSchema)
    def post(self, scenario_id: int, need_id: str) -> dict[str, Any]:
        """Take a published assignment back: later re-plans may move it (planners)."""
        actor = require_planner()
        with store().write() as session:
            scenario = locked_scenario(session, scenario_id)
            view = service.unpin(live(), session, scenario, need_id, actor.name)
            audit.record(session, actor, "dispatch.unpin", "needs", need_id, scenario_id)
            return view


@blp.route("/replan")
class Replan(MethodView):
    @blp.arguments(ReplanArgs)
    @blp.response(200, ReplanSchema)
    def post(self, args: dict[str, Any], scenario_id: int) -> dict[str, Any]:
        """Re-plan every unpublished need with the policy's move cost; report moves and the
        stability cost against an unconstrained re-solve (planners)."""
        actor = require_planner()
        with store().write() as session:
            scenario = locked_scenario(session, scenario_id)
            report = service.replan_live(live(), session, scenario, actor.name, args["time_limit"])
            audit.record(
                session, actor, "dispatch.replan", "scenario", str(scenario_id), scenario_id, moved=report["moved"]
            )
            return report
