"""Replay a day or a week of arrivals through the dispatcher (回放), against hindsight.

1. Needs arrive in time order (from a file, or generated with a seed). Each need of one provider
   is placed at once on its best recommendation (with live escalation). One whose deadline is
   shorter than the re-plan interval cannot wait for the next re-plan: it is published (派单) at
   once; the others stay proposals.
2. Every ``replan_every`` minutes the dispatcher re-plans what is not published (with the
   policy's move cost), then publishes the proposals that cannot wait for the next re-plan: their
   resource must set off before it to arrive by the deadline (``publish="latest"``), or every
   proposal (``publish="each"``: a resource is notified at the re-plan after its need was placed).
   Needs no resource could take wait for the next re-plan.
3. A need is on time when the minutes it waited for its placement plus its resource's arrival
   minutes keep within its urgency's deadline (30 min, 24 h, 7 d, 15 d).
4. Hindsight: the same needs solved at once by the core, each placed the minute it arrived.

Capacity is the scenario's, for the whole replayed period (as a plan's is for its week).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from matcher.dispatch.intake import intake, read_arrivals
from matcher.dispatch.ledger import Ledger
from matcher.dispatch.recommend import apply, recommend
from matcher.dispatch.replan import Replan, replan
from matcher.display import pad
from matcher.domain import Need
from matcher.errors import FieldError
from matcher.i18n import Text, _, term
from matcher.policy import Policy
from matcher.problem import URGENCIES, Problem
from matcher.result import Result
from matcher.solvers import solve
from matcher.solvers.escalation import EscalationRules
from matcher.solvers.params import SolveParams
from matcher.vocabulary import Urgency

#: When proposals are published: at the last re-plan before they must set off, or at the first.
PUBLISH = ("latest", "each")
#: One generated arrival stream: per urgency level, arrivals per hour.
Rates = Mapping[str, float]


@dataclass(frozen=True)
class Arrival:
    """A need and the minute it arrived (minutes since the replay began)."""

    need: Need
    at: float


def parse_rates(text: str) -> dict[str, float]:
    """'emergency=0.5,normal=20' as arrivals per hour per urgency level; refuses bad parts."""
    rates: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",") if p.strip()):
        key, sep, value = part.partition("=")
        if not sep:
            raise FieldError("--rates", Text("expected URGENCY=PER_HOUR, got {value!r}", value=part))
        try:
            urgency = Urgency.parse(key).value
            rate = float(value)
        except ValueError as exc:
            raise FieldError(
                "--rates", str(exc) if "urgency" in str(exc) else f"expected a number, got {value!r}"
            ) from None
        if not math.isfinite(rate) or rate < 0:
            raise FieldError(
                "--rates",
                Text(
                    "the rate of {urgency} must be a non-negative number, got {value!r}", urgency=urgency, value=value
                ),
            )
        rates[urgency] = rate
    if not rates or not any(rates.values()):
        raise FieldError("--rates", Text("give at least one positive rate, e.g. emergency=0.5,normal=20"))
    return rates


def generated(problem: Problem, hours: float, seed: int, rates: Rates | None = None) -> list[Arrival]:
    """A seeded stream over ``hours``: without ``rates``, the scenario's own needs, each at a uniform
    random minute; with ``rates``, Poisson arrivals per urgency level, each a copy (new id) of a
    scenario need of that level (of any level when it has none)."""
    rng = np.random.default_rng(seed)
    span = hours * 60.0
    if rates is None:
        times = rng.uniform(0.0, span, size=len(problem.needs))
        return sorted(
            (Arrival(n, round(float(t), 2)) for n, t in zip(problem.needs, times, strict=True)),
            key=lambda a: (a.at, a.need.id),
        )
    out = []
    for urgency in URGENCIES:
        rate = rates.get(urgency.value, 0.0)
        if rate <= 0:
            continue
        pool = [n for n in problem.needs if n.urgency is urgency] or list(problem.needs)
        count = int(rng.poisson(rate * hours))
        times = np.sort(rng.uniform(0.0, span, size=count))
        picks = rng.integers(len(pool), size=count)
        for t, p in zip(times.tolist(), picks.tolist(), strict=True):
            out.append(Arrival(replace(pool[p], urgency=urgency), round(t, 2)))
    out.sort(key=lambda a: (a.at, a.need.urgency.deadline_minutes))
    return [Arrival(replace(a.need, id=f"A{i + 1:06d}"), a.at) for i, a in enumerate(out)]


@dataclass(frozen=True)
class ReplayResult:
    """Deadline compliance per urgency level, moves per re-plan and the gap to hindsight."""

    scenario: str
    needs: int
    replan_every: float
    rows: list[dict[str, Any]]
    replans: list[Replan]
    objective: float
    hindsight_objective: float
    published_at_once: int
    escalated: int
    seconds: float
    ledger: Ledger | None = field(default=None, repr=False, compare=False)  # the final live plan
    hindsight: Result | None = field(default=None, repr=False, compare=False)  # the same needs solved at once

    @property
    def gap(self) -> float:
        """Share of the hindsight objective the replay gave up."""
        return (self.hindsight_objective - self.objective) / max(abs(self.hindsight_objective), 1e-9)

    def moves(self) -> list[int]:
        return [r.moved for r in self.replans]

    def to_dict(self) -> dict[str, Any]:
        moves = self.moves()
        return {
            "scenario": self.scenario,
            "needs": self.needs,
            "replan_every_minutes": self.replan_every,
            "deadline_compliance": self.rows,
            "objective": round(self.objective, 2),
            "hindsight_objective": round(self.hindsight_objective, 2),
            "gap": round(self.gap, 6),
            "replans": len(moves),
            "moves_total": sum(moves),
            "moves_median": float(np.median(moves)) if moves else 0.0,
            "moves_max": max(moves, default=0),
            "published_at_once": self.published_at_once,
            "escalated": self.escalated,
            "seconds": round(self.seconds, 2),
            "stability_cost_total": round(sum(r.stability_cost for r in self.replans), 2),
        }

    def summary(self) -> str:
        """A readable report of the replay (回放) for planners, in the current language (:mod:`matcher.i18n`)."""
        d = self.to_dict()
        lines = [
            _("Replay of {name}: {needs} arrivals, re-plan every {every:g} min").format(
                name=self.scenario, needs=self.needs, every=self.replan_every
            ),
            _("On time per urgency level (replay | hindsight optimum):"),
        ]
        for row in self.rows:
            lines.append(
                f"  {pad(term(Urgency(row['urgency'])), 10)} "
                + _("{needs:>6} needs").format(needs=row["needs"])
                + f"   {row['on_time']:>6} {row['on_time_share']:>7.1%}  |  "
                f"{row['hindsight_on_time']:>6} {row['hindsight_share']:>7.1%}"
            )
        lines.append(
            _(
                "Re-plans {replans}: moves total {total}, median {median:g}, max {max}; stability cost {cost:,.2f}"
            ).format(
                replans=d["replans"],
                total=d["moves_total"],
                median=d["moves_median"],
                max=d["moves_max"],
                cost=d["stability_cost_total"],
            )
        )
        lines.append(
            _("Published at once {published}; escalated beyond the community {escalated}").format(
                published=self.published_at_once, escalated=self.escalated
            )
        )
        lines.append(
            _("Objective {objective:,.2f} vs hindsight {hindsight:,.2f} (gap {gap:.2%})").format(
                objective=self.objective, hindsight=self.hindsight_objective, gap=self.gap
            )
        )
        return "\n".join(lines)


def _on_time(ledger: Ledger, n: int) -> bool:
    if not ledger.is_served(n):
        return False
    wait = ledger.placed_at[n] - ledger.arrived_at[n]
    arrival = max(p.arrival for p in ledger.placed[n])
    return wait + arrival <= ledger.needs[n].urgency.deadline_minutes


def arrivals_from_file(path: str | Path, problem: Problem, policy: Policy) -> list[Arrival]:
    """The file's arrivals (the needs list's columns plus ``at``), each row checked like an intake
    against ``problem``'s communities; every bad row is named."""
    from matcher.io.scenario import LISTS
    from matcher.io.sources import Folder
    from matcher.io.tables import Columns, read_rows

    file = Path(path)
    columns = Columns((*LISTS["needs"].field_names(), "at"), ("id", "community", "category", "at"))
    rows = read_rows(Folder(file.parent), file.name, None, "arrivals", columns)
    scratch = Ledger.empty(problem, policy)
    return [Arrival(need, at) for need, at in read_arrivals(scratch, rows)]


