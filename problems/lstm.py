"""Family `lstm`: the forward pass of an LSTM step by step, the loss, and
(when targets are given) every gradient by backpropagation through time.

    f_t = σ(W_f x_t + U_f h_{t−1} + b_f)      i_t = σ(W_i x_t + U_i h_{t−1} + b_i)
    c̃_t = tanh(W_c x_t + U_c h_{t−1} + b_c)   o_t = σ(W_o x_t + U_o h_{t−1} + b_o)
    c_t = f_t ⊙ c_{t−1} + i_t ⊙ c̃_t           h_t = o_t ⊙ tanh(c_t)

with loss Σ_t over (y_t, h_t) of the chosen kind (½ Σ ‖y_t − h_t‖² by default).
The cell is `derive.recurrent.lstm_cell`; the gradients are the graph's
reverse mode over the unrolled sequence.
"""
from __future__ import annotations

from derive.catalog import Problem
from derive.nn import layers
from derive.core.givens import Givens
from derive.core.graph import Graph
from derive.core.numbers import InputError
from derive.nn.recurrent import LSTM_GATES, lstm_cell, lstm_weights
from derive.core.steps import Remark

GATES = LSTM_GATES

GIVEN = {
    "x": [[1, 0], [0.5, -1]],
    "h0": [0], "c0": [0],
    "W": {"f": [[1, 2]], "i": [[-1, 0]], "c": [[1, 2]], "o": [[3, 0]]},
    "U": {"f": [[0.5]], "i": [[2]], "c": [[1.5]], "o": [[-1]]},
    "b": {"f": [0.2], "i": [-0.1], "c": [0.5], "o": [0.8]},
    "y": [0.5, 0.8],
    "loss": "half_sse",
}

CONVENTION = ("Denominator layout: ∂L/∂W has the shape of W, so a weight used at every step collects "
              "∂L/∂W_g = Σ_t δ_(g,t) x_tᵀ and ∂L/∂U_g = Σ_t δ_(g,t) h_(t−1)ᵀ, where δ_(g,t) is the gradient "
              "with respect to gate g's pre-activation at step t.")

SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")

KEYS = ("x", "h0", "c0", "W", "U", "b", "y", "loss")


def require(g: Givens, key: str, expected: str):
    """A missing key gets a message that says what belongs there."""
    if not g.has(key):
        raise InputError(f"{g._path(key)}: missing; expected {expected}")


def read(given: dict):
    g = Givens(given, "given", KEYS)
    require(g, "h0", "the initial hidden state, a list of numbers (length = hidden size)")
    h0 = g.vector("h0")
    hidden = h0.shape[0]
    require(g, "c0", f"the initial cell state, a list of {hidden} numbers")
    c0 = g.vector("c0", hidden)
    require(g, "x", "the input sequence, a list of vectors (one per step)")
    xs = g.vectors("x")
    inputs = xs[0].shape[0]
    for t, x in enumerate(xs):
        if x.shape[0] != inputs:
            raise_shape(f"given.x[{t}]", (inputs,), (x.shape[0],), what="a vector of length")
    weights = {}
    for key, shape in (("W", (hidden, inputs)), ("U", (hidden, hidden)), ("b", (hidden, 1))):
        expected = (f"an object with keys f, i, c, o, each a {shape[0]}×{shape[1]} matrix" if key != "b"
                    else f"an object with keys f, i, c, o, each a list of {hidden} numbers")
        require(g, key, expected)
        block = g.child(key, tuple(GATES))
        for gate in GATES:
            what = f"a {shape[0]}×{shape[1]} matrix" if key != "b" else f"a list of {hidden} numbers"
            require(block, gate, what)
            weights[key, gate] = block.vector(gate, hidden) if key == "b" else block.matrix(gate, shape)
    targets, kind = None, None
    if g.has("y"):
        raw = g.items("y")
        if len(raw) != len(xs):
            raise_shape("given.y", (len(xs),), (len(raw),), what="one target per input step,")
        targets = g.vectors("y", hidden)
        kind = g.choice("loss", tuple(layers.LOSSES), "half_sse")
    elif g.has("loss"):
        raise InputError("given.loss: a loss needs targets; give y, a list of one target vector per step")
    return xs, h0, c0, weights, targets, kind


def raise_shape(where, expected, got, what="shape"):
    raise InputError(f"{where}: expected {what} {'×'.join(map(str, expected))}, got {'×'.join(map(str, got))}")


def build_graph(given: dict) -> tuple[Graph, int]:
    xs, h0, c0, weights, targets, kind = read(given)
    graph = Graph()
    symbol = lstm_weights(graph, weights)
    inputs = [graph.given(f"x_{t}", value) for t, value in enumerate(xs, start=1)]
    h = graph.given("h_0", h0)
    c = graph.given("c_0", c0)
    for t, x in enumerate(inputs, start=1):
        state = lstm_cell(graph, t, x, h, c, symbol)
        h, c = state["h"], state["c"]
    if targets is not None:
        ys = [graph.given(f"y_{t}", value) for t, value in enumerate(targets, start=1)]
        outputs = [graph[f"h_{t}"].symbol for t in range(1, len(inputs) + 1)]
        layers.loss(graph, "loss", kind, ys, outputs, latex=r"\mathcal{L}")
    return graph.evaluate(), len(inputs)


