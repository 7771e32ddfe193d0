"""The README example and the checked-in case scenarios."""

from __future__ import annotations

import json
from pathlib import Path

from matcher.cli import main
from matcher.generate import GENERATORS, write_scenario
from matcher.io.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
ZHANGJIANG = ROOT / "scenarios" / "zhangjiang"


def test_readme_example_runs_zhangjiang(tmp_path: Path, capsys):
    """`matcher run scenarios/zhangjiang/scenario.yaml` prints the summary and writes JSON and CSV."""
    out = tmp_path / "out"
    assert main(["run", str(ZHANGJIANG / "scenario.yaml"), "--time-limit", "5", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Scenario zhangjiang: 715 needs" in text and "Coverage by community" in text
    result = json.loads((out / "result.json").read_text(encoding="utf-8"))
    assert result["solver"] == "mip" and result["needs"] == 715
    # the MIP serves a need with all its providers or none: every assigned need is served.
    assert result["served"] == len({a["need"] for a in result["assignments"]})
    # within 5 s on a busy machine the bound may not be proven yet: then no gap is given either
    assert (result["bound"] is None) == (result["gap"] is None)
    assert result["bound"] is None or result["bound"] >= result["objective"]
    header = (out / "assignments.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.startswith("need,resource,community")


def test_zhangjiang_matches_the_case():
    """The Zhangjiang scenario has the case's figures: 35 communities, 33 hard pairings, 107 units, 715 needs."""
    problem = load_scenario(ZHANGJIANG / "scenario.yaml").problem
    assert len(problem.communities) == 35
    assert len(problem.needs) == 715
    assert sum(r.kind.value == "unit" for r in problem.resources) == 107
    assert len({r.pairing_group for r in problem.resources if r.pairing_group}) == 33
    assert len(problem.pairings) == 33 and all(p.mode.value == "hard" for p in problem.pairings)
    assert {n.group.value for n in problem.needs} == {"local", "migrant", "white_collar", "talent", "foreigner"}
    assert sum(c.population for c in problem.communities) == 67_735 + 69_569


def test_zhangjiang_files_regenerate_identically(tmp_path: Path):
    """The checked-in files are exactly what the generator writes for the default seed."""
    write_scenario(GENERATORS["zhangjiang"](2016), tmp_path)
    for path in ZHANGJIANG.iterdir():
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


def test_scenario_format_example_loads_and_solves(tmp_path: Path):
    """The example in docs/scenario-format.md reads and solves as the page describes."""
    page = (ROOT / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    block = page.split("## A small example", 1)[1].split("```yaml", 1)[1].split("```", 1)[0]
    (tmp_path / "example.yaml").write_text(block, encoding="utf-8")
    from matcher.solvers import solve

    scenario = load_scenario(tmp_path / "example.yaml")
    result = solve(scenario.problem, scenario.policy)
    assert result.n_served == 2
    assert {u["need"]: u["reason"] for u in result.unmatched()} == {"N3": "too_few_providers"}


def test_outputs_are_readable_by_others(tmp_path: Path):
    """Written result files get the process's usual permissions, not mkstemp's private 0600."""
    import os

    from matcher.files import write_files

    umask = os.umask(0o022)
    os.umask(umask)
    (path,) = write_files(tmp_path, {"a.csv": "x\n"})
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
