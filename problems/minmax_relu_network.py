"""004 B1(a): a network with ReLU hidden units and linear outputs that
computes (min(x₁, x₂), max(x₁, x₂)); weights derived, proved over every
ordering of 0, x₁ and x₂."""
from __future__ import annotations

import sympy

from derive.catalog import Problem
from derive.nn import layers
from derive.core.givens import Givens
from derive.core.graph import Graph
from derive.nn.piecewise_linear import express, holds_by_cases, order_cases, relu_network
from derive.core.steps import Relation, Remark
from problems import S4

x1, x2 = X = sympy.symbols("x_1 x_2", real=True)
g = sympy.Symbol("g", positive=True)
x = sympy.Symbol("x", real=True)


def relu(e):
    return sympy.Max(0, e)


BASIS = [x1, x2, relu(x1 - x2), relu(x2 - x1)]
DIFFERENCE_CASES = [{x1: x2 + g}, {x2: x1 + g}, {x1: x2}]
SIGN_CASES = [{x: g}, {x: -g}, {x: 0}]
# The seed's final formulas, as written.
SEED_MIN = -relu(x1 - x2) + x1
SEED_MAX = relu(x1 - x2) + relu(x2) - relu(-x2)

GIVEN = {"x": [0.3, -1.2]}

STATEMENT = (
    "Design a multilayer perceptron with inputs (x₁, x₂), scalars, and outputs (y₁, y₂) = (min(x₁, x₂), "
    "max(x₁, x₂)); hidden units use ReLU(x) = max(0, x), output units are linear (no activation). Give the "
    "weights. Reconstructed from the solution: the seed's figure is missing; the givens are one input to run "
    "the network on.")


def build(solution, given: dict):
    solution.notation.update({"g": ("g", "g")})
    outputs = identities(solution)
    W, b, V, c = network(solution, outputs)
    seed(solution)
    instance(solution, given, W, b, V, c)
    return solution


def identities(solution):
    part = solution.part("a", "min and max through one ReLU, and a linear pass-through through two.")
    part.steps.append(Remark(
        "On each side of x₁ = x₂ every candidate term is linear, so writing min(x₁, x₂) (and max) as a "
        "combination of x₁, x₂, ReLU(x₁ − x₂), ReLU(x₂ − x₁) and matching on the cases x₁ = x₂ + g, "
        "x₂ = x₁ + g (g > 0) and x₁ = x₂ is a linear system for the coefficients."))
    outputs = []
    for name, target in (("min", sympy.Min(x1, x2)), ("max", sympy.Max(x1, x2))):
        coefficients, _ = express(target, BASIS, DIFFERENCE_CASES)
        form = sum((c * term for c, term in zip(coefficients, BASIS)), sympy.Integer(0))
        ok, steps = holds_by_cases(target, form, DIFFERENCE_CASES)
        part.steps.append(Relation((target, form), reason="coefficients solved from the cases"))
        part.steps += steps
        part.answer(f"{name}_form", form, rf"\{name}(x_1, x_2)")
        part.answer(f"{name}_proved", ok, rf"\text{{{name} identity holds}}")
        outputs.append(form)
    coefficients, _ = express(x, [relu(x), relu(-x)], SIGN_CASES)
    passthrough = coefficients[0] * relu(x) + coefficients[1] * relu(-x)
    ok, steps = holds_by_cases(x, passthrough, SIGN_CASES)
    part.steps.append(Relation((x, passthrough), reason="a linear input through ReLU units: both signs"))
    part.steps += steps
    part.answer("passthrough", passthrough, "x")
    part.answer("passthrough_proved", ok, r"\text{pass-through holds}")
    return outputs


