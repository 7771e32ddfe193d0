"""A generalized assignment instance as a ``pairs`` scenario: ``matcher run`` against a raw CP-SAT
model of the same instance, written here independently (issue 14, item 6).

Both prove the least total cost; the matcher's objective is the needs' base value less the cost,
so its cost is ``jobs × base − objective``. Prints each run's wall and CPU seconds (of this
process, all threads) and the medians (of 3 by default). ``matcher run`` is timed in-process from
reading the scenario to writing its results, with gap 0, on each engine (HiGHS, the default, and
CP-SAT with 2 workers like the raw model).

    python bench/bench_gap.py                       # 60 jobs on 10 agents, seed 1
    python bench/bench_gap.py --jobs 100 --agents 10 --runs 3
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from ortools.sat.python import cp_model

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.gap_instance import GapInstance, type_c, write_scenario  # noqa: E402
from matcher.cli import main as matcher_main  # noqa: E402
from matcher.policy import Policy  # noqa: E402


def raw_cpsat(instance: GapInstance, workers: int) -> tuple[int, str]:
    """(least total cost, status) by CP-SAT on x[j, i] ∈ {0, 1}: each job once, loads within capacities."""
    m = cp_model.CpModel()
    x = [[m.new_bool_var(f"x{j}_{i}") for i in range(instance.agents)] for j in range(instance.jobs)]
    for j in range(instance.jobs):
        m.add_exactly_one(x[j])
    for i in range(instance.agents):
        m.add(sum(int(instance.load[j, i]) * x[j][i] for j in range(instance.jobs)) <= int(instance.capacity[i]))
    m.minimize(sum(int(instance.cost[j, i]) * x[j][i] for j in range(instance.jobs) for i in range(instance.agents)))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    solver.parameters.max_time_in_seconds = 600
    status = solver.solve(m)
    return round(solver.objective_value), solver.status_name(status)


def matcher_run(scenario: Path, out: Path, jobs: int, engine: str) -> tuple[int, str]:
    """(total cost, status) of ``matcher run --engine ENGINE`` on the scenario."""
    argv = ["run", str(scenario), "--out", str(out), "--gap", "0", "--time-limit", "600", "--engine", engine]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = matcher_main(argv)
    if code not in (0, None):
        raise SystemExit(f"matcher run exited {code}")
    summary = json.loads((out / "result.json").read_text(encoding="utf-8"))
    policy = Policy()
    base = policy.tier_weights["basic"] * policy.urgency_weights["normal"]
    objective = summary["objective"]
    return round(jobs * base - objective), summary["status"]


def timed(fn, *args) -> tuple[float, float, tuple]:
    """(wall, CPU seconds of this process, result) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn(*args)
    return time.perf_counter() - wall, time.process_time() - cpu, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=60)
    parser.add_argument("--agents", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="raw CP-SAT workers (default: 2, as matcher's)")
    parser.add_argument("--engines", nargs="+", default=["highs", "cpsat"], help="matcher's engines to run")
    args = parser.parse_args()
    instance = type_c(args.jobs, args.agents, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        scenario = write_scenario(instance, Path(tmp) / f"gap-c-{args.jobs}x{args.agents}")
        out = Path(tmp) / "out"
        calls = {
            "raw CP-SAT": lambda: raw_cpsat(instance, args.workers),
            **{
                f"matcher run --engine {e}": (lambda e=e: matcher_run(scenario, out, args.jobs, e))
                for e in args.engines
            },
        }
        rows: dict[str, list[tuple[float, float, int, str]]] = {name: [] for name in calls}
        for run in range(args.runs):
            for name, call in calls.items():
                wall, cpu, (cost, status) = timed(call)
                rows[name].append((wall, cpu, cost, status))
                print(f"run {run + 1} {name:26s} wall {wall:7.2f} s  CPU {cpu:7.2f} s  cost {cost}  {status}")
    print(f"\ntype-C GAP, {args.jobs} jobs on {args.agents} agents, seed {args.seed}; median of {args.runs}:")
    medians = {}
    for name, got in rows.items():
        wall, cpu = statistics.median(r[0] for r in got), statistics.median(r[1] for r in got)
        medians[name] = wall
        costs, statuses = sorted({r[2] for r in got}), sorted({r[3] for r in got})
        print(f"  {name:26s} wall {wall:7.2f} s  CPU {cpu:7.2f} s  least cost {costs}  {statuses}")
    for name in list(medians)[1:]:
        print(f"  {name} / raw CP-SAT, wall: {medians[name] / medians['raw CP-SAT']:.2f}x")


if __name__ == "__main__":
    main()
