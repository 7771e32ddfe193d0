"""Needs, resources and projects: filtered pages, get, create and update validated by the core."""

from __future__ import annotations

import pytest
from conftest import upload_bytes, yaml_bytes


def test_filters_and_paging(client, tokens, scenario_id):
    """Community and category filters select what the scenario file holds; pages split it."""
    base = f"/scenarios/{scenario_id}/needs"
    c1 = client.get(f"{base}?community=C1", headers=tokens["U1"]).json
    assert [i["id"] for i in c1["items"]] == ["N1", "N2"] and c1["total"] == 2
    health = client.get(f"{base}?category=健康服务", headers=tokens["U1"]).json
    assert [i["id"] for i in health["items"]] == ["N1", "N4"]
    page2 = client.get(f"{base}?page=2&page_size=4", headers=tokens["U1"]).json
    assert [i["id"] for i in page2["items"]] == ["N5", "N6"] and page2["total"] == 6
    units = client.get(f"/scenarios/{scenario_id}/resources?category=daily_life", headers=tokens["U1"]).json
    assert [i["id"] for i in units["items"]] == ["U1", "U3"]
    bad = client.get(f"{base}?category=cooking", headers=tokens["U1"])
    assert bad.status_code == 422 and "category" in bad.json["errors"]["query"]


def test_get_one_record(client, tokens, scenario_id):
    """A record reads back as its value object's canonical fields."""
    need = client.get(f"/scenarios/{scenario_id}/needs/N6", headers=tokens["C3"]).json
    assert need["data"]["skills"] == ["notary"] and need["data"]["category"] == "government"
    assert client.get(f"/scenarios/{scenario_id}/needs/N99", headers=tokens["C3"]).status_code == 404
    assert client.get(f"/scenarios/{scenario_id}/projects/P1", headers=tokens["C3"]).json["data"]["provider_slots"] == 2


def test_create_validates_through_the_core(client, tokens, scenario_id):
    """New records pass the value object's rules; errors name the field."""
    base = f"/scenarios/{scenario_id}/needs"
    ok = client.post(
        base, json={"id": "N7", "community": "C2", "category": "法律服务", "hours": 1.5}, headers=tokens["planner"]
    )
    assert ok.status_code == 201 and ok.json["data"]["category"] == "legal"
    cases = [
        ({"id": "N8", "community": "C2", "category": "legal", "hours": -1}, "hours"),
        ({"id": "N8", "community": "C2", "category": "cooking"}, "category"),
        ({"id": "N8", "community": "C9", "category": "legal"}, "community"),
        ({"id": "N8", "community": "C2", "category": "legal", "colour": "red"}, "colour"),
        ({"id": "N8", "community": "C2", "category": "legal", "providers": "two"}, "providers"),
        ({"id": "N8", "community": "C2"}, "category"),
    ]
    for body, field in cases:
        response = client.post(base, json=body, headers=tokens["planner"])
        assert response.status_code == 422, (body, response.json)
        assert field in response.json["errors"]["json"], (body, response.json)
    assert (
        client.post(
            base, json={"id": "N1", "community": "C1", "category": "legal"}, headers=tokens["planner"]
        ).status_code
        == 409
    )
    assert (
        client.post(base, json={"id": "N9", "community": "C1", "category": "legal"}, headers=tokens["C1"]).status_code
        == 403
    )


@pytest.mark.parametrize(
    "list_name,body",
    [
        ("resources", {"id": "U9", "kind": "志愿者", "community": "C3", "categories": "culture;health"}),
        ("projects", {"id": "P9", "name": "文化活动", "category": "culture", "provider_slots": 3}),
    ],
)
def test_create_resources_and_projects(client, tokens, scenario_id, list_name, body):
    """Resources and projects are created like needs, Chinese labels and ';' lists parsed by the core."""
    made = client.post(f"/scenarios/{scenario_id}/{list_name}", json=body, headers=tokens["planner"])
    assert made.status_code == 201, made.json
    got = client.get(f"/scenarios/{scenario_id}/{list_name}/{body['id']}", headers=tokens["C1"]).json
    assert got["data"] == made.json["data"]
    if list_name == "resources":
        assert got["data"]["kind"] == "volunteer" and got["data"]["categories"] == ["culture", "health"]
    missing = {k: v for k, v in body.items() if k != "name" and k != "kind"}
    assert (
        client.post(
            f"/scenarios/{scenario_id}/{list_name}", json={**missing, "id": "X1"}, headers=tokens["planner"]
        ).status_code
        == 422
    )


