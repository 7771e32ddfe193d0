"""Benchmark of the exact solver's engines on a case scenario (default Zhangjiang: 715 needs).

Prints two tables, each from this one run:

1. The README command, ``matcher run SCENARIO``, in a fresh process --repeat times: status, gap,
   wall and CPU seconds (user + system of the child), and their medians.
2. The engines on the same model, in this process, one after the other, --repeat times each:
   - ``highs``: HiGHS (highspy), the default;
   - ``cpsat-l2``: CP-SAT with linearization_level 2 and --workers workers (the new set-up);
   - ``cpsat-before``: CP-SAT as it was set up before: every side rule guarded by an assumption
     literal (which forces CP-SAT's sequential search), default linearization, --workers asked.
   Each row: value phase objective, bound, gap, status, wall and CPU seconds, median over repeats.

    python bench/bench_engines.py                       # Zhangjiang, 3 repeats, 30 s limit
    python bench/bench_engines.py --command-only        # only table 1, the README command
    python bench/bench_engines.py --repeat 1 --time-limit 60 --scenario scenarios/wanshou/scenario.yaml
"""

from __future__ import annotations

import argparse
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ortools.sat.python import cp_model  # noqa: E402

from matcher.candidates import build_candidates  # noqa: E402
from matcher.io.scenario import load_scenario  # noqa: E402
from matcher.policy import get_policy  # noqa: E402
from matcher.result import format_gap, relative_gap  # noqa: E402
from matcher.solvers.cpsat import load_model, phase_expression  # noqa: E402
from matcher.solvers.engine import Limits  # noqa: E402
from matcher.solvers.exact import ENGINES  # noqa: E402
from matcher.solvers.linear import LinearModel, build_linear_model  # noqa: E402
from matcher.solvers.params import SolveParams  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def readme_command(scenario: str, repeat: int) -> None:
    """Run ``matcher run SCENARIO`` as a user would; print each run and the medians."""
    print(f"1. matcher run {scenario} (fresh process each time)")
    print(f"   {'run':>3}  {'status':<10} {'gap':>9} {'wall s':>7} {'cpu s':>7}")
    walls, cpus = [], []
    for k in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "matcher", "--lang", "en", "run", scenario, "--out", "/tmp/bench-engines-run"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        line = next(ln for ln in done.stdout.splitlines() if ln.startswith("Status"))
        status = line.split()[1]
        gap = re.search(r"gap ([^;]+);", line)
        walls.append(wall)
        cpus.append(cpu)
        print(f"   {k + 1:>3}  {status:<10} {gap.group(1) if gap else '—':>9} {wall:7.1f} {cpu:7.1f}")
    print(f"   median wall {statistics.median(walls):.1f} s, median CPU {statistics.median(cpus):.1f} s\n")


def cpsat_before(model: LinearModel, seconds: float, workers: int) -> tuple[int | None, int | None, str]:
    """The value phase as CP-SAT was set up before: side rules guarded by assumption literals."""
    cp, x, literals = load_model(model, guarded=True)
    cp.add_assumptions(list(literals.values()))
    value = model.phases[-1]
    cp.maximize(phase_expression(value, x))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = workers
    status = solver.solve(cp)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, None, solver.status_name(status).lower()
    return (
        int(round(solver.objective_value)),
        int(solver.best_objective_bound + 1e-6),
        "optimal" if status == cp_model.OPTIMAL else "feasible",
    )


def engines(scenario: str, repeat: int, seconds: float, workers: int) -> None:
    """The engines on one model (the value phase with the earlier phases held), in this process."""
    problem = load_scenario(scenario).problem
    policy = get_policy("default")
    candidates = build_candidates(problem, policy)
    model = build_linear_model(problem, candidates, policy)
    print(
        f"2. Engines on {problem.name}'s model: {model.n_columns} columns, {model.matrix.shape[0]} rows, "
        f"phases {[p.name for p in model.phases]}; limit {seconds:g} s, CP-SAT workers {workers}"
    )
    print(f"   {'engine':<13} {'objective':>10} {'bound':>10} {'gap':>9} {'status':<10} {'wall s':>7} {'cpu s':>7}")

    def run_engine(name: str) -> tuple[int | None, int | None, str]:
        params = SolveParams(time_limit=seconds, workers=workers, engine="cpsat" if name == "cpsat-l2" else "highs")
        session = ENGINES[params.engine](model, params)
        start = time.monotonic()
        for phase in model.phases[:-1]:
            run = session.solve(phase, None, Limits(seconds, 0.0))
            session.hold(phase, run.objective or 0)
        left = max(seconds - (time.monotonic() - start), 0.01)
        run = session.solve(model.phases[-1], None, Limits(left, params.gap))
        return run.objective, run.bound, str(run.status)

    rows = {
        "highs": run_engine,
        "cpsat-l2": run_engine,
        "cpsat-before": lambda _name: cpsat_before(model, seconds, workers),
    }
    for name, how in rows.items():
        results = []
        for _ in range(repeat):
            wall0, cpu0 = time.perf_counter(), time.process_time()
            objective, bound, status = how(name)
            results.append((time.perf_counter() - wall0, time.process_time() - cpu0, objective, bound, status))
        wall = statistics.median(r[0] for r in results)
        cpu = statistics.median(r[1] for r in results)
        _, _, objective, bound, status = results[len(results) // 2]
        gap = format_gap(relative_gap(objective, bound)) if objective is not None else "—"
        print(f"   {name:<13} {shown(objective):>10} {shown(bound):>10} {gap:>9} {status:<10} {wall:7.1f} {cpu:7.1f}")
    print("   (cpsat-before solves the value alone, without the emergency phase held: as before.)")


def shown(value: int | None) -> str:
    """A scaled objective in the policy's units, or a dash."""
    return "—" if value is None else f"{value / 100:,.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", default="scenarios/zhangjiang/scenario.yaml")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-command", action="store_true", help="only the engine table")
    parser.add_argument("--command-only", action="store_true", help="only the README command's table")
    args = parser.parse_args()
    with open("/proc/loadavg") as f:
        print(f"load average at start: {f.read().split()[0]} (2 cores; the machine may be shared)\n")
    if not args.skip_command:
        readme_command(args.scenario, args.repeat)
    if not args.command_only:
        engines(args.scenario, args.repeat, args.time_limit, args.workers)


if __name__ == "__main__":
    main()
