import math

import numpy as np
import pytest
import sympy

from derive.core.graph import Graph
from derive.nn.layers import affine
from derive.core.matrices import ShapeMismatch
from derive.core.steps import Evaluation
from reference import central_difference


def scalar_rnn(T, w, u, xs):
    graph = Graph()
    W, U = graph.given("w", sympy.Rational(w)), graph.given("u", sympy.Rational(u))
    h = graph.given("h_0", sympy.Integer(0))
    for t in range(1, T + 1):
        x = graph.given(f"x_{t}", sympy.Rational(xs[t - 1]))
        h = graph.define(f"h_{t}", sympy.tanh(W * h + U * x))
    graph.define("L", h**2 / 2)
    return graph


def rnn_loss(w, u, xs):
    h = 0.0
    for x in xs:
        h = math.tanh(w * h + u * x)
    return h * h / 2


def test_scalar_rnn_adjoints_match_finite_differences():
    xs = ["0.5", "-1.2", "0.3", "0.9", "-0.4", "1.1"]
    graph = scalar_rnn(len(xs), "0.8", "0.6", xs)
    graph.evaluate()
    graph.backward("L")
    graph.evaluate()
    floats = [float(sympy.Rational(x)) for x in xs]
    dw = central_difference(lambda v: rnn_loss(v[0], 0.6, floats), np.array([0.8]))[0]
    du = central_difference(lambda v: rnn_loss(0.8, v[0], floats), np.array([0.6]))[0]
    assert float(graph.value("dL_dw")) == pytest.approx(dw, abs=1e-8)
    assert float(graph.value("dL_du")) == pytest.approx(du, abs=1e-8)


def test_adjoint_formulas_stay_local_and_grow_linearly():
    def adjoint_size(T):
        graph = scalar_rnn(T, "0.8", "0.6", ["0.1"] * T)
        graph.backward("L")
        adjoints = [q for q in graph if q.kind == "adjoint"]
        # A state's adjoint mentions only its consumer's adjoint: no nested tanh towers.
        assert all(sympy.count_ops(q.formula) < 20 for q in adjoints if q.name.startswith("dL_dh_"))
        return sum(sympy.count_ops(q.formula) for q in adjoints)
    assert adjoint_size(60) / adjoint_size(30) == pytest.approx(2, rel=0.1)


def test_tanh_derivative_is_written_in_terms_of_the_output():
    graph = scalar_rnn(2, "0.8", "0.6", ["0.5", "0.1"])
    graph.backward("L")
    formula = graph["dL_dh_1"].formula
    h_1 = graph["h_1"].symbol
    assert h_1 in formula.free_symbols or graph["h_2"].symbol in formula.free_symbols
    assert not formula.has(sympy.tanh)


def test_shape_mismatch_names_both_operands():
    graph = Graph()
    W = graph.given("W", sympy.ImmutableMatrix([[1, 2, 3]]))
    x = graph.given("x", sympy.ImmutableMatrix([1, 2]))
    with pytest.raises(ShapeMismatch, match=r"W is 1×3 and x is 2×1"):
        affine(graph, "z", W, x)


def test_three_part_step_parenthesises_negative_values():
    from derive.printing import math as printing
    graph = Graph()
    a, b = graph.given("a", sympy.Rational(-3, 10)), graph.given("b", sympy.Integer(2))
    graph.define("c", a * b + b)
    graph.evaluate()
    step = graph.step("c")
    assert isinstance(step, Evaluation)
    assert printing.text(step.formula, {}, step.bindings) in ("(−0.3)·2 + 2", "2 + (−0.3)·2", "2·(−0.3) + 2")
    assert step.value == sympy.Rational(7, 5)
