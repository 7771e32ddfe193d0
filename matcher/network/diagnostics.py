"""Diagnostics that explain a result: one true reason per unmatched need, and for the whole
scenario the serving bound (Hall's deficiency), bottleneck resources, communities outside
every service circle, idle resources and the components of the candidate and pairing graphs.

The per-need reason starts from the candidate stage the need fell at (:mod:`matcher.reasons`)
and is checked against the solution: "capacity" is only said when every candidate is really
full, and then the needs that took each candidate are named.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np

from matcher.candidates import build_candidates, reach_pairs
from matcher.display import pad
from matcher.i18n import N_, _, term, translated
from matcher.network.bound import (
    CandidateClasses,
    CandidatePairs,
    ServingBound,
    candidate_classes,
    candidate_components,
    flow_bound,
    resource_capacity,
    resource_losses,
)
from matcher.policy import PairingMode
from matcher.problem import CATEGORIES, URGENCIES, Problem
from matcher.projects.needs import label as project_label
from matcher.reasons import REASONS, Reason
from matcher.vocabulary import Category

if TYPE_CHECKING:  # the results import the solvers; import them for types only
    from matcher.projects.result import ProjectResult
    from matcher.result import Result

#: The reason said when enough candidates had room left but the solver passed the need over
#: (a negative value, a side constraint, or a time limit); not a capacity shortage.
NOT_CHOSEN = "not_chosen"
NOT_CHOSEN_LABEL = N_(
    "enough candidates had room left; the solver left it (its value, a side constraint or the time limit)"
)
#: The codes that together say "none within reach in time".
WITHIN_REACH_IN_TIME = {Reason.OUT_OF_REACH.value, Reason.NOT_AVAILABLE.value, Reason.TOO_SLOW.value}
SHOWN = 3


def remaining(result: Result) -> tuple[np.ndarray, np.ndarray]:
    """Tasks and minutes each resource has left after the solution."""
    a, c, idx = result.problem.arrays, result.candidates, result.solution.chosen
    tasks = a.resource_capacity_tasks - np.bincount(c.resource[idx], minlength=a.n_resources)
    minutes = a.resource_capacity_minutes - np.bincount(
        c.resource[idx], weights=c.load[idx], minlength=a.n_resources
    ).astype(np.int64)
    return tasks, minutes


@dataclass(frozen=True)
class Diagnosis:
    """Everything :func:`diagnose` (or :func:`diagnose_projects`) found; ``to_dict`` and ``summary``
    present it. The bound's capacity nodes are the resources, and in a project run also the
    candidate orders (``node_names`` names them)."""

    problem: Problem
    served: int
    reasons: np.ndarray  # per need: reason code, "" when served
    details: list[str]  # per need: who took the capacity, or the budget, venue or order behind the reason (a Text)
    bound: ServingBound
    node_names: list[str]
    bottlenecks: list[tuple[int, int]]
    uncovered: list[str]
    uncovered_by_category: dict[str, list[str]]
    never_candidates: np.ndarray  # resource indices that could serve no need
    unused: np.ndarray  # resources with candidates that the solution left idle
    component_needs: np.ndarray
    component_resources: np.ndarray
    pairing_components: list[dict[str, list[str]]]
    timings: dict[str, float] = field(default_factory=dict)

    def reason_counts(self) -> dict[str, int]:
        codes, counts = np.unique(self.reasons[self.reasons != ""], return_counts=True)
        return dict(zip(codes.tolist(), counts.tolist(), strict=True))

    def unmatched(self, limit: int | None = None) -> list[dict[str, Any]]:
        """One row per unmatched need: reason, explanation and its detail (for capacity, who took it)."""
        a = self.problem.arrays
        return [
            {
                "need": a.need_ids[n],
                "community": a.community_ids[a.need_community[n]],
                "urgency": URGENCIES[a.need_urgency[n]].value,
                "reason": str(self.reasons[n]),
                "explanation": _label(str(self.reasons[n])),
                "detail": self.details[n],
            }
            for n in np.flatnonzero(self.reasons != "")[:limit].tolist()
        ]

    def to_dict(self, limit: int | None = None) -> dict[str, Any]:
        a = self.problem.arrays
        b = self.bound
        return {
            "scenario": self.problem.name,
            "needs": a.n_needs,
            "served": self.served,
            "max_served": b.max_served,
            "deficiency": b.deficiency,
            "needs_without_candidates": b.without_candidates,
            "hall_set": {
                "needs": int(b.hall_needs.sum()),
                "resources": int(b.hall_resources.sum()),
                "capacity": int(b.capacity[b.hall_resources].sum()),
                "deficiency": b.hall_deficiency,
            },
            "unmatched_by_reason": self.reason_counts(),
            "bottlenecks": [
                {"resource": self.node_names[r], "lost_needs": loss, "flow": int(b.resource_flow[r])}
                for r, loss in self.bottlenecks
            ],
            "uncovered_communities": self.uncovered,
            "uncovered_by_category": self.uncovered_by_category,
            "idle_resources": {
                "no_candidate": [a.resource_ids[r] for r in self.never_candidates.tolist()],
                "unused": [a.resource_ids[r] for r in self.unused.tolist()],
            },
            "candidate_components": {
                "count": len(self.component_needs),
                "largest": _largest(self.component_needs, self.component_resources),
            },
            "pairing_components": self.pairing_components,
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
            "unmatched": self.unmatched(limit),
        }

    def summary(self, max_rows: int = 20) -> str:
        """A readable diagnosis for planners, in the current language (:mod:`matcher.i18n`)."""
        d = self.to_dict(limit=max_rows)
        projects = len(self.node_names) > self.problem.arrays.n_resources
        nodes = _("resources and candidate project orders") if projects else _("resources")
        hall = d["hall_set"]
        lines = [
            (
                _(
                    "Diagnosis of {name}: {needs} needs, served {served}, at most {bound} servable by any plan of "
                    "the project model (bound; orders 点单 and direct service)"
                )
                if projects
                else _(
                    "Diagnosis of {name}: {needs} needs, served {served}, at most {bound} servable by any "
                    "assignment (bound)"
                )
            ).format(name=d["scenario"], needs=d["needs"], served=d["served"], bound=d["max_served"]),
            _(
                "Hall's deficiency {deficiency}: {lonely} needs have no candidate; {needs} needs compete for "
                "{resources} {nodes} with capacity {capacity} (short by {short})"
            ).format(
                deficiency=d["deficiency"],
                lonely=d["needs_without_candidates"],
                needs=hall["needs"],
                resources=hall["resources"],
                nodes=nodes,
                capacity=hall["capacity"],
                short=hall["deficiency"],
            ),
            "",
            _("Unmatched by reason:"),
        ]
        lines += [f"  {code:<18} {k:>7}  {_(_label(code))}" for code, k in d["unmatched_by_reason"].items()] or [
            _("  (none)")
        ]
        lines += ["", _("Bottleneck {nodes} (needs the bound loses without them):").format(nodes=nodes)]
        lines += [
            f"  {pad(b['resource'], 14)} -{b['lost_needs']:<5} " + _("(carries {flow})").format(flow=b["flow"])
            for b in d["bottlenecks"]
        ] or [_("  (none)")]
        return "\n".join([*lines, "", *self._graph_lines(d, nodes), *_unmatched_lines(d["unmatched"])])

    def _graph_lines(self, d: dict[str, Any], nodes: str) -> list[str]:
        """Uncovered communities, idle resources and the candidate and pairing graphs' components."""
        uncovered = ", ".join(d["uncovered_communities"]) or _("none")
        lines = [_("Communities outside every resource's service circle: {uncovered}").format(uncovered=uncovered)]
        for cat, comms in d["uncovered_by_category"].items():
            shown = ", ".join(comms[:10]) + (" ..." if len(comms) > 10 else "")
            lines.append(
                _("  no {category} resource reaches: {communities}").format(
                    category=term(Category(cat)), communities=shown
                )
            )
        idle = d["idle_resources"]
        lines.append(
            _("Idle resources: {none} could serve no need, {unused} could but were not used").format(
                none=len(idle["no_candidate"]), unused=len(idle["unused"])
            )
        )
        cc = d["candidate_components"]
        lines.append(
            _("Candidate graph: {count} components; largest (needs, {nodes}): {largest}").format(
                count=cc["count"],
                nodes=nodes,
                largest=", ".join(f"({x['needs']}, {x['resources']})" for x in cc["largest"]),
            )
        )
        lines.append(_("Pairing graph (结对): {count} components").format(count=len(d["pairing_components"])))
        return lines


