"""The result of a matching run: assignments, unmatched needs with reasons, loads, coverage,
deadline compliance, and what the solver proved. ``summary()`` is for people; ``to_dict`` and
``write`` (the result's JSON and CSV files, XLSX on request) are for programs."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from matcher.candidates import VALUE_SCALE, Candidates
from matcher.display import pad
from matcher.files import RESULTS_WORKBOOK, table_files, write_files
from matcher.i18n import N_, _, term, translated
from matcher.policy import Policy
from matcher.problem import MINUTES_PER_HOUR, URGENCIES, Problem
from matcher.reasons import REASONS, unmatched_reasons
from matcher.solution import PhaseOutcome, Solution, Status
from matcher.vocabulary import Urgency


@dataclass(frozen=True)
class Result:
    """A solved scenario. Values are in the policy's units (scaled integers divided back)."""

    problem: Problem
    policy: Policy
    candidates: Candidates
    solution: Solution
    solver: str
    solver_note: str
    wall_time: float
    timings: dict[str, float] = field(default_factory=dict)

    # --- what was decided -------------------------------------------------------------------
    @cached_property
    def pair_need(self) -> np.ndarray:
        return self.candidates.need[self.solution.chosen]

    @cached_property
    def pair_resource(self) -> np.ndarray:
        return self.candidates.resource[self.solution.chosen]

    @cached_property
    def served(self) -> np.ndarray:
        """Per need: did it get all the providers it takes?"""
        a = self.problem.arrays
        return np.bincount(self.pair_need, minlength=a.n_needs) >= a.need_providers

    @cached_property
    def reasons(self) -> np.ndarray:
        """Per need, index into :data:`REASONS` (-1 when served)."""
        return unmatched_reasons(self.candidates, self.problem.arrays.need_providers, self.served)

    # --- headline figures -------------------------------------------------------------------
    @property
    def objective(self) -> float:
        return self.solution.objective / VALUE_SCALE

    @property
    def bound(self) -> float | None:
        return None if self.solution.bound is None else self.solution.bound / VALUE_SCALE

    @property
    def gap(self) -> float | None:
        """Relative gap between the proven bound and the objective (None when nothing is proven)."""
        return relative_gap(self.solution.objective, self.solution.bound)

    @property
    def n_served(self) -> int:
        return int(self.served.sum())

    def is_feasible(self) -> bool:
        """True when every hard rule holds (greedy may break pairing minimums or shares)."""
        return not self.solution.violations

    # --- tables -------------------------------------------------------------------------------
    def assignments(self) -> list[dict[str, Any]]:
        """One row per (need, resource) pair chosen."""
        a, c = self.problem.arrays, self.candidates
        idx = self.solution.chosen
        return [
            {
                "need": a.need_ids[n],
                "resource": a.resource_ids[r],
                "community": a.community_ids[a.need_community[n]],
                "travel_minutes": round(float(m), 1),
                "arrival_minutes": round(float(t), 1),
                "load_hours": round(int(load) / MINUTES_PER_HOUR, 2),
                "value": int(v) / VALUE_SCALE,
            }
            for n, r, m, t, load, v in zip(
                c.need[idx].tolist(),
                c.resource[idx].tolist(),
                c.minutes[idx],
                c.arrival[idx],
                c.load[idx],
                c.value[idx],
            )
        ]

    def unmatched(self) -> list[dict[str, Any]]:
        """One row per need left unserved, with its reason code and explanation."""
        return unmatched_rows(self.problem, self.served, self.reasons)

    def reason_counts(self) -> dict[str, int]:
        return reason_counts(self.reasons)

    def resource_loads(self) -> list[dict[str, Any]]:
        """Hours and tasks used per resource, against its capacity."""
        a = self.problem.arrays
        c, idx = self.candidates, self.solution.chosen
        minutes = np.bincount(c.resource[idx], weights=c.load[idx], minlength=a.n_resources)
        tasks = np.bincount(c.resource[idx], minlength=a.n_resources)
        return [
            {
                "resource": rid,
                "tasks": int(t),
                "capacity_tasks": int(ct),
                "hours": round(m / MINUTES_PER_HOUR, 2),
                "capacity_hours": round(int(cm) / MINUTES_PER_HOUR, 2),
                "utilisation": round(m / cm, 3) if cm else 0.0,
            }
            for rid, t, ct, m, cm in zip(
                a.resource_ids,
                tasks.tolist(),
                a.resource_capacity_tasks.tolist(),
                minutes.tolist(),
                a.resource_capacity_minutes.tolist(),
            )
        ]

    def coverage(self) -> list[dict[str, Any]]:
        """Needs served over needs listed, per community (communities without needs omitted)."""
        a = self.problem.arrays
        total = np.bincount(a.need_community, minlength=a.n_communities)
        done = np.bincount(a.need_community[self.served], minlength=a.n_communities)
        return [
            {
                "community": a.community_ids[i],
                "needs": int(total[i]),
                "served": int(done[i]),
                "coverage": round(done[i] / total[i], 4),
            }
            for i in np.flatnonzero(total).tolist()
        ]

    def deadline_compliance(self) -> list[dict[str, Any]]:
        """Per urgency level: needs served, and served before the deadline (30 min, 24 h, 7 d, 15 d)."""
        a, c = self.problem.arrays, self.candidates
        idx = self.solution.chosen
        arrival = np.zeros(a.n_needs, dtype=np.float32)
        np.maximum.at(arrival, c.need[idx], c.arrival[idx])
        rows = []
        for u, level in enumerate(URGENCIES):
            mine = a.need_urgency == u
            if not mine.any():
                continue
            served = self.served & mine
            on_time = served & (arrival <= level.deadline_minutes)
            late = served & ~on_time
            rows.append(
                {
                    "urgency": level.value,
                    "deadline_minutes": level.deadline_minutes,
                    "needs": int(mine.sum()),
                    "served": int(served.sum()),
                    "on_time": int(on_time.sum()),
                    "late": int(late.sum()),
                    "minutes_late": round(float((arrival[late] - level.deadline_minutes).sum()), 1),
                    "compliance": round(on_time.sum() / mine.sum(), 4),
                }
            )
        return rows

    # --- reporting ----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Everything as plain JSON-ready data."""
        return {
            "scenario": self.problem.name,
            "policy": self.policy.name,
            "solver": self.solver,
            "solver_note": self.solver_note,
            "status": str(self.solution.status),
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "phases": [
                {"phase": p.name, "reached": p.objective, "bound": p.bound, "status": str(p.status)}
                for p in self.solution.phases
            ],
            "wall_time": round(self.wall_time, 4),
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
            "needs": self.problem.arrays.n_needs,
            "served": self.n_served,
            "candidate_pairs": len(self.candidates),
            "violations": list(self.solution.violations),
            "unmatched_by_reason": self.reason_counts(),
            "deadline_compliance": self.deadline_compliance(),
            "coverage": self.coverage(),
            "assignments": self.assignments(),
            "unmatched": self.unmatched(),
            "resources": self.resource_loads(),
        }

    def summary(self, max_rows: int = 40) -> str:
        """A readable report for planners, in the current language (:mod:`matcher.i18n`)."""
        a = self.problem.arrays
        n = a.n_needs
        lines = [
            _(
                "Scenario {name}: {needs} needs, {resources} resources, {communities} communities, "
                "{pairs} candidate pairs"
            ).format(
                name=self.problem.name,
                needs=n,
                resources=a.n_resources,
                communities=a.n_communities,
                pairs=len(self.candidates),
            ),
            _("Policy {policy}; solver {solver} ({note})").format(
                policy=self.policy.name, solver=self.solver, note=translated(self.solver_note)
            ),
            status_line(self.solution.status, self.objective, self.bound, self.gap, self.wall_time),
        ]
        lines += [phase_line(k, p) for k, p in enumerate(self.solution.phases, 1)]
        lines.append(
            _("Needs served: {served} of {needs} ({share:.1%})").format(
                served=self.n_served, needs=n, share=self.n_served / max(n, 1)
            )
        )
        lines += [_("VIOLATED: {rule}").format(rule=translated(v)) for v in self.solution.violations]
        lines += ["", *reason_lines(self.reason_counts()), ""]
        lines += deadline_lines(self.deadline_compliance())
        coverage = sorted(self.coverage(), key=lambda r: (r["coverage"], r["community"]))
        shown = coverage if len(coverage) <= max_rows else coverage[:10]
        lines.append("")
        if shown is coverage:
            lines.append(_("Coverage by community:"))
        else:
            lines.append(_("Coverage by community (worst 10 of {n}):").format(n=len(coverage)))
        lines += [f"  {pad(r['community'], 12)} {r['served']:>5} / {r['needs']:<5} {r['coverage']:.0%}" for r in shown]
        loads = self.resource_loads()
        used = sum(1 for r in loads if r["tasks"])
        lines.append("")
        lines.append(
            _("Resources used: {used} of {n}; idle: {idle}").format(used=used, n=len(loads), idle=len(loads) - used)
        )
        return "\n".join(lines)

    def write(self, out_dir: str | Path, xlsx: bool = False) -> list[Path]:
        """Write result.json and the CSV tables into ``out_dir`` (with ``xlsx``, also results.xlsx
        holding every table); each file appears whole or not at all."""
        data = self.to_dict()
        files: dict[str, str | bytes] = {"result.json": json.dumps(data, ensure_ascii=False, indent=1)}
        tables = ("assignments", "unmatched", "resources", "coverage", "deadline_compliance")
        files.update(table_files({name: data[name] for name in tables}, RESULTS_WORKBOOK if xlsx else None))
        return write_files(out_dir, files)


