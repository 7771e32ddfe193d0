"""Orders by communities (点单), the 三会 lifecycle, and claims by units (认领) with transfers."""

from __future__ import annotations

from api.auth import revoke_tokens


def order(client, tokens, scenario_id, community="C1", project="P1", **extra):
    response = client.post(
        f"/scenarios/{scenario_id}/orders",
        json={"project": project, "community": community, **extra},
        headers=tokens[community],
    )
    assert response.status_code == 201, response.json
    return response.json


def claim(client, tokens, order_id, unit, key=None):
    headers = {**tokens[unit], **({"Idempotency-Key": key} if key else {})}
    return client.post(f"/orders/{order_id}/claims", json={"unit": unit}, headers=headers)


def test_community_orders_only_for_itself(client, tokens, scenario_id):
    """An order takes the project's provider slots; another community's token is refused."""
    made = order(client, tokens, scenario_id)
    assert made["slots"] == 2 and made["stage"] == "hearing" and made["claimed"] == 0
    other = client.post(
        f"/scenarios/{scenario_id}/orders", json={"project": "P1", "community": "C1"}, headers=tokens["C2"]
    )
    assert other.status_code == 403
    unknown = client.post(
        f"/scenarios/{scenario_id}/orders", json={"project": "P9", "community": "C2"}, headers=tokens["C2"]
    )
    assert unknown.status_code == 422 and "project" in unknown.json["errors"]["json"]
    assert order(client, tokens, scenario_id, "C2", "P2", slots=3)["slots"] == 3
    listed = client.get(f"/scenarios/{scenario_id}/orders?community=C2", headers=tokens["U1"]).json
    assert [o["community"] for o in listed["items"]] == ["C2"]


def test_lifecycle_hearing_running_evaluated(client, tokens, scenario_id):
    """Stages advance one at a time; evaluation needs a score; only the community or a planner."""
    made = order(client, tokens, scenario_id)
    url = f"/orders/{made['id']}/stage"
    assert client.post(url, json={"stage": "evaluated", "score": 90}, headers=tokens["C1"]).status_code == 409
    assert client.post(url, json={"stage": "running"}, headers=tokens["C2"]).status_code == 403
    assert (
        client.post(url, json={"stage": "running", "comments": "协调会 held"}, headers=tokens["C1"]).json["stage"]
        == "running"
    )
    assert client.post(url, json={"stage": "evaluated"}, headers=tokens["C1"]).status_code == 422
    assert client.post(url, json={"stage": "evaluated", "score": 101}, headers=tokens["C1"]).status_code == 422
    done = client.post(
        url, json={"stage": "evaluated", "score": 92.5, "comments": "评议: good"}, headers=tokens["planner"]
    ).json
    assert (done["stage"], done["score"], done["comments"]) == ("evaluated", 92.5, "评议: good")
    assert claim(client, tokens, made["id"], "U1").status_code == 409  # closed after evaluation


def test_claims_fill_slots_and_no_more(client, tokens, scenario_id):
    """Two slots take two claims; the third is refused; a withdrawal frees a slot."""
    made = order(client, tokens, scenario_id)
    first = claim(client, tokens, made["id"], "U1")
    assert first.status_code == 201 and first.json["status"] == "active"
    assert claim(client, tokens, made["id"], "U1").status_code == 409  # one claim per unit
    assert claim(client, tokens, made["id"], "U4").status_code == 201
    full = claim(client, tokens, made["id"], "U5")
    assert full.status_code == 409 and "full" in full.json["message"]
    assert client.get(f"/orders/{made['id']}", headers=tokens["C1"]).json["claimed"] == 2
    assert client.delete(f"/claims/{first.json['id']}", headers=tokens["U4"]).status_code == 404  # not U4's to see
    withdrawn = client.delete(f"/claims/{first.json['id']}", headers=tokens["U1"])
    assert withdrawn.status_code == 200 and withdrawn.json["status"] == "withdrawn"
    assert client.delete(f"/claims/{first.json['id']}", headers=tokens["U1"]).status_code == 409
    assert claim(client, tokens, made["id"], "U5").status_code == 201
    active = client.get(f"/orders/{made['id']}/claims?status=active", headers=tokens["C1"]).json["items"]
    assert sorted(c["unit"] for c in active) == ["U4", "U5"]


