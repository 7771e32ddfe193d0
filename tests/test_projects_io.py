"""Scenario files with orders, claims, venues and budgets: bad records named with exit code 2,
the checked-in Pudong and Taizhou scenarios, their generators, and the CLI."""

from __future__ import annotations

import filecmp
import re
from pathlib import Path

import pytest
import yaml

from matcher.cli import main
from matcher.errors import ScenarioError
from matcher.generate import GENERATORS
from matcher.io.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"

BASE = {
    "name": "tiny",
    "communities": [{"id": "C1", "x": 0, "y": 0}],
    "needs": [{"id": "N1", "community": "C1", "category": "健康服务"}],
    "resources": [{"id": "U1", "kind": "unit", "community": "C1", "categories": "健康服务"}],
    "projects": [
        {"id": "P1", "name": "health day", "category": "health", "provider_slots": 1},
        {"id": "P2", "name": "meals", "category": "daily_life", "venue_type": "敬老"},
    ],
    "venues": [{"id": "V1", "community": "C1", "type": "希望"}],
    "orders": [{"id": "O1", "project": "P1", "community": "C1", "pinned": True}],
    "claims": [{"order": "O1", "resource": "U1"}],
    "budgets": [{"community": "C1", "amount": 3}],
}


def _write(tmp_path: Path, **changes) -> Path:
    doc = {**BASE, **changes}
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("changes", "record", "field", "words"),
    [
        (
            {"orders": [{"id": "O1", "project": "P9", "community": "C1"}], "claims": []},
            "orders record 1 (id O1)",
            "project",
            "not in the catalogue",
        ),
        ({"claims": [{"order": "O1", "resource": "U9"}]}, "claims record 1", "resource", "unknown unit"),
        (
            {
                "claims": [{"order": "O1", "resource": "U1"}, {"order": "O1", "resource": "U2"}],
                "resources": [
                    *BASE["resources"],
                    {"id": "U2", "kind": "unit", "community": "C1", "categories": "健康服务"},
                ],
            },
            "claims record 2",
            "order",
            "exceeds its 1 provider slot",
        ),
        (
            {"venues": [{"id": "V1", "community": "C1", "type": "casino"}]},
            "venues record 1 (id V1)",
            "type",
            "unknown stationtype 'casino'",
        ),
        (
            {"orders": [*BASE["orders"], {"id": "O2", "project": "P2", "community": "C1", "venue": "V1"}]},
            "orders record 2 (id O2)",
            "venue",
            "needs elderly_care",
        ),
        ({"claims": [{"order": "O7", "resource": "U1"}]}, "claims record 1", "order", "unknown order 'O7'"),
        ({"budgets": [{"community": "C5", "amount": 3}]}, "budgets record 1", "community", "unknown community"),
    ],
)
def test_bad_project_records_are_named_and_exit_2(tmp_path, capsys, changes, record, field, words):
    """Each bad order, claim, venue or budget is reported with its record and field; the CLI exits 2."""
    path = _write(tmp_path, **changes)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    (issue,) = [i for i in caught.value.issues if i.field == field]
    assert issue.record == record and words in issue.message
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert record in err and words in err and "Traceback" not in err


def test_opening_hours_accept_a_span_or_hours(tmp_path):
    """'08:00-20:00' and 12 both mean twelve hours a day; a reversed span is refused."""
    path = _write(
        tmp_path,
        venues=[
            {"id": "V1", "community": "C1", "type": "活力", "opening_hours": "08:00-20:00"},
            {"id": "V2", "community": "C1", "type": "乡愁", "opening_hours": 12},
        ],
    )
    venues = load_scenario(path).problem.venues
    assert [v.opening_hours for v in venues] == [12.0, 12.0]
    path = _write(tmp_path, venues=[{"id": "V1", "community": "C1", "type": "活力", "opening_hours": "20:00-08:00"}])
    with pytest.raises(ScenarioError, match="opening_hours"):
        load_scenario(path)


def test_run_without_projects_uses_the_core_unchanged(tmp_path, capsys):
    """A scenario with neither orders nor budgets runs the core matching as before."""
    path = _write(tmp_path, projects=[], venues=[], orders=[], claims=[], budgets=[])
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "Needs served: 1 of 1" in out and "Decision space" not in out


def test_taizhou_runs_with_popularity_and_meal_service(tmp_path, capsys):
    """Taizhou: 15 communities, 7 canteens among the stations, the focus groups, and a ranked
    popularity index in the output and the CSV."""
    scenario = load_scenario(SCENARIOS / "taizhou" / "scenario.yaml")
    problem = scenario.problem
    assert len(problem.communities) == 15
    assert sum(v.name.endswith("长者食堂") for v in problem.venues) == 7
    assert {v.type.value for v in problem.venues} == {"elderly_care", "youth", "sport", "volunteering", "heritage"}
    assert {n.group.value for n in problem.needs} >= {"elderly", "child", "disabled", "special"}
    assert (
        main(["run", str(SCENARIOS / "taizhou" / "scenario.yaml"), "--time-limit", "10", "--out", str(tmp_path)]) == 0
    )
    out = capsys.readouterr().out
    assert "Station popularity" in out and "Needs served:" in out
    assert (tmp_path / "popularity.csv").read_text(encoding="utf-8-sig").startswith("venue,")


