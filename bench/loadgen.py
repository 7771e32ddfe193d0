"""Load against the real server on loopback: start ``matcher serve`` (waitress) in a subprocess,
prepare a scenario with units, orders and tokens, and fire claims from several processes at once.

Used by bench/bench_claims.py and the concurrency tests. Only ever targets 127.0.0.1.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import yaml

HOST = "127.0.0.1"
#: Runs the ``matcher`` command with this interpreter, installed console script or not.
SERVE = "import sys; from matcher.cli import main; sys.exit(main())"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """``matcher serve`` on a free loopback port; ``kill()`` ends it as a crash would."""

    def __init__(self, database_url: str, log_path: Path, threads: int = 8) -> None:
        self.port = free_port()
        self.database_url = database_url
        self.log_path = log_path
        self.threads = threads
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> Server:
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVE, "serve", "--host", HOST, "--port", str(self.port),
             "--database", self.database_url, "--threads", str(self.threads)],
            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}: {self.log_path.read_text()[-2000:]}")
            try:
                status, _ = request(self.port, "GET", "/openapi.json")
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"server did not answer within {timeout} s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        """End the server at once, as a crash or power cut would."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server process has used so far (Linux /proc)."""
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *_: Any) -> None:
        self.stop()


def request(port: int, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
            conn: http.client.HTTPConnection | None = None) -> tuple[int, Any]:
    """One HTTP request to the loopback server; returns (status, decoded JSON or None)."""
    own = conn is None
    conn = conn or http.client.HTTPConnection(HOST, port, timeout=60)
    data = None if body is None else json.dumps(body).encode()
    conn.request(method, path, body=data, headers={**({"Content-Type": "application/json"} if data else {}),
                                                   **(headers or {})})
    response = conn.getresponse()
    raw = response.read()
    if own:
        conn.close()
    return response.status, (json.loads(raw) if raw and raw[:1] in b"{[" else None)


@dataclass
class Setup:
    """What prepare() made: a planner token, unit tokens, order ids and their slots."""

    scenario_id: int
    planner: str
    units: dict[str, str]
    orders: list[int]
    slots: int


def claims_scenario(n_units: int, n_orders: int) -> dict[str, Any]:
    """Two communities, one need, ``n_units`` units and a project for the orders."""
    return {
        "name": "claims-load",
        "communities": [{"id": "C1", "street": "S1", "district": "D1", "x": 0, "y": 0},
                        {"id": "C2", "street": "S1", "district": "D1", "x": 1, "y": 0}],
        "needs": [{"id": "N1", "community": "C1", "category": "health"}],
        "resources": [{"id": f"U{i:03d}", "kind": "unit", "community": "C1", "categories": ["health"]}
                      for i in range(n_units)],
        "projects": [{"id": "P1", "name": "health talks", "category": "health", "provider_slots": 1}],
    }


def prepare(database_url: str, n_units: int, n_orders: int, slots: int) -> Setup:
    """Write the scenario, tokens and orders straight into the database the server will use."""
    import io

    from api import create_app
    from api.auth import issue_token

    app = create_app({"DATABASE_URL": database_url})
    store = app.extensions["matcher"].store
    try:
        with store.write() as session:
            planner = issue_token(session, "planner")
            units = {f"U{i:03d}": issue_token(session, "unit", f"U{i:03d}") for i in range(n_units)}
        client = app.test_client()
        auth = {"Authorization": f"Bearer {planner}"}
        text = yaml.safe_dump(claims_scenario(n_units, n_orders)).encode()
        uploaded = client.post("/scenarios", data={"scenario": (io.BytesIO(text), "claims.yaml")}, headers=auth,
                               content_type="multipart/form-data")
        assert uploaded.status_code == 201, uploaded.json
        scenario_id = uploaded.json["id"]
        orders = []
        for _ in range(n_orders):
            made = client.post(f"/scenarios/{scenario_id}/orders",
                               json={"project": "P1", "community": "C1", "slots": slots}, headers=auth)
            assert made.status_code == 201, made.json
            orders.append(made.json["id"])
    finally:
        app.extensions["matcher"].runner.shutdown()
        store.dispose()
    return Setup(scenario_id, planner, units, orders, slots)


#: One claim attempt: (unit, token, order id, idempotency key or "").
Attempt = tuple[str, str, int, str]


def _client_thread(port: int, attempts: list[Attempt], start_at: float, out: list[tuple]) -> None:
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    time.sleep(max(0.0, start_at - time.time()))
    for unit, token, order, key in attempts:
        headers = {"Authorization": f"Bearer {token}", **({"Idempotency-Key": key} if key else {})}
        began_at, began = time.time(), time.perf_counter()
        try:
            status, body = request(port, "POST", f"/orders/{order}/claims", {"unit": unit}, headers, conn)
        except (OSError, http.client.HTTPException) as exc:
            status, body = 0, {"message": repr(exc)}
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=60)
        ended = time.perf_counter()
        out.append((unit, order, key, status, (body or {}).get("id"), ended - began, began_at, time.time()))
    conn.close()


def _process(port: int, per_client: list[list[Attempt]], start_at: float) -> list[tuple]:
    out: list[tuple] = []
    threads = [threading.Thread(target=_client_thread, args=(port, attempts, start_at, out))
               for attempts in per_client]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return out


def fire(port: int, per_client: list[list[Attempt]], processes: int, delay: float = 1.5) -> tuple[list[tuple], float]:
    """Run each client's attempts in its own thread, clients spread over ``processes`` processes,
    all starting at the same moment. Returns one row per attempt:
    (unit, order, key, status, claim id, latency s, started at, finished at) and the wall time from
    the first request sent to the last answer received."""
    groups = [per_client[i::processes] for i in range(processes)]
    start_at = time.time() + delay + 0.3 * processes  # spawned processes need a moment to import
    with ProcessPoolExecutor(processes, mp_context=get_context("spawn")) as pool:
        rows = [row for part in pool.map(_process, [port] * processes, groups, [start_at] * processes)
                for row in part]
    wall = max(r[7] for r in rows) - min(r[6] for r in rows)
    return rows, wall
