"""Small hand-made problems for the network tests."""

from __future__ import annotations

from typing import Any

from matcher.domain import Community, Need, Pairing, Resource
from matcher.problem import Problem


def community(cid: str, x: float, street: str = "S1", district: str = "D1") -> Community:
    return Community.from_record({"id": cid, "street": street, "district": district, "x": x, "y": 0})


def need(nid: str, where: str, **fields: Any) -> Need:
    return Need.from_record({"id": nid, "community": where, "category": "health", **fields})


def resource(rid: str, where: str, **fields: Any) -> Resource:
    record = {
        "id": rid,
        "kind": "volunteer",
        "community": where,
        "categories": "health",
        "capacity_hours": 100,
        **fields,
    }
    return Resource.from_record(record)


def problem(
    communities: list[Community], needs: list[Need], resources: list[Resource], pairings: list[Pairing] = ()
) -> Problem:  # type: ignore[assignment]
    return Problem.build(communities, needs, resources, pairings=pairings)
