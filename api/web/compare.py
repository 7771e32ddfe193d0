"""Compare policies (策略对比): finished runs of one scenario side by side, each under its own
policy preset, with its status and proven gap, the core's figures of each (:mod:`matcher.lab.metrics`
on the stored result rebuilt), coverage by community and deadlines on time as charts, the runs not
proven within the lab's target gap marked NOT PROVEN (:meth:`matcher.lab.compare.Comparison.unproven`),
and, when a pairing-strict and a pairing-soft run are among them, the price of the fixed pairings
(结对) with the interval the runs' bounds prove. Runs are started here, one per chosen preset
(through the API's job runner), or on the run board."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from flask import redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import defer
from werkzeug.wrappers import Response

from api.models import Scenario, SolveJob
from api.records import policy_data
from api.views.common import runner, store
from api.web.blueprint import blp
from api.web.results import FINISHED, Recent, finished, rebuilt
from api.web.screens import Screen
from api.web.session import current_actor, login_required
from api.web.terms import STATUSES
from matcher.lab.compare import TARGET_GAP, Comparison
from matcher.lab.metrics import METRICS, community_coverage, impossible_price, pairing_price
from matcher.policy import PRESETS, get_policy
from matcher.result import Result

SCREEN = Screen("web.compare", _l("Compare policies"))
#: Runs shown side by side at most, and the figures of each (the lab's metric names).
MOST = 6
FIGURES = {
    "needs_served": _l("needs served"),
    "value": _l("summed pair value under the run's own policy"),
    "coverage_mean": _l("mean coverage over communities"),
    "coverage_worst": _l("worst community's coverage"),
    "on_time_emergency": _l("emergencies (30 min) on time"),
    "on_time_utilities": _l("utilities (24 h) on time"),
    "on_time_normal": _l("normal needs (7 d) on time"),
    "on_time_complex": _l("complex needs (15 d) on time"),
    "travel_minutes": _l("total travel minutes"),
    "utilisation_max": _l("highest share of hours used"),
    "resources_idle": _l("resources given no task"),
}
#: Figures that are shares, shown as percentages.
SHARES = (
    "coverage_mean",
    "coverage_worst",
    "on_time_emergency",
    "on_time_utilities",
    "on_time_normal",
    "on_time_complex",
    "utilisation_max",
)
#: Figures that are counts, shown as whole numbers.
COUNTS = ("needs_served", "resources_idle")
#: The deadline lanes of the chart: (figure, urgency).
LANES = (
    ("on_time_emergency", "emergency"),
    ("on_time_utilities", "utilities"),
    ("on_time_normal", "normal"),
    ("on_time_complex", "complex"),
)
_MEASURED: Recent = Recent(64)


def _runs(scenario_id: int) -> list[SolveJob]:
    """The scenario's finished direct-model runs, newest first."""
    with store().read() as session:
        jobs = session.scalars(
            select(SolveJob)
            .options(defer(SolveJob.result))
            .where(SolveJob.scenario_id == scenario_id, SolveJob.status.in_(FINISHED))
            .order_by(SolveJob.created_at.desc())
        ).all()
    return [job for job in jobs if job.summary and job.summary.get("model") == "direct"]


def measured(job: SolveJob) -> dict[str, Any]:
    """The run's figures and coverage by community, measured once (a finished run never changes)."""

    def make() -> dict[str, Any]:
        result = _result(job.id)
        communities, share = community_coverage(result)
        return {
            "figures": {name: METRICS[name][0](result) for name in FIGURES},
            "coverage": dict(zip(communities, share.tolist(), strict=True)),
        }

    return _MEASURED.get(job.id, make)


def _result(job_id: str) -> Result:
    explainer = rebuilt(job_id)
    assert explainer is not None  # only direct-model runs are offered
    return explainer.result


