"""The numeric path against hand-written NumPy, on networks too large to
print: an MLP 256-128-10 and a CNN with a 64×64 input and a 5×5 kernel.

The engine builds the graph with symbolic shapes, derives every adjoint,
compiles the formulas once (`derive.numeric.Program`) and then evaluates
forward and backward on float arrays.  The reference is the same network
written by hand in NumPy.  Both are timed side by side, and their gradients
are compared, so that a fast wrong answer cannot pass.
"""
from __future__ import annotations

import sys
import time

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from measure import Section, side_by_side

LIMIT = 20.0  # the engine's numeric path within this many times hand-written NumPy


def mlp_graph(sizes):
    from derive.core.graph import Graph
    from derive.nn.layers import activation, affine, loss
    graph = Graph()
    a = graph.given("x", shape=(sizes[0], 1))
    for l, (inputs, outputs) in enumerate(zip(sizes, sizes[1:]), 1):
        W, b = graph.given(f"W_{l}", shape=(outputs, inputs)), graph.given(f"b_{l}", shape=(outputs, 1))
        a = activation(graph, f"a_{l}", "sigmoid", affine(graph, f"z_{l}", W, a, b))
    loss(graph, "L", "half_sse", [graph.given("y", shape=(sizes[-1], 1))], [a])
    graph.backward("L")
    return graph


def mlp_values(sizes, rng):
    values = {"x": rng.normal(size=(sizes[0], 1)), "y": rng.random((sizes[-1], 1))}
    for l, (inputs, outputs) in enumerate(zip(sizes, sizes[1:]), 1):
        values[f"W_{l}"] = rng.normal(size=(outputs, inputs)) / np.sqrt(inputs)
        values[f"b_{l}"] = rng.normal(size=(outputs, 1))
    return values


def mlp_by_hand(v, layers):
    activations = [v["x"]]
    for l in range(1, layers + 1):
        activations.append(1 / (1 + np.exp(-(v[f"W_{l}"] @ activations[-1] + v[f"b_{l}"]))))
    gradients = {}
    delta = (activations[-1] - v["y"]) * activations[-1] * (1 - activations[-1])
    for l in range(layers, 0, -1):
        gradients[f"dL_dW_{l}"] = delta @ activations[l - 1].T
        gradients[f"dL_db_{l}"] = delta
        if l > 1:
            delta = (v[f"W_{l}"].T @ delta) * activations[l - 1] * (1 - activations[l - 1])
    return gradients


def cnn_graph(size, kernel, pool):
    from derive.nn.convolution import Correlation, MaxPool, squared_loss
    from derive.core.graph import Graph
    graph = Graph()
    X, F = graph.given("X", shape=(size, size)), graph.given("F", shape=(kernel, kernel))
    O = graph.define("O", Correlation(X, F))
    M = graph.define("M", MaxPool(O, pool, pool))
    target = graph.given("Lhat", shape=tuple(int(n) for n in graph["M"].symbol.shape))
    graph.define("loss", squared_loss("mse", M, target))
    graph.backward("loss")
    return graph


def cnn_by_hand(v, pool):
    X, F, target = v["X"], v["F"], v["Lhat"]
    O = np.einsum("ijmn,mn->ij", sliding_window_view(X, F.shape), F)
    rows, cols = O.shape[0] // pool, O.shape[1] // pool
    windows = O[:rows * pool, :cols * pool].reshape(rows, pool, cols, pool).transpose(0, 2, 1, 3)
    flat = windows.reshape(rows, cols, pool * pool)
    M = flat.max(axis=2)
    dM = 2 * (M - target) / M.size
    winner = flat.argmax(axis=2)
    dO = np.zeros_like(O)
    r, c = np.indices((rows, cols))
    np.add.at(dO, (r * pool + winner // pool, c * pool + winner % pool), dM)
    dF = np.einsum("mnij,ij->mn", sliding_window_view(X, O.shape), dO)
    return {"dL_dF": dF, "dL_dO": dO}


def compare(section, label, graph, values, by_hand, keys, repeat):
    from derive.core.numeric import Program
    start = time.perf_counter()
    program = Program(graph)
    compile_seconds = time.perf_counter() - start
    engine_result, reference_result = program.run(values), by_hand(values)
    error = max(float(np.max(np.abs(np.asarray(engine_result[k]) - reference_result[k]))) for k in keys)
    times = side_by_side({"engine": lambda: program.run(values), "numpy": lambda: by_hand(values)}, repeat)
    ratio = times["engine"] / times["numpy"]
    section.rows.append((label, f"{compile_seconds * 1e3:.1f}", f"{times['engine'] * 1e3:.3f}",
                         f"{times['numpy'] * 1e3:.3f}", f"{ratio:.1f}", f"{error:.1e}"))
    section.target(f"{label}: forward and backward within {LIMIT:.0f}× hand-written NumPy", f"{ratio:.1f}×",
                   ratio <= LIMIT)
    section.target(f"{label}: gradients equal the hand-written ones", f"largest difference {error:.1e}",
                   error < 1e-9)


def run(repeat: int = 25) -> Section:
    section = Section("Numeric evaluation", ("network", "compile ms", "engine ms (median)", "NumPy ms (median)",
                                            "ratio", "largest gradient difference"))
    rng = np.random.default_rng(0)
    sizes = (256, 128, 10)
    compare(section, "MLP 256-128-10, sigmoid, ½‖y − a‖²", mlp_graph(sizes), mlp_values(sizes, rng),
            lambda v: mlp_by_hand(v, len(sizes) - 1), ["dL_dW_1", "dL_dW_2", "dL_db_1"], repeat)
    values = {"X": rng.normal(size=(64, 64)), "F": rng.normal(size=(5, 5)), "Lhat": rng.normal(size=(30, 30))}
    compare(section, "CNN 64×64 ⋆ 5×5, 2×2 max-pool, MSE", cnn_graph(64, 5, 2), values,
            lambda v: cnn_by_hand(v, 2), ["dL_dF", "dL_dO"], repeat)
    section.notes.append("Compile time is paid once per graph; the symbolic steps of the same graph stay "
                         "available (`Graph.evaluate`, `derive solve`) for instances small enough to print.")
    return section


if __name__ == "__main__":
    section = run()
    print(section.markdown())
    sys.exit(1 if section.missed else 0)
