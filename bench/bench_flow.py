"""Benchmark of the flow path (issue: 100,000 needs x 20,000 resources, ~2 million pairs).

Prints, as medians over --repeat runs measured in this one process, CPU time beside wall time
(the machine may be shared, so CPU time is the steadier figure):
- end-to-end: compile the lists to arrays, build candidates, build the (hub) network, solve with
  OR-Tools min-cost flow, count served needs (``matcher.solvers.solve(problem, solver="flow")``);
- bare: the OR-Tools SimpleMinCostFlow call alone on the per-need network (one node per need,
  one arc per candidate pair) of the same instance;
- their ratio, and that both reach the same optimal cost;
- peak memory (max RSS) of a fresh process that builds the instance and runs end-to-end once;
- networkx's min-cost flow against ours on a smaller instance it can finish, as a ratio.
With --growth, instead: end-to-end CPU, wall and peak memory of a fresh process per size (needs x
needs/5 resources) and the growth exponent of CPU time from the first size to the last.

    python bench/bench_flow.py                     # the issue's size
    python bench/bench_flow.py --needs 20000 --resources 4000 --repeat 3
    python bench/bench_flow.py --growth 10000 100000 1000000
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import networkx as nx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.synthetic import city  # noqa: E402
from matcher.candidates import build_candidates  # noqa: E402
from matcher.policy import get_policy  # noqa: E402
from matcher.problem import Problem  # noqa: E402
from matcher.solvers import solve  # noqa: E402
from matcher.solvers.base import effective_task_capacity  # noqa: E402
from matcher.solvers.flow import flow_arrays, solve_min_cost_flow  # noqa: E402


def fresh(problem: Problem) -> Problem:
    """The same lists without the compiled arrays, so compiling is timed again."""
    return dataclasses.replace(problem)


def end_to_end(problem: Problem) -> tuple[float, float, int, int, int]:
    """(wall s, CPU s, served needs, candidate pairs, objective) of one solve from the value objects."""
    start, cpu = time.perf_counter(), time.process_time()
    result = solve(fresh(problem), solver="flow")
    served = result.n_served
    return (
        time.perf_counter() - start,
        time.process_time() - cpu,
        served,
        len(result.candidates),
        result.solution.objective,
    )


def network(problem: Problem):  # type: ignore[no-untyped-def]
    policy = get_policy()
    candidates = build_candidates(problem, policy)
    capacity, _ = effective_task_capacity(problem.arrays, candidates)
    a = problem.arrays
    return flow_arrays(a.n_needs, a.n_resources, candidates.need, candidates.resource, candidates.value, capacity)


def bare(arrays) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    """(wall s, CPU s, optimal cost) of the OR-Tools call alone on the per-need network."""
    start, cpu = time.perf_counter(), time.process_time()
    cost, _ = solve_min_cost_flow(*arrays[:5])
    return time.perf_counter() - start, time.process_time() - cpu, cost


def networkx_ratio(n_needs: int, n_resources: int, repeat: int) -> str:
    problem = city(n_needs, n_resources, seed=1)
    tails, heads, caps, costs, supplies, _ = network(problem)
    graph = nx.DiGraph()
    for node, supply in enumerate(supplies.tolist()):
        graph.add_node(node, demand=-supply)
    for t, h, c, w in zip(tails.tolist(), heads.tolist(), caps.tolist(), costs.tolist()):
        graph.add_edge(t, h, capacity=c, weight=w)
    ours, theirs = [], []
    for _ in range(repeat):
        ours.append(end_to_end(problem)[0])
        start = time.perf_counter()
        nx_cost = nx.min_cost_flow_cost(graph)
        theirs.append(time.perf_counter() - start)
    ortools_cost = bare((tails, heads, caps, costs, supplies))[2]
    assert nx_cost == ortools_cost, (nx_cost, ortools_cost)
    o, t = statistics.median(ours), statistics.median(theirs)
    return (
        f"networkx min_cost_flow at {n_needs:,} needs x {n_resources:,} resources ({len(tails):,} arcs): "
        f"networkx {t:.2f} s, matcher end-to-end {o:.3f} s, ratio {t / o:.1f}x (same optimal cost {nx_cost})"
    )


def child(n_needs: int, n_resources: int) -> None:
    """Build the instance, run end-to-end once, print CPU s, wall s and peak RSS in MB (through a subprocess)."""
    problem = city(n_needs, n_resources)
    wall, cpu, *_ = end_to_end(problem)
    print(cpu, wall, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def fresh_process(n_needs: int, n_resources: int) -> tuple[float, float, float]:
    """(CPU s, wall s, peak MB) of :func:`child` in a fresh process."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", "--needs", str(n_needs), "--resources", str(n_resources)],
        capture_output=True,
        text=True,
        check=True,
    )
    cpu, wall, peak = (float(x) for x in out.stdout.split())
    return cpu, wall, peak


