"""Load against the real server on loopback: start ``matcher serve`` (granian) in a subprocess,
prepare a scenario with units, orders and tokens, and fire claims from several processes at once.

Each client is one keep-alive connection with at most one request in flight (asyncio tasks on
uvloop, spread over several processes; httptools parses the answers), and every answer's status
and body are checked. Clients either send as fast as answers come back (a closed loop),
or at a fixed rate; then a latency is counted from the moment the request was due, not from when
it went out, so a stalled server cannot hide its stall (no coordinated omission).

Used by bench/bench_claims.py and the concurrency tests. Only ever targets 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import gc
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import httptools
import uvloop
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

    def __init__(
        self,
        database_url: str,
        log_path: Path,
        workers: int = 2,
        threads: int | None = None,
        extra: tuple[str, ...] = (),
    ) -> None:
        self.port = free_port()
        self.extra = extra
        self.database_url = database_url
        self.log_path = log_path
        self.workers = workers
        self.threads = threads
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> Server:
        """Start the server and return once every worker process has started and it answers."""
        log = open(self.log_path, "ab")
        log_start = log.tell()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                SERVE,
                "serve",
                "--host",
                HOST,
                "--port",
                str(self.port),
                "--database",
                self.database_url,
                "--workers",
                str(self.workers),
                *(("--threads", str(self.threads)) if self.threads else ()),
                *self.extra,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}: {self.log_path.read_text()[-2000:]}")
            with open(self.log_path, "rb") as log:
                log.seek(log_start)
                started = log.read().count(b"Started worker-")  # granian logs each worker's start
            try:
                if started >= self.workers and request(self.port, "GET", "/openapi.json")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"server did not start within {timeout} s: {self.log_path.read_text()[-2000:]}")

    def stop(self, timeout: float = 40.0) -> None:
        """SIGTERM, as a deploy or a reboot would send; after ``timeout`` s, kill what is left."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self) -> None:
        """End the server and its worker processes at once, as a crash or power cut would."""
        if self.process and self.process.poll() is None:
            for pid in process_tree(self.process.pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.process.wait()

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server and its worker processes have used so far (Linux /proc)."""
        assert self.process is not None
        return sum(process_cpu(pid) for pid in process_tree(self.process.pid))

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *_: Any) -> None:
        self.stop()


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (Linux /proc)."""
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += [int(c) for c in (task / "children").read_text().split()]
    return [pid] + [p for child in children for p in process_tree(child)]


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) process ``pid`` has used; 0 for one that has just ended."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def request(
    port: int,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    conn: http.client.HTTPConnection | None = None,
) -> tuple[int, Any]:
    """One HTTP request to the loopback server; returns (status, decoded JSON or None)."""
    own = conn is None
    conn = conn or http.client.HTTPConnection(HOST, port, timeout=60)
    data = None if body is None else json.dumps(body).encode()
    conn.request(
        method, path, body=data, headers={**({"Content-Type": "application/json"} if data else {}), **(headers or {})}
    )
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
        "communities": [
            {"id": "C1", "street": "S1", "district": "D1", "x": 0, "y": 0},
            {"id": "C2", "street": "S1", "district": "D1", "x": 1, "y": 0},
        ],
        "needs": [{"id": "N1", "community": "C1", "category": "health"}],
        "resources": [
            {"id": f"U{i:03d}", "kind": "unit", "community": "C1", "categories": ["health"]} for i in range(n_units)
        ],
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
        uploaded = client.post(
            "/scenarios",
            data={"scenario": (io.BytesIO(text), "claims.yaml")},
            headers=auth,
            content_type="multipart/form-data",
        )
        assert uploaded.status_code == 201, uploaded.json
        scenario_id = uploaded.json["id"]
        orders = []
        for _ in range(n_orders):
            made = client.post(
                f"/scenarios/{scenario_id}/orders",
                json={"project": "P1", "community": "C1", "slots": slots},
                headers=auth,
            )
            assert made.status_code == 201, made.json
            orders.append(made.json["id"])
    finally:
        app.extensions["matcher"].runner.shutdown()
        store.dispose()
    return Setup(scenario_id, planner, units, orders, slots)


#: One claim attempt: (unit, token, order id, idempotency key or "").
Attempt = tuple[str, str, int, str]


#: Seconds the clients have for their warm-up attempts before the timed ones start.
WARM_UP_SECONDS = 3.0


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection with one request in flight: the request goes out as
    prepared bytes and httptools (llhttp, compiled) parses the answer, which costs the client
    processes a fraction of the CPU an HTTP client library spends per request."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.answer: asyncio.Future[tuple[int, bytes]] | None = None
        self.body = bytearray()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(exc)

    def on_body(self, body: bytes) -> None:
        self.body += body

    def on_message_complete(self) -> None:
        if self.answer is not None and not self.answer.done():
            self.answer.set_result((self.parser.get_status_code(), bytes(self.body)))
        self.body = bytearray()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self._fail(exc or ConnectionResetError("the server closed the connection"))

    def _fail(self, exc: Exception) -> None:
        if self.answer is not None and not self.answer.done():
            self.answer.set_exception(exc)

    async def exchange(self, request: bytes) -> tuple[int, bytes]:
        """Send ``request`` and return the answer's status and body."""
        assert self.transport is not None
        self.answer = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return await self.answer


