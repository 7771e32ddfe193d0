"""``explain`` explains a scenario as ``run`` solves it: with projects, through the project model,
so its bound is never below what ``run`` serves (it ignored projects and said 93 where run
served 166 in Taizhou)."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings

from matcher.cli import main
from matcher.network.diagnostics import diagnose, diagnose_projects
from matcher.problem import Problem
from matcher.projects.dispatch import solve_problem
from matcher.projects.result import ProjectResult
from matcher.solvers.params import SolveParams
from tests.project_cases import small_problems
from tests.test_projects_io import SCENARIOS

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _explain(problem: Problem):
    result = solve_problem(problem, params=SolveParams(time_limit=5, workers=1))
    if isinstance(result, ProjectResult):
        return result, diagnose_projects(result, bottlenecks=2)
    return result, diagnose(result, bottlenecks=2)


@FAST
@given(problem=small_problems())
def test_explain_bound_never_below_what_run_serves_with_projects(problem):
    """Random small project problems: the bound explain prints is at least the needs run serves,
    and every unserved need has exactly one reason."""
    result, diagnosis = _explain(problem)
    served = int(result.served.sum())
    assert diagnosis.bound.max_served >= served
    assert diagnosis.served == served
    assert int((diagnosis.reasons != "").sum()) == len(problem.needs) - served


@FAST
@given(problem=small_problems())
def test_explain_bound_never_below_what_run_serves_without_projects(problem):
    """The same problems with the project lists dropped go through the core; the same holds."""
    plain = Problem.build(problem.communities, problem.needs, problem.resources, [], problem.pairings)
    result, diagnosis = _explain(plain)
    assert not isinstance(result, ProjectResult)
    assert diagnosis.bound.max_served >= result.n_served == diagnosis.served


def test_taizhou_explain_bound_covers_what_run_serves(capsys):
    """Taizhou: explain's 'at most N servable' is at least run's 'Needs served' (it said 93 < 166)."""
    path = str(SCENARIOS / "taizhou" / "scenario.yaml")
    assert main(["run", path, "--time-limit", "10", "--out", "/tmp/matcher-test-taizhou-explain"]) == 0
    served = int(re.search(r"Needs served: (\d+)", capsys.readouterr().out).group(1))
    assert main(["explain", path, "--time-limit", "10", "--bottlenecks", "2"]) == 0
    out = capsys.readouterr().out
    bound = int(re.search(r"at most (\d+) servable", out).group(1))
    assert bound >= served > 93
    assert "budget" in out
