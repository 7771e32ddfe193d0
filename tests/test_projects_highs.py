"""The HiGHS bridge against CP-SAT: the same small random models, the same optimum."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from matcher.projects.highs import Infeasible, solve_with_highs


@st.composite
def linear_models(draw: st.DrawFn) -> cp_model.CpModel:
    """A few booleans and small integers, linear rows over them and their negations (some
    enforced by an assumption literal), a constant in the objective, maximised or minimised."""
    m = cp_model.CpModel()
    xs = [m.new_bool_var(f"b{i}") for i in range(draw(st.integers(1, 5)))]
    xs += [
        m.new_int_var(draw(st.integers(-2, 0)), draw(st.integers(0, 3)), f"i{i}")
        for i in range(draw(st.integers(0, 2)))
    ]
    bools = [x for x in xs if x.name.startswith("b")]
    coeff = st.integers(-3, 3)
    for _ in range(draw(st.integers(0, 4))):
        terms = [c * x for x, c in zip(xs, draw(st.lists(coeff, min_size=len(xs), max_size=len(xs))), strict=True)]
        if draw(st.booleans()):
            terms.append(draw(coeff) * ~draw(st.sampled_from(bools)))  # a negated literal: c * (1 - x)
        low, width = draw(st.integers(-4, 3)), draw(st.integers(0, 6))
        row = m.add_linear_constraint(sum(terms), low, low + width)
        if draw(st.booleans()):
            lit = m.new_bool_var("assumed")
            row.only_enforce_if(lit)
            m.add_assumptions([lit])
    objective = sum(c * x for x, c in zip(xs, draw(st.lists(coeff, min_size=len(xs), max_size=len(xs))), strict=True))
    objective += draw(st.integers(-5, 5))
    (m.maximize if draw(st.booleans()) else m.minimize)(objective)
    return m


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model=linear_models())
def test_highs_reaches_the_cpsat_optimum(model):
    """Both engines agree: infeasible together, or the same proven optimum, and HiGHS's values
    give that objective."""
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    status = solver.solve(model)
    assert status in (cp_model.OPTIMAL, cp_model.INFEASIBLE)
    if status == cp_model.INFEASIBLE:
        with pytest.raises(Infeasible):
            solve_with_highs(model, time_limit=10, gap=0.0)
        return
    values, value, bound, optimal = solve_with_highs(model, time_limit=10, gap=0.0)
    assert optimal
    assert round(value) == round(solver.objective_value)
    proto = model.proto
    recomputed = proto.objective.offset + sum(
        c * values[v] for v, c in zip(proto.objective.vars, proto.objective.coeffs)
    )
    assert (proto.objective.scaling_factor or 1.0) * recomputed == pytest.approx(value)


def test_other_constraint_kinds_are_refused_by_name():
    """A constraint that is not linear is named, read from its protobuf field."""
    m = cp_model.CpModel()
    a, b = m.new_bool_var("a"), m.new_bool_var("b")
    m.add_bool_or([a, b])
    m.maximize(a + b)
    with pytest.raises(ValueError, match="bool_or"):
        solve_with_highs(m, time_limit=1)
