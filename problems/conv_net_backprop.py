"""001 §8: ∂(y* − y)²/∂w₁ in a small network: a 1×2 convolution with tanh,
a 2×2 dense layer with σ, and a 1×2 dense output.

    c₁ = x ⋆ v₁ (2×1),  z₁ = tanh(c₁),  a₂ = v₂ z₁,  z₂ = σ(a₂),  y* = v₃ z₂

The graph's reverse mode gives every adjoint in matrix form; evaluated with a
named symbol for each intermediate value it reads as the closed form a person
writes, and with the intermediates substituted it equals the direct
derivative of the loss.
"""
from __future__ import annotations

import dataclasses
import math as pymath
import random

import sympy
from sympy import ImmutableMatrix, MatMul, Symbol, Transpose

from derive.catalog import Problem
from derive.nn import layers
from derive.nn.convolution import Correlation
from derive.core.functions import sigmoid
from derive.core.givens import Givens
from derive.core.graph import Graph
from derive.core.matrices import explicit
from derive.core.steps import Relation, Remark
from derive.printing import math
from problems import S1, draw

STATEMENT = (
    "A convolutional network: layer 1 takes x = [x11 x12; x21 x22] and the filter v₁ = [w1 w2] and outputs "
    "z₁ = tanh(x ⋆ v₁); layer 2 is fully connected with v₂ = [w31 w32; w41 w42] and outputs z₂ = σ(v₂ z₁); "
    "layer 3 is fully connected with v₃ = [w5 w6] and outputs y* = v₃ z₂. Using backpropagation, find the "
    "derivative of (y* − y)² with respect to w1.")

#: the numbers of part (d): the seed asks for the closed form only, so this instance is ours
GIVEN = {"x": [[1, -0.5], [0.5, 1]], "v1": [[1, 0.5]], "v2": [[1, -0.5], [0.5, 1]], "v3": [[1, -1]], "y": 0.5}
#: the shape of each given, and the symbols it stands for
SHAPES = {"x": (2, 2), "v1": (1, 2), "v2": (2, 2), "v3": (1, 2)}


def read(given: dict) -> dict:
    """The givens as matrices; y as a 1×1 matrix."""
    g = Givens(given, "given", (*SHAPES, "y"))
    values = {name: g.matrix(name, shape) for name, shape in SHAPES.items()}
    values["y"] = ImmutableMatrix([[g.number("y")]])
    return values


def statement(given: dict) -> str:
    values = read(given)
    numbers = "; ".join(f"{name} = {math.text(values[name])}" for name in ("x", "v1", "v2", "v3"))
    numbers = numbers.replace("v1", "v₁").replace("v2", "v₂").replace("v3", "v₃")
    return (STATEMENT + f" Then evaluate it, and every forward value and gradient, at {numbers} and "
            f"y = {math.text(values['y'][0, 0])}.")

X = ImmutableMatrix(2, 2, lambda a, b: Symbol(f"x{a + 1}{b + 1}", real=True))
V1 = ImmutableMatrix([[Symbol("w1", real=True), Symbol("w2", real=True)]])
V2 = ImmutableMatrix(2, 2, lambda a, b: Symbol(f"w{a + 3}{b + 1}", real=True))
V3 = ImmutableMatrix([[Symbol("w5", real=True), Symbol("w6", real=True)]])
Y = Symbol("y", real=True)

#: A named scalar for each entry of each intermediate quantity.
INTERMEDIATES = {"c1": "c", "z1": "z1", "a2": "a", "z2": "z2", "ystar": "ystar"}
NOTATION = {"ystar": ("y⁎", "y^{*}"), "v1": ("v₁", "v_{1}"), "v2": ("v₂", "v_{2}"), "v3": ("v₃", "v_{3}"),
}


