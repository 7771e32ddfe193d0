"""Scenarios: upload in every format, list, get, delete; tokens decide who may."""

from __future__ import annotations

import io
import json

import openpyxl
import yaml
from conftest import DATA, upload

from matcher.io.scenario import load_scenario


def test_upload_yaml_stores_every_list(client, tokens):
    """A YAML upload stores each list record by record, as the core loader reads the file."""
    response = upload(client, tokens["planner"])
    assert response.status_code == 201, response.json
    loaded = load_scenario(DATA / "scenario.yaml").problem
    assert response.json["name"] == "api-small"
    for name in ("communities", "needs", "resources", "projects", "pairings"):
        assert response.json["counts"][name] == len(getattr(loaded, name))
    needs = client.get(f"/scenarios/{response.json['id']}/needs?page_size=100", headers=tokens["U1"]).json
    assert [item["id"] for item in needs["items"]] == [n.id for n in loaded.needs]


def test_upload_with_csv_list_files(client, tokens):
    """A scenario naming CSV list files is uploaded with those files beside it."""
    response = upload(client, tokens["planner"], "with_csv.yaml", ("needs.csv", "resources.csv"))
    assert response.status_code == 201, response.json
    assert response.json["counts"]["needs"] == 2 and response.json["counts"]["resources"] == 1


def test_upload_json(client, tokens):
    """A JSON scenario reads like its YAML twin."""
    doc = yaml.safe_load((DATA / "scenario.yaml").read_text(encoding="utf-8"))
    text = json.dumps(doc, ensure_ascii=False).encode()
    response = client.post(
        "/scenarios",
        data={"scenario": (io.BytesIO(text), "scenario.json")},
        headers=tokens["planner"],
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.json
    assert response.json["counts"]["needs"] == 6 and response.json["counts"]["pairings"] == 1


def test_upload_xlsx_workbook(client, tokens):
    """An XLSX workbook with one sheet per list is read like the CLI reads it."""
    doc = yaml.safe_load((DATA / "scenario.yaml").read_text(encoding="utf-8"))
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name in ("communities", "needs", "resources"):
        sheet = book.create_sheet(name)
        columns = sorted({k for row in doc[name] for k in row})
        sheet.append(columns)
        for row in doc[name]:
            sheet.append([";".join(v) if isinstance(v, list) else v for v in (row.get(c) for c in columns)])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    response = client.post(
        "/scenarios",
        data={"scenario": (buffer, "workbook.xlsx")},
        headers=tokens["planner"],
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.json
    assert response.json["counts"]["needs"] == 6 and response.json["counts"]["projects"] == 0


def test_upload_bad_record_names_file_record_and_field(client, tokens):
    """A record with a bad value is refused with 422 naming its record and field."""
    bad = (DATA / "scenario.yaml").read_text(encoding="utf-8").replace("hours: 2}", "hours: -2}")
    response = client.post(
        "/scenarios",
        data={"scenario": (io.BytesIO(bad.encode()), "bad.yaml")},
        headers=tokens["planner"],
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert set(response.json) == {"code", "status", "message", "errors"}
    [(where, fields)] = response.json["errors"].items()
    assert "N2" in where and "hours" in fields


def test_upload_refuses_other_files_and_missing_file(client, tokens):
    """Only scenario file types are read; a missing file part is a 422 naming it."""
    response = client.post(
        "/scenarios",
        data={"scenario": (io.BytesIO(b"x"), "run.exe")},
        headers=tokens["planner"],
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "scenario" in response.json["errors"]["files"]
    response = client.post("/scenarios", data={}, headers=tokens["planner"], content_type="multipart/form-data")
    assert response.status_code == 422 and "scenario" in response.json["errors"]["files"]
    broken = client.post(
        "/scenarios",
        data={"scenario": (io.BytesIO(b"not a zip"), "w.xlsx")},
        headers=tokens["planner"],
        content_type="multipart/form-data",
    )
    assert broken.status_code == 422


def test_list_get_delete(client, tokens, scenario_id):
    """Scenarios are listed and read by any token holder; only planners delete, and delete cascades."""
    listed = client.get("/scenarios", headers=tokens["C1"])
    assert listed.status_code == 200 and [s["id"] for s in listed.json] == [scenario_id]
    assert client.get(f"/scenarios/{scenario_id}", headers=tokens["U1"]).json["counts"]["needs"] == 6
    assert client.delete(f"/scenarios/{scenario_id}", headers=tokens["U1"]).status_code == 403
    assert client.delete(f"/scenarios/{scenario_id}", headers=tokens["planner"]).status_code == 204
    assert client.get(f"/scenarios/{scenario_id}", headers=tokens["planner"]).status_code == 404
    assert client.get(f"/scenarios/{scenario_id}/needs", headers=tokens["planner"]).status_code == 404


def test_tokens_decide_who_may(client, tokens):
    """401 without or with an unknown token; 403 when a unit uploads; planners issue tokens."""
    assert client.get("/scenarios").status_code == 401
    assert client.get("/scenarios", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert upload(client, tokens["U1"]).status_code == 403
    made = client.post("/tokens", json={"role": "unit", "subject": "U9"}, headers=tokens["planner"])
    assert made.status_code == 201 and made.json["token"].startswith("mt_")
    assert client.get("/scenarios", headers={"Authorization": f"Bearer {made.json['token']}"}).status_code == 200
    assert client.post("/tokens", json={"role": "unit"}, headers=tokens["planner"]).status_code == 422
    assert client.post("/tokens", json={"role": "planner"}, headers=tokens["U1"]).status_code == 403
