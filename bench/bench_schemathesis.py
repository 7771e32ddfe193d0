"""Schemathesis against the real server (matcher serve: granian, 2 worker processes) on loopback:
every operation of /openapi.json with valid and invalid input (examples, coverage and fuzzing
phases), then the stateful phase, which chains operations along the links schemathesis infers
(POST /scenarios -> GET /scenarios/{id} -> ...). Prints the requests sent (from the HAR report) by
status, and the count of 5xx.

    python bench/bench_schemathesis.py [--examples 100] [--seed 1] [--database sqlite|postgresql]

Only 127.0.0.1 is targeted; PostgreSQL runs in a scratch database named uniquely for this run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_claims import drop_postgres, scratch_postgres, unique_name  # noqa: E402
from loadgen import Server, prepare, request  # noqa: E402

PHASES = "examples,coverage,fuzzing,stateful"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=100, help="schemathesis --max-examples")
    parser.add_argument("--seed", type=int, default=1, help="schemathesis --seed (another seed, other inputs)")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    name = unique_name("matcher_fuzz")
    with tempfile.TemporaryDirectory(prefix="bench-fuzz-") as tmp:
        url = f"sqlite:///{tmp}/fuzz.db" if args.database == "sqlite" else scratch_postgres(args.postgres, name)
        try:
            setup = prepare(url, n_units=5, n_orders=2, slots=2)
            with Server(url, Path(tmp) / "server.log") as server:
                unit = {"Authorization": f"Bearer {setup.units['U000']}"}
                request(server.port, "POST", "/orders/1/claims", {"unit": "U000"}, unit)
                har = Path(tmp) / "run.har"
                started = time.perf_counter()
                run = _schemathesis(server.port, setup.planner, args, har, tmp)  # its cache stays in tmp
                took = time.perf_counter() - started
                log = (Path(tmp) / "server.log").read_text()
        finally:
            if args.database == "postgresql":
                drop_postgres(args.postgres, name)
        entries = json.loads(har.read_text())["log"]["entries"] if har.exists() else []
    statuses = Counter(entry["response"]["status"] for entry in entries)
    errors = sum(n for code, n in statuses.items() if code >= 500)
    summary = [
        line
        for line in run.stdout.splitlines()
        if any(
            word in line for word in ("Examples", "Coverage", "Fuzzing", "Stateful", "passed", "failed", "Test cases")
        )
    ]
    print("\n".join(summary))
    print(
        f"schemathesis {PHASES} against the real server ({args.database}), --max-examples {args.examples}, "
        f"--seed {args.seed}: "
        f"{len(entries)} requests in {took:.0f} s; by status {dict(sorted(statuses.items()))}; 5xx: {errors}; "
        f"schemathesis exit code {run.returncode}"
    )
    if errors or run.returncode:
        print(run.stdout[-6000:])
        print("server log tail:", log[-3000:])
    return 1 if errors or not entries else 0


def _schemathesis(
    port: int, planner: str, args: argparse.Namespace, har: Path, tmp: str
) -> subprocess.CompletedProcess[str]:
    """Run schemathesis against the server as the planner, its requests recorded in ``har``."""
    return subprocess.run(
        [
            str(Path(sys.executable).with_name("schemathesis")),
            "run",
            f"http://127.0.0.1:{port}/openapi.json",
            "-H",
            f"Authorization: Bearer {planner}",
            "--checks",
            "not_a_server_error",
            "--phases",
            PHASES,
            "--max-examples",
            str(args.examples),
            "--seed",
            str(args.seed),
            "--continue-on-failure",
            "--report",
            "har",
            "--report-har-path",
            str(har),
        ],
        capture_output=True,
        text=True,
        cwd=tmp,
    )


if __name__ == "__main__":
    sys.exit(main())
