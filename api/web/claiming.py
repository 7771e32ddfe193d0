"""Claims (认领) for a unit coordinator: the open orders of a scenario, each with whether the unit
may claim it and, when not, the claim rule it breaks (认领资格, :mod:`api.eligibility`); the
unit's claims, to withdraw or hand to another unit; and the transfers offered to it, to accept or
decline. A unit token sees its own unit only. Every change goes through :mod:`api.claims`, which
checks and audits it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.wrappers import Response

from api import claims as service
from api.errors import ApiError
from api.models import Claim, Order, Transfer
from api.records import OPEN_STAGES
from api.schemas import TransferCreateSchema
from api.views.common import claims_writer, rules, store
from api.web.actions import attempt, loaded, refusal
from api.web.blueprint import blp
from api.web.catalogue import chosen_scenario, claim_rules, orders, scenarios_with
from api.web.paging import Page, page_args
from api.web.recommending import recommended
from api.web.screens import Screen
from api.web.session import current_actor, login_required, signed_in, signed_in_token
from api.web.terms import CLAIM_STATUSES, STAGES, claim_rule_text

SCREEN = Screen("web.claims", _l("Claims"), ("unit",))


def _unit() -> str:
    principal = signed_in()
    assert principal is not None
    return principal.subject


def _open_orders(scenario_id: int, unit: str) -> Page:
    """A page of the scenario's open orders (of one community with ``?community=``), each with the
    unit's standing on it: the claim rule it breaks, if any."""
    where: dict[str, Any] = {"stage": OPEN_STAGES}
    if request.args.get("community"):
        where["community"] = request.args["community"]
    found = claim_rules(scenario_id)
    with store().read() as session:
        rows = orders(session, scenario_id, page_args(), **where)
    shown = []
    for order, taken in rows.items:
        try:
            rule = found.broken(order.project, order.community, unit)
            why = claim_rule_text(rule.value) if rule is not None else ""
        except KeyError:  # the lists changed since the order: the claim itself will say why
            why = str(_l("the project or community is no longer in the lists"))
        shown.append({"order": order, "taken": taken, "why": why})
    return replace(rows, items=shown)


def _mine(scenario_id: int, unit: str) -> tuple[list[tuple[Claim, Order]], list[tuple[Transfer, Order]]]:
    """The unit's claims in the scenario, and the transfers offered to it or by it."""
    with store().read() as session:
        held = session.execute(
            select(Claim, Order)
            .join(Order, Order.id == Claim.order_id)
            .where(Claim.unit == unit, Order.scenario_id == scenario_id)
            .order_by(Claim.id)
        ).all()
        offers = session.execute(
            select(Transfer, Order)
            .join(Claim, Claim.id == Transfer.claim_id)
            .join(Order, Order.id == Claim.order_id)
            .where((Transfer.to_unit == unit) | (Transfer.from_unit == unit), Order.scenario_id == scenario_id)
            .order_by(Transfer.id)
        ).all()
    return [tuple(row) for row in held], [tuple(row) for row in offers]  # type: ignore[misc]


@blp.get("/web/claims")
@login_required("unit")
def claims(error: str = "") -> str:
    unit = _unit()
    choices = scenarios_with("resources", unit)
    scenario_id = chosen_scenario(choices)
    if scenario_id is None:
        return render_template("claims.html", scenario_id=None, choices=choices, unit=unit)
    held, offers = _mine(scenario_id, unit)
    return render_template(
        "claims.html",
        scenario_id=scenario_id,
        choices=choices,
        unit=unit,
        open_orders=_open_orders(scenario_id, unit),
        held=held,
        offers=offers,
        advice=recommended(scenario_id, unit=unit) if request.args.get("recommend") else None,
        stages=STAGES,
        statuses=CLAIM_STATUSES,
        error=error,
    )


def _back(error: str) -> Response | tuple[str, int]:
    if error:
        return claims(error), 422
    return redirect(url_for("web.claims", scenario=request.form.get("scenario")))


@blp.post("/web/claims/orders/<int:order_id>")
@login_required("unit")
def claim(order_id: int) -> Response | tuple[str, int]:
    """Claim one slot of the order for this unit (认领)."""
    try:  # the API's own claim, fast path included
        service.claim_slot(claims_writer(), rules(), current_actor(), signed_in_token(), order_id, _unit(), None)
    except ApiError as exc:
        return _back(refusal(exc))
    return _back("")


@blp.post("/web/claims/<int:claim_id>/withdraw")
@login_required("unit")
def withdraw(claim_id: int) -> Response | tuple[str, int]:
    actor = current_actor()
    return _back(attempt(lambda s: service.withdraw(s, actor, claim_id)))


@blp.post("/web/claims/<int:claim_id>/transfer")
@login_required("unit")
def transfer(claim_id: int) -> Response | tuple[str, int]:
    """Offer the claim to another unit; it moves when that unit accepts."""
    actor, cache = current_actor(), rules()
    body, error = loaded(TransferCreateSchema(), request.form)
    return _back(
        error or attempt(lambda s: service.offer_transfer(s, cache, actor, claim_id, body["to_unit"]), with_rules=True)
    )


@blp.post("/web/transfers/<int:transfer_id>/<any(accept, decline):answer>")
@login_required("unit")
def answer(transfer_id: int, answer: str) -> Response | tuple[str, int]:
    actor = current_actor()
    return _back(attempt(lambda s: service.decide_transfer(s, actor, transfer_id, accept=answer == "accept")))
