"""An independent reference for small problems: eligibility and values by plain Python loops over
the value objects, and the optimum by brute force. It shares no code with matcher's candidates or
solvers, so agreement with them is evidence, not an echo."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from matcher.domain import Need, Resource
from matcher.policy import Policy
from matcher.problem import Problem

SCALE = 100


@dataclass(frozen=True)
class Pair:
    need: int
    resource: int
    value: int
    load: int
    arrival: float


def minutes_between(problem: Problem, a: str, b: str) -> float:
    """Straight-line minutes between communities (the tests place them on a line)."""
    if a == b:
        return problem.settings.intra_community_minutes
    ca = next(c for c in problem.communities if c.id == a)
    cb = next(c for c in problem.communities if c.id == b)
    return math.hypot(ca.x - cb.x, ca.y - cb.y) * problem.settings.minutes_per_km


def _hard(problem: Problem, policy: Policy, group: str) -> bool:
    if not group or policy.pairings == "soft":
        return False
    if policy.pairings == "hard":
        return True
    return any(p.group == group and p.mode.value == "hard" for p in problem.pairings)


def _paired(problem: Problem, group: str, community: str) -> bool:
    return any(p.group == group and p.community == community for p in problem.pairings)


def pair_of(problem: Problem, policy: Policy, i: int, need: Need, j: int, res: Resource) -> Pair | None:
    """The pair (need, resource) if every rule allows it, with its scaled value."""
    if need.category not in res.categories or not need.skills <= res.skills:
        return None
    home = next(c for c in problem.communities if c.id == res.community)
    place = next(c for c in problem.communities if c.id == need.community)
    if res.level.value == "street" and home.street != place.street:
        return None
    if res.level.value == "district" and home.district != place.district:
        return None
    travel = minutes_between(problem, res.community, need.community)
    if travel > res.radius_minutes:
        return None
    if need.slot is not None and need.slot not in res.availability:
        return None
    arrival = travel + res.response_minutes
    if policy.enforce_deadlines and arrival > need.urgency.deadline_minutes:
        return None
    paired = _paired(problem, res.pairing_group, need.community)
    hard = _hard(problem, policy, res.pairing_group)
    if hard and not paired:
        return None
    fit = 1 + policy.locality_bonus * (res.community == need.community) + policy.pairing_bonus * (paired and not hard)
    base = policy.tier_weights[need.tier.value] * policy.urgency_weights[need.urgency.value]
    late = 0.0 if policy.enforce_deadlines else max(0.0, arrival - need.urgency.deadline_minutes)
    value = round((base * fit / need.providers - policy.travel_cost * travel - policy.lateness_cost * late) * SCALE)
    if value <= 0 and need.providers == 1:
        return None
    load = max(1, round(round(need.hours * 60) * res.hours_factor))
    return Pair(i, j, value, load, arrival)


def pairs(problem: Problem, policy: Policy) -> list[Pair]:
    out = []
    for i, need in enumerate(problem.needs):
        for j, res in enumerate(problem.resources):
            pair = pair_of(problem, policy, i, need, j, res)
            if pair is not None:
                out.append(pair)
    return out


def feasible(problem: Problem, policy: Policy, chosen: list[Pair]) -> bool:
    """Do the chosen pairs keep every hard rule?"""
    for j, res in enumerate(problem.resources):
        mine = [p for p in chosen if p.resource == j]
        if len(mine) > res.capacity_tasks or sum(p.load for p in mine) > round(res.capacity_hours * 60):
            return False
    for i, need in enumerate(problem.needs):
        k = sum(1 for p in chosen if p.need == i)
        if k not in (0, need.providers):
            return False
    for pairing in problem.pairings:
        if pairing.min_served and _hard(problem, policy, pairing.group):
            done = sum(
                1
                for p in chosen
                if problem.resources[p.resource].pairing_group == pairing.group
                and problem.needs[p.need].community == pairing.community
            )
            if done < pairing.min_served:
                return False
    if policy.min_community_share:
        for c in problem.communities:
            members = [i for i, n in enumerate(problem.needs) if n.community == c.id]
            served = {p.need for p in chosen if problem.needs[p.need].community == c.id}
            if members and len(served) < math.ceil(policy.min_community_share * len(members) - 1e-9):
                return False
    return True


def priority_key(problem: Problem, policy: Policy, chosen: list[Pair]) -> tuple[int, ...]:
    """Needs served of each priority urgency level, in the policy's order (compared first)."""
    served = {p.need for p in chosen}
    return tuple(
        sum(1 for i in served if problem.needs[i].urgency.value == level) for level in policy.priority_urgencies
    )


def best_plan(problem: Problem, policy: Policy) -> tuple[tuple[int, ...], int] | None:
    """The lexicographic optimum over every assignment that keeps the rules — needs served of each
    priority level in order, then total value — or None when no assignment does."""
    candidates = pairs(problem, policy)
    options = []
    for i, need in enumerate(problem.needs):
        mine = [p for p in candidates if p.need == i]
        options.append([()] + list(itertools.combinations(mine, need.providers)))
    best = None
    for choice in itertools.product(*options):
        chosen = [p for group in choice for p in group]
        if feasible(problem, policy, chosen):
            key = (priority_key(problem, policy, chosen), sum(p.value for p in chosen))
            best = key if best is None else max(best, key)
    return best


def brute_force(problem: Problem, policy: Policy) -> int | None:
    """The value of the best assignment that keeps the rules, the priority levels served first
    (None when none keeps them)."""
    best = best_plan(problem, policy)
    return None if best is None else best[1]
