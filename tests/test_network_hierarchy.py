"""The governance graph, the neighbour graph, and bad hierarchy input (exit code 2, record named)."""

from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from matcher.cli import main
from matcher.generate import GENERATORS, write_scenario
from matcher.io.scenario import load_scenario
from matcher.network.hierarchy import governance_graph, grid_visit_load, neighbour_graph

ROOT = Path(__file__).resolve().parents[1]

BASE = {
    "areas": [{"id": "D1", "level": "district"}, {"id": "S1", "level": "street", "parent": "D1"}],
    "communities": [
        {"id": "C1", "street": "S1", "district": "D1", "neighbours": {"C2": 8}},
        {"id": "C2", "street": "S1", "district": "D1", "neighbours": {"C3": 9}},
        {"id": "C3", "street": "S1", "district": "D1"},
    ],
    "grids": [
        {
            "id": "G1",
            "community": "C1",
            "party_groups": 4,
            "party_members": 40,
            "households": 400,
            "workers": 2,
            "weekly_visit_capacity": 20,
            "special": 10,
            "key": 20,
        }
    ],
    "needs": [{"id": "N1", "community": "C1", "category": "health", "urgency": "complex"}],
    "resources": [{"id": "R1", "kind": "volunteer", "community": "C1", "categories": "health"}],
}


def write(tmp_path: Path, doc: dict) -> str:
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return str(path)


def edited(**changes) -> dict:
    doc = yaml.safe_load(yaml.safe_dump(BASE))
    doc.update(changes)
    return doc


def test_governance_tree_and_party_levels(tmp_path):
    """District -> street -> community -> grid -> 4 party groups -> 40 members holding the 400 households."""
    s = load_scenario(write(tmp_path, BASE))
    gov = governance_graph(s.problem, s.lists["areas"], s.lists["grids"])
    assert gov.counts() == {"district": 1, "street": 1, "community": 3, "grid": 1, "party_group": 4, "party_member": 40}
    assert gov.households() == 400
    assert gov.routes.route("C2") == ["community:C2", "street:S1", "district:D1"]
    members = [n for n, lvl in gov.graph.nodes(data="level") if lvl == "party_member"]
    assert {gov.graph.nodes[m]["households"] for m in members} == {10}
    assert gov.graph.nodes["street:S1"]["party"].startswith("街道工委")


def test_neighbour_graph_is_the_service_circle(tmp_path):
    """C1-C2 (8 min) and C2-C3 (9 min) are inside 15 minutes; C1-C3 (17 min by road) is not."""
    s = load_scenario(write(tmp_path, BASE))
    g = neighbour_graph(s.problem)
    assert sorted(tuple(sorted(e)) for e in g.edges) == [("C1", "C2"), ("C2", "C3")]
    assert g.edges["C1", "C2"]["minutes"] == 8


def test_grid_visit_load(tmp_path):
    """10 special (weekly) + 20 key (fortnightly) households need 20 visits: at capacity, not over."""
    s = load_scenario(write(tmp_path, BASE))
    assert s.lists["grids"][0].weekly_visits == 20
    assert grid_visit_load(s.lists["grids"]) == []