class _Client:
    """One client's connection to the server, opened again after an error."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connection: _Connection | None = None

    async def post(self, path: str, body: bytes, headers: str) -> tuple[int, bytes]:
        if self.connection is None or self.connection.transport is None:
            _, self.connection = await asyncio.get_running_loop().create_connection(_Connection, HOST, self.port)
        request = (
            f"POST {path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n{headers}\r\n"
        ).encode() + body
        try:
            async with asyncio.timeout(60):
                return await self.connection.exchange(request)
        except BaseException:
            if self.connection.transport is not None:
                self.connection.transport.close()
            self.connection = None
            raise


def answer_problem(attempt: Attempt, status: int, body: Any) -> str:
    """What is wrong with the answer to a claim ("" when nothing): a made claim names its order
    and unit and is active, a retry returns a claim of the order, a refusal has the error shape."""
    unit, _, order, _ = attempt
    if not isinstance(body, dict):
        return f"{status}: the body is not a JSON object"
    if status in (200, 201):
        if not isinstance(body.get("id"), int) or body.get("order_id") != order:
            return f"{status}: not a claim of order {order}: {body}"
        if status == 201 and (body.get("unit") != unit or body.get("status") != "active"):
            return f"201: not an active claim of {unit}: {body}"
        return ""
    if body.get("code") != status or not body.get("message"):
        return f"{status}: not the error shape: {body}"
    return ""


async def _send(client: _Client, attempt: Attempt, began_at: float, timed: bool, out: list[tuple]) -> None:
    """One claim; its latency runs from ``began_at`` (the moment it was due) to its answer."""
    unit, token, order, key = attempt
    headers = f"Authorization: Bearer {token}\r\n" + (f"Idempotency-Key: {key}\r\n" if key else "")
    try:
        status, raw = await client.post(f"/orders/{order}/claims", json.dumps({"unit": unit}).encode(), headers)
        body = json.loads(raw) if raw else None
        problem = answer_problem(attempt, status, body)
    except (OSError, TimeoutError, httptools.HttpParserError, ValueError) as exc:
        status, body, problem = 0, None, f"no answer: {exc!r}"
    ended = time.time()
    claim_id = body.get("id") if isinstance(body, dict) else None
    out.append((unit, order, key, status, claim_id, ended - began_at, began_at, ended, timed, problem))


async def _client(
    port: int,
    warm_up: list[Attempt],
    attempts: list[Attempt],
    start_at: float,
    timed_at: float,
    interval: float,
    out: list[tuple],
) -> None:
    """One client: its warm-up attempts from ``start_at``, each sent when the last is answered; then
    its timed attempts from ``timed_at``, attempt k due at timed_at + k * interval (0: at once)."""
    client = _Client(port)
    await asyncio.sleep(max(0.0, start_at - time.time()))
    for attempt in warm_up:
        await _send(client, attempt, time.time(), False, out)
    for k, attempt in enumerate(attempts):
        due = timed_at + k * interval
        if time.time() < due:
            await asyncio.sleep(due - time.time())
        await _send(client, attempt, due if interval else time.time(), True, out)


async def _clients(
    port: int, clients: list[tuple[list[Attempt], list[Attempt], float, float]], interval: float
) -> tuple[list[tuple], float]:
    out: list[tuple] = []
    cpu = time.process_time()
    await asyncio.gather(*(_client(port, *client, interval, out) for client in clients))
    return out, time.process_time() - cpu


def _process(
    port: int, clients: list[tuple[list[Attempt], list[Attempt], float, float]], interval: float
) -> tuple[list[tuple], float]:
    # A client process holds what its spawn imported (the bench's own modules, SQLAlchemy ...):
    # a full collection over all that stalled every client of the process for 0.1-0.25 s, which
    # showed as the server's latency. Frozen objects are left out of the collections.
    gc.collect()
    gc.freeze()
    return uvloop.run(_clients(port, clients, interval))


def fire(
    port: int,
    per_client: list[list[Attempt]],
    processes: int,
    *,
    rate: float = 0.0,
    warm_up: int = 0,
    delay: float = 1.5,
) -> tuple[list[tuple], float, float]:
    """Run each client's attempts over one keep-alive connection, the clients spread over
    ``processes`` processes and starting together.

    The first ``warm_up`` attempts of each client warm the server up (connections, caches) and
    are not timed; the timed ones start WARM_UP_SECONDS later. With ``rate`` (requests/s in all)
    the clients send on a fixed schedule, evenly staggered; otherwise each sends its next attempt
    as soon as the last is answered.

    Returns one row per attempt: (unit, order, key, status, claim id, latency s, started at,
    finished at, timed, what is wrong with the answer or ""); the wall time from the first timed
    request to the last timed answer; and the CPU seconds the client processes spent firing."""
    interval = len(per_client) / rate if rate else 0.0
    start_at = time.time() + delay + 0.3 * processes  # spawned processes need a moment to import
    timed_at = start_at + (WARM_UP_SECONDS if warm_up else 0.0)
    clients = [
        (attempts[:warm_up], attempts[warm_up:], start_at, timed_at + i * interval / len(per_client))
        for i, attempts in enumerate(per_client)
    ]
    groups = [clients[i::processes] for i in range(processes)]
    with ProcessPoolExecutor(processes, mp_context=get_context("spawn")) as pool:
        parts = list(pool.map(_process, [port] * processes, groups, [interval] * processes))
    rows = [row for part, _ in parts for row in part]
    timed = [row for row in rows if row[8]] or rows
    wall = max(r[7] for r in timed) - min(r[6] for r in timed)
    return rows, wall, sum(cpu for _, cpu in parts)
