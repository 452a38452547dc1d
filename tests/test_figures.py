"""Computation-graph figures (issue 7): every catalog problem whose solution
runs a backward pass draws its graph, the drawn gradients are the loss's
(checked against central differences of plain NumPy re-implementations of
three networks), and the drawing is well formed."""
import math

import numpy as np
import pytest

from derive.catalog import entries, solve
from derive.core.graph import Graph
from derive.core.steps import ComputationGraph
from problems import autoencoder_backprop, cnn, lstm
from conftest import backward_passes, solved_problem

NAMES = [entry.name for entry in entries()]


@pytest.fixture(scope="module")
def solved():
    """name → (solution, how many times Graph.backward ran while solving it), from the session's cache."""
    return {name: (solved_problem(name), backward_passes(name)) for name in NAMES}


def figures(solution) -> list[ComputationGraph]:
    return [step for part in solution.parts for step in part.steps if isinstance(step, ComputationGraph)]


def figure_with(solution, name) -> ComputationGraph:
    """The solution's figure that draws quantity `name`."""
    found = [f for f in figures(solution) if any(node.name == name for node in f.nodes)]
    assert found, f"no figure draws {name}"
    return found[0]


def drawn(figure, name, field="gradient") -> np.ndarray:
    node = next(node for node in figure.nodes if node.name == name)
    value = getattr(node, field)
    assert value is not None, f"{name} has no {field}"
    return np.array(value.tolist() if hasattr(value, "tolist") else [[value]], dtype=float)


def test_backward_problems_are_found(solved):
    # Guards the selection below: the forward/backward problems of the catalog do run backward().
    backward = {name for name, (_, calls) in solved.items() if calls}
    assert {"mlp-backprop-step", "autoencoder-backprop", "cnn-backprop-example", "lstm-forward", "bptt",
            "gan-forward-backward", "mae-backprop", "residual-backprop", "skip-connections"} <= backward


def test_every_backward_pass_is_drawn_with_gradients(solved):
    undrawn = [name for name, (solution, calls) in solved.items() if calls and not figures(solution)]
    assert undrawn == [], "these run a backward pass but draw no computation graph"
    without = [name for name, (solution, calls) in solved.items() if calls
               and not any(node.gradient is not None for figure in figures(solution) for node in figure.nodes)]
    assert without == [], "these draw no quantity with its gradient"


def test_edges_join_drawn_nodes_in_data_flow_order(solved):
    drawn_any = [name for name, (solution, _) in solved.items() if figures(solution)]
    assert len(drawn_any) >= 20
    for name in drawn_any:
        for figure in figures(solved[name][0]):
            check_edges(name, figure)


def check_edges(name, figure):
    names = [node.name for node in figure.nodes]
    assert len(names) == len(set(names)), f"{name}: a quantity is drawn twice"
    position = {n: i for i, n in enumerate(names)}
    inputs = {n: [] for n in names}
    for source, target in figure.edges:
        assert source in position and target in position, f"{name}: edge {source} → {target}"
        assert position[source] < position[target], f"{name}: edge {source} → {target} points back"
        inputs[target].append(source)
    for node in figure.nodes:
        # A computed quantity comes from something drawn; a given one from nothing.
        assert bool(inputs[node.name]) == (node.kind != "given"), f"{name}: {node.name} ({node.kind})"
    if len(names) > 1:
        touched = {n for edge in figure.edges for n in edge}
        assert touched == set(names), f"{name}: {sorted(set(names) - touched)} drawn unconnected"


def central_differences(loss, arrays: dict, name: str, h=1e-6) -> np.ndarray:
    """∂loss/∂arrays[name], entry by entry, by central differences."""
    gradient = np.zeros_like(arrays[name])
    for index in np.ndindex(arrays[name].shape):
        values = {}
        for sign in (1, -1):
            shifted = {k: v.copy() for k, v in arrays.items()}
            shifted[name][index] += sign * h
            values[sign] = loss(shifted)
        gradient[index] = (values[1] - values[-1]) / (2 * h)
    return gradient


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


# --- autoencoder-backprop: x' = σ(W₂ᵀ relu(W₁ᵀx + b₁) + b₂), L = Σ (x' − x)² ---

def autoencoder_loss(p):
    h = np.maximum(p["W_1"].T @ p["x"] + p["b_1"], 0)
    reconstruction = sigmoid(p["W_2"].T @ h + p["b_2"])
    return float(np.sum((reconstruction - p["x"]) ** 2))


