"""Benchmark of the network diagnostics, and the escalation figures of the Wanshou and Xihu cases.

Prints, as medians over --repeat runs in this one process:
- diagnostics (``diagnose`` + the full ``to_dict``: reasons with who took the capacity, the
  max-flow bound and Hall set, 10 bottleneck re-solves, coverage, idle resources, components)
  on a 100,000-need instance, and their share of the solve time (``solve(solver="flow")``);
  two instances: the synthetic city of bench_flow (100,000 needs x 20,000 resources, ~2 million
  pairs), and the Xihu generator scaled to --xihu-needs (20,000 by default: its resources grow
  with the needs inside fixed communities, so 20,000 needs already give ~2.2 million pairs);
- for the checked-in Wanshou and Xihu scenarios, escalation level by level: the share of needs
  solved in the community, in the street, escalated to and solved in the district, and deadline
  compliance per urgency level.

    python bench/bench_diagnostics.py
    python bench/bench_diagnostics.py --needs 20000 --repeat 1
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.synthetic import city  # noqa: E402
from matcher.areas import routes_of  # noqa: E402
from matcher.generate.xihu import xihu  # noqa: E402
from matcher.io.scenario import LISTS, load_scenario  # noqa: E402
from matcher.network.diagnostics import diagnose  # noqa: E402
from matcher.problem import Problem  # noqa: E402
from matcher.solvers import solve  # noqa: E402
from matcher.solvers.escalation import escalate  # noqa: E402


def xihu_problem(needs: int) -> Problem:
    """The Xihu generator scaled to about ``needs`` needs, built in memory."""
    scenario = xihu(2016, needs_per_grid=needs / 386)
    lists = {
        name: tuple(LISTS[name].from_record({k: v for k, v in row.items() if v != ""}) for row in rows)
        for name, rows in scenario.lists.items()
        if name in ("communities", "needs", "resources")
    }
    return Problem.build(lists["communities"], lists["needs"], lists["resources"], name=f"xihu-{needs}")


def time_diagnostics(problem: Problem, repeat: int) -> None:
    solves, diags = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        result = solve(problem, solver="flow")
        solves.append(time.perf_counter() - start)
        start = time.perf_counter()
        diagnosis = diagnose(result)
        data = diagnosis.to_dict()
        diags.append(time.perf_counter() - start)
    s, d = statistics.median(solves), statistics.median(diags)
    print(
        f"{problem.name}: {result.problem.arrays.n_needs} needs, {result.problem.arrays.n_resources} resources, "
        f"{len(result.candidates)} pairs; served {result.n_served}, bound {data['max_served']}, "
        f"{len(data['unmatched'])} unmatched explained"
    )
    print(
        f"  solve (flow) median {s:.2f} s; diagnostics median {d:.2f} s "
        f"(runs: {', '.join(f'{x:.2f}' for x in diags)}); diagnostics / solve = {d / s:.1%}"
    )
    print("  diagnostics parts (last run): " + ", ".join(f"{k} {v:.2f} s" for k, v in diagnosis.timings.items()))


def escalation_figures(name: str) -> None:
    scenario = load_scenario(ROOT / "scenarios" / name / "scenario.yaml")
    found = routes_of(scenario.problem, scenario.areas)
    result = escalate(scenario.problem, scenario.policy, routes=found)
    s = result.level_shares()
    print(f"{name}: {s['needs']} needs, policy {scenario.policy.name}, {result.wall_time:.2f} s")
    print(
        f"  solved in the community {s['share_community']:.1%}, in the street {s['share_street']:.1%}, "
        f"escalated to the district {s['share_escalated_to_district']:.1%} (solved there "
        f"{s['share_district']:.1%}), unserved {s['share_unserved']:.1%}"
    )
    print("  deadline compliance (on time / needs; where served: community/street/district):")
    for row in result.deadline_compliance():
        print(
            f"    {row['urgency']:<10} {row['deadline_minutes']:>6} min  {row['on_time']:>5} / {row['needs']:<5} "
            f"{row['compliance']:.1%}   {row['at_community']}/{row['at_street']}/{row['at_district']}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--needs", type=int, default=100_000)
    parser.add_argument("--resources", type=int, default=20_000)
    parser.add_argument("--xihu-needs", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print("== Diagnostics at scale ==")
    time_diagnostics(city(args.needs, args.resources), args.repeat)
    time_diagnostics(xihu_problem(args.xihu_needs), args.repeat)
    print("\n== Escalation (吹哨报到): community -> street -> district ==")
    for name in ("wanshou", "xihu"):
        escalation_figures(name)


if __name__ == "__main__":
    main()
