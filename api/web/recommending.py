"""Recommendations (推荐) for the projects-and-claims screens, read off the core's joint plan of
the part of the scenario around the community or unit (:func:`matcher.projects.solve_projects`
and :mod:`matcher.projects.recommend`, as ``matcher recommend`` does), with a short time limit.
Kept per scenario, lists version and community or unit: the lists unchanged, the advice is too."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from api.models import ListRecord, Scenario
from api.records import load_problem, policy_from
from api.views.common import store
from api.web.issues import error_text
from api.web.results import Recent
from matcher.errors import MatcherError
from matcher.projects import recommend, solve_projects

#: Seconds the joint plan behind a recommendation may take (the CLI's default is 20).
TIME_LIMIT = 5.0
_ADVICE: Recent = Recent(16)


def recommended(scenario_id: int, community: str = "", unit: str = "") -> list[dict[str, Any]] | str:
    """Projects for ``community`` to order, or open orders for ``unit`` to claim; or why none
    could be worked out (the core's refusal, in the page's language)."""
    with store().read() as session:
        scenario = session.get(Scenario, scenario_id)
        assert scenario is not None  # the screens only offer scenarios that exist
        home = community or session.scalar(
            select(ListRecord.data["community"].as_string()).where(
                ListRecord.scenario_id == scenario_id, ListRecord.list_name == "resources", ListRecord.record_id == unit
            )
        )
        key = f"{scenario_id}:{scenario.lists_version}:{community}:{unit}"

    def make() -> list[dict[str, Any]] | MatcherError:
        with store().read() as session:
            scenario = session.get_one(Scenario, scenario_id)
            problem, policy = load_problem(session, scenario), policy_from(scenario.policy)
        try:
            result = solve_projects(problem, policy, time_limit=TIME_LIMIT, communities=[home])
            return recommend.for_community(result, community) if community else recommend.for_unit(result, unit)
        except MatcherError as exc:
            return exc.with_traceback(None)  # kept without the frames (and the problem) it was raised in

    found = _ADVICE.get(key, make)
    return error_text(found) if isinstance(found, MatcherError) else found
