"""Compare policies and escalation through Flask's test client on Zhangjiang: each run's column
shows the figures the API reports for it, a greedy run (nothing proven) is marked NOT PROVEN, the
price of the pairings is the soft run's objective less the strict run's as the API reports them,
and the escalation levels account for every need of the file once."""

from __future__ import annotations

import csv
import html
import io
import re
from pathlib import Path

import pytest
from web_helpers import sign_in

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
ZHANGJIANG = Path(__file__).parents[2] / "scenarios" / "zhangjiang"


def _upload_zhangjiang(client, headers) -> int:
    files = [(io.BytesIO(path.read_bytes()), path.name) for path in sorted(ZHANGJIANG.glob("*.csv"))]
    data = {"scenario": (io.BytesIO((ZHANGJIANG / "scenario.yaml").read_bytes()), "scenario.yaml"), "files": files}
    response = client.post("/scenarios", data=data, headers=headers, content_type="multipart/form-data")
    assert response.status_code == 201, response.json
    return response.json["id"]


def _row(page: str, label: str) -> list[str]:
    found = re.search(rf"<tr><th>{re.escape(label)}</th>(.*?)</tr>", page, re.S)
    return [
        html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", found[1], re.S)
    ]


def test_compare_shows_each_runs_figures_and_the_price_of_pairings(app, client, tokens):
    scenario = _upload_zhangjiang(client, tokens["planner"])
    jobs = {}
    for preset in ("pairing-strict", "pairing-soft"):
        body = {"solver": "greedy", "time_limit": 5, "policy": preset}
        jobs[preset] = client.post(f"/scenarios/{scenario}/solves", json=body, headers=tokens["planner"]).json["id"]
    assert app.extensions["matcher"].runner.wait_idle(60)
    results = {p: client.get(f"/solves/{j}/result", headers=tokens["planner"]).json["result"] for p, j in jobs.items()}
    sign_in(client, tokens["planner"])
    page = client.get(f"/web/compare?scenario={scenario}&run={jobs['pairing-strict']}&run={jobs['pairing-soft']}").text
    columns = re.findall(r'<th class="num"><a href="/web/runs/([0-9a-f]+)/result">', page)
    assert sorted(columns) == sorted(jobs.values())
    preset_of = {j: p for p, j in jobs.items()}
    assert _row(page, "已服务需求数") == [f"{results[preset_of[j]]['served']:,}" for j in columns]
    assert _row(page, "目标值") == [f"{results[preset_of[j]]['objective']:,.2f}" for j in columns]
    assert "未经证明" in page and 'id="not-proven"' in page  # greedy proves no bound
    price = results["pairing-soft"]["objective"] - results["pairing-strict"]["objective"]
    assert f"硬结对损失的价值：{price:,.2f}" in html.unescape(page)
    assert "[−∞, ∞]" in html.unescape(page)  # no bound proven by either run
    english = client.get(f"/web/compare?scenario={scenario}&lang=en").text
    assert "NOT PROVEN" in english and "Price of the fixed pairings" in english


def test_presets_started_from_compare_run_and_are_compared(app, client, tokens):
    """The compare screen starts one run per chosen preset through the job runner, lists them as
    running, then shows each in its own column under its preset; a form without a preset is refused."""
    scenario = _upload_zhangjiang(client, tokens["planner"])
    csrf = sign_in(client, tokens["planner"])
    refused = client.post("/web/compare", data={"csrf": csrf, "scenario": scenario, "time_limit": 5})
    assert refused.status_code == 422 and "策略预设" in refused.text
    form = {"csrf": csrf, "scenario": scenario, "time_limit": 1, "preset": ["efficiency", "locality-first"]}
    started = client.post("/web/compare", data=form)
    assert started.status_code == 302
    asked = re.findall(r"run=([0-9a-f]+)", started.headers["Location"])
    assert len(asked) == 2
    assert app.extensions["matcher"].runner.wait_idle(120)
    page = client.get(started.headers["Location"]).text
    assert 'id="pending"' not in page
    columns = re.findall(r'<th class="num"><a href="/web/runs/([0-9a-f]+)/result">([^<]+)</a>', page)
    assert sorted(j for j, _ in columns) == sorted(asked)
    assert sorted(name for _, name in columns) == ["efficiency", "locality-first"]
    for job in asked:  # each ran through the job runner and finished
        assert client.get(f"/solves/{job}/result", headers=tokens["planner"]).status_code == 200


def test_escalation_accounts_for_every_need_once(client, tokens):
    scenario = _upload_zhangjiang(client, tokens["planner"])
    needs = len(list(csv.DictReader((ZHANGJIANG / "needs.csv").open(encoding="utf-8"))))
    sign_in(client, tokens["planner"])
    page = client.get(f"/web/escalation?scenario={scenario}").text
    levels = re.search(r'<table id="levels">.*?<tbody>(.*?)</tbody>', page, re.S)[1]
    rows = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in re.findall(r"<tr>(.*?)</tr>", levels, re.S)]
    served = sum(int(row[3]) for row in rows)  # served at each level, and the unserved last
    assert served == needs and int(rows[0][2]) == needs  # every need reaches its community
    refused = client.get(f"/web/escalation?scenario={scenario}&street_minutes=-5").text
    assert "street_minutes" in refused
