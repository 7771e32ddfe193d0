"""What the projects-and-claims screens read (项目清单, 点单, 认领): the scenarios with a projects
list, a scenario's records of one list, its orders with their claimed slots, and the claim rules
(认领资格) of one unit for open orders, from the API's own rules cache (:mod:`api.eligibility`)."""

from __future__ import annotations

from typing import Any

from flask import abort, request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.eligibility import Missing, Rules
from api.models import Claim, ListRecord, Order, Scenario
from api.views.common import rules, store
from api.web.paging import Page


def scenarios_with(list_name: str, record_id: str = "") -> dict[int, str]:
    """Scenarios (newest first) that have a ``list_name`` list, or that record in it."""
    query = select(Scenario.id, Scenario.name).where(
        select(ListRecord.id)
        .where(
            ListRecord.scenario_id == Scenario.id,
            ListRecord.list_name == list_name,
            *([ListRecord.record_id == record_id] if record_id else []),
        )
        .exists()
    )
    with store().read() as session:
        return dict(session.execute(query.order_by(Scenario.id.desc())).all())


def chosen_scenario(choices: dict[int, str]) -> int | None:
    """``?scenario=`` when it is one of ``choices``, else the newest; 404 for one not offered."""
    asked = request.values.get("scenario", type=int)
    if asked is not None and asked not in choices:
        abort(404)
    return asked if asked is not None else next(iter(choices), None)


def records(session: Session, scenario_id: int, list_name: str) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(ListRecord.data)
        .where(ListRecord.scenario_id == scenario_id, ListRecord.list_name == list_name)
        .order_by(ListRecord.position, ListRecord.id)
    )
    return list(rows)


def orders(session: Session, scenario_id: int, page: tuple[int, int] | None = None, **where: Any) -> Page:
    """The scenario's orders (filtered by column values; a tuple is any of its values) with their
    active claims, oldest first: all of them, or the page ``(number, size)``."""
    query = select(Order).where(Order.scenario_id == scenario_id)
    for column, value in where.items():
        query = query.where(
            getattr(Order, column).in_(value) if isinstance(value, tuple) else getattr(Order, column) == value
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    number, size = page or (1, max(total, 1))
    number = min(number, max(1, -(-total // size)))
    found = session.scalars(query.order_by(Order.id).limit(size).offset((number - 1) * size)).all()
    taken = dict(
        session.execute(
            select(Claim.order_id, func.count())
            .where(Claim.order_id.in_([o.id for o in found]), Claim.status == "active")
            .group_by(Claim.order_id)
        ).all()
    )
    return Page([(order, taken.get(order.id, 0)) for order in found], total, number, size, "page")


def claim_rules(scenario_id: int) -> Rules:
    """The scenario's claim rules at its current lists version, built once per version."""
    cache = rules()
    with store().read() as session:
        version = session.scalar(select(Scenario.lists_version).where(Scenario.id == scenario_id)) or 0
        try:
            return cache.lookup(scenario_id, version)
        except Missing:
            cache.build(session, scenario_id)
            return cache.lookup(scenario_id, version)
