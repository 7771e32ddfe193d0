"""Benchmark of the flow path (issue: 100,000 needs x 20,000 resources, ~2 million pairs).

Prints, as medians over --repeat runs measured in this one process:
- end-to-end: compile the lists to arrays, build candidates, build the network, solve with
  OR-Tools min-cost flow, count served needs (``matcher.solvers.solve(problem, solver="flow")``);
- bare: the OR-Tools SimpleMinCostFlow call alone on the same arc arrays;
- their ratio (the overhead of the model);
- peak memory (max RSS) of a fresh process that builds the instance and runs end-to-end once;
- networkx's min-cost flow against ours on a smaller instance it can finish, as a ratio.

    python bench/bench_flow.py                     # the issue's size
    python bench/bench_flow.py --needs 20000 --resources 4000 --repeat 3
"""

from __future__ import annotations

import argparse
import dataclasses
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


def end_to_end(problem: Problem) -> tuple[float, int, int]:
    start = time.perf_counter()
    result = solve(fresh(problem), solver="flow")
    served = result.n_served
    return time.perf_counter() - start, served, len(result.candidates)


def network(problem: Problem):  # type: ignore[no-untyped-def]
    policy = get_policy()
    candidates = build_candidates(problem, policy)
    capacity, _ = effective_task_capacity(problem, candidates)
    a = problem.arrays
    return flow_arrays(a.n_needs, a.n_resources, candidates.need, candidates.resource, candidates.value, capacity)


def bare(arrays) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    cost, _ = solve_min_cost_flow(*arrays[:5])
    return time.perf_counter() - start, cost


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
    ortools_cost = bare((tails, heads, caps, costs, supplies))[1]
    assert nx_cost == ortools_cost, (nx_cost, ortools_cost)
    o, t = statistics.median(ours), statistics.median(theirs)
    return (f"networkx min_cost_flow at {n_needs:,} needs x {n_resources:,} resources ({len(tails):,} arcs): "
            f"networkx {t:.2f} s, matcher end-to-end {o:.3f} s, ratio {t / o:.1f}x (same optimal cost {nx_cost})")


def child(n_needs: int, n_resources: int) -> None:
    """Run once in this process and print the peak RSS (used through a subprocess)."""
    problem = city(n_needs, n_resources)
    end_to_end(problem)
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--needs", type=int, default=100_000)
    parser.add_argument("--resources", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--nx-needs", type=int, default=5_000)
    parser.add_argument("--nx-resources", type=int, default=1_000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.needs, args.resources)
        return

    start = time.perf_counter()
    problem = city(args.needs, args.resources)
    made = time.perf_counter() - start
    arrays = network(problem)
    print(f"instance: {args.needs:,} needs x {args.resources:,} resources, {len(problem.communities):,} communities; "
          f"value objects built in {made:.2f} s")
    e2e, raw = [], []
    for i in range(args.repeat):
        t_e2e, served, pairs = end_to_end(problem)
        t_raw, _ = bare(arrays)
        e2e.append(t_e2e)
        raw.append(t_raw)
        print(f"  run {i + 1}: end-to-end {t_e2e:.2f} s, bare min-cost flow {t_raw:.2f} s, ratio {t_e2e / t_raw:.2f} "
              f"({pairs:,} candidate pairs, {served:,} needs served)", flush=True)
    m_e2e, m_raw = statistics.median(e2e), statistics.median(raw)
    print(f"median end-to-end {m_e2e:.2f} s; median bare OR-Tools call {m_raw:.2f} s; "
          f"ratio of medians {m_e2e / m_raw:.2f}; median of per-run ratios "
          f"{statistics.median(a / b for a, b in zip(e2e, raw)):.2f}")
    peak = subprocess.run([sys.executable, __file__, "--child", "--needs", str(args.needs),
                           "--resources", str(args.resources)], capture_output=True, text=True, check=True)
    print(f"peak memory (max RSS of a fresh process: build instance + end-to-end once): "
          f"{float(peak.stdout.strip()):,.0f} MB")
    print(networkx_ratio(args.nx_needs, args.nx_resources, args.repeat))


if __name__ == "__main__":
    main()
