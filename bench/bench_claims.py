"""Claims throughput and latency against the real server (``matcher serve``) on loopback.

50 concurrent clients (one keep-alive connection each, spread over two processes), one unit
each, claim every order of a scenario in their own random order; orders have fewer slots than
units, so a fifth of the claims are refused as full (409). Two loads, per database:

- ``closed``: each client sends its next claim as soon as the last is answered: the most the
  server does, and the latency of 50 requests always queued at it;
- ``paced``: the clients together send ``--rate`` claims per second (default 375, so that 300
  claims per second are made), each on a fixed schedule; a latency counts from when the request
  was due, so a stalled server cannot hide the requests it held up.

Printed for each run and as the median of the runs: claim requests per second, claims made per
second, latency p50/p95/p99, CPU per request of the server (all its processes), of the load
generator and of PostgreSQL's processes serving the run's database, and overbooked orders (must
be 0). Each client first claims ``--warm-up`` orders
of their own, untimed (the server opens its database connections and fills its caches), then
the timed orders; every claim, warm-up included, is checked for overbooking and errors.

    python bench/bench_claims.py [--runs 3] [--clients 50] [--orders 200] [--slots 40] [--rate 375]
        [--workers 2] [--threads N] [--only sqlite|postgresql] [--loads closed,paced]
        [--postgres postgresql://postgres@127.0.0.1:5432/test]

Only 127.0.0.1 is targeted. PostgreSQL runs in a scratch database named uniquely per run
(``matcher_bench_<pid>_<hex>``), dropped afterwards.
The load generator shares the machine's two cores with the server and the database.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import psycopg
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).parent))
from loadgen import Server, fire, prepare, process_cpu  # noqa: E402

from api.db import Store  # noqa: E402
from api.models import Claim, Order  # noqa: E402
from matcher.cli.serve import default_threads  # noqa: E402


def unique_name(prefix: str) -> str:
    """A database name no other run on the server uses (``prefix_<pid>_<hex>``): the machine is
    shared, and dropping a database under another run's benchmark fails its requests."""
    return f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"


def scratch_postgres(admin_url: str, name: str) -> str:
    """A freshly created, empty database ``name`` on the local server."""
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name


def drop_postgres(admin_url: str, name: str) -> None:
    """Drop a scratch database when its benchmark is done."""
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def scratch_databases(folder: str, only: str | None, admin_url: str, prefix: str) -> Iterator[tuple[str, str]]:
    """(kind, URL) of a fresh SQLite file in ``folder`` and a fresh, uniquely named PostgreSQL
    database (``only`` keeps one kind); each PostgreSQL database is dropped when its turn ends."""
    for kind in ("sqlite", "postgresql"):
        if only not in (None, kind):
            continue
        if kind == "sqlite":
            yield kind, f"sqlite:///{folder}/{prefix}.db"
            continue
        name = unique_name(prefix)
        try:
            yield kind, scratch_postgres(admin_url, name)
        finally:
            drop_postgres(admin_url, name)


def overbooked(url: str) -> tuple[int, int]:
    """(orders holding more active claims than slots, active claims in all)."""
    store = Store(url)
    try:
        with store.read() as session:
            counts = dict(
                session.execute(
                    select(Claim.order_id, func.count()).where(Claim.status == "active").group_by(Claim.order_id)
                ).all()
            )
            slots = dict(session.execute(select(Order.id, Order.slots)).all())
    finally:
        store.dispose()
    return sum(1 for order, n in counts.items() if n > slots[order]), sum(counts.values())


def database_cpu_seconds(url: str) -> float:
    """CPU seconds the PostgreSQL server processes serving database ``url`` have used (Linux
    /proc; they run on this machine); 0 for SQLite, which runs inside the server's processes."""
    if not url.startswith("postgresql"):
        return 0.0
    with psycopg.connect(url, connect_timeout=3) as conn:
        pids = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return sum(process_cpu(pid) for (pid,) in pids)


def run_once(url: str, args: argparse.Namespace, log: Path, seed: int, rate: float) -> dict[str, float]:
    setup = prepare(url, args.clients, args.warm_up + args.orders, args.slots)
    warm_up, timed = setup.orders[: args.warm_up], setup.orders[args.warm_up :]
    rng = random.Random(seed)
    per_client = [
        [(unit, token, order, "") for order in rng.sample(warm_up, len(warm_up)) + rng.sample(timed, len(timed))]
        for unit, token in setup.units.items()
    ]
    extra = ("--sqlite-synchronous", args.sqlite_synchronous) if url.startswith("sqlite") else ()
    with Server(url, log, workers=args.workers, threads=args.threads, extra=extra) as server:
        cpu_before = server.cpu_seconds()
        rows, wall, client_cpu = fire(server.port, per_client, args.processes, rate=rate, warm_up=args.warm_up)
        server_cpu = server.cpu_seconds() - cpu_before
        database_cpu = database_cpu_seconds(url)  # its connections were all opened by this server
    statuses = Counter(r[3] for r in rows if r[8] and not r[9])
    failed = Counter(r[3] for r in rows if r[3] not in (201, 409) or r[9])
    if failed:  # never expected: show what went wrong, and the server's log
        problems = sorted({r[9] for r in rows if r[9]})[:5]
        print(f"  unexpected answers {dict(failed)} {problems}; server log: {log.read_text()[-3000:]}")
    q = statistics.quantiles(sorted(r[5] for r in rows if r[8]), n=100)
    over, active = overbooked(url)
    return {
        "requests": sum(statuses.values()),
        "made": statuses[201],
        "full": statuses[409],
        "other": sum(failed.values()),
        "wall": wall,
        "rps": sum(statuses.values()) / wall,
        "claims_per_s": statuses[201] / wall,
        "p50_ms": q[49] * 1000,
        "p95_ms": q[94] * 1000,
        "p99_ms": q[98] * 1000,
        "overbooked": over,
        "cpu_ms": server_cpu / len(rows) * 1000,
        "client_cpu_ms": client_cpu / len(rows) * 1000,
        "database_cpu_ms": database_cpu / len(rows) * 1000,
        "active": active,
        "expected": min(args.clients, args.slots) * len(setup.orders),
    }


