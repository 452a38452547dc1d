"""Family `mlp`: forward pass, backpropagation and one gradient-descent step
of a multilayer perceptron.

    z_l = W_l a_{l−1} + b_l,   a_l = f_l(z_l),   a_0 = x

`W[j][i]` is the weight from input i to unit j.  Gradients come from the
graph's reverse mode; the update is W_l ← W_l − η ∂L/∂W_l for all layers at
once, from the gradients at the old weights; a maximised objective
(`log_prob`) steps uphill instead, W_l ← W_l + η ∂L/∂W_l.
"""
from __future__ import annotations

from derive.catalog import Problem
from derive.nn import layers
from derive.core.functions import ACTIVATIONS, FUNCTIONS
from derive.core.givens import Givens
from derive.core.graph import Graph
from derive.core.numbers import InputError
from derive.printing import math

GIVEN = {
    "x": [0.05, 0.10],
    "layers": [{"W": [[0.15, 0.20], [0.25, 0.30]], "b": [0.35, 0.35], "activation": "sigmoid"},
               {"W": [[0.40, 0.45], [0.50, 0.55]], "b": [0.60, 0.60], "activation": "sigmoid"}],
    "y": [0.01, 0.99], "loss": "half_sse", "lr": 0.5, "update_biases": False,
}

#: With a softmax output these losses are the softmax cross-entropy, taken
#: from the logits: ∂L/∂z = p − y.
SOFTMAX_LOSSES = ("nll",)

CONVENTION = ("Denominator layout: ∂L/∂W has the shape of W, so ∂L/∂W_l = ∂L/∂z_l · a_(l−1)ᵀ "
              "and ∂L/∂a_(l−1) = W_lᵀ · ∂L/∂z_l.")


def read(given: dict):
    g = Givens(given, "given", ("x", "layers", "y", "loss", "lr", "update_biases"))
    x = g.vector("x")
    width = x.shape[0]
    specs = []
    for l, raw in enumerate(g.items("layers"), start=1):
        layer = Givens(raw, f"given.layers[{l - 1}]", ("W", "b", "activation", "alpha"))
        W = layer.matrix("W")
        if W.shape[1] != width:
            raise InputError(f"given.layers[{l - 1}].W: expected {W.shape[0]}×{width} "
                             f"(one column per input of the layer), got {W.shape[0]}×{W.shape[1]}")
        # a layer without a bias: "b" left out or null
        b = layer.vector("b", W.shape[0]) if layer.raw("b", None) is not None else None
        activation = layer.choice("activation", tuple(ACTIVATIONS))
        parameters = ()
        if layer.has("alpha"):
            if not FUNCTIONS[activation].parameters:
                raise InputError(f"given.layers[{l - 1}].alpha: {activation} has no α (elu and leaky_relu do)")
            parameters = (layer.positive("alpha"),)
        specs.append((W, b, activation, parameters))
        width = W.shape[0]
    y = g.vector("y", width)
    kind = g.choice("loss", tuple(layers.LOSSES), "half_sse")
    if specs[-1][2] == "softmax" and kind in SOFTMAX_LOSSES and sum(y) != 1:
        raise InputError("given.y: the targets of a softmax cross-entropy must add up to 1 (a one-hot vector or "
                         f"a distribution), got {math.text(sum(y))}")
    lr = g.positive("lr")
    return x, specs, y, kind, lr, g.flag("update_biases")


def forward(graph: Graph, x, specs, y, kind, suffix=""):
    """Add the forward pass; returns the names in order.

    With a suffix (the pass after the update) every name and symbol is
    marked "new", so the two passes can share one notation table."""
    new = r"^{\mathrm{new}}" if suffix else ""
    a = graph.given(f"x{suffix}", x, latex="x")
    names = []
    for l, (W, b, activation, parameters) in enumerate(specs, start=1):
        W_l = graph.given(f"W_{l}{suffix}", W, latex=f"W_{{{l}}}{new}")
        b_l = graph.given(f"b_{l}{suffix}", b, latex=f"b_{{{l}}}{new}") if b is not None else None
        z = layers.affine(graph, f"z_{l}{suffix}", W_l, a, b_l, latex=f"z_{{{l}}}{new}")
        a = layers.activation(graph, f"a_{l}{suffix}", activation, z, *parameters, latex=f"a_{{{l}}}{new}")
        names += [f"z_{l}{suffix}", f"a_{l}{suffix}"]
    target = graph.given(f"y{suffix}", y, latex="y")
    if specs[-1][2] == "softmax" and kind in SOFTMAX_LOSSES:
        layers.softmax_cross_entropy(graph, f"loss{suffix}", target, z, a, latex=r"\mathcal{L}" + new)
    else:
        layers.loss(graph, f"loss{suffix}", kind, [target], [a], latex=r"\mathcal{L}" + new)
    return names + [f"loss{suffix}"]