@pytest.mark.parametrize(
    "list_name,key,body,field,value",
    [
        ("needs", "N2", {"hours": 4, "urgency": "紧急"}, "urgency", "emergency"),
        ("resources", "U3", {"capacity_tasks": 5}, "capacity_tasks", 5),
        ("projects", "P2", {"provider_slots": 3}, "provider_slots", 3),
    ],
)
def test_update_merges_and_revalidates(client, tokens, scenario_id, list_name, key, body, field, value):
    """A patch changes the named fields, keeps the rest and is audited."""
    url = f"/scenarios/{scenario_id}/{list_name}/{key}"
    before = client.get(url, headers=tokens["planner"]).json["data"]
    response = client.patch(url, json=body, headers=tokens["planner"])
    assert response.status_code == 200, response.json
    after = response.json["data"]
    assert after[field] == value
    assert {k: v for k, v in after.items() if k not in body} == {k: v for k, v in before.items() if k not in body}
    log = client.get(f"/audit?entity={list_name}&entity_id={key}", headers=tokens["planner"]).json
    assert [e["action"] for e in log["items"]] == [f"{list_name}.update"]


def test_update_refuses_bad_values(client, tokens, scenario_id):
    """A patch that breaks a rule changes nothing."""
    url = f"/scenarios/{scenario_id}/resources/U1"
    assert client.patch(url, json={"capacity_hours": -3}, headers=tokens["planner"]).status_code == 422
    assert client.patch(url, json={"id": "U7"}, headers=tokens["planner"]).status_code == 422
    assert client.patch(url, json={"community": "C9"}, headers=tokens["planner"]).status_code == 422
    assert client.patch(url, json={"kind": "unit"}, headers=tokens["U1"]).status_code == 403
    assert client.get(url, headers=tokens["planner"]).json["data"]["capacity_hours"] == 8.0


def test_edit_breaking_a_cross_record_rule_is_refused(client, tokens, scenario_id):
    """Taking the only resource out of a paired unit group would orphan the pairing: 422, nothing written."""
    url = f"/scenarios/{scenario_id}/resources/U1"
    response = client.patch(url, json={"pairing_group": None}, headers=tokens["planner"])
    assert response.status_code == 422 and "group" in response.json["errors"]["json"]
    assert client.get(url, headers=tokens["planner"]).json["data"]["pairing_group"] == "G1"


def test_pairs_travel_and_visits_are_stored_and_read_back(client, tokens):
    """An uploaded scenario's pairs, travel and visits lists (read-only in the API) are stored keyed
    by the records they join, read back as JSON and as CSV the scenario readers read again (a
    scenario with visits used to fail: a visit has no id)."""
    doc = {
        "name": "researcher",
        "communities": [{"id": "C1", "x": 0, "y": 0}, {"id": "C2", "x": 1, "y": 0}],
        "needs": [{"id": "N1", "community": "C1", "category": "health", "required": True}],
        "resources": [{"id": "U1", "kind": "unit", "community": "C2", "categories": "health"}],
        "pairs": [{"need": "N1", "resource": "U1", "cost": 1.5, "load_minutes": 40}],
        "travel": [{"from": "C1", "to": "C2", "minutes": 12}],
        "venues": [{"id": "V1", "community": "C1", "type": "elderly_care"}],
        "visits": [{"station": "V1", "date": "2026-03-01", "count": 40}],
    }
    scenario_id = upload_bytes(client, tokens["planner"], yaml_bytes(doc), "researcher.yaml")
    base = f"/scenarios/{scenario_id}/lists"
    pairs = client.get(f"{base}/pairs", headers=tokens["C1"]).json["items"]
    assert [(p["id"], p["data"]) for p in pairs] == [("N1->U1", doc["pairs"][0])]
    travel = client.get(f"{base}/travel", headers=tokens["C1"]).json["items"]
    assert [(t["id"], t["data"]) for t in travel] == [("C1->C2", {"origin": "C1", "destination": "C2", "minutes": 12})]
    visits = client.get(f"{base}/visits", headers=tokens["C1"]).json["items"]
    assert [v["id"] for v in visits] == ["V1->2026-03-01"]
    csv = client.get(f"{base}/pairs?format=csv", headers=tokens["C1"]).get_data(as_text=True)
    assert csv.splitlines()[1].startswith("N1,U1,")
