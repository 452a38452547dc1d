"""004 B1(b): backpropagation through a residual block z = Wx + b,
h = φ(z) + x, r = Vh + c, y = φ(r) + h, loss l(y, t): the gradients with
respect to V, c, W and b, skip paths included."""
from __future__ import annotations

import sympy

from derive.catalog import Problem
from derive.nn import layers
from derive.nn.backprop import closed_form, confirm
from derive.core.functions import abstract_activation
from derive.core.givens import Givens
from derive.core.graph import Graph
from derive.core.steps import Relation, Remark
from problems.mlp import CONVENTION
from problems import S4

PHI, PHI_PRIME = abstract_activation()
SMOOTH = ("tanh", "sigmoid", "softplus", "identity", "relu", "elu")
LOSSES = ("half_sse", "sse", "mse")
PARAMETERS = ("V", "c", "W", "b")

GIVEN = {"x": [0.5, -0.3], "W": [[0.2, -0.6], [0.4, 0.1]], "b": [0.1, -0.2],
         "V": [[0.7, 0.3], [-0.5, 0.8]], "c": [0.0, 0.3], "t": [1.0, -0.5],
         "activation": "tanh", "loss": "half_sse"}

STATEMENT = (
    "A residual block: z = Wx + b, h = φ(z) + x, r = Vh + c, y = φ(r) + h, with loss l(y, t) for a target t. "
    "Determine the backpropagation rules for the gradients with respect to W, b, V and c. Reconstructed from the "
    "solution: the instance (d = 2, φ = tanh, l = ½‖y − t‖²) is chosen here to confirm the matrix forms.")


def read(given):
    g = Givens(given, "given", ("x", "W", "b", "V", "c", "t", "activation", "loss"))
    x = g.vector("x")
    n = x.rows
    return dict(x=x, W=g.matrix("W", (n, n)), b=g.vector("b", n), V=g.matrix("V", (n, n)), c=g.vector("c", n),
                t=g.vector("t", n), activation=g.choice("activation", SMOOTH, "tanh"),
                loss=g.choice("loss", LOSSES, "half_sse"))


def build_graph(values, activation, kind, d) -> Graph:
    """The block's graph: with values (an instance) or without (symbols only).
    `activation` is a name from the vocabulary, or None for an unspecified φ."""
    graph = Graph(loss_symbol="l")

    def given(name):
        return graph.given(name, values[name]) if values else graph.given(name, shape=(d, 1 if name in "xbct" else d))

    def phi(name, argument, latex):
        formula = argument.applyfunc(PHI) if activation is None else layers.apply(activation, argument)
        return graph.define(name, formula, latex=latex, text=f"φ({name[-1]})")

    x, W, b, V, c, t = (given(n) for n in ("x", "W", "b", "V", "c", "t"))
    z = layers.affine(graph, "z", W, x, b)
    h = graph.define("h", layers.total([phi("phi_z", z, r"\varphi(z)"), x], "h"))
    r = layers.affine(graph, "r", V, h, c)
    y = graph.define("y", layers.total([phi("phi_r", r, r"\varphi(r)"), h], "y"))
    layers.loss(graph, "loss", kind, [t], [y], latex=r"\ell")
    if values:
        graph.evaluate()
    graph.backward("loss")
    return graph.evaluate() if values else graph


def build(solution, given: dict):
    values = read(given)
    d = values["x"].rows
    general = build_graph(None, None, values["loss"], d)
    graph = build_graph(values, values["activation"], values["loss"], d)
    if solution.variant:
        solution.statement = describe(values)
    solution.keep(graph)
    solution.keep(general)
    general_rules(solution, general)
    instance(solution, graph)
    if not solution.variant:
        seed_check(solution, d)
    return solution


def general_rules(solution, graph):
    part = solution.part("a", "The backpropagation rules for any φ, from reverse mode over the block's graph.")
    part.steps.append(Remark(
        "h feeds r (through V) and y (the skip), so ∂l/∂h sums both paths; x feeds z and h likewise. With "
        "ȳ = ∂l/∂y:"))
    for name in ("dl_dphi_r", "dl_dr", "dl_dV", "dl_dc", "dl_dh", "dl_dphi_z", "dl_dz", "dl_dW", "dl_db"):
        part.steps.append(graph.step(name))
    part.steps.append(Remark("In the forward quantities and ȳ alone:"))
    for name in PARAMETERS:
        adjoint = f"dl_d{name}"
        form = closed_form(graph, adjoint, keep=("dl_dy",))
        part.steps.append(Relation((graph[adjoint].symbol, form), reason="adjoints substituted"))
        part.answer(f"{adjoint}_rule", form, graph[adjoint].latex)
    part.steps.append(Remark(
        "So ∂l/∂V = (φ'(r) ⊙ ȳ) hᵀ and ∂l/∂c = φ'(r) ⊙ ȳ; ∂l/∂W = (φ'(z) ⊙ (ȳ + Vᵀ(φ'(r) ⊙ ȳ))) xᵀ and "
        "∂l/∂b = φ'(z) ⊙ (ȳ + Vᵀ(φ'(r) ⊙ ȳ)): the ȳ term is the skip path, Vᵀ(φ'(r) ⊙ ȳ) the path through the "
        "second layer; in Jacobian form ∂l/∂h = (I + diag(φ'(r)) V)ᵀ ȳ."))


