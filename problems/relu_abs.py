"""003 1.1(b,c): ReLU and |x| in terms of each other, and the network
F(x) = W₂|W₁x + b₁| rewritten as a ReLU network of hidden width 2d."""
from __future__ import annotations

import sympy
from sympy import BlockMatrix, MatrixSymbol

from derive.catalog import Problem
from derive.nn import layers
from derive.core.givens import Givens
from derive.core.graph import Graph
from derive.nn.piecewise_linear import express, holds_by_cases
from derive.core.steps import Relation, Remark
from problems import S3

x = sympy.Symbol("x", real=True)
p = sympy.Symbol("p", positive=True)
CASES = [{x: p}, {x: -p}, {x: 0}]
d = sympy.Symbol("d", integer=True, positive=True)

GIVEN = {"x": [0.5, -1.0, 2.0],
         "W_1": [[1.0, 0.5, -0.5], [-2.0, 1.0, 0.25], [0.5, 0.5, 1.0]],
         "b_1": [-0.5, 0.75, -1.5],
         "W_2": [[1.0, -1.0, 0.5], [0.25, 2.0, -1.0], [-0.5, 0.0, 1.5]]}

STATEMENT = (
    "(b) Express the ReLU activation in terms of the absolute value |x| and vice versa, in one line each. "
    "(c) For F(x) = W₂|W₁x + b₁| with b₁, x ∈ R^d, W₁, W₂ ∈ R^(d×d) and |·| element-wise, construct an "
    "equivalent one-hidden-layer network with ReLU activations and state all parameter dimensions. The numbers "
    "(d = 3) are an instance chosen here to confirm the construction.")


def relu_max(e):
    return sympy.Max(0, e)


def build(solution, given: dict):
    solution.notation.update({"p": ("p", "p")})
    identities(solution)
    construction(solution)
    instance(solution, given)
    return solution


def identities(solution):
    part = solution.part("b", "ReLU in terms of |x|, and |x| in terms of ReLU.")
    part.steps.append(Remark("Both sides are linear on x > 0 and on x < 0, so writing ReLU(x) = a x + b|x| and "
                             "matching on each case (x = p and x = −p, p > 0) gives linear equations in a, b."))
    (a, b), equations = express(relu_max(x), [x, sympy.Abs(x)], CASES, names=["a", "b"])
    relu_form = a * x + b * sympy.Abs(x)
    part.steps.append(Relation((sympy.Tuple(*[e for e in equations if e != 0]), sympy.Tuple(0, 0)),
                               reason=f"coefficients on each case vanish ⇒ a = {a}, b = {b}"))
    ok_relu, steps = holds_by_cases(relu_max(x), relu_form, CASES)
    part.steps += steps
    (c, e), _ = express(sympy.Abs(x), [relu_max(x), relu_max(-x)], CASES, names=["c", "e"])
    abs_form = c * relu_max(x) + e * relu_max(-x)
    ok_abs, steps = holds_by_cases(sympy.Abs(x), abs_form, CASES)
    part.steps += steps
    part.answer("relu_via_abs", relu_form, r"\operatorname{ReLU}(x)")
    part.answer("abs_via_relu", c * sympy.Symbol("ReLU(x)") + e * sympy.Symbol("ReLU(-x)"), r"|x|")
    part.answer("identities_hold", ok_relu and ok_abs, r"\text{both identities hold}")
    return abs_form


