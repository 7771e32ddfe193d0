"""Live dispatch in the service: the event log of each scenario and each process's live plan.

What crosses server processes goes through the database: every arrival, accept (publication),
unpin and re-plan is a :class:`~api.models.DispatchEvent`, written in the transaction that checked
it. Each process keeps the live plan (:class:`~matcher.dispatch.ledger.Ledger`) of the scenarios it
served and, before every use, applies the events other processes wrote since (in id order). The
plan starts from the scenario's lists and its latest finished solve; a change of either rebuilds it
(seen within :data:`BASE_CHECK_SECONDS`).
The scenario's clock (dispatch minutes) runs from the scenario's creation.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.models import DispatchEvent, ListRecord, Scenario, SolveJob, now
from api.records import load_problem, policy_from, record_data
from matcher.dispatch.intake import TIME_FIELD, intake
from matcher.dispatch.ledger import Ledger
from matcher.dispatch.recommend import DEFAULT_K, accept, recommend
from matcher.dispatch.replan import Replan, plan_data, replan, restore
from matcher.errors import FieldError
from matcher.problem import Problem
from matcher.solvers.escalation import EscalationRules

RULES = EscalationRules()


def clock(scenario: Scenario, when: datetime | None = None) -> float:
    """Dispatch minutes of ``when`` (default: now) on the scenario's clock."""
    return round(((when or now()) - scenario.created_at).total_seconds() / 60.0, 3)


#: How often a process looks again at what its plans start from (the lists' last change, the latest
#: finished solve): reading that takes ~0.1 s at 100,000 needs, so a list edit or a new solve reaches
#: a process's live plan within this many seconds. Dispatch events are applied on every use.
BASE_CHECK_SECONDS = 5.0


@dataclass
class _Live:
    ledger: Ledger
    key: tuple[Any, ...]
    last_event: int
    checked: float


class LiveDispatch:
    """The live plans this process holds, one per scenario, each behind its own lock."""

    def __init__(self) -> None:
        self._plans: dict[int, _Live] = {}
        self._locks: dict[int, threading.Lock] = {}
        self._guard = threading.Lock()

    @contextmanager
    def plan(self, session: Session, scenario: Scenario) -> Iterator[Ledger]:
        """The scenario's live plan, caught up with the event log. Refused input (FieldError) changes
        nothing; after any other failure the plan is dropped and rebuilt on next use."""
        with self._guard:
            lock = self._locks.setdefault(scenario.id, threading.Lock())
        with lock:
            live = self._catch_up(session, scenario)
            try:
                yield live.ledger
            except FieldError:
                raise
            except BaseException:
                self._plans.pop(scenario.id, None)  # half-applied changes: rebuild next time
                raise

    def record(self, session: Session, scenario: Scenario, event: DispatchEvent) -> None:
        """Write ``event`` (already applied to the plan); the plan is now at its id. Should the
        transaction roll back, the plan is dropped, as it holds a change the log does not."""
        session.add(event)
        session.flush()
        self._plans[scenario.id].last_event = event.id
        sqlalchemy_event.listen(session, "after_rollback", lambda _: self._plans.pop(scenario.id, None), once=True)

    def _catch_up(self, session: Session, scenario: Scenario) -> _Live:
        live = self._plans.get(scenario.id)
        if live is None or time.monotonic() - live.checked >= BASE_CHECK_SECONDS:
            key = _base_key(session, scenario)
            if live is None or live.key != key:
                live = _Live(_base_plan(session, scenario), key, 0, 0.0)
                self._plans[scenario.id] = live
            live.checked = time.monotonic()
        events = session.scalars(
            select(DispatchEvent)
            .where(DispatchEvent.scenario_id == scenario.id, DispatchEvent.id > live.last_event)
            .order_by(DispatchEvent.id)
        ).all()
        for event in events:
            _apply(live.ledger, event)
            live.last_event = event.id
        return live


def _base_key(session: Session, scenario: Scenario) -> tuple[Any, ...]:
    """What the plan's start depends on: the lists' last change and the latest finished solve."""
    lists = session.execute(
        select(func.count(), func.max(ListRecord.updated_at)).where(ListRecord.scenario_id == scenario.id)
    ).one()
    job = session.scalar(
        select(SolveJob.id)
        .where(SolveJob.scenario_id == scenario.id, SolveJob.status == "done")
        .order_by(SolveJob.finished_at.desc(), SolveJob.id)
        .limit(1)
    )
    return (tuple(lists), job, repr(scenario.policy))


def _base_plan(session: Session, scenario: Scenario) -> Ledger:
    """The scenario's needs placed as its latest finished solve placed them (unplaced without one)."""
    problem = load_problem(session, scenario)
    job = session.scalar(
        select(SolveJob)
        .where(SolveJob.scenario_id == scenario.id, SolveJob.status == "done")
        .order_by(SolveJob.finished_at.desc(), SolveJob.id)
        .limit(1)
    )
    assignment: dict[str, list[str]] = {}
    for row in (job.result or {}).get("assignments", []) if job is not None else []:
        if "need" in row and "resource" in row:
            assignment.setdefault(str(row["need"]), []).append(str(row["resource"]))
    return Ledger.from_plan(problem, policy_from(scenario.policy), assignment)