def relative_gap(objective: int, bound: int | None) -> float | None:
    """(bound - objective) / |bound|, or None without a proven bound."""
    if bound is None:
        return None
    return (bound - objective) / max(1, abs(bound))


def format_gap(gap: float | None) -> str:
    """A gap as people read it: blank (—) when unproven, 0% when exact, small gaps with digits enough."""
    if gap is None:
        return "—"
    if gap <= 0:
        return "0%"
    return f"{gap:.4%}" if gap < 1e-4 else f"{gap:.2%}"


#: What each status means, said beside it (translated where printed).
STATUS_NOTES = {
    "optimal": N_("proven best"),
    "feasible": N_("stopped early; the gap is how far it can be from the best"),
    "no_solution_in_time": N_("the engine found no plan in time: this is the greedy start, nothing proven"),
    "heuristic": N_("a heuristic plan, nothing proven"),
    "stable": N_("the needs-optimal stable matching"),
}
#: Status names as printed (the codes stay in result.json and CSV).
STATUS_NAMES = {
    "optimal": N_("optimal"),
    "feasible": N_("feasible"),
    "no_solution_in_time": N_("no_solution_in_time"),
    "heuristic": N_("heuristic"),
    "stable": N_("stable"),
    "replay": N_("replay"),  # a dispatch policy's run in the lab: an online plan, not an optimisation
}


