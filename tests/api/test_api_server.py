"""The real server (``matcher serve``: granian, two worker processes) on loopback: simultaneous
claims from several processes never overbook an order; a job whose process dies (the whole
server, or one worker) is failed, never left running; a server stopped by SIGTERM stops its jobs,
which keep their best solution."""

from __future__ import annotations

import os
import random
import signal
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import bearer, medium_scenario, upload_bytes
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from loadgen import Server, fire, prepare, process_tree, request  # noqa: E402

from api.auth import issue_token  # noqa: E402
from api.db import Store  # noqa: E402
from api.models import AuditEntry, Claim, SolveJob  # noqa: E402

UNITS, ORDERS, SLOTS, PROCESSES = 60, 4, 3, 4


def test_simultaneous_claims_fill_exactly_the_slots(db_url, tmp_path):
    """300 claims (60 units x 4 orders, plus a retry each with the same key) from 4 processes at
    orders of 3 slots: exactly 12 claims, one audit entry each, no 5xx."""
    setup = prepare(db_url, UNITS, ORDERS, SLOTS)
    rng = random.Random(5)
    per_client = []
    for unit, token in setup.units.items():
        attempts = [(unit, token, order, f"{unit}-{order}") for order in rng.sample(setup.orders, ORDERS)]
        per_client.append(attempts[:1] + attempts)  # the first claim is sent twice with its key
    with Server(db_url, tmp_path / "server.log") as server:
        rows, _, _ = fire(server.port, per_client, PROCESSES)
    statuses = Counter(r[3] for r in rows)
    assert len(rows) == UNITS * (ORDERS + 1)
    assert set(statuses) <= {200, 201, 409}, statuses
    assert statuses[201] == ORDERS * SLOTS
    firsts = {}
    for _unit, _order, key, status, claim_id, *_ in rows:
        if status in (200, 201):
            assert firsts.setdefault(key, claim_id) == claim_id  # a retry returns the first claim
    store = Store(db_url)
    try:
        with store.read() as session:
            claims = session.scalars(select(Claim).where(Claim.status == "active")).all()
            audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "claim.create")).all()
        per_order = Counter(c.order_id for c in claims)
        assert per_order == {order: SLOTS for order in setup.orders}
        assert sorted((int(e.detail["order"]), e.detail["unit"]) for e in audit) == sorted(
            (c.order_id, c.unit) for c in claims
        )
        assert sorted(e.actor for e in audit) == sorted(f"unit:{c.unit}" for c in claims)
    finally:
        store.dispose()


def active_claims(db_url: str) -> set[int]:
    store = Store(db_url)
    try:
        with store.read() as session:
            return set(session.scalars(select(Claim.id).where(Claim.status == "active")))
    finally:
        store.dispose()


def test_no_answered_claim_is_lost_when_the_server_is_killed(db_url, tmp_path):
    """Claims from 2 processes; the server and its workers are killed (kill -9) once 60 claims
    are in the database: every claim answered 201 before the kill is in the database after it
    (on SQLite, claims answered together were committed together, before any answer)."""
    setup = prepare(db_url, 20, 40, 8)
    rng = random.Random(7)
    per_client = [[(u, t, o, "") for o in rng.sample(setup.orders, 40)] for u, t in setup.units.items()]
    server = Server(db_url, tmp_path / "server.log").start()

    def kill_once_claims_flow() -> None:
        deadline = time.monotonic() + 60
        while len(active_claims(db_url)) < 60 and time.monotonic() < deadline:
            time.sleep(0.01)
        server.kill()

    killer = threading.Thread(target=kill_once_claims_flow)
    killer.start()
    try:
        rows, _, _ = fire(server.port, per_client, 2)
    finally:
        killer.join()
        server.kill()
    answered = {r[4] for r in rows if r[3] == 201}
    # killed mid-way, with claims answered: the kill comes once 60 are committed, and the answers of
    # the last commit (a group of up to 64 on SQLite) may not have left the server yet
    assert len(answered) >= 1 and sum(1 for r in rows if r[3] == 0) > 0
    assert answered <= active_claims(db_url)


def long_job_on_server(db_url: str, tmp_path: Path) -> tuple[Server, dict[str, str], str]:
    """A running server with a CP-SAT job of 60 s under way; returns the server, planner headers, job id."""
    from api import create_app

    app = create_app({"DATABASE_URL": db_url})
    with app.extensions["matcher"].store.write() as session:
        planner = bearer(issue_token(session, "planner"))
    scenario = upload_bytes(app.test_client(), planner, medium_scenario())
    app.extensions["matcher"].runner.shutdown()
    app.extensions["matcher"].store.dispose()
    server = Server(db_url, tmp_path / "server.log").start()
    status, job = request(
        server.port, "POST", f"/scenarios/{scenario}/solves", {"solver": "cpsat", "time_limit": 60}, planner
    )
    assert status == 202
    deadline = time.monotonic() + 20
    while request(server.port, "GET", f"/solves/{job['id']}", headers=planner)[1]["status"] != "running":
        assert time.monotonic() < deadline, "the job never started"
        time.sleep(0.05)
    return server, planner, job["id"]


def job_owner(db_url: str, job_id: str) -> str:
    store = Store(db_url)
    try:
        with store.read() as session:
            return session.get(SolveJob, job_id).owner
    finally:
        store.dispose()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_job_running_when_server_dies_is_failed_after_restart(db_url, tmp_path):
    """Kill -9 the server and its workers mid-solve; the restarted server reports the job failed."""
    server, planner, job_id = long_job_on_server(db_url, tmp_path)
    try:
        server.kill()
        server.start()
        status, after = request(server.port, "GET", f"/solves/{job_id}", headers=planner)
        assert status == 200 and after["status"] == "failed" and "running" in after["error"]
    finally:
        server.stop()


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_job_of_a_crashed_worker_is_failed_by_its_replacement(db_url, tmp_path):
    """Kill -9 only the worker running a job: the server respawns it, and the new worker fails
    the dead worker's job while the other worker, and the service, go on."""
    server, planner, job_id = long_job_on_server(db_url, tmp_path)
    try:
        owner_pid = int(job_owner(db_url, job_id).split(":")[1])
        assert owner_pid in process_tree(server.process.pid)
        os.kill(owner_pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while True:
            try:
                status, after = request(server.port, "GET", f"/solves/{job_id}", headers=planner)
            except ConnectionError:  # a connection the dying worker had accepted: ask again
                status, after = 0, {}
            if status == 200 and after["status"] != "running":
                break
            assert time.monotonic() < deadline, "the crashed worker's job stayed running"
            time.sleep(0.1)
        assert after["status"] == "failed" and "running" in after["error"]
    finally:
        server.stop()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sigterm_stops_running_jobs_with_their_best_solution(db_url, tmp_path):
    """A server stopped by SIGTERM (a deploy, a reboot) ends its running job as stopped, with the
    best solution found so far, rather than losing it."""
    server, planner, job_id = long_job_on_server(db_url, tmp_path)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 30
    store = Store(db_url)
    try:
        with store.read() as session:
            job = session.get(SolveJob, job_id)
            assert job.status == "stopped" and job.summary["served"] > 0 and job.result["assignments"]
    finally:
        store.dispose()
