"""Live dispatch figures (issue 13), printed:

1. Recommendation latency against the real server (``matcher serve``, two worker processes, SQLite):
   each arrival is POSTed, its top 5 recommendations are fetched (timed, client side), and the best
   is accepted; on Zhangjiang and on a 100,000-need synthetic city. The plan each starts from is a
   solve of the scenario by the core, stored as the scenario's finished solve job (set-up, untimed).
2. After accepting: other assignments moved per accept (median, p95), the stability cost of a re-plan
   (POST /replan) against its unconstrained re-solve, and — in process, on the same stream — the
   objective the accepted plan gives up against a cold solve of the same needs.
3. A replayed week on Wanshou: on-time share per urgency level against the hindsight optimum.

Run: ``PYTHONPATH=. python bench/bench_dispatch.py [--arrivals 200] [--city-needs 100000] [--skip-city]``.
The machine may be shared: medians are quoted, with CPU time beside wall time.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from loadgen import HOST, Server  # noqa: E402
from synthetic import city  # noqa: E402

from api import create_app  # noqa: E402
from api.auth import issue_token  # noqa: E402
from api.models import Scenario, SolveJob, now  # noqa: E402
from api.records import make_row, policy_data, record_data  # noqa: E402
from matcher.dispatch.intake import intake  # noqa: E402
from matcher.dispatch.ledger import Ledger  # noqa: E402
from matcher.dispatch.recommend import accept, recommend  # noqa: E402
from matcher.dispatch.replay import generated, run_replay  # noqa: E402
from matcher.io.scenario import load_scenario  # noqa: E402
from matcher.policy import Policy  # noqa: E402
from matcher.problem import Problem  # noqa: E402
from matcher.result import Result  # noqa: E402
from matcher.solvers import solve  # noqa: E402
from matcher.solvers.params import SolveParams

ROOT = Path(__file__).resolve().parents[1]


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def store_scenario(db_url: str, problem: Problem, policy: Policy, base: Result) -> tuple[int, str]:
    """The scenario's lists and its solved plan (as a finished solve job) in the database; a planner token."""
    app = create_app({"DATABASE_URL": db_url})
    store = app.extensions["matcher"].store
    try:
        with store.write() as session:
            token = issue_token(session, "planner")
            scenario = Scenario(
                name=problem.name,
                description="bench",
                created_by="bench",
                policy=policy_data(policy),
                settings=record_data(problem.settings),
            )
            session.add(scenario)
            session.flush()
            for name in ("communities", "needs", "resources", "pairings"):
                session.add_all(make_row(scenario.id, name, i, r) for i, r in enumerate(getattr(problem, name)))
            session.add(
                SolveJob(
                    id="bench-base",
                    scenario_id=scenario.id,
                    status="done",
                    solver=base.solver,
                    time_limit=0.0,
                    policy=policy_data(policy),
                    requested_by="bench",
                    created_at=now(),
                    finished_at=now(),
                    result={
                        "assignments": [{"need": a["need"], "resource": a["resource"]} for a in base.assignments()]
                    },
                )
            )
            return scenario.id, token
    finally:
        app.extensions["matcher"].runner.shutdown()
        store.dispose()


