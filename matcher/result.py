"""The result of a matching run: assignments, unmatched needs with reasons, loads, coverage,
deadline compliance, and what the solver proved. ``summary()`` is for people; ``to_dict``,
``write_json`` and ``write_csv`` are for programs."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from matcher.candidates import VALUE_SCALE, Candidates
from matcher.files import RESULTS_WORKBOOK, table_files, write_files
from matcher.policy import Policy
from matcher.problem import MINUTES_PER_HOUR, URGENCIES, Problem
from matcher.reasons import REASONS, unmatched_reasons
from matcher.solution import PhaseOutcome, Solution, Status


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
        """A readable report for planners."""
        a = self.problem.arrays
        n = a.n_needs
        lines = [
            f"Scenario {self.problem.name}: {n} needs, {a.n_resources} resources, "
            f"{a.n_communities} communities, {len(self.candidates)} candidate pairs",
            f"Policy {self.policy.name}; solver {self.solver} ({self.solver_note})",
            status_line(self.solution.status, self.objective, self.bound, self.gap, self.wall_time),
        ]
        lines += [phase_line(k, p) for k, p in enumerate(self.solution.phases, 1)]
        lines.append(f"Needs served: {self.n_served} of {n} ({self.n_served / max(n, 1):.1%})")
        for v in self.solution.violations:
            lines.append(f"VIOLATED: {v}")
        lines.append("")
        lines.append("Unmatched by reason:")
        counts = self.reason_counts()
        lines += [
            f"  {code:<18} {k:>6}  {REASONS[[r.value for r in REASONS].index(code)].label}"
            for code, k in counts.items()
        ] or ["  (none)"]
        lines.append("")
        lines.append("Deadline compliance (served on time / needs):")
        for row in self.deadline_compliance():
            late = f"  late {row['late']} ({row['minutes_late']:,.0f} min past deadlines)" if row["late"] else ""
            share = f"{row['compliance']:.1%}"
            lines.append(f"  {row['urgency']:<10} {row['on_time']:>6} / {row['needs']:<6} {share}{late}")
        coverage = sorted(self.coverage(), key=lambda r: (r["coverage"], r["community"]))
        lines.append("")
        shown = coverage if len(coverage) <= max_rows else coverage[:10]
        title = "Coverage by community" + ("" if shown is coverage else f" (worst 10 of {len(coverage)})")
        lines.append(title + ":")
        lines += [f"  {r['community']:<12} {r['served']:>5} / {r['needs']:<5} {r['coverage']:.0%}" for r in shown]
        loads = self.resource_loads()
        used = sum(1 for r in loads if r["tasks"])
        lines.append("")
        lines.append(f"Resources used: {used} of {len(loads)}; idle: {len(loads) - used}")
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


STATUS_NOTES = {
    "optimal": "proven best",
    "feasible": "stopped early; the gap is how far it can be from the best",
    "no_solution_in_time": "the engine found no plan in time: this is the greedy start, nothing proven",
    "heuristic": "a heuristic plan, nothing proven",
    "stable": "the needs-optimal stable matching",
}


def status_line(status: str, objective: float, bound: float | None, gap: float | None, seconds: float) -> str:
    """``Status …; objective …; bound …; gap …; seconds``, never a gap that was not proven."""
    proven = "" if bound is None else f"; bound {bound:,.2f}; gap {format_gap(gap)}"
    return f"Status {status} ({STATUS_NOTES.get(str(status), '')}); objective {objective:,.2f}{proven}; {seconds:.2f} s"


def phase_line(number: int, phase: PhaseOutcome) -> str:
    """A lexicographic level as solved: ``phase 1, emergency needs served: 31 (bound 31, optimal)``."""
    if phase.status == Status.NO_SOLUTION_IN_TIME:
        return f"  phase {number}, {phase.name}: no plan in time"
    bound = "" if phase.bound is None else f"bound {phase.bound}, "
    return f"  phase {number}, {phase.name}: {phase.objective} ({bound}{phase.status})"


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