def _unmatched_lines(rows: list[dict[str, Any]]) -> list[str]:
    """The first unmatched needs, one line each: need, community, reason code and detail."""
    if not rows:
        return []
    lines = ["", _("Unmatched needs (first {n}):").format(n=len(rows))]
    for row in rows:
        extra = f" [{translated(row['detail'])}]" if row["detail"] else ""
        lines.append(f"  {pad(row['need'], 12)} {pad(row['community'], 10)} {row['reason']}{extra}")
    return lines


def _label(code: str) -> str:
    """The English explanation (a msgid) of a reason code."""
    if code == NOT_CHOSEN:
        return NOT_CHOSEN_LABEL
    return project_label(code)


def _largest(needs: np.ndarray, resources: np.ndarray, top: int = 5) -> list[dict[str, int]]:
    order = np.lexsort((-resources, -needs))[:top]
    return [{"needs": int(needs[i]), "resources": int(resources[i])} for i in order.tolist()]


def need_reasons(result: Result) -> np.ndarray:
    """Per need the reason code ("" when served).

    "capacity" is kept only when fewer candidates have room left than the providers the need
    takes; otherwise the need is :data:`NOT_CHOSEN`.
    """
    a, c = result.problem.arrays, result.candidates
    codes = np.array([r.value for r in REASONS] + [""], dtype=object)[result.reasons]
    capacity = np.flatnonzero(result.reasons == REASONS.index(Reason.CAPACITY))
    if len(capacity):
        tasks, minutes = remaining(result)
        room = (tasks[c.resource] >= 1) & (minutes[c.resource] >= c.load)
        with_room = np.bincount(c.need, weights=room, minlength=a.n_needs)
        enough = with_room[capacity] >= a.need_providers[capacity]
        codes[capacity[enough]] = NOT_CHOSEN
    return codes.astype(str)


