"""Terminal tables line up by display width: a Chinese character takes two columns (issue 12)."""

from __future__ import annotations

from pathlib import Path

from wcwidth import wcswidth

from matcher.cli import main
from matcher.display import wrap

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


def test_wrap_fits_the_columns_and_breaks_between_chinese_characters():
    """Help wraps by display columns: every line fits, a line breaks between two Chinese characters
    (not only at spaces), never before closing punctuation nor after an opening bracket, and the text
    is kept whole."""
    text = (
        "在有 N 个工作进程的本地 Dask 集群上并行求解相互独立的部分（项目模型的各街镇、候选图的各连通分量）；"
        "与 --scheduler 同用时，在该集群上分 N 组求解"
    )
    for columns in range(12, 60):
        lines = wrap(text, columns)
        assert all(wcswidth(line) <= columns for line in lines), (columns, lines)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        assert not any(line[0] in "，、；）" or line[-1] == "（" for line in lines), (columns, lines)
    assert wrap("override a policy field, e.g. --set travel_cost=0.02", 20) == [
        "override a policy",
        "field, e.g. --set",
        "travel_cost=0.02",
    ]
    assert wrap("  ", 10) == [] and wrap("a-very-long-word", 5) == ["a-very-long-word"]
