"""Generalized assignment instances (GAP) and their writing as a ``pairs`` scenario.

Jobs go to agents; job j on agent i costs ``cost[j, i]`` and takes ``load[j, i]`` minutes of the
agent's ``capacity[i]``; every job is assigned, the total cost is least. The classic type-C
generator (Martello and Toth; the OR-Library's gap instances): costs uniform in [10, 50], loads
uniform in [5, 25], each agent's capacity 0.8 × the sum of its loads / the number of agents.

In the scenario a job is a required need (必须服务) and an agent a resource with that many
minutes and as many tasks as there are jobs; each pair is listed with its cost and load
(``pairs_mode: replace``), so a pair's value is the need's base value less its cost and the
matcher's best plan has the least total cost.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml


@dataclass(frozen=True)
class GapInstance:
    cost: np.ndarray  # (jobs, agents) int
    load: np.ndarray  # (jobs, agents) int minutes
    capacity: np.ndarray  # (agents,) int minutes

    @property
    def jobs(self) -> int:
        return self.cost.shape[0]

    @property
    def agents(self) -> int:
        return self.cost.shape[1]


def type_c(jobs: int, agents: int, seed: int) -> GapInstance:
    """A type-C instance of ``jobs`` jobs on ``agents`` agents."""
    rng = np.random.default_rng(seed)
    cost = rng.integers(10, 51, size=(jobs, agents))
    load = rng.integers(5, 26, size=(jobs, agents))
    capacity = np.floor(0.8 * load.sum(axis=0) / agents).astype(np.int64)
    return GapInstance(cost, load, capacity)


def write_scenario(instance: GapInstance, folder: Path) -> Path:
    """The instance as a scenario in ``folder`` (scenario.yaml beside needs, resources and pairs CSVs)."""
    folder.mkdir(parents=True, exist_ok=True)
    tables = {
        "needs.csv": [["id", "community", "category", "required"]]
        + [[f"J{j}", "C", "health", "true"] for j in range(instance.jobs)],
        "resources.csv": [["id", "kind", "community", "categories", "capacity_hours", "capacity_tasks"]]
        + [
            [f"A{i}", "unit", "C", "health", f"{instance.capacity[i] / 60:.10g}", instance.jobs]
            for i in range(instance.agents)
        ],
        "pairs.csv": [["need", "resource", "cost", "load_minutes"]]
        + [
            [f"J{j}", f"A{i}", int(instance.cost[j, i]), int(instance.load[j, i])]
            for j in range(instance.jobs)
            for i in range(instance.agents)
        ],
    }
    for name, rows in tables.items():
        with open(folder / name, "w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(rows)
    doc = {
        "name": folder.name,
        "description": f"generalized assignment, type C, {instance.jobs} jobs on {instance.agents} agents",
        "settings": {"pairs_mode": "replace"},
        "communities": [{"id": "C", "x": 0, "y": 0}],
        "needs": "needs.csv",
        "resources": "resources.csv",
        "pairs": "pairs.csv",
    }
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
