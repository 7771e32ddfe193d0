"""Scenarios: upload a YAML/JSON/XLSX file (with the CSV/XLSX list files it names, read by
:mod:`api.uploads`), list, get, delete."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from sqlalchemy import func, select

from api import audit
from api.auth import current_principal, require_planner
from api.errors import scenario_error
from api.models import ListRecord, Scenario
from api.parser import Blueprint
from api.schemas import PageArgs, ScenarioSchema, ScenarioUploadSchema
from api.uploads import read_upload, save_scenario
from api.views.common import MAX_ID, get_or_404, store
from matcher.errors import ScenarioError
from matcher.io.scenario import LISTS

blp = Blueprint("scenarios", __name__, url_prefix="/scenarios", description="Scenarios: the three lists (三清单)")


def counts(session: Any, scenario_id: int) -> dict[str, int]:
    """How many records each list of a scenario holds."""
    rows = session.execute(
        select(ListRecord.list_name, func.count())
        .where(ListRecord.scenario_id == scenario_id)
        .group_by(ListRecord.list_name)
    ).all()
    sizes = dict.fromkeys(LISTS, 0)
    sizes.update({name: n for name, n in rows})
    return sizes


def _view(session: Any, scenario: Scenario) -> dict[str, Any]:
    return {
        "id": scenario.id,
        "name": scenario.name,
        "description": scenario.description,
        "created_by": scenario.created_by,
        "created_at": scenario.created_at,
        "counts": counts(session, scenario.id),
        "policy": scenario.policy,
        "settings": scenario.settings,
    }


@blp.route("")
class Scenarios(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, ScenarioSchema(many=True))
    def get(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        """List scenarios, newest first."""
        current_principal()
        with store().read() as session:
            found = session.scalars(
                select(Scenario)
                .order_by(Scenario.id.desc())
                .limit(args["page_size"])
                .offset((args["page"] - 1) * args["page_size"])
            ).all()
            return [_view(session, s) for s in found]

    @blp.arguments(ScenarioUploadSchema, location="files")
    @blp.response(201, ScenarioSchema)
    def post(self, files: dict[str, Any]) -> dict[str, Any]:
        """Upload a scenario (planners): a YAML/JSON/XLSX file plus the list files it names."""
        actor = require_planner()
        extras = [(getattr(f, "filename", "") or "", f.read()) for f in files.get("files") or []]
        main = files["scenario"]
        try:
            loaded = read_upload((getattr(main, "filename", "") or "", main.read()), extras)
        except ScenarioError as exc:
            raise scenario_error(exc) from None
        scenario_id = save_scenario(store(), actor, loaded)
        with store().read() as session:
            return _view(session, get_or_404(session, Scenario, scenario_id, "scenario"))


@blp.route(f"/<int(max={MAX_ID}):scenario_id>")
class ScenarioById(MethodView):
    @blp.response(200, ScenarioSchema)
    def get(self, scenario_id: int) -> dict[str, Any]:
        """A scenario with the size of each list."""
        current_principal()
        with store().read() as session:
            return _view(session, get_or_404(session, Scenario, scenario_id, "scenario"))

    @blp.response(204)
    def delete(self, scenario_id: int) -> None:
        """Delete a scenario with its lists, orders, claims and solves (planners)."""
        actor = require_planner()
        with store().write() as session:
            scenario = get_or_404(session, Scenario, scenario_id, "scenario")
            audit.record(session, actor, "scenario.delete", "scenario", scenario_id, scenario_id, name=scenario.name)
            session.delete(scenario)
