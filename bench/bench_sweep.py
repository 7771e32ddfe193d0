"""Benchmark: a sweep of Zhangjiang runs on a 2-worker LocalCluster against the same sweep serially.

Prints, per repetition and as medians: the serial and cluster wall times, the cluster's start-up
time (not counted in its wall time), the speed-up ratio, and the overhead per run on the cluster:
``(workers x cluster wall - sum of the runs' own times) / runs`` (scheduling, transfer, idle tail).
It also checks that the two tables agree apart from timings (reproducibility). Repetitions
alternate which sweep goes first, and print the load average, since the machine is shared.

    python bench/bench_sweep.py [--seeds 40] [--deterministic-time 0.1] [--repeat 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import yaml

from matcher.lab import sweep

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "zhangjiang" / "scenario.yaml"
POLICIES = ["efficiency", "pairing-soft", "urgency-first", "locality-first", "stable"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=40, help="seeds per policy (5 policies; default 40 = 200 runs)")
    parser.add_argument("--deterministic-time", type=float, default=0.1, help="CP-SAT work bound per run")
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster workers (default 2)")
    parser.add_argument("--repeat", type=int, default=1, help="repetitions (medians are printed)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        spec = _spec(folder / "spec.yaml", args.seeds, args.deterministic_time)
        runs = len(spec.runs())
        print(
            f"Sweep of {runs} Zhangjiang runs ({len(POLICIES)} policies x {args.seeds} seeds; CP-SAT 1 worker, "
            f"deterministic time {args.deterministic_time}); LocalCluster of {args.workers} workers"
        )
        figures: dict[str, list[float]] = {k: [] for k in ("serial", "startup", "cluster", "speedup", "overhead")}
        for rep in range(args.repeat):
            load_before = os.getloadavg()[0]
            if rep % 2:
                cluster, cluster_wall, startup = _on_cluster(spec, folder / f"cluster{rep}", args.workers)
                serial, serial_wall = _serial(spec, folder / f"serial{rep}")
            else:
                serial, serial_wall = _serial(spec, folder / f"serial{rep}")
                cluster, cluster_wall, startup = _on_cluster(spec, folder / f"cluster{rep}", args.workers)
            busy = float(cluster.table["wall_time"].sum())
            overhead = (args.workers * cluster_wall - busy) / runs
            same = serial.table.drop(columns="wall_time").equals(cluster.table.drop(columns="wall_time"))
            for key, value in (
                ("serial", serial_wall),
                ("startup", startup),
                ("cluster", cluster_wall),
                ("speedup", serial_wall / cluster_wall),
                ("overhead", overhead),
            ):
                figures[key].append(value)
            print(
                f"  rep {rep + 1}: serial {serial_wall:.1f} s ({serial_wall / runs:.3f} s/run); cluster "
                f"{cluster_wall:.1f} s + start-up {startup:.1f} s; speed-up {serial_wall / cluster_wall:.2f}x; "
                f"overhead {overhead * 1000:.0f} ms/run; failed {serial.failed}/{cluster.failed}; "
                f"tables equal apart from timings: {same}; load average {load_before:.1f} -> "
                f"{os.getloadavg()[0]:.1f}"
            )
        med = {k: statistics.median(v) for k, v in figures.items()}
        print(
            f"Median of {args.repeat}: serial {med['serial']:.1f} s, cluster {med['cluster']:.1f} s "
            f"(+{med['startup']:.1f} s start-up), speed-up {med['speedup']:.2f}x, "
            f"overhead per run {med['overhead'] * 1000:.0f} ms"
        )


def _spec(path: Path, seeds: int, deterministic_time: float) -> sweep.SweepSpec:
    """The sweep's spec, written to ``path`` and read back as ``matcher sweep`` reads one."""
    path.write_text(
        yaml.safe_dump(
            {
                "name": "bench",
                "scenarios": [str(SCENARIO)],
                "policies": POLICIES,
                "seeds": seeds,
                "deterministic_time": deterministic_time,
                "time_limit": 60,
                "workers": 1,
            }
        ),
        encoding="utf-8",
    )
    return sweep.load_spec(path)


def _serial(spec: sweep.SweepSpec, out: Path) -> tuple[sweep.SweepReport, float]:
    start = time.perf_counter()
    report = sweep.run_sweep(spec, out, None, progress=False)
    return report, time.perf_counter() - start


def _on_cluster(spec: sweep.SweepSpec, out: Path, workers: int) -> tuple[sweep.SweepReport, float, float]:
    start = time.perf_counter()
    client = sweep.connect(None, n_workers=workers)
    client.wait_for_workers(workers)
    startup = time.perf_counter() - start
    try:
        start = time.perf_counter()
        report = sweep.run_sweep(spec, out, client, progress=False)
        return report, time.perf_counter() - start, startup
    finally:
        local = client.cluster
        client.close()
        local.close()


if __name__ == "__main__":
    main()
