"""Travel minutes between communities: as given in a ``travel`` list, from coordinates, or by
shortest paths over neighbour lists.

No community x community matrix is ever made: minutes are computed for the pairs asked about,
and the communities within a radius are found by a radius-limited query (a KD-tree over the
coordinates, or Dijkstra's search stopped at the radius over the neighbour graph), so memory
follows the pairs found, not the square of the communities. A complete ``travel`` list (every
ordered pair of communities) is used as given, with no shortest-path pass; an incomplete one is
a directed graph whose shortest paths give the rest.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from functools import cached_property

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from matcher.domain import Community, Settings, TravelTime

#: Shortest-path rows kept per search block and in the cache: about 32 MB of float64 at a time.
_BLOCK_CELLS = 1 << 22
#: Radius-limited searches reach slightly past the radius, then keep the pairs whose float32
#: minutes lie within it, so rounding never loses a pair on the border.
_SLACK = 1e-6


class Travel:
    """Minutes between communities (float32; ``inf`` where no route exists).

    With a complete ``travel`` list the time is the listed one; with an incomplete one it is the
    shortest path over the listed (directed) rows; with coordinates (km) it is straight-line
    distance times ``minutes_per_km``; with neighbour lists it is the shortest path over the
    undirected neighbour graph. Within one
    community the time is ``intra_community_minutes`` (the doorstep of the 15-minute circle).
    ``travel[origins, destinations]`` gives the minutes of those pairs, element by element.
    """

    def __init__(
        self,
        n: int,
        intra: float,
        xy: np.ndarray | None,
        minutes_per_km: float,
        graph: csr_matrix | None,
        table: np.ndarray | None = None,
        directed: bool = False,
    ) -> None:
        self.n = n
        self.intra = np.float32(intra)
        self._xy = xy
        self._per_km = minutes_per_km
        self._graph = graph
        self._table = table  # (n, n) float32 minutes as given, when the travel list is complete
        self._directed = directed
        self._rows: dict[int, np.ndarray] = {}

    @classmethod
    def of(cls, communities: Sequence[Community], settings: Settings, given: Sequence[TravelTime] = ()) -> Travel:
        """The travel of ``communities`` under ``settings``: the ``given`` minutes when there are
        any, else coordinates when every community has them, else the neighbour lists."""
        n = len(communities)
        if given:
            return cls._given(communities, settings, given)
        if n and all(c.has_coordinates for c in communities):
            xy = np.array([(c.x, c.y) for c in communities], dtype=np.float64)
            return cls(n, settings.intra_community_minutes, xy, settings.minutes_per_km, None)
        index = {c.id: i for i, c in enumerate(communities)}
        rows, cols, weights = [], [], []
        for i, community in enumerate(communities):
            for other, m in community.neighbours:
                rows.append(i)
                cols.append(index[other])
                weights.append(max(float(m), 1e-9))  # a zero-minute edge must stay an edge
        graph = coo_matrix((weights, (rows, cols)), shape=(n, n)).tocsr()
        return cls(n, settings.intra_community_minutes, None, settings.minutes_per_km, graph)

    @classmethod
    def _given(cls, communities: Sequence[Community], settings: Settings, given: Sequence[TravelTime]) -> Travel:
        """Minutes as listed (a missing reverse takes the same minutes): a table when every ordered
        pair is listed, else a directed graph for shortest paths."""
        n = len(communities)
        index = {c.id: i for i, c in enumerate(communities)}
        listed = {(index[t.origin], index[t.destination]): float(t.minutes) for t in given}
        for (o, d), m in list(listed.items()):
            listed.setdefault((d, o), m)
        origin, destination = (np.array(side, dtype=np.int64) for side in zip(*listed, strict=True))
        minutes = np.array(list(listed.values()), dtype=np.float64)
        if len(listed) == n * (n - 1):
            table = np.full((n, n), settings.intra_community_minutes, dtype=np.float32)
            table[origin, destination] = minutes
            return cls(n, settings.intra_community_minutes, None, settings.minutes_per_km, None, table=table)
        graph = coo_matrix((np.maximum(minutes, 1e-9), (origin, destination)), shape=(n, n)).tocsr()
        return cls(n, settings.intra_community_minutes, None, settings.minutes_per_km, graph, directed=True)

    @property
    def complete_table(self) -> bool:
        """Are the minutes a complete given table (no shortest paths computed)?"""
        return self._table is not None

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, key: tuple[object, object]) -> np.ndarray:
        origin, destination = key
        return self.minutes(origin, destination)

    def minutes(self, origin: object, destination: object) -> np.ndarray:
        """Minutes from each origin to each destination (index arrays, broadcast together)."""
        o, d = np.broadcast_arrays(np.asarray(origin, dtype=np.int64), np.asarray(destination, dtype=np.int64))
        if self._table is not None:
            out = self._table[o, d]
        elif self._xy is not None:
            out = self._straight(o, d)
        else:
            out = self._path_minutes(o.ravel(), d.ravel()).reshape(o.shape)
        return np.where(o == d, self.intra, out)

    def within(self, origin: np.ndarray, radius: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For each query q, the communities within ``radius[q]`` minutes of ``origin[q]``.

        Returns (query, community, minutes) sorted by query, then community.
        """
        origin = np.asarray(origin, dtype=np.int64)
        radius = np.asarray(radius, dtype=np.float64)
        if self._table is not None:
            query, community = self._scan(origin, radius)
        elif self._xy is not None:
            query, community = self._ball(origin, radius)
        else:
            query, community = self._search(origin, radius)
        minutes = self.minutes(origin[query], community)
        keep = minutes <= radius[query]
        query, community, minutes = query[keep], community[keep], minutes[keep]
        order = np.lexsort((community, query))
        return query[order], community[order], minutes[order]

    def pairs_within(self, limit: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every pair of distinct communities i < j at most ``limit`` minutes apart, with its minutes."""
        i, j, minutes = self.within(np.arange(self.n), np.full(self.n, limit))
        keep = i < j
        return i[keep], j[keep], minutes[keep]

    def _straight(self, o: np.ndarray, d: np.ndarray) -> np.ndarray:
        assert self._xy is not None
        dx = self._xy[o, 0] - self._xy[d, 0]
        dy = self._xy[o, 1] - self._xy[d, 1]
        return (np.sqrt(dx * dx + dy * dy) * self._per_km).astype(np.float32)

    @cached_property
    def _tree(self) -> cKDTree:
        return cKDTree(self._xy)

    def _ball(self, origin: np.ndarray, radius: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Candidate (query, community) pairs from the KD-tree, a little beyond each radius."""
        assert self._xy is not None
        reach = np.maximum(radius, 0.0) / self._per_km * (1 + _SLACK) + _SLACK
        found = self._tree.query_ball_point(self._xy[origin], reach) if len(origin) else []
        counts = np.fromiter(map(len, found), dtype=np.int64, count=len(found))
        community = np.fromiter(itertools.chain.from_iterable(found), dtype=np.int64, count=int(counts.sum()))
        return np.repeat(np.arange(len(origin)), counts), community

    def _scan(self, origin: np.ndarray, radius: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(query, community) pairs within each radius, read from the given table a block at a time."""
        assert self._table is not None
        block = max(1, _BLOCK_CELLS // max(self.n, 1))
        queries, communities = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
        for start in range(0, len(origin), block):
            rows, community = np.nonzero(
                self._table[origin[start : start + block]] <= radius[start : start + block, None]
            )
            queries.append(rows + start)
            communities.append(community)
        return np.concatenate(queries), np.concatenate(communities).astype(np.int64)

    def _search(self, origin: np.ndarray, radius: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Candidate (query, community) pairs by Dijkstra's search stopped a little past each radius."""
        assert self._graph is not None
        order = np.argsort(origin, kind="stable")
        block = max(1, _BLOCK_CELLS // max(self.n, 1))
        queries, communities = [], []
        for start in range(0, len(order), block):
            qs = order[start : start + block]
            sources, inverse = np.unique(origin[qs], return_inverse=True)
            limit = float(radius[qs].max()) * (1 + _SLACK) + _SLACK
            dist = dijkstra(self._graph, directed=self._directed, indices=sources, limit=max(limit, 0.0))
            dist[np.arange(len(sources)), sources] = self.intra
            rows, community = np.nonzero(dist[inverse] <= radius[qs][:, None] * (1 + _SLACK) + _SLACK)
            queries.append(qs[rows])
            communities.append(community)
        if not queries:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.concatenate(queries), np.concatenate(communities).astype(np.int64)

    def _path_minutes(self, o: np.ndarray, d: np.ndarray) -> np.ndarray:
        """Shortest-path minutes of pairs, a block of origins at a time."""
        out = np.empty(len(o), dtype=np.float32)
        sources, inverse = np.unique(o, return_inverse=True)
        block = max(1, _BLOCK_CELLS // max(self.n, 1))
        for start in range(0, len(sources), block):
            rows = self._shortest_rows(sources[start : start + block])
            mine = (inverse >= start) & (inverse < start + block)
            out[mine] = rows[inverse[mine] - start, d[mine]]
        return out

    def _shortest_rows(self, sources: np.ndarray) -> np.ndarray:
        """Full shortest-path rows (float32) from at most a block of ``sources``, kept for reuse."""
        assert self._graph is not None
        missing = [s for s in sources.tolist() if s not in self._rows]
        if missing:
            if len(self._rows) + len(missing) > max(1, _BLOCK_CELLS // max(self.n, 1)):
                self._rows.clear()
            dist = dijkstra(self._graph, directed=self._directed, indices=missing).astype(np.float32)
            self._rows.update(zip(missing, dist, strict=True))
        return np.stack([self._rows[s] for s in sources.tolist()])
