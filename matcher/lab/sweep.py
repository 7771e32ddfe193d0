"""Parameter sweeps: a grid of scenarios x policies x parameters x seeds, run on Dask.

The spec is a YAML (or JSON) mapping::

    name: pairing-study            # optional; default the spec file's stem
    scenarios: [../scenarios/zhangjiang/scenario.yaml]   # paths relative to the spec
    policies: [efficiency, equity, {preset: locality-first, travel_cost: 0.05}]
    seeds: 3                       # seeds 0..2, or a list such as [0, 7, 11]
    parameters:                    # optional grid over policy fields, applied to every policy
      travel_cost: [0.01, 0.05]
    solver: auto                   # optional: auto, flow, mip, cpsat, greedy, stable
    engine: highs                  # optional: MIP engine, highs or cpsat
    time_limit: 30                 # optional: seconds per run
    workers: 1                     # optional: CP-SAT workers per run (1 is reproducible)
    deterministic_time: 2          # optional: CP-SAT work bound in deterministic units (repeatable)
    metrics: [needs_served, coverage_worst]   # optional; default all
    replay: {hours: 24, replan_every: 60}     # optional: every run replays its seed's arrivals
                                   # through the dispatcher (fields: hours, rates, arrivals,
                                   # replan_every, publish, street_minutes, district_minutes)

Every run has a key (a digest of the scenario's content, the policy's fields, the seed and the
solver settings). Its row is written to ``runs/<key>.json`` (atomically) as soon as it is done, so
an interrupted sweep resumes without redoing finished runs; at the end the rows are merged, in
grid order, into ``sweep.parquet`` and ``sweep.csv``. A run that fails is a row with its error.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import itertools
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pandas as pd

from matcher.dispatch.replay import ReplaySettings
from matcher.errors import FieldError, Issue, MatcherError, ScenarioError
from matcher.files import write_files
from matcher.i18n import Text
from matcher.io.scenario import load_scenario
from matcher.io.tables import load_document
from matcher.lab.metrics import metric_names
from matcher.lab.replays import settings_from
from matcher.lab.runs import measure_run, policy_fields
from matcher.policy import Policy, get_policy
from matcher.problem import Problem
from matcher.solvers import SOLVERS
from matcher.solvers.params import ENGINE_NAMES, SolveParams

SPEC_KEYS = (
    "name",
    "scenarios",
    "policies",
    "seeds",
    "parameters",
    "solver",
    "engine",
    "time_limit",
    "workers",
    "deterministic_time",
    "metrics",
    "replay",
)


@dataclass(frozen=True)
class Run:
    """One cell of the grid."""

    key: str
    scenario: int  # index into the spec's scenarios
    policy: Policy
    label: str  # the policy as the spec writes it, e.g. "efficiency{min_community_share=1.0}"
    seed: int
    parameters: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class SweepSpec:
    """A checked sweep spec with its scenarios loaded."""

    name: str
    scenario_files: tuple[str, ...]
    problems: tuple[Problem, ...]
    policies: tuple[Any, ...]  # preset names or mappings, as written
    seeds: tuple[int, ...]
    parameters: tuple[tuple[str, tuple[Any, ...]], ...]
    solver: str = "auto"
    time_limit: float = 30.0
    workers: int = 1
    deterministic_time: float | None = None
    metrics: tuple[str, ...] | None = None
    engine: str = "highs"
    replay: ReplaySettings | None = None

    def runs(self) -> list[Run]:
        """The grid in a fixed order: scenario, policy, parameter combination, seed."""
        names = [n for n, _ in self.parameters]
        out = []
        for s, problem in enumerate(self.problems):
            digest = problem_digest(problem)
            for spec in self.policies:
                for values in itertools.product(*(v for _, v in self.parameters)):
                    params = tuple(zip(names, values, strict=True))
                    policy = get_policy(spec).with_overrides(dict(params))
                    for seed in self.seeds:
                        out.append(Run(self._key(digest, policy, seed), s, policy, policy_label(spec), seed, params))
        return out

    def _key(self, digest: str, policy: Policy, seed: int) -> str:
        ident = {
            "scenario": digest,
            "policy": policy_fields(policy),
            "seed": seed,
            "solver": self.solver,
            "engine": self.engine,
            "time_limit": self.time_limit,
            "workers": self.workers,
            "deterministic_time": self.deterministic_time,
            "metrics": self.metrics,
            **({"replay": self.replay.to_dict()} if self.replay else {}),
        }
        return hashlib.sha256(json.dumps(ident, sort_keys=True, default=str).encode()).hexdigest()[:20]


def policy_label(spec: str | Mapping[str, Any]) -> str:
    """A policy as written in a spec: the preset name, with its overrides in braces."""
    if isinstance(spec, str):
        return spec
    extra = ", ".join(f"{k}={v}" for k, v in spec.items() if k != "preset")
    return f"{spec.get('preset', 'default')}{{{extra}}}" if extra else str(spec.get("preset", "default"))


def problem_digest(problem: Problem) -> str:
    """A digest of the problem's records, independent of set order and process."""

    def plain(value: Any) -> Any:
        return sorted(map(str, value)) if isinstance(value, frozenset) else value

    records: list[list[Any]] = [
        [name, [[(f.name, plain(getattr(r, f.name))) for f in fields(r)] for r in getattr(problem, name)]]
        for name in ("communities", "needs", "resources", "projects", "pairings")
    ]
    records.append(["settings", [(f.name, getattr(problem.settings, f.name)) for f in fields(problem.settings)]])
    return hashlib.sha256(json.dumps(records, default=str).encode()).hexdigest()[:20]


