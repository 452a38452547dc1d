"""003 1.5: gradients through skip connections y_i = f(y_{i−1}, W_i) + y_{i−1},
l = L(y_n): ∂l/∂x for n = 1, and ∂l/∂W_k for k < n as a product of
(I + J_f) factors."""
from __future__ import annotations

import sympy

from derive.catalog import Problem
from derive.nn import layers
from derive.nn.backprop import agrees
from derive.analysis.calculus import jacobian
from derive.core.givens import Givens
from derive.core.graph import Graph
from derive.core.numbers import InputError, settle
from derive.core.steps import Relation, Remark
from problems import S3

SMOOTH = ("tanh", "sigmoid", "softplus", "identity")

GIVEN = {"x": [0.5, -1.0],
         "W": [[[0.4, -0.3], [0.2, 0.6]], [[-0.5, 0.1], [0.3, 0.2]], [[0.7, 0.2], [-0.4, 0.5]]],
         "activation": "tanh", "t": [1.0, 0.0]}

STATEMENT = (
    "y₁ = f(x, W₁) + x, y₂ = f(y₁, W₂) + y₁, …, y_n = f(y_{n−1}, W_n) + y_{n−1}, l = L(y_n), with x, y_i ∈ R^d, "
    "W_i ∈ R^(d×d), f smooth and L: R^d → R^+ smooth. (a) For n = 1, the derivative of l with respect to "
    "x = y₀, and its dimension. (b) For n > 1, the derivative of l with respect to W_k, 1 ≤ k < n. "
    "Reconstructed from the solution: f and L are left abstract in the exam; the instance takes f(y, W) = φ(Wy) "
    "with φ = tanh, L(y) = ½‖y − t‖², d = 2 and n = 3, to confirm the general forms.")

CONVENTION = ("Denominator layout, as in the mlp family: ∂l/∂v has the shape of v (a column for a vector), so the "
              "chain rule multiplies transposed Jacobians: ∂l/∂y_{i−1} = (∂y_i/∂y_{i−1})ᵀ ∂l/∂y_i.")


def read(given):
    g = Givens(given, "given", ("x", "W", "activation", "t"))
    x = g.vector("x")
    n = x.rows
    weights = []
    for i, raw in enumerate(g.items("W")):
        view = Givens({"W": raw}, f"given.W[{i}]")
        weights.append(view.matrix("W", (n, n)) if isinstance(raw, list) else view.matrix("W"))
    if len(weights) > 6:
        raise InputError("given.W: at most 6 layers")
    activation = g.choice("activation", SMOOTH, "tanh")
    return x, weights, activation, g.vector("t", n)


def build_graph(x, weights, activation, t) -> Graph:
    graph = Graph(loss_symbol="l")
    y = graph.given("y_0", x, latex="y_{0}", text="y_0")
    for i, W in enumerate(weights, start=1):
        z = layers.affine(graph, f"z_{i}", graph.given(f"W_{i}", W), y)
        f = layers.activation(graph, f"f_{i}", activation, z)
        y = graph.define(f"y_{i}", layers.total([f, y], f"y_{i}"))
    layers.loss(graph, "l", "half_sse", [graph.given("t", t)], [y])
    graph.evaluate()
    graph.backward("l")
    return graph.evaluate()


def build(solution, given: dict):
    x, weights, activation, t = read(given)
    if solution.variant:
        solution.statement = describe(given)
    one = solution.keep(build_graph(x, weights[:1], activation, t))
    part_a(solution, one, activation)
    if len(weights) > 1:
        graph = solution.keep(build_graph(x, weights, activation, t))
        part_b(solution, graph, activation, len(weights))
        solution.parts[-1].steps.append(graph.figure(f"the {len(weights)} skip blocks: forward values and the "
                                                     "gradients of l"))
    else:
        solution.parts[-1].steps.append(one.figure("the skip block: forward values and the gradients of l"))
        solution.part("b", "∂l/∂W_k for k < n.").steps.append(Remark("The instance has n = 1: no k < n."))
    return solution