def construction(solution):
    part = solution.part("c", "F(x) = W₂|W₁x + b₁| as a ReLU network with one hidden layer.")
    W1, W2 = MatrixSymbol("W_1", d, d), MatrixSymbol("W_2", d, d)
    b1 = MatrixSymbol("b_1", d, 1)
    W1t = BlockMatrix([[W1], [-W1]])
    b1t = BlockMatrix([[b1], [-b1]])
    W2t = BlockMatrix([[W2, W2]])
    part.steps.append(Remark(
        "Element by element, |u| = ReLU(u) + ReLU(−u) (part b). With u = W₁x + b₁: |u| = ReLU(W₁x + b₁) + "
        "ReLU(−W₁x − b₁) = [I I] ReLU([W₁; −W₁] x + [b₁; −b₁]), so F(x) = [W₂ W₂] ReLU(W̃₁x + b̃₁): the hidden "
        "layer stacks each unit of the original with its negation."))
    part.steps.append(Relation((sympy.Symbol("W1tilde"), W1t), reason=f"shape {_shape(W1t)}"))
    part.steps.append(Relation((sympy.Symbol("b1tilde"), b1t), reason=f"shape {_shape(b1t)}"))
    part.steps.append(Relation((sympy.Symbol("W2tilde"), W2t), reason=f"shape {_shape(W2t)}"))
    part.steps.append(Remark(f"Hidden width {_shape(W1t).split('×')[0]}; the output layer has no bias (b̃₂ = 0 ∈ R^d) and no "
                             "activation."))
    for key, value, latex in (("W_1_tilde", W1t, r"\tilde{W}_{1}"), ("b_1_tilde", b1t, r"\tilde{b}_{1}"),
                              ("W_2_tilde", W2t, r"\tilde{W}_{2}")):
        part.answer(key, value, latex)
        part.answer(f"{key}_shape", sympy.Tuple(*value.shape), rf"\text{{shape of }} {latex}")
    solution.notation.update({"W1tilde": ("W̃₁", r"\tilde{W}_{1}"), "b1tilde": ("b̃₁", r"\tilde{b}_{1}"),
                              "W2tilde": ("W̃₂", r"\tilde{W}_{2}")})


def read(given):
    g = Givens(given, "given", ("x", "W_1", "b_1", "W_2"))
    x_ = g.vector("x")
    n = x_.rows
    return x_, g.matrix("W_1", (n, n)), g.vector("b_1", n), g.matrix("W_2", (n, n))


def instance(solution, given):
    part = solution.part("d", "The construction checked on an instance, through both networks' graphs.")
    x_, W_1, b_1, W_2 = read(given)
    n = x_.rows
    original, relu_net = Graph(), Graph()
    xa = original.given("x", x_)
    u = layers.affine(original, "u", original.given("W_1", W_1), xa, original.given("b_1", b_1))
    a = layers.activation(original, "a", "abs", u, latex=r"\left|u\right|")
    original.define("F", layers.product(original.given("W_2", W_2), a, "output"))
    W1t = sympy.ImmutableMatrix.vstack(W_1, -W_1)
    b1t = sympy.ImmutableMatrix.vstack(b_1, -b_1)
    W2t = sympy.ImmutableMatrix.hstack(W_2, W_2)
    xr = relu_net.given("x", x_)
    z = layers.affine(relu_net, "z", relu_net.given("W1tilde", W1t, latex=r"\tilde{W}_{1}", text="W̃₁"), xr,
                      relu_net.given("b1tilde", b1t, latex=r"\tilde{b}_{1}", text="b̃₁"))
    r = layers.activation(relu_net, "r", "relu", z)
    relu_net.define("Ftilde", layers.product(relu_net.given("W2tilde", W2t, latex=r"\tilde{W}_{2}", text="W̃₂"), r,
                                             "output"), latex=r"\tilde{F}", text="F̃")
    original.evaluate()
    relu_net.evaluate()
    for graph in (original, relu_net):
        solution.notation.update(graph.notation())
    part.steps += original.steps(["u", "a", "F"]) + relu_net.steps(["z", "r", "Ftilde"])
    equal = original.value("F") == relu_net.value("Ftilde")
    part.steps.append(Relation((original["F"].symbol, relu_net["Ftilde"].symbol), ("=" if equal else "≠",),
                               reason=f"entry by entry, exactly (d = {n})"))
    part.answer("F", original.value("F"), "F(x)")
    part.answer("Ftilde", relu_net.value("Ftilde"), r"\tilde{F}(x)")
    part.answer("networks_agree", equal, r"F = \tilde{F}")
    part.steps.append(relu_net.figure("the ReLU network F̃ on the instance (forward pass)"))


def random_given(rng) -> dict:
    n = rng.randint(1, 3)

    def draw():
        return round(rng.uniform(-2, 2), 2)

    return {"x": [draw() for _ in range(n)], "W_1": [[draw() for _ in range(n)] for _ in range(n)],
            "b_1": [draw() for _ in range(n)], "W_2": [[draw() for _ in range(n)] for _ in range(n)]}


def _shape(matrix) -> str:
    return "×".join(sympy.sstr(n).replace("*", "") for n in matrix.shape)


PROBLEM = Problem(
    name="relu-abs", title="Absolute values as ReLU networks", source=f"{S3}, 1.1(b,c)",
    build=build, given=GIVEN, statement=STATEMENT, random_given=random_given)