def _overridden(policy: Any, overrides: dict[str, Any], _: Any) -> Any:
    """``policy`` with ``overrides``: checks that each is a field of it with a valid value."""
    return get_policy(policy).with_overrides(overrides)


def load_spec(path: str | Path) -> SweepSpec:
    """Read and check a sweep spec; errors name the file and the field (ScenarioError)."""
    path = Path(path)
    spec = _SpecFields(_spec_document(path), str(path))
    doc = spec.doc
    scenarios = spec.check("scenarios", lambda v: [str(s) for s in _as_list(v, str)], "expected a list of paths")
    policies = spec.check(
        "policies",
        lambda v: [_check_policy(p) for p in _as_list(v, (str, dict))],
        "expected a list of preset names or mappings",
    )
    seeds = spec.optional("seeds", _seeds, "expected a count or a list of non-negative integers", (0,))
    params = (
        spec.check("parameters", _parameters, "expected a mapping of policy field -> list of values")
        if doc.get("parameters")
        else ()
    )
    solver = spec.optional("solver", lambda v: _choice(v, SOLVERS), f"expected one of {', '.join(SOLVERS)}", "auto")
    engine = spec.optional(
        "engine", lambda v: _choice(v, ENGINE_NAMES), f"expected one of {', '.join(ENGINE_NAMES)}", "highs"
    )
    time_limit = spec.optional("time_limit", _positive, "expected a positive number", 30.0)
    workers = spec.optional("workers", _positive_int, "expected a positive integer", 1)
    deterministic = spec.optional("deterministic_time", _positive, "expected a positive number", None)
    metrics = spec.optional(
        "metrics", lambda v: tuple(metric_names(_as_list(v, str))), "expected a list of metric names", None
    )
    _check_parameters(spec, policies, params)
    replay = spec.optional("replay", lambda v: _replay(v, path.parent), "bad replay settings", None)
    problems = tuple(load_scenario(path.parent / s).problem for s in scenarios)
    return SweepSpec(
        str(doc.get("name") or path.stem),
        tuple(scenarios),
        problems,
        tuple(policies),
        seeds,
        params,
        solver,
        float(time_limit),
        workers,
        deterministic,
        metrics,
        engine,
        replay,
    )