def stream(problem: Problem, count: int, seed: int) -> list[dict[str, Any]]:
    """Arrivals: copies (new ids, one provider) of random scenario needs, a minute apart."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(len(problem.needs), size=count)
    out = []
    for i, p in enumerate(picks.tolist()):
        need = replace(problem.needs[p], id=f"B{i + 1:05d}", providers=1)
        out.append({**record_data(need), "at": float(i + 1)})
    return out


def call(
    conn: http.client.HTTPConnection, method: str, path: str, token: str, body: Any = None
) -> tuple[int, Any, float]:
    data = None if body is None else json.dumps(body).encode()
    headers = {"Authorization": f"Bearer {token}", **({"Content-Type": "application/json"} if data else {})}
    start = time.perf_counter()
    conn.request(method, path, body=data, headers=headers)
    response = conn.getresponse()
    raw = response.read()
    return response.status, json.loads(raw) if raw else None, time.perf_counter() - start


def server_run(
    label: str, problem: Problem, policy: Policy, base: Result, arrivals: list[dict[str, Any]], warm_up: int
) -> dict[str, Any]:
    """Latency of recommendations against the real server, moves per accept, a final re-plan."""
    with tempfile.TemporaryDirectory(prefix="bench-dispatch-") as tmp:
        db_url = f"sqlite:///{tmp}/bench.db"
        sid, token = store_scenario(db_url, problem, policy, base)
        with Server(db_url, Path(tmp) / "server.log", workers=2, threads=2) as server:
            conn = http.client.HTTPConnection(HOST, server.port, timeout=600)
            latencies, cold, moved, on_time = [], [], [], 0
            for i, record in enumerate(arrivals):
                status, body, posted = call(conn, "POST", f"/scenarios/{sid}/arrivals", token, record)
                assert status == 201, body
                status, body, seconds = call(
                    conn, "GET", f"/scenarios/{sid}/arrivals/{record['id']}/recommendations?k=5", token
                )
                assert status == 200, body
                if i < warm_up:
                    cold.append(posted + seconds)
                else:
                    latencies.append(seconds)
                if body["options"]:
                    best = body["options"][0]
                    status, done, _ = call(
                        conn,
                        "POST",
                        f"/scenarios/{sid}/arrivals/{record['id']}/accept",
                        token,
                        {"resource": best["resource"]},
                    )
                    assert status == 200, done
                    moved.append(done["moved"])
                    on_time += best["on_time"]
            status, replanned, replan_seconds = call(
                conn, "POST", f"/scenarios/{sid}/replan", token, {"time_limit": 20}
            )
            assert status == 200, replanned
            conn.close()
    ms = np.array(latencies) * 1000
    return {
        "label": label,
        "needs": len(problem.needs),
        "arrivals": len(arrivals),
        "p50": float(np.median(ms)),
        "p95": float(np.percentile(ms, 95)),
        "max": float(ms.max()),
        "cold": [round(c, 2) for c in cold],
        "moved": moved,
        "on_time": on_time,
        "replan": replanned,
        "replan_seconds": replan_seconds,
    }


def in_process_gap(
    problem: Problem, policy: Policy, base: Result, arrivals: list[dict[str, Any]], time_limit: float
) -> tuple[float, float, float]:
    """The same stream accepted in process; the objective against a cold solve of all the needs."""
    ledger = Ledger.from_result(base)
    for record in arrivals:
        intake(ledger, record)
        options = recommend(ledger, record["id"], k=1).options
        if options:
            accept(ledger, record["id"], ledger.arrays.resource_ids[options[0].placement.resource], record["at"])
    cold = solve(
        Problem(
            problem.communities,
            tuple(ledger.needs),
            problem.resources,
            problem.projects,
            problem.pairings,
            problem.settings,
            problem.name,
        ),
        policy,
        params=SolveParams(time_limit=time_limit, workers=2),
    )
    return ledger.objective(), cold.objective, cold.bound if cold.bound is not None else cold.objective


def report(run: dict[str, Any], objective: float, cold: float, bound: float) -> None:
    moved = np.array(run["moved"]) if run["moved"] else np.zeros(1)
    replan = run["replan"]
    print(f"\n== {run['label']}: {run['needs']:,} needs in the plan, {run['arrivals']} arrivals ==")
    print(
        f"recommendation latency (real server, 2 workers, client wall time): p50 {run['p50']:.1f} ms, "
        f"p95 {run['p95']:.1f} ms, max {run['max']:.1f} ms over {run['arrivals'] - len(run['cold'])} "
        f"requests; first {len(run['cold'])} arrivals (POST + GET) while the workers build their plans: "
        f"{run['cold']} s"
    )
    print(
        f"accepted {len(run['moved'])}, on time {run['on_time']}; other assignments moved per accept: "
        f"median {np.median(moved):g}, p95 {np.percentile(moved, 95):g}, max {moved.max():g}"
    )
    share = replan["stability_cost"] / max(abs(replan["objective"]), 1e-9)
    print(
        f"re-plan after the stream (POST /replan, {run['replan_seconds']:.1f} s): moved {replan['moved']}, "
        f"stability cost {replan['stability_cost']:,.2f} = {share:.4%} of the objective {replan['objective']:,.2f} "
        f"({replan['solver']}, {replan['status']})"
    )
    print(
        f"in process, same stream: accepted plan {objective:,.2f} vs a cold solve of the same needs {cold:,.2f} "
        f"(its proven bound {bound:,.2f}): {(cold - objective) / max(abs(cold), 1e-9):+.3%} against the cold "
        f"solve, {(bound - objective) / max(abs(bound), 1e-9):.3%} at most against the optimum"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arrivals", type=int, default=200)
    parser.add_argument("--city-needs", type=int, default=100_000)
    parser.add_argument("--city-arrivals", type=int, default=100)
    parser.add_argument("--skip-city", action="store_true")
    parser.add_argument("--skip-replay", action="store_true")
    parser.add_argument("--replan-every", type=float, default=240.0)
    args = parser.parse_args()
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"bench_dispatch on {os.cpu_count()} cores (shared machine); {stamp}")

    zhangjiang = load_scenario(ROOT / "scenarios" / "zhangjiang" / "scenario.yaml")
    start, c0 = time.perf_counter(), cpu()
    base = solve(zhangjiang.problem, zhangjiang.policy, params=SolveParams(time_limit=20, workers=2))
    print(
        f"Zhangjiang base plan: {base.solver} {base.solution.status}, objective {base.objective:,.2f}, "
        f"{time.perf_counter() - start:.1f} s wall, {cpu() - c0:.1f} s CPU"
    )
    arrivals = stream(zhangjiang.problem, args.arrivals, seed=13)
    run = server_run("Zhangjiang", zhangjiang.problem, zhangjiang.policy, base, arrivals, warm_up=4)
    report(run, *in_process_gap(zhangjiang.problem, zhangjiang.policy, base, arrivals, 20))

    if not args.skip_city:
        problem = city(args.city_needs, args.city_needs // 5, seed=3)
        policy = Policy()
        start, c0 = time.perf_counter(), cpu()
        base = solve(problem, policy)
        print(
            f"\nCity base plan: {base.solver} {base.solution.status}, {problem.arrays.n_needs:,} needs x "
            f"{problem.arrays.n_resources:,} resources, {time.perf_counter() - start:.1f} s wall, "
            f"{cpu() - c0:.1f} s CPU"
        )
        arrivals = stream(problem, args.city_arrivals, seed=13)
        run = server_run(f"city {args.city_needs:,}", problem, policy, base, arrivals, warm_up=4)
        report(run, *in_process_gap(problem, policy, base, arrivals, 60))

    if not args.skip_replay:
        wanshou = load_scenario(ROOT / "scenarios" / "wanshou" / "scenario.yaml")
        start, c0 = time.perf_counter(), cpu()
        result = run_replay(
            wanshou.problem, wanshou.policy, generated(wanshou.problem, 168.0, seed=1), replan_every=args.replan_every
        )
        print("\n== Replayed week on Wanshou (the scenario's 4,000 needs at seeded random minutes over 168 h) ==")
        print(result.summary())
        print(f"({time.perf_counter() - start:.0f} s wall, {cpu() - c0:.0f} s CPU)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