@pytest.mark.parametrize(
    "doc, where, message",
    [
        (
            edited(communities=[{"id": "C1", "district": "D1"}]),
            "communities record 1 (id C1)",
            "community 'C1' has no parent street",
        ),
        (
            edited(
                areas=[
                    {"id": "D1", "level": "district"},
                    {"id": "S1", "level": "street", "parent": "S2"},
                    {"id": "S2", "level": "street", "parent": "S1"},
                ]
            ),
            "areas record 2 (id S1)",
            "cycle in the hierarchy: S1 -> S2 -> S1",
        ),
        (
            edited(grids=[{"id": "G1", "community": "C1"}, {"id": "G1", "community": "C2"}]),
            "grids record 2 (id G1)",
            "grid 'G1' is in two communities: 'C1' and 'C2'",
        ),
        (
            edited(communities=[{"id": "C1", "street": "S1", "neighbours": {"C2": -3}}, {"id": "C2", "street": "S1"}]),
            "communities record 1 (id C1)",
            "field 'neighbours': must not be negative, got -3",
        ),
        (
            edited(areas=[{"id": "D1", "level": "district"}, {"id": "S1", "level": "street"}]),
            "areas record 2 (id S1)",
            "street 'S1' has no parent district",
        ),
    ],
)
def test_bad_hierarchy_exits_2_naming_the_record(tmp_path, capsys, doc, where, message):
    """Each broken hierarchy is refused with exit code 2 and a message naming file, record and field."""
    path = write(tmp_path, doc)
    assert main(["validate", path]) == 2
    err = capsys.readouterr().err
    assert where in err and message in err and "Traceback" not in err


def test_escalate_needs_every_community_to_have_a_street(tmp_path, capsys):
    """Without areas the hierarchy is implied by the communities, so escalate refuses a missing street."""
    doc = edited(communities=[{"id": "C1"}])
    del doc["areas"], doc["grids"]
    assert main(["validate", write(tmp_path, doc)]) == 0
    assert main(["escalate", write(tmp_path, doc), "--out", str(tmp_path / "out")]) == 2
    assert "community 'C1' has no parent street" in capsys.readouterr().err


def test_escalate_and_explain_commands(tmp_path, capsys):
    """escalate writes its tables; explain --need prints the need; an unknown need exits 2."""
    path = write(tmp_path, BASE)
    assert main(["escalate", path, "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "escalation.csv").read_text(encoding="utf-8-sig").startswith("need,community")
    assert main(["explain", path]) == 0
    assert "Hall's deficiency 0" in capsys.readouterr().out
    assert main(["explain", path, "--need", "N1"]) == 0
    assert '"status": "served"' in capsys.readouterr().out
    assert main(["explain", path, "--need", "N9"]) == 2


@pytest.mark.parametrize("name", ["wanshou", "xihu"])
def test_checked_in_scenarios_regenerate_from_their_seed(tmp_path, name):
    """The generator with the default seed (2016) reproduces the checked-in files byte for byte."""
    write_scenario(GENERATORS[name](2016), tmp_path)
    for path in (ROOT / "scenarios" / name).iterdir():
        assert filecmp.cmp(path, tmp_path / path.name, shallow=False), path.name


def test_case_figures():
    """Wanshou: 27 communities, ~160,000 residents; Xihu: 11 streets, 386 grids, 3-5 groups a grid."""
    w = GENERATORS["wanshou"](2016).lists
    assert len(w["communities"]) == 27 and abs(sum(c["population"] for c in w["communities"]) - 160_000) < 100
    x = GENERATORS["xihu"](2016).lists
    assert len(x["grids"]) == 386 and len([a for a in x["areas"] if a["level"] == "street"]) == 11
    assert all(3 <= g["party_groups"] <= 5 and 8 <= g["party_members"] / g["party_groups"] <= 12 for g in x["grids"])


def test_solver_modules_do_not_import_the_network_analysis():
    """The analysis reads results; the solver core never imports matcher.network."""
    code = (
        "import sys, matcher.solvers, matcher.candidates, matcher.result; "
        "print(sorted(m for m in sys.modules if m.startswith('matcher.network')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_explain_xihu_reports_its_grids(capsys):
    """On the Xihu case, explain counts the governance graph down to party members and lists overloaded grids."""
    assert (
        main(["explain", str(ROOT / "scenarios" / "xihu" / "scenario.yaml"), "--rows", "0", "--bottlenecks", "0"]) == 0
    )
    out = capsys.readouterr().out
    assert "district 1, street 11, community 193, grid 386" in out
    assert "Grids whose visits exceed their workers' weekly capacity:" in out
