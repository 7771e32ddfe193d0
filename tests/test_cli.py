"""The command line: help, exit codes, the infeasible report, policy overrides."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from matcher.cli import main

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "tests" / "data" / "small" / "scenario.yaml"


def test_help_lists_commands():
    """`matcher --help` runs as an installed command and names the subcommands."""
    out = subprocess.run([sys.executable, "-m", "matcher", "--help"], capture_output=True, text=True, check=True)
    assert "run" in out.stdout and "validate" in out.stdout


def test_infeasible_pairings_exit_3_naming_the_rule(tmp_path: Path, capsys):
    """Pairing minimums beyond a unit's capacity end with exit 3 and the rule's name, and nothing written."""
    text = (SMALL.parent / "pairings.csv").read_text().replace("G1,C1,hard,1", "G1,C1,hard,3")
    for name in ("scenario.yaml", "communities.csv", "needs.csv", "resources.csv"):
        (tmp_path / name).write_bytes((SMALL.parent / name).read_bytes())
    (tmp_path / "pairings.csv").write_text(text)
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "scenario.yaml"), "--out", str(out)]) == 3
    assert "hard pairing G1 -> C1 serves at least 3 need(s)" in capsys.readouterr().err
    assert not out.exists()


def test_policy_override_and_unknown_field(tmp_path: Path, capsys):
    """--set changes a policy field; an unknown field is bad input (exit 2)."""
    assert (
        main(
            ["run", str(SMALL), "--policy", "urgency-first", "--set", "travel_cost=0.02", "--out", str(tmp_path / "a")]
        )
        == 0
    )
    assert "Policy urgency-first" in capsys.readouterr().out
    assert main(["run", str(SMALL), "--set", "speed=3", "--out", str(tmp_path / "b")]) == 2
    assert "field 'speed': unknown policy field" in capsys.readouterr().err


def test_flow_refuses_what_it_cannot_express(tmp_path: Path, capsys):
    """--solver flow on a problem with several providers per need is refused with the reason (exit 2)."""
    assert main(["run", str(SMALL), "--solver", "flow", "--out", str(tmp_path / "o")]) == 2
    assert "take several providers" in capsys.readouterr().err


def test_cli_imports_no_heavy_library():
    """`import matcher.cli` and `matcher --help` import neither OR-Tools, scipy nor pandas (start fast)."""
    code = (
        "import sys, contextlib, io\nimport matcher.cli\nwith contextlib.suppress(SystemExit), "
        "contextlib.redirect_stdout(io.StringIO()):\n    matcher.cli.main(['--help'])\n"
        "print(sorted(m for m in ('ortools', 'scipy', 'pandas', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_each_command_registers_its_listed_summary():
    """Every subcommand's full parser carries the one-line help that `matcher --help` lists."""
    from matcher.cli import SUMMARIES, build_parser

    for name, summary in SUMMARIES.items():
        sub = next(a for a in build_parser(name)._actions if isinstance(a, argparse._SubParsersAction))
        listed = {c.dest: c.help for c in sub._choices_actions}
        assert listed[name] == summary
        assert sub.choices[name].get_default("handler") is not None or name == "tokens"


def test_solver_choices_are_the_registry():
    """`--solver` lists its choices without importing the solvers (start fast); they are the
    registry's names, ``auto`` and the aliases, no more and no fewer."""
    from matcher.cli import build_parser
    from matcher.solvers import SOLVERS

    run = next(a for a in build_parser("run")._actions if isinstance(a, argparse._SubParsersAction)).choices["run"]
    (solver,) = [a for a in run._actions if a.dest == "solver"]
    assert sorted(solver.choices) == sorted(SOLVERS)
