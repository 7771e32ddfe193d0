"""Candidates: which resource may serve which need, as flat numpy arrays (one row per pair).

A resource may serve a need when it offers the need's category and every required skill, the
need's community lies within its service radius and its level's scope (street, district), it is
available in the need's slot, it can arrive before the deadline (when the policy enforces
deadlines), and no hard fixed pairing (结对) binds it elsewhere. Pairs are found community block
by community block with numpy; no Python object is made per pair.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.policy import PairingMode, Policy
from matcher.problem import CATEGORIES, LEVELS, TIERS, URGENCIES, Problem, ProblemArrays
from matcher.vocabulary import Level

#: Objective values are scaled to integers for OR-Tools: two decimals are kept (a travel cost of
#: 0.01 a minute is one unit a minute). Larger scales slow min-cost flow's cost scaling down.
VALUE_SCALE = 100

_N_CATEGORIES = len(CATEGORIES)
_STREET, _DISTRICT = LEVELS.index(Level.STREET), LEVELS.index(Level.DISTRICT)


@dataclass(frozen=True)
class Stages:
    """Per need, how many resources survive each rule, for the reason a need goes unmatched."""

    skilled_anywhere: np.ndarray  # bool: some resource anywhere has the category and skills
    in_reach: np.ndarray  # int: skilled resources within radius and scope
    available: np.ndarray  # ... and free in the need's slot
    in_time: np.ndarray  # ... and arriving before the deadline
    unpaired: np.ndarray  # ... and not bound elsewhere by a hard pairing
    worthwhile: np.ndarray  # ... and with a positive value


@dataclass(frozen=True)
class Candidates:
    """Candidate pairs sorted by need; ``value`` is the scaled integer objective coefficient."""

    need: np.ndarray  # int32 need index
    resource: np.ndarray  # int32 resource index
    minutes: np.ndarray  # float32 travel minutes
    arrival: np.ndarray  # float32 response + travel minutes
    load: np.ndarray  # int64 minutes of the resource's capacity the pair uses
    value: np.ndarray  # int64 scaled value of the pair
    stages: Stages
    hard_groups: np.ndarray  # (G,) bool: unit groups whose pairings bind under the policy
    listed: bool = False  # from a scenario's pairs list: identical needs or resources may differ in their pairs

    def __len__(self) -> int:
        return len(self.need)

    def need_offsets(self, n_needs: int) -> np.ndarray:
        """``offsets[i]:offsets[i+1]`` are the pairs of need i."""
        return np.concatenate(([0], np.cumsum(np.bincount(self.need, minlength=n_needs))))


def hard_groups(arrays: ProblemArrays, policy: Policy) -> np.ndarray:
    """Which unit groups' pairings bind under ``policy`` (declared, all hard, or all soft)."""
    if policy.pairings == PairingMode.HARD:
        return np.ones(len(arrays.group_ids), dtype=bool)
    if policy.pairings == PairingMode.SOFT:
        return np.zeros(len(arrays.group_ids), dtype=bool)
    return arrays.group_declared_hard.copy()


def need_base_values(arrays: ProblemArrays, policy: Policy) -> np.ndarray:
    """Tier weight x urgency weight of every need (before fit and travel)."""
    tier = np.array([policy.tier_weights[t.value] for t in TIERS])
    urgency = np.array([policy.urgency_weights[u.value] for u in URGENCIES])
    return tier[arrays.need_tier] * urgency[arrays.need_urgency]


