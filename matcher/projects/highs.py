"""Solving a CP-SAT model whose constraints are all linear with the HiGHS MIP solver (through
``scipy.optimize.milp``): the same model, a second engine.

On the project model HiGHS's LP relaxation and cuts give a far tighter bound than CP-SAT finds
with two workers, and it proves street-sized parts optimal in seconds (see docs/projects.md).
"""

from __future__ import annotations

import math

import numpy as np
from ortools.sat.python import cp_model
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix

#: Default relative gap at which a part's search stops (HiGHS's mip_rel_gap, CP-SAT's relative_gap_limit).
GAP_TARGET = 0.002
#: Domain ends CP-SAT uses for "unbounded".
_HUGE = 2**62


def _linear_program(
    model: cp_model.CpModel,
) -> tuple[np.ndarray, csr_matrix, np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """(objective to minimise, A, row lower, row upper, var lower, var upper, sign) of the model."""
    proto = model.proto
    n = len(proto.variables)
    domains = [list(v.domain) for v in proto.variables]
    lower = np.array([d[0] for d in domains], dtype=float)
    upper = np.array([d[-1] for d in domains], dtype=float)
    assumed = set(proto.assumptions)
    rows, cols, vals, lo, hi = [], [], [], [], []
    for c in proto.constraints:
        if not str(c).startswith("linear"):
            raise ValueError("only linear constraints can go to HiGHS")
        if any(lit not in assumed for lit in c.enforcement_literal):
            raise ValueError("only constraints enforced by assumptions can go to HiGHS")
        r, shift = len(lo), 0
        for ref, coeff in zip(c.linear.vars, c.linear.coeffs, strict=True):
            # A negative reference is the negation of a literal: coeff * (1 - x).
            rows.append(r)
            cols.append(ref if ref >= 0 else -ref - 1)
            vals.append(coeff if ref >= 0 else -coeff)
            shift += 0 if ref >= 0 else coeff
        d = list(c.linear.domain)
        if len(d) != 2:
            raise ValueError("domains with holes cannot go to HiGHS")
        lo.append(d[0] - shift if d[0] > -_HUGE else -np.inf)
        hi.append(d[1] - shift if d[1] < _HUGE else np.inf)
    objective = np.zeros(n)
    for ref, coeff in zip(proto.objective.vars, proto.objective.coeffs, strict=True):
        objective[ref] += coeff
    sign = proto.objective.scaling_factor or 1.0  # -1: the model maximises
    matrix = csr_matrix((vals, (rows, cols)), shape=(len(lo), n))
    return objective, matrix, np.array(lo), np.array(hi), lower, upper, sign


class Infeasible(Exception):
    """HiGHS proved the model infeasible."""


def solve_with_highs(
    model: cp_model.CpModel, time_limit: float, gap: float = GAP_TARGET
) -> tuple[np.ndarray | None, float, float, bool]:
    """(variable values or None, objective, bound, proven optimal) in the model's own sense."""
    c, A, lo, hi, lower, upper, sign = _linear_program(model)
    result = milp(
        c,
        constraints=LinearConstraint(A, lo, hi),
        bounds=Bounds(lower, upper),
        integrality=np.ones(len(c)),
        options={"time_limit": max(time_limit, 0.1), "disp": False, "mip_rel_gap": gap},
    )
    bound = getattr(result, "mip_dual_bound", None)
    if result.status == 2:
        raise Infeasible
    if result.x is None:
        return None, float("nan"), sign * bound if bound is not None else float("nan"), False
    values = np.rint(result.x)
    value = sign * float(c @ values)
    bound = sign * float(bound if bound is not None else result.fun)
    # Objectives are integral: proven optimal when the bound, rounded down as it is reported, is reached.
    return values, value, bound, math.floor(bound + 1e-6) <= round(value)
