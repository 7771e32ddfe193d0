"""Scenarios (场景): upload a workbook or list files, see every validation issue as a table of
file, row, field and message, and browse the lists with filters, a page at a time."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from flask import abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from werkzeug.wrappers import Response

from api.errors import ApiError
from api.models import ListRecord, Scenario
from api.records import EDITABLE
from api.uploads import read_upload, save_scenario
from api.views.common import store
from api.views.lists import category_filter
from api.views.scenarios import counts
from api.web.blueprint import blp
from api.web.issues import issue_rows
from api.web.paging import Page, page_args
from api.web.screens import Screen
from api.web.session import login_required, signed_in
from api.web.terms import LISTS
from matcher.errors import MatcherError
from matcher.io.scenario import LISTS as RECORD_TYPES
from matcher.vocabulary import Category

SCREEN = Screen("web.scenarios", _l("Scenarios"))
#: The lists a planner browses, in tab order.
BROWSED = ("needs", "resources", "projects", "communities", "pairings")
MAX_COLUMNS = 12


@blp.get("/web/scenarios")
@login_required("planner")
def scenarios() -> str:
    return _scenarios_page()


def _scenarios_page(issues: list[Any] | None = None, uploaded: str = "") -> str:
    number, size = page_args()
    with store().read() as session:
        total = session.scalar(select(func.count()).select_from(Scenario)) or 0
        found = session.scalars(select(Scenario).order_by(Scenario.id.desc()).limit(size).offset((number - 1) * size))
        rows = [(s, counts(session, s.id)) for s in found]
    return render_template(
        "scenarios.html", page=Page(rows, total, number, size), issues=issues, uploaded=uploaded, lists=LISTS
    )


@blp.post("/web/scenarios")
@login_required("planner")
def upload() -> Response | tuple[str, int]:
    """Read the uploaded files with the API's checks; a bad upload answers 422 with every issue."""
    main = request.files.get("scenario")
    if main is None or not main.filename:
        return _scenarios_page([_no_file()]), 422
    extras = [(f.filename or "", f.read()) for f in request.files.getlist("files") if f.filename]
    try:
        loaded = read_upload((main.filename, main.read()), extras)
        scenario_id = save_scenario(store(), signed_in(), loaded)  # type: ignore[arg-type]
    except (MatcherError, ApiError) as exc:
        return _scenarios_page(issue_rows(exc), main.filename), 422
    return redirect(url_for("web.scenario", scenario_id=scenario_id))


def _no_file() -> Any:
    from api.web.issues import IssueRow

    return IssueRow("", "", "", str(_l("Choose a scenario file (.xlsx workbook, or .yaml/.json with its list files).")))


@blp.get("/web/scenarios/<int:scenario_id>")
@login_required("planner")
def scenario(scenario_id: int) -> str:
    """One scenario: its lists, filtered by community, category and id, a page at a time."""
    list_name = request.args.get("list", "needs")
    if list_name not in BROWSED:
        abort(404)
    number, size = page_args()
    with store().read() as session:
        found = session.get(Scenario, scenario_id)
        if found is None:
            abort(404)
        query = _filtered(scenario_id, list_name)
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.scalars(
            query.order_by(ListRecord.position, ListRecord.id).limit(size).offset((number - 1) * size)
        ).all()
        sizes = counts(session, scenario_id)
        communities = session.scalars(
            select(ListRecord.record_id)
            .where(ListRecord.scenario_id == scenario_id, ListRecord.list_name == "communities")
            .order_by(ListRecord.position)
        ).all()
    columns = [f.name for f in fields(RECORD_TYPES[list_name])][:MAX_COLUMNS]
    return render_template(
        "scenario.html",
        scenario=found,
        list_name=list_name,
        browsed=BROWSED,
        lists=LISTS,
        sizes=sizes,
        columns=columns,
        page=Page([r.data for r in rows], total, number, size),
        communities=communities,
        categories=list(Category),
        editable=list_name in EDITABLE,
    )


def _filtered(scenario_id: int, list_name: str) -> Any:
    query = select(ListRecord).where(ListRecord.scenario_id == scenario_id, ListRecord.list_name == list_name)
    community, category, text = (request.args.get(k, "").strip() for k in ("community", "category", "q"))
    if community:
        query = query.where(ListRecord.community == community)
    if category in {c.value for c in Category}:
        query = query.where(category_filter(category))
    if text:
        query = query.where(or_(ListRecord.record_id.contains(text, autoescape=True)))
    return query
