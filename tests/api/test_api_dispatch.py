"""Live dispatch through the API: intake with field errors, recommendations, accept (published and
pinned through re-plans), unpin, and two app instances on one database agreeing through the log."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import bearer, upload

from api import create_app
from api.auth import issue_token


def _arrive(client: Any, headers: dict[str, str], sid: int, **fields: Any) -> Any:
    body = {"community": "C1", "category": "health", "urgency": "emergency", **fields}
    return client.post(f"/scenarios/{sid}/arrivals", json=body, headers=headers)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"id": "H1", "community": "C9"}, "community"),
        ({"id": "H1", "category": "plumbing"}, "category"),
        ({"id": "N1"}, "id"),
        ({"id": "H1", "at": 1.0}, "at"),
        ({"id": "H1", "hours": -2}, "hours"),
    ],
)
def test_bad_arrivals_are_422_naming_the_field_and_store_nothing(client, tokens, scenario_id, fields, field):
    """Unknown community or category, a reused id, a time before the last arrival, a bad value."""
    planner = tokens["planner"]
    assert _arrive(client, planner, scenario_id, id="H0", at=5.0).status_code == 201
    response = _arrive(client, planner, scenario_id, **fields)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["json"]
    listed = client.get(f"/scenarios/{scenario_id}/arrivals", headers=planner).json["items"]
    assert [a["need"] for a in listed] == ["H0"]


def test_a_community_files_only_its_own_needs(client, tokens, scenario_id):
    """C1's token may file a need of C1, not of C2."""
    assert _arrive(client, tokens["C1"], scenario_id, id="H1", at=1.0).status_code == 201
    assert _arrive(client, tokens["C1"], scenario_id, id="H2", community="C2", at=2.0).status_code == 403


def test_recommend_accept_replan_keeps_the_published_assignment(client, tokens, scenario_id):
    """An emergency gets options; the accepted one is published and survives a re-plan and
    more arrivals; after unpinning, the need shows as a proposal."""
    planner = tokens["planner"]
    assert _arrive(client, planner, scenario_id, id="H1", at=1.0).status_code == 201
    rec = client.get(f"/scenarios/{scenario_id}/arrivals/H1/recommendations?k=3", headers=planner)
    assert rec.status_code == 200, rec.json
    options = rec.json["options"]
    assert options and rec.json["route"][0]["level"] == "community"
    assert all(o["on_time"] == (o["arrival_minutes"] <= 30) for o in options)
    best = options[0]["resource"]
    accepted = client.post(f"/scenarios/{scenario_id}/arrivals/H1/accept", json={"resource": best}, headers=planner)
    assert accepted.status_code == 200, accepted.json
    assert accepted.json["status"] == "published" and accepted.json["resources"] == [best]
    assert _arrive(client, planner, scenario_id, id="H2", at=2.0).status_code == 201
    report = client.post(f"/scenarios/{scenario_id}/replan", json={}, headers=planner)
    assert report.status_code == 200, report.json
    assert report.json["stability_cost"] >= 0
    (h1,) = [
        a for a in client.get(f"/scenarios/{scenario_id}/arrivals", headers=planner).json["items"] if a["need"] == "H1"
    ]
    assert h1["status"] == "published" and h1["resources"] == [best]
    again = client.post(f"/scenarios/{scenario_id}/arrivals/H1/accept", json={"resource": best}, headers=planner)
    assert again.status_code == 422 and "need" in again.json["errors"]["json"]
    unpinned = client.post(f"/scenarios/{scenario_id}/arrivals/H1/unpin", headers=planner)
    assert unpinned.status_code == 200 and unpinned.json["status"] == "proposed"


def test_two_app_instances_agree_through_the_event_log(db_url):
    """What one app instance (a server process) takes in and publishes, another sees."""
    first, second = create_app({"DATABASE_URL": db_url}), create_app({"DATABASE_URL": db_url})
    try:
        with first.extensions["matcher"].store.write() as session:
            planner = bearer(issue_token(session, "planner"))
        sid = upload(first.test_client(), planner).json["id"]
        a, b = first.test_client(), second.test_client()
        assert _arrive(a, planner, sid, id="H1", at=1.0).status_code == 201
        options = b.get(f"/scenarios/{sid}/arrivals/H1/recommendations", headers=planner).json["options"]
        resource = options[0]["resource"]
        assert (
            b.post(f"/scenarios/{sid}/arrivals/H1/accept", json={"resource": resource}, headers=planner).status_code
            == 200
        )
        (seen,) = a.get(f"/scenarios/{sid}/arrivals", headers=planner).json["items"]
        assert seen["status"] == "published" and seen["resources"] == [resource]
    finally:
        for app in (first, second):
            app.extensions["matcher"].runner.shutdown()
            app.extensions["matcher"].store.dispose()


def test_a_rolled_back_intake_leaves_no_trace_in_the_live_plan(client, tokens, scenario_id, monkeypatch):
    """When the transaction that took a need in fails after the plan took it, the plan forgets it:
    the need is not listed and its id can be used again."""
    import api.views.intake as views

    planner = tokens["planner"]

    def fail(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the audit write failed")

    monkeypatch.setattr(views.audit, "record", fail)
    assert _arrive(client, planner, scenario_id, id="H1", at=1.0).status_code == 500
    monkeypatch.undo()
    assert client.get(f"/scenarios/{scenario_id}/arrivals", headers=planner).json["items"] == []
    assert _arrive(client, planner, scenario_id, id="H1", at=1.0).status_code == 201


def test_a_need_of_two_providers_gets_sets_and_accepting_publishes_both(client, tokens, scenario_id):
    """Recommendations for a need of two providers are sets of two distinct resources; accepting
    one publishes both and a re-plan keeps them; a body with both or neither field is a 422."""
    planner = tokens["planner"]
    assert _arrive(client, planner, scenario_id, id="P2", urgency="normal", providers=2, at=1.0).status_code == 201
    rec = client.get(f"/scenarios/{scenario_id}/arrivals/P2/recommendations?k=3", headers=planner)
    assert rec.status_code == 200, rec.json
    options = rec.json["options"]
    assert options and all(len(set(o["resources"])) == 2 and o["moved"] == 0 for o in options)
    changes = [o["objective_change"] for o in options]
    assert changes == sorted(changes, reverse=True)
    chosen = options[0]["resources"]
    url = f"/scenarios/{scenario_id}/arrivals/P2/accept"
    both = client.post(url, json={"resource": chosen[0], "resources": chosen}, headers=planner)
    assert both.status_code == 422 and "resource" in both.json["errors"]["json"]
    assert client.post(url, json={}, headers=planner).status_code == 422
    short = client.post(url, json={"resources": chosen[:1]}, headers=planner)
    assert short.status_code == 422 and "resources" in short.json["errors"]["json"]
    accepted = client.post(url, json={"resources": chosen}, headers=planner)
    assert accepted.status_code == 200, accepted.json
    assert accepted.json["status"] == "published" and sorted(accepted.json["resources"]) == sorted(chosen)
    assert client.post(f"/scenarios/{scenario_id}/replan", json={}, headers=planner).status_code == 200
    (p2,) = [
        a for a in client.get(f"/scenarios/{scenario_id}/arrivals", headers=planner).json["items"] if a["need"] == "P2"
    ]
    assert p2["status"] == "published" and sorted(p2["resources"]) == sorted(chosen)
