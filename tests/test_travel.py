"""Travel minutes from coordinates and from neighbour lists, and the radius-limited query, against a
dense matrix computed here with scipy (cdist, all-pairs Dijkstra)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial.distance import cdist

from matcher.candidates import reach_pairs
from matcher.domain import Community, Resource, Settings
from matcher.errors import FieldError, ScenarioError
from matcher.problem import Problem
from matcher.travel import Travel


def test_coordinates_give_straight_line_minutes():
    """Distance in km times minutes_per_km; within a community the intra-community minutes."""
    cs = [Community(id="A", x=0.0, y=0.0), Community(id="B", x=3.0, y=4.0)]
    t = Travel.of(cs, Settings(minutes_per_km=2.0, intra_community_minutes=3.0))
    assert t[[[0], [1]], [0, 1]].tolist() == [[3.0, 10.0], [10.0, 3.0]]


def test_neighbour_lists_give_shortest_paths():
    """Travel over neighbour lists is the shortest path; unconnected communities are unreachable."""
    cs = [
        Community(id="A", neighbours=(("B", 5.0), ("C", 20.0))),
        Community(id="B", neighbours=(("C", 6.0),)),
        Community(id="C"),
        Community(id="D"),
    ]
    t = Travel.of(cs, Settings())
    assert t[0, 2] == 11.0 and t[2, 0] == 11.0
    assert math.isinf(t[0, 3])
    assert np.all(t[np.arange(4), np.arange(4)] == Settings().intra_community_minutes)


def test_negative_neighbour_minutes_refused():
    """Negative travel minutes are refused, naming the field."""
    with pytest.raises(FieldError, match="neighbours"):
        Community.from_record({"id": "A", "neighbours": "B:-3"})


def test_unknown_neighbour_named():
    """A neighbour that is not a community is named in the error."""
    with pytest.raises(ScenarioError, match="field 'neighbours': unknown community 'Z'"):
        Problem.build([Community(id="A", neighbours=(("Z", 3.0),))], [], [])


def _dense(communities: list[Community], s: Settings) -> np.ndarray:
    """The all-pairs matrix the way matcher computed it before issue 14 (float32, intra on the diagonal)."""
    if all(c.has_coordinates for c in communities):
        xy = np.array([(c.x, c.y) for c in communities])
        m = cdist(xy, xy) * s.minutes_per_km
    else:
        index = {c.id: i for i, c in enumerate(communities)}
        edges = [(i, index[o], max(w, 1e-9)) for i, c in enumerate(communities) for o, w in c.neighbours]
        rows, cols, w = zip(*edges, strict=True) if edges else ((), (), ())
        n = len(communities)
        m = dijkstra(coo_matrix((w, (rows, cols)), shape=(n, n)).tocsr(), directed=False)
    m = m.astype(np.float32)
    np.fill_diagonal(m, s.intra_community_minutes)
    return m


@st.composite
def cities(draw) -> list[Community]:
    """Up to 40 communities, on a grid of coordinates (with repeats) or joined by random neighbour lists."""
    n = draw(st.integers(1, 40))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if draw(st.booleans()):
        xy = rng.integers(0, 6, size=(n, 2)) * draw(st.sampled_from([0.5, 1.0, 1.3]))
        return [
            Community(id=f"C{i}", x=float(x), y=float(y), street=f"S{i % 3}", district=f"D{i % 2}")
            for i, (x, y) in enumerate(xy.tolist())
        ]
    edges = rng.integers(0, n, size=(2 * n, 2))
    minutes = rng.choice([0.0, 2.0, 3.5, 7.0, 10.0], size=2 * n)
    nbrs: dict[int, list] = {i: [] for i in range(n)}
    for (i, j), m in zip(edges.tolist(), minutes.tolist(), strict=True):
        if i != j:
            nbrs[i].append((f"C{j}", m))
    return [
        Community(id=f"C{i}", neighbours=tuple(nbrs[i]), street=f"S{i % 3}", district=f"D{i % 2}") for i in range(n)
    ]


@settings(max_examples=60, deadline=None)
@given(cities(), st.lists(st.sampled_from([0.0, 2.0, 4.0, 5.0, 6.0, 7.5, 12.0, 40.0]), min_size=1, max_size=30))
def test_within_and_minutes_equal_the_dense_matrix(communities, radii):
    """The radius query finds exactly the pairs the dense matrix has within each radius, with the same minutes."""
    s = Settings(minutes_per_km=4.0, intra_community_minutes=5.0)
    dense = _dense(communities, s)
    travel = Travel.of(communities, s)
    n = len(communities)
    origin = np.arange(len(radii)) % n
    radius = np.array(radii, dtype=np.float32).astype(np.float64)
    q, c, m = travel.within(origin, radius)
    want_q, want_c = np.nonzero(dense[origin] <= radius[:, None])
    assert q.tolist() == want_q.tolist() and c.tolist() == want_c.tolist()
    assert m.tolist() == dense[origin[want_q], want_c].tolist()
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    assert np.array_equal(travel[i, j], dense)


@settings(max_examples=40, deadline=None)
@given(cities(), st.integers(0, 2**32 - 1))
def test_reach_pairs_equal_the_dense_computation(communities, seed):
    """Radius and scope (community, street, district levels) give the pairs the dense matrix gives."""
    rng = np.random.default_rng(seed)
    resources = [
        Resource(
            id=f"R{j}",
            kind="volunteer",
            community=f"C{rng.integers(len(communities))}",
            categories=frozenset({"health"}),
            radius_minutes=float(rng.choice([3.0, 5.0, 8.0, 15.0])),
            level=str(rng.choice(["community", "street", "district"])),
        )
        for j in range(int(rng.integers(1, 25)))
    ]
    problem = Problem.build(communities, [], resources)
    dense = _dense(communities, problem.settings)
    street = {c.id: c.street for c in communities}
    district = {c.id: c.district for c in communities}
    index = {c.id: k for k, c in enumerate(communities)}
    want = sorted(
        (j, k)
        for j, r in enumerate(resources)
        for k, c in enumerate(communities)
        if dense[index[r.community], k] <= r.radius_minutes
        and (r.level.value != "street" or street[r.community] == c.street)
        and (r.level.value != "district" or district[r.community] == c.district)
    )
    got_r, got_c = reach_pairs(problem.arrays)
    assert sorted(zip(got_r.tolist(), got_c.tolist(), strict=True)) == want
