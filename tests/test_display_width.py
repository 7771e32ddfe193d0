"""Terminal tables line up by display width: a Chinese character takes two columns (issue 12)."""

from __future__ import annotations

from pathlib import Path

from wcwidth import wcswidth

from matcher.cli import main

SMALL = Path(__file__).resolve().parent / "data" / "small"


def chinese_ids_scenario(tmp_path: Path) -> Path:
    """The small scenario with two communities renamed to Chinese ids (东苑社区, 北村) beside C2."""
    for source in SMALL.iterdir():
        text = source.read_text(encoding="utf-8")
        (tmp_path / source.name).write_text(text.replace("C1", "东苑社区").replace("C3", "北村"), encoding="utf-8")
    return tmp_path / "scenario.yaml"


def column_of(line: str, mark: str) -> int:
    """The display column at which ``mark`` starts in ``line``."""
    return wcswidth(line[: line.index(mark)])


def test_coverage_table_of_chinese_community_ids_lines_up(tmp_path: Path, capsys):
    """The coverage table's "served / needs" column starts at one display column for every community."""
    scenario = chinese_ids_scenario(tmp_path)
    assert main(["--lang", "en", "run", str(scenario), "--out", str(tmp_path / "out")]) == 0
    lines = capsys.readouterr().out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Coverage by community"))
    rows = [line for line in lines[start + 1 :] if line.startswith("  ")]
    assert {row.split()[0] for row in rows} == {"东苑社区", "C2", "北村"}
    assert len({column_of(row, "/") for row in rows}) == 1, rows
