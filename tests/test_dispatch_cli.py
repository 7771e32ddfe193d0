"""``matcher replay`` and ``matcher intake`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matcher.cli import main

WANSHOU = Path(__file__).parent.parent / "scenarios" / "wanshou" / "scenario.yaml"
SMALL = Path(__file__).parent / "data" / "small" / "scenario.yaml"


def _table(out: Path) -> dict:
    data = json.loads((out / "replay.json").read_text(encoding="utf-8"))
    data.pop("seconds")
    return data


def test_a_seeded_replay_gives_the_same_table_twice(tmp_path: Path) -> None:
    """Same seed, same stream, same table (compliance, moves, objectives); another seed differs."""
    args = [
        "replay",
        str(WANSHOU),
        "--rates",
        "emergency=2,utilities=3,normal=6",
        "--hours",
        "6",
        "--replan-every",
        "60",
    ]
    for name, seed in (("a", "7"), ("b", "7"), ("c", "8")):
        assert main([*args, "--seed", seed, "--out", str(tmp_path / name)]) == 0
    first = _table(tmp_path / "a")
    assert first == _table(tmp_path / "b")
    assert first != _table(tmp_path / "c")
    assert sum(row["needs"] for row in first["deadline_compliance"]) == first["needs"] > 0
    for row in first["deadline_compliance"]:
        assert row["on_time"] <= row["needs"] and row["hindsight_on_time"] <= row["needs"]


def test_intake_appends_a_checked_need_and_refuses_bad_ones(tmp_path: Path, capsys) -> None:
    """A good need is appended; an unknown community, a reused id or a time out of order exits 2,
    names the field, and leaves the file as it was; replay reads the file."""
    arrivals = tmp_path / "arrivals.csv"
    base = ["intake", str(SMALL), "--arrivals", str(arrivals)]
    good = ["--need", "id=H1", "--need", "community=C1", "--need", "category=health", "--need", "at=5"]
    assert main([*base, *good]) == 0
    before = arrivals.read_text(encoding="utf-8")
    for fields, field in (
        (["id=H2", "community=nowhere", "category=health", "at=6"], "community"),
        (["id=H1", "community=C1", "category=health", "at=6"], "id"),
        (["id=H3", "community=C1", "category=health", "at=4"], "at"),
        (["id=H4", "community=C1", "category=plumbing", "at=6"], "category"),
    ):
        capsys.readouterr()
        assert main([*base, *[a for f in fields for a in ("--need", f)]]) == 2
        assert f"field '{field}'" in capsys.readouterr().err
        assert arrivals.read_text(encoding="utf-8") == before
    assert main(["replay", str(SMALL), "--arrivals", str(arrivals), "--out", str(tmp_path / "r")]) == 0
    assert _table(tmp_path / "r")["needs"] == 1


@pytest.mark.parametrize("rates", ["emergency=x", "sometimes=1", "normal=-1", "normal"])
def test_bad_rates_exit_2(rates: str, capsys) -> None:
    """A rate that is not URGENCY=non-negative number is bad input naming --rates."""
    assert main(["replay", str(SMALL), "--rates", rates]) == 2
    assert "'--rates'" in capsys.readouterr().err


def test_a_bad_arrivals_file_names_file_row_and_field(tmp_path: Path, capsys) -> None:
    """Every bad row of an arrivals file is named (file, row, field); exit 2, nothing written."""
    arrivals = tmp_path / "arrivals.csv"
    arrivals.write_text(
        "id,community,category,at\nH1,C1,health,5\nH2,C1,plumbing,6\nH1,C1,health,7\nH3,C1,health,2\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    assert main(["replay", str(SMALL), "--arrivals", str(arrivals), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{arrivals}: row 3: field 'category'" in err
    assert f"{arrivals}: row 4: field 'id'" in err
    assert f"{arrivals}: row 5: field 'at'" in err
    assert not out.exists()
