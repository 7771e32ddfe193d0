"""The most needs any assignment could serve: a max flow on the capacity-expanded candidate graph.

Needs with the same candidate resources are merged into classes (a class of m needs is one node
with supply m), so the flow graph stays small at 100,000 needs. Each resource can take at most
``min(capacity_tasks, capacity_hours // smallest candidate load)`` needs; every feasible
assignment gives a flow (one provider per served need), so the max flow is an upper bound on
served needs, and equals the optimum of a count-maximising solve when capacities are unit.
The min cut names Hall's deficient set: needs whose candidates together lack the capacity.

In a project run the candidate orders (点单) are capacity nodes beside the resources: an instance
serves at most ``serves`` needs and no more than its station takes, so every plan of the project
model is a flow too (budgets and claims are left out, which only loosens the bound).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order, connected_components, maximum_flow

from matcher.candidates import Candidates
from matcher.problem import Problem


@dataclass(frozen=True)
class CandidatePairs:
    """Need -> capacity node pairs sorted by need: resources, and in a project run also the
    candidate orders (点单) whose instances could serve the need."""

    need: np.ndarray
    resource: np.ndarray

    def __len__(self) -> int:
        return len(self.need)

    def need_offsets(self, n_needs: int) -> np.ndarray:
        """``offsets[i]:offsets[i+1]`` are the pairs of need i."""
        return np.concatenate(([0], np.cumsum(np.bincount(self.need, minlength=n_needs))))


def resource_capacity(problem: Problem, candidates: Candidates) -> np.ndarray:
    """Needs each resource could take at most: tasks, and hours over its smallest candidate load."""
    a = problem.arrays
    smallest = np.full(a.n_resources, np.iinfo(np.int64).max)
    np.minimum.at(smallest, candidates.resource, candidates.load)
    by_hours = np.where(smallest > 0, a.resource_capacity_minutes // np.maximum(smallest, 1), a.n_needs)
    return np.minimum(a.resource_capacity_tasks, by_hours).clip(0, a.n_needs)


@dataclass(frozen=True)
class CandidateClasses:
    """Needs merged by identical candidate sets: ``need_class`` per need (-1: no candidate)."""

    need_class: np.ndarray
    size: np.ndarray  # needs per class
    edge_class: np.ndarray  # one row per (class, resource) candidate edge
    edge_resource: np.ndarray


def candidate_classes(n_needs: int, n_resources: int, candidates: Candidates | CandidatePairs) -> CandidateClasses:
    """Group needs by their candidate resource sets (two 64-bit set hashes and the set size)."""
    rng = np.random.default_rng(20240)
    h1 = rng.integers(0, 2**63, n_resources, dtype=np.uint64) | np.uint64(1)
    h2 = rng.integers(0, 2**63, n_resources, dtype=np.uint64)
    count = np.bincount(candidates.need, minlength=n_needs)
    has = count > 0
    offsets = candidates.need_offsets(n_needs)[:-1][has]
    keys = np.zeros((n_needs, 3), dtype=np.uint64)
    if len(candidates):
        with np.errstate(over="ignore"):
            keys[has, 0] = np.add.reduceat(h1[candidates.resource], offsets)
            keys[has, 1] = np.add.reduceat(h2[candidates.resource], offsets)
    keys[:, 2] = count
    need_class = np.full(n_needs, -1, dtype=np.int64)
    unique, first, inverse = np.unique(keys[has], axis=0, return_index=True, return_inverse=True)
    need_class[has] = inverse.ravel()
    size = np.bincount(inverse.ravel(), minlength=len(unique))
    representative = np.flatnonzero(has)[first]
    rep_class = np.full(n_needs, -1, dtype=np.int64)
    rep_class[representative] = np.arange(len(unique))
    pick = rep_class[candidates.need] >= 0
    return CandidateClasses(need_class, size, rep_class[candidates.need[pick]], candidates.resource[pick])


@dataclass(frozen=True)
class ServingBound:
    """The max-flow bound on served needs and Hall's deficient set from the min cut."""

    max_served: int
    needs: int
    without_candidates: int
    resource_flow: np.ndarray  # needs routed through each resource in one maximum flow
    hall_needs: np.ndarray  # bool per need: in the deficient set (source side of the min cut)
    hall_resources: np.ndarray  # bool per resource: the deficient set's candidates
    capacity: np.ndarray

    @property
    def deficiency(self) -> int:
        """Hall's deficiency: needs no assignment can serve (with and without candidates)."""
        return self.needs - self.max_served

    @property
    def hall_deficiency(self) -> int:
        """|S| - capacity(N(S)) of the deficient set S (needs that have candidates but too few)."""
        return int(self.hall_needs.sum() - self.capacity[self.hall_resources].sum())