def build_graph(values=None) -> Graph:
    """The network with the symbols of the statement, or with `values` (the
    givens read)."""
    values = values or {"x": X, "v1": V1, "v2": V2, "v3": V3, "y": ImmutableMatrix([[Y]])}
    graph = Graph()
    x = graph.given("x", values["x"])
    v1 = graph.given("v1", values["v1"], latex="v_{1}")
    v2 = graph.given("v2", values["v2"], latex="v_{2}")
    v3 = graph.given("v3", values["v3"], latex="v_{3}")
    y = graph.given("y", values["y"])
    c1 = graph.define("c1", Correlation(x, v1), latex="c_{1}")
    z1 = layers.activation(graph, "z1", "tanh", c1, latex="z_{1}")
    a2 = graph.define("a2", MatMul(v2, z1), latex="a_{2}")
    z2 = layers.activation(graph, "z2", "sigmoid", a2, latex="z_{2}")
    ystar = graph.define("ystar", MatMul(v3, z2), latex="y^{*}", text="y⁎")
    difference = ystar - y
    graph.define("loss", MatMul(Transpose(difference), difference), latex="L", text="L")
    graph.evaluate()
    graph.backward("loss")
    graph.evaluate()
    return graph


def named_entries(name, shape):
    """[z1_1; z1_2] for a quantity: the symbols the closed form is written in."""
    stem = INTERMEDIATES[name]
    rows, cols = shape
    if rows * cols == 1:
        return ImmutableMatrix([[Symbol(stem, real=True)]])
    return ImmutableMatrix(rows, cols, lambda a, b: Symbol(f"{stem}_{a + b + 1}", real=True))


def closed_forms(graph, adjoints):
    """Each adjoint's formula evaluated with the intermediates as named symbols."""
    bindings = {}
    for quantity in graph:
        if quantity.kind == "given":
            bindings[quantity.symbol] = quantity.value
        elif quantity.name in INTERMEDIATES:
            bindings[quantity.symbol] = named_entries(quantity.name, quantity.shape)
    forms = {}
    for name in adjoints:
        quantity = graph[name]
        value = explicit(quantity.formula, bindings)
        bindings[quantity.symbol] = value
        forms[name] = value
    return forms, bindings


#: ∂L/∂q drawn as q̄ (MatrixSymbol names that SymPy prints with a bar).
BARS = {"x": "xbar", "v1": "vbar_1", "v2": "vbar_2", "v3": "vbar_3", "y": "ybar", "c1": "cbar_1",
        "z1": "zbar_1", "a2": "abar_2", "z2": "zbar_2", "ystar": "ystarbar"}


def structure_figure(graph, bindings):
    """The graph with each value in the named entries the closed forms use,
    and each gradient as reverse mode's one step of the chain rule, q̄ standing
    for ∂L/∂q: written out in x and w, each would fill a page."""
    figure = graph.figure("the network's graph; each value in the named entries the closed forms use, each "
                          "gradient by one step of the chain rule, q̄ = ∂L/∂q")
    bars = {graph[graph.adjoint_name(name)].symbol: sympy.MatrixSymbol(bar, *graph[name].shape)
            for name, bar in BARS.items()}

    def named(node):
        quantity = graph[node.name]
        return bindings[quantity.symbol] if quantity.symbol in bindings else explicit(quantity.formula, bindings)

    def chain_rule(node):
        adjoint = graph.adjoint_name(node.name)
        return graph[adjoint].formula.xreplace(bars) if adjoint in graph and node.name in BARS else node.gradient
    return dataclasses.replace(figure, nodes=tuple(
        dataclasses.replace(node, value=named(node), gradient=chain_rule(node)) for node in figure.nodes))


def definitions(graph, bindings):
    """Named intermediate symbol → its value in terms of x, w, y."""
    return {symbol: value for name in INTERMEDIATES
            for symbol, value in zip(bindings[graph[name].symbol], graph.value(name))}