def layer_jacobian(graph, i, activation):
    """J_i = ∂f(y_{i−1}, W_i)/∂y_{i−1} by differentiating the explicit formula (not by reverse mode)."""
    W = graph.value(f"W_{i}")
    d = W.rows
    ys = sympy.symbols(f"u_1:{d + 1}", real=True)
    f = layers.apply(activation, W * sympy.Matrix(ys))
    J, _ = jacobian(f, ys)
    return settle(sympy.ImmutableMatrix(J.xreplace(dict(zip(ys, graph.value(f"y_{i - 1}"))))))


def part_a(solution, graph, activation):
    part = solution.part("a", "n = 1: ∂l/∂x and its dimension.")
    solution.notation.update(graph.notation())
    solution.notation.update({"Jf_x": ("J_f(x)", r"J_{f}(x)"), "grad_L1": ("grad L(y_1)", r"\nabla L(y_{1})")})
    for name in ("z_1", "f_1", "y_1", "l", "dl_dy_1", "dl_df_1", "dl_dz_1", "dl_dy_0"):
        part.steps.append(graph.step(name))
    J = layer_jacobian(graph, 1, activation)
    d = J.rows
    I = sympy.Identity(d)
    J_ = sympy.MatrixSymbol("Jf_x", d, d)
    g = sympy.MatrixSymbol("grad_L1", d, 1)
    form = (I + J_).T * g
    value = settle((sympy.eye(d) + J).T * graph.value("dl_dy_1"))
    ok = agrees(value, graph.value("dl_dy_0"))
    part.steps.append(Relation((J_, J), reason="J_f(x) = ∂f(x, W₁)/∂x, differentiated from the formula of f"))
    part.steps.append(Relation((graph["dl_dy_0"].symbol, form, value, graph.value("dl_dy_0")),
                               ("=", "=", "=" if ok else "≠"),
                               reason="the skip adds I to the layer's Jacobian; against reverse mode"))
    part.steps.append(Remark(f"∂l/∂x is a d-vector (here d = {d}), the shape of x; as a Jacobian (numerator "
                             "layout) it is its transpose, a 1×d row grad L(y₁)ᵀ (I + J_f(x))."))
    part.answer("dl_dx_form", form, r"\frac{\partial l}{\partial x}")
    part.answer("dl_dx", graph.value("dl_dy_0"), r"\frac{\partial l}{\partial x}")
    part.answer("dl_dx_dimension", sympy.Integer(d), r"\dim")
    part.answer("form_a_confirmed", ok, r"\text{confirmed}")


