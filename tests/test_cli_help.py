"""Help and bad usage follow the chosen language: every description, option help and summary, and
argparse's own words ("usage:", "options", its errors), in Chinese by default and in English by
``--lang en`` or an English locale."""

from __future__ import annotations

import argparse
from collections.abc import Callable

import pytest
from wcwidth import wcswidth

from matcher import i18n
from matcher.cli import SUMMARIES, build_parser, main

#: Help texts that read the same in both languages (none yet: a text listed here must say why).
SAME_IN_BOTH: frozenset[str] = frozenset()


def printed(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """The exit code, stdout and stderr of ``matcher argv`` that argparse ends (help, bad usage)."""
    with pytest.raises(SystemExit) as stop:
        main(argv)
    out = capsys.readouterr()
    return int(stop.value.code or 0), out.out, out.err


def test_matcher_help_in_chinese_and_in_english(capsys, monkeypatch: pytest.MonkeyPatch):
    """`matcher --help`: Chinese under --lang zh and under a Chinese locale, English under --lang en."""
    code, chinese, _err = printed(["--lang", "zh", "--help"], capsys)
    assert code == 0
    assert chinese.startswith("用法：matcher [-h] [--version] [--lang {zh,en}] COMMAND ...")
    assert "\n选项:\n" in chinese and "\n位置参数:\n" in chinese
    assert "显示本帮助信息并退出" in chinese and "显示程序版本号并退出" in chinese
    assert "    run           将场景中的需求与资源匹配" in chinese  # a summary, the name untranslated
    assert "usage" not in chinese and "show this help" not in chinese
    code, english, _err = printed(["--lang", "en", "--help"], capsys)
    assert code == 0 and english.startswith("usage: matcher")
    assert "\noptions:\n" in english and "show this help message and exit" in english
    assert "    run           match a scenario's needs with its resources" in english
    assert "用法" not in english and "显示" not in english
    monkeypatch.setenv("LC_ALL", "zh_CN.UTF-8")
    assert printed(["--help"], capsys)[1] == chinese


def test_subcommand_help_in_chinese_with_lang_before_or_after(capsys):
    """`matcher run --help` in Chinese wherever --lang stands (either form); option names, metavars
    and choices stay as typed."""
    code, chinese, _err = printed(["--lang", "zh", "run", "--help"], capsys)
    assert code == 0
    assert "求解一个场景；打印摘要，并写出 result.json 和 CSV 表格。" in chinese
    assert "  --time-limit S        搜索时限，单位秒（默认：30）" in chinese
    assert "--solver {auto,flow,mip,cpsat,greedy,stable}" in chinese
    for argv in (["run", "--help", "--lang", "zh"], ["run", "--lang=zh", "--help"], ["--lang=zh", "run", "-h"]):
        assert printed(argv, capsys)[1] == chinese, argv
    english = printed(["run", "--help", "--lang", "en"], capsys)[1]
    assert "time limit of the search in seconds (default: 30)" in english and "搜索时限" not in english


def test_chinese_usage_continues_under_its_first_argument(capsys):
    """ "用法：" takes six columns, not three: the usage's continuation lines start under "[-h]"."""
    usage = printed(["--lang", "zh", "run", "--help"], capsys)[1].split("\n\n")[0].splitlines()
    assert len(usage) > 1
    first = wcswidth(usage[0][: usage[0].index("[-h]")])
    assert {len(line) - len(line.lstrip()) for line in usage[1:]} == {first}


@pytest.mark.parametrize(
    ("argv", "chinese", "english"),
    [
        (
            ["run"],
            "matcher run：错误：缺少以下必需参数：scenario",
            "matcher run: error: the following arguments are required: scenario",
        ),
        (
            ["run", "s.yaml", "--solver", "fast"],
            "参数 --solver：无效的选择：'fast'（可选：'auto', 'flow',",
            "argument --solver: invalid choice: 'fast' (choose from 'auto', 'flow',",
        ),
        (
            ["run", "s.yaml", "--time-limit", "soon"],
            "参数 --time-limit：无效的 float 值：'soon'",
            "invalid float value: 'soon'",
        ),
        (["run", "s.yaml", "--out"], "参数 --out：需要一个值", "argument --out: expected one argument"),
        (
            ["validate", "s.yaml", "--loud"],
            "matcher：错误：无法识别的参数：--loud",
            "matcher: error: unrecognized arguments: --loud",
        ),
        (
            ["serve", "--workers", "0"],
            "参数 --workers：至少为 1，填的是 0",
            "argument --workers: must be at least 1, got 0",
        ),
        (["tokens", "create"], "必须给出参数 --planner --community --unit 之一", "one of the arguments --planner"),
        ([], "缺少以下必需参数：COMMAND", "the following arguments are required: COMMAND"),
    ],
)
def test_bad_usage_exits_2_in_the_chosen_language(argv: list[str], chinese: str, english: str, capsys):
    """argparse's errors end the command with exit 2, the message and usage in the chosen language."""
    code, _out, err = printed(["--lang", "zh", *argv], capsys)
    assert code == 2 and chinese in err and err.startswith("用法：matcher"), err
    code, _out, err = printed([*argv, "--lang", "en"], capsys)
    assert code == 2 and english in err and err.startswith("usage: matcher"), err


def help_texts(parser: argparse.ArgumentParser) -> dict[str, str]:
    """Every text ``parser`` and its subcommands' parsers show, by where it stands: descriptions,
    option help and the subcommands' one-line summaries."""
    texts = {f"{parser.prog}: description": parser.description}
    for action in parser._actions:
        texts[f"{parser.prog} {'/'.join(action.option_strings) or action.dest}"] = action.help
        if isinstance(action, argparse._SubParsersAction):
            texts.update({f"{parser.prog} {c.dest}: summary": c.help for c in action._choices_actions})
            for sub in action.choices.values():
                texts.update(help_texts(sub))
    return {where: text for where, text in texts.items() if text not in (None, argparse.SUPPRESS)}


def untranslated(build: Callable[[], argparse.ArgumentParser]) -> list[str]:
    """Where the parser ``build`` makes shows the same text in Chinese as in English (outside
    :data:`SAME_IN_BOTH`); the parser is built once in each language, as ``main`` builds it."""
    i18n.use("en")
    english = help_texts(build())
    i18n.use("zh")
    chinese = help_texts(build())
    assert chinese.keys() == english.keys()
    return sorted(where for where in english if chinese[where] == english[where] and where not in SAME_IN_BOTH)


@pytest.mark.parametrize("command", [None, *SUMMARIES])
def test_every_help_text_has_a_chinese_translation(command: str | None):
    """Every description, option help and summary of every subcommand's full parser (nested ones,
    as tokens create and revoke, too) reads differently in Chinese."""
    assert untranslated(lambda: build_parser(command)) == []


def test_an_unmarked_help_text_is_found():
    """The walk above finds a help text no one marked for translation, in a nested parser as well."""

    def with_unmarked() -> argparse.ArgumentParser:
        parser = build_parser("tokens")
        parser.add_argument("--shout", help="an English text no one marked")
        tokens = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices["tokens"]
        nested = next(a for a in tokens._actions if isinstance(a, argparse._SubParsersAction))
        nested.choices["revoke"].add_argument("--all", help="another one")
        return parser

    assert untranslated(with_unmarked) == ["matcher --shout", "matcher tokens revoke --all"]