def uncovered_communities(problem: Problem) -> tuple[list[str], dict[str, list[str]]]:
    """Communities no resource reaches (radius and level scope), overall and per needed category."""
    a = problem.arrays
    reach_r, reach_c = reach_pairs(a)
    covered = np.zeros(a.n_communities, dtype=bool)
    covered[reach_c] = True
    by_category = {}
    for k, category in enumerate(CATEGORIES):
        needed = np.zeros(a.n_communities, dtype=bool)
        needed[a.need_community[a.need_category == k]] = True
        offers = (a.resource_categories[reach_r] & np.uint8(1 << k)) != 0
        reached = np.zeros(a.n_communities, dtype=bool)
        reached[reach_c[offers]] = True
        missing = np.flatnonzero(needed & ~reached)
        if len(missing):
            by_category[category.value] = [a.community_ids[i] for i in missing.tolist()]
    return [a.community_ids[i] for i in np.flatnonzero(~covered).tolist()], by_category


def pairing_components(problem: Problem) -> list[dict[str, list[str]]]:
    """Components of the fixed-pairing graph (结对): unit groups joined to their communities."""
    g: nx.Graph[str] = nx.Graph()
    for p in problem.pairings:
        g.add_edge(f"group:{p.group}", f"community:{p.community}")
    return [
        {
            "groups": sorted(n.split(":", 1)[1] for n in comp if n.startswith("group:")),
            "communities": sorted(n.split(":", 1)[1] for n in comp if n.startswith("community:")),
        }
        for comp in sorted(nx.connected_components(g), key=lambda s: (-len(s), sorted(s)))
    ]


def _taken_by(result: Result, reasons: np.ndarray) -> list[str]:
    """Per need whose reason is capacity: its candidates and the needs that took them."""
    a, c = result.problem.arrays, result.candidates
    takers: dict[int, list[int]] = {}
    for n, r in zip(result.pair_need.tolist(), result.pair_resource.tolist(), strict=True):
        takers.setdefault(r, []).append(n)
    offsets = c.need_offsets(a.n_needs)
    out = [""] * a.n_needs
    for n in np.flatnonzero(reasons == Reason.CAPACITY.value).tolist():
        pairs = np.unique(c.resource[offsets[n] : offsets[n + 1]])
        out[n] = "; ".join(
            f"{a.resource_ids[r]} <- "
            + ",".join(a.need_ids[m] for m in takers.get(r, [])[:SHOWN])
            + (" ..." if len(takers.get(r, [])) > SHOWN else "")
            for r in pairs[:SHOWN].tolist()
        ) + (" ..." if len(pairs) > SHOWN else "")
    return out


