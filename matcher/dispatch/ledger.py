"""The live plan (派单台账): which resource serves which need, what is published, and the
capacity each resource has left.

A published assignment (accepted, claimed or notified: 已派单) is pinned: no recommendation
ejects it and no re-plan moves it until a planner unpins it. Other assignments are the plan's
proposal and may move, at the policy's ``move_cost`` per move.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from matcher.candidates import VALUE_SCALE, Candidates, build_candidates
from matcher.dispatch.pairs import NeedPairs
from matcher.domain import Need
from matcher.errors import FieldError
from matcher.i18n import Text
from matcher.policy import Policy
from matcher.problem import Problem, ProblemArrays
from matcher.result import Result


@dataclass(frozen=True)
class Placement:
    """One provider of a need: the resource, the pair's scaled value, load and arrival minutes."""

    resource: int
    value: int
    load: int
    arrival: float


@dataclass(frozen=True)
class Step:
    """One level of a live escalation route (吹哨报到): where the need was offered, how long the
    routing took, how many resources of that level could serve it in time, how many options it
    offered and how long finding them took."""

    level: str
    node: str
    routing_minutes: float
    candidates: int
    options: int
    milliseconds: float


@dataclass
class Ledger:
    """The live plan over a scenario's communities and resources; needs are added as they arrive."""

    problem: Problem
    policy: Policy
    needs: list[Need] = field(default_factory=list)
    arrived_at: list[float] = field(default_factory=list)  # minutes since the replay/plan began
    pairs: list[NeedPairs | None] = field(default_factory=list)
    placed: dict[int, list[Placement]] = field(default_factory=dict)
    pinned: set[int] = field(default_factory=set)
    routes: dict[int, list[Step]] = field(default_factory=dict)
    placed_at: dict[int, float] = field(default_factory=dict)  # minutes when the current placement was made
    index: dict[str, int] = field(default_factory=dict)
    holders: list[set[int]] = field(default_factory=list)
    tasks_left: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    minutes_left: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    @classmethod
    def empty(cls, problem: Problem, policy: Policy) -> Ledger:
        """A ledger over ``problem``'s communities and resources with none of its needs."""
        a = problem.arrays
        return cls(
            problem,
            policy,
            holders=[set() for _ in range(a.n_resources)],
            tasks_left=a.resource_capacity_tasks.copy(),
            minutes_left=a.resource_capacity_minutes.copy(),
        )

    @classmethod
    def with_needs(cls, problem: Problem, policy: Policy, candidates: Candidates, at: float = 0.0) -> Ledger:
        """A ledger holding ``problem``'s needs (arrived at ``at``, unplaced) with their candidate pairs."""
        ledger = cls.empty(problem, policy)
        offsets = candidates.need_offsets(problem.arrays.n_needs)
        c = candidates
        for n, need in enumerate(problem.needs):
            s = slice(offsets[n], offsets[n + 1])
            ledger.add(need, at, NeedPairs(c.resource[s], c.value[s], c.load[s], c.arrival[s].astype(np.float64)))
        return ledger

    @classmethod
    def from_result(cls, result: Result, at: float = 0.0) -> Ledger:
        """A ledger holding a solved plan (nothing published yet), its needs arrived at ``at``."""
        ledger = cls.with_needs(result.problem, result.policy, result.candidates, at)
        c = result.candidates
        for p in result.solution.chosen.tolist():
            ledger.place(
                int(c.need[p]), Placement(int(c.resource[p]), int(c.value[p]), int(c.load[p]), float(c.arrival[p])), at
            )
        return ledger

    @classmethod
    def from_plan(cls, problem: Problem, policy: Policy, assignment: Mapping[str, Sequence[str]]) -> Ledger:
        """A ledger holding a stored plan (need id -> resource ids); pairs the rules no longer allow,
        or that no longer fit, are left out."""
        ledger = cls.with_needs(problem, policy, build_candidates(problem, policy))
        for need_id, resource_ids in assignment.items():
            n = ledger.index.get(need_id)
            if n is None:
                continue
            pairs = ledger.pairs[n]
            if pairs is None or len(resource_ids) != ledger.providers(n):
                continue
            rows = [
                np.flatnonzero(pairs.resource == ledger.arrays.resource_ids.index(r))
                if r in ledger.arrays.resource_ids
                else np.zeros(0, np.int64)
                for r in resource_ids
            ]
            if any(len(row) == 0 for row in rows):
                continue
            placements = [
                Placement(int(pairs.resource[i]), int(pairs.value[i]), int(pairs.load[i]), float(pairs.arrival[i]))
                for i in (int(row[0]) for row in rows)
            ]
            if all(ledger.fits(p) for p in placements):
                for p in placements:
                    ledger.place(n, p, 0.0)
        return ledger

    @property
    def arrays(self) -> ProblemArrays:
        return self.problem.arrays

    def need_index(self, need_id: str) -> int:
        if need_id not in self.index:
            raise FieldError("need", Text("unknown need {need_id!r}", need_id=need_id))
        return self.index[need_id]

    def resource_index(self, resource_id: str) -> int:
        try:
            return self.arrays.resource_ids.index(resource_id)
        except ValueError:
            raise FieldError("resource", Text("unknown resource {resource_id!r}", resource_id=resource_id)) from None

    # --- changes -------------------------------------------------------------------------------
    def add(self, need: Need, at: float, pairs: NeedPairs | None = None) -> int:
        """Record an arrived need (unplaced); returns its index."""
        n = len(self.needs)
        self.needs.append(need)
        self.arrived_at.append(at)
        self.pairs.append(pairs)
        self.index[need.id] = n
        return n

    def fits(self, placement: Placement) -> bool:
        """Has the resource a task and the minutes left for this placement?"""
        r = placement.resource
        return bool(self.tasks_left[r] >= 1 and self.minutes_left[r] >= placement.load)

    def place(self, n: int, placement: Placement, at: float) -> None:
        """Add one provider to need ``n``; capacity must be there."""
        r = placement.resource
        if not self.fits(placement):
            raise ValueError(
                Text(
                    "resource {resource} has no room for need {need}",
                    resource=self.arrays.resource_ids[r],
                    need=self.needs[n].id,
                )
            )
        self.placed.setdefault(n, []).append(placement)
        self.holders[r].add(n)
        self.tasks_left[r] -= 1
        self.minutes_left[r] -= placement.load
        self.placed_at[n] = at

    def remove(self, n: int) -> list[Placement]:
        """Take need ``n`` off every resource serving it; returns what it had."""
        had = self.placed.pop(n, [])
        for p in had:
            self.holders[p.resource].discard(n)
            self.tasks_left[p.resource] += 1
            self.minutes_left[p.resource] += p.load
        self.placed_at.pop(n, None)
        return had

    def pin(self, n: int) -> None:
        """Publish need ``n``'s assignment (派单): later solves keep it."""
        if n not in self.placed:
            raise FieldError("need", Text("need {value!r} has no assignment to publish", value=self.needs[n].id))
        self.pinned.add(n)

    def unpin(self, n: int) -> None:
        """A planner takes need ``n``'s assignment back: later solves may move it."""
        self.pinned.discard(n)

    # --- reading -------------------------------------------------------------------------------
    def top_value(self, n: int) -> int:
        """The best value any of need ``n``'s pairs has (0 without pairs)."""
        pairs = self.pairs[n]
        return int(pairs.value.max()) if pairs is not None and len(pairs) else 0

    def providers(self, n: int) -> int:
        return self.needs[n].providers

    def is_served(self, n: int) -> bool:
        return len(self.placed.get(n, ())) >= self.providers(n)

    def objective(self) -> float:
        """The plan's objective in policy units: the sum of the placed pairs' values."""
        return sum(p.value for ps in self.placed.values() for p in ps) / VALUE_SCALE

    def assignment(self) -> dict[str, tuple[str, ...]]:
        """Need id -> ids of the resources serving it."""
        ids = self.arrays.resource_ids
        return {self.needs[n].id: tuple(sorted(ids[p.resource] for p in ps)) for n, ps in self.placed.items()}