def _max_flow(classes: CandidateClasses, capacity: np.ndarray, removed: int = -1) -> tuple[csr_matrix, Any, int]:
    """scipy Dinic max flow: source -> class (size) -> resource (unbounded) -> sink (capacity)."""
    k, r = len(classes.size), len(capacity)
    source, sink = k + r, k + r + 1
    big = int(classes.size.sum()) + 1
    cap = capacity.copy()
    if removed >= 0:
        cap[removed] = 0
    tails = np.concatenate([np.full(k, source), classes.edge_class, k + np.arange(r)])
    heads = np.concatenate([np.arange(k), k + classes.edge_resource, np.full(r, sink)])
    caps = np.concatenate([classes.size, np.full(len(classes.edge_class), big), cap]).astype(np.int32)
    graph = csr_matrix((caps, (tails, heads)), shape=(k + r + 2, k + r + 2))
    graph.sum_duplicates()
    return graph, maximum_flow(graph, source, sink, method="dinic"), source


def serving_bound(problem: Problem, candidates: Candidates, classes: CandidateClasses | None = None) -> ServingBound:
    """The most needs any assignment could serve, with Hall's deficient set."""
    a = problem.arrays
    classes = classes or candidate_classes(a.n_needs, a.n_resources, candidates)
    return flow_bound(a.n_needs, classes, resource_capacity(problem, candidates))


def flow_bound(n_needs: int, classes: CandidateClasses, capacity: np.ndarray) -> ServingBound:
    """Max flow from need classes through capacity nodes (``capacity`` needs each), and the min cut."""
    k, n_nodes = len(classes.size), len(capacity)
    graph, flow, source = _max_flow(classes, capacity)
    flows = flow.flow.tocsr()
    residual = (graph - flows).tocsr()
    residual.data = (residual.data > 0).astype(np.int8)  # reverse arcs of positive flow have residual too
    residual.eliminate_zeros()
    reachable = breadth_first_order(residual, source, directed=True, return_predecessors=False)
    side = np.zeros(graph.shape[0], dtype=bool)
    side[reachable] = True
    resource_flow = np.asarray(flows[k : k + n_nodes, -1].todense()).ravel().astype(np.int64)
    has_class = classes.need_class >= 0
    hall_needs = np.zeros(n_needs, dtype=bool)
    hall_needs[has_class] = side[classes.need_class[has_class]]
    return ServingBound(
        int(flow.flow_value),
        n_needs,
        int((~has_class).sum()),
        resource_flow,
        hall_needs,
        side[k : k + n_nodes],
        capacity,
    )


def resource_losses(classes: CandidateClasses, bound: ServingBound, top: int = 10) -> list[tuple[int, int]]:
    """Bottlenecks: (capacity node, served needs lost from the bound without it), worst first; only
    nodes whose loss costs something are listed.

    A node with no flow in a maximum flow costs nothing, so only the ``top`` nodes carrying the
    most flow are re-solved without them.
    """
    carrying = np.flatnonzero(bound.resource_flow > 0)
    carrying = carrying[np.argsort(-bound.resource_flow[carrying], kind="stable")][:top]
    losses = []
    for r in carrying.tolist():
        _, flow, _ = _max_flow(classes, bound.capacity, removed=r)
        losses.append((r, bound.max_served - int(flow.flow_value)))
    return sorted((item for item in losses if item[1] > 0), key=lambda item: (-item[1], item[0]))


def candidate_components(n_resources: int, classes: CandidateClasses) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Connected components of the need-resource candidate graph.

    Components without needs (resources nobody could use) are left out. Returns (needs per
    component, resources per component, component of each need class, -1 for none)."""
    k = len(classes.size)
    ones = np.ones(len(classes.edge_class), dtype=np.int8)
    size = k + n_resources
    graph = csr_matrix((ones, (classes.edge_class, k + classes.edge_resource)), shape=(size, size))
    _, labels = connected_components(graph, directed=False)
    class_label, resource_label = labels[:k], labels[k:]
    n = labels.max() + 1 if len(labels) else 0
    needs = np.bincount(class_label, weights=classes.size, minlength=n).astype(np.int64)
    resources = np.bincount(resource_label, minlength=n)
    kept = np.flatnonzero(needs > 0)
    renumber = np.full(n, -1)
    renumber[kept] = np.arange(len(kept))
    return needs[kept], resources[kept], renumber[class_label]
