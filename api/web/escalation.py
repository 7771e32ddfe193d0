"""Escalation: a scenario's needs routed community → street → district by the core
(:func:`matcher.solvers.escalation.escalate`), each need with the route it took, the level that
served it, its arrival against its deadline, or why no level could. The planner sets each level's
routing minutes, the solver and its time limit per level; a result is kept per scenario, lists
version and settings (the same settings on the same lists give the same routes)."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from api.models import Scenario
from api.records import load_problem, policy_from
from api.views.common import store
from api.web.blueprint import blp
from api.web.catalogue import chosen_scenario
from api.web.issues import error_text
from api.web.paging import page_of
from api.web.results import Recent
from api.web.screens import Screen
from api.web.session import login_required
from api.web.terms import REASONS, STATUSES, value_text
from matcher.errors import MatcherError
from matcher.solvers.escalation import EscalationRules, escalate
from matcher.solvers.params import SolveParams

SCREEN = Screen("web.escalation", _l("Escalation"))
#: Solvers a planner may pick per level, and the seconds each level may take at most.
SOLVERS = ("greedy", "auto")
MAX_SECONDS = 60.0
DEADLINE_STATUSES = {"met": _l("on time"), "late": _l("late"), "unserved": _l("unserved")}
_ROUTED: Recent = Recent(4)


def _settings() -> dict[str, Any] | str:
    """The form's settings, or what is wrong with them (the core checks the minutes)."""
    solver = request.args.get("solver", SOLVERS[0])
    try:
        rules = EscalationRules(
            float(request.args.get("street_minutes", EscalationRules.street_minutes)),
            float(request.args.get("district_minutes", EscalationRules.district_minutes)),
        )
        seconds = float(request.args.get("time_limit", 10))
    except MatcherError as exc:
        return error_text(exc)
    except ValueError:
        return str(_l("Minutes and seconds are numbers."))
    if solver not in SOLVERS or not 0.1 <= seconds <= MAX_SECONDS:
        return str(_l("Choose a solver and a time limit of 0.1 to 60 seconds per level."))
    return {"rules": rules, "solver": solver, "time_limit": seconds}


def routed(scenario_id: int, settings: dict[str, Any]) -> dict[str, Any] | str:
    """The escalation of the scenario as it stands (its ``to_dict``), or the core's refusal."""
    with store().read() as session:
        version = session.scalar(select(Scenario.lists_version).where(Scenario.id == scenario_id))
    rules, solver, seconds = settings["rules"], settings["solver"], settings["time_limit"]
    key = f"{scenario_id}:{version}:{rules.street_minutes}:{rules.district_minutes}:{solver}:{seconds}"

    def make() -> dict[str, Any] | MatcherError:
        with store().read() as session:
            scenario = session.get_one(Scenario, scenario_id)
            problem, policy = load_problem(session, scenario), policy_from(scenario.policy)
        try:
            return escalate(
                problem, policy, rules=rules, solver=solver, params=SolveParams(time_limit=seconds)
            ).to_dict()
        except MatcherError as exc:
            return exc.with_traceback(None)  # kept without the frames (and the problem) it was raised in

    found = _ROUTED.get(key, make)
    return error_text(found) if isinstance(found, MatcherError) else found


@blp.get("/web/escalation")
@login_required("planner")
def escalation() -> str:
    with store().read() as session:
        choices = dict(session.execute(select(Scenario.id, Scenario.name).order_by(Scenario.id.desc())).all())
    scenario_id = chosen_scenario(choices)
    settings = _settings()
    data = routed(scenario_id, settings) if scenario_id is not None and isinstance(settings, dict) else None
    status = request.args.get("status", "")
    rows = data["needs"] if isinstance(data, dict) else []
    return render_template(
        "escalation.html",
        choices=choices,
        scenario_id=scenario_id,
        settings=settings,
        solvers=SOLVERS,
        data=data,
        page=page_of([row for row in rows if row["deadline_status"] == status] if status else rows),
        status=status,
        deadline_statuses=DEADLINE_STATUSES,
        statuses=STATUSES,
        reason_text=reason_text,
    )


def reason_text(reason: str) -> str:
    """``street: no_skill; higher levels too slow for the deadline`` in the page's language."""
    if not reason:
        return ""
    head, _sep, tail = reason.partition(";")
    level, _sep, code = head.partition(": ")
    said = f"{value_text('level', level)}: {REASONS.get(code, code)}"
    return f"{said}; {_l('higher levels too slow for the deadline')}" if tail else said
