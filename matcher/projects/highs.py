"""Solving a CP-SAT model whose constraints are all linear with the HiGHS MIP solver (through
``scipy.optimize.milp``): the same model, a second engine.

On the project model HiGHS's LP relaxation and cuts give a far tighter bound than CP-SAT finds
with two workers, and it proves street-sized parts optimal in seconds (see docs/projects.md).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from ortools.sat.python import cp_model
from ortools.sat.python.cp_model_helper import ConstraintProto
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix

#: Default relative gap at which a part's search stops (HiGHS's mip_rel_gap, CP-SAT's relative_gap_limit).
GAP_TARGET = 0.002
#: Domain ends CP-SAT uses for "unbounded".
_HUGE = 2**62
#: The other kinds of CP-SAT constraint (the ``constraint`` oneof of ConstraintProto), to name one refused.
_KINDS = (
    "bool_or",
    "bool_and",
    "at_most_one",
    "exactly_one",
    "bool_xor",
    "int_div",
    "int_mod",
    "int_prod",
    "lin_max",
    "element",
    "circuit",
    "routes",
    "table",
    "automaton",
    "inverse",
    "reservoir",
    "interval",
    "no_overlap",
    "no_overlap_2d",
    "cumulative",
    "all_diff",
    "dummy_constraint",
)


def _row(constraint: ConstraintProto, assumed: set[int]) -> tuple[list[int], list[int], float, float]:
    """(columns, coefficients, lower, upper) of one linear constraint, read from its protobuf fields."""
    if not constraint.has_linear():
        kind = next((k for k in _KINDS if getattr(constraint, f"has_{k}")()), "an unknown kind")
        raise ValueError(f"only linear constraints can go to HiGHS, not {kind}")
    if any(lit not in assumed for lit in constraint.enforcement_literal):
        raise ValueError("only constraints enforced by assumptions can go to HiGHS")
    linear = constraint.linear
    cols, vals, shift = [], [], 0
    for ref, coeff in zip(linear.vars, linear.coeffs, strict=True):
        # A negative reference is the negation of a literal: coeff * (1 - x).
        cols.append(ref if ref >= 0 else -ref - 1)
        vals.append(coeff if ref >= 0 else -coeff)
        shift += 0 if ref >= 0 else coeff
    d = list(linear.domain)
    if len(d) != 2:
        raise ValueError("domains with holes cannot go to HiGHS")
    return cols, vals, d[0] - shift if d[0] > -_HUGE else -np.inf, d[1] - shift if d[1] < _HUGE else np.inf


class LinearProgram(NamedTuple):
    """A CP-SAT model as a MIP: minimise ``objective @ x`` subject to ``row_lower <= A x <= row_upper``
    and the variable bounds; the model's own objective is ``sign * (objective @ x + offset)``."""

    objective: np.ndarray
    matrix: csr_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    sign: float  # -1: the model maximises
    offset: float

    def model_value(self, minimised: float) -> float:
        """The model's objective at a value ``minimised`` of ``objective @ x``."""
        return self.sign * (minimised + self.offset)


def linear_program(model: cp_model.CpModel) -> LinearProgram:
    """The linear program of ``model``, read from its protobuf fields; refused (ValueError) unless
    every constraint is linear, without holes, and enforced only by assumptions."""
    proto = model.proto
    n = len(proto.variables)
    domains = [list(v.domain) for v in proto.variables]  # the wrapped repeated field takes no index -1
    lower = np.array([d[0] for d in domains], dtype=float)
    upper = np.array([d[-1] for d in domains], dtype=float)
    assumed = set(proto.assumptions)
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    lo: list[float] = []
    hi: list[float] = []
    for constraint in proto.constraints:
        c, v, low, high = _row(constraint, assumed)
        rows += [len(lo)] * len(c)
        cols += c
        vals += v
        lo.append(low)
        hi.append(high)
    objective = np.zeros(n)
    np.add.at(objective, np.array(proto.objective.vars, dtype=np.int64), np.array(proto.objective.coeffs, dtype=float))
    matrix = csr_matrix((vals, (rows, cols)), shape=(len(lo), n))
    sign = proto.objective.scaling_factor or 1.0
    return LinearProgram(objective, matrix, np.array(lo), np.array(hi), lower, upper, sign, proto.objective.offset)


class Infeasible(Exception):
    """HiGHS proved the model infeasible."""


def solve_with_highs(
    model: cp_model.CpModel, time_limit: float, gap: float = GAP_TARGET
) -> tuple[np.ndarray | None, float, float, bool]:
    """(variable values or None, objective, bound, proven optimal) in the model's own sense."""
    lp = linear_program(model)
    result = milp(
        lp.objective,
        constraints=LinearConstraint(lp.matrix, lp.row_lower, lp.row_upper),
        bounds=Bounds(lp.lower, lp.upper),
        integrality=np.ones(len(lp.objective)),
        options={"time_limit": max(time_limit, 0.1), "disp": False, "mip_rel_gap": gap},
    )
    bound = getattr(result, "mip_dual_bound", None)
    if result.status == 2:
        raise Infeasible
    if result.x is None:
        return None, float("nan"), lp.model_value(bound) if bound is not None else float("nan"), False
    values = np.rint(result.x)
    value = lp.model_value(float(lp.objective @ values))
    bound = lp.model_value(float(bound if bound is not None else result.fun))
    # Objectives are integral: proven optimal when the bound, rounded down as it is reported, is reached.
    return values, value, bound, math.floor(bound + 1e-6) <= round(value)