def build(solution, given: dict):
    graph = build_graph()
    order = [graph.adjoint_name(n) for n in ("ystar", "z2", "a2", "z1", "c1", "v1")]
    forms, bindings = closed_forms(graph, order)
    solution.keep(graph, givens=False)  # its givens are the statement's symbols; the numbers come in part (d)
    solution.notation.update(NOTATION)

    part = solution.part("a", "The network as a graph; the backward pass in matrix form.")
    for name in ("c1", "z1", "a2", "z2", "ystar", "loss"):
        part.steps.append(Relation((graph[name].symbol, graph[name].formula)))
    for name in order:
        part.steps.append(Relation((graph[name].symbol, graph[name].formula, forms[name])))
    part.steps.append(Remark("Entries: c, z1_i, a_j, z2_j and y* name the forward values; tanh′ = 1 − z1², "
                             "σ′ = z2(1 − z2)."))
    part.steps.append(structure_figure(graph, bindings))

    part = solution.part("b", "The derivative with respect to w1.")
    dw1 = forms[graph.adjoint_name("v1")][0, 0]
    substituted = dw1.xreplace(definitions(graph, bindings))
    loss = graph.value("loss")[0, 0]
    direct = sympy.diff(loss, V1[0, 0])
    part.steps.append(Relation((Symbol("dl_dw1"), dw1), reason="entry 1 of ∂ℓ/∂v₁ = x ⋆ ∂ℓ/∂c₁"))
    part.steps.append(Remark("Substituting the forward values gives exactly the derivative of the expanded "
                             f"loss with respect to w1: {_same(substituted, direct)}."))
    solution.notation["dl_dw1"] = ("∂ℓ/∂w1", r"\frac{\partial \ell}{\partial w_{1}}")
    part.answer("dL_dw1", dw1, r"\frac{\partial \ell}{\partial w_{1}}")
    part.answer("dL_dw1_expanded", substituted, r"\frac{\partial \ell}{\partial w_{1}}")
    part.answer("matches_direct_derivative", sympy.true if _same(substituted, direct) else sympy.false, "")

    part = solution.part("c", "The seed's intermediate steps.")
    z1 = graph.value("z1")
    part.steps.append(Relation((Symbol("dz1_dw1"), z1.jacobian(V1)[:, 0]),
                               reason="column w1 of the Jacobian of z₁: row i has (1 − z1_i²)·x_i1, "
                                      "not a common factor (x11 + x21) as the seed's step 4 writes"))
    part.steps.append(Relation((Symbol("dz2_dz1"), jacobian_z2_z1()),
                               reason="diag(σ′(a₂)) v₂, a 2×2 matrix; the seed's step 3 writes the vector "
                                      "v₂ᵀ(1 − σ(v₂ z₁)), missing the factor σ and the diagonal"))
    part.steps.append(Remark("The seed's final product 2(y* − y)(x11 + x21) v₃ᵀ [·] v₂ᵀ (1 − σ(v₂z₁)) also has "
                             "factors whose shapes do not conform (v₃ᵀ is 2×1 and is followed by a 2×1 vector)."))
    solution.notation.update({"dz1_dw1": ("∂z₁/∂w1", r"\frac{\partial z_{1}}{\partial w_{1}}"),
                              "dz2_dz1": ("∂z₂/∂z₁", r"\frac{\partial z_{2}}{\partial z_{1}}")})
    numbers_part(solution, read(given), substituted)
    return solution


def numbers_part(solution, values, closed_form):
    """The network with numbers: forward, backward, and ∂ℓ/∂w1 from reverse
    mode against the closed form of part (b) with the numbers put in."""
    graph = solution.keep(build_graph(values))
    part = solution.part("d", "With numbers: every forward value, the backward pass and ∂ℓ/∂w1.")
    for name in ("c1", "z1", "a2", "z2", "ystar", "loss"):
        part.steps.append(graph.step(name))
    for name in ("ystar", "z2", "a2", "z1", "c1", "v1"):
        part.steps.append(graph.step(graph.adjoint_name(name)))
    gradient = graph.value(graph.adjoint_name("v1"))[0, 0]
    numbers = {symbol: value for name, symbols in (("x", X), ("v1", V1), ("v2", V2), ("v3", V3))
               for symbol, value in zip(symbols, values[name])}
    numbers[Y] = values["y"][0, 0]
    from_closed_form = closed_form.xreplace(numbers).evalf(30)
    agrees = abs(from_closed_form - gradient) < 1e-20
    part.steps.append(Relation((Symbol("dl_dw1"), from_closed_form, gradient), ("=", "=" if agrees else "≠"),
                               reason="the closed form of (b) with the numbers put in, against reverse mode"))
    part.answer("ystar_value", graph.value("ystar")[0, 0], "y^{*}")
    part.answer("loss_value", graph.value("loss")[0, 0], r"\ell")
    part.answer("dL_dw1_value", gradient, r"\frac{\partial \ell}{\partial w_{1}}")
    part.steps.append(graph.figure("the network with numbers: forward values and the gradients of ℓ"))