def status_name(status: str) -> str:
    """A solve status as the current language names it (``optimal`` / ``最优``)."""
    return _(STATUS_NAMES.get(str(status), str(status)))


def status_line(status: str, objective: float, bound: float | None, gap: float | None, seconds: float) -> str:
    """``Status …; objective …; bound …; gap …; seconds``, never a gap that was not proven."""
    note = STATUS_NOTES.get(str(status))
    proven = "" if bound is None else _("; bound {bound:,.2f}; gap {gap}").format(bound=bound, gap=format_gap(gap))
    return _("Status {status} ({note}); objective {objective:,.2f}{proven}; {seconds:.2f} s").format(
        status=status_name(status), note=_(note) if note else "", objective=objective, proven=proven, seconds=seconds
    )


def phase_line(number: int, phase: PhaseOutcome) -> str:
    """A lexicographic level as solved: ``phase 1, emergency needs served: 31 (bound 31, optimal)``."""
    name = phase_name(phase.name)
    if phase.status == Status.NO_SOLUTION_IN_TIME:
        return _("  phase {number}, {name}: no plan in time").format(number=number, name=name)
    bound = "" if phase.bound is None else _("bound {bound}, ").format(bound=phase.bound)
    return _("  phase {number}, {name}: {reached} ({bound}{status})").format(
        number=number, name=name, reached=phase.objective, bound=bound, status=status_name(phase.status)
    )


def phase_name(name: str) -> str:
    """A phase's name as printed: ``<urgency> needs served`` (the solvers' phases) in the current language."""
    level, served, rest = name.partition(" needs served")
    if not served or rest or level not in {u.value for u in URGENCIES}:
        return name
    return _("{urgency} needs served").format(urgency=term(Urgency(level)))


def deadline_lines(rows: list[dict[str, Any]]) -> list[str]:
    """``Deadline compliance …:`` and one line per urgency level: on time / needs, share, and how late."""
    lines = [_("Deadline compliance (served on time / needs):")]
    for row in rows:
        late = _("  late {late} ({minutes:,.0f} min past deadlines)").format(
            late=row["late"], minutes=row["minutes_late"]
        )
        lines.append(
            f"  {pad(term(Urgency(row['urgency'])), 10)} {row['on_time']:>6} / {row['needs']:<6} "
            f"{row['compliance']:.1%}" + (late if row["late"] else "")
        )
    return lines


def reason_lines(counts: dict[str, int]) -> list[str]:
    """``Unmatched by reason:`` and one line per reason code with its count and explanation."""
    labels = {r.value: r.label for r in REASONS}
    rows = [f"  {code:<18} {k:>6}  {_(labels[code])}" for code, k in counts.items()]
    return [_("Unmatched by reason:"), *(rows or [_("  (none)")])]


def unmatched_rows(problem: Problem, served: np.ndarray, reasons: np.ndarray) -> list[dict[str, Any]]:
    """One row per need left unserved, with its reason code (index into :data:`REASONS`) and explanation."""
    a = problem.arrays
    out = []
    for n in np.flatnonzero(~served).tolist():
        reason = REASONS[reasons[n]]
        out.append(
            {
                "need": a.need_ids[n],
                "community": a.community_ids[a.need_community[n]],
                "urgency": URGENCIES[a.need_urgency[n]].value,
                "reason": reason.value,
                "explanation": reason.label,
            }
        )
    return out


def reason_counts(reasons: np.ndarray) -> dict[str, int]:
    """Unmatched needs per reason code (served needs, -1, are not counted)."""
    counts = np.bincount(reasons[reasons >= 0], minlength=len(REASONS))
    return {r.value: int(k) for r, k in zip(REASONS, counts, strict=True) if k}
