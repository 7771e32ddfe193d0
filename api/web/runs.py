"""Run board (运行): start a solve with a policy preset and overrides, watch its objective, bound
and gap while it runs (the page polls the job's recorded progress), stop it, and see every run
with its status, figures and time. Jobs run through the API's job runner (:mod:`api.jobs`)."""

from __future__ import annotations

from typing import Any

from flask import abort, jsonify, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import defer
from werkzeug.wrappers import Response

from api.models import Scenario, SolveJob, now
from api.records import policy_data, policy_from
from api.views.common import runner, store
from api.web.blueprint import blp
from api.web.formatting import figure, gap
from api.web.issues import message_text
from api.web.paging import Page, page_args
from api.web.results import job_or_404
from api.web.screens import Screen
from api.web.session import current_actor, login_required
from api.web.terms import STATUSES, term
from matcher.errors import FieldError
from matcher.policy import PRESETS, get_policy, parse_overrides
from matcher.solvers import SOLVERS

SCREEN = Screen("web.runs", _l("Run board"))
UNFINISHED = ("queued", "running")
#: Seconds a planner may give a solve from the workbench (the API allows the same).
TIME_LIMITS = (0.1, 600.0)


@blp.get("/web/runs")
@login_required("planner")
def runs(error: str = "") -> str:
    """The start form and every run (of one scenario with ``?scenario=``), newest first."""
    chosen = request.args.get("scenario", type=int)
    number, size = page_args()
    query = select(SolveJob).options(defer(SolveJob.result)).order_by(SolveJob.created_at.desc())
    if chosen:
        query = query.where(SolveJob.scenario_id == chosen)
    with store().read() as session:
        total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
        jobs = session.scalars(query.limit(size).offset((number - 1) * size)).all()
        names = dict(session.execute(select(Scenario.id, Scenario.name).order_by(Scenario.id.desc())).all())
    return render_template(
        "runs.html",
        page=Page(jobs, total, number, size),
        names=names,
        chosen=chosen,
        presets=list(PRESETS),
        solvers=SOLVERS,
        error=error,
        statuses=STATUSES,
    )


def _policy(scenario: Scenario) -> dict[str, Any]:
    """The chosen preset (or the scenario's own policy) with the overrides, checked by the core."""
    preset = request.form.get("preset", "")
    overrides = parse_overrides(
        [line for line in request.form.get("overrides", "").splitlines() if line.strip()], "overrides"
    )
    if preset:
        return policy_data(get_policy({"preset": preset, **overrides}))
    return policy_data(policy_from(scenario.policy).with_overrides(overrides))


@blp.post("/web/runs")
@login_required("planner")
def start() -> Response | tuple[str, int]:
    with store().read() as session:
        scenario = session.get(Scenario, request.form.get("scenario", type=int) or 0)
    solver = request.form.get("solver", "auto")
    limit = request.form.get("time_limit", type=float)
    if scenario is None or solver not in SOLVERS or limit is None or not TIME_LIMITS[0] <= limit <= TIME_LIMITS[1]:
        return runs(str(_l("Choose a scenario, a solver and a time limit of 0.1 to 600 seconds."))), 422
    try:
        policy = _policy(scenario)
    except (FieldError, TypeError, ValueError) as exc:
        field = getattr(exc, "field", "")
        return runs(f"{field}: {message_text(getattr(exc, 'message', str(exc)))}"), 422
    job = runner().submit(current_actor(), scenario.id, solver, limit, policy)
    return redirect(url_for("web.run", job_id=job.id))


@blp.get("/web/runs/<job_id>")
@login_required("planner")
def run(job_id: str) -> str:
    job = job_or_404(job_id)
    with store().read() as session:
        name = session.scalar(select(Scenario.name).where(Scenario.id == job.scenario_id))
    return render_template("run.html", job=job, name=name, shown=shown(job), statuses=STATUSES)


def shown(job: SolveJob) -> dict[str, str]:
    """The figures the run page shows (and refreshes while the job runs)."""
    figures = job.summary if job.status not in UNFINISHED and job.summary else (job.progress or {})
    seconds = figures.get("wall_time")
    if job.status == "running" and job.started_at is not None:  # time since it started, not since its last plan
        seconds = (now() - job.started_at).total_seconds()
    served = f"{job.summary['served']} / {job.summary['needs']}" if job.summary and "served" in job.summary else "—"
    return {
        "status": term(STATUSES, job.status),
        "result_status": term(STATUSES, job.summary["status"]) if job.summary else "—",
        "objective": figure(figures.get("objective")),
        "bound": figure(figures.get("bound")),
        "gap": gap(figures.get("gap")) if figures.get("bound") is not None else "—",
        "seconds": "—" if seconds is None else f"{seconds:.1f} s",
        "served": served,
        "error": job.error or "",
    }


@blp.get("/web/runs/<job_id>/progress.json")
@login_required("planner")
def progress(job_id: str) -> Response:
    """What the run page polls: the figures and whether the job has finished."""
    job = job_or_404(job_id)
    return jsonify(finished=job.status not in UNFINISHED, shown=shown(job))


@blp.post("/web/runs/<job_id>/stop")
@login_required("planner")
def stop(job_id: str) -> Response:
    """Ask the job to stop: it keeps the best plan found so far."""
    if runner().stop(current_actor(), job_id[:32]) is None:
        abort(404)
    return redirect(url_for("web.run", job_id=job_id))
