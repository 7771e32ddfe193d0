"""``matcher compare``: the table, the files it writes, and clear refusals of bad input."""

from __future__ import annotations

import base64
import re

import pandas as pd
import pytest

from matcher.cli import main
from tests.lab_problems import random_problem, write_scenario

POLICIES = "efficiency,equity,pairing-strict,pairing-soft,stable"


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    folder = tmp_path_factory.mktemp("compare")
    return write_scenario(random_problem(5, communities=4, needs=24, resources=8), folder / "small.yaml")


def test_compare_writes_table_csv_figures_and_report(scenario, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["compare", str(scenario), "--policies", POLICIES, "--seeds", "2", "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0
    assert "coverage_worst" in printed and "±" in printed and "Price of fixed pairings" in printed
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 5 * 2 and set(runs["policy"]) == set(POLICIES.split(","))
    assert (runs["ortools_version"].astype(str) != "").all() and runs["matcher_version"].notna().all()
    # the equity policy's worst coverage is never below efficiency's, seed by seed
    by = runs.set_index(["policy", "seed"])["coverage_worst"]
    assert all(by["equity", s] >= by["efficiency", s] for s in (0, 1))
    for name in ("coverage.png", "frontier.png", "load.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    html = (out / "report.html").read_text(encoding="utf-8")
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    assert len(images) == 3 and base64.b64decode(images[0])[:4] == b"\x89PNG"
    assert "<link" not in html and "http" not in html  # self-contained
    summary = pd.read_csv(out / "summary.csv", header=[0, 1], index_col=0)
    assert summary.loc["stable", ("mean", "blocking_pairs")] == 0


def test_compare_is_reproducible(scenario, tmp_path):
    tables = []
    for name in ("a", "b"):
        assert main(["compare", str(scenario), "--policies", "efficiency,load-balanced", "--seeds", "2",
                     "--out", str(tmp_path / name)]) == 0
        tables.append(pd.read_csv(tmp_path / name / "runs.csv").drop(columns=["wall_time"]))
    pd.testing.assert_frame_equal(tables[0], tables[1])


@pytest.mark.parametrize("args, message", [
    (["--policies", "efficiency,fastest"], "unknown policy 'fastest'"),
    (["--policies", "efficiency", "--metrics", "coverage_worst,happiness"], "unknown metric(s) 'happiness'"),
    (["--policies", "efficiency", "--set", "travel_speed=3"], "travel_speed"),
    (["--policies", "efficiency", "--seeds", "0"], "--seeds"),
])
def test_bad_input_exits_2_and_writes_nothing(scenario, tmp_path, capsys, args, message):
    out = tmp_path / "out"
    assert main(["compare", str(scenario), *args, "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_compare_with_chosen_metrics_leaves_out_the_frontier(scenario, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["compare", str(scenario), "--policies", "efficiency,stable", "--metrics",
                 "needs_served,blocking_pairs", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "needs_served" in printed and "coverage_worst" not in printed
    assert list(pd.read_csv(out / "summary.csv", header=[0, 1], index_col=0)["mean"].columns) == [
        "needs_served", "blocking_pairs"]
    assert (out / "coverage.png").exists() and not (out / "frontier.png").exists()
