"""Start-up cost of the command line: CPU and wall time of ``matcher --help`` (issue 14, item 9).

Each run is a fresh ``python -m matcher --help`` process; its CPU time (user + system) is read
from the children's resource usage. Prints every run and the medians.

    python bench/bench_startup.py            # 10 runs
    python bench/bench_startup.py --runs 20 --args run --help
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def one_run(args: list[str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one ``python -m matcher ARGS`` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-m", "matcher", *args], check=True, capture_output=True, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--args", nargs=argparse.REMAINDER, default=["--help"], help="the matcher arguments")
    args = parser.parse_args()
    cpu, wall = [], []
    for i in range(args.runs):
        c, w = one_run(args.args)
        cpu.append(c)
        wall.append(w)
        print(f"  run {i + 1}: CPU {c:.3f} s, wall {w:.3f} s")
    print(
        f"matcher {' '.join(args.args)}: median CPU {statistics.median(cpu):.3f} s, "
        f"median wall {statistics.median(wall):.3f} s over {args.runs} runs"
    )


if __name__ == "__main__":
    main()
