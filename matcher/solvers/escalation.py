"""Escalation (吹哨报到): what a community cannot serve goes to its street, then its district.

1. Community level: every need, with the community-level resources (stations, volunteers,
   party members, units of the community).
2. Street level: the needs the community level left, with the street's departments and
   resources (each street resource serves only its own street).
3. District level: what the street left, with the district's departments (in Wanshou the
   city 12345 hotline process; in Xihu the district department with its 7 working days).

Each level is the core :func:`matcher.solvers.solve` on a level-restricted problem. Reaching a
level takes time: the level's routing minutes are added to its resources' response minutes, so
the core's deadline rule (30 min, 24 h, 7 d, 15 d) decides which levels are fast enough. A need
goes only to levels whose routing minutes alone leave time before its deadline.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from matcher.areas import Routes, routes_of
from matcher.display import pad
from matcher.errors import FieldError
from matcher.i18n import Text, _, term
from matcher.policy import Policy, get_policy
from matcher.problem import LEVELS, URGENCIES, Problem
from matcher.reasons import REASONS
from matcher.result import status_name
from matcher.solvers import solve
from matcher.solvers.params import SolveParams
from matcher.vocabulary import Level, Urgency

if TYPE_CHECKING:  # matcher.result imports the solvers; import it for types only
    from matcher.result import Result

#: Minutes in a calendar day; seven working days span nine calendar days (one weekend).
DAY_MINUTES = 24 * 60
SEVEN_WORKING_DAYS = 9 * DAY_MINUTES


@dataclass(frozen=True)
class EscalationRules:
    """Minutes a need takes to reach each level before its resources respond.

    ``street_minutes``: the community blows the whistle and the street's departments report
    (报到); ``district_minutes``: a district department's feedback (Xihu: within 7 working days).
    """

    street_minutes: float = 120.0
    district_minutes: float = float(SEVEN_WORKING_DAYS)

    def __post_init__(self) -> None:
        for name in ("street_minutes", "district_minutes"):
            if getattr(self, name) < 0:
                raise FieldError(name, Text("must not be negative, got {value!r}", value=getattr(self, name)))

    def delay(self, level: Level) -> float:
        return {Level.COMMUNITY: 0.0, Level.STREET: self.street_minutes, Level.DISTRICT: self.district_minutes}[level]


def level_problem(problem: Problem, level: Level, needs: np.ndarray, delay: float) -> Problem:
    """The problem seen at ``level``: the given needs, the level's resources with the routing
    delay added to their response, and the pairings of the unit groups left."""
    resources = tuple(
        replace(r, response_minutes=r.response_minutes + delay) for r in problem.resources if r.level is level
    )
    groups = {r.pairing_group for r in resources if r.pairing_group}
    return problem.direct_part(
        [problem.needs[i] for i in needs.tolist()],
        resources=resources,
        pairings=tuple(p for p in problem.pairings if p.group in groups),
        name=f"{problem.name}@{level.value}",
    )


@dataclass(frozen=True)
class LevelRun:
    """One level's solve: which original needs it saw and the core result."""

    level: Level
    needs: np.ndarray  # indices into the original problem's needs
    result: Result


