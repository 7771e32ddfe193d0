"""The popularity index (人气指数) of Taizhou's stations: visits per day, week, month and year,
each ranked — from a ``visits`` list (station, date, count) when the scenario gives one.

With visits, the periods are those holding the latest date in the list: that day, its ISO week,
its month and its year; each station's visits in each period are summed and ranked (stations
with equal visits share a rank). Without visits there is no data on visits: the index is then
an estimate — the needs the plan serves at each station in the planning week — shown once, with
one ranking, and labelled as an estimate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from matcher.display import pad
from matcher.domain import Venue, Visit
from matcher.i18n import _, current

#: The periods of the index, and the label of the period that holds a date.
PERIODS: dict[str, Any] = {
    "day": lambda d: d.isoformat(),
    "week": lambda d: f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}",
    "month": lambda d: f"{d.year}-{d.month:02d}",
    "year": lambda d: str(d.year),
}
STATION_COLUMNS = ["venue", "name", "type", "type_label", "community"]
VISIT_COLUMNS = STATION_COLUMNS + [f"{p}{suffix}" for p in PERIODS for suffix in ("", "_visits", "_rank")]
ESTIMATE_COLUMNS = STATION_COLUMNS + ["instances", "capacity", "needs_per_week_estimate", "rank", "basis"]
ESTIMATE_BASIS = "estimate (估计): needs the plan serves at the station in the planning week; no visits list"


def ranks(values: np.ndarray) -> np.ndarray:
    """Competition ranks, largest first: 1 + how many values are strictly larger."""
    ordered = np.sort(values)[::-1]
    return 1 + np.searchsorted(-ordered, -values, side="left")


def _station(v: Venue) -> dict[str, Any]:
    return {"venue": v.id, "name": v.name, "type": v.type.value, "type_label": v.type.label, "community": v.community}


def from_visits(venues: Sequence[Venue], visits: Sequence[Visit]) -> list[dict[str, Any]]:
    """Per station: visits on the latest day, in its week, month and year, each with its rank;
    rows sorted by the yearly rank."""
    latest = max(v.date for v in visits)
    index = {v.id: i for i, v in enumerate(venues)}
    rows = [_station(v) for v in venues]
    for period, label in PERIODS.items():
        current = label(latest)
        totals = np.zeros(len(venues), dtype=np.int64)
        for visit in visits:
            if label(visit.date) == current:
                totals[index[visit.station]] += visit.count
        for row, total, rank in zip(rows, totals.tolist(), ranks(totals).tolist(), strict=True):
            row.update({period: current, f"{period}_visits": total, f"{period}_rank": rank})
    rows.sort(key=lambda r: (r["year_rank"], r["venue"]))
    return rows


def estimated(venues: Sequence[Venue], served: np.ndarray, instances: np.ndarray) -> list[dict[str, Any]]:
    """Per station the needs the plan serves there in the week (an estimate, not visits), ranked."""
    rows = [
        {
            **_station(v),
            "instances": int(instances[i]),
            "capacity": v.capacity,
            "needs_per_week_estimate": int(served[i]),
            "rank": int(rank),
            "basis": ESTIMATE_BASIS,
        }
        for i, (v, rank) in enumerate(zip(venues, ranks(served).tolist(), strict=True))
    ]
    rows.sort(key=lambda r: (r["rank"], r["venue"]))
    return rows


def summary_lines(rows: list[dict[str, Any]], with_visits: bool, max_rows: int) -> list[str]:
    """The index as a planner reads it: four rankings from visits, or one labelled estimate."""
    if not rows:
        return []
    if with_visits:
        first = rows[0]
        names = {"station": _("station"), "day": _("day"), "week": _("week"), "month": _("month"), "year": _("year")}
        lines = [
            _("Station popularity from visits (rank, visits): {periods}").format(
                periods=", ".join(f"{names[p]} {first[p]}" for p in PERIODS)
            )
        ]
        lines.append(f"  {pad(names['station'], 10)} " + " ".join(pad(names[p], 10, ">") for p in PERIODS))
        lines += [
            f"  {pad(r['venue'], 10)} "
            + " ".join(f"{'#' + str(r[p + '_rank']):>4} {r[p + '_visits']:>5}" for p in PERIODS)
            for r in rows[:max_rows]
        ]
        return lines
    lines = [
        _(
            "Station popularity, ESTIMATE — no visits list given: needs the plan serves at each station in the "
            "planning week, one ranking (give `visits` for daily/weekly/monthly/yearly)"
        )
    ]
    lines += [
        f"  {r['rank']:>3}. {pad(r['venue'], 10)} {pad(r['type_label'] if current() == 'zh' else r['type'], 12)} "
        + _("{needs:>5} need(s) a week, {instances} instance(s)").format(
            needs=r["needs_per_week_estimate"], instances=r["instances"]
        )
        for r in rows[:max_rows]
    ]
    return lines
