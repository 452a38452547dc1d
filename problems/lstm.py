"""Family `lstm`: the forward pass of an LSTM, step by step.

    f_t = σ(W_f x_t + U_f h_{t−1} + b_f)      i_t = σ(W_i x_t + U_i h_{t−1} + b_i)
    c̃_t = tanh(W_c x_t + U_c h_{t−1} + b_c)   o_t = σ(W_o x_t + U_o h_{t−1} + b_o)
    c_t = f_t ⊙ c_{t−1} + i_t ⊙ c̃_t           h_t = o_t ⊙ tanh(c_t)

with loss ½ Σ_t ‖y_t − h_t‖² when targets are given.
"""
from __future__ import annotations

import problems
from derive import layers
from derive.document import Solution
from derive.givens import Givens
from derive.numbers import InputError
from derive.graph import Graph
from derive.steps import Remark

GATES = {"f": ("sigmoid", "f", "forget gate"), "i": ("sigmoid", "i", "input gate"),
         "c": ("tanh", "ctilde", "candidate cell"), "o": ("sigmoid", "o", "output gate")}

GIVEN = {
    "x": [[1, 0], [0.5, -1]],
    "h0": [0], "c0": [0],
    "W": {"f": [[1, 2]], "i": [[-1, 0]], "c": [[1, 2]], "o": [[3, 0]]},
    "U": {"f": [[0.5]], "i": [[2]], "c": [[1.5]], "o": [[-1]]},
    "b": {"f": [0.2], "i": [-0.1], "c": [0.5], "o": [0.8]},
    "y": [0.5, 0.8],
    "loss": "half_sse",
}


def read(given: dict):
    g = Givens(given, "given", ("x", "h0", "c0", "W", "U", "b", "y", "loss"))
    h0 = g.vector("h0")
    hidden = h0.shape[0]
    c0 = g.vector("c0", hidden)
    xs = g.vectors("x")
    inputs = xs[0].shape[0]
    for t, x in enumerate(xs):
        if x.shape[0] != inputs:
            raise_shape(f"given.x[{t}]", (inputs, 1), x.shape)
    weights = {}
    for key, shape in (("W", (hidden, inputs)), ("U", (hidden, hidden)), ("b", (hidden, 1))):
        block = g.child(key, tuple(GATES))
        for gate in GATES:
            weights[key, gate] = block.vector(gate, hidden) if key == "b" else block.matrix(gate, shape)
    targets = None
    if g.has("y"):
        raw = g.items("y")
        if len(raw) != len(xs):
            raise_shape("given.y", (len(xs),), (len(raw),), what="one target per input step")
        targets = g.vectors("y", hidden)
        g.choice("loss", ("half_sse",), "half_sse")
    return xs, h0, c0, weights, targets


def raise_shape(where, expected, got, what="shape"):
    raise InputError(f"{where}: expected {what} {'×'.join(map(str, expected))}, got {'×'.join(map(str, got))}")


def build_graph(given: dict) -> tuple[Graph, int]:
    xs, h0, c0, weights, targets = read(given)
    graph = Graph()
    symbol = {key: graph.given(f"{key[0]}_{key[1]}", value) for key, value in weights.items()}
    inputs = [graph.given(f"x_{t}", value) for t, value in enumerate(xs, start=1)]
    h = graph.given("h_0", h0)
    c = graph.given("c_0", c0)
    for t, x in enumerate(inputs, start=1):
        gate = {}
        for key, (function, name, _) in GATES.items():
            where = f"gate {name}_{t}"
            argument = layers.total([layers.product(symbol["W", key], x, where),
                                     layers.product(symbol["U", key], h, where), symbol["b", key]], where)
            gate[key] = layers.activation(graph, f"{name}_{t}", function, argument)
        c = graph.define(f"c_{t}", layers.total([layers.elementwise_product(gate["f"], c, f"c_{t}"),
                                                 layers.elementwise_product(gate["i"], gate["c"], f"c_{t}")],
                                                f"c_{t}"))
        h = graph.define(f"h_{t}", layers.elementwise_product(gate["o"], layers.apply("tanh", c), f"h_{t}"))
    if targets is not None:
        ys = [graph.given(f"y_{t}", value) for t, value in enumerate(targets, start=1)]
        outputs = [graph[f"h_{t}"].symbol for t in range(1, len(inputs) + 1)]
        layers.loss(graph, "loss", "half_sse", ys, outputs, latex=r"\mathcal{L}")
    return graph.evaluate(), len(inputs)


def build(given: dict, *, entry=None, statement=None) -> Solution:
    entry = entry or problems.entry("lstm")
    graph, steps = build_graph(given)
    solution = Solution(entry.name, entry.title, entry.source, statement or describe(graph, steps),
                        given=given, notation=graph.notation())
    dimensions = solution.part("a", "What are the dimensions of every gate and state?")
    for key, (_, gate_name, meaning) in GATES.items():
        q = graph[f"{gate_name}_1"]
        w, x = graph[f"W_{key}"], graph["x_1"]
        dimensions.steps.append(Remark(
            f"{meaning} {gate_name}_t: W_{key} x_t is ({shape(w)})·({shape(x)}) = {shape(q)}; "
            f"U_{key} h_(t-1) and b_{key} have that shape too, and the activation keeps it: {shape(q)}."))
    dimensions.steps.append(Remark(
        f"c_t = f_t ⊙ c_(t-1) + i_t ⊙ c̃_t and h_t = o_t ⊙ tanh(c_t) are element-wise: {shape(graph['c_1'])}."))
    values = solution.part("b", "Compute the gates and states at every step.")
    for t in range(1, steps + 1):
        for name in ("f", "i", "ctilde", "c", "o", "h"):
            key = f"{name}_{t}"
            values.steps.append(graph.step(key))
            values.answer(key, graph.value(key), graph[key].latex)
    if "loss" in graph:
        loss = solution.part("c", "Compute the loss ½ Σ_t (y_t − h_t)².")
        loss.steps.append(graph.step("loss"))
        loss.answer("loss", graph.value("loss"), graph["loss"].latex)
    return solution


def shape(quantity) -> str:
    return "×".join(map(str, quantity.shape)) or "scalar"


def describe(graph, steps) -> str:
    hidden, inputs = graph["W_f"].shape
    return (f"An LSTM with hidden size {hidden} and input size {inputs} runs for {steps} steps from "
            f"h_0 and c_0; the gate weights, inputs and targets are the givens below.")


def random_given(rng) -> dict:
    hidden, inputs, steps = rng.randint(1, 2), rng.randint(1, 3), rng.randint(2, 3)

    def draw(rows, cols=None):
        if cols is None:
            return [round(rng.uniform(-2, 2), 1) for _ in range(rows)]
        return [[round(rng.uniform(-2, 2), 1) for _ in range(cols)] for _ in range(rows)]

    return {"x": [draw(inputs) for _ in range(steps)], "h0": [0] * hidden, "c0": [0] * hidden,
            "W": {g: draw(hidden, inputs) for g in GATES}, "U": {g: draw(hidden, hidden) for g in GATES},
            "b": {g: draw(hidden) for g in GATES}, "y": [draw(hidden) for _ in range(steps)], "loss": "half_sse"}
