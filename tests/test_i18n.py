"""Chinese first (issue 12): the command line prints Simplified Chinese by default, English by
``--lang en`` or an English locale, from complete gettext catalogues."""

from __future__ import annotations

import gettext
import io
import json
import os
import pickle
import string
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from matcher import i18n
from matcher.cli import main

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "tests" / "data" / "small" / "scenario.yaml"
CATALOGUES = {lang: i18n.LOCALE_DIR / lang / "LC_MESSAGES" for lang in i18n.LANGUAGES}


@pytest.fixture
def chinese_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    """A locale that is not English (as in a C.UTF-8 container): the default language."""
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    i18n.use(None)


@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({}, "zh"),
        ({"LANG": "C.UTF-8"}, "zh"),
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "en_GB.UTF-8"}, "en"),
        ({"LANG": "en_US.UTF-8", "LC_ALL": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "en_US.UTF-8", "LC_ALL": ""}, "en"),
    ],
)
def test_language_follows_the_locale(environ: dict[str, str], language: str):
    """LC_ALL, then LC_MESSAGES, then LANG decides; en* is English, anything else Chinese."""
    assert i18n.language_from_environment(environ) == language


def test_run_prints_chinese_by_default_and_english_by_switch(tmp_path: Path, capsys, chinese_locale):
    """The same run's summary in Chinese (no option, a C locale) and in English (--lang en, before or
    after the subcommand)."""
    assert main(["run", str(SMALL), "--out", str(tmp_path / "zh")]) == 0
    chinese = capsys.readouterr()
    assert "已满足需求：5 / 5（100.0%）" in chinese.out
    assert "时限达标（准时满足 / 需求）：" in chinese.out and "  紧急 " in chinese.out
    assert "状态 最优（已证明最优）" in chinese.out
    assert "目标值" in chinese.err  # the progress line
    assert "Needs served" not in chinese.out
    for argv in (["--lang", "en", "run"], ["run", "--lang", "en"]):
        assert main([*argv, str(SMALL), "--out", str(tmp_path / "en")]) == 0
        english = capsys.readouterr()
        assert "Needs served: 5 of 5 (100.0%)" in english.out
        assert "  emergency " in english.out and "Status optimal (proven best)" in english.out
        assert "已满足需求" not in english.out


def test_errors_are_chinese_by_default(tmp_path: Path, capsys, chinese_locale):
    """Bad input names the field and says what is wrong in Chinese (exit 2), in English with --lang en."""
    assert main(["run", str(SMALL), "--set", "speed=3", "--out", str(tmp_path / "a")]) == 2
    assert "matcher：错误：字段 'speed'：未知策略字段；应为以下之一：balance_target," in capsys.readouterr().err
    assert main(["--lang", "en", "run", str(SMALL), "--set", "speed=3", "--out", str(tmp_path / "a")]) == 2
    assert "matcher: error: field 'speed': unknown policy field" in capsys.readouterr().err


def test_the_locale_of_the_shell_chooses_english(tmp_path: Path):
    """An installed-command run under LANG=en_US.UTF-8 prints English, under C.UTF-8 Chinese."""
    base = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES", "LANG")}
    outputs = {}
    for lang in ("en_US.UTF-8", "C.UTF-8"):
        env = {**base, "LANG": lang, "PYTHONPATH": str(ROOT)}
        command = [sys.executable, "-m", "matcher", "validate", str(SMALL)]
        outputs[lang] = subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout
    assert ": ok — 3 communities, 5 needs" in outputs["en_US.UTF-8"]
    assert "：通过 — 社区 3 个，需求 5 项" in outputs["C.UTF-8"]


def source_messages() -> set[str | tuple[str, ...]]:
    """Every msgid marked in matcher/ (``_``, ``N_``, ``ngettext``, ``Text`` ...), extracted by Babel from the code."""
    keywords = {**DEFAULT_KEYWORDS, "Text": None}  # errors the core raises, printed translated
    found = extract_from_dir(str(ROOT / "matcher"), method_map=[("**.py", "python")], keywords=keywords)
    return {message for _file, _line, message, _comments, _context in found}


