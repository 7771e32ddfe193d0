"""Independent parts on Dask against the same parts solved serially, in the same run (issue 14, item 10).

Pudong's joint project model (scenarios/pudong) is built once and cut into its independent parts
(communities that share no resource or venue); the parts are then solved with the same time shares
(:func:`matcher.projects.solve.solve_on`) one after another here and on a local Dask cluster of
``--workers`` processes, alternating, ``--runs`` times each. Prints per run the wall and CPU time
(serial: this process; Dask: the workers' processes plus this one), objective, bound, gap and how
the parts ended, the load average, then the medians and the speed-up. The time limit is large so
that every part ends on its gap, not on the clock: both ways must give the same objective and bound.

    python bench/bench_parts.py [--runs 3] [--workers 2] [--time-limit 600] [--scenario PATH]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

from matcher.io.scenario import load_scenario
from matcher.parallel.cluster import Executor, OnDask, Serial, close, connect
from matcher.projects.dominance import prune_dominated
from matcher.projects.highs import GAP_TARGET
from matcher.projects.plan import Plan
from matcher.projects.result import ProjectResult
from matcher.projects.solve import solve_on, split_parts
from matcher.projects.space import build_space

ROOT = Path(__file__).resolve().parent.parent


def _cpu(client: Any) -> float:
    """CPU seconds of this process, plus the Dask workers' when there is a client."""
    own = time.process_time()
    if client is None:
        return own
    return own + sum(client.run(time.process_time).values())


def _once(executor: Executor, space: Any, parts: list, args: argparse.Namespace, client: Any) -> dict[str, Any]:
    plan, baseline = Plan.empty(space), Plan.empty(space)
    load = os.getloadavg()[0]
    cpu, wall = _cpu(client), time.perf_counter()
    reports = solve_on(
        executor, space, parts, plan, baseline, time_limit=args.time_limit, seed=0, engine="highs", gap=GAP_TARGET
    )
    wall, cpu = time.perf_counter() - wall, _cpu(client) - cpu
    r = ProjectResult(space, plan, baseline, reports, wall, {})
    ends = Counter(f"{p.method}/{p.status}" for p in reports)
    return {
        "wall": wall,
        "cpu": cpu,
        "objective": r.objective,
        "bound": r.bound,
        "gap": r.gap,
        "status": r.status,
        "load": load,
        "ends": dict(ends),
        "longest": max(p.seconds for p in reports),
    }


def _line(kind: str, run: int, row: dict[str, Any]) -> str:
    return (
        f"{kind:<6} run {run}: {row['wall']:6.1f} s wall, {row['cpu']:6.1f} s CPU; objective {row['objective']:,.2f}, "
        f"bound {row['bound']:,.2f}, gap {row['gap']:.4%}, {row['status']}; longest part {row['longest']:.1f} s; "
        f"load {row['load']:.2f}; ends {row['ends']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "pudong" / "scenario.yaml"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--time-limit", type=float, default=600.0)
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    t0 = time.perf_counter()
    space = prune_dominated(build_space(scenario.problem, scenario.policy))
    parts = split_parts(space)
    p = scenario.problem
    print(
        f"{p.name}: {len(p.communities)} communities, {len(p.needs)} needs, {len(p.resources)} resources; "
        f"{len(parts)} independent parts (largest {max(x.size for x in parts)} of {sum(x.size for x in parts)} "
        f"variables); space built in {time.perf_counter() - t0:.1f} s; {os.cpu_count()} cores, load average "
        f"{' '.join(f'{v:.2f}' for v in os.getloadavg())}; HiGHS, gap {GAP_TARGET:.2%}, "
        f"time limit {args.time_limit:g} s"
    )
    client = connect(None, args.workers)
    client.wait_for_workers(args.workers)
    rows: dict[str, list[dict[str, Any]]] = {"serial": [], "dask": []}
    try:
        for run in range(1, args.runs + 1):
            for kind, executor, cl in (("serial", Serial(args.workers), None), ("dask", OnDask(client), client)):
                rows[kind].append(_once(executor, space, parts, args, cl))
                print(_line(kind, run, rows[kind][-1]), flush=True)
    finally:
        close(client, own_cluster=True)
    med = {k: {m: statistics.median(r[m] for r in v) for m in ("wall", "cpu")} for k, v in rows.items()}
    same = {(round(r["objective"], 6), round(r["bound"], 6)) for v in rows.values() for r in v}
    print(
        f"\nmedian of {args.runs}: serial {med['serial']['wall']:.1f} s wall / {med['serial']['cpu']:.1f} s CPU; "
        f"Dask ({args.workers} workers) {med['dask']['wall']:.1f} s wall / {med['dask']['cpu']:.1f} s CPU"
    )
    print(f"speed-up (serial wall / Dask wall, medians): {med['serial']['wall'] / med['dask']['wall']:.2f}x")
    print(f"same objective and bound in every run: {len(same) == 1} {sorted(same)}")
    print(f"load average at the end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
