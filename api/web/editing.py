"""Editing one record of a list (修改) from the scenarios screen, with the API's checks: the
record's value object, then every cross-record rule (:mod:`api.edits`); a rejected change is
shown as the same table of file, row, field and message, and nothing is written."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from flask import abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from api.edits import update_record
from api.errors import ApiError
from api.models import ListRecord, Scenario
from api.records import EDITABLE, find_record
from api.tables import cell
from api.views.common import store
from api.web.blueprint import blp
from api.web.issues import IssueRow, issue_rows, message_text
from api.web.session import login_required, signed_in
from api.web.terms import LISTS, field_text
from matcher.errors import FieldError
from matcher.io.scenario import LISTS as RECORD_TYPES

ROUTE = "/web/scenarios/<int:scenario_id>/<list_name>/<path:record_id>/edit"


@blp.get(ROUTE)
@login_required("planner")
def edit(scenario_id: int, list_name: str, record_id: str) -> str:
    scenario, row = _record(scenario_id, list_name, record_id)
    values = {name: cell(row.data.get(name)) for name in _fields(list_name)}
    return render_template("edit.html", **_page(scenario, list_name, record_id, values))


@blp.post(ROUTE)
@login_required("planner")
def save(scenario_id: int, list_name: str, record_id: str) -> Response | tuple[str, int]:
    """Apply the form; each emptied field falls back to its default."""
    scenario, _ = _record(scenario_id, list_name, record_id)
    values = {name: request.form.get(name, "").strip() for name in _fields(list_name)}
    changes: dict[str, Any] = {name: value or None for name, value in values.items()}
    try:
        update_record(store(), signed_in(), scenario_id, list_name, record_id, changes)  # type: ignore[arg-type]
    except FieldError as exc:
        issues = [IssueRow(str(LISTS[list_name]), record_id, field_text(exc.field), message_text(exc.message))]
    except ApiError as exc:
        issues = issue_rows(exc)
    else:
        return redirect(url_for("web.scenario", scenario_id=scenario_id, list=list_name, q=record_id, saved=record_id))
    return render_template("edit.html", issues=issues, **_page(scenario, list_name, record_id, values)), 422


def _fields(list_name: str) -> list[str]:
    return [f.name for f in fields(RECORD_TYPES[list_name]) if f.name != "id"]


def _record(scenario_id: int, list_name: str, record_id: str) -> tuple[Scenario, ListRecord]:
    if list_name not in EDITABLE:
        abort(404)
    with store().read() as session:
        scenario = session.get(Scenario, scenario_id)
        row = find_record(session, scenario_id, list_name, record_id) if scenario else None
    if scenario is None or row is None:
        abort(404)
    return scenario, row


def _page(scenario: Scenario, list_name: str, record_id: str, values: dict[str, Any]) -> dict[str, Any]:
    return {"scenario": scenario, "list_name": list_name, "record_id": record_id, "values": values, "lists": LISTS}
