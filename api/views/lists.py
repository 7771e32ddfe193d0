"""The editable lists of a scenario: needs (需求清单), resources (资源清单) and projects (项目清单).

One blueprint per list, made by :func:`list_blueprint`. Every create and update is validated by
the list's value object and then across records by :meth:`matcher.problem.Problem.check`, so the
rules live in the core only.
"""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from api import audit, eligibility, tables
from api.auth import Principal, current_principal, require_planner
from api.edits import check_problem, find_or_404, update_record
from api.errors import ApiError
from api.models import ListRecord, Scenario
from api.parser import Blueprint
from api.records import EDITABLE, find_record, make_row, parse
from api.schemas import ListQuery, RecordPageSchema, RecordQuery, RecordSchema, record_schema
from api.views.common import MAX_ID, get_or_404, paged, store
from matcher.io.scenario import LISTS
from matcher.vocabulary import Category

TITLES = {
    "needs": "Needs list (需求清单)",
    "resources": "Resources list (资源清单)",
    "projects": "Projects list (项目清单)",
}


def category_filter(value: str) -> Any:
    try:
        wanted = Category.parse(value).value
    except ValueError as exc:
        raise ApiError(422, str(exc), {"query": {"category": [str(exc)]}}) from None
    column = ListRecord.category  # resources hold several categories joined by ';'
    return or_(column == wanted, column.like(f"{wanted};%"), column.like(f"%;{wanted}"), column.like(f"%;{wanted};%"))


def list_blueprint(list_name: str) -> Blueprint:
    """Routes to list, get, create and update the records of one list."""
    blp = Blueprint(
        list_name,
        __name__,
        url_prefix=f"/scenarios/<int(max={MAX_ID}):scenario_id>/{list_name}",
        description=TITLES[list_name],
    )
    create_schema, patch_schema = record_schema(list_name), record_schema(list_name, partial=True)

    @blp.route("")
    class Records(MethodView):
        @blp.arguments(RecordQuery, location="query")
        @blp.response(200, RecordPageSchema)
        def get(self, args: dict[str, Any], scenario_id: int) -> dict[str, Any]:
            """List records, filtered by community and category, a page at a time."""
            current_principal()
            return _page(list_name, args, scenario_id)

        @blp.arguments(create_schema)
        @blp.response(201, RecordSchema)
        def post(self, body: dict[str, Any], scenario_id: int) -> ListRecord:
            """Add a record (planners); 409 when its id is taken."""
            return _create(require_planner(), list_name, body, scenario_id)

    @blp.route("/<name:record_id>")
    class RecordById(MethodView):
        @blp.response(200, RecordSchema)
        def get(self, scenario_id: int, record_id: str) -> ListRecord:
            """One record."""
            current_principal()
            with store().read() as session:
                return _find_or_404(session, scenario_id, record_id)

        @blp.arguments(patch_schema)
        @blp.response(200, RecordSchema)
        def patch(self, body: dict[str, Any], scenario_id: int, record_id: str) -> ListRecord:
            """Change some fields of a record (planners); the whole record is validated again."""
            actor = require_planner()
            update_record(store(), actor, scenario_id, list_name, record_id, body)
            with store().read() as session:
                return _find_or_404(session, scenario_id, record_id)

    def _find_or_404(session: Session, scenario_id: int, record_id: str) -> ListRecord:
        return find_or_404(session, scenario_id, list_name, record_id)

    return blp


def _page(list_name: str, args: dict[str, Any], scenario_id: int) -> dict[str, Any]:
    """One page of a list's records, filtered by community and category."""
    with store().read() as session:
        get_or_404(session, Scenario, scenario_id, "scenario")
        query = select(ListRecord).where(ListRecord.scenario_id == scenario_id, ListRecord.list_name == list_name)
        if "community" in args:
            query = query.where(ListRecord.community == args["community"])
        if "category" in args:
            query = query.where(category_filter(args["category"]))
        return paged(session, query.order_by(ListRecord.position, ListRecord.id), args["page"], args["page_size"])


def _create(actor: Principal, list_name: str, body: dict[str, Any], scenario_id: int) -> ListRecord:
    """Add a record at the end of its list, check the problem and audit it; 409 when its id is taken."""
    record = parse(list_name, body)
    with store().write() as session:
        get_or_404(session, Scenario, scenario_id, "scenario")
        if find_record(session, scenario_id, list_name, record.id) is not None:  # type: ignore[attr-defined]
            raise ApiError(409, f"{list_name} already holds id {record.id!r}")  # type: ignore[attr-defined]
        position = session.scalar(
            select(func.coalesce(func.max(ListRecord.position), -1) + 1).where(
                ListRecord.scenario_id == scenario_id, ListRecord.list_name == list_name
            )
        )
        row = make_row(scenario_id, list_name, position or 0, record)
        session.add(row)
        check_problem(session, scenario_id)
        eligibility.touch(session, scenario_id)
        audit.record(session, actor, f"{list_name}.create", list_name, row.record_id, scenario_id, data=row.data)
        return row


every_list = Blueprint(
    "lists",
    __name__,
    url_prefix=f"/scenarios/<int(max={MAX_ID}):scenario_id>/lists",
    description="Every list of a scenario as stored (read-only): " + ", ".join(LISTS),
)


@every_list.route("/<name:list_name>")
class ListById(MethodView):
    @every_list.arguments(ListQuery, location="query")
    @every_list.response(200, RecordPageSchema)
    def get(self, args: dict[str, Any], scenario_id: int, list_name: str) -> Any:
        """Any list of the scenario (communities, needs, resources, projects, pairings, orders and
        claims from the file, venues, budgets, areas, grids): a page as JSON, or the whole list as
        CSV or XLSX (``format``) in the columns the scenario readers read back."""
        current_principal()
        if list_name not in LISTS:
            raise ApiError(404, f"no list {list_name!r}; lists: {', '.join(LISTS)}")
        with store().read() as session:
            get_or_404(session, Scenario, scenario_id, "scenario")
            query = select(ListRecord).where(ListRecord.scenario_id == scenario_id, ListRecord.list_name == list_name)
            if "community" in args:
                query = query.where(ListRecord.community == args["community"])
            query = query.order_by(ListRecord.position, ListRecord.id)
            if args["format"] == "json":
                return paged(session, query, args["page"], args["page_size"])
            records = [row.data for row in session.scalars(query)]
        body, headers = tables.download(list_name, records, args["format"])
        return Response(body, headers=headers)


BLUEPRINTS = (*(list_blueprint(name) for name in EDITABLE), every_list)