@dataclass(frozen=True)
class EscalationResult:
    """Level, route, resources and deadline status of every need after escalation."""

    problem: Problem
    routes: Routes
    rules: EscalationRules
    runs: tuple[LevelRun, ...]
    level: np.ndarray  # per need: index into LEVELS where served, -1 when unserved
    arrival: np.ndarray  # per need: minutes until the last provider arrives (inf when unserved)
    tried: np.ndarray  # per need: how many levels the need went to
    wall_time: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    @cached_property
    def served(self) -> np.ndarray:
        return self.level >= 0

    @cached_property
    def deadline(self) -> np.ndarray:
        return self.problem.arrays.need_deadline

    @cached_property
    def on_time(self) -> np.ndarray:
        return self.served & (self.arrival <= self.deadline)

    def status(self, n: int) -> str:
        """``met``, ``late`` or ``unserved`` for need index ``n``."""
        return "unserved" if not self.served[n] else ("met" if self.on_time[n] else "late")

    def route(self, n: int) -> list[str]:
        """Governance nodes the need went through, community first."""
        community = self.problem.needs[n].community
        return self.routes.route(community)[: int(self.tried[n])]

    def level_shares(self) -> dict[str, Any]:
        """Needs solved in the community, in the street, escalated to and solved in the district."""
        n = len(self.level)
        counts = {lvl.value: int((self.level == i).sum()) for i, lvl in enumerate(LEVELS)}
        counts["unserved"] = int((~self.served).sum())
        counts["escalated_to_street"] = int((self.tried >= 2).sum())
        counts["escalated_to_district"] = int((self.tried >= 3).sum())
        return {"needs": n, **counts, **{f"share_{k}": round(v / max(n, 1), 4) for k, v in counts.items()}}

    def deadline_compliance(self) -> list[dict[str, Any]]:
        """Per urgency level: needs, served, on time, and where they were served."""
        a = self.problem.arrays
        rows = []
        for u, urgency in enumerate(URGENCIES):
            mine = a.need_urgency == u
            if not mine.any():
                continue
            row = {
                "urgency": urgency.value,
                "deadline_minutes": urgency.deadline_minutes,
                "needs": int(mine.sum()),
                "served": int((self.served & mine).sum()),
                "on_time": int((self.on_time & mine).sum()),
                "compliance": round(float((self.on_time & mine).sum() / mine.sum()), 4),
            }
            row.update({f"at_{lvl.value}": int(((self.level == i) & mine).sum()) for i, lvl in enumerate(LEVELS)})
            rows.append(row)
        return rows

    def needs_table(self) -> list[dict[str, Any]]:
        """One row per need: level, route, resources, arrival, deadline status, reason if unserved."""
        a = self.problem.arrays
        resources: dict[int, list[str]] = {}
        reasons: dict[int, str] = {}
        for run in self.runs:
            r = run.result
            ra = r.problem.arrays
            for n, res in zip(r.pair_need.tolist(), r.pair_resource.tolist(), strict=True):
                resources.setdefault(int(run.needs[n]), []).append(ra.resource_ids[res])
            for local in np.flatnonzero(~r.served).tolist():
                reasons[int(run.needs[local])] = f"{run.level.value}: {REASONS[r.reasons[local]].value}"
        rows = []
        for n in range(a.n_needs):
            served = bool(self.served[n])
            rows.append(
                {
                    "need": a.need_ids[n],
                    "community": a.community_ids[a.need_community[n]],
                    "urgency": URGENCIES[a.need_urgency[n]].value,
                    "level": LEVELS[self.level[n]].value if served else "",
                    "route": " > ".join(self.route(n)),
                    "resources": ";".join(resources.get(n, [])) if served else "",
                    "arrival_minutes": round(float(self.arrival[n]), 1) if served else "",
                    "deadline_minutes": int(self.deadline[n]),
                    "deadline_status": self.status(n),
                    "reason": ""
                    if served
                    else reasons.get(n, "")
                    + ("; higher levels too slow for the deadline" if self.tried[n] < len(LEVELS) else ""),
                }
            )
        return rows

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.problem.name,
            "rules": {"street_minutes": self.rules.street_minutes, "district_minutes": self.rules.district_minutes},
            "wall_time": round(self.wall_time, 4),
            "levels": [
                {
                    "level": run.level.value,
                    "needs": len(run.needs),
                    "served": run.result.n_served,
                    "solver": run.result.solver,
                    "status": run.result.solution.status,
                }
                for run in self.runs
            ],
            "shares": self.level_shares(),
            "deadline_compliance": self.deadline_compliance(),
            "needs": self.needs_table(),
        }

    def summary(self) -> str:
        """A readable report of 吹哨报到 for planners, in the current language (:mod:`matcher.i18n`)."""
        s = self.level_shares()
        lines = [
            _("Escalation of {name}: {needs} needs (street +{street:g} min, district +{district:g} min)").format(
                name=self.problem.name,
                needs=s["needs"],
                street=self.rules.street_minutes,
                district=self.rules.district_minutes,
            )
        ]
        for run in self.runs:
            lines.append(
                f"  {pad(term(run.level), 10)} "
                + _("saw {saw:>7}, served {served:>7} ({solver}, {status}, {seconds:.2f} s)").format(
                    saw=len(run.needs),
                    served=run.result.n_served,
                    solver=run.result.solver,
                    status=status_name(run.result.solution.status),
                    seconds=run.result.wall_time,
                )
            )
        lines.append(_("Where needs were solved:"))
        names = {"unserved": _("unserved"), **{level.value: term(level) for level in Level}}
        for key in ("community", "street", "district", "unserved"):
            lines.append(f"  {pad(names[key], 10)} {s[key]:>7}  {s['share_' + key]:.1%}")
        lines.append(
            _("  escalated to the street {street}, to the district {district}").format(
                street=s["escalated_to_street"], district=s["escalated_to_district"]
            )
        )
        lines.append(_("Deadline compliance (on time / needs; served at community/street/district):"))
        for row in self.deadline_compliance():
            lines.append(
                f"  {pad(term(Urgency(row['urgency'])), 10)} {row['on_time']:>7} / {row['needs']:<7} "
                f"{row['compliance']:.1%}   {row['at_community']}/{row['at_street']}/{row['at_district']}"
            )
        return "\n".join(lines)


