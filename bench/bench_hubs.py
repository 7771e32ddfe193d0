"""Flow with and without aggregation on the case scenarios (issue 14, item 7): Wanshou and Xihu.

For each scenario, in this one process, medians over --repeat runs of CPU and wall time:
- per need: the OR-Tools min-cost-flow call on the per-need network (one node per need);
- aggregated: ``solve_flow`` (identical needs as one supply, classes sharing their candidate list
  at one hub; building that network, the call, and splitting the flow back to needs).
Both start from the same candidates and must reach the same optimum; arc counts are printed.

    python bench/bench_hubs.py
    python bench/bench_hubs.py --repeat 5 --scenarios wanshou xihu pudong
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from matcher.candidates import build_candidates  # noqa: E402
from matcher.io.scenario import load_scenario  # noqa: E402
from matcher.solvers.base import effective_task_capacity  # noqa: E402
from matcher.solvers.flow import ClassNetwork, flow_arrays, solve_flow, solve_min_cost_flow  # noqa: E402


def timed(call):  # type: ignore[no-untyped-def]
    """(wall s, CPU s, result) of ``call()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = call()
    return time.perf_counter() - wall, time.process_time() - cpu, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scenarios", nargs="+", default=["wanshou", "xihu"])
    args = parser.parse_args()
    for name in args.scenarios:
        scenario = load_scenario(ROOT / "scenarios" / name / "scenario.yaml")
        problem, policy = scenario.problem, scenario.policy
        a = problem.arrays
        candidates = build_candidates(problem, policy)
        capacity, _ = effective_task_capacity(problem.arrays, candidates)
        per_need = flow_arrays(
            a.n_needs, a.n_resources, candidates.need, candidates.resource, candidates.value, capacity
        )
        network = ClassNetwork.build(a, candidates, capacity)
        classes, hubs, hub_arcs = len(a.need_classes[1]), network.hubs.n_hubs, len(network.arcs[0])
        kinds = len(a.resource_classes[1])
        plain, grouped = [], []
        for _ in range(args.repeat):
            wall, cpu, (cost, _) = timed(partial(solve_min_cost_flow, *per_need[:5]))
            plain.append((wall, cpu))
            g_wall, g_cpu, solution = timed(partial(solve_flow, problem, candidates, policy))
            grouped.append((g_wall, g_cpu))
            assert solution.objective == -cost, (solution.objective, cost)
            assert solution.objective == int(candidates.value[solution.chosen].sum())
        p_cpu, g_cpu = statistics.median(x[1] for x in plain), statistics.median(x[1] for x in grouped)
        p_wall, g_wall = statistics.median(x[0] for x in plain), statistics.median(x[0] for x in grouped)
        print(
            f"{name}: {a.n_needs:,} needs ({classes:,} classes, {hubs:,} hubs) x {a.n_resources:,} resources "
            f"({kinds:,} classes), {len(candidates):,} pairs, policy {policy.name}"
        )
        print(f"  per need:   {per_need[5]:,} arcs, CPU {p_cpu:.3f} s, wall {p_wall:.3f} s")
        print(
            f"  aggregated: {hub_arcs:,} arcs, CPU {g_cpu:.3f} s, wall {g_wall:.3f} s "
            f"(CPU ratio {g_cpu / p_cpu:.2f}); same optimum {-cost:,}  [medians of {args.repeat}]"
        )


if __name__ == "__main__":
    main()
