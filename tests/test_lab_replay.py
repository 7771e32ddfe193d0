"""A dispatch policy in the lab: ``compare --replay`` and a sweep's ``replay:`` replay each seed's
arrivals through the dispatcher and report it beside the other figures; the same seed gives the same
table twice; the row's figures are the replay's (checked against a direct replay) and honest."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from matcher.cli import main
from matcher.dispatch.replay import ReplaySettings, generated, run_replay
from matcher.lab import sweep
from matcher.lab.compare import compare
from matcher.lab.replays import REPLAY_METRICS
from matcher.lab.runs import perturb
from matcher.policy import get_policy
from matcher.solvers.params import SolveParams
from tests.lab_problems import random_problem, write_scenario

SETTINGS = ReplaySettings(hours=24, replan_every=120)
LAB = SolveParams(time_limit=10, workers=1)
TIMELESS = ("wall_time", "replay_seconds")


@pytest.fixture(scope="module")
def problem():
    return random_problem(7, communities=4, needs=30, resources=8)


def _table(comparison) -> pd.DataFrame:
    return comparison.runs.drop(columns=[c for c in TIMELESS if c in comparison.runs])


def test_replay_compare_gives_the_same_table_twice(problem):
    policies = [get_policy("efficiency"), get_policy("urgency-first")]
    first = compare(problem, policies, seeds=2, params=LAB, replay=SETTINGS)
    second = compare(problem, policies, seeds=2, params=LAB, replay=SETTINGS)
    pd.testing.assert_frame_equal(_table(first), _table(second))
    pd.testing.assert_frame_equal(first.summary(), second.summary())
    assert first.proof().drop(columns="seconds (mean)").equals(second.proof().drop(columns="seconds (mean)"))
    assert set(first.runs["status"]) == {"replay"}
    assert {"replay_gap_to_hindsight", "replay_moves_per_replan", "hindsight_on_time_normal"} <= set(first.metrics)
    assert "needs_served" in first.metrics and "coverage_worst" in first.metrics


def test_replay_row_is_the_replay(problem):
    """Each row's figures equal a replay of the same seed's stream run directly, and its plan's
    needs served are the replay's; the hindsight bound bounds the replay."""
    policy = get_policy("efficiency")
    comparison = compare(problem, [policy], seeds=2, params=LAB, replay=SETTINGS)
    for seed in (0, 1):
        seeded = perturb(problem, seed)
        direct = run_replay(
            seeded, policy, generated(seeded, 24, seed), replan_every=120, time_limit=10, deterministic_time=5.0
        )
        row = comparison.runs[comparison.runs["seed"] == seed].iloc[0]
        assert row["objective"] == pytest.approx(direct.objective)
        assert row["replay_hindsight_objective"] == pytest.approx(direct.hindsight_objective)
        assert row["replay_gap_to_hindsight"] == pytest.approx(direct.gap)
        assert row["replay_moves_max"] == max(direct.moves(), default=0)
        served = sum(direct.ledger.is_served(n) for n in range(len(direct.ledger.needs)))
        assert row["needs_served"] == served
        for r in direct.rows:
            assert row[f"on_time_{r['urgency']}"] == r["on_time_share"]
            assert row[f"hindsight_on_time_{r['urgency']}"] == r["hindsight_share"]
        assert row["bound"] + 1e-9 >= row["objective"]
        assert np.isfinite(row["gap"])  # the hindsight solve's proven gap


def test_compare_cli_with_replay_writes_its_columns(problem, tmp_path, capsys):
    scenario = write_scenario(problem, tmp_path / "small.yaml")
    out = tmp_path / "out"
    code = main(
        ["compare", str(scenario), "--policies", "efficiency,equity", "--replay", "--hours", "12", "--out", str(out)]
    )
    printed = capsys.readouterr().out
    assert code == 0
    assert "replay_gap_to_hindsight" in printed and "replay" in printed
    runs = pd.read_csv(out / "runs.csv")
    assert set(runs["status"]) == {"replay"} and "replay_moves_per_replan" in runs
    assert '"replay": {' in runs["solver_parameters"][0]
    assert "replay_moves_max" in (out / "report.html").read_text(encoding="utf-8")


def test_compare_cli_refuses_replay_options_without_replay(problem, tmp_path, capsys):
    scenario = write_scenario(problem, tmp_path / "small.yaml")
    assert main(["compare", str(scenario), "--policies", "efficiency", "--rates", "normal=2"]) == 2
    assert "--replay" in capsys.readouterr().err
    assert main(["compare", str(scenario), "--policies", "efficiency", "--replay", "--replan-every", "0"]) == 2
    assert "--replan-every" in capsys.readouterr().err


def _spec(tmp_path, problem, replay) -> str:
    write_scenario(problem, tmp_path / "small.yaml")
    spec = {"scenarios": ["small.yaml"], "policies": ["efficiency"], "seeds": 2, "time_limit": 10, "replay": replay}
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return str(path)


def test_sweep_with_replay_equals_compare(problem, tmp_path):
    spec = sweep.load_spec(_spec(tmp_path, problem, {"hours": 24, "replan_every": 120}))
    report = sweep.run_sweep(spec, tmp_path / "out", None, progress=False)
    assert (report.table["status"] == "replay").all() and (report.table["error"] == "").all()
    direct = compare(problem, [get_policy("efficiency")], seeds=2, params=LAB, replay=SETTINGS)
    for column in ("objective", "replay_gap_to_hindsight", "replay_moves_per_replan", "needs_served"):
        assert report.table[column].tolist() == pytest.approx(direct.runs[column].tolist())
    assert set(REPLAY_METRICS) - {
        f"hindsight_on_time_{u}" for u in ("emergency", "utilities", "normal", "complex")
    } <= set(report.table.columns)


@pytest.mark.parametrize(
    ("replay", "field"),
    [({"hourz": 3}, "hourz"), ({"replan_every": -1}, "replan_every"), ({"rates": {"soon": 1}}, "rates")],
)
def test_sweep_refuses_bad_replay_fields(problem, tmp_path, replay, field):
    with pytest.raises(Exception) as info:
        sweep.load_spec(_spec(tmp_path, problem, replay))
    assert "replay" in str(info.value) and field in str(info.value)


def test_sweep_with_replay_on_a_local_cluster_equals_serial(problem, tmp_path):
    from matcher.parallel.cluster import close, connect

    spec = sweep.load_spec(_spec(tmp_path, problem, {"hours": 24, "replan_every": 120}))
    client = connect(None, n_workers=2)
    try:
        client.wait_for_workers(2)
        on_cluster = sweep.run_sweep(spec, tmp_path / "cluster", client, progress=False)
    finally:
        close(client, own_cluster=True)
    serial = sweep.run_sweep(spec, tmp_path / "serial", None, progress=False)
    columns = ["status", "objective", "bound", "replay_gap_to_hindsight", "replay_moves_max", "needs_served", "error"]
    pd.testing.assert_frame_equal(on_cluster.table[columns], serial.table[columns])
