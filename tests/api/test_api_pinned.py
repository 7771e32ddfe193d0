"""A re-solve keeps what communities ordered (点单) and units claimed (认领) through the API: the
solve job passes the open orders and active claims to the project model as pinned, and its
result equals a direct ``solve_projects`` on the scenario file with the same pinned records."""

from __future__ import annotations

from conftest import DATA
from test_api_orders_claims import claim, order
from test_api_solves import wait_for

from matcher.domain import Claim, Order
from matcher.io.scenario import load_scenario
from matcher.problem import Problem
from matcher.projects import solve_projects


def solved(client, tokens, scenario_id, time_limit=10, policy=None):
    body = {"time_limit": time_limit} | ({"policy": policy} if policy else {})
    job_id = client.post(f"/scenarios/{scenario_id}/solves", json=body, headers=tokens["planner"]).json["id"]
    job = wait_for(client, tokens["planner"], job_id)
    assert job["status"] == "done", job
    return job, client.get(f"/solves/{job_id}/result", headers=tokens["planner"]).json["result"]


def pinned_claims(result):
    return {(c["order"], c["resource"]) for c in result["claims"] if c["kind"] == "pinned"}


def direct(orders, claims, app):
    """The core's answer on the file's lists plus the given pinned orders and claims."""
    scenario = load_scenario(DATA / "scenario.yaml")
    p = scenario.problem
    problem = Problem.build(
        p.communities, p.needs, p.resources, p.projects, p.pairings, p.settings, p.name, orders=orders, claims=claims
    )
    return solve_projects(problem, scenario.policy, time_limit=10, workers=app.config["SOLVER_THREADS"]).to_dict()


def test_resolve_keeps_a_claim_and_drops_a_withdrawn_one(app, client, tokens, scenario_id):
    """C3 has no health need, so only C3's order makes P1 run there; once U1 claims C3's order the
    re-solve keeps U1 on it; after U1 withdraws, the claim is no longer pinned: with placed orders
    weighed freely nobody claims it, with placed orders first (the default) it still runs."""
    made = order(client, tokens, scenario_id, "C3", "P1")
    first = claim(client, tokens, made["id"], "U1")
    assert first.status_code == 201
    job, result = solved(client, tokens, scenario_id)
    key = f"orders/{made['id']}"
    assert job["summary"]["model"] == "projects" and result["model"] == "projects"
    assert pinned_claims(result) == {(key, "U1")}
    row = next(o for o in result["orders"] if o["order"] == key)
    assert row["kind"] == "pinned" and row["placed"] and row["claimed"] >= 1 and row["needs_served"] == 0
    assert job["summary"]["served"] == result["served"] == result["served_by_project"] + result["served_directly"]

    assert client.delete(f"/claims/{first.json['id']}", headers=tokens["U1"]).status_code == 200
    _, again = solved(client, tokens, scenario_id, policy={"preset": "default", "placed_orders": "free"})
    assert pinned_claims(again) == set()
    assert (key, "U1") not in {(c["order"], c["resource"]) for c in again["claims"]}  # nothing to serve in C3
    _, first_run = solved(client, tokens, scenario_id)
    assert pinned_claims(first_run) == set()
    assert next(o for o in first_run["orders"] if o["order"] == key)["running"]  # C3 placed it: it runs


def test_job_equals_solve_projects_with_the_same_pins(app, client, tokens, scenario_id):
    """Orders in hearing and running stages and their active claims are pinned (custom slots kept);
    an evaluated order is done and left out; the explanation endpoint answers for the project model."""
    health = order(client, tokens, scenario_id, "C1", "P1")
    legal = order(client, tokens, scenario_id, "C2", "P2", slots=2)
    done = order(client, tokens, scenario_id, "C3", "P2")
    for order_id, unit in ((health["id"], "U4"), (legal["id"], "U2"), (legal["id"], "U5"), (done["id"], "U2")):
        assert claim(client, tokens, order_id, unit).status_code == 201
    stage = f"/orders/{done['id']}/stage"
    assert client.post(stage, json={"stage": "running"}, headers=tokens["C3"]).status_code == 200
    assert client.post(stage, json={"stage": "evaluated", "score": 80}, headers=tokens["C3"]).status_code == 200
    job, result = solved(client, tokens, scenario_id)

    key = {o["id"]: f"orders/{o['id']}" for o in (health, legal)}
    expected = direct(
        [
            Order(key[health["id"]], "P1", "C1", pinned=True, slots=2),
            Order(key[legal["id"]], "P2", "C2", pinned=True, slots=2),
        ],
        [Claim(key[health["id"]], "U4"), Claim(key[legal["id"]], "U2"), Claim(key[legal["id"]], "U5")],
        app,
    )
    for field in (
        "objective",
        "bound",
        "served",
        "served_by_project",
        "served_directly",
        "orders",
        "claims",
        "unclaimed",
        "unmatched",
        "unmatched_by_reason",
    ):
        assert result[field] == expected[field], field
    assert pinned_claims(result) == {(key[health["id"]], "U4"), (key[legal["id"]], "U2"), (key[legal["id"]], "U5")}
    assert {o["order"] for o in result["orders"]} == set(key.values())
    explained = client.get(f"/solves/{job['id']}/unmatched", headers=tokens["C1"]).json
    assert explained["unmatched"] == expected["unmatched"]
    assert explained["unmatched_by_reason"] == expected["unmatched_by_reason"]
    assert sum(explained["unmatched_by_reason"].values()) == result["needs"] - result["served"]
