"""Compare allocation policies on one scenario over several seeds (see :mod:`matcher.lab.runs`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from matcher import display
from matcher.dispatch.replay import ReplaySettings
from matcher.errors import FieldError
from matcher.i18n import N_, Text, _
from matcher.lab.metrics import community_coverage, impossible_price, metric_names, pairing_price, utilisation
from matcher.lab.replays import REPLAY_METRICS
from matcher.lab.runs import LAB_PARAMS, lab_run
from matcher.policy import PRESETS, Policy, get_policy
from matcher.problem import Problem
from matcher.result import Result, format_gap, status_name
from matcher.solvers.params import SolveParams

#: The proof rows of the table as printed (the keys stay in the HTML report's data).
PROOF_NAMES = {"status": N_("status"), "gap (max)": N_("gap (max)"), "seconds (mean)": N_("seconds (mean)")}
#: A comparison's runs should be proven within this relative gap (1%); those that are not are named.
TARGET_GAP = 0.01


def parse_policies(text: str, overrides: Mapping[str, Any] | None = None) -> list[Policy]:
    """Presets named in a comma-separated list, each with ``overrides``; unknown names raise FieldError."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise FieldError("--policies", Text("name at least one policy"))
    unknown = [n for n in names if n not in PRESETS]
    if unknown:
        raise FieldError(
            "--policies",
            Text(
                "unknown policy {names}; presets: {presets}",
                names=", ".join(map(repr, unknown)),
                presets=", ".join(PRESETS),
            ),
        )
    if len(set(names)) != len(names):
        raise FieldError("--policies", Text("a policy is named twice"))
    return [get_policy({"preset": n, **(overrides or {})}) for n in names]


@dataclass
class Comparison:
    """Runs of several policies over seeds: one row per run, plus what the figures need."""

    scenario: str
    runs: pd.DataFrame
    metrics: list[str]
    coverage: pd.DataFrame  # policy x community, mean over seeds
    utilisation: dict[str, np.ndarray]  # policy -> used share of hours, all seeds pooled
    pairing_price: dict[str, float] = field(default_factory=dict)  # mean over seeds, when both pairing presets ran
    target_gap: float = TARGET_GAP

    def unproven(self) -> pd.DataFrame:
        """Runs not proven within ``target_gap``: no bound (greedy start, heuristic), a larger gap, or
        an earlier lexicographic phase (emergencies, worst coverage) that stopped short."""
        gap = pd.to_numeric(self.runs["gap"], errors="coerce")
        phases = self.runs["phases_proven"].astype(bool) if "phases_proven" in self.runs else True
        exact = self.runs["status"] == "stable"  # deferred acceptance is exact for its own objective
        return self.runs[(gap.isna() | (gap > self.target_gap) | ~phases) & ~exact]

    def warnings(self) -> list[str]:
        """What a reader must know before trusting the table: unproven runs, an impossible price."""
        out = []
        bad = self.unproven()
        if len(bad):
            runs = ", ".join(
                _("{policy} seed {seed} ({status}, gap {gap})").format(
                    policy=r.policy, seed=r.seed, status=status_name(str(r.status)), gap=format_gap(_gap(r.gap))
                )
                for r in bad.itertuples()
            )
            out.append(
                _(
                    "NOT PROVEN: {bad} of {total} run(s) did not reach a gap of {target:.0%}: {runs}. Their figures "
                    "are not optima; a longer --time-limit may prove them."
                ).format(bad=len(bad), total=len(self.runs), target=self.target_gap, runs=runs)
            )
        why = impossible_price(self.pairing_price) if self.pairing_price else None
        if why:
            out.append(_("PRICE OF PAIRINGS: {why}").format(why=why))
        return out

    def label(self, policy: str) -> str:
        """The policy's name for figures, marked when a run of it is not proven within the target gap."""
        bad = self.unproven()
        return policy + _(" (NOT PROVEN)") if (bad["policy"] == policy).any() else policy

    def proof(self) -> pd.DataFrame:
        """Per policy: the runs' statuses, the largest gap and the time taken (mean over seeds)."""
        rows = {}
        for policy, runs in self.runs.groupby("policy", sort=False):
            gaps = pd.to_numeric(runs["gap"], errors="coerce")
            statuses = runs["status"].value_counts()
            rows[policy] = {
                "status": ", ".join(
                    status_name(s) if n == len(runs) else f"{status_name(s)} x{n}" for s, n in statuses.items()
                ),
                "gap (max)": format_gap(None if gaps.isna().any() else float(gaps.max())),
                "seconds (mean)": f"{runs['wall_time'].mean():.1f}",
            }
        return pd.DataFrame(rows).T

    def summary(self) -> pd.DataFrame:
        """Policies x metrics: the mean, and the standard deviation over seeds."""
        grouped = self.runs.groupby("policy", sort=False)[self.metrics]
        mean, spread = grouped.mean(), grouped.std(ddof=0)
        return pd.concat({"mean": mean, "sd": spread.fillna(0.0)}, axis=1)

    def table(self) -> str:
        """The summary as text, metrics (rows) x policies (columns) lined up by display width:
        ``mean ± sd`` per cell when there are several seeds."""
        s, proof = self.summary(), self.proof()
        several = self.runs["seed"].nunique() > 1
        rows = [[_(PROOF_NAMES[k]), *proof[k]] for k in proof.columns]
        rows += [
            [m, *(_cell(s.loc[p, ("mean", m)], s.loc[p, ("sd", m)], several) for p in s.index)] for m in self.metrics
        ]
        return display.table(["", *s.index], rows)


