"""001 §14.2: backpropagation through time for a vanilla RNN.

    h_t = φ(W_h h_{t−1} + W_x x_t + b),   y_t = ψ(W_y h_t + c),   L = Σ_t ℓ(y_t, ŷ_t)

The seed derives the gradients in general; the engine unrolls the network
over the given sequence (any length: a sequence of another length is another
`x`), runs reverse mode, reads the sums over t off the adjoint formulas, and
confirms every gradient against direct differentiation of the unrolled loss.
"""
from __future__ import annotations

import sympy

from derive.catalog import Problem
from derive.nn import layers
from derive.core.functions import ACTIVATIONS, sigmoid
from derive.core.givens import Givens
from derive.core.graph import Graph
from derive.core.numbers import InputError
from derive.nn.recurrent import rnn_cell, rnn_output, step_jacobian, transition
from derive.core.steps import Relation, Remark
from problems import S1

GIVEN = {
    "x": [[1, 0], [0.5, -1], [0, 2]],
    "h0": [0, 0],
    "W_h": [[0.5, -0.3], [0.2, 0.8]],
    "W_x": [[1, 0], [-0.5, 1]],
    "b": [0.1, -0.2],
    "W_y": [[1, -1]],
    "c": [0.05],
    "targets": [[0.5], [-0.2], [0.3]],
    "activation": "tanh",
    "output_activation": "identity",
    "loss": "half_sse",
}

STATEMENT = (
    "Derive backpropagation through time for an RNN h_t = φ(W_h h_(t−1) + W_x x_t + b) with outputs "
    "y_t = ψ(W_y h_t + c), loss L_t = ℓ(y_t, ŷ_t) against targets ŷ_t (the seed's notation) and "
    "L = Σ_(t=1..T) L_t, for sequences of any length T: ∂L/∂h_t and the gradients with respect to W_h, W_x, "
    "b, W_y and c. The seed's derivation is general; the engine carries it out on the instance below "
    "(a sequence of another length is just another x) and confirms it by differentiating the unrolled loss.")

CONVENTION = ("Denominator layout: a gradient has the shape of its variable (columns for vectors), so "
              "∂L/∂W_h = Σ_t δ_t h_(t−1)ᵀ with δ_t = ∂L/∂z_t, and a gradient passes back through W as Wᵀ·(…). "
              "Jacobians J_t = ∂h_t/∂h_(t−1) are in numerator layout (row i is entry i of h_t), so "
              "∂L/∂h_(t−1) receives J_tᵀ ∂L/∂h_t.")

KEYS = ("x", "h0", "W_h", "W_x", "b", "W_y", "c", "targets", "activation", "output_activation", "loss")
PARAMETERS = ("W_h", "W_x", "b", "W_y", "c")


def read(given: dict):
    g = Givens(given, "given", KEYS)
    for key in KEYS[:8]:
        if not g.has(key):
            raise InputError(f"given.{key}: missing; expected {EXPECTED[key]}")
    h0 = g.vector("h0")
    hidden = h0.shape[0]
    xs = g.vectors("x")
    inputs = xs[0].shape[0]
    for t, x in enumerate(xs):
        if x.shape[0] != inputs:
            raise InputError(f"given.x[{t}]: expected a vector of length {inputs} (as x[0]), got {x.shape[0]}")
    W_h = g.matrix("W_h", (hidden, hidden))
    W_x = g.matrix("W_x", (hidden, inputs))
    b = g.vector("b", hidden)
    W_y = g.matrix("W_y")
    if W_y.shape[1] != hidden:
        raise InputError(f"given.W_y: expected {W_y.shape[0]}×{hidden} (one column per hidden unit), "
                         f"got {W_y.shape[0]}×{W_y.shape[1]}")
    outputs = W_y.shape[0]
    c = g.vector("c", outputs)
    if len(g.items("targets")) != len(xs):
        raise InputError(f"given.targets: expected one target per input step ({len(xs)}), "
                         f"got {len(g.items('targets'))}")
    targets = g.vectors("targets", outputs)
    functions = (g.choice("activation", tuple(ACTIVATIONS), "tanh"),
                 g.choice("output_activation", tuple(ACTIVATIONS), "identity"))
    kind = g.choice("loss", tuple(layers.LOSSES), "half_sse")
    return dict(x=xs, h0=h0, W_h=W_h, W_x=W_x, b=b, W_y=W_y, c=c, targets=targets), functions, kind