def escalate(
    problem: Problem,
    policy: Policy | str | dict[str, Any] | None = None,
    *,
    rules: EscalationRules | None = None,
    routes: Routes | None = None,
    on_level: Callable[[Level, Result], None] | None = None,
    solver: str = "auto",
    params: SolveParams | None = None,
) -> EscalationResult:
    """Solve level by level: community, then street, then district, each seeing what was left;
    ``on_level(level, result)`` hears of each level as it is solved (for progress)."""
    if problem.has_projects:  # one dispatch for every command: never a figure the run would not give
        raise FieldError(
            "scenario",
            "escalation routes needs matched directly; this scenario orders projects "
            "(点单), which `matcher run` solves with the project model — escalating them "
            "level by level is not supported",
        )
    start = time.perf_counter()
    policy = get_policy(policy)
    rules = rules or EscalationRules()
    routes = routes or routes_of(problem)
    a = problem.arrays
    deadline = a.need_deadline
    level = np.full(a.n_needs, -1, dtype=np.int8)
    arrival = np.full(a.n_needs, np.inf)
    tried = np.zeros(a.n_needs, dtype=np.int8)
    runs = []
    timings = {}
    for i, lvl in enumerate(LEVELS):
        delay = rules.delay(lvl)
        open_needs = level < 0
        if policy.enforce_deadlines:
            open_needs &= delay < deadline
        needs = np.flatnonzero(open_needs)
        if not len(needs):
            continue
        tried[needs] = i + 1
        result = solve(level_problem(problem, lvl, needs, delay), policy, solver=solver, params=params)
        timings[lvl.value] = result.wall_time
        runs.append(LevelRun(lvl, needs, result))
        if on_level:
            on_level(lvl, result)
        c = result.candidates
        idx = result.solution.chosen
        local_arrival = np.zeros(len(needs))
        np.maximum.at(local_arrival, c.need[idx], c.arrival[idx])
        done = needs[result.served]
        level[done] = i
        arrival[done] = local_arrival[result.served]
    return EscalationResult(
        problem, routes, rules, tuple(runs), level, arrival, tried, time.perf_counter() - start, timings
    )
