"""One lab run: a (possibly perturbed) problem solved under one policy and seed, measured.

Seeds: seed 0 is the scenario as written. Seed s >= 1 perturbs it reproducibly: with
``numpy.random.default_rng(s)`` every resource's task capacity moves by -1, 0 or +1 (probability
1/4, 1/2, 1/4; never below 1) — a volunteer who has a busy or a free week — and s is also CP-SAT's
random seed.
"""

from __future__ import annotations

import dataclasses
import json
import time
from importlib.metadata import version
from typing import Any

import numpy as np

import matcher
from matcher.dispatch.replay import ReplaySettings
from matcher.errors import FieldError
from matcher.lab.metrics import measure
from matcher.policy import Policy
from matcher.problem import Problem
from matcher.projects.dispatch import solve_problem
from matcher.result import Result
from matcher.solvers.params import SolveParams

#: The installed OR-Tools release, recorded beside each run.
ORTOOLS_VERSION = version("ortools")


def perturb(problem: Problem, seed: int) -> Problem:
    """The problem with each resource's task capacity jittered by seed ``seed`` (0: unchanged)."""
    if seed == 0:
        return problem
    rng = np.random.default_rng(seed)
    steps = rng.choice([-1, 0, 0, 1], size=len(problem.resources))
    resources = tuple(
        dataclasses.replace(r, capacity_tasks=max(1, r.capacity_tasks + int(d))) if d else r
        for r, d in zip(problem.resources, steps.tolist(), strict=True)
    )
    return dataclasses.replace(problem, resources=resources)


def policy_fields(policy: Policy) -> dict[str, Any]:
    """The policy as plain data (for tables and run keys)."""
    return {
        f.name: (dict(v) if isinstance(v := getattr(policy, f.name), dict) else v) for f in dataclasses.fields(policy)
    }


#: The lab's search parameters unless given: one worker, so a run is repeatable.
LAB_PARAMS = SolveParams(workers=1)


def _refuse_projects(problem: Problem) -> None:
    if problem.has_projects:
        raise FieldError(
            "scenario",
            "the policy lab compares direct matchings; this scenario orders projects "
            "(use matcher run for the project model)",
        )


def solve_run(
    problem: Problem,
    policy: Policy,
    seed: int,
    *,
    solver: str = "auto",
    params: SolveParams = LAB_PARAMS,
) -> Result:
    """Solve the seed's perturbation of ``problem`` under ``policy``, the seed also the engine's
    (through the one dispatch of every command; the lab measures direct matching, so a scenario
    with projects is refused)."""
    _refuse_projects(problem)
    result = solve_problem(
        perturb(problem, seed),
        policy,
        solver=solver,
        params=dataclasses.replace(params, seed=seed),
    )
    assert isinstance(result, Result)
    return result


def record(
    result: Result,
    seed: int,
    params: SolveParams,
    metrics: list[str] | None = None,
) -> dict[str, Any]:
    """One table row: run identity, metrics, solver parameters and versions."""
    return {
        "scenario": result.problem.name,
        "policy": result.policy.name,
        "seed": seed,
        **measure(result, metrics),
        "solver": result.solver,
        "status": str(result.solution.status),
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
        "phases": "; ".join(f"{p.name} {p.objective} ({p.status})" for p in result.solution.phases),
        "phases_proven": all(p.status == "optimal" for p in result.solution.phases),
        "violations": len(result.solution.violations),
        "policy_fields": json.dumps(policy_fields(result.policy), sort_keys=True),
        "solver_parameters": json.dumps(
            {
                "solver": result.solver,
                "note": result.solver_note,
                "engine": params.engine,
                "time_limit": params.time_limit,
                "workers": params.workers,
                "deterministic_time": params.deterministic_time,
                "random_seed": seed,
            },
            sort_keys=True,
        ),
        "matcher_version": matcher.__version__,
        "ortools_version": ORTOOLS_VERSION,
        "wall_time": round(result.wall_time, 4),
    }


def lab_run(
    problem: Problem,
    policy: Policy,
    seed: int,
    *,
    solver: str = "auto",
    params: SolveParams = LAB_PARAMS,
    metrics: list[str] | None = None,
    replay: ReplaySettings | None = None,
) -> tuple[Result, dict[str, Any]]:
    """One run and its row: the seed's problem solved at once, or with ``replay`` its arrivals
    (the stream of that seed) replayed through the dispatcher (:mod:`matcher.lab.replays`)."""
    if replay is None:
        result = solve_run(problem, policy, seed, solver=solver, params=params)
        return result, record(result, seed, params, metrics)
    from matcher.lab.replays import replay_figures, replay_run

    _refuse_projects(problem)
    result, replayed = replay_run(
        perturb(problem, seed),
        policy,
        seed,
        replay,
        time_limit=params.time_limit,
        deterministic_time=params.deterministic_time,
    )
    row = {**record(result, seed, params, metrics), **replay_figures(replayed)}
    parameters = json.loads(row["solver_parameters"])
    row["solver_parameters"] = json.dumps({**parameters, "replay": replay.to_dict()}, sort_keys=True)
    return result, row


def measure_run(
    problem: Problem,
    policy: Policy,
    seed: int,
    *,
    solver: str = "auto",
    params: SolveParams = LAB_PARAMS,
    metrics: list[str] | None = None,
    replay: ReplaySettings | None = None,
) -> dict[str, Any]:
    """:func:`lab_run`'s row; a failure becomes a row with its error instead of an exception."""
    start = time.perf_counter()
    try:
        _, row = lab_run(problem, policy, seed, solver=solver, params=params, metrics=metrics, replay=replay)
    except Exception as exc:  # a failing run is recorded, the sweep goes on
        return {
            "scenario": problem.name,
            "policy": policy.name,
            "seed": seed,
            "error": f"{type(exc).__name__}: {exc}",
            "wall_time": round(time.perf_counter() - start, 4),
            "policy_fields": json.dumps(policy_fields(policy), sort_keys=True),
            "matcher_version": matcher.__version__,
            "ortools_version": ORTOOLS_VERSION,
        }
    return {**row, "error": ""}
