"""Bad input of every kind is a 4xx in one shape, {code, status, message, errors}, never a 500."""

from __future__ import annotations

SHAPE = {"code", "status", "message", "errors"}


def check(response, code):
    assert response.status_code == code, (response.status_code, response.get_data(as_text=True)[:300])
    assert set(response.json) == SHAPE and response.json["code"] == code and response.json["message"]
    return response.json


def test_malformed_json(client, tokens, scenario_id):
    """A body that is not JSON is a 400 naming the body."""
    body = check(
        client.post(
            f"/scenarios/{scenario_id}/needs",
            data='{"id": ',
            content_type="application/json",
            headers=tokens["planner"],
        ),
        400,
    )
    assert "json" in body["errors"]
    check(
        client.post(
            f"/scenarios/{scenario_id}/needs", data="[1, 2]", content_type="application/json", headers=tokens["planner"]
        ),
        422,
    )


def test_unknown_fields_and_wrong_types(client, tokens, scenario_id):
    """Unknown fields and wrong types are named under 'json'."""
    body = check(
        client.post(
            f"/scenarios/{scenario_id}/orders",
            json={"project": "P1", "community": "C1", "colour": 1},
            headers=tokens["C1"],
        ),
        422,
    )
    assert "colour" in body["errors"]["json"]
    body = check(
        client.post(
            f"/scenarios/{scenario_id}/orders",
            json={"project": 7, "community": "C1", "slots": "x"},
            headers=tokens["C1"],
        ),
        422,
    )
    assert {"project", "slots"} <= set(body["errors"]["json"])
    body = check(
        client.post(f"/scenarios/{scenario_id}/solves", json={"time_limit": "soon"}, headers=tokens["planner"]), 422
    )
    assert "time_limit" in body["errors"]["json"]
    body = check(client.get(f"/scenarios/{scenario_id}/needs?page=zero", headers=tokens["planner"]), 422)
    assert "page" in body["errors"]["query"]


UNKNOWN = [
    ("get", "/scenarios/999"),
    ("delete", "/scenarios/999"),
    ("get", "/scenarios/999/needs"),
    ("get", "/scenarios/{s}/needs/NX"),
    ("get", "/orders/999"),
    ("get", "/claims/999"),
    ("delete", "/claims/999"),
    ("get", "/transfers/999"),
    ("get", "/solves/nope"),
    ("get", "/solves/nope/result"),
    ("delete", "/solves/nope"),
    ("get", "/scenarios/99999999999999999999999"),
    ("get", "/no/such/path"),
]


def test_unknown_ids_are_404(client, tokens, scenario_id):
    """Unknown ids, even beyond the integer range, are 404s."""
    for method, path in UNKNOWN:
        check(getattr(client, method)(path.format(s=scenario_id), headers=tokens["planner"]), 404)


def test_posting_to_unknown_order_and_claim(client, tokens):
    """Writes aimed at missing records are 404s too."""
    check(client.post("/orders/999/claims", json={"unit": "U1"}, headers=tokens["U1"]), 404)
    check(client.post("/orders/999/stage", json={"stage": "running"}, headers=tokens["C1"]), 404)
    check(client.post("/claims/999/transfers", json={"to_unit": "U2"}, headers=tokens["U1"]), 404)
    check(client.post("/transfers/999/accept", headers=tokens["U1"]), 404)


def test_oversized_body_is_413(client, tokens, scenario_id):
    """A body over the limit is refused before it is read."""
    big = "x" * (client.application.config["MAX_CONTENT_LENGTH"] + 1)
    check(
        client.post(
            f"/scenarios/{scenario_id}/needs", data=big, content_type="application/json", headers=tokens["planner"]
        ),
        413,
    )


def test_text_no_column_can_hold(client, tokens, scenario_id):
    """NUL characters are refused with 422 rather than failing in the database."""
    body = check(
        client.post(
            f"/scenarios/{scenario_id}/orders", json={"project": "P1", "community": "C\x001"}, headers=tokens["C1"]
        ),
        422,
    )
    assert "community" in body["errors"]["json"]
    check(client.get("/units/U%001/claims", headers=tokens["planner"]), 404)


def test_wrong_method_and_missing_token(client, scenario_id):
    """A method a path does not serve is a 405; no token is a 401, both in the same shape."""
    check(client.put(f"/scenarios/{scenario_id}"), 405)
    check(client.get(f"/scenarios/{scenario_id}"), 401)


def test_database_gone_is_503():
    """A PostgreSQL database that goes away under a running app is a 503 with Retry-After (the
    client may retry), not a 500."""
    import sys
    from pathlib import Path

    import psycopg
    from conftest import ADMIN_URL, bearer, require_postgres, unique_database_name

    from api import create_app
    from api.auth import issue_token

    require_postgres()
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from bench_claims import scratch_postgres

    name = unique_database_name("matcher_gone_test")
    url = scratch_postgres(ADMIN_URL, name)
    app = create_app({"DATABASE_URL": url})
    try:
        with app.extensions["matcher"].store.write() as session:
            planner = bearer(issue_token(session, "planner"))
        client = app.test_client()
        assert client.get("/scenarios", headers=planner).status_code == 200
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:  # an operator drops it: connections end
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        gone = client.post("/scenarios/1/orders", json={"project": "P1", "community": "C1"}, headers=planner)
        body = check(gone, 503)
        assert gone.headers["Retry-After"] == "1" and "try again" in body["message"]
    finally:
        app.extensions["matcher"].runner.shutdown()
        app.extensions["matcher"].store.dispose()