EXPECTED = {
    "x": "the input sequence, a list of vectors (one per step)",
    "h0": "the initial hidden state, a list of numbers (length = hidden size)",
    "W_h": "the hidden-to-hidden matrix, hidden×hidden",
    "W_x": "the input-to-hidden matrix, hidden×input size",
    "b": "the hidden bias, a list of hidden-size numbers",
    "W_y": "the hidden-to-output matrix, outputs×hidden",
    "c": "the output bias, a list of output-size numbers",
    "targets": "a list of target vectors ŷ_t, one per step",
}


def build_graph(values, functions, kind) -> tuple[Graph, int]:
    activation, output_activation = functions
    graph = Graph()
    p = {name: graph.given(name, values[name]) for name in PARAMETERS}
    h = graph.given("h_0", values["h0"])
    losses = []
    for t, (x_value, target) in enumerate(zip(values["x"], values["targets"]), start=1):
        x = graph.given(f"x_{t}", x_value)
        h = rnn_cell(graph, t, h, x, p["W_h"], p["W_x"], p["b"], activation)
        y = rnn_output(graph, t, h, p["W_y"], p["c"], output_activation)
        yhat = graph.given(f"yhat_{t}", target)
        losses.append(layers.loss(graph, f"L_{t}", kind, [yhat], [y]))
    graph.define("L", sympy.Add(*losses))
    return graph.evaluate(), len(values["x"])


def build(solution, given: dict):
    values, functions, kind = read(given)
    graph, T = build_graph(values, functions, kind)
    graph.backward("L")
    graph.evaluate()
    if solution.variant:
        solution.statement = describe(values, functions, kind, T)
    solution.keep(graph)
    forward_part(solution, graph, T)
    hidden_part(solution, graph, values, functions, kind, T)
    parameter_part(solution, graph)
    direct_part(solution, graph, values, functions, kind)
    return solution


def forward_part(solution, graph, T):
    part = solution.part("a", "Forward pass: unroll the network over the sequence and sum the losses.")
    for t in range(1, T + 1):
        for name in (f"z_{t}", f"h_{t}", f"y_{t}", f"L_{t}"):
            part.steps.append(graph.step(name))
            part.answer(name, graph.value(name), graph[name].latex)
    part.steps.append(graph.step("L"))
    part.answer("L", graph.value("L"), "L")


def hidden_part(solution, graph, values, functions, kind, T):
    part = solution.part("b", "The gradient with respect to each hidden state, from the last step back "
                              "(the recursion ∂L/∂h_t = ∂L_t/∂h_t + J_(t+1)ᵀ ∂L/∂h_(t+1)).")
    part.steps.append(Remark("Reverse mode visits h_t after everything that uses it: y_t (through L_t) and "
                             "z_(t+1). Its adjoint is the sum of those two contributions."))
    for t in range(T, 0, -1):
        for name in (f"y_{t}", f"h_{t}", f"z_{t}"):
            part.steps.append(graph.step(graph.adjoint_name(name)))
        part.answer(f"dL_dh_{t}", graph.value(f"dL_dh_{t}"), graph[f"dL_dh_{t}"].latex)
    part.steps.append(Remark("W_hᵀ (φ′(z_(t+1)) ⊙ g) = (diag(φ′(z_(t+1))) W_h)ᵀ g = J_(t+1)ᵀ g, so the recursion "
                             "is the seed's Step 2 unrolled one step at a time. Unrolled completely, "
                             "∂L/∂h_t = Σ_(k≥t) (J_k J_(k−1) ⋯ J_(t+1))ᵀ ∂L_k/∂h_k: the product runs from the "
                             "latest step inward, and in this layout it is transposed. Check with the "
                             "Jacobians computed directly:"))
    local = {t: local_gradient(graph, t, values, functions, kind) for t in range(1, T + 1)}
    jacobians = {t: step_jacobian(functions[0], values["W_h"], values["W_x"], values["b"],
                                  graph.value(f"h_{t - 1}"), values["x"][t - 1]) for t in range(2, T + 1)}
    for t in range(1, T + 1):
        total = sympy.zeros(*local[t].shape)
        chain = sympy.eye(local[t].shape[0])
        for k in range(t, T + 1):
            if k > t:
                chain = jacobians[k] * chain
            total += chain.T * local[k]
        total = sympy.ImmutableMatrix(total.evalf(15))
        recursion = graph.value(f"dL_dh_{t}")
        part.steps.append(Relation((sympy.Symbol(f"unrolled_{t}"), total, recursion),
                                   ("=", "=" if close(total, recursion) else "≠"),
                                   reason="Σ_(k≥t) (J_k ⋯ J_(t+1))ᵀ ∂L_k/∂h_k against the recursion"))
        solution.notation[f"unrolled_{t}"] = unrolled_notation(t, T)