def test_pudong_street_runs_in_seconds_and_recommends(capsys):
    """The street-level Pudong scenario solves quickly; recommend works for a community and a unit."""
    path = str(SCENARIOS / "pudong-street" / "scenario.yaml")
    assert main(["run", path, "--time-limit", "10", "--out", "/tmp/matcher-test-pudong-street"]) == 0
    assert "New orders" in capsys.readouterr().out
    assert main(["recommend", path, "--community", "S01C02", "--time-limit", "10"]) == 0
    assert "S01C02" in capsys.readouterr().out
    assert main(["recommend", path, "--unit", "S01U03", "--time-limit", "10"]) == 0
    assert main(["recommend", path, "--unit", "nobody"]) == 2


def test_pudong_scenario_has_the_numbers_of_the_case():
    """36 streets/towns, 1,284 communities, 147 projects from 26 departments in 3 tiers and 7
    categories, needs in every community."""
    problem = load_scenario(SCENARIOS / "pudong" / "scenario.yaml").problem
    assert len({c.street for c in problem.communities}) == 36
    assert len(problem.communities) == 1284
    assert len(problem.projects) == 147
    assert len({p.department for p in problem.projects}) == 26
    assert len({p.tier for p in problem.projects}) == 3 and len({p.category for p in problem.projects}) == 7
    assert {n.community for n in problem.needs} == {c.id for c in problem.communities}


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_generate_without_a_seed_reproduces_each_shipped_scenario(tmp_path, name):
    """`matcher generate NAME` with no --seed reproduces the checked-in files byte for byte (three
    cases needed a seed that only their description mentioned)."""
    assert main(["generate", name, "--out", str(tmp_path)]) == 0
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(p.name for p in (SCENARIOS / name).iterdir())
    for file in written:
        assert filecmp.cmp(tmp_path / file, SCENARIOS / name / file, shallow=False), file


def test_recommend_prints_the_objective_on_runs_scale(tmp_path, capsys):
    """Taizhou is one part: the objective recommend prints for it is run's, up to the proven gaps."""
    path = str(SCENARIOS / "taizhou" / "scenario.yaml")
    assert main(["run", path, "--time-limit", "20", "--out", str(tmp_path)]) == 0
    run = re.search(r"objective ([\d,.]+); bound ([\d,.]+)", capsys.readouterr().out)
    assert main(["recommend", path, "--community", "TZ03", "--time-limit", "20"]) == 0
    out = capsys.readouterr().out
    rec = re.search(r"objective ([\d,.]+) in run's units", out)
    ran, bound, recommended = (float(x.replace(",", "")) for x in (*run.groups(), rec.group(1)))
    assert abs(recommended - ran) <= (bound - ran) + 0.011 + 0.002 * bound
    rows = [line.split()[1] for line in out.splitlines() if line.startswith(("  ORDER", "  also"))]
    assert len(rows) == len(set(rows))  # each project once


@pytest.mark.parametrize(
    ("lang", "community", "unit", "unmatched"),
    [
        (
            "zh",
            ["联合方案点单此项目；由它满足 3 项需求", "受阻于 C1 的社区预算：点单 1/1；已用金额 2.00/5.00"],
            ["技能：提供 class（文化服务）", "；柔性结对；", "负荷 任务 1/1 项，工时 3.0/20 小时（按方案）"],
            "budget [点单 new:C1:MEAL@CT1：C1 的社区预算：点单 1/1；已用金额 2.00/5.00]",
        ),
        (
            "en",
            [
                "the joint plan orders it; 3 need(s) served by it",
                "blocked by budget of C1 (社区预算): orders 1 of 1; spent 2.00 of 5.00",
            ],
            [
                "skills: offers class (文化服务)",
                "; paired (结对, soft);",
                "load 1 of 1 task(s), 3.0 of 20 h in the plan",
            ],
            "budget [order new:C1:MEAL@CT1: budget of C1 (社区预算): orders 1 of 1; spent 2.00 of 5.00]",
        ),
    ],
)
def test_recommend_and_explain_give_reasons_in_the_chosen_language(capsys, lang, community, unit, unmatched):
    """Why a project is recommended, what blocks it, a unit's skills, pairing and load, and the
    detail of an unmatched need: in Chinese under --lang zh, in English (as the API keeps them)
    under --lang en."""
    path = ROOT / "tests" / "data" / "api" / "reasons.yaml"
    assert main(["--lang", lang, "recommend", str(path), "--community", "C1", "--time-limit", "5"]) == 0
    out = capsys.readouterr().out
    assert all(text in out for text in community), out
    assert main(["--lang", lang, "recommend", str(path), "--unit", "K", "--time-limit", "5"]) == 0
    out = capsys.readouterr().out
    assert all(text in out for text in unit), out
    assert main(["--lang", lang, "explain", str(path), "--time-limit", "5"]) == 0
    assert unmatched in capsys.readouterr().out