def report(name: str, runs: list[dict[str, float]]) -> None:
    print(f"\n{name}")
    header = (
        f"  {'run':>4} {'requests':>8} {'made':>6} {'409':>6} {'other':>5} {'wall s':>7} {'req/s':>7} "
        f"{'claims/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'overbooked':>10} "
        f"{'server CPU ms/req':>17} {'client CPU ms/req':>17} {'PostgreSQL CPU ms/req':>21}"
    )
    print(header)
    for i, r in enumerate(runs, 1):
        print(
            f"  {i:>4} {r['requests']:>8} {r['made']:>6} {r['full']:>6} {r['other']:>5} {r['wall']:>7.2f} "
            f"{r['rps']:>7.0f} {r['claims_per_s']:>8.0f} {r['p50_ms']:>7.1f} {r['p95_ms']:>7.1f} "
            f"{r['p99_ms']:>7.1f} {r['overbooked']:>10} {r['cpu_ms']:>17.2f} {r['client_cpu_ms']:>17.2f} "
            f"{r['database_cpu_ms']:>21.2f}"
        )
    med = {
        k: statistics.median(r[k] for r in runs)
        for k in ("rps", "claims_per_s", "p50_ms", "p95_ms", "p99_ms", "cpu_ms", "client_cpu_ms", "database_cpu_ms")
    }
    print(
        f"  median: {med['rps']:.0f} claim requests/s, {med['claims_per_s']:.0f} claims made/s, "
        f"p50 {med['p50_ms']:.1f} ms, p95 {med['p95_ms']:.1f} ms, p99 {med['p99_ms']:.1f} ms; "
        f"CPU per request: server {med['cpu_ms']:.2f} ms, load generator {med['client_cpu_ms']:.2f} ms"
        + (f", PostgreSQL {med['database_cpu_ms']:.2f} ms; " if med["database_cpu_ms"] else "; ")
        + f"overbooked orders in all runs: {sum(r['overbooked'] for r in runs)}; "
        f"active claims = slots filled in every run: {all(r['active'] == r['expected'] for r in runs)}"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients, one unit each")
    parser.add_argument("--orders", type=int, default=200, help="orders claimed in the timed part")
    parser.add_argument(
        "--warm-up",
        type=int,
        default=4,
        help="orders each client claims first, untimed, to warm the server up (default: 4)",
    )
    parser.add_argument("--slots", type=int, default=40, help="slots per order (fewer than clients: some 409s)")
    parser.add_argument(
        "--rate",
        type=float,
        default=375.0,
        help="claim requests per second in all, for the paced load (default 375: 300 claims made/s)",
    )
    parser.add_argument("--loads", default="closed,paced", help="closed, paced or both (default: both)")
    parser.add_argument("--processes", type=int, default=2, help="client processes the clients are spread over")
    parser.add_argument("--workers", type=int, default=2, help="server processes (matcher serve --workers)")
    parser.add_argument(
        "--threads", type=int, help="request threads per server process (default: matcher serve's for the database)"
    )
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/test",
        help="a server on 127.0.0.1 where a scratch database may be created",
    )
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument(
        "--sqlite-synchronous",
        choices=("FULL", "NORMAL"),
        default="FULL",
        help="matcher serve --sqlite-synchronous (default FULL: every commit synced)",
    )
    return parser


def main() -> int:
    parser = _parser()
    args = parser.parse_args()
    loads = [load.strip() for load in args.loads.split(",")]
    if not set(loads) <= {"closed", "paced"}:
        parser.error(f"--loads: closed and/or paced, not {args.loads!r}")
    print(
        f"{args.clients} concurrent clients over {args.processes} processes; {args.orders} orders x "
        f"{args.slots} slots; each client claims every order once; matcher serve with {args.workers} processes"
    )
    databases = [
        ("sqlite", f"SQLite (WAL, synchronous={args.sqlite_synchronous}, BEGIN IMMEDIATE)"),
        ("postgresql", "PostgreSQL (SELECT ... FOR UPDATE)"),
    ]
    with tempfile.TemporaryDirectory(prefix="bench-claims-") as tmp:
        for kind, title in databases:
            if args.only not in (None, kind):
                continue
            for load in loads:
                rate = args.rate if load == "paced" else 0.0
                runs = [_run(kind, load, i, rate, args, tmp) for i in range(args.runs)]
                threads = args.threads or default_threads(kind)
                report(
                    f"{title}, {threads} request threads per process, {load} load"
                    + (f" at {rate:.0f} claim requests/s" if rate else " (next claim as soon as the last is answered)"),
                    runs,
                )
    return 0


def _run(kind: str, load: str, i: int, rate: float, args: argparse.Namespace, tmp: str) -> dict[str, float]:
    """Run ``i`` of one database and load, on a fresh database (a scratch PostgreSQL one is dropped after)."""
    name = unique_name("matcher_bench")
    url = f"sqlite:///{tmp}/{load}{i}.db" if kind == "sqlite" else scratch_postgres(args.postgres, name)
    try:
        return run_once(url, args, Path(tmp) / "server.log", i, rate)
    finally:
        if kind == "postgresql":
            drop_postgres(args.postgres, name)


if __name__ == "__main__":
    sys.exit(main())
