"""Unmatched queue (未匹配队列): every unserved need with its reason, a page at a time; a need
opens to every resource that was considered, the rule that excluded each and the smallest
change that would serve it (:mod:`matcher.network.considered`, on the stored result rebuilt)."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request

from api.web.blueprint import blp
from api.web.paging import page_of
from api.web.results import finished, prefetch, rebuilt
from api.web.session import login_required
from api.web.terms import REASONS, RULES
from matcher.network.considered import considered


@blp.get("/web/runs/<job_id>/unmatched")
@login_required("planner")
def unmatched(job_id: str) -> str:
    job, data = finished(job_id)
    if data.get("model") == "direct":
        prefetch(job.id)
    rows = data.get("unmatched", [])
    reason = request.args.get("reason", "")
    picked = [row for row in rows if row["reason"] == reason] if reason else rows
    return render_template(
        "unmatched.html",
        job=job,
        data=data,
        page=page_of(picked),
        counts=data.get("unmatched_by_reason", {}),
        reason=reason,
        reasons=REASONS,
    )


@blp.get("/web/runs/<job_id>/unmatched/<need_id>")
@login_required("planner")
def need(job_id: str, need_id: str) -> str:
    job, data = finished(job_id)
    stored = next((row for row in data.get("unmatched", []) if row["need"] == need_id), None)
    if stored is None:
        abort(404)
    explained, problem = _explained(job_id, need_id)
    return render_template(
        "need.html",
        job=job,
        stored=stored,
        explained=explained,
        resources=page_of(explained["resources"]) if explained else None,
        problem=problem,
        reasons=REASONS,
        rules=RULES,
    )


def _explained(job_id: str, need_id: str) -> tuple[dict[str, Any] | None, str]:
    """The need explained on the rebuilt result, or why it cannot be (a project run, or lists
    changed since the run)."""
    try:
        explainer = rebuilt(job_id)
    except ValueError as exc:
        return None, str(exc)
    if explainer is None:
        return None, "projects"
    explained = considered(explainer.result, need_id)
    explained["reason"] = str(explainer.reasons[explainer.result.problem.arrays.need_ids.index(need_id)])
    return explained, ""
