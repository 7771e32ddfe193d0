"""Hard: a resource works within its hours and its task count (a knapsack and a cardinality per resource)."""

from __future__ import annotations

import numpy as np

from matcher.candidates import Candidates
from matcher.i18n import Text
from matcher.problem import ProblemArrays
from matcher.rules.model import ModelBuilder, group_sizes


def add_resource_hours(b: ModelBuilder) -> None:
    """Hard: a resource works no more minutes than its hours allow (a knapsack per resource).

    Rows only for resources whose candidate loads could exceed their hours."""
    a, c = b.a, b.c
    total = np.bincount(c.resource, weights=c.load, minlength=a.n_resources)
    binding = total > a.resource_capacity_minutes
    hours = a.resource_capacity_minutes[binding].astype(np.float64)
    b.per_owner_rows(binding, c.resource, c.load.astype(np.float64), np.full(len(hours), -np.inf), hours)


def add_resource_tasks(b: ModelBuilder) -> None:
    """Hard: a resource takes no more tasks than its task count."""
    a, c = b.a, b.c
    binding = group_sizes(c.resource, a.n_resources) > a.resource_capacity_tasks
    tasks = a.resource_capacity_tasks[binding].astype(np.float64)
    b.per_owner_rows(binding, c.resource, np.ones(len(c)), np.full(len(tasks), -np.inf), tasks)


def check_resource_hours(a: ProblemArrays, candidates: Candidates, chosen: np.ndarray) -> list[Text]:
    """The resources the chosen pairs give more minutes than their hours."""
    used = np.bincount(candidates.resource[chosen], weights=candidates.load[chosen], minlength=a.n_resources)
    over = np.flatnonzero(used > a.resource_capacity_minutes)
    return [
        Text(
            "resource {resource} works {used:g} of its {minutes} minutes",
            resource=a.resource_ids[r],
            used=float(used[r]),
            minutes=int(a.resource_capacity_minutes[r]),
        )
        for r in over.tolist()
    ]


def check_resource_tasks(a: ProblemArrays, candidates: Candidates, chosen: np.ndarray) -> list[Text]:
    """The resources the chosen pairs give more tasks than their task count."""
    used = np.bincount(candidates.resource[chosen], minlength=a.n_resources)
    over = np.flatnonzero(used > a.resource_capacity_tasks)
    return [
        Text(
            "resource {resource} takes {used} of its {tasks} task(s)",
            resource=a.resource_ids[r],
            used=int(used[r]),
            tasks=int(a.resource_capacity_tasks[r]),
        )
        for r in over.tolist()
    ]
