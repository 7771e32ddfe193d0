"""Accept/withdraw races against the real server (``matcher serve``, 2 processes) on loopback.

Each race: unit A holds a claim and has offered it to unit B; then A's withdraw and B's accept
are sent at the same moment from two threads. Exactly one may win: either A withdraws its own
claim (B's accept then finds it no longer A's to give: 409) or B takes it (A's withdraw is then
refused: 403). A wrong-holder withdrawal is a withdraw answered 200 while the accept was answered
200 too, or an audit entry ``claim.withdraw`` by A on a claim B holds. Prints the outcomes per
database.

    python bench/bench_races.py [--races 200] [--only sqlite|postgresql]

Only 127.0.0.1 is targeted; PostgreSQL runs in a scratch database named uniquely for this run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).parent))
from bench_claims import scratch_databases  # noqa: E402
from loadgen import Server, prepare, request  # noqa: E402

from api.db import Store  # noqa: E402
from api.models import AuditEntry, Claim  # noqa: E402


def race(port: int, order: int, giver: tuple[str, str], taker: tuple[str, str]) -> tuple[int, int, int]:
    """(claim id, withdraw status, accept status) of one race on ``order``."""
    a = {"Authorization": f"Bearer {giver[1]}"}
    b = {"Authorization": f"Bearer {taker[1]}"}
    status, made = request(port, "POST", f"/orders/{order}/claims", {"unit": giver[0]}, a)
    assert status == 201, made
    status, offer = request(port, "POST", f"/claims/{made['id']}/transfers", {"to_unit": taker[0]}, a)
    assert status == 201, offer
    start = threading.Barrier(2)
    answers: dict[str, int] = {}

    def send(name: str, method: str, path: str, headers: dict[str, str]) -> None:
        start.wait()
        answers[name] = request(port, method, path, None, headers)[0]

    threads = [
        threading.Thread(target=send, args=("withdraw", "DELETE", f"/claims/{made['id']}", a)),
        threading.Thread(target=send, args=("accept", "POST", f"/transfers/{offer['id']}/accept", b)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return made["id"], answers["withdraw"], answers["accept"]


def run(url: str, races: int, log: Path) -> dict[str, int]:
    setup = prepare(url, 2, races, 1)
    units = list(setup.units.items())
    outcomes: Counter[tuple[int, int]] = Counter()
    claims = []
    with Server(url, log) as server:
        for i, order in enumerate(setup.orders):
            giver, taker = (units[0], units[1]) if i % 2 == 0 else (units[1], units[0])
            claim_id, withdrawn, accepted = race(server.port, order, giver, taker)
            outcomes[(withdrawn, accepted)] += 1
            claims.append((claim_id, giver[0], taker[0], withdrawn, accepted))
    store = Store(url)
    try:
        with store.read() as session:
            final = dict(session.execute(select(Claim.id, Claim.unit)).all())
            status = dict(session.execute(select(Claim.id, Claim.status)).all())
            withdrawals = {
                int(e.entity_id): e.actor
                for e in session.scalars(select(AuditEntry).where(AuditEntry.action == "claim.withdraw"))
            }
    finally:
        store.dispose()
    wrong = 0
    for claim_id, _, taker_unit, withdrawn, accepted in claims:
        took = final[claim_id] == taker_unit
        if (
            (withdrawn == 200 and accepted == 200)
            or (took and claim_id in withdrawals)
            or (took and status[claim_id] != "active")
        ):
            wrong += 1
    return {
        "races": len(claims),
        "wrong": wrong,
        **{f"withdraw {w} / accept {a}": n for (w, a), n in sorted(outcomes.items())},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--races", type=int, default=200)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    failed = False
    with tempfile.TemporaryDirectory(prefix="bench-races-") as tmp:
        for kind, url in scratch_databases(tmp, args.only, args.postgres, "matcher_races"):
            found = run(url, args.races, Path(tmp) / f"{kind}.log")
            outcomes = ", ".join(f"{k}: {v}" for k, v in found.items() if k not in ("races", "wrong"))
            print(
                f"{kind}: {found['races']} accept/withdraw races; outcomes {outcomes}; "
                f"wrong-holder withdrawals: {found['wrong']}"
            )
            failed |= found["wrong"] > 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
