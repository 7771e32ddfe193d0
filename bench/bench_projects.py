"""Benchmark of project matching on the full Pudong scenario (1,284 communities).

Prints, per run: wall and CPU time, objective, bound, gap, the sequential baseline (order, then
claim, then assign) and the joint / baseline ratio, the orders communities placed (点单) that run
and the new orders made, and how the parts ended; then the medians.

    python bench/bench_projects.py [--runs 3] [--time-limit 60] [--engine highs|cpsat]
                                   [--placed-orders priority|hard|free]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections import Counter
from pathlib import Path

from matcher.io.scenario import load_scenario
from matcher.policy import PLACED_ORDER_MODES
from matcher.projects import solve_projects

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "pudong" / "scenario.yaml"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--engine", default="highs", choices=("highs", "cpsat"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--placed-orders", default="priority", choices=PLACED_ORDER_MODES)
    args = parser.parse_args()
    t0 = time.perf_counter()
    scenario = load_scenario(args.scenario)
    p = scenario.problem
    print(
        f"{p.name}: {len(p.communities)} communities, {len(p.needs)} needs, {len(p.resources)} resources, "
        f"{len(p.projects)} projects; loaded in {time.perf_counter() - t0:.1f} s; engine {args.engine}, "
        f"time limit {args.time_limit:g} s, {args.workers} workers, {os.cpu_count()} cores; "
        f"placed_orders {args.placed_orders}"
    )
    policy = scenario.policy.with_overrides({"placed_orders": args.placed_orders})
    rows = []
    for run in range(args.runs):
        load = os.getloadavg()[0]
        cpu = time.process_time()
        r = solve_projects(p, policy, time_limit=args.time_limit, workers=args.workers, seed=run, engine=args.engine)
        cpu = time.process_time() - cpu
        orders = r.orders()
        placed = [o for o in orders if o["kind"] != "new"]
        new = sum(o["kind"] == "new" for o in orders)
        ratio = r.objective / r.baseline
        ends = Counter(f"{part.method}/{part.status}" for part in r.parts)
        rows.append((r.wall_time, cpu, r.objective, r.bound, r.gap, r.baseline, ratio))
        print(
            f"run {run + 1}: {r.wall_time:6.1f} s wall, {cpu:6.1f} s CPU (space {r.timings['space']:.1f} s)  "
            f"placed orders running {sum(o['running'] for o in placed)} of {len(placed)}, {new} new orders  "
            f"objective {r.objective:,.3f}  "
            f"bound {r.bound:,.3f}  gap {r.gap:.3%}  baseline {r.baseline:,.3f}  joint/baseline {ratio:.4f}  "
            f"load before {load:.1f}  parts {dict(ends)}"
        )
    med = [statistics.median(col) for col in zip(*rows, strict=True)]
    print(
        f"median of {args.runs}: {med[0]:.1f} s wall, {med[1]:.1f} s CPU  objective {med[2]:,.3f}  "
        f"bound {med[3]:,.3f}  gap {med[4]:.3%}  baseline {med[5]:,.3f}  joint/baseline {med[6]:.4f}"
    )


if __name__ == "__main__":
    main()
