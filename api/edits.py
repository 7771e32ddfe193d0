"""Changing one record of a scenario list (the API's ``PATCH`` and the workbench's edit form):
the whole record is validated again by its value object, then across records by
:meth:`matcher.problem.Problem.check`, and audited; nothing is written when a check fails."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from api import audit, eligibility
from api.auth import Principal
from api.db import Store
from api.errors import ApiError
from api.models import ListRecord, Scenario
from api.records import fill_row, find_record, load_problem, parse
from matcher.errors import ScenarioError


def check_problem(session: Session, scenario_id: int) -> None:
    """After a change, every cross-record rule of :meth:`Problem.check` must still hold (unknown
    community, pairing without resources, ...); else 422 naming the field, and nothing is written."""
    session.flush()
    try:
        load_problem(session, session.get_one(Scenario, scenario_id))
    except ScenarioError as exc:
        errors: dict[str, list[str]] = {}
        for issue in exc.issues:
            errors.setdefault(issue.field or "_schema", []).append(f"{issue.file} {issue.record}: {issue.message}")
        raise ApiError(422, f"the change breaks the scenario: {exc.issues[0]}", {"json": errors}) from exc


def find_or_404(session: Session, scenario_id: int, list_name: str, record_id: str) -> ListRecord:
    if session.get(Scenario, scenario_id) is None:
        raise ApiError(404, f"no scenario {scenario_id}")
    row = find_record(session, scenario_id, list_name, record_id)
    if row is None:
        raise ApiError(404, f"no {list_name} record {record_id!r} in scenario {scenario_id}")
    return row


def update_record(
    store: Store, actor: Principal, scenario_id: int, list_name: str, record_id: str, changes: Mapping[str, Any]
) -> dict[str, Any]:
    """Apply ``changes`` (a value of None removes the field) to one record; return its new data.
    Raises FieldError (a field's value) or ApiError (404, an id change, a cross-record rule)."""
    if "id" in changes and changes["id"] != record_id:
        raise ApiError(422, "a record's id cannot change", {"json": {"id": ["cannot change"]}})
    with store.write() as session:
        row = find_or_404(session, scenario_id, list_name, record_id)
        merged = {**row.data, **{k: v for k, v in changes.items() if v is not None}}
        for key in [k for k, v in changes.items() if v is None]:
            merged.pop(key, None)
        record = parse(list_name, merged)
        before = row.data
        fill_row(row, record)
        check_problem(session, scenario_id)
        eligibility.touch(session, scenario_id)
        audit.record(
            session,
            actor,
            f"{list_name}.update",
            list_name,
            record_id,
            scenario_id,
            changed={k: [before.get(k), row.data.get(k)] for k in changes},
        )
        session.flush()
        return dict(row.data)
