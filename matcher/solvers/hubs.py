"""Hubs: classes of identical needs that share one set of arcs to the resources in min-cost flow.

Identical needs (:attr:`ProblemArrays.need_classes`) have the same candidate pairs, so each class
is one supply of as many units as it has needs. Beyond that, classes whose candidate lists name
the same resources in the same order, with values that differ by one constant per class
(value = ``offset[class] + step[position]``; e.g. the same community and category, another tier
or urgency), meet at one hub: a class reaches its hub by one arc of cost ``-offset`` and the hub
reaches each resource once, at cost ``-step``. Every path class -> hub -> resource costs exactly
minus that pair's value and a hub's flow splits among its classes in any order, so the hub
network's optimum is the per-need optimum, with far fewer arcs.

Lists are grouped by a hash and then compared element by element with their hub's, so a hash
collision only costs a hub of its own, never a wrong arc.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.candidates import expand_blocks

_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB))


@dataclass(frozen=True)
class Hubs:
    """The classes' pairs (grouped by class) and the hub each class with pairs meets."""

    klass: np.ndarray  # class of each pair
    resource: np.ndarray  # resource of each pair
    position: np.ndarray  # the pair's place in its class's candidate list
    offset: np.ndarray  # per class: the value of its first pair
    step: np.ndarray  # per pair: value minus its class's offset
    start: np.ndarray  # per class: index of its first pair
    hub: np.ndarray  # per class: its hub (-1 for a class without pairs)
    lead: np.ndarray  # per hub: the class whose pairs are the hub's arcs

    @property
    def n_hubs(self) -> int:
        return len(self.lead)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, in place: spreads the bits of each uint64 of ``x``."""
    shifted = np.empty_like(x)
    for shift, factor in ((30, _MIX[1]), (27, _MIX[2]), (31, None)):
        np.right_shift(x, np.uint64(shift), out=shifted)
        np.bitwise_xor(x, shifted, out=x)
        if factor is not None:
            np.multiply(x, factor, out=x)
    return x


def find_hubs(klass: np.ndarray, resource: np.ndarray, value: np.ndarray, n_classes: int) -> Hubs:
    """Group classes by their candidate lists (``klass``/``resource``/``value``: pairs grouped by
    class, in candidate order)."""
    counts = np.bincount(klass, minlength=n_classes)
    start = np.cumsum(counts) - counts
    has = np.flatnonzero(counts)
    offset = np.zeros(n_classes, dtype=np.int64)
    offset[has] = value[start[has]]
    step = value - offset[klass]
    position = np.arange(len(klass)) - start[klass]
    with np.errstate(over="ignore"):
        pair_hash = resource.astype(np.uint64)
        pair_hash *= _MIX[0]
        pair_hash += step.view(np.uint64)
        pair_hash += position.view(np.uint64) << np.uint64(40)
        list_hash = np.add.reduceat(_mix(pair_hash), start[has]) if len(has) else np.zeros(0, np.uint64)
        del pair_hash
    key = np.column_stack([counts[has], list_hash.view(np.int64)])
    _, first, which = np.unique(key, axis=0, return_index=True, return_inverse=True)
    hub = np.full(n_classes, -1, dtype=np.int64)
    hub[has] = which.ravel()
    lead = has[first]
    twin = start[lead[hub[klass]]] + position  # the same place in the hub's own list
    differs = np.unique(klass[(resource[twin] != resource) | (step[twin] != step)])
    hub[differs] = len(lead) + np.arange(len(differs))
    lead = np.concatenate([lead, differs])
    return Hubs(klass, resource, position, offset, step, start, hub, lead)


def hub_network(hubs: Hubs, size: np.ndarray, capacity: np.ndarray, n_resources: int) -> tuple[np.ndarray, ...]:
    """Arc arrays (tails, heads, capacities, costs) and node supplies of the hub network.

    Nodes: hubs, then resources, then source and sink. Arcs: each hub's pairs (in hub order),
    then one source -> hub arc per class with pairs (in class order, carrying up to its ``size``),
    then resource -> sink (capacity), then the source -> sink bypass.
    """
    h = hubs.n_hubs
    source, sink = h + n_resources, h + n_resources + 1
    active = np.flatnonzero(hubs.hub >= 0)
    units = np.bincount(hubs.hub[active], weights=size[active], minlength=h).astype(np.int64)
    total = int(size[active].sum())
    owner, pair = expand_blocks(hubs.start[hubs.lead], np.bincount(hubs.klass, minlength=len(size))[hubs.lead])
    used = np.flatnonzero(np.bincount(hubs.resource[pair], minlength=n_resources))
    tails = np.concatenate([owner, np.full(len(active), source), h + used, [source]])
    heads = np.concatenate([h + hubs.resource[pair], hubs.hub[active], np.full(len(used), sink), [sink]])
    caps = np.concatenate([units[owner], size[active], capacity[used], [total]]).astype(np.int64)
    costs = np.concatenate([-hubs.step[pair], -hubs.offset[active], np.zeros(len(used) + 1, np.int64)])
    supplies = np.zeros(h + n_resources + 2, dtype=np.int64)
    supplies[source], supplies[sink] = total, -total
    return tails.astype(np.int32), heads.astype(np.int32), caps, costs.astype(np.int64), supplies, pair


def split_units(hubs: Hubs, pair: np.ndarray, flows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each served unit as (class, position in the class's list), from the hub network's flows.

    Within a hub, the units that arrive from its classes are matched in order with the units that
    leave to its resources (their totals agree: flow is conserved at the hub).
    """
    n_pairs = len(pair)
    active = np.flatnonzero(hubs.hub >= 0)
    to_resource, from_class = flows[:n_pairs], flows[n_pairs : n_pairs + len(active)]
    by_hub = active[np.argsort(hubs.hub[active], kind="stable")]
    unit_class = np.repeat(by_hub, from_class[np.argsort(hubs.hub[active], kind="stable")])
    unit_position = np.repeat(hubs.position[pair], to_resource)
    return unit_class, unit_position
