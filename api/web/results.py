"""Solve jobs as the pages read them: a job, its finished result (parsed once per process and
kept: a finished job never changes) and the result rebuilt for explaining one need."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from flask import abort, current_app
from sqlalchemy import select
from sqlalchemy.orm import defer

from api.models import Scenario, SolveJob
from api.records import load_problem, policy_from
from api.views.common import store
from matcher.network.diagnostics import need_reasons
from matcher.network.rebuild import rebuild_result
from matcher.result import Result

T = TypeVar("T")
FINISHED = ("done", "stopped")
#: Results kept per process (a 50,000-need result takes tens of MB parsed).
KEEP = 3


class Recent:
    """A small thread-safe least-recently-used cache of finished jobs' data; a value being made
    is made once (a second caller waits for the first)."""

    def __init__(self, size: int) -> None:
        self.size, self._items, self._lock = size, OrderedDict[str, Any](), threading.Lock()
        self._making: dict[str, threading.Lock] = {}

    def get(self, key: str, make: Callable[[], T]) -> T:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            making = self._making.setdefault(key, threading.Lock())
        with making:
            with self._lock:
                if key in self._items:
                    return self._items[key]
            try:
                value = make()
            finally:
                with self._lock:
                    self._making.pop(key, None)
            with self._lock:
                if value is not None:  # nothing to keep (yet)
                    self._items[key] = value
                    while len(self._items) > self.size:
                        self._items.popitem(last=False)
        return value

    def __contains__(self, key: str) -> bool:
        with self._lock:
            return key in self._items or key in self._making


_RESULTS, _REBUILT, _VIEWS = Recent(KEEP), Recent(KEEP), Recent(KEEP)


def derived(job_id: str, what: str, make: Callable[[], T]) -> T:
    """Data a screen derives from a finished job's result (sorted tables, map shapes), kept
    like the result itself: a finished job never changes."""
    return _VIEWS.get(f"{job_id}:{what}", make)


def job_or_404(job_id: str) -> SolveJob:
    """A job without its result (which can be megabytes: :func:`finished` reads it once)."""
    with store().read() as session:
        job = session.scalar(select(SolveJob).options(defer(SolveJob.result)).where(SolveJob.id == job_id[:32]))
    if job is None:
        abort(404)
    return job


def _result_of(job_id: str) -> dict[str, Any] | None:
    with store().read() as session:
        return session.scalar(select(SolveJob.result).where(SolveJob.id == job_id))


def finished(job_id: str) -> tuple[SolveJob, dict[str, Any]]:
    """A finished job and its result; 404 while it has none."""
    job = job_or_404(job_id)
    data = _RESULTS.get(job.id, lambda: _result_of(job.id)) if job.status in FINISHED else None
    if data is None:
        abort(404)
    return job, data


@dataclass(frozen=True)
class Explainer:
    """A stored direct-model result rebuilt, with every need's checked reason (computed once)."""

    result: Result
    reasons: np.ndarray


def rebuilt(job_id: str) -> Explainer | None:
    """The direct-model result of a finished job, rebuilt to be explained (None for a project
    run, whose per-need reasons come stored with its result)."""
    job, data = finished(job_id)
    if data.get("model") != "direct":
        return None

    def make() -> Explainer:
        with store().read() as session:
            problem = load_problem(session, session.get(Scenario, job.scenario_id))  # type: ignore[arg-type]
        result = rebuild_result(
            problem,
            policy_from(job.policy),
            [(row["need"], row["resource"]) for row in data["assignments"]],
            status=data["status"],
            objective=data["objective"],
            bound=data["bound"],
            solver=data["solver"],
        )
        return Explainer(result, need_reasons(result))

    return _REBUILT.get(job_id, make)


def prefetch(job_id: str) -> None:
    """Rebuild a finished job's result in the background (a 50,000-need scenario takes seconds),
    so the need a planner opens from the unmatched queue is explained at once."""
    if job_id in _REBUILT:
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def run() -> None:
        with app.app_context():
            try:
                rebuilt(job_id)
            except Exception:  # the need page reports it when opened
                app.logger.info("could not rebuild job %s in the background", job_id, exc_info=True)

    threading.Thread(target=run, name=f"rebuild-{job_id[:8]}", daemon=True).start()
