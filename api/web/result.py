"""Result (结果): coverage by community on a map of the scenario's own coordinates (points sized
by needs, coloured by coverage) and in a table; deadline lanes (30 min / 24 h / 7 d / 15 d) with
served on time, late and unserved; load per resource against capacity, overloaded and idle
marked; the price of the fixed pairings (结对) when the result carries it."""

from __future__ import annotations

import math
from typing import Any

from flask import render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from api.models import ListRecord
from api.views.common import store
from api.web.blueprint import blp
from api.web.paging import page_of
from api.web.results import finished
from api.web.session import login_required
from api.web.terms import STATUSES, value_text

#: A resource is marked overloaded from this share of its capacity (hours or tasks) on.
FULL = 0.999
LOAD_FILTERS = ("all", "over", "idle")


@blp.get("/web/runs/<job_id>/result")
@login_required("planner")
def result(job_id: str) -> str:
    job, data = finished(job_id)
    coverage = sorted(data.get("coverage", []), key=lambda r: (r["coverage"], r["community"]))
    loads = [dict(row, state=load_state(row)) for row in data.get("resources", [])]
    shown = request.args.get("load", "all")
    picked = [row for row in loads if shown not in LOAD_FILTERS[1:] or row["state"] == shown]
    return render_template(
        "result.html",
        job=job,
        data=data,
        statuses=STATUSES,
        map_data=map_data(job.scenario_id, coverage),
        coverage=page_of(coverage, "cpage"),
        lanes=[lane(row) for row in data.get("deadline_compliance", [])],
        loads=page_of(picked, "rpage"),
        load_counts={state: sum(row["state"] == state for row in loads) for state in LOAD_FILTERS[1:]},
        load_filter=shown,
    )


def load_state(row: dict[str, Any]) -> str:
    """``over`` at or past capacity (hours or tasks), ``idle`` with no task, else ``ok``."""
    if not row.get("tasks"):
        return "idle"
    by_tasks = row["tasks"] / row["capacity_tasks"] if row.get("capacity_tasks") else 0.0
    return "over" if max(row.get("utilisation", 0.0), by_tasks) >= FULL else "ok"


def lane(row: dict[str, Any]) -> dict[str, Any]:
    """One urgency level's needs split into on time, late and unserved (shares of its needs)."""
    needs = max(1, row["needs"])
    unserved = row["needs"] - row["served"]
    return {
        **row,
        "label": value_text("urgency", row["urgency"]),
        "unserved": unserved,
        "shares": [row["on_time"] / needs, row["late"] / needs, unserved / needs],
    }


def map_data(scenario_id: int, coverage: list[dict[str, Any]]) -> dict[str, Any]:
    """Points for the map: each community with coordinates, sized by its needs, coloured by coverage."""
    with store().read() as session:
        places = {
            row.record_id: row.data
            for row in session.scalars(
                select(ListRecord).where(ListRecord.scenario_id == scenario_id, ListRecord.list_name == "communities")
            )
        }
    points = [(row, places.get(row["community"], {})) for row in coverage]
    placed = [(row, place) for row, place in points if place.get("x") is not None and place.get("y") is not None]
    biggest = max((row["needs"] for row, _ in placed), default=1)
    return {
        "x": [place["x"] for _, place in placed],
        "y": [place["y"] for _, place in placed],
        "size": [round(6 + 24 * math.sqrt(row["needs"] / biggest), 1) for row, _ in placed],
        "coverage": [row["coverage"] for row, _ in placed],
        "text": [
            f"{place.get('name') or row['community']} ({row['community']}): {row['served']}/{row['needs']} "
            f"{row['coverage']:.0%}"
            for row, place in placed
        ],
        "unplaced": len(points) - len(placed),
        "colorbar": _("Coverage"),
        "xtitle": _("x coordinate"),
        "ytitle": _("y coordinate"),
    }
