"""The popularity index (人气指数): from a visits list, four rankings from the dates themselves;
without one, one ranking labelled as an estimate (it was four identical rankings)."""

from __future__ import annotations

import csv

import pytest
import yaml

from matcher.cli import main
from matcher.errors import ScenarioError
from matcher.io.scenario import load_scenario
from matcher.projects import solve_projects
from tests.test_projects_io import BASE

VENUES = [{"id": s, "community": "C1", "type": "希望"} for s in ("A", "B", "C", "D")]
# Latest date Friday 2024-05-31: A leads the day, B the ISO week (Mon 27 May), C the month, D the year.
VISITS = [
    {"station": "A", "date": "2024-05-31", "count": 10},
    {"station": "B", "date": "2024-05-31", "count": 3},
    {"station": "B", "date": "2024-05-27", "count": 50},
    {"station": "C", "date": "2024-05-02", "count": 100},
    {"station": "D", "date": "2024-01-15", "count": 500},
    {"station": "D", "date": "2023-12-31", "count": 9000},  # last year: in no period
]


def _scenario(tmp_path, visits):
    doc = {**BASE, "venues": VENUES, "visits": visits}
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def test_visits_give_daily_weekly_monthly_and_yearly_rankings_from_the_dates(tmp_path):
    """Hand-counted: day A10 B3; week B53 A10; month C100 B53 A10; year D500 C100 B53 A10."""
    problem = load_scenario(_scenario(tmp_path, VISITS)).problem
    rows = {r["venue"]: r for r in solve_projects(problem, time_limit=5, workers=1).popularity()}
    expected = {
        "day": {"A": (10, 1), "B": (3, 2), "C": (0, 3), "D": (0, 3)},
        "week": {"B": (53, 1), "A": (10, 2), "C": (0, 3), "D": (0, 3)},
        "month": {"C": (100, 1), "B": (53, 2), "A": (10, 3), "D": (0, 4)},
        "year": {"D": (500, 1), "C": (100, 2), "B": (53, 3), "A": (10, 4)},
    }
    for period, want in expected.items():
        got = {v: (rows[v][f"{period}_visits"], rows[v][f"{period}_rank"]) for v in want}
        assert got == want, period
    assert rows["A"]["week"] == "2024-W22" and rows["A"]["month"] == "2024-05" and rows["A"]["year"] == "2024"


def test_without_visits_the_estimate_is_labelled_and_shown_once(tmp_path, capsys):
    """No visits list: one ranking, marked as an estimate in the output and the CSV."""
    path = _scenario(tmp_path, [])
    assert main(["run", str(path), "--time-limit", "5", "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert out.count("ESTIMATE") == 1 and "per day" not in out
    with open(tmp_path / "out" / "popularity.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 4 and all(r["basis"].startswith("estimate") for r in rows)
    assert "per_day" not in rows[0] and "per_year" not in rows[0]


@pytest.mark.parametrize(
    ("visit", "field", "words"),
    [
        ({"station": "Z", "date": "2024-05-31", "count": 1}, "station", "unknown station 'Z'"),
        ({"station": "A", "date": "31/05/2024", "count": 1}, "date", "expected a date"),
        ({"station": "A", "date": "2024-05-31", "count": -2}, "count", "must not be negative"),
        ({"station": "A", "date": "2024-05-31"}, "count", "is required"),
    ],
)
def test_bad_visit_rows_are_named_by_file_row_and_field(tmp_path, capsys, visit, field, words):
    """A bad visit is reported with its file, row and field; the CLI exits 2 without a traceback."""
    path = _scenario(tmp_path, [VISITS[0], visit])
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    (issue,) = caught.value.issues
    assert issue.field == field and words in issue.message and issue.record.startswith("visits record 2")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "visits" in err and field in err and "Traceback" not in err


def test_visits_read_from_a_csv_file(tmp_path):
    """Like every list, visits may be a CSV file beside the scenario."""
    (tmp_path / "visits.csv").write_text("station,date,count\nA,2024-05-31,4\n", encoding="utf-8")
    problem = load_scenario(_scenario(tmp_path, "visits.csv")).problem
    assert [(v.station, v.date.isoformat(), v.count) for v in problem.visits] == [("A", "2024-05-31", 4)]
