"""Travel minutes between communities: from coordinates, or shortest paths over neighbour lists."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial.distance import cdist

from matcher.domain import Community, Settings


def travel_minutes(communities: Sequence[Community], settings: Settings) -> np.ndarray:
    """A (C, C) float32 matrix of travel minutes; ``inf`` where no route exists.

    With coordinates (km) the distance is straight-line times ``minutes_per_km``; with neighbour
    lists it is the shortest path over the undirected neighbour graph. Within one community the
    time is ``intra_community_minutes`` (the doorstep of the 15-minute service circle).
    """
    n = len(communities)
    if n and all(c.has_coordinates for c in communities):
        xy = np.array([(c.x, c.y) for c in communities], dtype=np.float64)
        minutes = cdist(xy, xy) * settings.minutes_per_km
    else:
        index = {c.id: i for i, c in enumerate(communities)}
        rows, cols, weights = [], [], []
        for i, community in enumerate(communities):
            for other, m in community.neighbours:
                rows.append(i)
                cols.append(index[other])
                weights.append(max(float(m), 1e-9))  # a zero-minute edge must stay an edge
        graph = coo_matrix((weights, (rows, cols)), shape=(n, n)).tocsr()
        minutes = dijkstra(graph, directed=False)
    minutes = minutes.astype(np.float32)
    np.fill_diagonal(minutes, settings.intra_community_minutes)
    return minutes
