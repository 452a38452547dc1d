"""003 2.3(b): parameters of an MLP on a flattened sequence, and an RNN with
exactly as many.

The MLP reads x_1 … x_T ∈ ℝ^d as one vector of T·d inputs: tanh layers of 20
and 10 units and one output, no biases.  The RNN is an Elman network without
biases, h_t = tanh(U x_t + W h_{t−1}), ŷ = v h_T, with hidden size k; its
weights are shared over time, so its count k(d + k + 1) does not grow with T,
and k is found by solving k(d + k + 1) = #params of the MLP.
"""
from __future__ import annotations

import sympy

from derive.catalog import Problem
from derive.core.numbers import InputError
from derive.core.steps import Evaluation, Relation, Remark, Solved
from problems import S3

STATEMENT = ("Input sequences X = (x_t), t = 1…T, x_t ∈ ℝ^d. An MLP with tanh activations and two hidden "
             "layers of 20 and 10 units (no biases) classifies a sequence into y ∈ {−1, 1}. State its number "
             "of learnable parameters, and propose an RNN with the same number, listing its parameters "
             "with their shapes. Symbolically in T and d, then for T = 10, d = 12.")
#: an instance where the hidden size comes out whole (k(d + k + 1) = 20Td + 210 has an integer root)
INSTANCE = {"T": 10, "d": 12}
HIDDEN = (20, 10)

T, d, k = sympy.symbols("T d k", integer=True, positive=True)


def mlp_shapes(inputs, hidden=HIDDEN) -> list[tuple[str, tuple]]:
    """(name, shape) of each weight matrix: layer l maps width_{l−1} to width_l."""
    widths = [inputs, *hidden, 1]
    return [(f"W_{l}", (widths[l], widths[l - 1])) for l in range(1, len(widths))]


def rnn_shapes(hidden, inputs) -> list[tuple[str, tuple]]:
    return [("U", (hidden, inputs)), ("W", (hidden, hidden)), ("v", (1, hidden))]


def count(shapes):
    return sympy.Add(*[rows * cols for _, (rows, cols) in shapes])


def build(solution, given=None):
    values = {T: sympy.Integer(INSTANCE["T"]), d: sympy.Integer(INSTANCE["d"])}

    part = solution.part("a", "The MLP: weight matrices 20×Td, 10×20 and 1×10.")
    shapes = mlp_shapes(T * d)
    terms = [rows * cols for _, (rows, cols) in shapes]
    mlp = count(shapes)
    part.steps.append(Remark("Parameters: " + ", ".join(f"{name} ∈ ℝ^({rows}×{cols})" for name, (rows, cols)
                                                         in shapes) + "."))
    part.steps.append(Relation((sympy.Symbol("params_MLP"), sympy.Add(*terms, evaluate=False), mlp),
                               reason="one weight per pair of connected units"))
    part.steps.append(Evaluation(sympy.Symbol("params_MLP"), mlp, values, mlp.xreplace(values)))
    part.answer("params_mlp", mlp, r"\#\mathrm{params}_{\mathrm{MLP}}")
    part.answer("params_mlp_instance", mlp.xreplace(values), r"\#\mathrm{params}_{\mathrm{MLP}}")

    part = solution.part("b", "An RNN h_t = tanh(U x_t + W h_{t−1}), ŷ = v h_T (no biases) with as many parameters.")
    rnn = count(rnn_shapes(k, d))
    equation = sympy.Eq(rnn, mlp)
    roots = sympy.solve(equation, k)  # k is declared positive: one root
    part.steps.append(Relation((sympy.Symbol("params_RNN"), rnn, sympy.factor(rnn)),
                               reason="U ∈ ℝ^(k×d), W ∈ ℝ^(k×k), v ∈ ℝ^(1×k), shared by all T steps"))
    part.steps.append(Solved(equation, k, tuple(roots), reason="equal counts; the positive root"))
    instance = equation.xreplace(values)
    hidden = [r for r in sympy.solve(instance, k) if r.is_integer and r > 0]
    if not hidden:
        raise InputError(f"no whole hidden size gives {mlp.xreplace(values)} parameters for T, d = "
                         f"{INSTANCE['T']}, {INSTANCE['d']}")
    size = hidden[0]
    part.steps.append(Solved(instance, k, tuple(sympy.solve(instance, k)), reason=f"T = {INSTANCE['T']}, "
                                                                                  f"d = {INSTANCE['d']}"))
    shapes = rnn_shapes(size, values[d])
    part.steps.append(Remark("Parameters: " + ", ".join(f"{name} ∈ ℝ^({rows}×{cols})" for name, (rows, cols)
                                                         in shapes) + "."))
    total = count(shapes)
    part.steps.append(Relation((sympy.Symbol("params_RNN"), sympy.Add(*[r * c for _, (r, c) in shapes],
                                                                      evaluate=False), total),
                               reason="the same count as the MLP"))
    assert total == mlp.xreplace(values)
    part.steps.append(Remark("For a general (T, d) the root need not be whole; then take k below it and make up "
                             "the difference with biases or a wider read-out."))
    part.answer("k", size, "k")
    part.answer("params_rnn", total, r"\#\mathrm{params}_{\mathrm{RNN}}")
    for name, (rows, cols) in shapes:
        part.answer(f"shape_{name}", sympy.ImmutableMatrix([rows, cols]), rf"\mathrm{{shape}}({name})")
    return solution


PROBLEM = Problem(
    name="rnn-mlp-params", title="Parameter counts of an MLP and an RNN",
    source=f"{S3}, 2.3(b)",
    build=build, statement=STATEMENT)
