"""Open311 GeoReport v2 on the real server (``matcher serve``, two worker processes), driven by an
independent HTTP client (requests): the standard's field lists, JSON and XML, its error format,
and a request filed by Open311 followed through recommendation and publication."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import requests
from conftest import bearer, upload

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from loadgen import Server  # noqa: E402

from api import create_app  # noqa: E402
from api.auth import issue_token  # noqa: E402

# The GeoReport v2 field lists, as the standard publishes them (wiki.open311.org/GeoReport_v2).
SERVICE = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
REQUEST = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}
CREATED = {"service_request_id", "service_notice", "account_id"}


@pytest.fixture
def server(db_url, tmp_path):
    """A real server on a database holding the small scenario, with planner and C1 tokens."""
    app = create_app({"DATABASE_URL": db_url})
    with app.extensions["matcher"].store.write() as session:
        planner, c1 = issue_token(session, "planner"), issue_token(session, "community", "C1")
    sid = upload(app.test_client(), bearer(planner)).json["id"]
    app.extensions["matcher"].runner.shutdown()
    app.extensions["matcher"].store.dispose()
    with Server(db_url, tmp_path / "server.log") as running:
        yield f"http://127.0.0.1:{running.port}", sid, planner, c1


def _errors(response: requests.Response, status: int) -> str:
    """The standard's JSON error body: a list of {code, description}; returns the description."""
    assert response.status_code == status, response.text
    (error,) = response.json()
    assert set(error) == {"code", "description"} and error["code"] == status
    return error["description"]


def test_services_in_json_and_xml(server):
    """Seven services, one per category, with exactly the standard's fields, in both formats."""
    base, sid, _, _ = server
    services = requests.get(f"{base}/open311/v2/services.json", params={"jurisdiction_id": sid}, timeout=30)
    assert services.status_code == 200 and services.headers["Content-Type"].startswith("application/json")
    assert len(services.json()) == 7 and all(set(s) == SERVICE for s in services.json())
    assert "health" in {s["service_code"] for s in services.json()}
    xml = requests.get(f"{base}/open311/v2/services.xml", params={"jurisdiction_id": sid}, timeout=30)
    assert xml.headers["Content-Type"].startswith("text/xml") and xml.content.startswith(b"<?xml")
    root = ET.fromstring(xml.content)
    assert root.tag == "services" and len(root) == 7
    assert all({child.tag for child in service} == SERVICE for service in root)
    definition = requests.get(
        f"{base}/open311/v2/services/health.json", params={"jurisdiction_id": sid}, timeout=30
    ).json()
    assert {a["code"] for a in definition["attributes"]} == {"urgency", "tier"}
    assert "jurisdiction_id" in _errors(requests.get(f"{base}/open311/v2/services.json", timeout=30), 400)
    assert "jurisdiction_id" in _errors(
        requests.get(f"{base}/open311/v2/services.json", params={"jurisdiction_id": 999}, timeout=30), 404
    )


def test_a_request_is_filed_followed_and_published(server):
    """POST (form-encoded, api_key) answers the created fields; GET shows the standard's request
    fields; after a planner accepts a recommendation the request names the resource."""
    base, sid, planner, c1 = server
    form = {
        "jurisdiction_id": sid,
        "api_key": c1,
        "service_code": "health",
        "address_id": "C1",
        "description": "老人摔倒 fall at home",
        "attribute[urgency]": "emergency",
        "account_id": "A7",
    }
    created = requests.post(f"{base}/open311/v2/requests.json", data=form, timeout=30)
    assert created.status_code == 201, created.text
    (answer,) = created.json()
    assert set(answer) == CREATED and answer["account_id"] == "A7"
    rid = answer["service_request_id"]
    (one,) = requests.get(f"{base}/open311/v2/requests/{rid}.json", params={"jurisdiction_id": sid}, timeout=30).json()
    assert set(one) == REQUEST and one["status"] == "open" and one["address_id"] == "C1"
    assert one["description"] == "老人摔倒 fall at home" and one["agency_responsible"] is None
    assert one["requested_datetime"].endswith("+00:00")
    headers = bearer(planner)
    options = requests.get(
        f"{base}/scenarios/{sid}/arrivals/{rid}/recommendations", headers=headers, timeout=30
    ).json()["options"]
    resource = options[0]["resource"]
    accepted = requests.post(
        f"{base}/scenarios/{sid}/arrivals/{rid}/accept", json={"resource": resource}, headers=headers, timeout=30
    )
    assert accepted.status_code == 200, accepted.text
    xml = requests.get(
        f"{base}/open311/v2/requests.xml", params={"jurisdiction_id": sid, "service_code": "health"}, timeout=30
    )
    (request,) = ET.fromstring(xml.content)
    assert {child.tag for child in request} == REQUEST
    assert request.findtext("agency_responsible") == resource and "已派单" in request.findtext("status_notes")
    assert (
        requests.get(
            f"{base}/open311/v2/requests.json", params={"jurisdiction_id": sid, "service_code": "legal"}, timeout=30
        ).json()
        == []
    )


@pytest.mark.parametrize(
    ("change", "status", "word"),
    [
        ({"service_code": None}, 400, "service_code"),
        ({"service_code": "plumbing"}, 404, "service_code"),
        ({"api_key": "wrong"}, 403, "api_key"),
        ({"address_id": None}, 400, "address_id"),
        ({"address_id": "C9"}, 400, "address_id"),
        ({"attribute[urgency]": "someday"}, 400, "urgency"),
        ({"address_id": "C2"}, 403, "C2"),
    ],
)
def test_bad_requests_answer_the_standard_error_and_store_nothing(server, change, status, word):
    """A missing or unknown service code, a bad api_key, no or an unknown place, a bad attribute, a
    community filing for another: the standard's error naming the field; no request is stored."""
    base, sid, _, c1 = server
    form = {"jurisdiction_id": sid, "api_key": c1, "service_code": "health", "address_id": "C1"}
    form = {k: v for k, v in {**form, **change}.items() if v is not None}
    assert word in _errors(requests.post(f"{base}/open311/v2/requests.json", data=form, timeout=30), status)
    xml = requests.post(f"{base}/open311/v2/requests.xml", data=form, timeout=30)
    root = ET.fromstring(xml.content)
    assert xml.status_code == status and root.tag == "errors" and root.find("error/code").text == str(status)
    assert requests.get(f"{base}/open311/v2/requests.json", params={"jurisdiction_id": sid}, timeout=30).json() == []
    assert _errors(
        requests.get(f"{base}/open311/v2/requests/311-1.json", params={"jurisdiction_id": sid}, timeout=30), 404
    )