def _diagnosis(
    problem: Problem,
    served: int,
    reasons: np.ndarray,
    details: list[str],
    classes: CandidateClasses,
    capacity: np.ndarray,
    node_names: list[str],
    with_candidates: np.ndarray,
    used: np.ndarray,
    bottlenecks: int,
    t: dict[str, float],
) -> Diagnosis:
    """The bound, bottlenecks, coverage gaps, idle resources and components around given reasons."""
    a = problem.arrays
    bound = flow_bound(a.n_needs, classes, capacity)
    t["bound"] = time.perf_counter()
    losses = resource_losses(classes, bound, bottlenecks) if bottlenecks else []
    t["bottlenecks"] = time.perf_counter()
    uncovered, by_category = uncovered_communities(problem)
    comp_needs, comp_resources, _ = candidate_components(len(capacity), classes)
    t["coverage"] = time.perf_counter()
    keys = list(t)
    timings = {k: t[k] - t[p] for p, k in zip(keys, keys[1:], strict=False)}
    timings["total"] = t[keys[-1]] - t["start"]
    return Diagnosis(
        problem,
        served,
        reasons,
        details,
        bound,
        node_names,
        losses,
        uncovered,
        by_category,
        np.flatnonzero(~with_candidates),
        np.flatnonzero(with_candidates & ~used),
        comp_needs,
        comp_resources,
        pairing_components(problem),
        timings,
    )


def diagnose(result: Result, *, bottlenecks: int = 10, classes: CandidateClasses | None = None) -> Diagnosis:
    """Explain ``result``: reasons, bound, bottlenecks, coverage gaps, idle resources, components."""
    a, c = result.problem.arrays, result.candidates
    t = {"start": time.perf_counter()}
    reasons = need_reasons(result)
    details = _taken_by(result, reasons)
    t["reasons"] = time.perf_counter()
    classes = classes or candidate_classes(a.n_needs, a.n_resources, c)
    with_candidates = np.zeros(a.n_resources, dtype=bool)
    with_candidates[c.resource] = True
    used = np.zeros(a.n_resources, dtype=bool)
    used[result.pair_resource] = True
    return _diagnosis(
        result.problem,
        result.n_served,
        reasons,
        details,
        classes,
        resource_capacity(result.problem, c),
        list(a.resource_ids),
        with_candidates,
        used,
        bottlenecks,
        t,
    )


def diagnose_projects(result: ProjectResult, *, bottlenecks: int = 10) -> Diagnosis:
    """Explain a project run as it was solved: the reasons of its per-need plan (budget, venue,
    no_claimant, order_not_run, ...) and a bound over direct service and every candidate order."""
    s, problem = result.space, result.space.problem
    a = problem.arrays
    t = {"start": time.perf_counter()}
    plan = result.need_plan
    t["reasons"] = time.perf_counter()
    need = np.concatenate([s.direct.need, s.serve_need]).astype(np.int64)
    node = np.concatenate([s.direct.resource, a.n_resources + s.serve_order]).astype(np.int64)
    order = np.argsort(need, kind="stable")
    pairs = CandidatePairs(need[order], node[order])
    n_nodes = a.n_resources + s.n_orders
    classes = candidate_classes(a.n_needs, n_nodes, pairs)
    venue_room = np.append(s.venue_capacity, np.iinfo(np.int64).max)[s.order_venue]  # -1: no station
    capacity = np.concatenate([resource_capacity(problem, s.direct), np.minimum(s.order_serves, venue_room)])
    with_candidates = np.zeros(a.n_resources, dtype=bool)
    with_candidates[s.direct.resource] = True
    with_candidates[s.claim_resource] = True
    used = np.zeros(a.n_resources, dtype=bool)
    used[s.direct.resource[result.plan.direct]] = True
    used[s.claim_resource[result.plan.claims]] = True
    names = list(a.resource_ids) + [f"order {o}" for o in s.order_ids]
    return _diagnosis(
        problem,
        int(result.served.sum()),
        plan.reason.astype(str),
        plan.detail,
        classes,
        capacity,
        names,
        with_candidates,
        used,
        bottlenecks,
        t,
    )


def explain_project_need(result: ProjectResult, need_id: str) -> dict[str, Any]:
    """The reason one need of a project run is (un)served: who serves it, or the reason with the
    budget, venue or order behind it and the orders that could have served it."""
    s, a = result.space, result.space.problem.arrays
    if need_id not in a.need_ids:
        raise KeyError(need_id)
    n = a.need_ids.index(need_id)
    need = s.problem.needs[n]
    out: dict[str, Any] = {
        "need": need_id,
        "community": need.community,
        "category": need.category.value,
        "skills": sorted(need.skills),
        "urgency": need.urgency.value,
    }
    if result.served[n]:
        out["status"] = "served"
        out["by"] = [row for row in result.assignments() if row["need"] == need_id]
        return out
    code = str(result.need_plan.reason[n])
    out.update(status="unmatched", reason=code, explanation=_label(code), detail=result.need_plan.detail[n])
    orders = np.unique(s.serve_order[s.serve_need == n])
    out["candidate_orders"] = [
        {
            "order": s.order_ids[o],
            "project": s.problem.projects[s.order_project[o]].id,
            "placed": bool(result.plan.placed[o]),
            "running": bool(result.plan.running[o]),
        }
        for o in orders.tolist()
    ]
    return out