def jacobian_z2_z1():
    """∂σ(v₂ z₁)/∂z₁ by SymPy, with σ(a_j) written z2_j."""
    z1 = named_entries("z1", (2, 1))
    pre = V2 * z1
    outputs = pre.applyfunc(sigmoid)
    named = dict(zip(outputs, named_entries("z2", (2, 1))))
    return outputs.jacobian(z1).xreplace(named)


def _same(a, b) -> bool:
    """Equal at random points (the expressions hold tanh and σ, so no
    symbolic simplification); shared subexpressions are evaluated once."""
    rng = random.Random(0)
    symbols = sorted(a.free_symbols | b.free_symbols, key=lambda s: s.name)
    replacements, (difference,) = sympy.cse([a - b])
    for _ in range(3):
        values = {s: sympy.Float(rng.randint(-20, 20) / 10, 30) for s in symbols}
        for symbol, expression in replacements:
            values[symbol] = expression.xreplace(values).evalf(30)
        if abs(difference.xreplace(values).evalf(30)) > 1e-20:
            return False
    return True



def student_names():
    """Seed 001 §8's intermediate derivatives, by SymPy from the problem's own x, v₁, v₂."""
    w1 = V1[0, 0]
    # x ⋆ v₁: the 1×2 filter slides down the rows of the 2×2 input
    c1 = sympy.Matrix([[X[i, 0] * V1[0, 0] + X[i, 1] * V1[0, 1]] for i in range(2)])
    z1 = c1.applyfunc(sympy.tanh)
    named = sympy.Matrix(sympy.symbols("z1_1 z1_2", real=True))
    dz2_dz1 = (V2 * named).applyfunc(lambda a: 1 / (1 + sympy.exp(-a))).jacobian(named)
    dz2_dz1 = dz2_dz1.xreplace(dict(zip(named, z1)))
    table = {f"x_{{{i}{j}}}": ("same", f"x{i}{j}") for i in (1, 2) for j in (1, 2)}
    table.update({f"w_{{{i}{j}}}": ("same", f"w{i}{j}") for i in (3, 4) for j in (1, 2)})
    table.update({"w_1": ("same", "w1"), "w_2": ("same", "w2"), "w_5": ("same", "w5"), "w_6": ("same", "w6"),
                  "y^*": ("same", "ystar"),
                  "z_1": ("expression", lambda: z1), "V_2": ("expression", lambda: V2),
                  r"\frac{\partial (x * v_1)}{\partial w_1}": ("expression", lambda: c1.diff(w1)),
                  r"\frac{\partial z_1}{\partial w_1}": ("expression", lambda: z1.diff(w1)),
                  r"\frac{\partial z_2}{\partial z_1}": ("expression", lambda: dz2_dz1),
                  r"\frac{\partial \text{Loss}}{\partial y^*}": ("expression", lambda: 2 * (
                      sympy.Symbol("ystar", real=True) - Y))})
    return table


#: no tanh or σ argument beyond this: both keep a slope to compute with
LIMIT = 2.5


def random_given(rng) -> dict:
    """Inputs and weights in halves or one decimal, drawn until no unit saturates."""
    def given(rng):
        return {"x": draw.matrix(rng, 2, 2, -1, 1, nonzero=True), "v1": draw.matrix(rng, 1, 2, -1, 1, nonzero=True),
                "v2": draw.matrix(rng, 2, 2, -1.5, 1.5, nonzero=True), "v3": draw.matrix(rng, 1, 2, -2, 2, nonzero=True),
                "y": draw.decimal(rng, -1, 1)}
    return draw.until(rng, given, unsaturated, "conv-net-backprop")


def unsaturated(given) -> bool:
    x, (w1, w2) = given["x"], given["v1"][0]
    c = [x[0][0] * w1 + x[0][1] * w2, x[1][0] * w1 + x[1][1] * w2]
    if any(abs(v) > LIMIT or abs(v) < 0.1 for v in c):
        return False
    z1 = [pymath.tanh(v) for v in c]
    a = [sum(w * v for w, v in zip(row, z1)) for row in given["v2"]]
    return all(abs(v) <= LIMIT for v in a)


PROBLEM = Problem(
    names=student_names,
    name="conv-net-backprop", title="Gradient of a small conv–dense network with respect to a filter weight",
    source=f"{S1}, §8",
    build=build, given=GIVEN, statement=statement, random_given=random_given, convention="∂ℓ/∂A has the shape of A; the Jacobian ∂u/∂v has one row per entry of u.")
