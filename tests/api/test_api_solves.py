"""Solve jobs: submit, status, result, explanation of unmatched needs and stop; the result is the
core's own answer on the same scenario read straight from its file."""

from __future__ import annotations

import time

from conftest import DATA, bearer, medium_scenario, upload_bytes

from api import create_app
from api.auth import issue_token
from api.models import SolveJob
from matcher.io.scenario import load_scenario
from matcher.solvers import solve


def wait_for(client, headers, job_id, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/solves/{job_id}", headers=headers).json
        if job["status"] not in ("queued", "running"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still {job['status']} after {timeout} s")


def test_solve_matches_the_core_on_the_file(client, tokens, scenario_id):
    """202 and a job id; the finished result equals solving the file directly."""
    submitted = client.post(f"/scenarios/{scenario_id}/solves", json={"solver": "flow"}, headers=tokens["planner"])
    assert submitted.status_code == 202 and submitted.json["status"] == "queued"
    job = wait_for(client, tokens["planner"], submitted.json["id"])
    assert job["status"] == "done", job
    scenario = load_scenario(DATA / "scenario.yaml")
    direct = solve(scenario.problem, scenario.policy, solver="flow")
    result = client.get(f"/solves/{job['id']}/result", headers=tokens["U1"]).json["result"]
    assert job["summary"]["served"] == direct.n_served == result["served"]
    pairs = {(a["need"], a["resource"]) for a in result["assignments"]}
    assert pairs == {(a["need"], a["resource"]) for a in direct.assignments()}
    explained = client.get(f"/solves/{job['id']}/unmatched", headers=tokens["C1"]).json
    assert explained["unmatched"] == direct.unmatched()
    assert explained["unmatched_by_reason"] == direct.reason_counts()
    listed = client.get(f"/scenarios/{scenario_id}/solves", headers=tokens["planner"]).json["items"]
    assert [j["id"] for j in listed] == [job["id"]]


def test_solve_sees_edits_and_policy(client, tokens, scenario_id):
    """A re-solve reads the lists as edited, under the policy the request names."""
    client.patch(f"/scenarios/{scenario_id}/needs/N6", json={"skills": None}, headers=tokens["planner"])
    body = {"solver": "cpsat", "policy": "urgency-first", "time_limit": 5}
    job_id = client.post(f"/scenarios/{scenario_id}/solves", json=body, headers=tokens["planner"]).json["id"]
    job = wait_for(client, tokens["planner"], job_id)
    result = client.get(f"/solves/{job_id}/result", headers=tokens["planner"]).json["result"]
    assert job["status"] == "done" and result["policy"] == "urgency-first"
    assert "N6" in {a["need"] for a in result["assignments"]}  # served once its unmatched skill was dropped


def test_solve_permissions_and_errors(client, tokens, scenario_id):
    """Only planners solve; unknown policies and solvers are 422; no result before the end."""
    url = f"/scenarios/{scenario_id}/solves"
    assert client.post(url, json={}, headers=tokens["U1"]).status_code == 403
    bad = client.post(url, json={"policy": "kindest"}, headers=tokens["planner"])
    assert bad.status_code == 422 and "preset" in bad.json["errors"]["json"]
    assert client.post(url, json={"solver": "magic"}, headers=tokens["planner"]).status_code == 422
    assert client.post(url, json={"policy": {"travel_cost": -1}}, headers=tokens["planner"]).status_code == 422
    odd = client.post(url, json={"policy": {"tier_weights": {"floor": [1]}}}, headers=tokens["planner"])
    assert odd.status_code == 422, odd.json
    assert client.delete("/solves/x1", headers=tokens["U1"]).status_code == 403


def wait_until_running(client, headers, job_id, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.get(f"/solves/{job_id}", headers=headers).json["status"] == "running":
            return
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} never ran")


def test_stop_keeps_best_solution_and_queued_job_never_runs(client, tokens):
    """DELETE on a running CP-SAT job ends it early with its best solution; a queued job never starts."""
    planner = tokens["planner"]
    scenario = upload_bytes(client, planner, medium_scenario())
    url = f"/scenarios/{scenario}/solves"
    running = client.post(url, json={"solver": "cpsat", "time_limit": 30}, headers=planner).json["id"]
    queued = client.post(url, json={"solver": "flow"}, headers=planner).json["id"]
    wait_until_running(client, planner, running)
    stopped_queued = client.delete(f"/solves/{queued}", headers=planner)
    assert stopped_queued.status_code == 202 and stopped_queued.json["status"] == "stopped"
    started = time.monotonic()
    assert client.delete(f"/solves/{running}", headers=planner).json["stop_requested"]
    job = wait_for(client, planner, running)
    assert time.monotonic() - started < 20  # far inside the 30 s limit
    assert job["status"] == "stopped" and job["summary"]["served"] > 0
    result = client.get(f"/solves/{running}/result", headers=planner).json["result"]
    assert result["status"] in ("feasible", "optimal") and len(result["assignments"]) > 0
    never = client.get(f"/solves/{queued}", headers=planner).json
    assert never["status"] == "stopped" and never["started_at"] is None


def test_restart_marks_unfinished_jobs_failed(sqlite_url, tokens_for):
    """A job left running or queued by a process that died is failed by the next start, never 'running'."""
    from api import create_app

    first, headers = tokens_for(sqlite_url)
    store = first.extensions["matcher"].store
    with store.write() as session:
        for status in ("running", "queued"):
            session.add(
                SolveJob(
                    id=f"job-{status}",
                    scenario_id=first.config["SCENARIO_ID"],
                    status=status,
                    solver="auto",
                    time_limit=1.0,
                    policy={},
                    requested_by="planner",
                )
            )
    store.dispose()  # the process dies: no shutdown, no final write
    second = create_app({"DATABASE_URL": sqlite_url})
    client = second.test_client()
    for status in ("running", "queued"):
        job = client.get(f"/solves/job-{status}", headers=headers).json
        assert job["status"] == "failed" and status in job["error"]
    log = client.get("/audit?action=solve.failed", headers=headers).json
    assert {e["entity_id"] for e in log["items"]} == {"job-running", "job-queued"}
    second.extensions["matcher"].runner.shutdown()


def test_stop_asked_of_another_server_process_reaches_the_job(db_url):
    """With several server processes on one database, DELETE may reach a process other than the
    one running the job: that process reads the request from the database and stops the job."""
    runs, other = (create_app({"DATABASE_URL": db_url}) for _ in range(2))
    try:
        with runs.extensions["matcher"].store.write() as session:
            planner = bearer(issue_token(session, "planner"))
        client = runs.test_client()
        scenario = upload_bytes(client, planner, medium_scenario())
        job_id = client.post(
            f"/scenarios/{scenario}/solves", json={"solver": "cpsat", "time_limit": 60}, headers=planner
        ).json["id"]
        wait_until_running(client, planner, job_id)
        started = time.monotonic()
        asked = other.test_client().delete(f"/solves/{job_id}", headers=planner)
        assert asked.status_code == 202 and asked.json["stop_requested"]
        job = wait_for(client, planner, job_id)
        assert time.monotonic() - started < 20
        assert job["status"] == "stopped" and job["summary"]["served"] > 0
    finally:
        for app in (runs, other):
            app.extensions["matcher"].runner.shutdown()
            app.extensions["matcher"].store.dispose()
