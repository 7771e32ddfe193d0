"""The workbench's screens through Flask's test client: the lists exported as a workbook upload
again as the same lists (Chinese sheet and column names), a run started from the run board
matches the API's result in every exported table, forms need the session's CSRF token, and
tokens of other roles are refused the planner's screens."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from conftest import DATA
from web_helpers import sign_in

from api.models import ListRecord
from api.views.common import store

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _upload(client, csrf: str, name: str, content: bytes, extras: dict[str, bytes] | None = None):
    data = {"csrf": csrf, "scenario": (io.BytesIO(content), name)}
    if extras:
        data["files"] = [(io.BytesIO(body), extra) for extra, body in extras.items()]
    return client.post("/web/scenarios", data=data, content_type="multipart/form-data")


def _records(app, scenario_id: int) -> dict[str, list]:
    with app.app_context(), store().read() as session:
        rows = session.query(ListRecord).filter_by(scenario_id=scenario_id).order_by(ListRecord.position).all()
        return {name: [r.data for r in rows if r.list_name == name] for name in ("needs", "resources", "communities")}


def test_exported_lists_upload_again_as_the_same_lists(app, client, tokens):
    csrf = sign_in(client, tokens["planner"])
    first = _upload(client, csrf, "scenario.yaml", (DATA / "scenario.yaml").read_bytes())
    assert first.status_code == 302, first.get_data(as_text=True)[:500]
    scenario_id = int(first.headers["Location"].rsplit("/", 1)[1])
    book = client.get(f"/web/scenarios/{scenario_id}/lists.xlsx")
    assert book.status_code == 200
    sheets = openpyxl.load_workbook(io.BytesIO(book.data), read_only=True)
    assert {"需求清单", "资源清单", "社区"} <= set(sheets.sheetnames)
    assert next(sheets["需求清单"].iter_rows(values_only=True))[:3] == ("编号", "社区", "类别")
    again = _upload(client, csrf, "again.xlsx", book.data)
    assert again.status_code == 302, again.get_data(as_text=True)[:2000]
    assert _records(app, int(again.headers["Location"].rsplit("/", 1)[1])) == _records(app, scenario_id)


def test_a_run_exports_what_the_api_returns(app, client, tokens):
    csrf = sign_in(client, tokens["planner"])
    scenario_id = int(
        _upload(client, csrf, "scenario.yaml", (DATA / "scenario.yaml").read_bytes())
        .headers["Location"]
        .rsplit("/", 1)[1]
    )
    refused = client.post(
        "/web/runs", data={"csrf": csrf, "scenario": scenario_id, "solver": "greedy", "time_limit": "0"}
    )
    assert refused.status_code == 422 and "0.1 到 600 秒" in refused.get_data(as_text=True)
    bad = {"csrf": csrf, "scenario": scenario_id, "solver": "greedy", "time_limit": "5", "overrides": "travel_cost=abc"}
    assert client.post("/web/runs", data=bad).status_code == 422
    started = client.post("/web/runs", data={**bad, "overrides": "travel_cost=0.02"})
    assert started.status_code == 302
    job = started.headers["Location"].rsplit("/", 1)[1]
    assert app.extensions["matcher"].runner.wait_idle(60)
    assert client.get(f"/web/runs/{job}/progress.json").json["finished"]
    result = client.get(f"/solves/{job}/result", headers=tokens["planner"]).json["result"]
    assert result["status"] == "heuristic"
    for table, key in (("deadline_compliance", "urgency"), ("coverage", "community"), ("unmatched", "need")):
        text = client.get(f"/web/runs/{job}/export/{table}.csv").data.decode("utf-8")
        assert text.startswith("\ufeff")
        rows = list(csv.reader(io.StringIO(text[1:])))
        assert len(rows) - 1 == len(result[table])
        assert sorted(r[0] for r in rows[1:]) == sorted(str(r[key]) for r in result[table])
    page = client.get(f"/web/runs/{job}/result").get_data(as_text=True)
    for lane in result["deadline_compliance"]:
        unserved = lane["needs"] - lane["served"]
        assert f"按时 {lane['on_time']} · 超时 {lane['late']} · 未服务 {unserved}" in page


def test_forms_need_the_csrf_token_and_roles_are_kept(client, tokens):
    csrf = sign_in(client, tokens["planner"])
    forged = _upload(client, "forged", "scenario.yaml", (DATA / "scenario.yaml").read_bytes())
    assert forged.status_code == 400 and "表单已过期" in forged.get_data(as_text=True)
    assert client.post("/web/runs", data={"scenario": 1}).status_code == 400
    assert csrf
    client.post("/logout", data={"csrf": csrf})
    sign_in(client, tokens["C1"])
    for path in ("/web/scenarios", "/web/runs", "/web/runs/abc/result", "/web/runs/abc/export.xlsx"):
        assert client.get(path).status_code == 403, path


def test_editing_a_record_runs_the_same_checks(app, client, tokens):
    csrf = sign_in(client, tokens["planner"])
    scenario_id = int(
        _upload(client, csrf, "scenario.yaml", (DATA / "scenario.yaml").read_bytes())
        .headers["Location"]
        .rsplit("/")[-1]
    )
    need = _records(app, scenario_id)["needs"][0]
    path = f"/web/scenarios/{scenario_id}/needs/{need['id']}/edit"
    form = client.get(path).get_data(as_text=True)
    assert 'name="hours"' in form and "工时" in form
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form))
    bad = client.post(path, data={**fields, "csrf": csrf, "hours": "-1"})
    assert bad.status_code == 422 and "必须为正数" in bad.get_data(as_text=True)
    unknown = client.post(path, data={**fields, "csrf": csrf, "community": "NOWHERE"})
    assert unknown.status_code == 422 and "NOWHERE" in unknown.get_data(as_text=True)
    assert _records(app, scenario_id)["needs"][0] == need  # nothing written
    saved = client.post(path, data={**fields, "csrf": csrf, "hours": "2.5"})
    assert saved.status_code == 302 and "saved=" in saved.headers["Location"]
    assert _records(app, scenario_id)["needs"][0] == {**need, "hours": 2.5}