def test_autoencoder_figure_gradients_match_finite_differences(solved):
    arrays = {k: np.array(v, dtype=float).reshape(len(v), -1) for k, v in autoencoder_backprop.GIVEN.items()}
    figure = figure_with(solved["autoencoder-backprop"][0], "loss")
    assert drawn(figure, "loss", "value")[0, 0] == pytest.approx(autoencoder_loss(arrays), rel=1e-12)
    for weight in ("W_1", "b_1", "W_2", "b_2", "x"):
        expected = central_differences(autoencoder_loss, arrays, weight)
        np.testing.assert_allclose(drawn(figure, weight), expected, rtol=1e-6, atol=1e-9, err_msg=weight)


# --- cnn-backprop-example: O = X ⋆ F (valid), M = 2×2 max-pool stride 1, L = mean (M − L̂)² ---

def cnn_loss(p):
    X, F = p["X"], p["F"]
    k = F.shape[0]
    rows, cols = X.shape[0] - k + 1, X.shape[1] - k + 1
    O = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            for m in range(k):
                for n in range(k):
                    O[i, j] += X[i + m, j + n] * F[m, n]
    size, stride = cnn.GIVEN["pool"]["size"], cnn.GIVEN["pool"]["stride"]
    pooled = [[max(O[a, b] for a in range(i, i + size) for b in range(j, j + size))
               for j in range(0, cols - size + 1, stride)] for i in range(0, rows - size + 1, stride)]
    return float(np.mean((np.array(pooled) - p["target"]) ** 2))


def test_cnn_figure_gradients_match_finite_differences(solved):
    given = cnn.GIVEN
    assert (given["stride"], given["padding"], given["pool"]["kind"], given["loss"]) == (1, 0, "max", "mse")
    arrays = {k: np.array(given[k], dtype=float) for k in ("X", "F", "target")}
    figure = figure_with(solved["cnn-backprop-example"][0], "F")
    assert drawn(figure, "loss", "value")[0, 0] == pytest.approx(cnn_loss(arrays), rel=1e-12)
    for weight in ("F", "X"):
        # The loss is piecewise quadratic (max-pool): steps of 1e-3 stay inside one piece, where
        # central differences of a quadratic are exact up to rounding.
        expected = central_differences(cnn_loss, arrays, weight, h=1e-3)
        np.testing.assert_allclose(drawn(figure, weight), expected, rtol=1e-7, atol=1e-7, err_msg=weight)


# --- lstm-forward (with targets): the standard LSTM cell over two steps, L = ½ Σ_t (y_t − h_t)² ---

def lstm_loss(p):
    h, c, total = p["h0"], p["c0"], 0.0
    for t, x in enumerate(p["x"]):
        gate = {g: p[f"W_{g}"] @ x + p[f"U_{g}"] @ h + p[f"b_{g}"] for g in "fico"}
        c = sigmoid(gate["f"]) * c + sigmoid(gate["i"]) * np.tanh(gate["c"])
        h = sigmoid(gate["o"]) * np.tanh(c)
        total += 0.5 * float(np.sum((p["y"][t] - h) ** 2))
    return total


def lstm_arrays():
    given = lstm.GIVEN
    assert given["loss"] == "half_sse"
    arrays = {"x": np.array(given["x"], dtype=float), "y": np.array(given["y"], dtype=float).reshape(-1, 1),
              "h0": np.array(given["h0"], dtype=float), "c0": np.array(given["c0"], dtype=float)}
    for kind in ("W", "U"):
        arrays.update({f"{kind}_{g}": np.array(given[kind][g], dtype=float) for g in "fico"})
    arrays.update({f"b_{g}": np.array(given["b"][g], dtype=float) for g in "fico"})
    return arrays


def test_lstm_figure_gradients_match_finite_differences(solved):
    arrays = lstm_arrays()
    figure = figure_with(solved["lstm-forward"][0], "loss")
    assert drawn(figure, "loss", "value")[0, 0] == pytest.approx(lstm_loss(arrays), rel=1e-12)
    for weight in [f"{kind}_{g}" for kind in ("W", "U", "b") for g in "fico"]:
        expected = central_differences(lstm_loss, arrays, weight).reshape(drawn(figure, weight).shape)
        np.testing.assert_allclose(drawn(figure, weight), expected, rtol=1e-6, atol=1e-9, err_msg=weight)
    assert not math.isclose(float(np.abs(drawn(figure, "W_f")).sum()), 0.0)
