"""Solve jobs (the submit -> status -> result -> stop pattern): each runs in a thread of the
server process that accepted it, and its state lives in the database.

The server may run several processes on one database (``matcher serve --workers``, or several
hosts), so what crosses processes goes through the database: a stop asked of any process is
read by the job's own process (polled every STOP_POLL_SECONDS), and each process renews its
lease (:mod:`api.owners`) every third of ``lease_seconds``; at each renewal, and when it starts,
a process fails the unfinished jobs whose owner's lease has lapsed. So no job stays queued or
running for more than about two lease periods after its process died, and ``DELETE`` on a job
whose process is gone ends it at once."""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import select

from api import audit, owners
from api.auth import Principal
from api.db import Store
from api.models import Scenario, SolveJob, now
from api.records import load_problem, policy_from
from matcher.candidates import VALUE_SCALE
from matcher.errors import MatcherError
from matcher.projects.dispatch import solve_problem
from matcher.result import relative_gap
from matcher.solvers.params import SolveParams

log = logging.getLogger(__name__)

UNFINISHED = ("queued", "running")
#: How often a process checks the database for stops asked of its running jobs by other processes.
STOP_POLL_SECONDS = 0.5
#: How long a process's lease lasts unless renewed; it renews it every third of that.
LEASE_SECONDS = 15.0
#: At most one progress write per job in this many seconds (the engine may improve many times a second).
PROGRESS_SECONDS = 0.5
#: Result fields a job's summary repeats (the direct model's and the project model's).
SUMMARY = (
    "model",
    "status",
    "solver",
    "objective",
    "bound",
    "gap",
    "baseline",
    "needs",
    "served",
    "served_by_project",
    "served_directly",
    "orders_new",
    "orders_running",
    "wall_time",
    "violations",
    "unmatched_by_reason",
)


def _json_ready(data: dict[str, Any]) -> dict[str, Any]:
    """Plain JSON data (numpy scalars become Python numbers)."""
    return json.loads(json.dumps(data, default=lambda v: v.item() if hasattr(v, "item") else str(v)))


class ProgressWriter:
    """Records a job's latest improving plan (objective, bound, gap, seconds) in its row, at most
    every PROGRESS_SECONDS, so any process can show it while the job runs (the workbench polls it)."""

    def __init__(self, store: Store, job_id: str) -> None:
        self.store, self.job_id, self._last = store, job_id, 0.0

    def __call__(self, objective: int, bound: int | None, seconds: float) -> None:
        if time.monotonic() - self._last < PROGRESS_SECONDS:
            return
        self._last = time.monotonic()
        progress = {
            "objective": objective / VALUE_SCALE,
            "bound": None if bound is None else bound / VALUE_SCALE,
            "gap": relative_gap(objective, bound),
            "seconds": round(float(seconds), 2),
        }
        try:
            with self.store.write() as session:
                job = session.get(SolveJob, self.job_id)
                if job is not None and job.status == "running":
                    job.progress = progress
        except Exception:  # progress is for show: a busy database must not fail the solve
            log.warning("could not record the progress of solve job %s", self.job_id, exc_info=True)