def part_b(solution, graph, activation, n):
    part = solution.part("b", f"n = {n}: ∂l/∂W_k for k < n, as a product of (I + J_f) factors.")
    solution.notation.update(graph.notation())
    d = graph.value("y_0").rows
    I = sympy.Identity(d)
    Js = {i: layer_jacobian(graph, i, activation) for i in range(1, n + 1)}
    for i in range(1, n + 1):
        solution.notation[f"J_{i}"] = (f"J_{i}", rf"J_{{{i}}}")
    g = sympy.MatrixSymbol("grad_L", d, 1)
    solution.notation["grad_L"] = ("grad L(y_n)", r"\nabla L(y_{n})")
    part.steps.append(Remark(
        "Each block maps y_{i−1} to y_i with Jacobian I + J_i, J_i = ∂f(y_{i−1}, W_i)/∂y_{i−1}. So "
        "∂l/∂y_k = (I + J_{k+1})ᵀ … (I + J_n)ᵀ grad L(y_n), and W_k enters only through f(y_{k−1}, W_k): "
        "∂l/∂W_k = (∂f(y_{k−1}, W_k)/∂W_k)ᵀ ∂l/∂y_k. For f(y, W) = φ(Wy) that is "
        "(φ'(W_k y_{k−1}) ⊙ ∂l/∂y_k) y_{k−1}ᵀ. The identity in every factor carries grad L(y_n) to every layer "
        "undiminished: the product expands to I + Σ J_i + …, so the gradient cannot vanish through the Js alone."))
    for i in range(1, n + 1):
        part.steps.append(Relation((sympy.MatrixSymbol(f"J_{i}", d, d), Js[i]),
                                   reason=f"∂f(y_{i - 1}, W_{i})/∂y_{i - 1}, differentiated from the formula of f"))
    all_ok = True
    grad_L = graph.value(f"dl_dy_{n}")
    for k in range(1, n):
        factors = [(I + sympy.MatrixSymbol(f"J_{i}", d, d)).T for i in range(k + 1, n + 1)]
        form = sympy.MatMul(*factors, g)
        product = sympy.eye(d)
        for i in range(k + 1, n + 1):
            product = product * (sympy.eye(d) + Js[i]).T
        value_y = settle(product * grad_L)
        ok_y = agrees(value_y, graph.value(f"dl_dy_{k}"))
        part.steps.append(Relation((graph[f"dl_dy_{k}"].symbol, form, value_y, graph.value(f"dl_dy_{k}")),
                                   ("=", "=", "=" if ok_y else "≠"), reason="the product of (I + J)ᵀ factors, "
                                   "against reverse mode"))
        part.steps.append(graph.step(f"dl_dz_{k}"))
        part.steps.append(graph.step(f"dl_dW_{k}"))
        y_prev = graph[f"y_{k - 1}"].symbol
        phi_prime = derivative_at(activation, graph.value(f"z_{k}"))
        value_W = settle(sympy.matrix_multiply_elementwise(phi_prime, value_y) * graph.value(f"y_{k - 1}").T)
        ok_W = agrees(value_W, graph.value(f"dl_dW_{k}"))
        form_W = sympy.MatMul(sympy.HadamardProduct(sympy.MatrixSymbol(f"phiprime_{k}", d, 1), form), y_prev.T)
        solution.notation[f"phiprime_{k}"] = (f"φ'(z_{k})", rf"\varphi'(z_{{{k}}})")
        part.steps.append(Relation((graph[f"dl_dW_{k}"].symbol, form_W, value_W, graph.value(f"dl_dW_{k}")),
                                   ("=", "=", "=" if ok_W else "≠"),
                                   reason="matrix form on the instance, against reverse mode"))
        all_ok &= ok_y and ok_W
        part.answer(f"dl_dW_{k}_form", form_W, graph[f"dl_dW_{k}"].latex)
        part.answer(f"dl_dW_{k}", graph.value(f"dl_dW_{k}"), graph[f"dl_dW_{k}"].latex)
    part.answer("forms_b_confirmed", all_ok, r"\text{confirmed}")


def derivative_at(activation, values):
    """φ′ at each entry of `values`, from the activation's own derivative."""
    u = sympy.Symbol("u", real=True)
    derivative = sympy.diff(layers.apply(activation, u), u)
    return settle(values.applyfunc(lambda v: derivative.xreplace({u: v})))


def describe(given) -> str:
    x, weights, activation, _ = read(given)
    return (f"Skip connections y_i = φ(W_i y_{{i−1}}) + y_{{i−1}} with φ = {activation}, d = {x.rows}, "
            f"n = {len(weights)}, and l = ½‖y_n − t‖²; the weights, input and target are the givens.")


def random_given(rng) -> dict:
    d, n = rng.randint(1, 3), rng.randint(1, 3)

    def draw():
        return round(rng.uniform(-1, 1), 2)

    return {"x": [draw() for _ in range(d)], "W": [[[draw() for _ in range(d)] for _ in range(d)] for _ in range(n)],
            "activation": rng.choice(list(SMOOTH)), "t": [draw() for _ in range(d)]}


PROBLEM = Problem(
    name="skip-connections", title="Gradients through skip connections", source=f"{S3}, 1.5",
    build=build, given=GIVEN, statement=STATEMENT, random_given=random_given, convention=CONVENTION)