@dataclass(frozen=True)
class ReplaySettings:
    """How a replay runs, as ``matcher replay`` and the policy lab (``compare --replay``, a sweep's
    ``replay:``) give it: the arrivals — a file, or a stream generated over ``hours`` (with
    ``rates`` per urgency level, or the scenario's own needs at random minutes) — and the
    dispatcher's re-plan interval, publication rule and routing minutes."""

    hours: float = 168.0
    rates: tuple[tuple[str, float], ...] | None = None
    arrivals: str | None = None
    replan_every: float = 60.0
    publish: str = "latest"
    rules: EscalationRules = field(default_factory=EscalationRules)

    def __post_init__(self) -> None:
        if not (math.isfinite(self.hours) and self.hours > 0):
            raise FieldError("hours", Text("must be positive, got {value!r}", value=self.hours))
        if not (math.isfinite(self.replan_every) and self.replan_every > 0):
            raise FieldError("replan_every", Text("must be positive, got {value!r}", value=self.replan_every))
        if self.publish not in PUBLISH:
            raise FieldError(
                "publish", Text("expected one of {items}, got {value!r}", items=", ".join(PUBLISH), value=self.publish)
            )
        if self.rates is not None and self.arrivals is not None:
            raise FieldError("rates", Text("give arrivals or rates, not both"))

    def stream(self, problem: Problem, policy: Policy, seed: int) -> list[Arrival]:
        """The arrivals: the file's, or the stream generated with ``seed``."""
        if self.arrivals is not None:
            return arrivals_from_file(self.arrivals, problem, policy)
        return generated(problem, self.hours, seed, dict(self.rates) if self.rates else None)

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain data (run keys, tables)."""
        return {
            "hours": self.hours,
            "rates": dict(self.rates) if self.rates else None,
            "arrivals": self.arrivals,
            "replan_every": self.replan_every,
            "publish": self.publish,
            "street_minutes": self.rules.street_minutes,
            "district_minutes": self.rules.district_minutes,
        }


def _check_options(replan_every: float, publish: str) -> None:
    """--replan-every is positive and --publish one of :data:`PUBLISH`."""
    if replan_every <= 0:
        raise FieldError("--replan-every", Text("must be positive, got {value!r}", value=replan_every))
    if publish not in PUBLISH:
        raise FieldError(
            "--publish", Text("expected one of {items}, got {value!r}", items=", ".join(PUBLISH), value=publish)
        )


def run_replay(
    problem: Problem,
    policy: Policy,
    arrivals: Sequence[Arrival],
    *,
    replan_every: float = 60.0,
    publish: str = "latest",
    rules: EscalationRules | None = None,
    time_limit: float = 10.0,
    deterministic_time: float | None = 5.0,
) -> ReplayResult:
    """Replay ``arrivals`` over ``problem``'s communities and resources (its needs are not used)."""
    _check_options(replan_every, publish)
    start = time.perf_counter()
    ledger = Ledger.empty(problem.direct_part(()), policy)
    replans: list[Replan] = []
    published_at_once = escalated = 0
    next_tick = replan_every

    def tick(t: float) -> None:
        replans.append(replan(ledger, t, time_limit=time_limit, deterministic_time=deterministic_time))
        for n, placements in list(ledger.placed.items()):
            must_go = (
                t + replan_every - ledger.arrived_at[n] + max(p.arrival for p in placements)
                > ledger.needs[n].urgency.deadline_minutes
            )
            if publish == "each" or must_go:
                ledger.pin(n)  # notified: its resources set off

    for arrival in arrivals:
        while arrival.at >= next_tick:
            tick(next_tick)
            next_tick += replan_every
        published, routed = _place_on_arrival(ledger, arrival, rules, replan_every)
        published_at_once += published
        escalated += routed
    if arrivals:
        tick(next_tick)
    hindsight = solve(
        problem.direct_part([a.need for a in arrivals]),
        policy,
        params=SolveParams(time_limit=time_limit, workers=1, deterministic_time=deterministic_time),
    )
    rows = _compliance(ledger, hindsight)
    return ReplayResult(
        problem.name,
        len(arrivals),
        replan_every,
        rows,
        replans,
        ledger.objective(),
        hindsight.objective,
        published_at_once,
        escalated,
        time.perf_counter() - start,
        ledger,
        hindsight,
    )