def unrolled_notation(t, T):
    """How Σ_(k≥t) (J_k ⋯ J_(t+1))ᵀ ∂L_k/∂h_k reads for this t."""
    if t == T:
        return f"∂L_{T}/∂h_{T}", rf"\frac{{\partial L_{{{T}}}}}{{\partial h_{{{T}}}}}"
    return (f"Σ_(k={t}..{T}) (J_k⋯J_{t + 1})ᵀ ∂L_k/∂h_k",
            rf"\sum_{{k={t}}}^{{{T}}} \left(J_{{k}} \cdots J_{{{t + 1}}}\right)^{{\top}} "
            rf"\frac{{\partial L_k}}{{\partial h_k}}")


def local_gradient(graph, t, values, functions, kind):
    """∂L_t/∂h_t, the gradient of step t's own loss, by differentiating it directly."""
    n = values["h0"].shape[0]
    entries = sympy.symbols(f"eta_0:{n}", real=True)
    own = step_loss(values, sympy.ImmutableMatrix(entries), values["targets"][t - 1], functions[1], kind)
    at = dict(zip(entries, graph.value(f"h_{t}")))
    return sympy.ImmutableMatrix([sympy.diff(own, e).xreplace(at) for e in entries]).evalf(20)


def parameter_part(solution, graph):
    part = solution.part("c", "The parameter gradients: each parameter is shared by every step, so its "
                              "gradient is a sum over t.")
    for name in PARAMETERS:
        adjoint = graph.adjoint_name(name)
        part.steps.append(graph.step(adjoint))
        part.answer(adjoint, graph.value(adjoint), graph[adjoint].latex)
    part.steps.append(Remark("The seed's ∂h_t/∂W_h = φ′(·) h_(t−1)ᵀ is shorthand: ∂h_t/∂W_h is a three-index "
                             "array, and what the sum needs is its contraction with ∂L/∂h_t, "
                             "(φ′(z_t) ⊙ ∂L/∂h_t) h_(t−1)ᵀ = δ_t h_(t−1)ᵀ, as above; likewise for W_x and b."))
    part.steps.append(graph.figure("the network unrolled over the sequence: forward values and the gradients of L"))