def build(solution, given: dict):
    x, specs, y, kind, lr, update_biases = read(given)
    graph = solution.keep(Graph())
    names = forward(graph, x, specs, y, kind)
    graph.evaluate()
    graph.backward("loss")
    eta = graph.given("eta", lr, latex=r"\eta", text="η")
    depth = len(specs)
    ascent = kind in layers.MAXIMISED  # a log-probability goes up its gradient
    for l in range(1, depth + 1):
        for p in _parameters(specs, l):
            old, gradient = graph[f"{p}_{l}"].symbol, graph[graph.adjoint_name(f"{p}_{l}")].symbol
            step = eta * gradient if ascent else -eta * gradient
            new = old + step if (p == "W" or update_biases) else old
            graph.define(f"{p}_{l}_new", new, latex=rf"{p}_{{{l}}}^{{\mathrm{{new}}}}")
    graph.evaluate()

    part = solution.part("a", "Forward pass: every pre-activation, activation and the loss.")
    for name in names:
        part.steps.append(graph.step(name))
        part.answer(name, graph.value(name), graph[name].latex)

    part = solution.part("b", "Backward pass: the gradient of the loss with respect to every layer.")
    for l in range(depth, 0, -1):
        # with a softmax cross-entropy the loss is taken from z_L: a_L has no adjoint of its own
        for name in [n for n in (f"a_{l}", f"z_{l}", f"W_{l}", f"b_{l}") if graph.adjoint_name(n) in graph]:
            adjoint = graph.adjoint_name(name)
            note = ("softmax with cross-entropy: ∂L/∂z = p − y, p = softmax(z)"
                    if name == f"z_{l}" and f"a_{l}" in graph and graph.adjoint_name(f"a_{l}") not in graph else "")
            part.steps.append(graph.step(adjoint, note=note))
        part.answer(f"delta_{l}", graph.value(graph.adjoint_name(f"z_{l}")), rf"\delta_{{{l}}}")
        for p in _parameters(specs, l):
            adjoint = graph.adjoint_name(f"{p}_{l}")
            part.answer(f"dL_d{p}_{l}", graph.value(adjoint), graph[adjoint].latex)
    part.steps.append(graph.figure("the network's forward values and the gradients of the loss"))

    how = ("gradient-ascent step (the log-probability is maximised: W ← W + η ∂L/∂W)" if ascent
           else "gradient-descent step")
    part = solution.part("c", f"One {how} with learning rate η = {math.text(lr)}"
                              + ("" if update_biases else " (biases kept fixed)") + ", and the objective after it.")
    for l in range(1, depth + 1):
        for p in _parameters(specs, l):
            name = f"{p}_{l}_new"
            part.steps.append(graph.step(name))
            part.answer(name, graph.value(name), graph[name].latex)
    after = solution.keep(Graph(), givens=False)
    new_specs = [(graph.value(f"W_{l}_new"), graph.value(f"b_{l}_new") if specs[l - 1][1] is not None else None,
                  *specs[l - 1][2:]) for l in range(1, depth + 1)]
    forward(after, x, new_specs, y, kind, suffix="_new")
    after.evaluate()
    part.steps.append(after.step("loss_new"))
    part.answer("loss_new", after.value("loss_new"), r"\mathcal{L}^{\mathrm{new}}")


def _parameters(specs, l):
    """The trained parameters of layer l: W, and b unless it has none."""
    return ("W", "b") if specs[l - 1][1] is not None else ("W",)


def statement(given: dict) -> str:
    _, specs, _, kind, lr, _ = read(given)
    sizes = [str(specs[0][0].shape[1])] + [str(spec[0].shape[0]) for spec in specs]
    activations = ", ".join(activation + (f" (α = {math.text(parameters[0])})" if parameters else "")
                            + ("" if b is not None else " without bias") for _, b, activation, parameters in specs)
    return (f"A {'-'.join(sizes)} multilayer perceptron with activations {activations}, loss {layers.LOSSES[kind]}, "
            f"learning rate {math.text(lr)}; the weights, input and target are the givens.")


def random_given(rng) -> dict:
    sizes = [rng.randint(1, 3) for _ in range(rng.randint(2, 3) + 1)]

    def draw():
        return round(rng.uniform(-1, 1), 2)

    return {"x": [draw() for _ in range(sizes[0])],
            "layers": [{"W": [[draw() for _ in range(sizes[l])] for _ in range(sizes[l + 1])],
                        "b": [draw() for _ in range(sizes[l + 1])],
                        "activation": rng.choice(["sigmoid", "tanh", "relu"])} for l in range(len(sizes) - 1)],
            "y": [round(rng.uniform(0, 1), 2) for _ in range(sizes[-1])],
            "loss": "half_sse", "lr": rng.choice([0.1, 0.5, 1]), "update_biases": rng.choice([False, True])}


PROBLEM = Problem(
    name="mlp", title="Forward and backward pass of a multilayer perceptron", source="family", family="mlp",
    build=build, given=GIVEN, statement=statement, random_given=random_given, convention=CONVENTION)