class JobRunner:
    """Runs solves in a small thread pool; a stop sets the job's stop event, which the solvers poll."""

    def __init__(
        self, store: Store, workers: int = 1, solver_workers: int = 2, lease_seconds: float = LEASE_SECONDS
    ) -> None:
        self.store = store
        self.solver_workers = solver_workers
        self.lease_seconds = lease_seconds
        self.owner = owners.this_process()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="solve")
        self._stops: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._renew()
        threading.Thread(target=self._watch, name="solve-lease", daemon=True).start()

    def _renew(self) -> None:
        with self.store.write() as session:
            owners.renew(session, self.owner, self.lease_seconds)

    def recover(self) -> int:
        """Fail the jobs left queued or running by processes that are gone; return how many."""
        with self.store.write() as session:
            unfinished = session.scalars(
                select(SolveJob).where(SolveJob.status.in_(UNFINISHED)).with_for_update()
            ).all()
            gone = owners.dead(session, {job.owner for job in unfinished if job.owner} - {self.owner})
            stale = [job for job in unfinished if not job.owner or job.owner in gone]
            for job in stale:
                self._fail_orphan(session, job)
            owners.forget_lapsed(session, 10 * self.lease_seconds)
            return len(stale)

    @staticmethod
    def _fail_orphan(session: Any, job: SolveJob) -> None:
        audit.record(
            session, "system", "solve.failed", "solve", job.id, job.scenario_id, was=job.status, owner=job.owner
        )
        job.error = f"the service process stopped while this job was {job.status}; submit it again"
        job.status, job.finished_at = "failed", now()

    def submit(
        self, actor: Principal, scenario_id: int, solver: str, time_limit: float, policy: dict[str, Any]
    ) -> SolveJob:
        """Record a queued job and hand it to the pool."""
        job = SolveJob(
            id=uuid.uuid4().hex,
            scenario_id=scenario_id,
            status="queued",
            solver=solver,
            time_limit=time_limit,
            policy=policy,
            stop_requested=False,
            requested_by=actor.name,
            owner=self.owner,
        )
        with self.store.write() as session:
            session.add(job)
            audit.record(
                session, actor, "solve.submit", "solve", job.id, scenario_id, solver=solver, time_limit=time_limit
            )
        stop = threading.Event()
        with self._lock:
            self._stops[job.id] = stop
        self._pool.submit(self._run, job.id, stop)
        return job

    def stop(self, actor: Principal, job_id: str) -> SolveJob | None:
        """Ask a job to stop: a queued job never starts; a running one keeps its best solution so far.
        The job may run in another process, which reads the request from the database; a job whose
        process is gone ends at once, failed."""
        with self.store.write() as session:
            job = session.get(SolveJob, job_id, with_for_update=True)
            if job is None:
                return None
            if job.status in UNFINISHED:
                job.stop_requested = True
                audit.record(session, actor, "solve.stop", "solve", job_id, job.scenario_id, was=job.status)
                if job.owner != self.owner and (not job.owner or owners.dead(session, {job.owner})):
                    self._fail_orphan(session, job)
                elif job.status == "queued":
                    job.status, job.finished_at = "stopped", now()
        with self._lock:
            event = self._stops.get(job_id)
        if event is not None:
            event.set()
        return job

    def _watch(self) -> None:
        """Renew this process's lease and fail orphaned jobs every third of a lease; between, set
        the stop event of each job of this process that another process asked to stop."""
        renewed = time.monotonic()
        while not self._closed.wait(min(STOP_POLL_SECONDS, self.lease_seconds / 3)):
            try:
                if time.monotonic() - renewed >= self.lease_seconds / 3:
                    self._renew()
                    renewed = time.monotonic()
                    self.recover()
                self._read_stops()
            except Exception:  # the database is briefly unreachable: try again at the next poll
                log.exception("could not renew the lease or read stop requests")

    def _read_stops(self) -> None:
        with self._lock:
            waiting = [job_id for job_id, event in self._stops.items() if not event.is_set()]
        if not waiting:
            return
        with self.store.read() as session:
            asked = session.scalars(select(SolveJob.id).where(SolveJob.id.in_(waiting), SolveJob.stop_requested)).all()
        with self._lock:
            for job_id in asked:
                if job_id in self._stops:
                    self._stops[job_id].set()

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
            scenario = session.get_one(Scenario, job.scenario_id)
        try:
            with self.store.read() as session:
                problem = load_problem(session, scenario)
            # projects: the cpsat engine stops mid-search on DELETE; highs stops between parts
            result = solve_problem(
                problem,
                policy_from(policy_spec),
                solver=solver,
                params=SolveParams(
                    engine="cpsat" if solver == "cpsat" else "highs", time_limit=time_limit, workers=self.solver_workers
                ),
                should_stop=stop.is_set,
                on_progress=ProgressWriter(self.store, job_id),
            )
        except MatcherError as exc:  # bad lists or policy, infeasible rules, no solution in time
            self._finish(job_id, "failed", error=str(exc))
            return
        data = _json_ready(result.to_dict())
        data["model"] = "projects" if problem.has_projects else "direct"
        summary = {k: data[k] for k in SUMMARY if k in data}
        self._finish(job_id, "stopped" if stop.is_set() else "done", summary=summary, result=data)

    def _finish(
        self,
        job_id: str,
        status: str,
        *,
        error: str | None = None,
        summary: dict[str, Any] | None = None,
        result: dict[str, Any] | None = None,
    ) -> None:
        with self.store.write() as session:
            job = session.get(SolveJob, job_id, with_for_update=True)
            if job is None or job.status not in UNFINISHED:  # its scenario was deleted, or it was failed
                return  # while this process could not renew its lease
            job.status, job.finished_at, job.error = status, now(), error
            job.summary, job.result = summary, result
            audit.record(
                session,
                "system",
                f"solve.{status}",
                "solve",
                job_id,
                job.scenario_id,
                served=(summary or {}).get("served"),
                error=error,
            )

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
        """Stop every job of this process (each keeps its best solution so far), wait for them and
        give up the lease."""
        self._closed.set()
        with self._lock:
            for event in self._stops.values():
                event.set()
        self._pool.shutdown(wait=True, cancel_futures=True)
        try:
            with self.store.write() as session:
                owners.release(session, self.owner)
        except Exception:  # the lease then lapses by itself
            log.exception("could not release the lease of %s", self.owner)
