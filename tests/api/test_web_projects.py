"""The projects-and-claims screens through Flask's test client: a community orders a project
(点单) and takes it through the 三会; a unit coordinator sees only its own unit, claims a slot,
hands it to another unit which accepts, and is refused an order it may not claim with the claim
rule named in Chinese; each step is in the history (审计) and answers as the API does."""

from __future__ import annotations

import re

import pytest
from conftest import upload
from test_api_pinned import solved
from web_helpers import sign_in

from matcher.rules.claims import ClaimRule

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _order_row(page: str, order_id: int) -> str:
    return re.search(rf'<tr id="order-{order_id}">(.*?)</tr>', page, re.S).group(1)


def _place(client, csrf: str, scenario_id: int, community: str, project: str = "P1") -> int:
    response = client.post(
        "/web/projects/orders",
        data={"csrf": csrf, "scenario": scenario_id, "community": community, "project": project},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return max(int(i) for i in re.findall(r'id="order-(\d+)"', client.get(response.headers["Location"]).text))


def test_a_community_orders_and_takes_the_order_through_the_three_meetings(app, client, tokens, scenario_id):
    csrf = sign_in(client, tokens["C1"])
    assert client.get("/web/runs").status_code == 403  # a planner's screen
    page = client.get("/web/projects").text
    assert "健康讲座" in page and "法律咨询" in page  # the projects list (项目清单)
    order_id = _place(client, csrf, scenario_id, "C1")
    api = client.get(f"/orders/{order_id}", headers=tokens["C1"]).json
    assert (api["community"], api["project"], api["stage"], api["slots"]) == ("C1", "P1", "hearing", 2)
    assert "听证会" in _order_row(client.get("/web/projects").text, order_id)
    # another community's order is refused by the service, as the API refuses it
    forged = client.post(
        "/web/projects/orders", data={"csrf": csrf, "scenario": scenario_id, "community": "C2", "project": "P1"}
    )
    assert forged.status_code == 422 and "403" in forged.text
    stage = f"/web/projects/orders/{order_id}/stage"
    no_score = client.post(stage, data={"csrf": csrf, "scenario": scenario_id, "stage": "evaluated"})
    assert no_score.status_code == 422  # evaluated is not the next stage
    assert client.post(stage, data={"csrf": csrf, "scenario": scenario_id, "stage": "running"}).status_code == 302
    bad = client.post(stage, data={"csrf": csrf, "scenario": scenario_id, "stage": "evaluated", "score": "101"})
    assert bad.status_code == 422 and "score" in bad.text
    done = client.post(stage, data={"csrf": csrf, "scenario": scenario_id, "stage": "evaluated", "score": "88"})
    assert done.status_code == 302
    assert client.get(f"/orders/{order_id}", headers=tokens["C1"]).json["score"] == 88
    history = client.get(f"/web/history/order/{order_id}").text
    assert [a for a in ("点单", "协调会", "评议会") if a in history] == ["点单", "协调会", "评议会"]
    second = _place(client, csrf, scenario_id, "C1", "P2")
    cancel = f"/web/projects/orders/{second}/cancel"
    assert client.post(cancel, data={"csrf": csrf, "scenario": scenario_id, "reason": ""}).status_code == 422
    assert client.post(cancel, data={"csrf": csrf, "scenario": scenario_id, "reason": "居民不需要"}).status_code == 302
    assert client.get(f"/orders/{second}", headers=tokens["C1"]).json["cancel_reason"] == "居民不需要"


def test_a_unit_claims_transfers_and_is_refused_by_rule(app, tokens, scenario_id):
    community, first, second, other = (app.test_client() for _ in range(4))
    order_id = _place(community, sign_in(community, tokens["C1"]), scenario_id, "C1")
    csrf = sign_in(first, tokens["U1"])
    assert first.get("/web/projects").status_code == 403 and first.get("/web/runs").status_code == 403
    page = first.get("/web/claims").text
    assert f'id="open-{order_id}"' in page and "单位 U1" in page
    assert first.post(f"/web/claims/orders/{order_id}", data={"csrf": csrf, "scenario": scenario_id}).status_code == 302
    held = first.get("/units/U1/claims", headers=tokens["U1"]).json["items"]
    assert [(c["order_id"], c["status"]) for c in held] == [(order_id, "active")]
    claim_id = held[0]["id"]
    offered = first.post(
        f"/web/claims/{claim_id}/transfer", data={"csrf": csrf, "scenario": scenario_id, "to_unit": "U4"}
    )
    assert offered.status_code == 302
    # U4 sees the offer and accepts; the claim becomes U4's
    csrf4 = sign_in(second, tokens["U4"])
    offers = re.findall(r"/web/transfers/(\d+)/accept", second.get("/web/claims").text)
    assert len(offers) == 1
    assert (
        second.post(f"/web/transfers/{offers[0]}/accept", data={"csrf": csrf4, "scenario": scenario_id}).status_code
        == 302
    )
    assert first.get(f"/claims/{claim_id}", headers=tokens["U4"]).json["unit"] == "U4"
    assert f'id="claim-{claim_id}"' not in first.get("/web/claims").text  # no longer U1's
    assert f'id="claim-{claim_id}"' in second.get("/web/claims").text
    history = second.get(f"/web/history/claim/{claim_id}").text
    assert "认领" in history and "转让已提出" in history and "转让已接受" in history
    # U2 offers legal and government, not health: the claim rule is named in Chinese
    csrf2 = sign_in(other, tokens["U2"])
    page = other.get("/web/claims").text
    standing = re.search(rf'<tr id="open-{order_id}">(.*?)</tr>', page, re.S).group(1)
    assert ClaimRule.CATEGORY.label in standing
    refused = other.post(f"/web/claims/orders/{order_id}", data={"csrf": csrf2, "scenario": scenario_id})
    assert refused.status_code == 422 and ClaimRule.CATEGORY.label in refused.text
    assert other.get(f"/web/history/claim/{claim_id}").status_code == 404  # not a party to it
    assert other.get(f"/web/history/order/{order_id}").status_code == 404
    english = other.get("/web/claims?lang=en").text
    assert "does not offer the project&#39;s category" in english
    assert len(first.get(f"/orders/{order_id}/claims", headers=tokens["planner"]).json["items"]) == 1


def test_a_units_recommended_orders_are_ones_the_api_lets_it_claim(client, tokens, scenario_id):
    """Each order the claims screen recommends to U1 (from the core's joint plan) is one the API
    then lets U1 claim."""
    community = _place(client, sign_in(client, tokens["C1"]), scenario_id, "C1")
    sign_in(client, tokens["U1"])
    page = client.get("/web/claims?recommend=1").text
    table = re.search(r'<table id="advice">.*?</table>', page, re.S)
    assert table is not None, page[-3000:]
    keys = re.findall(r"<tr><td>orders/(\d+)</td>", table[0])
    assert keys == [str(community)]
    # U1's group is paired (结对) with C1, softly; P1 names no skills: the reasons in the page's language
    assert "提供该类别服务（健康服务）" in table[0] and "柔性结对" in table[0]
    assert re.search(r"任务 \d/2 项，工时 [\d.]+/8 小时（按方案）", table[0])
    english = client.get("/web/claims?recommend=1&lang=en").text
    assert "offers the category (健康服务)" in english and "paired (结对, soft)" in english
    for key in keys:
        claimed = client.post(f"/orders/{key}/claims", json={"unit": "U1"}, headers=tokens["U1"])
        assert claimed.status_code == 201, claimed.json


def test_recommended_projects_say_why_in_the_pages_language_and_the_api_keeps_english(client, tokens):
    """C1's budget allows one order: the class is ordered (the joint plan's reason), the meal
    project is blocked by the budget, both said in Chinese on the projects screen and in English
    with ?lang=en; a solve through the API gives the unserved meal need's detail in English."""
    uploaded = upload(client, tokens["planner"], "reasons.yaml")
    assert uploaded.status_code == 201, uploaded.json
    scenario_id = uploaded.json["id"]
    sign_in(client, tokens["planner"])
    page = client.get(f"/web/projects?scenario={scenario_id}&community=C1&recommend=1").text
    table = re.search(r'<table id="advice">.*?</table>', page, re.S)
    assert table is not None, page[-3000:]
    assert "联合方案点单此项目；由它满足 3 项需求" in table[0]
    assert "C1 的社区预算：点单 1/1；已用金额 2.00/5.00" in table[0]
    english = client.get(f"/web/projects?scenario={scenario_id}&community=C1&recommend=1&lang=en").text
    assert "budget of C1 (社区预算): orders 1 of 1; spent 2.00 of 5.00" in english
    _, result = solved(client, tokens, scenario_id)
    (need,) = result["unmatched"]
    assert need["detail"].startswith("order new:C1:MEAL@CT1: budget of C1 (社区预算): orders 1 of 1")


def test_a_refused_recommendation_is_said_in_each_pages_language(client, tokens, monkeypatch):
    """When the core refuses the joint plan (here: infeasible), the projects screen says so in
    the page's language, from the one cached refusal: the first page asked in Chinese, the next in
    English (the refusal was cached as an English string before, and shown so in Chinese too)."""
    from api.web import recommending
    from matcher.errors import InfeasibleError
    from matcher.i18n import Text

    calls = []

    def refuse(*args, **kwargs):
        calls.append(1)
        raise InfeasibleError([Text("unit {unit} cannot serve its pairing minimum", unit="U1")])

    monkeypatch.setattr(recommending, "solve_projects", refuse)
    monkeypatch.setattr(recommending, "_ADVICE", recommending.Recent(16))  # not another test's advice
    uploaded = upload(client, tokens["planner"], "reasons.yaml")
    scenario_id = uploaded.json["id"]
    sign_in(client, tokens["planner"])
    url = f"/web/projects?scenario={scenario_id}&community=C1&recommend=1"
    chinese = client.get(url).text
    assert "刚性约束无法同时满足；相互冲突的是：" in chinese
    english = client.get(url + "&lang=en").text
    assert "The hard constraints cannot all hold; in conflict: unit U1 cannot serve its pairing minimum" in english
    assert len(calls) == 1
