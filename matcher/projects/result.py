"""The result of project matching: orders made (点单), claims proposed (认领), needs served by
projects and directly, orders nobody claims with the reason, and the popularity index of every
station (needs served per day, week, month and year)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from matcher.candidates import VALUE_SCALE
from matcher.display import clip, pad
from matcher.files import RESULTS_WORKBOOK, table_files, write_files
from matcher.i18n import _
from matcher.projects import popularity
from matcher.projects.needs import (
    NeedPlan,
    Route,
    assignment_rows,
    label,
    need_plan,
    order_reason,
    unmatched_rows,
)
from matcher.projects.plan import Plan, objective
from matcher.projects.space import ProjectSpace
from matcher.result import status_name

#: Columns of the CSV tables, so a table without rows still has its header.
COLUMNS = {
    "assignments": [
        "need",
        "resource",
        "community",
        "travel_minutes",
        "arrival_minutes",
        "load_hours",
        "value",
        "served_by",
        "order",
        "project",
        "venue",
    ],
    "unmatched": ["need", "community", "urgency", "reason", "explanation", "detail", "project_candidates"],
    "orders": [
        "order",
        "project",
        "project_name",
        "community",
        "venue",
        "kind",
        "placed",
        "running",
        "claimed",
        "slots",
        "needs_served",
        "cost",
    ],
    "claims": ["order", "resource", "community", "kind", "travel_minutes", "load_hours"],
    "unclaimed": [
        "order",
        "project",
        "community",
        "claimed",
        "slots",
        "eligible_units",
        "reason",
        "explanation",
        "detail",
    ],
}


@dataclass(frozen=True)
class PartReport:
    """How one independent part was solved."""

    communities: int
    needs: int
    variables: int
    method: str
    status: str
    objective: int
    bound: int
    baseline: int
    seconds: float


@dataclass(frozen=True)
class ProjectResult:
    """A solved project scenario; values are in the policy's units (scaled integers divided back)."""

    space: ProjectSpace
    plan: Plan
    baseline_plan: Plan
    parts: list[PartReport]
    wall_time: float
    timings: dict[str, float] = field(default_factory=dict)

    # --- headline figures -------------------------------------------------------------------
    @property
    def objective(self) -> float:
        return sum(p.objective for p in self.parts) / VALUE_SCALE

    @property
    def bound(self) -> float:
        """Sum of the parts' bounds: the parts share nothing, so this bounds the whole problem."""
        return sum(p.bound for p in self.parts) / VALUE_SCALE

    @property
    def baseline(self) -> float:
        """Objective of the sequential baseline (order, then claim, then assign)."""
        return sum(p.baseline for p in self.parts) / VALUE_SCALE

    @property
    def gap(self) -> float:
        return (self.bound - self.objective) / max(abs(self.bound), 1e-9)

    @property
    def status(self) -> str:
        return "optimal" if all(p.status == "optimal" for p in self.parts) else "feasible"

    def plan_objective(self, plan: Plan) -> float:
        return objective(self.space, plan) / VALUE_SCALE

    # --- decisions ----------------------------------------------------------------------------
    @cached_property
    def served_by_project(self) -> np.ndarray:
        s = self.space
        out = np.zeros(s.problem.arrays.n_needs, dtype=bool)
        out[s.serve_need[self.plan.serves]] = True
        return out

    @cached_property
    def served_directly(self) -> np.ndarray:
        a, d = self.space.problem.arrays, self.space.direct
        return np.bincount(d.need[self.plan.direct], minlength=a.n_needs) >= a.need_providers

    @cached_property
    def served(self) -> np.ndarray:
        """Per need: served by a running instance or directly by all the providers it takes."""
        return self.served_by_project | self.served_directly

    @cached_property
    def need_plan(self) -> NeedPlan:
        """Per need: one reason code when unserved ("" when served), with the budget, venue or order behind it."""
        return need_plan(self.space, self.plan, self.served)

    def assignments(self) -> list[dict[str, Any]]:
        """Who serves each served need: the direct run's columns plus the order, project and venue."""
        return assignment_rows(self.space, self.plan)

    def unmatched(self) -> list[dict[str, Any]]:
        """Needs left unserved, one true reason each (``budget``, ``venue``, ``no_claimant``,
        ``order_not_run``, ``capacity``, ``not_chosen`` or a direct-service reason) with its detail."""
        return unmatched_rows(self.space, self.need_plan)

    def orders(self) -> list[dict[str, Any]]:
        """Every placed order (given and new) with its claims and the needs it serves."""
        s, a, problem = self.space, self.space.problem.arrays, self.space.problem
        claimed = np.bincount(s.claim_order[self.plan.claims], minlength=s.n_orders)
        served = np.bincount(s.serve_order[self.plan.serves], minlength=s.n_orders)
        rows = []
        for o in np.flatnonzero(self.plan.placed | s.order_given).tolist():
            project = problem.projects[s.order_project[o]]
            kind = "pinned" if s.order_pinned[o] else ("given" if s.order_given[o] else "new")
            rows.append(
                {
                    "order": s.order_ids[o],
                    "project": project.id,
                    "project_name": project.name,
                    "community": a.community_ids[s.order_community[o]],
                    "venue": problem.venues[s.order_venue[o]].id if s.order_venue[o] >= 0 else "",
                    "kind": kind,
                    "placed": bool(self.plan.placed[o]),
                    "running": bool(self.plan.running[o]),
                    "claimed": int(claimed[o]),
                    "slots": int(s.order_slots[o]),
                    "needs_served": int(served[o]),
                    "cost": round(int(s.order_cents[o]) / 100, 2),
                }
            )
        return rows

    def claims(self) -> list[dict[str, Any]]:
        """Every claim in the plan: pinned ones kept and new ones proposed."""
        s, a = self.space, self.space.problem.arrays
        return [
            {
                "order": s.order_ids[s.claim_order[k]],
                "resource": a.resource_ids[s.claim_resource[k]],
                "community": a.community_ids[s.order_community[s.claim_order[k]]],
                "kind": "pinned" if s.claim_pinned[k] else ("given" if s.claim_given[k] else "proposed"),
                "travel_minutes": round(float(s.claim_minutes[k]), 1),
                "load_hours": round(int(s.claim_load[k]) / 60, 2),
            }
            for k in np.flatnonzero(self.plan.claims).tolist()
        ]

    def unclaimed(self) -> list[dict[str, Any]]:
        """Given orders that do not run, with the reason nobody (or too few) claimed them."""
        s, a = self.space, self.space.problem.arrays
        claimed = np.bincount(s.claim_order[self.plan.claims], minlength=s.n_orders)
        rows = []
        route = Route(s, self.plan)
        for o in np.flatnonzero(s.order_given & ~self.plan.running).tolist():
            reason, detail = order_reason(s, self.plan, o, route)
            rows.append(
                {
                    "order": s.order_ids[o],
                    "project": self.space.problem.projects[s.order_project[o]].id,
                    "community": a.community_ids[s.order_community[o]],
                    "claimed": int(claimed[o]),
                    "slots": int(s.order_slots[o]),
                    "eligible_units": int(s.order_eligible[o, 2]),
                    "reason": reason.value,
                    "explanation": reason.label,
                    "detail": detail,
                }
            )
        return rows

    def popularity(self) -> list[dict[str, Any]]:
        """Popularity index (人气指数) per station: from the scenario's visits list, visits per day,
        week, month and year with their ranks; without one, the plan's needs served per station in
        the week, labelled as an estimate (see :mod:`matcher.projects.popularity`)."""
        s, problem = self.space, self.space.problem
        if not problem.venues:
            return []
        if problem.visits:
            return popularity.from_visits(problem.venues, problem.visits)
        venue = s.order_venue[s.serve_order[self.plan.serves]]
        week = np.bincount(venue[venue >= 0], minlength=len(problem.venues))
        instances = np.bincount(s.order_venue[self.plan.running & (s.order_venue >= 0)], minlength=len(problem.venues))
        return popularity.estimated(problem.venues, week, instances)

    # --- reporting ----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        a = self.space.problem.arrays
        orders = self.orders()
        return {
            "scenario": self.space.problem.name,
            "policy": self.space.policy.name,
            "status": self.status,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "baseline": self.baseline,
            "wall_time": round(self.wall_time, 4),
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
            "needs": a.n_needs,
            "served": int(self.served.sum()),
            "served_by_project": int(self.served_by_project.sum()),
            "served_directly": int(self.served_directly.sum()),
            "orders_new": sum(1 for r in orders if r["kind"] == "new"),
            "orders_running": sum(1 for r in orders if r["running"]),
            "parts": [asdict(p) for p in self.parts],
            "orders": orders,
            "claims": self.claims(),
            "unclaimed": self.unclaimed(),
            "popularity": self.popularity(),
            "unmatched_by_reason": self.need_plan.counts(),
            "unmatched": self.unmatched(),
            "assignments": self.assignments(),
        }

    def summary(self, max_rows: int = 15) -> str:
        """A readable report for planners, in the current language (:mod:`matcher.i18n`)."""
        orders = self.orders()
        new = [r for r in orders if r["kind"] == "new"]
        unclaimed = self.unclaimed()
        lines = [*self._head_lines(orders), "", _("New orders (点单):") if new else _("New orders (点单): none")]
        lines += [
            f"  {pad(r['community'], 12)} {pad(r['project'], 10)} {pad(clip(r['project_name'], 24), 24)} "
            + _("serves {n}").format(n=r["needs_served"])
            + (_(" at {venue}").format(venue=r["venue"]) if r["venue"] else "")
            for r in new[:max_rows]
        ]
        if len(new) > max_rows:
            lines.append(_("  ... and {n} more").format(n=len(new) - max_rows))
        counts = self.need_plan.counts()
        lines += ["", _("Unmatched by reason:") if counts else _("Unmatched by reason: none")]
        lines += [f"  {code:<16} {k:>6}  {_(label(code))}" for code, k in counts.items()]
        lines += ["", _("Unclaimed orders:") if unclaimed else _("Unclaimed orders: none")]
        lines += [
            f"  {pad(r['order'], 14)} {pad(r['project'], 10)} {pad(r['community'], 10)} "
            + _("{claimed}/{slots} claimed — {why}").format(
                claimed=r["claimed"], slots=r["slots"], why=r["explanation"]
            )
            for r in unclaimed[:max_rows]
        ]
        popularity_lines = popularity.summary_lines(self.popularity(), bool(self.space.problem.visits), max_rows)
        if popularity_lines:
            lines += ["", *popularity_lines]
        return "\n".join(lines)

    def _head_lines(self, orders: list[dict[str, Any]]) -> list[str]:
        """The summary's first lines: sizes, decision space, status, baseline, needs served, orders and claims."""
        a, s = self.space.problem.arrays, self.space
        claims = self.claims()
        n = a.n_needs
        by_project, directly = int(self.served_by_project.sum()), int(self.served_directly.sum())
        ratio = _("; joint / baseline = {ratio:.4f}").format(ratio=self.objective / self.baseline)
        return [
            _(
                "Scenario {name}: {needs} needs, {resources} resources, {communities} communities, "
                "{projects} catalogue projects, {venues} venues"
            ).format(
                name=s.problem.name,
                needs=n,
                resources=a.n_resources,
                communities=a.n_communities,
                projects=len(s.problem.projects),
                venues=len(s.problem.venues),
            ),
            _(
                "Decision space: {orders} candidate orders, {claims} claim pairs, {serves} project-need pairs, "
                "{direct} direct pairs; {parts} independent part(s), solved by {methods}"
            ).format(
                orders=s.n_orders,
                claims=len(s.claim_order),
                serves=len(s.serve_need),
                direct=len(s.direct),
                parts=len(self.parts),
                methods=", ".join(sorted({p.method for p in self.parts})) or _("nothing"),
            ),
            _("Status {status}; objective {objective:,.3f}; bound {bound:,.3f}; gap {gap:.3%}; {seconds:.2f} s").format(
                status=status_name(self.status),
                objective=self.objective,
                bound=self.bound,
                gap=self.gap,
                seconds=self.wall_time,
            ),
            _("Sequential baseline (order, then claim, then assign): {baseline:,.3f}").format(baseline=self.baseline)
            + (ratio if self.baseline > 0 else ""),
            _("Needs served: {served} of {needs} — {by_project} by projects, {directly} directly").format(
                served=by_project + directly, needs=n, by_project=by_project, directly=directly
            ),
            _(
                "Orders: {running} running ({new} new orders made, {given} given); claims: {pinned} pinned, "
                "{kept} given and kept, {proposed} proposed"
            ).format(
                running=sum(r["running"] for r in orders),
                new=sum(r["kind"] == "new" for r in orders),
                given=sum(r["kind"] != "new" for r in orders),
                pinned=sum(c["kind"] == "pinned" for c in claims),
                kept=sum(c["kind"] == "given" for c in claims),
                proposed=sum(c["kind"] == "proposed" for c in claims),
            ),
        ]

    def _columns(self, table: str) -> list[str] | None:
        if table == "popularity":
            with_visits = bool(self.space.problem.visits)
            return popularity.VISIT_COLUMNS if with_visits else popularity.ESTIMATE_COLUMNS
        return COLUMNS[table]

    def write(self, out_dir: str | Path, xlsx: bool = False) -> list[Path]:
        """Write projects.json and CSV tables (with ``xlsx``, also results.xlsx holding every table);
        each file appears whole or not at all."""
        data = self.to_dict()
        files: dict[str, str | bytes] = {"projects.json": json.dumps(data, ensure_ascii=False, indent=1)}
        tables = ("assignments", "unmatched", "orders", "claims", "unclaimed", "popularity")
        files.update(
            table_files(
                {name: data[name] for name in tables},
                RESULTS_WORKBOOK if xlsx else None,
                {name: self._columns(name) for name in tables},
            )
        )
        return write_files(out_dir, files)