def build(solution, given: dict):
    graph, steps = build_graph(given)
    solution.keep(graph)
    dimensions_part(solution, graph)
    values = solution.part("b", "Compute the gates and states at every step.")
    for t in range(1, steps + 1):
        for name in ("f", "i", "ctilde", "c", "o", "h"):
            key = f"{name}_{t}"
            values.steps.append(graph.step(key))
            values.answer(key, graph.value(key), graph[key].latex)
    if "loss" in graph:
        kind = given.get("loss", "half_sse")
        loss = solution.part("c", f"Compute the loss {layers.LOSSES[kind]} over the steps (y_t against h_t).")
        loss.steps.append(graph.step("loss"))
        loss.answer("loss", graph.value("loss"), graph["loss"].latex)
        gradients_part(solution, graph, steps)
    else:
        values.steps.append(graph.figure("the LSTM unrolled over the steps: every gate and state with its value"))


def dimensions_part(solution, graph):
    dimensions = solution.part("a", "What are the dimensions of every gate and state?")
    for key, (_, gate_name, meaning) in GATES.items():
        q = graph[f"{gate_name}_1"]
        w, x = graph[f"W_{key}"], graph["x_1"]
        dimensions.steps.append(Remark(
            f"{meaning} {gate_name}_t: W_{key} x_t is ({shape(w)})·({shape(x)}) = {shape(q)}; "
            f"U_{key} h_(t-1) and b_{key} have that shape too, and the activation keeps it: {shape(q)}."))
    dimensions.steps.append(Remark(
        f"c_t = f_t ⊙ c_(t-1) + i_t ⊙ c̃_t and h_t = o_t ⊙ tanh(c_t) are element-wise: {shape(graph['c_1'])}."))


def gradients_part(solution, graph, steps):
    """Backpropagation through time: the adjoint of every state, then of every weight."""
    graph.backward("loss")
    graph.evaluate()
    solution.convention = CONVENTION
    part = solution.part("d", "Backpropagation through time: the gradient of the loss with respect to every "
                              "state, gate and weight.")
    for t in range(steps, 0, -1):
        for name in ("h", "c", "o", "ctilde", "i", "f"):
            part.steps.append(graph.step(graph.adjoint_name(f"{name}_{t}")))
    part.steps.append(Remark("Every weight is used at every step, so its gradient sums one term per step."))
    for kind in ("W", "U", "b"):
        for gate in GATES:
            adjoint = graph.adjoint_name(f"{kind}_{gate}")
            part.steps.append(graph.step(adjoint))
            part.answer(adjoint, graph.value(adjoint), graph[adjoint].latex)
    for state in ("h_0", "c_0"):
        adjoint = graph.adjoint_name(state)
        part.steps.append(graph.step(adjoint))
        part.answer(adjoint, graph.value(adjoint), graph[adjoint].latex)
    part.steps.append(graph.figure("the LSTM unrolled over the steps: every gate and state with its value and "
                                   "the gradient of the loss"))


def shape(quantity) -> str:
    return "×".join(map(str, quantity.shape)) or "scalar"


def statement(given: dict) -> str:
    xs, h0, _, _, targets, kind = read(given)
    hidden, inputs, steps = h0.shape[0], xs[0].shape[0], len(xs)
    state = "a scalar state" if hidden == 1 else f"hidden size {hidden}"
    space = "R" + str(inputs).translate(SUPERSCRIPTS) if inputs > 1 else "R"
    times = ", ".join(map(str, range(1, steps + 1))) if steps <= 3 else f"1, …, {steps}"
    text = (f"An LSTM with {state} and inputs x_t ∈ {space} runs for {steps} steps from h_0 and c_0, with "
            f"the gate weights and inputs given. (a) Give the dimensions of every gate and state. "
            f"(b) Compute f, i, c̃, c, o and h for t = {times}.")
    if targets is not None:
        text += (f" (c) Compute the loss {layers.LOSSES[kind]} over the steps against the targets y_t. "
                 "(d) Backpropagate through time: the gradient of the loss with respect to every state and weight.")
    return text


def random_given(rng) -> dict:
    hidden, inputs, steps = rng.randint(1, 2), rng.randint(1, 3), rng.randint(2, 3)

    def draw(rows, cols=None):
        if cols is None:
            return [round(rng.uniform(-2, 2), 1) for _ in range(rows)]
        return [[round(rng.uniform(-2, 2), 1) for _ in range(cols)] for _ in range(rows)]

    return {"x": [draw(inputs) for _ in range(steps)], "h0": [0] * hidden, "c0": [0] * hidden,
            "W": {g: draw(hidden, inputs) for g in GATES}, "U": {g: draw(hidden, hidden) for g in GATES},
            "b": {g: draw(hidden) for g in GATES}, "y": [draw(hidden) for _ in range(steps)], "loss": "half_sse"}


PROBLEM = Problem(
    name="lstm", title="Forward pass of an LSTM, and gradients by backpropagation through time",
    source="family", family="lstm", build=build, given=GIVEN, statement=statement, random_given=random_given)
