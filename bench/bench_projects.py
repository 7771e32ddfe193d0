"""Benchmark of project matching on the full Pudong scenario (1,284 communities).

Prints, per run: wall time, objective, bound, gap, the sequential baseline (order, then claim,
then assign) and the joint / baseline ratio, and how the parts ended; then the medians.

    python bench/bench_projects.py [--runs 3] [--time-limit 60] [--engine highs|cpsat]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections import Counter
from pathlib import Path

from matcher.io.scenario import load_scenario
from matcher.projects import solve_projects

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "pudong" / "scenario.yaml"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--engine", default="highs", choices=("highs", "cpsat"))
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    t0 = time.perf_counter()
    scenario = load_scenario(args.scenario)
    p = scenario.problem
    print(f"{p.name}: {len(p.communities)} communities, {len(p.needs)} needs, {len(p.resources)} resources, "
          f"{len(p.projects)} projects; loaded in {time.perf_counter() - t0:.1f} s; engine {args.engine}, "
          f"time limit {args.time_limit:g} s, {args.workers} workers, {os.cpu_count()} cores")
    rows = []
    for run in range(args.runs):
        load = os.getloadavg()[0]
        r = solve_projects(p, scenario.policy, time_limit=args.time_limit, workers=args.workers, seed=run,
                           engine=args.engine)
        ratio = r.objective / r.baseline
        ends = Counter(f"{part.method}/{part.status}" for part in r.parts)
        rows.append((r.wall_time, r.objective, r.bound, r.gap, r.baseline, ratio))
        print(f"run {run + 1}: {r.wall_time:6.1f} s (space {r.timings['space']:.1f} s)  objective {r.objective:,.3f}  "
              f"bound {r.bound:,.3f}  gap {r.gap:.3%}  baseline {r.baseline:,.3f}  joint/baseline {ratio:.4f}  "
              f"load before {load:.1f}  parts {dict(ends)}")
    med = [statistics.median(col) for col in zip(*rows, strict=True)]
    print(f"median of {args.runs}: {med[0]:.1f} s  objective {med[1]:,.3f}  bound {med[2]:,.3f}  gap {med[3]:.3%}  "
          f"baseline {med[4]:,.3f}  joint/baseline {med[5]:.4f}")


if __name__ == "__main__":
    main()
