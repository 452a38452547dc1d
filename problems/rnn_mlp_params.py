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
from derive.core.givens import Givens
from derive.core.numbers import InputError
from derive.core.steps import Evaluation, Relation, Remark, Solved
from derive.printing import math
from problems import S3

#: an instance where the hidden size comes out whole (k(d + k + 1) = 20Td + 210 has an integer root)
GIVEN = {"T": 10, "d": 12, "hidden": [20, 10]}

T, d, k = sympy.symbols("T d k", integer=True, positive=True)


def read(given: dict):
    g = Givens(given, "given", ("T", "d", "hidden"))
    hidden = g.items("hidden")
    view = Givens(dict(enumerate(hidden)), "given.hidden")
    view._path = lambda index: f"given.hidden[{index}]"
    return {"T": g.integer("T", 1), "d": g.integer("d", 1)}, tuple(view.integer(i, 1) for i in range(len(hidden)))


def statement(given: dict) -> str:
    instance, hidden = read(given)
    layers = " and ".join(map(str, hidden))
    count = {1: "one hidden layer", 2: "two hidden layers", 3: "three hidden layers"}.get(
        len(hidden), f"{len(hidden)} hidden layers")
    return ("Input sequences X = (x_t), t = 1…T, x_t ∈ ℝ^d. An MLP with tanh activations and "
            f"{count} of {layers} unit{'s' * (hidden != (1,))} (no biases) classifies a sequence into y ∈ {{−1, 1}}. "
            "State its number of learnable parameters, and propose an RNN with the same number, listing its "
            f"parameters with their shapes. Symbolically in T and d, then for T = {instance['T']}, "
            f"d = {instance['d']}.")


def mlp_shapes(inputs, hidden) -> list[tuple[str, tuple]]:
    """(name, shape) of each weight matrix: layer l maps width_{l−1} to width_l."""
    widths = [inputs, *hidden, 1]
    return [(f"W_{l}", (widths[l], widths[l - 1])) for l in range(1, len(widths))]


def rnn_shapes(hidden, inputs) -> list[tuple[str, tuple]]:
    return [("U", (hidden, inputs)), ("W", (hidden, hidden)), ("v", (1, hidden))]


def count(shapes):
    return sympy.Add(*[rows * cols for _, (rows, cols) in shapes])


def build(solution, given: dict):
    sizes, hidden = read(given)
    values = {T: sympy.Integer(sizes["T"]), d: sympy.Integer(sizes["d"])}

    shapes = mlp_shapes(T * d, hidden)
    part = solution.part("a", "The MLP: weight matrices " + ", ".join(
        f"{math.text(rows)}×{math.text(cols)}".replace("T·d", "Td") for _, (rows, cols) in shapes[:-1])
        + f" and {shapes[-1][1][0]}×{shapes[-1][1][1]}.")
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
                         f"{sizes['T']}, {sizes['d']}")
    size = hidden[0]
    part.steps.append(Solved(instance, k, tuple(sympy.solve(instance, k)), reason=f"T = {sizes['T']}, "
                                                                                  f"d = {sizes['d']}"))
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


def random_given(rng) -> dict:
    """Hidden layers of real size and a (T, d) for which the RNN's hidden size
    comes out whole: k and d are drawn, and T solves k(d + k + 1) = #params(MLP)."""
    while True:
        hidden = [rng.choice([10, 16, 20, 30, 32, 40, 50]), rng.choice([4, 5, 8, 10, 16, 20])]
        if hidden[1] > hidden[0]:
            continue
        size, inputs = rng.randint(10, 200), rng.randint(2, 40)
        rest = size * (inputs + size + 1) - hidden[0] * hidden[1] - hidden[1]  # = hidden[0]·T·d
        if rest > 0 and rest % (hidden[0] * inputs) == 0 and 2 <= rest // (hidden[0] * inputs) <= 100:
            given = {"T": rest // (hidden[0] * inputs), "d": inputs, "hidden": hidden}
            if given != GIVEN:
                return given


PROBLEM = Problem(
    name="rnn-mlp-params", title="Parameter counts of an MLP and an RNN",
    source=f"{S3}, 2.3(b)",
    build=build, given=GIVEN, statement=statement, random_given=random_given)
