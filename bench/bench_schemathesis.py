"""Schemathesis against the real server (matcher serve: granian, 2 worker processes) on loopback: every operation of
/openapi.json with valid and invalid input; prints the requests tried and the count of 5xx.

    python bench/bench_schemathesis.py [--examples 25] [--database sqlite|postgresql]

Only 127.0.0.1 is targeted.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import schemathesis

sys.path.insert(0, str(Path(__file__).parent))
from bench_claims import scratch_postgres  # noqa: E402
from fuzz import fuzz  # noqa: E402
from loadgen import Server, prepare, request  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=25, help="hypothesis examples per operation and mode")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-fuzz-") as tmp:
        url = (f"sqlite:///{tmp}/fuzz.db" if args.database == "sqlite"
               else scratch_postgres(args.postgres, "matcher_fuzz"))
        setup = prepare(url, n_units=5, n_orders=2, slots=2)
        planner = {"Authorization": f"Bearer {setup.planner}"}
        with Server(url, Path(tmp) / "server.log") as server:
            unit = {"Authorization": f"Bearer {setup.units['U000']}"}
            request(server.port, "POST", "/orders/1/claims", {"unit": "U000"}, unit)
            schema = schemathesis.openapi.from_url(f"http://127.0.0.1:{server.port}/openapi.json")
            known = {"scenario_id": setup.scenario_id, "order_id": 1, "claim_id": 1, "transfer_id": 1,
                     "record_id": "N1", "unit": "U000"}
            started = time.perf_counter()
            statuses, failures = fuzz(schema, planner, args.examples, known,
                                      base_url=f"http://127.0.0.1:{server.port}")
            took = time.perf_counter() - started
    total = sum(statuses.values())
    errors = sum(n for code, n in statuses.items() if code >= 500)
    print(f"schemathesis against the real server ({args.database}), {args.examples} examples per operation "
          f"and mode: {total} requests in {took:.1f} s; by status {dict(sorted(statuses.items()))}; 5xx: {errors}")
    for failure in failures:
        print("FAILED", failure)
    return 1 if failures or errors else 0


if __name__ == "__main__":
    sys.exit(main())
