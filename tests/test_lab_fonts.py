"""Charts in Chinese (issue 12, item 4): compare's figures draw Chinese glyphs with an installed CJK
font, and say plainly, in the report and on stderr, when there is none."""

from __future__ import annotations

import base64
import re
import warnings
from pathlib import Path

import pytest

from matcher.cli import main
from matcher.lab import fonts
from tests.lab_problems import random_problem, write_scenario

MISSING_GLYPH = re.compile(r"Glyph \d+ .* missing from font")


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("fonts")
    return write_scenario(random_problem(3, communities=3, needs=9, resources=4), folder / "small.yaml")


def compare_in_chinese(scenario: Path, out: Path) -> list[str]:
    """Run ``compare --lang zh`` (Chinese titles, axis labels and report); the warnings it raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["compare", str(scenario), "--policies", "default,equity", "--lang", "zh", "--out", str(out)]) == 0
    return [str(w.message) for w in caught]


def test_figures_draw_chinese_with_the_installed_cjk_font(scenario: Path, tmp_path: Path, capsys):
    """With a CJK font installed, no glyph is missing and nothing warns of a missing font."""
    fonts.cjk_family.cache_clear()
    if fonts.cjk_family() is None:
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk, as .ci/run does)")
    raised = compare_in_chinese(scenario, tmp_path)
    assert not [w for w in raised if MISSING_GLYPH.search(w)]
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "策略比较" in html and "未安装中文（CJK）字体" not in html
    assert "未安装中文" not in capsys.readouterr().err
    assert len(re.findall(r'src="data:image/png;base64,([^"]+)"', html)) == 3


def test_without_a_cjk_font_the_report_and_stderr_say_so(
    scenario: Path, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
):
    """A machine with no CJK font (hidden here): matplotlib warns of missing glyphs, and the report and
    stderr say that none is installed and how to add one."""
    monkeypatch.setattr(fonts, "CJK_FAMILIES", ())
    fonts.cjk_family.cache_clear()
    try:
        raised = compare_in_chinese(scenario, tmp_path)
    finally:
        monkeypatch.undo()
        fonts.cjk_family.cache_clear()
    assert [w for w in raised if MISSING_GLYPH.search(w)]
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert 'class="warning">未安装中文（CJK）字体' in html and "apt-get install fonts-noto-cjk" in html
    err = capsys.readouterr().err
    assert "未安装中文（CJK）字体" in err and "apt-get install fonts-noto-cjk" in err


def test_write_figure_for_a_look(scenario: Path, tmp_path: Path):
    """The coverage figure decodes as a PNG (kept under tmp_path for a person to look at)."""
    compare_in_chinese(scenario, tmp_path)
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    first = re.findall(r'src="data:image/png;base64,([^"]+)"', html)[0]
    assert base64.b64decode(first)[:4] == b"\x89PNG"
