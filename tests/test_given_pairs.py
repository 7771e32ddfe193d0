"""The researcher's own data: explicit pairs (replace or restrict), travel minutes as given, and
required needs — against answers worked out from the listed numbers alone."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import openpyxl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import matcher.travel
from matcher.candidates import VALUE_SCALE, build_candidates
from matcher.domain import Budget, Community, GivenPair, Need, Project, Resource, Settings, TravelTime
from matcher.errors import InfeasibleError, ScenarioError, SolverUnsuitableError
from matcher.io.scenario import load_scenario
from matcher.policy import Policy
from matcher.problem import Problem
from matcher.projects import solve_projects
from matcher.solvers import solve
from matcher.solvers.params import SolveParams


def rec(cls, **fields):
    return cls.from_record(fields)


def _best_assignment(costs: np.ndarray, loads: np.ndarray, hours: list[int], required: bool) -> int | None:
    """Σ (100 - cost) over the best assignment of jobs to agents within their minutes, by
    enumeration (each job to one agent, or to none when not required); None when none fits."""
    jobs, agents = costs.shape
    best = None
    choices = range(agents) if required else range(-1, agents)
    for pick in itertools.product(choices, repeat=jobs):
        used = [0] * agents
        for j, i in enumerate(pick):
            if i >= 0:
                used[i] += loads[j, i]
        if any(u > h for u, h in zip(used, hours, strict=True)):
            continue
        value = sum(100 - costs[j, i] for j, i in enumerate(pick) if i >= 0)
        best = value if best is None else max(best, value)
    return best


@st.composite
def gap_instances(draw: st.DrawFn):
    jobs, agents = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    costs = np.array(draw(st.lists(st.integers(1, 120), min_size=jobs * agents, max_size=jobs * agents)))
    loads = np.array(draw(st.lists(st.integers(1, 60), min_size=jobs * agents, max_size=jobs * agents)))
    hours = draw(st.lists(st.integers(0, 120), min_size=agents, max_size=agents))
    return costs.reshape(jobs, agents), loads.reshape(jobs, agents), hours, draw(st.booleans())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instance=gap_instances())
def test_listed_pairs_reach_the_enumerated_optimum(instance):
    """A generalized assignment as a pairs scenario: the MIP's optimum is the enumeration's, and
    with every job required an instance no assignment fits is infeasible, naming a job."""
    costs, loads, hours, required = instance
    problem = Problem.build(
        [rec(Community, id="C", x=0, y=0)],
        [rec(Need, id=f"J{j}", community="C", category="health", required=required) for j in range(costs.shape[0])],
        [
            rec(Resource, id=f"A{i}", kind="volunteer", community="C", categories="legal", capacity_hours=h / 60)
            for i, h in enumerate(hours)
        ],
        pairs=[
            rec(GivenPair, need=f"J{j}", resource=f"A{i}", value=100 - costs[j, i], load_minutes=loads[j, i])
            for j, i in np.ndindex(*costs.shape)
        ],
    )
    best = _best_assignment(costs, loads, hours, required)
    if best is None:
        with pytest.raises(InfeasibleError, match=r"required need J\d is served"):
            solve(problem, solver="mip", params=SolveParams(time_limit=10))
        return
    result = solve(problem, solver="mip", params=SolveParams(time_limit=10, gap=0.0))
    assert result.solution.objective == best * VALUE_SCALE


def _two_by_two(mode: str, **pair_fields) -> Problem:
    """Needs h (health, C1) and l (legal, C2); resources d (health, C1) and v (legal, C2, 8 km
    away from C1); pairs d->h, v->h, d->l listed, each with ``pair_fields``."""
    return Problem.build(
        [rec(Community, id="C1", x=0, y=0), rec(Community, id="C2", x=2, y=0)],
        [
            rec(Need, id="h", community="C1", category="health", hours=1),
            rec(Need, id="l", community="C2", category="legal", hours=1),
        ],
        [
            rec(Resource, id="d", kind="volunteer", community="C1", categories="health", radius_minutes=60),
            rec(Resource, id="v", kind="volunteer", community="C2", categories="legal", radius_minutes=60),
        ],
        pairs=[rec(GivenPair, need=n, resource=r, **pair_fields) for n, r in (("h", "d"), ("h", "v"), ("l", "d"))],
        settings=rec(Settings, pairs_mode=mode),
    )


def test_replace_takes_every_listed_pair_and_restrict_only_those_the_rules_allow():
    """The rules allow d->h and v->l; listed are d->h, v->h, d->l. Replace: the three listed;
    restrict: d->h alone (v->l is not listed, the others break the category rule)."""
    policy = Policy()
    for mode, expected in (("replace", {("h", "d"), ("h", "v"), ("l", "d")}), ("restrict", {("h", "d")})):
        problem = _two_by_two(mode, load_minutes=30)
        c = build_candidates(problem, policy)
        a = problem.arrays
        assert {(a.need_ids[n], a.resource_ids[r]) for n, r in zip(c.need, c.resource, strict=True)} == expected
        assert (c.load == 30).all()


def test_listed_fields_replace_the_computed_ones():
    """Travel minutes as listed price the pair (the usual value, less the travel price of the
    listed minutes) and set its arrival; a cost comes off the need's base value; a value is
    taken as it is."""
    policy = Policy()
    base = policy.tier_weights["basic"] * policy.urgency_weights["normal"]
    c = build_candidates(_two_by_two("replace", travel_minutes=50), policy)
    assert c.minutes.tolist() == [50, 50, 50]
    assert (c.arrival == 50).all()  # volunteers set off at once
    # d->h is local (locality bonus), v->h and d->l are not; all pay 50 minutes at travel_cost
    fit = [1 + policy.locality_bonus, 1, 1]
    assert c.value.tolist() == [round((base * f - policy.travel_cost * 50) * VALUE_SCALE) for f in fit]
    c = build_candidates(_two_by_two("replace", cost=1.5), policy)
    assert c.value.tolist() == [round((base - 1.5) * VALUE_SCALE)] * 3
    c = build_candidates(_two_by_two("replace", value=2.25), policy)
    assert c.value.tolist() == [225] * 3


def test_a_required_need_is_served_at_a_loss_and_flow_refuses():
    """One volunteer with one task: n1 (floor, near) is worth more, but n2 is required, so the
    plan serves n2; flow cannot express the rule and says so; greedy lists what it leaves."""
    problem = Problem.build(
        [rec(Community, id="A", x=0, y=0), rec(Community, id="B", x=10, y=0)],
        [
            rec(Need, id="n1", community="A", category="health", tier="floor"),
            rec(Need, id="n2", community="B", category="health", required=True),
        ],
        [
            rec(
                Resource,
                id="r",
                kind="volunteer",
                community="A",
                categories="health",
                radius_minutes=60,
                capacity_tasks=1,
            )
        ],
    )
    result = solve(problem)
    assert result.solver == "mip"
    served = {problem.needs[n].id for n in result.candidates.need[result.solution.chosen]}
    assert served == {"n2"}
    with pytest.raises(SolverUnsuitableError, match="1 required need"):
        solve(problem, solver="flow")
    greedy = solve(problem, solver="greedy")  # required needs first
    assert {problem.needs[n].id for n in greedy.candidates.need[greedy.solution.chosen]} == {"n2"}
    assert greedy.solution.violations == ()


def test_a_required_need_no_one_can_serve_makes_the_plan_infeasible_naming_it():
    problem = Problem.build(
        [rec(Community, id="A", x=0, y=0)],
        [rec(Need, id="lonely", community="A", category="legal", required=True)],
        [rec(Resource, id="r", kind="volunteer", community="A", categories="health")],
    )
    with pytest.raises(InfeasibleError, match="required need lonely is served"):
        solve(problem)
    assert "required need lonely not served" in solve(problem, solver="greedy").solution.violations


def _line(n: int) -> list[Community]:
    return [rec(Community, id=f"C{i}") for i in range(n)]


def test_a_complete_travel_list_is_used_as_given_without_shortest_paths(monkeypatch):
    """Every ordered pair listed (some one way only: the reverse takes the same minutes), one
    asymmetric; the minutes are the listed ones and no shortest-path search runs."""
    monkeypatch.setattr(matcher.travel, "dijkstra", lambda *a, **k: pytest.fail("shortest paths computed"))
    rows = [("C0", "C1", 7), ("C1", "C0", 9), ("C0", "C2", 30), ("C1", "C2", 12)]
    problem = Problem.build(
        _line(3), [], [], travel=[rec(TravelTime, origin=o, destination=d, minutes=m) for o, d, m in rows]
    )
    t = problem.arrays.travel
    assert t.complete_table
    got = t.minutes(np.array([0, 1, 0, 2, 1, 2, 0]), np.array([1, 0, 2, 0, 2, 1, 0]))
    assert got.tolist() == [7, 9, 30, 30, 12, 12, problem.settings.intra_community_minutes]
    query, community, minutes = t.within(np.array([0, 2]), np.array([10.0, 12.0]))
    assert list(zip(query.tolist(), community.tolist(), minutes.tolist(), strict=True)) == [
        (0, 0, 5),
        (0, 1, 7),
        (1, 1, 12),
        (1, 2, 5),
    ]


def test_an_incomplete_travel_list_is_a_directed_graph():
    """C0->C1 5 and C1->C2 6 (both ways, by default) and C2->C0 40 one way with C0->C2 missing:
    C0 to C2 is 11 by C1, C2 to C0 is 11 too (back through C1 beats the direct 40)."""
    rows = [("C0", "C1", 5), ("C1", "C2", 6), ("C2", "C0", 40), ("C0", "C2", 50)]
    problem = Problem.build(
        _line(4), [], [], travel=[rec(TravelTime, origin=o, destination=d, minutes=m) for o, d, m in rows]
    )
    t = problem.arrays.travel
    assert not t.complete_table  # C3 is listed nowhere
    assert t.minutes(np.array([0, 2, 0, 3]), np.array([2, 0, 1, 0])).tolist() == [11, 11, 5, np.inf]


SCENARIO = """name: researcher
settings: {pairs_mode: replace}
communities: [{id: C1, x: 0, y: 0}, {id: C2, x: 1, y: 0}]
needs: needs.csv
resources: [{id: r1, kind: volunteer, community: C1, categories: health}]
pairs: pairs.csv
travel: travel.csv
"""


def _researcher(tmp_path: Path, pairs: str, travel: str = "出发社区,到达社区,分钟\nC1,C2,12\n") -> Path:
    (tmp_path / "scenario.yaml").write_text(SCENARIO, encoding="utf-8")
    (tmp_path / "needs.csv").write_text("编号,社区,类别,必须服务\nn1,C1,health,是\nn2,C2,health,否\n", encoding="utf-8")
    (tmp_path / "pairs.csv").write_text(pairs, encoding="utf-8")
    (tmp_path / "travel.csv").write_text(travel, encoding="utf-8")
    return tmp_path / "scenario.yaml"


def test_csv_and_xlsx_pairs_and_travel_read_alike(tmp_path: Path):
    """Chinese headers in CSV files, and the same lists as workbook sheets, give one problem."""
    path = _researcher(tmp_path, "需求,资源,费用,工作量（分钟）,路程分钟\nn1,r1,0.5,30,\nn2,r1,,45,20\n")
    problem = load_scenario(path).problem
    assert problem.needs[0].required and not problem.needs[1].required
    assert problem.pairs == (
        GivenPair("n1", "r1", cost=0.5, load_minutes=30),
        GivenPair("n2", "r1", load_minutes=45, travel_minutes=20),
    )
    assert problem.travel == (TravelTime("C1", "C2", 12),)
    book = openpyxl.Workbook()
    book.remove(book.active)
    for sheet, rows in (
        (
            "配对",
            [["需求", "资源", "费用", "工作量", "路程分钟"], ["n1", "r1", 0.5, 30, None], ["n2", "r1", None, 45, 20]],
        ),
        ("通行时间", [["from", "to", "minutes"], ["C1", "C2", 12]]),
    ):
        ws = book.create_sheet(sheet)
        for row in rows:
            ws.append(row)
    book.save(tmp_path / "lists.xlsx")
    doc = yaml.safe_load(SCENARIO)
    doc["pairs"], doc["travel"] = "lists.xlsx#配对", "lists.xlsx#通行时间"
    (tmp_path / "book.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    other = load_scenario(tmp_path / "book.yaml").problem
    assert (other.pairs, other.travel, other.needs) == (problem.pairs, problem.travel, problem.needs)


@pytest.mark.parametrize(
    "pairs,travel,expected",
    [
        ("need,resource\nn1,r9\n", None, "pairs.csv: row 2: field 'resource': unknown resource 'r9'"),
        ("need,resource\nn7,r1\n", None, "pairs.csv: row 2: field 'need': unknown need 'n7'"),
        ("need,resource,value,cost\nn1,r1,2,1\n", None, "pairs.csv: row 2: field 'cost': give a value or a cost"),
        (
            "need,resource,load_minutes\nn1,r1,-5\n",
            None,
            "pairs.csv: row 2: field 'load_minutes': must not be negative",
        ),
        ("need,resource\nn1,r1\nn1,r1\n", None, "pairs.csv: row 3: field 'resource': pair 'n1' -> 'r1' listed twice"),
        ("need,resource\n", "from,to,minutes\nC1,C9,4\n", "travel.csv: row 2: field 'destination': unknown community"),
        ("need,resource\n", "from,to,minutes\nC1,C2,x\n", "travel.csv: row 2: field 'minutes': expected a number"),
        ("need,resource\n", "from,to,minutes\nC1,C1,3\n", "travel.csv: row 2: field 'destination': the same community"),
        ("need,resource\n", "from,to\nC1,C2\n", "travel.csv: header: field 'minutes': missing column"),
    ],
)
def test_bad_pairs_and_travel_rows_are_named(tmp_path: Path, pairs, travel, expected):
    """Each bad row names its file, row and field."""
    path = _researcher(tmp_path, pairs, *([travel] if travel else []))
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert expected in str(err.value)


def test_a_bad_pairs_mode_is_named(tmp_path: Path):
    path = _researcher(tmp_path, "need,resource\nn1,r1\n")
    path.write_text(SCENARIO.replace("pairs_mode: replace", "pairs_mode: both"), encoding="utf-8")
    with pytest.raises(ScenarioError, match="settings: field 'pairs_mode': expected one of replace, restrict"):
        load_scenario(path)


def test_required_needs_are_refused_by_the_project_model():
    """The project model does not enforce required needs yet, and says so rather than ignore them."""
    problem = Problem.build(
        [rec(Community, id="A", x=0, y=0)],
        [rec(Need, id="n", community="A", category="health", required=True)],
        [rec(Resource, id="u", kind="unit", community="A", categories="health")],
        [rec(Project, id="P", name="p", category="health")],
        budgets=[rec(Budget, community="A", amount=5, max_orders=1)],
    )
    with pytest.raises(SolverUnsuitableError, match="required needs"):
        solve_projects(problem, time_limit=2)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instance=gap_instances())
def test_flow_on_listed_pairs_with_equal_loads_reaches_the_enumerated_optimum(instance):
    """With one load for every pair and nothing required, auto picks min-cost flow on the listed
    pairs (identical needs differ by their pairs now, so flow takes the per-need network), and it
    reaches the enumeration's optimum."""
    costs, _, hours, _ = instance
    loads = np.full(costs.shape, 30)
    problem = Problem.build(
        [rec(Community, id="C", x=0, y=0)],
        [rec(Need, id=f"J{j}", community="C", category="health") for j in range(costs.shape[0])],
        [
            rec(Resource, id=f"A{i}", kind="volunteer", community="C", categories="legal", capacity_hours=h / 60)
            for i, h in enumerate(hours)
        ],
        pairs=[
            rec(GivenPair, need=f"J{j}", resource=f"A{i}", value=100 - costs[j, i], load_minutes=30)
            for j, i in np.ndindex(*costs.shape)
        ],
    )
    result = solve(problem)
    assert result.solver == "flow"
    assert result.solution.objective == _best_assignment(costs, loads, hours, required=False) * VALUE_SCALE
