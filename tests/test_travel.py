"""Travel minutes from coordinates and from neighbour lists."""

from __future__ import annotations

import math

import numpy as np
import pytest

from matcher.domain import Community, Settings
from matcher.errors import FieldError, ScenarioError
from matcher.problem import Problem
from matcher.travel import travel_minutes


def test_coordinates_give_straight_line_minutes():
    """Distance in km times minutes_per_km; within a community the intra-community minutes."""
    cs = [Community(id="A", x=0.0, y=0.0), Community(id="B", x=3.0, y=4.0)]
    m = travel_minutes(cs, Settings(minutes_per_km=2.0, intra_community_minutes=3.0))
    assert m.tolist() == [[3.0, 10.0], [10.0, 3.0]]


def test_neighbour_lists_give_shortest_paths():
    """Travel over neighbour lists is the shortest path; unconnected communities are unreachable."""
    cs = [Community(id="A", neighbours=(("B", 5.0), ("C", 20.0))), Community(id="B", neighbours=(("C", 6.0),)),
          Community(id="C"), Community(id="D")]
    m = travel_minutes(cs, Settings())
    assert m[0, 2] == 11.0 and m[2, 0] == 11.0
    assert math.isinf(m[0, 3])
    assert np.all(np.diag(m) == Settings().intra_community_minutes)


def test_negative_neighbour_minutes_refused():
    """Negative travel minutes are refused, naming the field."""
    with pytest.raises(FieldError, match="neighbours"):
        Community.from_record({"id": "A", "neighbours": "B:-3"})


def test_unknown_neighbour_named():
    """A neighbour that is not a community is named in the error."""
    with pytest.raises(ScenarioError, match="field 'neighbours': unknown community 'Z'"):
        Problem.build([Community(id="A", neighbours=(("Z", 3.0),))], [], [])