def _price(jobs: list[SolveJob]) -> dict[str, Any] | None:
    """The price of the fixed pairings from the newest pairing-strict and pairing-soft runs picked."""
    by_policy: dict[str, SolveJob] = {}
    for job in jobs:
        by_policy.setdefault(str(job.policy.get("name")), job)
    if "pairing-strict" not in by_policy or "pairing-soft" not in by_policy:
        return None
    strict, soft = by_policy["pairing-strict"], by_policy["pairing-soft"]
    price = pairing_price(_result(strict.id), _result(soft.id))
    return {"price": price, "strict": strict, "soft": soft, "impossible": impossible_price(price)}


def unproven(jobs: list[SolveJob]) -> set[str]:
    """Ids of the runs whose figures are not proven within the lab's target gap."""
    if not jobs:
        return set()
    rows = pd.DataFrame(
        [
            {
                "id": j.id,
                "policy": j.policy.get("name"),
                "status": (j.summary or {}).get("status"),
                "gap": (j.summary or {}).get("gap"),
            }
            for j in jobs
        ]
    )
    comparison = Comparison("", rows, [], pd.DataFrame(), {}, target_gap=TARGET_GAP)
    return set(comparison.unproven()["id"])


#: Seconds each run started from this screen may take (the run board allows the same range).
TIME_LIMITS = (1.0, 600.0)


def _pending(asked: list[str]) -> list[SolveJob]:
    """The asked runs still queued or running (the page reloads until they finish)."""
    if not asked:
        return []
    with store().read() as session:
        return list(
            session.scalars(
                select(SolveJob)
                .options(defer(SolveJob.result))
                .where(SolveJob.id.in_(asked), SolveJob.status.in_(("queued", "running")))
            ).all()
        )


@blp.post("/web/compare")
@login_required("planner")
def start_presets() -> Response | tuple[str, int]:
    """Start one run per chosen preset on the scenario (solver ``auto``), then compare them."""
    with store().read() as session:
        scenario = session.get(Scenario, request.form.get("scenario", type=int) or 0)
    presets = [p for p in request.form.getlist("preset") if p in PRESETS][:MOST]
    limit = request.form.get("time_limit", type=float)
    if scenario is None or not presets or limit is None or not TIME_LIMITS[0] <= limit <= TIME_LIMITS[1]:
        message = _l("Choose a scenario, 1 to %(most)s presets and a time limit of 1 to 600 seconds.", most=MOST)
        return compare(str(message)), 422
    jobs = [
        runner().submit(current_actor(), scenario.id, "auto", limit, policy_data(get_policy({"preset": p})))
        for p in presets
    ]
    return redirect(url_for("web.compare", scenario=scenario.id, run=[job.id for job in jobs]))


@blp.get("/web/compare")
@login_required("planner")
def compare(error: str = "") -> str:
    with store().read() as session:
        names = dict(session.execute(select(Scenario.id, Scenario.name).order_by(Scenario.id.desc())).all())
    scenario_id = request.values.get("scenario", type=int) or next(iter(names), None)
    runs = _runs(scenario_id) if scenario_id in names else []
    asked = request.args.getlist("run")
    picked = [job for job in runs if job.id in asked][:MOST] if asked else runs[:MOST]
    for job in picked:
        finished(job.id)  # 404 if it went meanwhile
    shown = {job.id: measured(job) for job in picked}
    return render_template(
        "compare.html",
        names=names,
        scenario_id=scenario_id,
        runs=runs,
        picked=picked,
        shown=shown,
        chart={"runs": [job.policy.get("name") for job in picked], "shown": [shown[job.id] for job in picked]},
        figures=FIGURES,
        shares=SHARES,
        counts=COUNTS,
        lanes=LANES,
        end=interval_end,
        unproven=unproven(picked),
        price=_price(picked),
        target_gap=TARGET_GAP,
        statuses=STATUSES,
        most=MOST,
        presets=list(PRESETS),
        pending=_pending(asked),
        error=error,
    )


def interval_end(value: float) -> str:
    """An end of the price's interval: ∞ where a run proved no bound."""
    return ("−∞" if value < 0 else "∞") if math.isinf(value) else f"{value:,.2f}"
