"""Projects and orders (项目清单, 点单, 三会) for a community: the projects catalogue with the
recommendations of the core (:mod:`api.web.recommending`), a form to order one, and the
community's orders through their hearing (听证会), coordination (协调会) and evaluation (评议会),
or cancelled at the hearing with the reason. A community token sees its own community; a planner
picks one. Every change goes through :mod:`api.claims`, which checks and audits it."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from api import claims as service
from api.auth import Principal
from api.schemas import CancelSchema, OrderCreateSchema, StageSchema
from api.views.common import store
from api.web.actions import attempt, loaded
from api.web.blueprint import blp
from api.web.catalogue import chosen_scenario, orders, records, scenarios_with
from api.web.recommending import recommended
from api.web.screens import Screen
from api.web.session import current_actor, login_required, signed_in
from api.web.terms import CLAIM_STATUSES, STAGES

SCREEN = Screen("web.projects", _l("Projects and orders"), ("planner", "community"))
ROLES = ("planner", "community")


def _community(principal: Principal, communities: list[str]) -> str:
    """A community token's own community; a planner's ``?community=`` (the first by default)."""
    if principal.role == "community":
        return principal.subject
    asked = request.values.get("community", "")
    if asked and asked not in communities:
        abort(404)
    return asked or (communities[0] if communities else "")


@blp.get("/web/projects")
@login_required(*ROLES)
def projects(error: str = "") -> str:
    principal = signed_in()
    assert principal is not None
    choices = scenarios_with("projects")
    scenario_id = chosen_scenario(choices)
    if scenario_id is None:
        return render_template("projects.html", scenario_id=None, choices=choices)
    with store().read() as session:
        communities = [row["id"] for row in records(session, scenario_id, "communities")]
        community = _community(principal, communities)
        catalogue = records(session, scenario_id, "projects")
        mine = orders(session, scenario_id, community=community).items
    return render_template(
        "projects.html",
        scenario_id=scenario_id,
        choices=choices,
        communities=communities,
        community=community,
        catalogue=catalogue,
        orders=mine,
        advice=recommended(scenario_id, community) if request.args.get("recommend") else None,
        stages=STAGES,
        statuses=CLAIM_STATUSES,
        error=error,
    )


def _back(error: str = "") -> Response | tuple[str, int]:
    if error:
        return projects(error), 422
    return redirect(
        url_for("web.projects", scenario=request.form.get("scenario"), community=request.form.get("community"))
    )


@blp.post("/web/projects/orders")
@login_required(*ROLES)
def place_order() -> Response | tuple[str, int]:
    """Order a catalogue project for the community (点单); it starts at its hearing."""
    actor = current_actor()
    scenario_id = chosen_scenario(scenarios_with("projects"))
    if scenario_id is None:
        return projects(str(_l("No scenario has a projects list (项目清单) yet."))), 422
    body, error = loaded(OrderCreateSchema(), request.form, numbers=("slots",))
    return _back(
        error
        or attempt(
            lambda session: service.create_order(
                session,
                actor,
                scenario_id,
                body["project"],
                body["community"],
                body.get("slots"),
                body.get("note", ""),
                body.get("venue", ""),
            )
        )
    )


@blp.post("/web/projects/orders/<int:order_id>/stage")
@login_required(*ROLES)
def advance(order_id: int) -> Response | tuple[str, int]:
    """The next of the 三会: to its coordination (协调会), then evaluated (评议会) with a score."""
    actor = current_actor()
    body, error = loaded(StageSchema(), request.form, numbers=("score",))
    return _back(
        error
        or attempt(
            lambda session: service.advance(
                session, actor, order_id, body["stage"], body.get("score"), body.get("comments")
            )
        )
    )


@blp.post("/web/projects/orders/<int:order_id>/cancel")
@login_required(*ROLES)
def cancel(order_id: int) -> Response | tuple[str, int]:
    """Cancel an order at its hearing (听证会), with the reason."""
    actor = current_actor()
    body, error = loaded(CancelSchema(), request.form)
    return _back(error or attempt(lambda session: service.cancel(session, actor, order_id, body["reason"])))
