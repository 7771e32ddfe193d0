"""A dispatch policy in the lab (回放): a run that replays the day's arrivals through the live
dispatcher instead of solving the scenario at once (``compare --replay``, a sweep's ``replay:``).

The run's plan is the dispatcher's final plan over the arrived needs, measured by every metric of
:mod:`matcher.lab.metrics` like any run, except that a need is on time only when the minutes it
waited for its placement plus its resource's arrival keep within its deadline. Beside them:
on-time shares of the hindsight optimum (the same needs solved at once, each placed the minute it
arrived), moves per re-plan, the stability cost and the gap to hindsight.

Honest status: a replay proves nothing about itself. Its row's status is ``replay``; its bound
is the hindsight solve's bound (no plan of these needs can do better) and its ``gap`` column is the
hindsight solve's own proven gap, so a row whose reference is not proven is named like any
unproven run.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from matcher.candidates import VALUE_SCALE
from matcher.dispatch.replay import ReplayResult, ReplaySettings, run_replay
from matcher.errors import FieldError, MatcherError
from matcher.i18n import Text
from matcher.policy import Policy
from matcher.problem import Problem
from matcher.result import Result
from matcher.solution import Solution, Status
from matcher.vocabulary import Urgency

#: The status of a replay row: an online plan, not an optimisation.
REPLAY_STATUS = "replay"
#: CP-SAT's work bound per re-plan when the lab gives none: with one worker a replay repeats exactly.
DETERMINISTIC_TIME = 5.0

#: Replay metrics by name: description (shown beside the core metrics).
REPLAY_METRICS: dict[str, str] = {
    **{
        f"hindsight_on_time_{u.value}": f"hindsight optimum: share of {u.value} needs served within "
        f"{u.deadline_minutes} min"
        for u in Urgency
    },
    "replay_gap_to_hindsight": "share of the hindsight optimum's objective the replay gave up",
    "replay_hindsight_objective": "objective of the same needs solved at once",
    "replay_moves_per_replan": "assignments moved per re-plan (mean)",
    "replay_moves_max": "most assignments moved by one re-plan",
    "replay_stability_cost": "objective the move cost kept from the re-plans, summed",
    "replay_published_at_once": "needs published on arrival (deadline shorter than the re-plan interval)",
    "replay_escalated": "needs placed beyond their community (吹哨报到)",
}


def settings_from(mapping: Any) -> ReplaySettings:
    """A sweep spec's ``replay:`` mapping as settings; bad fields raise FieldError naming them."""
    from matcher.solvers.escalation import EscalationRules

    if not isinstance(mapping, dict):
        raise FieldError(
            "replay", Text("expected a mapping such as {example}", example="{hours: 24, replan_every: 60}")
        )
    known = ("hours", "rates", "arrivals", "replan_every", "publish", "street_minutes", "district_minutes")
    unknown = sorted(set(map(str, mapping)) - set(known))
    if unknown:
        raise FieldError(unknown[0], Text("unknown replay field; expected some of: {items}", items=", ".join(known)))
    rates = mapping.get("rates")
    if rates is not None and not isinstance(rates, dict):
        raise FieldError("rates", Text("expected a mapping of urgency level -> arrivals per hour"))
    rules = EscalationRules(**{k: float(mapping[k]) for k in ("street_minutes", "district_minutes") if k in mapping})
    from matcher.dispatch.replay import parse_rates

    return ReplaySettings(
        hours=float(mapping.get("hours", 168.0)),
        rates=tuple(parse_rates(",".join(f"{k}={v}" for k, v in rates.items())).items()) if rates else None,
        arrivals=str(mapping["arrivals"]) if mapping.get("arrivals") else None,
        replan_every=float(mapping.get("replan_every", 60.0)),
        publish=str(mapping.get("publish", "latest")),
        rules=rules,
    )


def replay_run(
    problem: Problem,
    policy: Policy,
    seed: int,
    settings: ReplaySettings,
    *,
    time_limit: float,
    deterministic_time: float | None,
) -> tuple[Result, ReplayResult]:
    """Replay the arrivals of ``seed`` (a generated stream's seed; a file's arrivals are fixed)
    over ``problem``: the final plan as a :class:`Result` over the arrived needs, and the replay."""
    replay = run_replay(
        problem,
        policy,
        settings.stream(problem, policy, seed),
        replan_every=settings.replan_every,
        publish=settings.publish,
        rules=settings.rules,
        time_limit=time_limit,
        deterministic_time=deterministic_time if deterministic_time is not None else DETERMINISTIC_TIME,
    )
    return plan_result(replay), replay


def plan_result(replay: ReplayResult) -> Result:
    """The replay's final plan as a result over the hindsight problem (the arrived needs): its
    pairs found among the hindsight solve's candidates, its own objective, the hindsight bound."""
    ledger, hindsight = replay.ledger, replay.hindsight
    if ledger is None or hindsight is None:
        raise MatcherError(Text("the replay kept neither its plan nor its hindsight solve"))
    c = hindsight.candidates
    n_res = hindsight.problem.arrays.n_resources
    keys = c.need.astype(np.int64) * n_res + c.resource
    order = np.argsort(keys, kind="stable")
    wanted = np.array(
        [n * n_res + p.resource for n, ps in sorted(ledger.placed.items()) for p in ps if ledger.is_served(n)],
        dtype=np.int64,
    )
    at = np.searchsorted(keys[order], wanted)
    if len(wanted) and (at.max() >= len(keys) or not np.array_equal(keys[order][at], wanted)):
        raise MatcherError(Text("a replayed assignment is not a candidate pair of the hindsight solve"))
    solution = Solution(
        np.sort(order[at]),
        round(replay.objective * VALUE_SCALE),
        hindsight.solution.bound,
        Status.HEURISTIC,
    )
    note = Text(
        "replay: re-plan every {minutes:g} min; hindsight {solver} ({status})",
        minutes=replay.replan_every,
        solver=hindsight.solver,
        status=hindsight.solution.status,
    )
    return dataclasses.replace(
        hindsight, solution=solution, solver="replay", solver_note=note, wall_time=replay.seconds, timings={}
    )


def replay_figures(replay: ReplayResult) -> dict[str, Any]:
    """The replay's own columns of a lab row: on time per urgency (waiting included) for the replay
    and for hindsight, moves, stability cost, the gap to hindsight, and the honest status."""
    hindsight = replay.hindsight
    assert hindsight is not None
    d = replay.to_dict()
    moves = replay.moves()
    row: dict[str, Any] = {}
    for r in replay.rows:
        row[f"on_time_{r['urgency']}"] = r["on_time_share"]
        row[f"hindsight_on_time_{r['urgency']}"] = r["hindsight_share"]
    row.update(
        {
            "replay_gap_to_hindsight": replay.gap,
            "replay_hindsight_objective": replay.hindsight_objective,
            "replay_moves_per_replan": float(np.mean(moves)) if moves else 0.0,
            "replay_moves_max": float(d["moves_max"]),
            "replay_stability_cost": float(d["stability_cost_total"]),
            "replay_published_at_once": float(replay.published_at_once),
            "replay_escalated": float(replay.escalated),
            "status": REPLAY_STATUS,
            "gap": hindsight.gap,
            "phases": "; ".join(f"hindsight {p.name} {p.objective} ({p.status})" for p in hindsight.solution.phases),
            "phases_proven": all(p.status == "optimal" for p in hindsight.solution.phases),
            "wall_time": round(replay.seconds, 4),
        }
    )
    return row