def _spec_document(path: Path) -> dict[str, Any]:
    """The spec file's mapping, refused when the file is missing, not a mapping, has unknown
    fields or lacks scenarios or policies."""
    shown = str(path)
    if not path.is_file():
        raise ScenarioError([Issue(shown, "", "", Text("sweep spec not found"))])
    doc = load_document(path, shown)
    if not isinstance(doc, dict):
        raise ScenarioError([Issue(shown, "", "", Text("expected a mapping with scenarios and policies"))])
    issues = [
        Issue(shown, "", k, Text("unknown field; expected some of: {items}", items=", ".join(SPEC_KEYS)))
        for k in sorted(set(map(str, doc)) - set(SPEC_KEYS))
    ]
    for required in ("scenarios", "policies"):
        if not doc.get(required):
            issues.append(Issue(shown, "", required, Text("missing or empty")))
    if issues:
        raise ScenarioError(issues)
    return doc


@dataclass(frozen=True)
class _SpecFields:
    """A spec's fields, each read through a test; a failed test names the file and the field."""

    doc: dict[str, Any]
    shown: str

    def check(self, name: str, test: Callable[[Any], Any], message: str) -> Any:
        try:
            return test(self.doc.get(name))
        except (TypeError, ValueError, FieldError) as exc:
            detail = f"{exc.field}: {exc.message}" if isinstance(exc, FieldError) else message
            raise ScenarioError([Issue(self.shown, "", name, detail)]) from None

    def optional(self, name: str, test: Callable[[Any], Any], message: str, default: Any) -> Any:
        """The field checked, or ``default`` when the spec does not give it."""
        return self.check(name, test, message) if name in self.doc else default


def _check_parameters(spec: _SpecFields, policies: list[Any], params: tuple[tuple[str, Any], ...]) -> None:
    """Every parameter must be a field of every policy, with every value valid."""
    names = [n for n, _ in params]
    for p in policies if params else ():
        for values in itertools.product(*(v for _, v in params)):
            overrides = dict(zip(names, values, strict=True))
            spec.check("parameters", functools.partial(_overridden, p, overrides), "bad parameter value")


def _replay(value: Any, folder: Path) -> ReplaySettings:
    """The ``replay:`` mapping; an arrivals file is relative to the spec."""
    settings = settings_from(value)
    if settings.arrivals is None:
        return settings
    return dataclasses.replace(settings, arrivals=str(folder / settings.arrivals))


def _as_list(value: Any, kinds: type | tuple[type, ...]) -> list[Any]:
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(v, kinds) for v in items):
        raise TypeError(value)
    return items


def _check_policy(spec: str | dict) -> str | dict:
    get_policy(spec)
    return spec


def _seeds(value: Any) -> tuple[int, ...]:
    if isinstance(value, bool):
        raise TypeError(value)
    if isinstance(value, int):
        if value < 1:
            raise ValueError(value)
        return tuple(range(value))
    seeds = tuple(_as_list(value, int))
    if not seeds or any(s < 0 or isinstance(s, bool) for s in seeds) or len(set(seeds)) != len(seeds):
        raise ValueError(value)
    return seeds


def _parameters(value: Any) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    if not isinstance(value, dict):
        raise TypeError(value)
    out = []
    for name, values in sorted(value.items()):
        values = values if isinstance(values, list) else [values]
        if not values:
            raise ValueError(name)
        out.append((str(name), tuple(values)))
    return tuple(out)


def _choice(value: Any, choices: Iterable[str]) -> str:
    if value not in tuple(choices):
        raise ValueError(value)
    return str(value)


def _positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(value)
    return value


def _positive(value: Any) -> float:
    if isinstance(value, bool) or float(value) <= 0:
        raise ValueError(value)
    return float(value)


# --- running ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SweepReport:
    """What a sweep did: runs in the grid, found finished, run now, failed; and the merged table."""

    total: int
    resumed: int
    ran: int
    failed: int
    table: pd.DataFrame
    files: tuple[Path, ...]

    def unproven(self, target_gap: float = 0.01) -> pd.DataFrame:
        """Finished runs not proven within ``target_gap`` (no bound, or a larger gap)."""
        if "gap" not in self.table:
            return self.table.iloc[0:0]
        done = self.table[self.table.get("error", pd.Series("", index=self.table.index)).fillna("") == ""]
        gap = pd.to_numeric(done["gap"], errors="coerce")
        phases = done["phases_proven"].fillna(False).astype(bool) if "phases_proven" in done else True
        exact = done["status"] == "stable"  # deferred acceptance is exact for its own objective
        return done[(gap.isna() | (gap > target_gap) | ~phases) & ~exact]


