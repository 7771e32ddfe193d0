"""Compare policies (策略对比): finished runs of one scenario side by side, each under its own
policy preset, with its status and proven gap, the core's figures of each (:mod:`matcher.lab.metrics`
on the stored result rebuilt), coverage by community and deadlines on time as charts, the runs not
proven within the lab's target gap marked NOT PROVEN (:meth:`matcher.lab.compare.Comparison.unproven`),
and, when a pairing-strict and a pairing-soft run are among them, the price of the fixed pairings
(结对) with the interval the runs' bounds prove. Runs are started on the run board."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from flask import render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import defer

from api.models import Scenario, SolveJob
from api.views.common import store
from api.web.blueprint import blp
from api.web.results import FINISHED, Recent, finished, rebuilt
from api.web.screens import Screen
from api.web.session import login_required
from api.web.terms import STATUSES
from matcher.lab.compare import TARGET_GAP, Comparison
from matcher.lab.metrics import METRICS, community_coverage, impossible_price, pairing_price
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
    by_policy = {}
    for job in jobs:
        by_policy.setdefault(job.policy.get("name"), job)
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
            {"id": j.id, "policy": j.policy.get("name"), "status": j.summary["status"], "gap": j.summary.get("gap")}
            for j in jobs
        ]
    )
    comparison = Comparison("", rows, [], pd.DataFrame(), {}, target_gap=TARGET_GAP)
    return set(comparison.unproven()["id"])


@blp.get("/web/compare")
@login_required("planner")
def compare() -> str:
    with store().read() as session:
        names = dict(session.execute(select(Scenario.id, Scenario.name).order_by(Scenario.id.desc())).all())
    scenario_id = request.args.get("scenario", type=int) or next(iter(names), None)
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
    )


def interval_end(value: float) -> str:
    """An end of the price's interval: ∞ where a run proved no bound."""
    return ("−∞" if value < 0 else "∞") if math.isinf(value) else f"{value:,.2f}"
