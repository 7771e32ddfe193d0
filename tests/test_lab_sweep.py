"""``matcher sweep``: a real LocalCluster against a serial run, resume after an interruption, and
clear refusals of bad specs and silent schedulers."""

from __future__ import annotations

import time

import pandas as pd
import pytest
import yaml
from distributed import get_task_stream

from matcher.cli import main
from matcher.lab import sweep
from matcher.parallel.cluster import connect
from tests.lab_problems import random_problem, write_scenario

SPEC = {
    "name": "lab-test",
    "scenarios": ["small.yaml"],
    "policies": ["efficiency", "equity", "stable", {"preset": "efficiency", "min_community_share": 1.0}],
    "seeds": 2,
    "parameters": {"travel_cost": [0.01, 0.05]},
    "time_limit": 20,
}
RUNS = 4 * 2 * 2


def _write_spec(folder, **changes):
    write_scenario(random_problem(7, communities=4, needs=20, resources=8), folder / "small.yaml")
    path = folder / "spec.yaml"
    path.write_text(yaml.safe_dump({**SPEC, **changes}), encoding="utf-8")
    return path


def _comparable(table: pd.DataFrame) -> pd.DataFrame:
    return table.drop(columns=["wall_time"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def spec_path(tmp_path_factory):
    return _write_spec(tmp_path_factory.mktemp("sweep"))


def test_sweep_on_a_local_cluster_equals_the_serial_sweep(spec_path, tmp_path):
    spec = sweep.load_spec(spec_path)
    client = connect(None, n_workers=2)
    try:
        client.wait_for_workers(2)
        with get_task_stream(client) as stream:
            on_cluster = sweep.run_sweep(spec, tmp_path / "cluster", client, progress=False)
        assert len({task["worker"] for task in stream.data}) == 2  # both workers ran runs
    finally:
        cluster = client.cluster
        client.close()
        cluster.close()
    serial = sweep.run_sweep(spec, tmp_path / "serial", None, progress=False)
    assert on_cluster.total == on_cluster.ran == RUNS and on_cluster.resumed == 0
    pd.testing.assert_frame_equal(_comparable(on_cluster.table), _comparable(serial.table))
    table = pd.read_parquet(tmp_path / "cluster" / "sweep.parquet")
    assert len(table) == RUNS and len(pd.read_csv(tmp_path / "cluster" / "sweep.csv")) == RUNS
    # the infeasible policy (every community fully served) fails, is recorded, and the rest ran
    failed = table[table["error"] != ""]
    assert on_cluster.failed == len(failed) > 0
    assert failed["error"].str.startswith("InfeasibleError").all()
    ok = table[table["error"] == ""]
    assert len(ok) == RUNS - len(failed) and ok["needs_served"].notna().all()
    assert set(table["param.travel_cost"]) == {0.01, 0.05}
    assert set(failed["policy_label"]) == {"efficiency{min_community_share=1.0}"}
    assert ok["ortools_version"].notna().all() and ok["solver_parameters"].str.contains("random_seed").all()


def test_interrupted_sweep_resumes_without_redoing_finished_runs(spec_path, tmp_path, monkeypatch):
    spec = sweep.load_spec(spec_path)
    real = sweep.measure_run
    calls = []

    def interrupted(*args, **kwargs):
        if len(calls) == 5:
            raise KeyboardInterrupt
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(sweep, "measure_run", interrupted)
    with pytest.raises(KeyboardInterrupt):
        sweep.run_sweep(spec, tmp_path / "out", None, progress=False)
    assert len(list((tmp_path / "out" / "runs").glob("*.json"))) == 5
    assert not (tmp_path / "out" / "sweep.csv").exists()

    calls.clear()
    monkeypatch.setattr(sweep, "measure_run", lambda *a, **k: calls.append(a) or real(*a, **k))
    resumed = sweep.run_sweep(spec, tmp_path / "out", None, progress=False)
    assert (resumed.resumed, resumed.ran, len(calls)) == (5, RUNS - 5, RUNS - 5)
    monkeypatch.setattr(sweep, "measure_run", real)
    fresh = sweep.run_sweep(spec, tmp_path / "fresh", None, progress=False)
    pd.testing.assert_frame_equal(_comparable(resumed.table), _comparable(fresh.table))


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"policy": ["efficiency"]}, "policy"),
        ({"policies": ["efficiency", "fastest"]}, "policies"),
        ({"parameters": {"travel_speed": [1, 2]}}, "parameters"),
        ({"parameters": {"travel_cost": [-1]}}, "parameters"),
        ({"seeds": "three"}, "seeds"),
        ({"metrics": ["happiness"]}, "metrics"),
        ({"scenarios": ["missing.yaml"]}, "missing.yaml"),
    ],
)
def test_bad_spec_exits_2_naming_the_field(tmp_path, capsys, changes, field):
    spec = _write_spec(tmp_path, **changes)
    assert main(["sweep", str(spec), "--serial", "--out", str(tmp_path / "out"), "--no-progress"]) == 2
    error = capsys.readouterr().err
    assert field in error and ("spec.yaml" in error or "missing.yaml" in error)
    assert not (tmp_path / "out").exists()


def test_silent_scheduler_exits_2_quickly(spec_path, tmp_path, capsys):
    start = time.perf_counter()
    code = main(
        [
            "sweep",
            str(spec_path),
            "--scheduler",
            "tcp://127.0.0.1:9",
            "--connect-timeout",
            "1",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert code == 2 and time.perf_counter() - start < 15
    assert "no Dask scheduler answered at 'tcp://127.0.0.1:9'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_spec_with_seed_list_and_no_parameters(tmp_path):
    spec = _write_spec(tmp_path, seeds=[3, 1], parameters=None, policies=["stable", "efficiency"])
    report = sweep.run_sweep(sweep.load_spec(spec), tmp_path / "out", None, progress=False)
    assert report.table[["policy", "seed"]].values.tolist() == [
        ["stable", 3],
        ["stable", 1],
        ["efficiency", 3],
        ["efficiency", 1],
    ]
    assert not any(c.startswith("param.") for c in report.table.columns)
