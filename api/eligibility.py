"""Who may claim what (认领资格), as the core decides it (:mod:`matcher.rules.claims`), cached
per app by scenario and version of its lists.

Building the rules loads the scenario's problem, which for a large scenario takes a while; a
claim therefore never builds them while it holds the order's lock: :meth:`RulesCache.lookup`
answers only from the cache, and a miss is filled by :meth:`RulesCache.build` in a read before
the claim is retried.
Every change of a list bumps ``Scenario.lists_version`` (:func:`touch`), so a stale entry is
never used.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.orm import Session

from api.models import Scenario
from api.records import load_problem, policy_from
from matcher.rules.claims import Claimants, ClaimRule, claimants

#: Scenarios (at one version each) whose rules a process keeps.
CACHE_SIZE = 16


@dataclass(frozen=True)
class Rules:
    """The claim rules of one scenario at one version, with the indices of its records."""

    claimants: Claimants
    projects: dict[str, int]
    resources: dict[str, int]
    communities: dict[str, int]

    def broken(self, project: str, community: str, unit: str) -> ClaimRule | None:
        return self.claimants.check_claim(self.projects[project], self.resources[unit], self.communities[community])


class Missing(Exception):
    """The rules of a scenario at this version are not in this process's cache yet."""

    def __init__(self, scenario_id: int, version: int) -> None:
        super().__init__(f"no claim rules cached for scenario {scenario_id} at version {version}")
        self.scenario_id, self.version = scenario_id, version


class RulesCache:
    """One app's cache of claim rules by (scenario, lists version), the least recently used dropped."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._found: OrderedDict[tuple[int, int], Rules] = OrderedDict()
        self._lock = threading.Lock()

    def lookup(self, scenario_id: int, version: int) -> Rules:
        """The cached rules; :class:`Missing` when they must be built first."""
        with self._lock:
            found = self._found.get((scenario_id, version))
            if found is None:
                raise Missing(scenario_id, version)
            self._found.move_to_end((scenario_id, version))
            return found

    def build(self, session: Session, scenario_id: int) -> None:
        """Build and cache the rules of the scenario as it stands in ``session``'s snapshot."""
        scenario = session.get(Scenario, scenario_id)
        if scenario is None:  # deleted meanwhile: the claim will answer 404
            return
        problem = load_problem(session, scenario)
        rules = Rules(
            claimants(problem, policy_from(scenario.policy)),
            {p.id: i for i, p in enumerate(problem.projects)},
            {r: i for i, r in enumerate(problem.arrays.resource_ids)},
            {c: i for i, c in enumerate(problem.arrays.community_ids)},
        )
        with self._lock:
            self._found[(scenario_id, scenario.lists_version)] = rules
            while len(self._found) > self.size:
                self._found.popitem(last=False)


def touch(session: Session, scenario_id: int) -> None:
    """Mark the scenario's lists changed (in the change's own transaction)."""
    session.execute(update(Scenario).where(Scenario.id == scenario_id).values(lists_version=Scenario.lists_version + 1))
