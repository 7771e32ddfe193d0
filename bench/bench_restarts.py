"""Kill -9 and immediate restart of the real server (``matcher serve``, 2 processes) during solves.

Each cycle starts the server on the same database, submits solves of a scenario CP-SAT does not
finish within seconds, waits until one runs, kills every server process at once (SIGKILL, as a
crash or power cut would) and starts again at once. After the last cycle a live server is left
alone for two lease periods; then no job may be queued or running. Prints the jobs per final
status and how many were left unfinished.

    python bench/bench_restarts.py [--cycles 30] [--only sqlite|postgresql]

Only 127.0.0.1 is targeted; PostgreSQL runs in a scratch database named uniquely for this run.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "tests" / "api"))
from bench_claims import scratch_databases  # noqa: E402
from loadgen import Server, request  # noqa: E402

from api import create_app  # noqa: E402
from api.auth import issue_token  # noqa: E402
from api.db import Store  # noqa: E402
from api.jobs import LEASE_SECONDS, UNFINISHED  # noqa: E402
from api.models import SolveJob  # noqa: E402


def prepare(url: str) -> tuple[str, int]:
    """A planner token and a scenario that keeps CP-SAT busy (the tests' medium scenario)."""
    from conftest import medium_scenario

    app = create_app({"DATABASE_URL": url})
    try:
        with app.extensions["matcher"].store.write() as session:
            planner = issue_token(session, "planner")
        made = app.test_client().post(
            "/scenarios",
            data={"scenario": (io.BytesIO(medium_scenario()), "medium.yaml")},
            headers={"Authorization": f"Bearer {planner}"},
            content_type="multipart/form-data",
        )
        assert made.status_code == 201, made.json
        return planner, made.json["id"]
    finally:
        app.extensions["matcher"].runner.shutdown()
        app.extensions["matcher"].store.dispose()


def jobs_by_status(url: str) -> Counter[str]:
    store = Store(url)
    try:
        with store.read() as session:
            return Counter(dict(session.execute(select(SolveJob.status, func.count()).group_by(SolveJob.status)).all()))
    finally:
        store.dispose()


def run(url: str, cycles: int, log: Path) -> tuple[Counter[str], int, float]:
    planner, scenario = prepare(url)
    headers = {"Authorization": f"Bearer {planner}"}
    for _ in range(cycles):
        server = Server(url, log).start()
        try:
            ids = [
                request(
                    server.port, "POST", f"/scenarios/{scenario}/solves", {"solver": "cpsat", "time_limit": 60}, headers
                )[1]["id"]
                for _ in range(3)
            ]
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not any(
                request(server.port, "GET", f"/solves/{job}", None, headers)[1]["status"] == "running" for job in ids
            ):
                time.sleep(0.05)
        finally:
            server.kill()
    with Server(url, log) as server:  # restarted at once, then left alone for two lease periods
        waited = 2 * LEASE_SECONDS
        time.sleep(waited)
        found = jobs_by_status(url)
        left = sum(found[s] for s in UNFINISHED)
        assert request(server.port, "GET", "/openapi.json")[0] == 200
    return found, left, waited


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=30)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    failed = False
    with tempfile.TemporaryDirectory(prefix="bench-restarts-") as tmp:
        for kind, url in scratch_databases(tmp, args.only, args.postgres, "matcher_restarts"):
            started = time.perf_counter()
            found, left, waited = run(url, args.cycles, Path(tmp) / f"{kind}.log")
            print(
                f"{kind}: {args.cycles} kill -9 / immediate restart cycles during solves "
                f"({time.perf_counter() - started:.0f} s); jobs by status {dict(sorted(found.items()))}; "
                f"queued or running {waited:.0f} s (2 lease periods) after the last restart: {left}"
            )
            failed |= left > 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
