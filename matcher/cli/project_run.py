"""``matcher run`` on a scenario with projects: ordering (点单), claiming (认领) and serving
needs decided together; prints orders, claims, needs served, unclaimed orders and station
popularity, and writes projects.json with CSV tables."""

from __future__ import annotations

import argparse
from pathlib import Path

from matcher.io.scenario import Scenario
from matcher.policy import Policy
from matcher.projects import solve_projects


def run_projects(args: argparse.Namespace, scenario: Scenario, policy: Policy) -> int:
    result = solve_projects(scenario.problem, policy, time_limit=args.time_limit, workers=args.workers,
                            seed=args.seed, engine=args.engine)
    print(result.summary())
    out = Path(args.out) if args.out else Path("results") / scenario.problem.name
    written = result.write(out)
    print(f"\nWrote {len(written)} files to {out}/: " + ", ".join(p.name for p in written))
    return 0
