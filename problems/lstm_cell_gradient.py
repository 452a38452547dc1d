"""001 §13: the derivative of the LSTM cell state c_t with respect to c_{t−1}.

From c_t = f_t ⊙ c_{t−1} + i_t ⊙ c̃_t, where f_t, i_t, c̃_t depend on h_{t−1}
and x_t but not on c_{t−1}: ∂c_t/∂c_{t−1} = diag(f_t).  Derived on a
symbolic cell (entry by entry, and by reverse mode through the cell builder),
then measured on the lstm-forward instance, where h_{t−1} itself depends on
c_{t−1} and the total derivative has a second path through the gates.
"""
from __future__ import annotations

import sympy

from derive.catalog import Problem
from derive.analysis.calculus import jacobian
from derive.core.graph import Graph
from derive.core.matrices import explicit
from derive.core.numbers import format_decimal
from derive.nn.recurrent import LSTM_GATES, lstm_cell, lstm_weights
from derive.core.steps import Relation, Remark
from problems import lstm
from problems import S1

STATEMENT = ("Prove that the LSTM cell can remember information over long sequences by showing that the "
             "derivative of the cell state c(t) with respect to c(t−1) does not vanish over time.")

CONVENTION = ("Jacobians in numerator layout: [∂c_t/∂c_(t−1)]_ij = ∂c_t,i/∂c_(t−1),j; gradients have the "
              "shape of their variable, so ∂L/∂c_(t−1) = (∂c_t/∂c_(t−1))ᵀ ∂L/∂c_t.")

HIDDEN, INPUTS = 3, 2
FORGET_LEVELS = (sympy.Rational(9, 10), sympy.Rational(99, 100))
SPAN = 50


def build(solution, given=None):
    symbolic_part(solution)
    time_part(solution)
    instance_part(solution)
    return solution


def symbolic_cell():
    """One LSTM step with symbolic weights, hidden size 3, input size 2."""
    graph = Graph()
    shapes = {("W", g): (HIDDEN, INPUTS) for g in LSTM_GATES}
    shapes.update({("U", g): (HIDDEN, HIDDEN) for g in LSTM_GATES})
    shapes.update({("b", g): (HIDDEN, 1) for g in LSTM_GATES})
    weights = lstm_weights(graph, {key: None for key in shapes}, shapes)
    x = graph.given("x_t", shape=(INPUTS, 1))
    h = graph.given("h_tm1", shape=(HIDDEN, 1), latex=r"h_{t-1}", text="h_(t−1)")
    c = graph.given("c_tm1", shape=(HIDDEN, 1), latex=r"c_{t-1}", text="c_(t−1)")
    state = lstm_cell(graph, "t", x, h, c, weights)
    return graph, state, c


def symbolic_part(solution):
    graph, state, c_prev = symbolic_cell()
    solution.keep(graph)
    part = solution.part("a", f"∂c_t/∂c_(t−1) from the cell update, on a symbolic cell (hidden size {HIDDEN}).")
    c_t = graph["c_t"]
    part.steps.append(Relation((c_t.symbol, c_t.formula), reason="the cell update"))
    gates = [graph[f"{name}_t"] for name in ("f", "i", "ctilde")]
    depends = sorted({p.text for g in gates for p in g.parents})
    part.steps.append(Remark(f"f_t, i_t and c̃_t are computed from {', '.join(depends)}: c_(t−1) is not among "
                             "them, so only the first term of c_t depends on c_(t−1)."))
    if any(c_prev in g.formula.free_symbols for g in gates):
        raise RuntimeError("lstm-cell-gradient: a gate depends on c_(t−1)")
    entries = explicit(c_t.formula, {})
    J, step = jacobian(entries, list(sympy.ImmutableMatrix(c_prev)))
    part.steps.append(step)
    f_t = sympy.ImmutableMatrix(graph["f_t"].symbol)
    diagonal = sympy.ImmutableMatrix(sympy.diag(*f_t))
    if J != diagonal:
        raise RuntimeError("lstm-cell-gradient: the Jacobian is not diag(f_t)")
    solution.notation["dc_dc"] = ("∂c_t/∂c_(t−1)", r"\frac{\partial c_t}{\partial c_{t-1}}")
    part.steps.append(Relation((sympy.Symbol("dc_dc"), J), reason="= diag(f_t): entry i of c_t uses entry i of "
                                                                  "c_(t−1) only, with weight f_t,i"))
    # The same through reverse mode: ∂L/∂c_(t−1) for any L that sees c_(t−1) only through c_t.
    g = graph.given("g", shape=(HIDDEN, 1), latex="g", text="g")
    graph.define("L", sympy.MatMul(sympy.Transpose(g), state["c"]))
    graph.backward("L")
    solution.keep(graph)
    part.steps.append(Remark("Reverse mode through the cell builder, for a loss L = gᵀ c_t:"))
    part.steps.append(graph.step(graph.adjoint_name("c_tm1")))
    part.steps.append(Remark("∂L/∂c_t ⊙ f_t = diag(f_t)ᵀ ∂L/∂c_t: the same Jacobian, diag(f_t). The seed's "
                             "answer f(t) is this diagonal written as a vector (the derivative acts entry by "
                             "entry); as a matrix it is diag(f_t), not the vector f_t."))
    part.answer("dc_t_dc_tm1", J, r"\frac{\partial c_t}{\partial c_{t-1}}")


