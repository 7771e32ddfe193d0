"""Result (结果): coverage by community on a map of the scenario's own coordinates (points sized
by needs, coloured by coverage; SVG drawn by the server, so it shows at once with no script and
no tiles) and in a table; deadline lanes (30 min / 24 h / 7 d / 15 d) with
served on time, late and unserved; load per resource against capacity, overloaded and idle
marked; the price of the fixed pairings (结对) when the result carries it."""

from __future__ import annotations

import math
from typing import Any

from flask import render_template, request
from sqlalchemy import select

from api.models import ListRecord
from api.views.common import store
from api.web.blueprint import blp
from api.web.paging import page_of
from api.web.results import derived, finished
from api.web.session import login_required
from api.web.terms import STATUSES, value_text

#: A resource is marked overloaded from this share of its capacity (hours or tasks) on.
FULL = 0.999
LOAD_FILTERS = ("all", "over", "idle")


@blp.get("/web/runs/<job_id>/result")
@login_required("planner")
def result(job_id: str) -> str:
    job, data = finished(job_id)
    view = derived(job_id, "result", lambda: result_view(data, job.scenario_id))
    shown = request.args.get("load", "all")
    return render_template(
        "result.html",
        job=job,
        data=data,
        statuses=STATUSES,
        map_data=view["map"],
        coverage=page_of(view["coverage"], "cpage"),
        lanes=[lane(row) for row in data.get("deadline_compliance", [])],
        loads=page_of(view["loads"][shown if shown in LOAD_FILTERS else "all"], "rpage"),
        load_counts={state: len(view["loads"][state]) for state in LOAD_FILTERS[1:]},
        load_filter=shown,
    )


def result_view(data: dict[str, Any], scenario_id: int) -> dict[str, Any]:
    """What the page derives from a result, once: coverage worst first, loads by state, the map."""
    coverage = sorted(data.get("coverage", []), key=_worst_first)
    loads = [dict(row, state=load_state(row)) for row in data.get("resources", [])]
    by_state = {state: [row for row in loads if row["state"] == state] for state in LOAD_FILTERS[1:]}
    return {"coverage": coverage, "loads": {"all": loads, **by_state}, "map": map_data(scenario_id, coverage)}


def _worst_first(row: dict[str, Any]) -> tuple[float, str]:
    return row["coverage"], row["community"]


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


#: The map's size in pixels and its margin.
WIDTH, HEIGHT, MARGIN = 900, 520, 24


def map_data(scenario_id: int, coverage: list[dict[str, Any]]) -> dict[str, Any]:
    """The map as SVG shapes: each community with coordinates at its own x/y (north up, one scale
    on both axes), a circle sized by its needs and coloured by its coverage (red none, green all)."""
    with store().read() as session:
        places = {
            row.record_id: row.data
            for row in session.scalars(
                select(ListRecord).where(ListRecord.scenario_id == scenario_id, ListRecord.list_name == "communities")
            )
        }
    placed = [
        (row, places[row["community"]]) for row in coverage if places.get(row["community"], {}).get("x") is not None
    ]
    if not placed:
        return {"points": [], "unplaced": len(coverage), "width": WIDTH, "height": HEIGHT}
    xs, ys = [p["x"] for _, p in placed], [p["y"] for _, p in placed]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-9)
    scale = min(WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN) / span
    biggest = max(row["needs"] for row, _ in placed)
    largest = min(16.0, max(3.0, 0.45 * math.sqrt(WIDTH * HEIGHT / len(placed))))
    points = [
        {
            "cx": round(MARGIN + (place["x"] - min(xs)) * scale, 1),
            "cy": round(HEIGHT - MARGIN - (place["y"] - min(ys)) * scale, 1),
            "r": round(max(2.0, largest * math.sqrt(row["needs"] / biggest)), 1),
            "fill": coverage_colour(row["coverage"]),
            "title": f"{place.get('name') or row['community']} ({row['community']}): "
            f"{row['served']}/{row['needs']} {row['coverage']:.0%}",
        }
        for row, place in placed
    ]
    return {"points": points, "unplaced": len(coverage) - len(placed), "width": WIDTH, "height": HEIGHT}


#: Coverage colours: red at 0, amber at one half, green at 1.
STOPS = ((0.0, (179, 38, 30)), (0.5, (242, 193, 78)), (1.0, (30, 123, 52)))


def coverage_colour(share: float) -> str:
    """The colour of a coverage share, between the STOPS."""
    share = min(1.0, max(0.0, share))
    (low, a), (high, b) = next((STOPS[i], STOPS[i + 1]) for i in range(len(STOPS) - 1) if share <= STOPS[i + 1][0])
    t = (share - low) / (high - low)
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b, strict=True))