def explain_need(result: Result, need_id: str) -> dict[str, Any]:
    """The reason one need is (un)served, with the facts behind it."""
    a, c = result.problem.arrays, result.candidates
    if need_id not in a.need_ids:
        raise KeyError(need_id)
    n = a.need_ids.index(need_id)
    need = result.problem.needs[n]
    out: dict[str, Any] = {
        "need": need_id,
        "community": need.community,
        "category": need.category.value,
        "skills": sorted(need.skills),
        "urgency": need.urgency.value,
        "deadline_minutes": need.urgency.deadline_minutes,
    }
    mine = c.need == n
    chosen = result.solution.chosen[c.need[result.solution.chosen] == n]
    if result.served[n]:
        out["status"] = "served"
        out["by"] = [
            {"resource": a.resource_ids[c.resource[p]], "arrival_minutes": round(float(c.arrival[p]), 1)}
            for p in chosen.tolist()
        ]
        return out
    code = str(need_reasons(result)[n])
    out.update(status="unmatched", reason=code, explanation=_label(code))
    if code == Reason.NO_SKILL.value:
        out["facts"] = f"no resource offers {need.category.value} with skills {sorted(need.skills)}"
    elif code in WITHIN_REACH_IN_TIME:
        out["facts"] = _reach_facts(result, n, _skilled(result, n))
    elif code == Reason.PAIRING_BLOCKED.value:
        out["facts"] = _pairing_facts(result, n)
    elif code in (Reason.CAPACITY.value, NOT_CHOSEN):
        tasks, minutes = remaining(result)
        takers: dict[int, list[str]] = {}
        for m, r in zip(result.pair_need.tolist(), result.pair_resource.tolist(), strict=True):
            takers.setdefault(r, []).append(a.need_ids[m])
        out["candidates"] = [
            {
                "resource": a.resource_ids[r],
                "tasks_left": int(tasks[r]),
                "hours_left": round(float(minutes[r]) / 60, 2),
                "load_hours": round(int(load) / 60, 2),
                "taken_by": takers.get(r, []),
            }
            for r, load in zip(c.resource[mine].tolist(), c.load[mine].tolist(), strict=True)
        ]
    else:
        out["candidates"] = [a.resource_ids[r] for r in c.resource[mine].tolist()]
    return out


def _skilled(result: Result, n: int) -> np.ndarray:
    """Resources offering the need's category and all its skills, wherever they are."""
    a = result.problem.arrays
    cat = (a.resource_categories & np.uint8(1 << int(a.need_category[n]))) != 0
    covers = np.all((a.need_skills[n][None, :] & ~a.resource_skills) == 0, axis=1)
    return np.flatnonzero(cat & covers)


def _reach_facts(result: Result, n: int, skilled: np.ndarray) -> list[dict[str, Any]]:
    """For each skilled resource (nearest first): travel, radius, slot and arrival vs deadline."""
    a = result.problem.arrays
    community = a.need_community[n]
    minutes = a.travel[a.resource_community[skilled], community]
    reach_r, reach_c = reach_pairs(a)
    in_scope = set(reach_r[reach_c == community].tolist())
    deadline = URGENCIES[a.need_urgency[n]].deadline_minutes
    facts = []
    for r, m in sorted(zip(skilled.tolist(), minutes.tolist(), strict=True), key=lambda x: x[1])[:5]:
        facts.append(
            {
                "resource": a.resource_ids[r],
                "travel_minutes": round(float(m), 1),
                "radius_minutes": float(a.resource_radius[r]),
                "within_reach": r in in_scope,
                "slot_ok": bool(a.resource_slots[r] & a.need_slots[n]),
                "arrival_minutes": round(float(m + a.resource_response[r]), 1),
                "deadline_minutes": deadline,
            }
        )
    return facts


def _pairing_facts(result: Result, n: int) -> list[dict[str, Any]]:
    """The resources that could serve if hard pairings did not bind, and where they are bound."""
    loose = build_candidates(result.problem, result.policy.with_overrides({"pairings": PairingMode.SOFT}))
    a = result.problem.arrays
    facts = []
    for r in np.unique(loose.resource[loose.need == n]).tolist():
        g = a.resource_group[r]
        paired = [a.community_ids[x] for x in np.flatnonzero(a.paired[g]).tolist()] if g >= 0 else []
        facts.append({"resource": a.resource_ids[r], "group": a.group_ids[g] if g >= 0 else "", "bound_to": paired})
    return facts