def _apply(ledger: Ledger, event: DispatchEvent) -> None:
    """Carry out one logged event on a plan (every process reaches the same plan)."""
    if event.kind == "arrival":
        intake(ledger, {**event.data, TIME_FIELD: event.at})
    elif event.kind == "accept":
        accept(ledger, event.need, event.data.get("resources") or event.resource, event.at, RULES)
    elif event.kind == "unpin":
        ledger.unpin(ledger.need_index(event.need))
    elif event.kind == "replan":
        restore(ledger, event.data["assignment"], event.at)


# --- the operations the views call ---------------------------------------------------------------


def arrive(
    live: LiveDispatch, session: Session, scenario: Scenario, record: dict[str, Any], actor: str
) -> dict[str, Any]:
    """Take one need in (受理); a bad one raises FieldError and nothing is stored."""
    record = dict(record)
    if record.get(TIME_FIELD) in (None, ""):
        record[TIME_FIELD] = clock(scenario)
    with live.plan(session, scenario) as ledger:
        n = intake(ledger, record)
        need = ledger.needs[n]
        live.record(
            session,
            scenario,
            DispatchEvent(
                scenario_id=scenario.id,
                kind="arrival",
                need=need.id,
                at=ledger.arrived_at[n],
                data=record_data(need),
                actor=actor,
            ),
        )
        return arrival_view(ledger, n)


def recommendations(
    live: LiveDispatch, session: Session, scenario: Scenario, need_id: str, k: int = DEFAULT_K
) -> dict[str, Any]:
    """The top k options for an arrived need, with the escalation route that found them."""
    with live.plan(session, scenario) as ledger:
        rec = recommend(ledger, need_id, k, RULES)
        return {
            "need": need_id,
            "deadline_minutes": rec.deadline,
            "options": rec.to_rows(ledger),
            "route": [vars(s) for s in rec.route],
        }


def publish(
    live: LiveDispatch, session: Session, scenario: Scenario, need_id: str, resource_ids: list[str], actor: str
) -> dict[str, Any]:
    """Accept an option: the assignment — one resource, or the set a need of several providers
    takes — is published (派单) and pinned."""
    with live.plan(session, scenario) as ledger:
        at = max(clock(scenario), ledger.arrived_at[ledger.need_index(need_id)])
        option = accept(ledger, need_id, resource_ids, at, RULES)
        live.record(
            session,
            scenario,
            DispatchEvent(
                scenario_id=scenario.id,
                kind="accept",
                need=need_id,
                resource=resource_ids[0],
                at=at,
                data={"resources": resource_ids} if len(resource_ids) > 1 else {},
                actor=actor,
            ),
        )
        n = ledger.need_index(need_id)
        return {**arrival_view(ledger, n), "objective_change": option.delta / 100, "moved": option.moved}


def unpin(live: LiveDispatch, session: Session, scenario: Scenario, need_id: str, actor: str) -> dict[str, Any]:
    """A planner takes a published assignment back: later re-plans may move it."""
    with live.plan(session, scenario) as ledger:
        n = ledger.need_index(need_id)
        if n not in ledger.pinned:
            raise FieldError("need", f"need {need_id!r} has no published assignment")
        ledger.unpin(n)
        live.record(
            session,
            scenario,
            DispatchEvent(scenario_id=scenario.id, kind="unpin", need=need_id, at=clock(scenario), actor=actor),
        )
        return arrival_view(ledger, n)


def replan_live(
    live: LiveDispatch, session: Session, scenario: Scenario, actor: str, time_limit: float = 10.0
) -> dict[str, Any]:
    """Re-plan what is not published, at the policy's move cost; the outcome is logged."""
    with live.plan(session, scenario) as ledger:
        at = clock(scenario)
        report: Replan = replan(ledger, at, time_limit=time_limit)
        live.record(
            session,
            scenario,
            DispatchEvent(
                scenario_id=scenario.id, kind="replan", at=at, data={"assignment": plan_data(ledger)}, actor=actor
            ),
        )
        return report.to_dict()


def scenario_problem(live: LiveDispatch, session: Session, scenario: Scenario) -> Problem:
    """The problem the scenario's live plan runs on (its communities and resources)."""
    with live.plan(session, scenario) as ledger:
        return ledger.problem


def arrivals(
    live: LiveDispatch, session: Session, scenario: Scenario, need_ids: list[str] | None = None
) -> list[dict[str, Any]]:
    """Needs taken in live (not the scenario's own list), oldest first, or the ones named."""
    with live.plan(session, scenario) as ledger:
        first = len(ledger.problem.needs)
        wanted = (
            range(first, len(ledger.needs))
            if need_ids is None
            else [ledger.index[i] for i in need_ids if i in ledger.index and ledger.index[i] >= first]
        )
        return [arrival_view(ledger, n) for n in wanted]


def arrival_view(ledger: Ledger, n: int) -> dict[str, Any]:
    """One need as the API shows it: its record, time, assignment, publication and route."""
    ids = ledger.arrays.resource_ids
    placed = ledger.placed.get(n, [])
    return {
        "need": ledger.needs[n].id,
        "at": ledger.arrived_at[n],
        "record": record_data(ledger.needs[n]),
        "status": "published" if n in ledger.pinned else ("proposed" if placed else "waiting"),
        "resources": [ids[p.resource] for p in placed],
        "arrival_minutes": max((round(p.arrival, 1) for p in placed), default=None),
        "deadline_minutes": ledger.needs[n].urgency.deadline_minutes,
        "route": [vars(s) for s in ledger.routes.get(n, [])],
    }