def expand_blocks(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For blocks [start, start+count): (block number of each element, element index).

    The indices are one running sum that jumps to each block's start, so the only large arrays
    made are the two returned."""
    counts = counts.astype(np.int64)
    owner = np.repeat(np.arange(len(counts), dtype=np.int32), counts)
    index = np.ones(len(owner), dtype=np.int64)
    full = counts > 0
    if full.any():
        first, size, start = (np.cumsum(counts) - counts)[full], counts[full], starts[full].astype(np.int64)
        index[first] = start - np.concatenate(([1], start[:-1] + size[:-1])) + 1
        np.cumsum(index, out=index)
    return owner, index


def _covers(resource_words: np.ndarray, need_words: np.ndarray) -> np.ndarray:
    """Row-wise: does each resource's skill set contain the need's skill set?"""
    ok = np.ones(len(need_words), dtype=bool)
    for w in range(need_words.shape[1]):
        ok &= (need_words[:, w] & ~resource_words[:, w]) == 0
    return ok


def _skilled_anywhere(a: ProblemArrays) -> np.ndarray:
    """Per need: does any resource anywhere offer its category and skills?"""
    need_keys, need_inverse = np.unique(
        np.column_stack([a.need_category.astype(np.uint64), a.need_skills]), axis=0, return_inverse=True
    )
    res_keys = np.unique(np.column_stack([a.resource_categories.astype(np.uint64), a.resource_skills]), axis=0)
    found = np.zeros(len(need_keys), dtype=bool)
    for key in res_keys:
        cat_ok = (np.left_shift(np.uint64(1), need_keys[:, 0]) & key[0]) != 0
        found |= cat_ok & _covers(np.broadcast_to(key[1:], need_keys[:, 1:].shape), need_keys[:, 1:])
    return found[need_inverse.ravel()]


def _reach(a: ProblemArrays) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(resource, community, minutes) within the resource's radius and its level's scope.

    Found once per distinct (home, radius, level) by a radius-limited query, then handed to the
    resources that share it; sorted by that profile, then community.
    """
    profile = np.column_stack([a.resource_community, a.resource_radius, a.resource_level]).astype(np.float64)
    profiles, which = np.unique(profile, axis=0, return_inverse=True)
    which = which.ravel()
    home, level = profiles[:, 0].astype(np.int64), profiles[:, 2].astype(np.int64)
    p, c, minutes = a.travel.within(home, profiles[:, 1])
    scope = np.where(level[p] == _STREET, a.community_street[home[p]] == a.community_street[c], True)
    scope &= np.where(level[p] == _DISTRICT, a.community_district[home[p]] == a.community_district[c], True)
    p, c, minutes = p[scope], c[scope], minutes[scope]
    members = np.argsort(which, kind="stable")
    counts = np.bincount(which, minlength=len(profiles))
    owner, index = expand_blocks((np.cumsum(counts) - counts)[p], counts[p])
    return members[index].astype(np.int32), c[owner].astype(np.int32), minutes[owner]


def reach_pairs(a: ProblemArrays) -> tuple[np.ndarray, np.ndarray]:
    """(resource, community) pairs within the resource's radius and its level's scope."""
    resource, community, _ = _reach(a)
    return resource, community


def _in_block(
    a: ProblemArrays, first: np.ndarray, reach_r: np.ndarray, reach_c: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(class, reach row) for every reach row whose community and category are the class's:
    reach rows are grouped by (community, category) block, then each class takes its block."""
    offers = ((a.resource_categories[reach_r][:, None] >> np.arange(_N_CATEGORIES, dtype=np.uint8)) & 1).astype(bool)
    row, category = np.nonzero(offers)
    block = reach_c[row].astype(np.int64) * _N_CATEGORIES + category
    row = row[np.argsort(block, kind="stable")]
    counts = np.bincount(block, minlength=a.n_communities * _N_CATEGORIES)
    need_block = a.need_community[first].astype(np.int64) * _N_CATEGORIES + a.need_category[first]
    need, index = expand_blocks((np.cumsum(counts) - counts)[need_block], counts[need_block])
    return need, row[index]


def _class_pairs(
    a: ProblemArrays, policy: Policy, first: np.ndarray, binding: np.ndarray
) -> tuple[tuple[np.ndarray, ...], list[np.ndarray]]:
    """Candidate pairs of the representative needs ``first`` (one per class of identical needs).

    Returns the pair arrays (class, resource, minutes, arrival, load, value) and, per class, the
    counts that survive each rule. The pairs come out grouped by class (see :func:`_in_block`).
    """
    n = len(first)
    home = a.need_community[first]
    reach_r, reach_c, reach_m = _reach(a)
    need, row = _in_block(a, first, reach_r, reach_c)
    res = reach_r[row]
    survivors = []

    keep = _covers(a.resource_skills[res], a.need_skills[first][need])
    res, need, row = res[keep], need[keep], row[keep]
    survivors.append(np.bincount(need, minlength=n))

    keep = (a.resource_slots[res] & a.need_slots[first][need]) != 0
    res, need, row = res[keep], need[keep], row[keep]
    survivors.append(np.bincount(need, minlength=n))

    minutes = reach_m[row].astype(np.float64)
    del row
    arrival = minutes + a.resource_response[res].astype(np.float64)
    if policy.enforce_deadlines:
        keep = arrival <= a.need_deadline[first][need]
        res, need, minutes, arrival = res[keep], need[keep], minutes[keep], arrival[keep]
    survivors.append(np.bincount(need, minlength=n))

    # Index -1 (no unit group) lands on an appended row that is neither paired nor binding.
    group = a.resource_group[res]
    paired = np.vstack([a.paired, np.zeros(a.n_communities, dtype=bool)])[group, home[need]]
    bound = np.append(binding, False)[group]
    keep = paired | ~bound
    res, need, minutes, arrival = res[keep], need[keep], minutes[keep], arrival[keep]
    soft_paired = paired[keep] & ~bound[keep]
    survivors.append(np.bincount(need, minlength=n))

    providers = a.need_providers[first][need]
    fit = 1.0 + policy.locality_bonus * (a.resource_community[res] == home[need])
    fit += policy.pairing_bonus * soft_paired
    value = need_base_values(a, policy)[first][need] * fit / providers - policy.travel_cost * minutes
    if not policy.enforce_deadlines:  # a late pair earns less than an on-time one
        value -= policy.lateness_cost * np.maximum(arrival - a.need_deadline[first][need], 0.0)
    scaled = np.rint(value * VALUE_SCALE).astype(np.int64)
    keep = (scaled > 0) | (providers > 1) | a.need_required[first][need]  # a required need is served at a loss
    res, need, minutes, arrival, scaled = res[keep], need[keep], minutes[keep], arrival[keep], scaled[keep]
    survivors.append(np.bincount(need, minlength=n))

    load = np.rint(a.need_minutes[first][need] * a.resource_factor[res].astype(np.float64)).astype(np.int64)
    pairs = (need, res, minutes.astype(np.float32), arrival.astype(np.float32), np.maximum(load, 1), scaled)
    return pairs, survivors


def build_candidates(problem: Problem, policy: Policy) -> Candidates:
    """All candidate pairs of ``problem`` under ``policy``: those its arrays give
    (:func:`candidates_of`), which a scenario's ``pairs`` list then replaces or restricts
    (:mod:`matcher.given_pairs`)."""
    computed = candidates_of(problem.arrays, policy)
    if not problem.pairs:
        return computed
    from matcher.given_pairs import given_candidates  # the researcher's own pairs (it builds on this module)

    return given_candidates(problem, policy, computed)


def candidates_of(a: ProblemArrays, policy: Policy) -> Candidates:
    """The candidate pairs the problem arrays ``a`` give under ``policy``, with per-need survival counts.

    Identical needs (:attr:`ProblemArrays.need_classes`) have identical pairs, so the pairs are
    found once per class and copied to each member; they come out grouped by need.
    """
    classes, first = a.need_classes
    binding = hard_groups(a, policy)
    (pair_class, *columns), survivors = _class_pairs(a, policy, first, binding)
    per_class = np.bincount(pair_class, minlength=len(first))
    del pair_class
    need, index = expand_blocks((np.cumsum(per_class) - per_class)[classes], per_class[classes])
    copies = []
    while columns:  # one column at a time, each class column freed once copied
        copies.append(columns.pop(0)[index])
    res, minutes, arrival, load, value = copies
    in_reach, available, in_time, unpaired, worthwhile = (count[classes] for count in survivors)
    return Candidates(
        need=need,
        resource=res,
        minutes=minutes,
        arrival=arrival,
        load=load,
        value=value,
        stages=Stages(_skilled_anywhere(a), in_reach, available, in_time, unpaired, worthwhile),
        hard_groups=binding,
    )
