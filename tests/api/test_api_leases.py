"""Issue 11, item 7: no job stays queued or running once no process runs it. Each process holds a
lease in the database; a live process fails the jobs whose owner's lease lapsed (another host's, a
zombie's), without a restart, and DELETE on such a job ends it at once."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from conftest import bearer, upload_bytes

from api import create_app
from api.auth import issue_token
from api.models import ProcessLease, SolveJob, now


def place_job(app, job_id: str, owner: str, lease_left: float | None) -> None:
    """A running job of ``owner``, whose lease ends ``lease_left`` seconds from now (None: no lease)."""
    with app.extensions["matcher"].store.write() as session:
        scenario = app.config["SCENARIO_ID"]
        session.add(
            SolveJob(
                id=job_id,
                scenario_id=scenario,
                status="running",
                solver="auto",
                time_limit=5.0,
                policy={},
                stop_requested=False,
                requested_by="planner",
                owner=owner,
                created_at=now(),
                started_at=now(),
            )
        )
        if lease_left is not None:
            session.merge(ProcessLease(owner=owner, expires_at=now() + timedelta(seconds=lease_left), renewed_at=now()))


def make_app(db_url: str, lease: float):
    from conftest import medium_scenario

    app = create_app({"DATABASE_URL": db_url, "LEASE_SECONDS": lease})
    with app.extensions["matcher"].store.write() as session:
        headers = bearer(issue_token(session, "planner"))
    app.config["SCENARIO_ID"] = upload_bytes(app.test_client(), headers, medium_scenario(20, 5))
    app.config["PLANNER"] = headers
    return app


def status(app, job_id: str) -> str:
    return app.test_client().get(f"/solves/{job_id}", headers=app.config["PLANNER"]).json["status"]


def test_a_job_whose_owners_lease_lapses_is_failed_by_a_live_process(db_url):
    """A job of another host's process stays running while that process renews its lease, and is
    failed by this (long running) process within two lease periods once the lease lapses."""
    lease = 0.6
    app = make_app(db_url, lease)
    try:
        place_job(app, "remote", "elsewhere:4242:99", lease_left=lease)
        time.sleep(lease / 2)
        assert status(app, "remote") == "running"  # its lease still holds
        deadline = time.monotonic() + 2 * lease + 1.0
        while status(app, "remote") == "running" and time.monotonic() < deadline:
            time.sleep(0.05)
        job = app.test_client().get("/solves/remote", headers=app.config["PLANNER"]).json
        assert job["status"] == "failed" and "running" in job["error"]
    finally:
        app.extensions["matcher"].runner.shutdown()


def test_a_zombie_owner_counts_as_dead(db_url):
    """A job owned by a process of this host that exited but was not reaped (a zombie still has its
    pid) is failed when a process starts."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    ticks = Path(f"/proc/{child.pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    deadline = time.monotonic() + 10
    while Path(f"/proc/{child.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    first = make_app(db_url, 30.0)
    try:
        place_job(first, "zombie", f"{socket.gethostname()}:{child.pid}:{ticks}", lease_left=30.0)
        later = create_app({"DATABASE_URL": db_url, "LEASE_SECONDS": 30.0})  # a process starting
        later.extensions["matcher"].runner.shutdown()
        assert status(first, "zombie") == "failed"
    finally:
        child.wait()
        first.extensions["matcher"].runner.shutdown()


def test_delete_ends_an_orphaned_job_at_once(db_url):
    """DELETE on a job whose owner's lease lapsed fails it in the same request; on a job of a live
    process it only asks that process to stop."""
    app = make_app(db_url, 30.0)
    try:
        place_job(app, "orphan", "elsewhere:1:1", lease_left=-1.0)
        place_job(app, "alive", "elsewhere:2:2", lease_left=30.0)
        client, planner = app.test_client(), app.config["PLANNER"]
        ended = client.delete("/solves/orphan", headers=planner)
        assert ended.status_code == 202 and ended.json["status"] == "failed", ended.json
        asked = client.delete("/solves/alive", headers=planner)
        assert asked.status_code == 202 and asked.json["status"] == "running" and asked.json["stop_requested"]
    finally:
        app.extensions["matcher"].runner.shutdown()
