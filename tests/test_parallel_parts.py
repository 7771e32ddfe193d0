"""Independent parts solved apart (分块) equal the whole solve: against brute force and the whole
solve on small problems, serially and on a 2-worker Dask cluster."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher.candidates import VALUE_SCALE, build_candidates
from matcher.cli import main
from matcher.errors import InfeasibleError
from matcher.parallel.cluster import OnDask, Serial, close, connect
from matcher.parallel.components import groups, solve_in_parts
from matcher.policy import Policy, get_policy
from matcher.projects.solve import solve_projects
from matcher.solvers import solve
from matcher.solvers.params import SolveParams
from tests import reference
from tests.lab_problems import random_problem
from tests.project_cases import small_problems
from tests.project_oracle import optimum
from tests.strategies import problems

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
POLICIES = st.sampled_from(
    [
        get_policy("default"),
        get_policy("pairing-strict"),
        get_policy("locality-first"),
        get_policy({"preset": "default", "min_community_share": 0.5}),
    ]
)


def _or_infeasible(run):
    try:
        return run()
    except InfeasibleError:
        return None


@SETTINGS
@given(problems(), POLICIES, st.integers(1, 4))
def test_parts_equal_brute_force(problem, policy, n_groups):
    """The summed parts reach the brute-force optimum, proven, and keep every hard rule."""
    best = reference.brute_force(problem, policy)
    result = _or_infeasible(
        lambda: solve_in_parts(
            problem, policy, Serial(n_groups), solver="mip", params=SolveParams(time_limit=10, workers=1)
        )
    )
    if best is None:
        assert result is None
        return
    assert result is not None and result.solution.status == "optimal"
    assert result.solution.objective == best
    chosen = [
        reference.pair_of(problem, policy, n, problem.needs[n], r, problem.resources[r])
        for n, r in zip(result.pair_need.tolist(), result.pair_resource.tolist())
    ]
    assert all(p is not None for p in chosen) and reference.feasible(problem, policy, chosen)


def _two_towns(seed: int):
    """Two copies of a random problem far apart: at least two components."""
    a = random_problem(seed, communities=3, needs=12, resources=5)
    far = {c.id: dataclasses.replace(c, id=c.id + "b", x=c.x + 500) for c in a.communities}
    b_needs = tuple(dataclasses.replace(n, id=n.id + "b", community=n.community + "b") for n in a.needs)
    b_res = tuple(dataclasses.replace(r, id=r.id + "b", community=r.community + "b") for r in a.resources)
    b_pairs = tuple(dataclasses.replace(p, community=p.community + "b") for p in a.pairings)
    return dataclasses.replace(
        a,
        communities=a.communities + tuple(far.values()),
        needs=a.needs + b_needs,
        resources=a.resources + b_res,
        pairings=a.pairings + b_pairs,
    )


@pytest.mark.parametrize(("seed", "preset"), [(0, "pairing-strict"), (1, "load-balanced"), (2, "urgency-first")])
def test_parts_equal_the_whole_solve(seed, preset):
    """Objective and status of the split solve equal the whole solve's (load balancing has no
    brute-force reference: the whole solve is the independent answer)."""
    problem = _two_towns(seed)
    policy = get_policy(preset)
    packed = groups(problem, build_candidates(problem, policy), policy, 2)
    assert len(packed) == 2
    whole = solve(problem, policy, solver="mip", params=SolveParams(time_limit=20, workers=1))
    parts = solve_in_parts(problem, policy, Serial(2), solver="mip", params=SolveParams(time_limit=20, workers=1))
    assert parts.solution.status == whole.solution.status == "optimal"
    assert parts.solution.objective == whole.solution.objective
    assert "2 group(s)" in parts.solver_note


def test_equity_is_solved_whole_and_says_why():
    problem = _two_towns(0)
    result = solve_in_parts(problem, "equity", Serial(2), params=SolveParams(time_limit=20, workers=1))
    whole = solve(problem, "equity", params=SolveParams(time_limit=20, workers=1))
    assert "cannot split" in result.solver_note
    assert result.solution.objective == whole.solution.objective


def test_parts_on_a_local_dask_cluster_equal_serial_parts():
    problem = _two_towns(3)
    client = connect(None, n_workers=2)
    try:
        client.wait_for_workers(2)
        on_dask = solve_in_parts(
            problem, "default", OnDask(client), solver="mip", params=SolveParams(time_limit=20, workers=1)
        )
    finally:
        close(client, own_cluster=True)
    serial = solve_in_parts(problem, "default", Serial(2), solver="mip", params=SolveParams(time_limit=20, workers=1))
    assert "Dask (2 workers" in on_dask.solver_note
    assert on_dask.solution.objective == serial.solution.objective
    assert on_dask.solution.bound == serial.solution.bound
    assert on_dask.solution.chosen.tolist() == serial.solution.chosen.tolist()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=small_problems(max_needs=4, categories=("health",), with_venues=True, with_minimums=True))
def test_project_parts_on_an_executor_reach_the_oracle_optimum(problem):
    """The project model's parts, each a task with its fixed share, prove the optimum of the
    independent oracle (tests/project_oracle.py). The limit is generous: with 10 s, runs of this
    file on the loaded machine twice refused a case the oracle solves (InfeasibleError naming a
    hard pairing minimum); not reproduced in isolation, cause not found."""
    policy = Policy()
    best = optimum(problem, policy)
    if best is None:
        return
    if best == "infeasible":
        with pytest.raises(InfeasibleError):
            solve_projects(problem, policy, time_limit=60, workers=1, gap=0.0, executor=Serial(2))
        return
    result = solve_projects(problem, policy, time_limit=60, workers=1, gap=0.0, executor=Serial(2))
    assert result.status == "optimal"
    first, value = best
    assert round(result.objective * VALUE_SCALE) == value
    assert int((result.plan.running & result.space.order_given).sum()) == first


def _objective_and_bound(printed: str) -> list[str]:
    """'objective 1,181.650', 'bound 1,181.670' from a run's status line."""
    line = next(x for x in printed.splitlines() if x.startswith("Status"))
    return [part.strip() for part in line.split(";")[1:3]]


def test_run_with_parallel_parts_equals_the_plain_run(tmp_path, capsys):
    """matcher run --parallel-parts 2 on a project scenario (a local cluster) gives the plain run's
    objective and bound, and says where the parts ran."""
    scenario = str(ROOT / "scenarios" / "pudong-street" / "scenario.yaml")
    assert main(["run", scenario, "--out", str(tmp_path / "plain")]) == 0
    plain = capsys.readouterr().out
    assert main(["run", scenario, "--parallel-parts", "2", "--out", str(tmp_path / "dask")]) == 0
    on_dask = capsys.readouterr().out
    assert _objective_and_bound(plain) == _objective_and_bound(on_dask)
    assert "solved on Dask (2 workers" in on_dask


def test_run_refuses_a_bad_part_count(capsys):
    scenario = str(ROOT / "scenarios" / "pudong-street" / "scenario.yaml")
    assert main(["run", scenario, "--parallel-parts", "0"]) == 2
    assert "--parallel-parts" in capsys.readouterr().err
