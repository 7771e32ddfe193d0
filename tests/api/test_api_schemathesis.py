"""Schemathesis against the generated OpenAPI document: every operation, valid and invalid
input, as a planner holding a scenario with an order and a claim; no response may be a 5xx."""

from __future__ import annotations

import sys
from pathlib import Path

import schemathesis
from conftest import bearer, upload

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from fuzz import fuzz  # noqa: E402

from api import create_app  # noqa: E402
from api.auth import issue_token  # noqa: E402

EXAMPLES = 5


def test_no_server_errors(tmp_path: Path) -> None:
    """Every operation, with valid and invalid input, at known and random ids: never a 5xx."""
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'matcher.db'}"})
    try:
        with app.extensions["matcher"].store.write() as session:
            planner = bearer(issue_token(session, "planner"))
            unit = bearer(issue_token(session, "unit", "U1"))
            community = bearer(issue_token(session, "community", "C1"))
        client = app.test_client()
        scenario = upload(client, planner).json["id"]
        order = client.post(
            f"/scenarios/{scenario}/orders", json={"project": "P1", "community": "C1"}, headers=community
        ).json["id"]
        client.post(f"/orders/{order}/claims", json={"unit": "U1"}, headers=unit)
        statuses, failures = fuzz(schemathesis.openapi.from_wsgi("/openapi.json", app), planner, EXAMPLES)
    finally:
        app.extensions["matcher"].runner.shutdown()
    print(f"\nschemathesis: {sum(statuses.values())} requests; by status {dict(sorted(statuses.items()))}")
    assert not failures, "\n".join(failures)
    assert sum(statuses.values()) > 100 and not [code for code in statuses if code >= 500]