def _gap(value: Any) -> float | None:
    number = pd.to_numeric(value, errors="coerce")
    return None if pd.isna(number) else float(number)


def _cell(mean: float, sd: float, several: bool) -> str:
    if np.isnan(mean):
        return "-"
    text = f"{mean:.4g}"
    return f"{text} ± {sd:.2g}" if several else text


def compare(
    problem: Problem,
    policies: Iterable[Policy],
    seeds: int = 1,
    *,
    solver: str = "auto",
    params: SolveParams = LAB_PARAMS,
    metrics: Iterable[str] | None = None,
    target_gap: float = TARGET_GAP,
    on_run: Callable[[int, int, Result], None] | None = None,
    replay: ReplaySettings | None = None,
) -> Comparison:
    """Solve ``problem`` under every policy for seeds 0..seeds-1 and measure each run;
    ``on_run(done, total, result)`` hears of each finished run (for progress). With ``replay``
    every run replays its seed's arrivals through the dispatcher instead (:mod:`matcher.lab.replays`),
    and the replay's own figures join the metrics."""
    policies = list(policies)
    names, replayed = _metric_sets(metrics, replay)
    rows: list[dict[str, Any]] = []
    coverage: dict[str, list[np.ndarray]] = {}
    loads: dict[str, list[np.ndarray]] = {}
    by_run: dict[tuple[str, int], Result] = {}
    for policy in policies:
        for seed in range(seeds):
            result, row = lab_run(problem, policy, seed, solver=solver, params=params, metrics=names, replay=replay)
            rows.append(row)
            if on_run:
                on_run(len(rows), len(policies) * seeds, result)
            communities, share = community_coverage(result)
            coverage.setdefault(policy.name, []).append(pd.Series(share, index=communities))
            loads.setdefault(policy.name, []).append(utilisation(result))
            by_run[policy.name, seed] = result
    runs = pd.DataFrame(rows)
    present = [m for m in names + replayed if m in runs.columns]
    # Replayed streams differ by seed, and so may the communities with needs: mean over the runs that have them.
    cover = pd.DataFrame({p: pd.concat(v, axis=1).mean(axis=1) for p, v in coverage.items()}).T
    price = _mean_price(by_run, seeds) if replay is None else {}
    return Comparison(
        problem.name, runs, present, cover, {p: np.concatenate(v) for p, v in loads.items()}, price, target_gap
    )


def _metric_sets(metrics: Iterable[str] | None, replay: ReplaySettings | None) -> tuple[list[str], list[str]]:
    """The plan metrics asked for and the replay figures asked for (all of each when ``metrics`` is None)."""
    asked = None if metrics is None else list(metrics)
    replayed = [m for m in REPLAY_METRICS if replay is not None and (asked is None or m in asked)]
    return metric_names(None if asked is None else [m for m in asked if m not in replayed]), replayed


def _mean_price(by_run: dict[tuple[str, int], Result], seeds: int) -> dict[str, float]:
    """The price of the fixed pairings (pairing-soft against pairing-strict) averaged over the
    seeds, when both presets ran; else empty."""
    if ("pairing-strict", 0) not in by_run or ("pairing-soft", 0) not in by_run:
        return {}
    prices = [pairing_price(by_run["pairing-strict", s], by_run["pairing-soft", s]) for s in range(seeds)]
    return {k: float(np.mean([p[k] for p in prices])) for k in prices[0]}
