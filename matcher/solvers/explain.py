"""Why a model has no solution: the named side rules that together cannot hold.

A second pass after an engine proved the model infeasible: CP-SAT with one assumption literal per
named rule (a hard pairing's minimum, a community's minimum share) returns a set of them that
is infeasible on its own (an infeasible core)."""

from __future__ import annotations

from ortools.sat.python import cp_model

from matcher.solvers.cpsat import load_model
from matcher.solvers.linear import LinearModel


def infeasible_rules(model: LinearModel, time_limit: float) -> list[str]:
    """Names of side rules that together cannot hold; empty when the core rules alone conflict
    or no core was found within ``time_limit`` seconds."""
    if not model.named:
        return []
    cp, _, literals = load_model(model, guarded=True)
    return infeasible_core(cp, literals, time_limit)


def infeasible_core(cp: cp_model.CpModel, literals: dict[str, cp_model.IntVar], time_limit: float) -> list[str]:
    """Names of the rules, each enforced by its literal in ``literals``, that together make ``cp``
    infeasible (the core model's side rules, the project model's pairing minimums); empty when
    none are named, the model is feasible, or no core was found within ``time_limit`` seconds."""
    if not literals:
        return []
    cp.clear_assumptions()
    cp.add_assumptions(list(literals.values()))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1  # assumptions need the sequential search
    solver.parameters.max_time_in_seconds = max(time_limit, 1.0)
    if solver.solve(cp) != cp_model.INFEASIBLE:
        return []
    names = {lit.index: name for name, lit in literals.items()}
    return [names[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in names]
