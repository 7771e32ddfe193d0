"""Who may claim what (认领资格), as the core decides it (:mod:`matcher.rules.claims`), cached
per app by scenario and version of its lists.

Building the rules loads the scenario's problem, which for a large scenario takes a while; a
claim therefore never builds them while it holds the order's lock: :meth:`RulesCache.lookup`
answers only from the cache, and a miss is filled by :meth:`RulesCache.build` in a read before
the claim is retried.
Every change of a list bumps ``Scenario.lists_version`` (:func:`touch`), so a stale entry is
never used. What the rules of a claim are looked up by (its order's scenario, project and
community) never changes for an order, so :class:`OrderFacts` remembers it.
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
#: Orders whose facts a process keeps; the memory is emptied when it is full.
ORDERS_SIZE = 100_000


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


@dataclass(frozen=True)
class Facts:
    """What an order's claim rules are looked up by."""

    scenario_id: int
    project: str
    community: str


class OrderFacts:
    """One app's memory of orders' facts and of the latest lists version seen of each scenario
    (versions only grow: a claim checked against an older one is told so under the lock)."""

    def __init__(self, size: int = ORDERS_SIZE) -> None:
        self.size = size
        self._orders: dict[int, Facts] = {}
        self._versions: dict[int, int] = {}
        self._lock = threading.Lock()

    def get(self, order_id: int) -> tuple[Facts, int] | None:
        """The order's facts and its scenario's lists version as last seen, if remembered."""
        with self._lock:
            found = self._orders.get(order_id)
            return None if found is None else (found, self._versions[found.scenario_id])

    def remember(self, order_id: int, facts: Facts, version: int) -> tuple[Facts, int]:
        """Keep the order's facts, read with its scenario at lists ``version``; return them as :meth:`get` would."""
        with self._lock:
            if len(self._orders) >= self.size:
                self._orders.clear()
            self._orders[order_id] = facts
            return facts, self._see(facts.scenario_id, version)

    def saw(self, scenario_id: int, version: int) -> None:
        """The scenario's lists were at ``version`` under a claim's lock."""
        with self._lock:
            self._see(scenario_id, version)

    def _see(self, scenario_id: int, version: int) -> int:
        """The latest version seen of the scenario's lists, ``version`` counted (the lock held)."""
        latest = max(version, self._versions.get(scenario_id, version))
        self._versions[scenario_id] = latest
        return latest


class RulesCache:
    """One app's cache of claim rules by (scenario, lists version), the least recently used
    dropped, and of the facts of orders (:attr:`orders`)."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self.orders = OrderFacts()
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
        self.orders.saw(scenario_id, scenario.lists_version)
        with self._lock:
            self._found[(scenario_id, scenario.lists_version)] = rules
            while len(self._found) > self.size:
                self._found.popitem(last=False)


def touch(session: Session, scenario_id: int) -> None:
    """Mark the scenario's lists changed (in the change's own transaction)."""
    session.execute(update(Scenario).where(Scenario.id == scenario_id).values(lists_version=Scenario.lists_version + 1))