def network(solution, outputs):
    part = solution.part("b", "The network: y = V ReLU(W x + b) + c.")
    W, b, V, c, arguments = relu_network(outputs, X)
    part.steps.append(Remark(
        "Every bare input is written ReLU(x) − ReLU(−x), so that the only path from input to output is through "
        f"a hidden ReLU unit; one hidden unit per distinct argument: {len(arguments)} units, "
        + ", ".join(f"h_{i + 1} = ReLU({a})" for i, a in enumerate(arguments)) + "."))
    hidden = sympy.ImmutableMatrix([relu(a) for a in arguments])
    part.steps.append(Relation((sympy.Symbol("y"), V * hidden + c), reason="y₁ = min, y₂ = max"))
    # The network is proved equal to (min, max) on every ordering of 0, x₁, x₂ (the units' kinks).
    cases = order_cases(X)
    network_output = V * sympy.ImmutableMatrix([relu(a) for a in (W * sympy.ImmutableMatrix(X) + b)]) + c
    targets = (sympy.Min(x1, x2), sympy.Max(x1, x2))
    proved = all(holds_by_cases(t, o, cases, show=False)[0] for t, o in zip(targets, network_output))
    part.steps.append(Remark(
        f"V ReLU(W x + b) + c against (min, max) on all {len(cases)} orderings of 0, x₁ and x₂ (every region "
        "where each hidden unit's sign is fixed, ties included): "
        + ("equal on every one." if proved else "they differ on some region.")))
    for key, value in (("W", W), ("b", b), ("V", V), ("c", c)):
        part.answer(key, value, key)
    part.answer("hidden_units", sympy.Integer(len(arguments)), r"\text{hidden units}")
    part.answer("network_proved", proved, r"\text{network} = (\min, \max)")
    return W, b, V, c


def seed(solution):
    part = solution.part("c", "The seed's formulas, checked.")
    results = []
    for name, target, form in (("min", sympy.Min(x1, x2), SEED_MIN), ("max", sympy.Max(x1, x2), SEED_MAX)):
        ok = holds_by_cases(target, form, order_cases(X), show=False)[0]
        results.append(ok)
        part.steps.append(Relation((target, form), ("=" if ok else "≠",),
                                   reason="the seed's formula, on all orderings of 0, x₁, x₂"))
        part.answer(f"seed_{name}_correct", ok, rf"\text{{seed's {name} correct}}")
    part.steps.append(Remark("Both of the seed's final formulas hold; its pass-through of x₂ as ReLU(x₂) − "
                             "ReLU(−x₂) is the one derived in (a)." if all(results)
                             else "A seed formula fails on some ordering of 0, x₁, x₂."))


def instance(solution, given, W, b, V, c):
    part = solution.part("d", "The network run on the given input, through the graph.")
    point = Givens(given, "given", ("x",)).vector("x", 2)
    graph = Graph()
    h = layers.activation(graph, "h", "relu",
                          layers.affine(graph, "z", graph.given("W", W), graph.given("x", point), graph.given("b", b)))
    graph.define("y", layers.total([layers.product(graph.given("V", V), h, "output"), graph.given("c", c)], "output"))
    graph.evaluate()
    solution.notation.update(graph.notation())
    part.steps += graph.steps(["z", "h", "y"])
    expected = sympy.ImmutableMatrix([min(point), max(point)])
    ok = graph.value("y") == expected
    part.steps.append(Relation((graph["y"].symbol, expected), ("=" if ok else "≠",),
                               reason="(min, max) of the input"))
    part.answer("y", graph.value("y"), "y")
    part.answer("instance_correct", ok, r"y = (\min, \max)")
    part.steps.append(graph.figure("the min/max network on the given input (forward pass)"))


def random_given(rng) -> dict:
    return {"x": [round(rng.uniform(-3, 3), 2) for _ in range(2)]}



STUDENT_NAMES = {"y_1": "min_form", "y_2": "max_form"}


PROBLEM = Problem(
    names=STUDENT_NAMES,
    name="minmax-relu-network", title="min and max as ReLU networks", source=f"{S4}, B1(a)",
    build=build, given=GIVEN, statement=STATEMENT, random_given=random_given)
