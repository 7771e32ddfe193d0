"""Solve jobs: submit (202 + job id), status, result, stop, and why needs stayed unmatched."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from sqlalchemy import select

from api.auth import current_principal, require_planner
from api.errors import ApiError
from api.models import Scenario, SolveJob
from api.parser import Blueprint
from api.records import policy_data, policy_from
from api.schemas import ResultSchema, SolveCreateSchema, SolveJobSchema, SolveListSchema, UnmatchedSchema
from api.views.common import MAX_ID, get_or_404, runner, store
from matcher.policy import get_policy

blp = Blueprint("solves", __name__, description="Solve jobs: submit, status, result, stop, explanations")


@blp.route(f"/scenarios/<int(max={MAX_ID}):scenario_id>/solves")
class Solves(MethodView):
    @blp.response(200, SolveListSchema)
    def get(self, scenario_id: int) -> dict[str, Any]:
        """A scenario's solve jobs, newest first."""
        current_principal()
        with store().read() as session:
            get_or_404(session, Scenario, scenario_id, "scenario")
            jobs = session.scalars(
                select(SolveJob).where(SolveJob.scenario_id == scenario_id).order_by(SolveJob.created_at.desc())
            ).all()
            return {"items": jobs}

    @blp.arguments(SolveCreateSchema)
    @blp.response(202, SolveJobSchema)
    def post(self, body: dict[str, Any], scenario_id: int) -> SolveJob:
        """Start a solve (planners); poll ``GET /solves/{id}`` for its status."""
        actor = require_planner()
        with store().read() as session:
            scenario = get_or_404(session, Scenario, scenario_id, "scenario")
            base = policy_from(scenario.policy)
        spec = body.get("policy")
        if spec is not None and not isinstance(spec, (str, dict)):
            raise ApiError(
                422, "policy is a preset name or a mapping", {"json": {"policy": ["expected text or object"]}}
            )
        try:
            policy = base if spec is None else get_policy(spec)
        except (TypeError, ValueError) as exc:  # FieldError is a ValueError and names its field
            field = getattr(exc, "field", "policy")
            raise ApiError(422, f"invalid policy: {exc}", {"json": {field: [str(exc)]}}) from None
        return runner().submit(actor, scenario_id, body["solver"], body["time_limit"], policy_data(policy))


def _job(job_id: str) -> SolveJob:
    with store().read() as session:
        return get_or_404(session, SolveJob, job_id, "solve job")


def _finished(job: SolveJob) -> dict[str, Any]:
    if job.result is None:
        code = 409 if job.status in ("queued", "running") else 404
        raise ApiError(
            code, f"solve job {job.id} is {job.status} and has no result" + (f": {job.error}" if job.error else "")
        )
    return job.result


@blp.route("/solves/<name:job_id>")
class SolveById(MethodView):
    @blp.response(200, SolveJobSchema)
    def get(self, job_id: str) -> SolveJob:
        """Status of a solve job, with a summary once it has finished."""
        current_principal()
        return _job(job_id)

    @blp.response(202, SolveJobSchema)
    def delete(self, job_id: str) -> SolveJob:
        """Stop a job (planners): CP-SAT stops at its next improving solution and keeps the best so far."""
        actor = require_planner()
        job = runner().stop(actor, job_id)
        if job is None:
            raise ApiError(404, f"no solve job {job_id}")
        return job


@blp.route("/solves/<name:job_id>/result")
class SolveResult(MethodView):
    @blp.response(200, ResultSchema)
    def get(self, job_id: str) -> dict[str, Any]:
        """The full result: assignments, unmatched needs, loads, coverage, deadline compliance."""
        current_principal()
        job = _job(job_id)
        return {"job": job.id, "status": job.status, "result": _finished(job)}


@blp.route("/solves/<name:job_id>/unmatched")
class SolveUnmatched(MethodView):
    @blp.response(200, UnmatchedSchema)
    def get(self, job_id: str) -> dict[str, Any]:
        """Why needs stayed unmatched: one row per need with its reason, and the counts per reason."""
        current_principal()
        job = _job(job_id)
        result = _finished(job)
        return {"job": job.id, "unmatched_by_reason": result["unmatched_by_reason"], "unmatched": result["unmatched"]}