def catalogue(lang: str):
    with open(CATALOGUES[lang] / "matcher.po", "rb") as file:
        return read_po(file, locale=lang, domain=i18n.DOMAIN)


def fields(text: str) -> set[str]:
    """The replacement fields of a ``str.format`` text, e.g. {'served', 'share:.1%'}."""
    return {f"{name}:{spec}" for _lit, name, spec, _conv in string.Formatter().parse(text) if name is not None}


def test_every_message_has_a_chinese_translation_with_the_same_fields():
    """The zh catalogue holds exactly the source's msgids, each translated, each keeping every
    ``{field:spec}`` of its msgid; the en catalogue holds the same msgids."""
    wanted = source_messages()
    assert len(wanted) > 100
    for lang in i18n.LANGUAGES:
        held = {m.id for m in catalogue(lang) if m.id}
        assert held == wanted, (lang, sorted(map(str, wanted - held)), sorted(map(str, held - wanted)))
    for message in catalogue("zh"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings) and not message.fuzzy, message.id
        for text in strings:
            assert fields(text) == fields(ids[0]), (message.id, text)


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_compiled_catalogue_matches_its_po(lang: str):
    """The committed .mo is the .po compiled (run ``pybabel compile -D matcher -d matcher/locale``)."""
    buffer = io.BytesIO()
    write_mo(buffer, catalogue(lang))
    buffer.seek(0)
    fresh = gettext.GNUTranslations(buffer)
    with open(CATALOGUES[lang] / "matcher.mo", "rb") as file:
        committed = gettext.GNUTranslations(file)
    assert committed._catalog == fresh._catalog  # type: ignore[attr-defined]


def test_a_bad_row_is_named_in_chinese_and_in_english(tmp_path: Path, capsys, chinese_locale):
    """A needs-list row with a negative hours value: exit 2, the file, row, id and field named, the
    message in Chinese by default and in English with --lang en."""
    for source in SMALL.parent.iterdir():
        (tmp_path / source.name).write_bytes(source.read_bytes())
    needs = tmp_path / "needs.csv"
    needs.write_text(needs.read_text(encoding="utf-8").replace("plumbing,1.5,", "plumbing,-1,"), encoding="utf-8")
    assert main(["validate", str(tmp_path / "scenario.yaml")]) == 2
    chinese = capsys.readouterr().err
    assert f"matcher：错误：{needs}: 第 4 行（编号 N3）: 字段 'hours'：必须为正数，填的是 '-1'" in chinese
    assert main(["validate", "--lang", "en", str(tmp_path / "scenario.yaml")]) == 2
    english = capsys.readouterr().err
    assert f"matcher: error: {needs}: row 4 (id N3): field 'hours': must be positive, got '-1'" in english


def test_text_is_english_data_and_translates_when_printed():
    """An i18n.Text is the English string everywhere a string is used (API, files), survives pickling,
    and prints in the chosen language with its fields (nested Texts and lists too)."""
    reasons = [i18n.Text("{n} need(s) take several providers (e.g. {need})", n=2, need="N5")] * 2
    text = i18n.Text("auto: flow cannot express {reasons}", reasons=reasons)
    english = (
        "auto: flow cannot express 2 need(s) take several providers (e.g. N5); "
        "2 need(s) take several providers (e.g. N5)"
    )
    assert text == english and json.dumps({"note": text}) == json.dumps({"note": english})
    assert pickle.loads(pickle.dumps(text)) == text
    i18n.use("zh")
    assert (
        i18n.translated(pickle.loads(pickle.dumps(text)))
        == "自动：最小费用流无法表达 2 项需求需要多名服务者（如 N5）；2 项需求需要多名服务者（如 N5）"
    )
    i18n.use("en")
    assert i18n.translated(text) == english
    assert i18n.translated(7) == 7 and i18n.translated("plain") == "plain"
