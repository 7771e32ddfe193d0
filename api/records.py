"""Between the core's value objects and stored rows: every record is validated by its value
object (``from_record``) and stored as the canonical mapping that reads back into the same
object; a scenario's :class:`~matcher.problem.Problem` is rebuilt from those rows."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import asdict, fields
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.models import Claim, ListRecord, Order, Scenario
from matcher.domain import Claim as PinnedClaim
from matcher.domain import Order as PinnedOrder
from matcher.domain import Record, Settings
from matcher.io.scenario import EXTRA_LISTS, LISTS
from matcher.io.scenario import Scenario as LoadedScenario
from matcher.policy import Policy
from matcher.problem import Problem

#: Lists the API edits record by record; communities and pairings come with the uploaded scenario.
EDITABLE = ("needs", "resources", "projects")
#: Lists that make up the solver's problem; the others (areas, grids) are stored alongside.
PROBLEM_LISTS = tuple(name for name in LISTS if name not in EXTRA_LISTS)


def scenario_records(loaded: LoadedScenario) -> dict[str, tuple[Record, ...]]:
    """Every list of a scenario read from files, problem lists and the others alike."""
    return {
        name: loaded.lists.get(name, ()) if name in EXTRA_LISTS else getattr(loaded.problem, name) for name in LISTS
    }


def plain(value: Any) -> Any:
    """A field value as JSON: enums by value, dates as ISO text, sets sorted, neighbour pairs as a mapping."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(plain(v) for v in value)
    if isinstance(value, tuple):
        if value and all(isinstance(v, tuple) and len(v) == 2 for v in value):
            return {str(k): v for k, v in value}
        return [plain(v) for v in value]
    return value


def record_data(record: Record) -> dict[str, Any]:
    """The canonical mapping of a value object: ``type(record).from_record`` reads it back."""
    return {f.name: plain(getattr(record, f.name)) for f in fields(record) if getattr(record, f.name) is not None}


#: The fields that identify a record of a list without an ``id`` (joined by "->").
KEY_FIELDS = {
    "pairings": ("group", "community"),
    "claims": ("order", "resource"),
    "budgets": ("community",),
    "pairs": ("need", "resource"),
    "travel": ("origin", "destination"),
    "visits": ("station", "date"),
}


def record_key(list_name: str, record: Record) -> str:
    """The record's id, or for pairings, claims, budgets, pairs, travel and visits the fields that identify it."""
    return "->".join(str(getattr(record, name)) for name in KEY_FIELDS.get(list_name, ("id",)))


def category_of(record: Record) -> str | None:
    category = getattr(record, "category", None)
    if category is not None:
        return plain(category)
    categories = getattr(record, "categories", None)
    return ";".join(plain(categories)) if categories else None


def make_row(scenario_id: int, list_name: str, position: int, record: Record) -> ListRecord:
    return ListRecord(
        scenario_id=scenario_id,
        list_name=list_name,
        position=position,
        record_id=record_key(list_name, record),
        community=getattr(record, "community", None),
        category=category_of(record),
        data=record_data(record),
    )


def fill_row(row: ListRecord, record: Record) -> None:
    row.data = record_data(record)
    row.community = getattr(record, "community", None)
    row.category = category_of(record)


def parse(list_name: str, mapping: Mapping[str, Any]) -> Record:
    """Validate ``mapping`` through the list's value object (raises FieldError naming the field)."""
    return LISTS[list_name].from_record(mapping)


def policy_data(policy: Policy) -> dict[str, Any]:
    return {k: dict(v) if isinstance(v, Mapping) else v for k, v in asdict(policy).items()}


def policy_from(data: Mapping[str, Any]) -> Policy:
    return Policy(**data)


#: Order stages (三会) whose orders still run and hold their claims; evaluated orders are done.
OPEN_STAGES = ("hearing", "running")


def order_key(order_id: int) -> str:
    """The id an order placed through the API has in the solver's problem (beside the file's orders)."""
    return f"orders/{order_id}"


def placed_orders(session: Session, scenario_id: int) -> tuple[list[PinnedOrder], list[PinnedClaim]]:
    """Orders communities placed through the API and not yet evaluated, with their active claims,
    all pinned: a community ordered them (点单) and units claimed them (认领), so a solve keeps them."""
    orders = session.scalars(
        select(Order).where(Order.scenario_id == scenario_id, Order.stage.in_(OPEN_STAGES)).order_by(Order.id)
    ).all()
    claims = session.execute(
        select(Claim.order_id, Claim.unit)
        .join(Order, Order.id == Claim.order_id)
        .where(Order.scenario_id == scenario_id, Order.stage.in_(OPEN_STAGES), Claim.status == "active")
        .order_by(Claim.order_id, Claim.id)
    ).all()
    return (
        [
            PinnedOrder(order_key(o.id), o.project, o.community, pinned=True, venue=o.venue, slots=o.slots)
            for o in orders
        ],
        [PinnedClaim(order_key(order_id), unit, pinned=True) for order_id, unit in claims],
    )


def load_problem(session: Session, scenario: Scenario) -> Problem:
    """The scenario's problem as it stands in the database, checked across records: its lists, and
    the orders and active claims made through the API, pinned."""
    rows = session.execute(  # plain rows, not ORM objects: a 50,000-need scenario loads seconds faster
        select(ListRecord.list_name, ListRecord.data)
        .where(ListRecord.scenario_id == scenario.id, ListRecord.list_name.in_(PROBLEM_LISTS))
        .order_by(ListRecord.list_name, ListRecord.position, ListRecord.id)
    ).all()
    lists: dict[str, list[Record]] = {name: [] for name in PROBLEM_LISTS}
    for list_name, data in rows:
        lists[list_name].append(parse(list_name, data))
    orders, claims = placed_orders(session, scenario.id)
    lists["orders"] += orders
    lists["claims"] += claims
    # every list of the registry is a list of Problem.from_lists, so lists the core adds come along
    return Problem.from_lists(lists, Settings.from_record(scenario.settings), scenario.name).checked()


def find_record(session: Session, scenario_id: int, list_name: str, record_id: str) -> ListRecord | None:
    return session.scalar(
        select(ListRecord).where(
            ListRecord.scenario_id == scenario_id, ListRecord.list_name == list_name, ListRecord.record_id == record_id
        )
    )