def direct_part(solution, graph, values, functions, kind):
    """Differentiate the fully unrolled loss entry by entry, independently of reverse mode."""
    part = solution.part("d", "Confirm every gradient by differentiating the unrolled loss directly.")
    symbols = {name: sympy.ImmutableMatrix(sympy.MatrixSymbol(f"{name}_direct", *values[name].shape))
               for name in PARAMETERS}
    # σ written out as 1/(1 + e^(−z)): independent of the engine's σ, and far
    # cheaper to differentiate deep inside a nested expression.
    loss = unrolled_loss(symbols, values, functions, kind).replace(sigmoid, lambda z: 1 / (1 + sympy.exp(-z)))
    at = {s: v for name in PARAMETERS for s, v in zip(symbols[name], values[name])}
    for name in PARAMETERS:
        partials = [sympy.diff(loss, s) for s in symbols[name]]
        direct = sympy.ImmutableMatrix(symbols[name].shape[0], symbols[name].shape[1], evaluate_shared(partials, at))
        engine = graph.value(graph.adjoint_name(name))
        part.steps.append(Relation((sympy.Symbol(f"direct_{name}"), direct, engine),
                                   ("=", "=" if close(direct, engine) else "≠"),
                                   reason="differentiating L(W_h, W_x, b, W_y, c) unrolled, entry by entry"))
        solution.notation[f"direct_{name}"] = (f"∂L/∂{name} (direct)",
                                               rf"\left.\frac{{\partial L}}{{\partial {graph[name].latex}}}"
                                               rf"\right|_{{\mathrm{{direct}}}}")
        if not close(direct, engine):
            raise RuntimeError(f"bptt: reverse mode and direct differentiation disagree on ∂L/∂{name}")


def evaluate_shared(expressions, at, digits=30):
    """Numbers for expressions that share deep subexpressions: each shared
    piece is evaluated once (common-subexpression elimination), not once per
    occurrence as a plain evalf of the nested tree would."""
    shared, reduced = sympy.cse(expressions)
    known = dict(at)
    for symbol, expression in shared:
        known[symbol] = expression.xreplace(known).evalf(digits)
    return [expression.xreplace(known).evalf(digits) for expression in reduced]


def unrolled_loss(p, values, functions, kind):
    activation, output_activation = functions
    h = values["h0"]
    total = sympy.Integer(0)
    for x, target in zip(values["x"], values["targets"]):
        h = transition(activation, p["W_h"], p["W_x"], p["b"], h, x)
        total += step_loss(p, h, target, output_activation, kind)
    return total


def step_loss(p, h, target, output_activation, kind):
    """ℓ(ψ(W_y h + c), ŷ) written out entry by entry."""
    y = sympy.ImmutableMatrix(layers.apply(output_activation, sympy.ImmutableMatrix(p["W_y"] * h + p["c"])))
    residual = target - y
    factor = {"half_sse": sympy.Rational(1, 2), "sse": 1, "mse": sympy.Rational(1, len(residual))}[kind]
    return factor * sum(v**2 for v in residual)


def close(a, b, tol=1e-12) -> bool:
    return all(abs(float(u) - float(v)) <= tol * max(1, abs(float(v))) for u, v in zip(a, b))


def describe(values, functions, kind, T) -> str:
    hidden, inputs, outputs = values["W_h"].shape[0], values["W_x"].shape[1], values["W_y"].shape[0]
    return (f"An RNN with hidden size {hidden}, input size {inputs}, output size {outputs}, φ = "
            f"{functions[0]}, ψ = {functions[1]}, per-step loss {layers.LOSSES[kind]}, over a sequence of "
            f"length {T}: derive ∂L/∂h_t and the gradients with respect to W_h, W_x, b, W_y and c.")


def random_given(rng) -> dict:
    hidden, inputs, outputs, steps = rng.randint(1, 2), rng.randint(1, 2), rng.randint(1, 2), rng.randint(2, 4)

    def draw(rows, cols=None):
        if cols is None:
            return [round(rng.uniform(-1, 1), 1) for _ in range(rows)]
        return [[round(rng.uniform(-1, 1), 1) for _ in range(cols)] for _ in range(rows)]

    return {"x": [draw(inputs) for _ in range(steps)], "h0": [0] * hidden, "W_h": draw(hidden, hidden),
            "W_x": draw(hidden, inputs), "b": draw(hidden), "W_y": draw(outputs, hidden), "c": draw(outputs),
            "targets": [draw(outputs) for _ in range(steps)], "activation": rng.choice(["tanh", "sigmoid"]),
            "output_activation": rng.choice(["identity", "sigmoid"]), "loss": "half_sse"}


PROBLEM = Problem(
    name="bptt", title="Backpropagation through time for a vanilla RNN", source=f"{S1}, §14.2",
    build=build, given=GIVEN, statement=STATEMENT, random_given=random_given, convention=CONVENTION)