def time_part(solution):
    part = solution.part("b", "Over many steps: does the derivative vanish?")
    part.steps.append(Remark("Along the cell path, ∂c_t/∂c_(t−k) = diag(f_t) diag(f_(t−1)) ⋯ diag(f_(t−k+1)) "
                             "= diag(f_t ⊙ ⋯ ⊙ f_(t−k+1)): a product of numbers in (0, 1), one per step, with no "
                             "weight matrix and no activation derivative in it (unlike an RNN's "
                             "diag(φ′) W_h)."))
    for level in FORGET_LEVELS:
        name = f"retained_{format_decimal(float(level))}".replace(".", "_")
        value = sympy.Float(level**SPAN, 30)
        solution.notation[name] = (f"({format_decimal(float(level))})^{SPAN}",
                                   rf"{format_decimal(float(level))}^{{{SPAN}}}")
        part.steps.append(Relation((sympy.Symbol(name), value),
                                   reason=f"f = {format_decimal(float(level))} at every step, {SPAN} steps"))
        part.answer(name, value, rf"{format_decimal(float(level))}^{{{SPAN}}}")
    part.steps.append(Remark("So the seed's conclusion needs its own condition: the derivative does not vanish "
                             "as long as the forget gates stay close to 1 (the network can learn b_f large, so "
                             "that f ≈ 1 where memory matters); with f_t bounded away from 1 it still decays "
                             "geometrically. What the LSTM gains is that this factor is a gate the network "
                             "controls, not a product of W_h's that it cannot keep near 1."))


def instance_part(solution):
    """On lstm-forward's numbers: the direct path f_2 against the total derivative."""
    given = {k: v for k, v in lstm.GIVEN.items() if k not in ("y", "loss")}
    graph, _ = lstm.build_graph(given)
    graph.define("L", graph["c_2"].symbol, latex="L")
    graph.backward("L")
    graph.evaluate()
    notation = {k: v for k, v in graph.notation().items() if k not in solution.notation}
    solution.notation.update(notation)
    part = solution.part("c", "On the lstm-forward instance (t = 2): the cell path against the total derivative, "
                              "in which h_1 = o_1 ⊙ tanh(c_1) also feeds the gates of step 2.")
    part.steps.append(graph.step("f_2", "the cell path: ∂c_2/∂c_1 with h_1 held fixed"))
    part.steps.append(graph.step(graph.adjoint_name("h_1"), "through the gates of step 2"))
    part.steps.append(graph.step(graph.adjoint_name("c_1"), "both paths: total dc_2/dc_1"))
    part.steps.append(Remark("The seed's argument holds the gates fixed; when c_(t−1) also changes h_(t−1) "
                             "(through o_(t−1) ⊙ tanh(c_(t−1))) the gates move too and add the second term."))
    part.answer("dc_2_dc_1_direct", graph.value("f_2"), r"\left.\frac{\partial c_2}{\partial c_1}\right|_{h_1}")
    part.answer("dc_2_dc_1_total", graph.value(graph.adjoint_name("c_1")), r"\frac{d c_2}{d c_1}")
    part.steps.append(graph.figure("the lstm-forward instance up to L = c₂: values, and gradients of c₂ "
                                   "(the grad of c₁ is the total dc₂/dc₁)"))


PROBLEM = Problem(
    name="lstm-cell-gradient", title="Gradient of the LSTM cell state through time",
    source=f"{S1}, §13",
    build=build, statement=STATEMENT, convention=CONVENTION)
