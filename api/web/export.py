"""Export (导出): a run's results and the scenario's lists as one XLSX workbook with headers in
the page's language (Chinese by default; list sheets and columns use the names the upload reads
back), and each table as CSV with the UTF-8 byte-order mark Excel needs. The files are written
by the core's writers (:mod:`matcher.files`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from flask import Response, abort, render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from api.models import ListRecord
from api.tables import cell
from api.views.common import store
from api.web.blueprint import blp
from api.web.results import finished
from api.web.session import login_required
from api.web.terms import REASONS, field_text, sheet_text, term
from matcher.files import EXCEL_BOM, csv_text, xlsx_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: The result tables, in sheet order, with their sheet names.
TABLES = {
    "assignments": _l("Assignments"),
    "unmatched": _l("Unmatched needs"),
    "resources": _l("Load per resource"),
    "coverage": _l("Coverage"),
    "deadline_compliance": _l("Deadlines"),
}
EXPORTED_LISTS = ("needs", "resources", "projects", "communities", "pairings")
COLUMNS = {
    "need": _l("Need"),
    "resource": _l("Resource"),
    "community": _l("Community"),
    "travel_minutes": _l("Travel (min)"),
    "arrival_minutes": _l("Arrival (min)"),
    "load_hours": _l("Load (hours)"),
    "value": _l("Value"),
    "urgency": _l("Urgency"),
    "reason": _l("Reason code"),
    "explanation": _l("Reason"),
    "tasks": _l("Tasks"),
    "capacity_tasks": _l("Task capacity"),
    "hours": _l("Hours"),
    "capacity_hours": _l("Hour capacity"),
    "utilisation": _l("Utilisation"),
    "needs": _l("Needs"),
    "served": _l("Served"),
    "coverage": _l("Coverage"),
    "deadline_minutes": _l("Deadline (min)"),
    "on_time": _l("On time"),
    "late": _l("Late"),
    "minutes_late": _l("Minutes late"),
    "compliance": _l("On-time share"),
}


@blp.get("/web/runs/<job_id>/export")
@login_required("planner")
def export(job_id: str) -> str:
    job, data = finished(job_id)
    return render_template("export.html", job=job, data=data, tables=TABLES)


@blp.get("/web/runs/<job_id>/export.xlsx")
@login_required("planner")
def export_xlsx(job_id: str) -> Response:
    """The run's tables and the scenario's lists, one sheet each."""
    job, data = finished(job_id)
    sheets = {str(TABLES[name]): result_rows(data, name) for name in TABLES}
    sheets.update(list_sheets(job.scenario_id))
    return _download(xlsx_bytes(sheets), f"{data.get('scenario', 'result')}-{job.id[:8]}.xlsx", XLSX)


@blp.get("/web/runs/<job_id>/export/<table>.csv")
@login_required("planner")
def export_csv(job_id: str, table: str) -> Response:
    """One table as CSV that Excel opens with its Chinese text intact."""
    job, data = finished(job_id)
    if table not in TABLES:
        abort(404)
    text = EXCEL_BOM + csv_text(result_rows(data, table))
    return _download(text.encode("utf-8"), f"{table}-{job.id[:8]}.csv", "text/csv; charset=utf-8")


@blp.get("/web/scenarios/<int:scenario_id>/lists.xlsx")
@login_required("planner")
def export_lists(scenario_id: int) -> Response:
    """A scenario's lists as a workbook the upload reads back (its sheet and column names)."""
    sheets = list_sheets(scenario_id)
    if not any(sheets.values()):
        abort(404)
    return _download(xlsx_bytes(sheets), f"scenario-{scenario_id}.xlsx", XLSX)


def result_rows(data: Mapping[str, Any], table: str) -> list[dict[str, Any]]:
    """A result table with headers in the page's language (reasons said in words beside their code)."""
    rows = data.get(table) or []
    if table == "unmatched":
        rows = [{**row, "explanation": term(REASONS, row["reason"])} for row in rows]
    return [{str(COLUMNS.get(k, k)): cell(v) for k, v in row.items()} for row in rows]


def list_sheets(scenario_id: int) -> dict[str, list[dict[str, Any]]]:
    """Each exported list as rows keyed by the column names the upload accepts."""
    with store().read() as session:
        records = session.execute(
            select(ListRecord.list_name, ListRecord.data)
            .where(ListRecord.scenario_id == scenario_id, ListRecord.list_name.in_(EXPORTED_LISTS))
            .order_by(ListRecord.list_name, ListRecord.position, ListRecord.id)
        ).all()
    sheets: dict[str, list[dict[str, Any]]] = {sheet_text(name): [] for name in EXPORTED_LISTS}
    for list_name, record in records:
        sheets[sheet_text(list_name)].append({field_text(k): cell(v) for k, v in record.items()})
    return sheets


def _download(content: bytes, name: str, mimetype: str) -> Response:
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response
