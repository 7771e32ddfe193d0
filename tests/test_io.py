"""Reading scenarios: every format gives the same problem; every bad input is named precisely."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest
import yaml

from matcher.cli import main
from matcher.errors import ScenarioError
from matcher.io.scenario import load_scenario

DATA = Path(__file__).parent / "data" / "small"


@pytest.fixture
def scenario_dir(tmp_path: Path) -> Path:
    target = tmp_path / "small"
    shutil.copytree(DATA, target)
    return target


def _edit_csv(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _error(path: Path) -> str:
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    return str(err.value)


def test_csv_scenario_loads():
    """The CSV scenario reads with Chinese labels parsed into the vocabularies."""
    problem = load_scenario(DATA / "scenario.yaml").problem
    assert [n.category.value for n in problem.needs][:2] == ["health", "legal"]
    assert problem.pairings[0].min_served == 1


def test_inline_json_and_xlsx_give_the_same_problem(tmp_path: Path):
    """Inline YAML lists, a JSON scenario and an XLSX workbook give the same problem as the CSV files."""
    base = load_scenario(DATA / "scenario.yaml").problem
    lists = {}
    for name in ("communities", "needs", "resources", "pairings"):
        rows = (DATA / f"{name}.csv").read_text(encoding="utf-8").splitlines()
        header = rows[0].split(",")
        lists[name] = [dict(zip(header, r.split(","))) for r in rows[1:]]
    doc = {"name": "small", "settings": {"minutes_per_km": 4}, **lists}
    (tmp_path / "inline.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    (tmp_path / "inline.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in lists.items():
        sheet = book.create_sheet(name)
        sheet.append(list(rows[0]))
        for row in rows:
            sheet.append(
                [float(v) if v.replace(".", "").isdigit() and name != "communities" else v for v in row.values()]
            )
    book.save(tmp_path / "lists.xlsx")
    (tmp_path / "book.yaml").write_text("name: small\nsettings: {minutes_per_km: 4}\nworkbook: lists.xlsx\n")
    for path in ("inline.yaml", "inline.json", "book.yaml"):
        other = load_scenario(tmp_path / path).problem
        assert (other.communities, other.needs, other.resources, other.pairings) == (
            base.communities,
            base.needs,
            base.resources,
            base.pairings,
        ), path


@pytest.mark.parametrize(
    "file,old,new,expected",
    [
        ("needs.csv", "N2,C2,", "N2,C9,", "needs.csv: row 3 (id N2): field 'community': unknown community 'C9'"),
        (
            "resources.csv",
            "P1,party_member,C2,legal;culture,legal_advice,4,",
            "P1,party_member,C2,legal;culture,legal_advice,-4,",
            "resources.csv: row 3 (id P1): field 'capacity_hours': must not be negative",
        ),
        ("needs.csv", "N3,C3,", "N1,C3,", "needs.csv: row 4 (id N1): field 'id': duplicate id 'N1'"),
        ("needs.csv", "N4,C2,culture", "N4,C2,dancing", "needs.csv: row 5 (id N4): field 'category': unknown category"),
        (
            "pairings.csv",
            "G1,C1",
            "G7,C1",
            "pairings.csv: row 2: field 'group': no resource belongs to unit group 'G7'",
        ),
        ("communities.csv", "id,name", "ident,name", "communities.csv: header: field 'id': missing column"),
    ],
)
def test_bad_record_is_named(scenario_dir: Path, file, old, new, expected):
    """Each bad record gets one message naming the file, the record and the field."""
    _edit_csv(scenario_dir / file, old, new)
    message = _error(scenario_dir / "scenario.yaml")
    assert expected in message


def test_malformed_yaml_names_the_line(scenario_dir: Path):
    """Malformed YAML is reported with its line, not a traceback."""
    (scenario_dir / "scenario.yaml").write_text("name: x\nneeds: [a, b\nresources: r.csv\n")
    assert "scenario.yaml: line" in _error(scenario_dir / "scenario.yaml")


def test_xlsx_missing_column_is_named(tmp_path: Path):
    """A workbook sheet without a required column names the sheet and the column."""
    book = openpyxl.Workbook()
    book.active.title = "communities"
    book.active.append(["id"])
    book.active.append(["C1"])
    needs = book.create_sheet("needs")
    needs.append(["id", "community"])
    needs.append(["N1", "C1"])
    book.create_sheet("resources").append(["id", "kind", "community", "categories"])
    book.save(tmp_path / "plan.xlsx")
    message = _error(tmp_path / "plan.xlsx")
    assert "plan.xlsx sheet 'needs': header: field 'category': missing column" in message


def test_unknown_field_is_refused(scenario_dir: Path):
    """A misspelt column is one error for the header, naming the closest known column."""
    _edit_csv(scenario_dir / "needs.csv", "title", "titel")
    with pytest.raises(ScenarioError) as err:
        load_scenario(scenario_dir / "scenario.yaml")
    assert [str(i) for i in err.value.issues] == [
        f"{scenario_dir / 'needs.csv'}: header: field 'titel': unknown column; did you mean 'title'?"
    ]


def test_cli_bad_input_exits_2_and_writes_nothing(scenario_dir: Path, tmp_path: Path, capsys):
    """`matcher run` on bad input exits 2 with the message and writes no output."""
    _edit_csv(scenario_dir / "needs.csv", "N2,C2,", "N2,C9,")
    out = tmp_path / "out"
    assert main(["run", str(scenario_dir / "scenario.yaml"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "unknown community 'C9'" in err and "Traceback" not in err
    assert not out.exists()
    assert main(["validate", str(scenario_dir / "scenario.yaml")]) == 2