def run_sweep(spec: SweepSpec, out: Path, client: Any = None, *, progress: bool = True) -> SweepReport:
    """Run the runs of ``spec`` not yet in ``out/runs`` (on ``client``, or here when None); merge all."""
    runs = spec.runs()
    store = out / "runs"
    finished = {p.stem for p in store.glob("*.json")} if store.is_dir() else set()
    todo = [r for r in runs if r.key not in finished]
    failed = 0
    bar = _progress(len(runs), len(runs) - len(todo), progress, spec.name)
    options = {
        "solver": spec.solver,
        "params": SolveParams(
            time_limit=spec.time_limit,
            workers=spec.workers,
            deterministic_time=spec.deterministic_time,
            engine=spec.engine,
        ),
        "metrics": list(spec.metrics) if spec.metrics else None,
        "replay": spec.replay,
    }
    try:
        for run, row in _execute(spec, todo, client, options):
            failed += bool(row.get("error"))
            row = {
                "run_key": run.key,
                "scenario_file": spec.scenario_files[run.scenario],
                "policy_label": run.label,
                **{f"param.{k}": v for k, v in run.parameters},
                **row,
            }
            write_files(store, {f"{run.key}.json": json.dumps(row, sort_keys=True, default=str)})
            bar.update(1)
    finally:
        bar.close()
    table = merge(runs, store)
    files = write_files(out, {"sweep.csv": table.to_csv(index=False), "sweep.parquet": _parquet(table)})
    return SweepReport(len(runs), len(runs) - len(todo), len(todo), failed, table, tuple(files))


def _execute(spec: SweepSpec, todo: list[Run], client: Any, options: Mapping[str, Any]) -> Iterable[tuple[Run, dict]]:
    """(run, row) as runs finish: in order here, or as completed on the Dask cluster."""
    if client is None:
        for run in todo:
            yield run, measure_run(spec.problems[run.scenario], run.policy, run.seed, **options)
        return
    from distributed import as_completed

    for problem in spec.problems:
        problem.arrays  # noqa: B018 — compile once here, ship the arrays with the problem
    shared = [client.scatter(p, broadcast=True) for p in spec.problems]
    # The options go in a partial: as keywords of submit, ``workers`` would pin the tasks to a worker.
    task = functools.partial(measure_run, **options)
    futures = {
        client.submit(task, shared[r.scenario], r.policy, r.seed, pure=False, key=f"run-{r.key}"): r for r in todo
    }
    try:
        for future in as_completed(futures):
            run = futures[future]
            try:
                row = future.result()
            except Exception as exc:  # the worker died or the task could not run: record it and go on
                row = {
                    "scenario": spec.problems[run.scenario].name,
                    "policy": run.policy.name,
                    "seed": run.seed,
                    "error": f"{type(exc).__name__}: {exc}",
                }
            yield run, row
    finally:
        client.cancel(list(futures))


def merge(runs: list[Run], store: Path) -> pd.DataFrame:
    """The rows of ``runs`` from their files, in grid order."""
    rows = []
    for run in runs:
        path = store / f"{run.key}.json"
        if not path.is_file():
            raise MatcherError(Text("run {key} has no result file in {store}", key=run.key, store=store))
        rows.append(json.loads(path.read_text(encoding="utf-8")))
    return pd.DataFrame(rows)


def _parquet(table: pd.DataFrame) -> bytes:
    import io

    buffer = io.BytesIO()
    table.to_parquet(buffer, index=False)
    return buffer.getvalue()


def _progress(total: int, done: int, enabled: bool, name: str) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, initial=done, disable=not enabled, desc=name, unit="run")
