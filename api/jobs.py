"""Solve jobs (the submit -> status -> result -> stop pattern): each runs in a worker thread,
its state lives in the database, and a job found queued or running when the service starts
is marked failed, since the process that ran it is gone."""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import select

from api import audit
from api.auth import Principal
from api.db import Store
from api.models import Scenario, SolveJob, now
from api.records import load_problem, policy_from
from matcher.errors import MatcherError
from matcher.solvers import solve

log = logging.getLogger(__name__)

UNFINISHED = ("queued", "running")


def _json_ready(data: dict[str, Any]) -> dict[str, Any]:
    """Plain JSON data (numpy scalars become Python numbers)."""
    return json.loads(json.dumps(data, default=lambda v: v.item() if hasattr(v, "item") else str(v)))


class JobRunner:
    """Runs solves in a small thread pool; ``DELETE`` sets a job's stop event, which CP-SAT polls."""

    def __init__(self, store: Store, workers: int = 1, solver_workers: int = 2) -> None:
        self.store = store
        self.solver_workers = solver_workers
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="solve")
        self._stops: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def recover(self) -> int:
        """Mark jobs left queued or running by an earlier process as failed; return how many."""
        with self.store.write() as session:
            stale = session.scalars(select(SolveJob).where(SolveJob.status.in_(UNFINISHED))).all()
            for job in stale:
                audit.record(session, "system", "solve.failed", "solve", job.id, job.scenario_id, was=job.status)
                job.error = f"the service stopped while this job was {job.status}; submit it again"
                job.status, job.finished_at = "failed", now()
            return len(stale)

    def submit(self, actor: Principal, scenario_id: int, solver: str, time_limit: float,
               policy: dict[str, Any]) -> SolveJob:
        """Record a queued job and hand it to the pool."""
        job = SolveJob(id=uuid.uuid4().hex, scenario_id=scenario_id, status="queued", solver=solver,
                       time_limit=time_limit, policy=policy, stop_requested=False, requested_by=actor.name)
        with self.store.write() as session:
            session.add(job)
            audit.record(session, actor, "solve.submit", "solve", job.id, scenario_id, solver=solver,
                         time_limit=time_limit)
        stop = threading.Event()
        with self._lock:
            self._stops[job.id] = stop
        self._pool.submit(self._run, job.id, stop)
        return job

    def stop(self, actor: Principal, job_id: str) -> SolveJob | None:
        """Ask a job to stop: a queued job never starts; a running one keeps its best solution so far."""
        with self.store.write() as session:
            job = session.get(SolveJob, job_id, with_for_update=True)
            if job is None:
                return None
            if job.status in UNFINISHED:
                job.stop_requested = True
                if job.status == "queued":
                    job.status, job.finished_at = "stopped", now()
                audit.record(session, actor, "solve.stop", "solve", job_id, job.scenario_id, was=job.status)
        with self._lock:
            event = self._stops.get(job_id)
        if event is not None:
            event.set()
        return job

    def _run(self, job_id: str, stop: threading.Event) -> None:
        try:
            self._solve(job_id, stop)
        except Exception:  # a worker thread must record every failure, never die silently
            log.exception("solve job %s failed", job_id)
            self._finish(job_id, "failed", error="internal error while solving; see the service log")
        finally:
            with self._lock:
                self._stops.pop(job_id, None)

    def _solve(self, job_id: str, stop: threading.Event) -> None:
        with self.store.write() as session:
            job = session.get(SolveJob, job_id, with_for_update=True)
            if job is None or job.status != "queued":
                return
            job.status, job.started_at = "running", now()
            solver, time_limit, policy_spec = job.solver, job.time_limit, job.policy
            scenario = session.get(Scenario, job.scenario_id)
        try:
            with self.store.read() as session:
                problem = load_problem(session, scenario)  # type: ignore[arg-type]
            result = solve(problem, policy_from(policy_spec), solver=solver, time_limit=time_limit,
                           workers=self.solver_workers, should_stop=stop.is_set)
        except MatcherError as exc:  # bad lists or policy, infeasible rules, no solution in time
            self._finish(job_id, "failed", error=str(exc))
            return
        data = _json_ready(result.to_dict())
        summary = {k: data[k] for k in ("status", "solver", "objective", "bound", "gap", "needs", "served",
                                        "wall_time", "violations", "unmatched_by_reason")}
        self._finish(job_id, "stopped" if stop.is_set() else "done", summary=summary, result=data)

    def _finish(self, job_id: str, status: str, *, error: str | None = None, summary: dict[str, Any] | None = None,
                result: dict[str, Any] | None = None) -> None:
        with self.store.write() as session:
            job = session.get(SolveJob, job_id, with_for_update=True)
            if job is None:  # its scenario was deleted meanwhile
                return
            job.status, job.finished_at, job.error = status, now(), error
            job.summary, job.result = summary, result
            audit.record(session, "system", f"solve.{status}", "solve", job_id, job.scenario_id,
                         served=(summary or {}).get("served"), error=error)

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until no job is queued or running in this process (for tests and shutdown)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._stops:
                    return True
            time.sleep(0.02)
        return False

    def shutdown(self) -> None:
        with self._lock:
            for event in self._stops.values():
                event.set()
        self._pool.shutdown(wait=True, cancel_futures=True)
