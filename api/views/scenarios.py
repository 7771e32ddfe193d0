"""Scenarios: upload a YAML/JSON/XLSX file (with the CSV/XLSX list files it names), list, get, delete."""

from __future__ import annotations

import logging
from typing import Any

from flask.views import MethodView
from sqlalchemy import func, select

from api import audit
from api.auth import current_principal, require_planner
from api.errors import ApiError, scenario_error
from api.models import ListRecord, Scenario
from api.parser import Blueprint
from api.records import make_row, policy_data, record_data, scenario_records
from api.schemas import PageArgs, ScenarioSchema, ScenarioUploadSchema
from api.views.common import MAX_ID, get_or_404, store
from matcher.errors import MatcherError, ScenarioError
from matcher.io.limits import UPLOAD_LIMITS, LimitError
from matcher.io.scenario import LISTS, load_upload
from matcher.io.scenario import Scenario as LoadedScenario
from matcher.io.sources import upload_name

log = logging.getLogger(__name__)
blp = Blueprint("scenarios", __name__, url_prefix="/scenarios", description="Scenarios: the three lists (三清单)")

SCENARIO_SUFFIXES = (".yaml", ".yml", ".json", ".xlsx")
LIST_SUFFIXES = (".csv", ".xlsx", ".json", ".yaml", ".yml")
MAX_KEY = 200


def _counts(session: Any, scenario_id: int) -> dict[str, int]:
    rows = session.execute(
        select(ListRecord.list_name, func.count())
        .where(ListRecord.scenario_id == scenario_id)
        .group_by(ListRecord.list_name)
    ).all()
    counts = dict.fromkeys(LISTS, 0)
    counts.update({name: n for name, n in rows})
    return counts


def _view(session: Any, scenario: Scenario) -> dict[str, Any]:
    return {
        "id": scenario.id,
        "name": scenario.name,
        "description": scenario.description,
        "created_by": scenario.created_by,
        "created_at": scenario.created_at,
        "counts": _counts(session, scenario.id),
        "policy": scenario.policy,
        "settings": scenario.settings,
    }


def _read_upload(files: dict[str, Any]) -> LoadedScenario:
    """Read the uploaded scenario with the core loader, from memory: it may name only the files
    uploaded with it, and nothing on the server's disk is opened for it."""
    main = files["scenario"]
    name = upload_name(getattr(main, "filename", "") or "")
    if not name.lower().endswith(SCENARIO_SUFFIXES):
        raise ApiError(
            422,
            "the scenario file must be .yaml, .yml, .json or .xlsx",
            {"files": {"scenario": [f"unsupported file name {name!r}"]}},
        )
    uploaded: dict[str, bytes] = {}
    for extra in files.get("files") or []:
        extra_name = upload_name(getattr(extra, "filename", "") or "")
        if not extra_name.lower().endswith(LIST_SUFFIXES):
            raise ApiError(
                422,
                "list files must be .csv, .xlsx, .json or .yaml",
                {"files": {"files": [f"unsupported file name {extra_name!r}"]}},
            )
        if extra_name in uploaded or extra_name == name:
            raise ApiError(
                422,
                f"two uploaded files are named {extra_name!r}",
                {"files": {"files": [f"{extra_name!r} uploaded twice"]}},
            )
        uploaded[extra_name] = extra.read()
    uploaded[name] = main.read()
    try:
        return load_upload(name, uploaded)
    except LimitError as exc:
        issue = exc.issues[0]
        raise ApiError(
            413,
            f"upload too large: {issue}",
            {"files": {issue.file or "scenario": [issue.message]}, "limits": {exc.limit: [UPLOAD_LIMITS.describe()]}},
        ) from None
    except (ScenarioError, MatcherError):
        raise
    except Exception as exc:  # a file the parsers cannot read at all
        log.info("unreadable upload %s: %r", name, exc)
        raise ApiError(422, f"cannot read {name}", {"files": {"scenario": ["the file cannot be read"]}}) from None


def _check_lengths(lists: dict[str, tuple[Any, ...]]) -> None:
    for list_name, records in lists.items():
        for i, record in enumerate(records):
            for attr in ("id", "community", "group"):
                value = getattr(record, attr, None)
                if isinstance(value, str) and len(value) > MAX_KEY:
                    raise ApiError(
                        422,
                        f"{list_name} record {i + 1}: {attr} longer than {MAX_KEY} characters",
                        {list_name: {attr: [f"at most {MAX_KEY} characters"]}},
                    )


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
        try:
            loaded = _read_upload(files)
        except ScenarioError as exc:
            raise scenario_error(exc) from None
        lists = scenario_records(loaded)
        _check_lengths(lists)
        problem = loaded.problem
        with store().write() as session:
            scenario = Scenario(
                name=problem.name[:200],
                description=loaded.description,
                created_by=actor.name,
                policy=policy_data(loaded.policy),
                settings=record_data(problem.settings),
            )
            session.add(scenario)
            session.flush()
            for list_name, records in lists.items():
                session.add_all(make_row(scenario.id, list_name, i, record) for i, record in enumerate(records))
            audit.record(
                session,
                actor,
                "scenario.create",
                "scenario",
                scenario.id,
                scenario.id,
                name=scenario.name,
                needs=len(problem.needs),
                resources=len(problem.resources),
            )
            session.flush()
            return _view(session, scenario)


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