def test_unit_claims_only_for_itself(client, tokens, scenario_id):
    """A unit's token claims for that unit only and reads only its own claims."""
    made = order(client, tokens, scenario_id)
    response = client.post(f"/orders/{made['id']}/claims", json={"unit": "U2"}, headers=tokens["U1"])
    assert response.status_code == 403
    assert (
        client.post(f"/orders/{made['id']}/claims", json={"unit": "U1"}, headers=tokens["planner"]).status_code == 403
    )
    claim(client, tokens, made["id"], "U1")
    mine = client.get("/units/U1/claims", headers=tokens["U1"])
    assert mine.status_code == 200 and [c["order_id"] for c in mine.json["items"]] == [made["id"]]
    assert client.get("/units/U1/claims", headers=tokens["U2"]).status_code == 403
    assert len(client.get("/units/U1/claims", headers=tokens["planner"]).json["items"]) == 1


def test_idempotency_key_counts_a_retry_once(client, tokens, scenario_id):
    """The same key returns the first claim (200) and takes no second slot."""
    made = order(client, tokens, scenario_id)
    first = claim(client, tokens, made["id"], "U1", key="retry-1")
    again = claim(client, tokens, made["id"], "U1", key="retry-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["id"] == first.json["id"]
    assert client.get(f"/orders/{made['id']}", headers=tokens["C1"]).json["claimed"] == 1
    other = order(client, tokens, scenario_id, "C2", "P2")
    reused = claim(client, tokens, other["id"], "U1", key="retry-1")
    assert reused.status_code == 422 and "Idempotency-Key" in reused.json["errors"]["headers"]
    log = client.get("/audit?action=claim.create", headers=tokens["planner"]).json
    assert log["total"] == 1


def test_each_claim_is_audited_with_its_slot(client, tokens, scenario_id):
    """Every claim made has one audit entry naming its order, unit, slot and the order's slots, at
    the claim's own time; refusals leave none (PostgreSQL writes all three rows in one statement)."""
    made = order(client, tokens, scenario_id)
    answers = [claim(client, tokens, made["id"], unit, key=f"audit-{unit}") for unit in ("U1", "U4", "U5")]
    assert [a.status_code for a in answers] == [201, 201, 409]
    log = client.get("/audit?action=claim.create", headers=tokens["planner"]).json["items"]
    entries = sorted(log, key=lambda e: int(e["entity_id"]))
    expected = [
        (
            str(a.json["id"]),
            "unit:" + a.json["unit"],
            {"order": made["id"], "unit": a.json["unit"], "slot": slot, "slots": 2},
        )
        for slot, a in enumerate(answers[:2], start=1)
    ]
    assert [(e["entity_id"], e["actor"], e["detail"]) for e in entries] == expected
    assert [e["at"][:19] for e in entries] == [a.json["created_at"][:19] for a in answers[:2]]


def test_transfer_takes_effect_when_accepted(client, tokens, scenario_id):
    """A holder offers its claim; only the receiver accepts or declines."""
    made = order(client, tokens, scenario_id)
    held = claim(client, tokens, made["id"], "U1").json
    url = f"/claims/{held['id']}/transfers"
    assert client.post(url, json={"to_unit": "U4"}, headers=tokens["U4"]).status_code == 404  # not U4s to see
    assert client.post(url, json={"to_unit": "U9"}, headers=tokens["U1"]).status_code == 422
    offer = client.post(url, json={"to_unit": "U4"}, headers=tokens["U1"])
    assert offer.status_code == 201 and offer.json["status"] == "pending"
    assert client.get(f"/claims/{held['id']}", headers=tokens["U1"]).json["unit"] == "U1"
    tid = offer.json["id"]
    assert client.post(f"/transfers/{tid}/accept", headers=tokens["U1"]).status_code == 403
    assert client.get(f"/transfers/{tid}", headers=tokens["U3"]).status_code == 404  # not a party
    accepted = client.post(f"/transfers/{tid}/accept", headers=tokens["U4"])
    assert accepted.status_code == 200 and accepted.json["status"] == "accepted"
    assert client.get(f"/claims/{held['id']}", headers=tokens["U4"]).json["unit"] == "U4"
    assert client.post(f"/transfers/{tid}/decline", headers=tokens["U4"]).status_code == 409
    back = client.post(url, json={"to_unit": "U1"}, headers=tokens["U4"]).json
    declined = client.post(f"/transfers/{back['id']}/decline", headers=tokens["U1"]).json
    assert declined["status"] == "declined"
    assert client.get(f"/claims/{held['id']}", headers=tokens["U4"]).json["unit"] == "U4"
    assert client.get(f"/orders/{made['id']}", headers=tokens["C1"]).json["claimed"] == 1


def test_audit_log_names_who_did_what(client, tokens, scenario_id):
    """Every change leaves an entry with its actor, in order."""
    made = order(client, tokens, scenario_id)
    held = claim(client, tokens, made["id"], "U1").json
    client.delete(f"/claims/{held['id']}", headers=tokens["U1"])
    entries = client.get("/audit", headers=tokens["planner"]).json["items"]
    assert [(e["actor"], e["action"]) for e in entries] == [
        ("planner", "scenario.create"),
        ("community:C1", "order.create"),
        ("unit:U1", "claim.create"),
        ("unit:U1", "claim.withdraw"),
    ]
    assert client.get("/audit", headers=tokens["U1"]).status_code == 403


def venue_scenario() -> bytes:
    """A meal project (elderly_care venue) with two stations of different types in C1."""
    from conftest import yaml_bytes

    doc = {
        "name": "venues",
        "communities": [{"id": "C1", "street": "S1", "district": "D1", "x": 0, "y": 0}],
        "needs": [{"id": f"N{i}", "community": "C1", "category": "daily_life", "skills": ["meals"]} for i in range(6)],
        "resources": [
            {
                "id": "U1",
                "kind": "unit",
                "community": "C1",
                "categories": ["daily_life"],
                "skills": ["meals"],
                "capacity_hours": 20,
            }
        ],
        "projects": [
            {
                "id": "MEALS",
                "name": "长者助餐",
                "category": "daily_life",
                "skills": ["meals"],
                "provider_slots": 1,
                "serves": 6,
                "hours": 4,
                "venue_type": "elderly_care",
            }
        ],
        "venues": [
            {"id": "V1", "community": "C1", "type": "elderly_care", "capacity": 40},
            {"id": "V2", "community": "C1", "type": "sport", "capacity": 40},
        ],
    }
    return yaml_bytes(doc)


def test_order_names_a_venue_of_the_projects_type(client, tokens):
    """A project run at a station (站点) is ordered at a station of its type, checked by the core's
    rule when ordering; the solve then runs the order at that venue."""
    from conftest import upload_bytes
    from test_api_solves import wait_for

    scenario = upload_bytes(client, tokens["planner"], venue_scenario())
    url = f"/scenarios/{scenario}/orders"
    for venue, message in (
        (None, "needs a venue of type elderly_care"),
        ("V9", "unknown venue 'V9'"),
        ("V2", "'V2' is a sport station"),
    ):
        body = {"project": "MEALS", "community": "C1", **({"venue": venue} if venue else {})}
        refused = client.post(url, json=body, headers=tokens["C1"])
        assert refused.status_code == 422 and message in refused.json["errors"]["json"]["venue"][0], refused.json
    made = order(client, tokens, scenario, project="MEALS", venue="V1")
    assert made["venue"] == "V1"
    assert claim(client, tokens, made["id"], "U1").status_code == 201
    job_id = client.post(f"/scenarios/{scenario}/solves", json={}, headers=tokens["planner"]).json["id"]
    job = wait_for(client, tokens["planner"], job_id)
    assert job["status"] == "done", job
    result = client.get(f"/solves/{job_id}/result", headers=tokens["planner"]).json["result"]
    assert result["served_by_project"] > 0


def test_a_revoked_token_is_refused_at_once(app, client, tokens, scenario_id):
    """A unit's token revoked in the database (as ``matcher tokens revoke`` does) makes no further
    claim and reads nothing, from its next request on, though the server has just seen it; the
    other units' tokens go on."""
    made = order(client, tokens, scenario_id, slots=3)
    assert claim(client, tokens, made["id"], "U1").status_code == 201
    assert client.get("/units/U1/claims", headers=tokens["U1"]).status_code == 200
    with app.extensions["matcher"].store.write() as session:
        assert revoke_tokens(session, "unit", "U1") == 1
    for response in (
        claim(client, tokens, made["id"], "U1", key="after-revoke"),
        client.post("/orders/2147483647/claims", json={"unit": "U1"}, headers=tokens["U1"]),  # no such order
        client.get("/units/U1/claims", headers=tokens["U1"]),
        client.get(f"/orders/{made['id']}", headers=tokens["U1"]),
    ):
        assert response.status_code == 401 and response.json["message"] == "unknown or revoked token"
    assert claim(client, tokens, made["id"], "U4").status_code == 201
    assert client.get(f"/orders/{made['id']}", headers=tokens["C1"]).json["claimed"] == 2