def instance(solution, graph):
    part = solution.part("b", "The rules on the instance: reverse mode, and the closed forms confirmed.")
    for name in ("z", "phi_z", "h", "r", "phi_r", "y", "loss"):
        part.steps.append(graph.step(name))
    part.answer("loss", graph.value("loss"), r"\ell")
    for name in ("dl_dy", "dl_dphi_r", "dl_dr", "dl_dV", "dl_dc", "dl_dh", "dl_dphi_z", "dl_dz", "dl_dW", "dl_db"):
        part.steps.append(graph.step(name))
    confirmed = True
    for name in PARAMETERS:
        adjoint = f"dl_d{name}"
        relation, ok = confirm(graph, adjoint, closed_form(graph, adjoint))
        part.steps.append(relation)
        confirmed &= ok
        part.answer(adjoint, graph.value(adjoint), graph[adjoint].latex)
    part.answer("closed_forms_confirmed", confirmed, r"\text{closed forms confirmed}")
    part.steps.append(graph.figure("the residual block on the instance: forward values and the gradients of the loss"))


def seed_check(solution, d):
    part = solution.part("c", "The seed's rules, checked.")
    ybar = sympy.MatrixSymbol("ybar", d, 1)
    x = sympy.MatrixSymbol("x", d, 1)
    V = sympy.MatrixSymbol("V", d, d)
    fz, fr = sympy.MatrixSymbol("phiprime_z", d, 1), sympy.MatrixSymbol("phiprime_r", d, 1)
    D_r = sympy.MatrixSymbol("diag_phiprime_r", d, d)
    seed_W = sympy.HadamardProduct(ybar, fz, x).T * (D_r * V + sympy.Identity(d))
    seed_b = sympy.HadamardProduct(ybar, fz).T * (D_r * V + sympy.Identity(d))
    solution.notation.update({"ybar": ("ȳ", r"\bar{y}"), "phiprime_z": ("φ'(z)", r"\varphi'(z)"),
                              "phiprime_r": ("φ'(r)", r"\varphi'(r)"),
                              "diag_phiprime_r": ("diag(φ'(r))", r"\operatorname{diag}(\varphi'(r))")})
    part.steps.append(Remark(
        "∂l/∂V = ∂l/∂y ⋆ φ'(r) · h and ∂l/∂c = ∂l/∂y · φ'(r): right, read as (ȳ ⊙ φ'(r)) hᵀ and ȳ ⊙ φ'(r); "
        "the seed's intermediate [φ'(r) + ∂y/∂y] is dropped in its next line, rightly, since h does not depend "
        "on V."))
    part.steps.append(Relation((sympy.Symbol("seed_dl_dW"), seed_W), reason=(
        f"the seed's ∂l/∂W as a matrix expression: shape {seed_W.shape[0]}×{seed_W.shape[1]}, but W is {d}×{d}")))
    part.steps.append(Remark(
        "The seed multiplies φ'(z) and x into ∂l/∂y before the Jacobian I + diag(φ'(r)) V of the second layer. "
        "For vectors the order matters: the second layer mixes components first, then φ'(z) weights them, and "
        "the outer product with x comes last: ∂l/∂W = (φ'(z) ⊙ (I + diag(φ'(r)) V)ᵀ ȳ) xᵀ. The seed's product is "
        f"a {seed_W.shape[0]}×{seed_W.shape[1]} row, not the {d}×{d} gradient; for d = 1 everything commutes "
        "and it agrees. Its ∂l/∂b has the same ordering slip (as typed it even reads φ'(x) for φ'(r))."))
    solution.notation["seed_dl_dW"] = ("∂l/∂W (seed)", r"\frac{\partial \ell}{\partial W}\Big|_{\text{seed}}")
    part.answer("seed_dl_dW_shape", sympy.Tuple(*seed_W.shape), r"\text{shape of the seed's } \partial\ell/\partial W")
    part.answer("seed_dl_db_shape", sympy.Tuple(*seed_b.shape), r"\text{shape of the seed's } \partial\ell/\partial b")


def describe(values) -> str:
    return (f"The residual block z = Wx + b, h = φ(z) + x, r = Vh + c, y = φ(r) + h with φ = {values['activation']}, "
            f"d = {values['x'].rows} and loss {layers.LOSSES[values['loss']]}; the weights, input and target are "
            "the givens.")


def random_given(rng) -> dict:
    d = rng.randint(1, 3)

    def draw():
        return round(rng.uniform(-1, 1), 2)

    def vector():
        return [draw() for _ in range(d)]

    def matrix():
        return [vector() for _ in range(d)]

    return {"x": vector(), "W": matrix(), "b": vector(), "V": matrix(), "c": vector(), "t": vector(),
            "activation": rng.choice(["tanh", "sigmoid", "softplus", "identity"]), "loss": rng.choice(list(LOSSES))}


PROBLEM = Problem(
    name="residual-backprop", title="Backpropagation through a residual block", source=f"{S4}, B1(b)",
    build=build, given=GIVEN, statement=STATEMENT, random_given=random_given, convention=CONVENTION)