def growth(sizes: list[int]) -> None:
    """End-to-end CPU, wall and peak per size in fresh processes; the growth exponent of CPU time."""
    cpus = []
    for n in sizes:
        cpu, wall, peak = fresh_process(n, n // 5)
        cpus.append(cpu)
        print(
            f"{n:,} needs x {n // 5:,} resources: end-to-end CPU {cpu:.2f} s, wall {wall:.2f} s, "
            f"peak memory {peak:,.0f} MB (fresh process: build instance + end-to-end once)",
            flush=True,
        )
    exponent = math.log(cpus[-1] / cpus[0]) / math.log(sizes[-1] / sizes[0])
    print(f"growth exponent of end-to-end CPU time from {sizes[0]:,} to {sizes[-1]:,} needs: {exponent:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--needs", type=int, default=100_000)
    parser.add_argument("--resources", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--nx-needs", type=int, default=5_000)
    parser.add_argument("--nx-resources", type=int, default=1_000)
    parser.add_argument(
        "--growth",
        type=int,
        nargs="+",
        metavar="NEEDS",
        help="instead: end-to-end per size (needs, needs/5 resources) and the growth exponent",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.needs, args.resources)
        return
    if args.growth:
        growth(args.growth)
        return

    start = time.perf_counter()
    problem = city(args.needs, args.resources)
    made = time.perf_counter() - start
    arrays = network(problem)
    print(
        f"instance: {args.needs:,} needs x {args.resources:,} resources, {len(problem.communities):,} communities; "
        f"value objects built in {made:.2f} s; per-need network {arrays[5]:,} arcs"
    )
    e2e, raw = [], []
    for i in range(args.repeat):
        wall, cpu, served, pairs, objective = end_to_end(problem)
        raw_wall, raw_cpu, cost = bare(arrays)
        assert objective == -cost, (objective, cost)
        e2e.append((wall, cpu))
        raw.append((raw_wall, raw_cpu))
        print(
            f"  run {i + 1}: end-to-end CPU {cpu:.2f} s (wall {wall:.2f} s), bare min-cost flow CPU {raw_cpu:.2f} s "
            f"(wall {raw_wall:.2f} s), CPU ratio {cpu / raw_cpu:.2f} (wall ratio {wall / raw_wall:.2f}); "
            f"{pairs:,} candidate pairs, {served:,} needs served, same optimum {objective:,}",
            flush=True,
        )
    for name, k in (("CPU", 1), ("wall", 0)):
        m_e2e, m_raw = statistics.median(x[k] for x in e2e), statistics.median(x[k] for x in raw)
        per_run = statistics.median(a[k] / b[k] for a, b in zip(e2e, raw))
        print(
            f"{name}: median end-to-end {m_e2e:.2f} s; median bare OR-Tools call {m_raw:.2f} s; "
            f"ratio of medians {m_e2e / m_raw:.2f}; median of per-run ratios {per_run:.2f}"
        )
    _, _, peak = fresh_process(args.needs, args.resources)
    print(f"peak memory (max RSS of a fresh process: build instance + end-to-end once): {peak:,.0f} MB")
    print(networkx_ratio(args.nx_needs, args.nx_resources, args.repeat))


if __name__ == "__main__":
    main()
