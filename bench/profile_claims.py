"""CPU per claim request (认领) in one process, through the Flask test client, optionally under
cProfile: where the claim path spends its time, without HTTP or load generators in the figure.

50 units claim every slot of 40 orders of 40 slots (as bench_claims.py), the first 100 requests
warm up, the other 1,900 are timed; printed: requests by status and process CPU per request
(test client and app together).

    python bench/profile_claims.py [--database sqlite|postgresql] [--profile 30]
        [--postgres postgresql://postgres@127.0.0.1:5432/test]

PostgreSQL runs in a scratch database ``matcher_profile`` on that server.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).parent))
from loadgen import prepare  # noqa: E402

from api import create_app  # noqa: E402

PROFILE_DATABASE = "matcher_profile"
WARM_UP = 100


def database_url(kind: str, admin_url: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tempfile.mkdtemp(prefix='matcher-profile-')}/matcher.db"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PROFILE_DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{PROFILE_DATABASE}"')
    return admin_url.rsplit("/", 1)[0] + "/" + PROFILE_DATABASE


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="profile the timed requests and print the N costliest functions (own time)",
    )
    args = parser.parse_args()
    url = database_url(args.database, args.postgres)
    setup = prepare(url, 50, 40, 40)
    app = create_app({"DATABASE_URL": url})
    client = app.test_client()
    attempts = [(unit, token, order) for unit, token in setup.units.items() for order in setup.orders]
    random.Random(1).shuffle(attempts)

    def claim_all(batch: list[tuple[str, str, int]]) -> Counter[int]:
        return Counter(
            client.post(
                f"/orders/{order}/claims", json={"unit": unit}, headers={"Authorization": f"Bearer {token}"}
            ).status_code
            for unit, token, order in batch
        )

    try:
        claim_all(attempts[:WARM_UP])
        timed = attempts[WARM_UP:]
        profiler = cProfile.Profile() if args.profile else None
        cpu = time.process_time()
        if profiler:
            profiler.enable()
        statuses = claim_all(timed)
        if profiler:
            profiler.disable()
        cpu = time.process_time() - cpu
    finally:
        app.extensions["matcher"].runner.shutdown()
        app.extensions["matcher"].store.dispose()
    print(
        f"{args.database}: {len(timed)} claim requests {dict(sorted(statuses.items()))}; "
        f"CPU {cpu / len(timed) * 1000:.2f} ms per request (test client and app in one process"
        + (", under cProfile)" if profiler else ")")
    )
    if profiler:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