def _place_on_arrival(
    ledger: Ledger, arrival: Arrival, rules: EscalationRules | None, replan_every: float
) -> tuple[int, int]:
    """Take the arrival in and place it on its best option at once (a need of several providers
    waits for the next re-plan); one due before that re-plan is published at once. Returns
    (published at once, escalated beyond its community) as 0 or 1 each."""
    n = intake(ledger, {**_record(arrival.need), "at": arrival.at})
    if ledger.providers(n) != 1:
        return 0, 0
    rec = recommend(ledger, arrival.need.id, k=1, rules=rules)
    escalated = int(len(rec.route) > 1 and bool(rec.options))
    if not rec.options:
        return 0, escalated
    apply(ledger, n, rec.options[0], arrival.at)
    if arrival.need.urgency.deadline_minutes < replan_every:
        ledger.pin(n)
        return 1, escalated
    return 0, escalated


def _compliance(ledger: Ledger, hindsight: Any) -> list[dict[str, Any]]:
    """Per urgency level: needs, on time in the replay and in hindsight (placed on arrival)."""
    a = hindsight.problem.arrays
    arrival = np.zeros(a.n_needs)
    c, idx = hindsight.candidates, hindsight.solution.chosen
    np.maximum.at(arrival, c.need[idx], c.arrival[idx])
    in_time = hindsight.served & (arrival <= a.need_deadline)
    rows = []
    for u, urgency in enumerate(URGENCIES):
        mine = [n for n in range(len(ledger.needs)) if ledger.needs[n].urgency is urgency]
        if not mine:
            continue
        on_time = sum(_on_time(ledger, n) for n in mine)
        hind = int((in_time & (a.need_urgency == u)).sum())
        rows.append(
            {
                "urgency": urgency.value,
                "label": urgency.label,
                "needs": len(mine),
                "deadline_minutes": urgency.deadline_minutes,
                "on_time": on_time,
                "on_time_share": round(on_time / len(mine), 4),
                "hindsight_on_time": hind,
                "hindsight_share": round(hind / len(mine), 4),
            }
        )
    return rows


def _record(need: Need) -> dict[str, Any]:
    """A need as the plain mapping intake reads (its fields, unparsed)."""
    return {k: v for k, v in vars(need).items() if v is not None}
