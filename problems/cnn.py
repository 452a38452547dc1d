"""Family `cnn`: one convolutional layer, pooling, a squared-error loss, and
one gradient-descent step on the kernel.

    O = X ⋆ F  (valid cross-correlation, stride s, zero padding p)
    M = pool(O),   L = loss(M, L̂),   F_new = F − η ∂L/∂F

Gradients come from the graph's reverse mode through the convolution and
pooling operations of `derive.convolution`.
"""
from __future__ import annotations

import sympy

from derive.catalog import Problem
from derive.nn.convolution import Correlation, MaxPool, SQUARED_LOSSES, output_size, squared_loss
from derive.core.givens import Givens
from derive.core.graph import Graph
from derive.core.numbers import InputError
from derive.printing import math
from derive.core.steps import Remark

GIVEN = {
    "X": [[1, 7, -1, -7, 10, 11], [2, 8, 0, 0, 12, 13], [3, 9, 0, 0, 0, 0],
          [4, 10, -4, -10, 0, 0], [5, 11, -5, -11, 16, 17], [6, 12, -6, -12, 14, 15]],
    "F": [[1, 0, -1], [2, 0, -2], [1, 0, -1]],
    "stride": 1, "padding": 0,
    "pool": {"kind": "max", "size": 2, "stride": 1},
    "target": [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
    "loss": "mse", "lr": 0.0005,
}

POOLS = ("max", "average")
LOSS_TEXT = {"mse": "the mean squared error (1/n) Σ (M − L̂)²", "sse": "the sum of squares Σ (M − L̂)²",
             "half_sse": "half the sum of squares ½ Σ (M − L̂)²"}

CONVENTION = ("∂L/∂A has the shape of A: its (i, j) entry is ∂L/∂A_ij. Indices in formulas start at 0 "
              "inside the operations and at 1 in printed matrices.")


def read(given: dict):
    g = Givens(given, "given", ("X", "F", "stride", "padding", "pool", "target", "loss", "lr"))
    X = g.matrix("X")
    F = g.matrix("F")
    stride, padding = g.integer("stride", 1, 1), g.integer("padding", 0, 0)
    rows, cols = (output_size(n, k, stride, padding) for n, k in zip(X.shape, F.shape))
    if rows < 1 or cols < 1:
        raise InputError(f"given.F: a {F.shape[0]}×{F.shape[1]} kernel does not fit the "
                         f"{X.shape[0]}×{X.shape[1]} input X with padding {padding}")
    pool = g.child("pool", ("kind", "size", "stride"))
    kind = pool.choice("kind", POOLS)
    size = pool.integer("size", 1)
    pool_stride = pool.integer("stride", 1, size)
    pooled = output_size(rows, size, pool_stride), output_size(cols, size, pool_stride)
    if min(pooled) < 1:
        raise InputError(f"given.pool.size: a {size}×{size} window does not fit the {rows}×{cols} map O")
    target = g.matrix("target", pooled)
    loss = g.choice("loss", tuple(SQUARED_LOSSES), "mse")
    lr = g.positive("lr")
    return X, F, stride, padding, (kind, size, pool_stride), target, loss, lr


def pool_formula(kind, O, size, stride):
    if kind == "max":
        return MaxPool(O, size, stride)
    # Average pooling is a correlation with the constant kernel 1/k².
    return Correlation(O, sympy.ImmutableMatrix(size, size, [sympy.Rational(1, size * size)] * (size * size)),
                       stride)


def build_graph(X, F, stride, padding, pool, target, loss, lr) -> Graph:
    graph = Graph()
    X_s = graph.given("X", X)
    F_s = graph.given("F", F)
    O = graph.define("O", Correlation(X_s, F_s, stride, padding))
    M = graph.define("M", pool_formula(pool[0], O, pool[1], pool[2]))
    target_s = graph.given("Lhat", target)
    graph.define("loss", squared_loss(loss, M, target_s), latex="L", text="L")
    graph.evaluate()
    graph.backward("loss")
    eta = graph.given("eta", lr, latex=r"\eta", text="η")
    graph.define("F_new", F_s - eta * graph[graph.adjoint_name("F")].symbol, latex=r"F^{\mathrm{new}}",
                 text="F_new")
    graph.evaluate()
    return graph


def build(solution, given: dict):
    X, F, stride, padding, pool, target, loss, lr = read(given)
    graph = solution.keep(build_graph(X, F, stride, padding, pool, target, loss, lr))

    part = solution.part("a", "Forward pass: the feature map O, the pooled map M and the loss.")
    part.steps.append(Remark(f"O[i, j] = Σ_m Σ_n X[{_index('i', stride, padding)}, "
                             f"{_index('j', stride, padding)}] F[m, n] (valid cross-correlation"
                             + (f", X padded with {padding} zeros" if padding else "") + ")."))
    for name in ("O", "M", "loss"):
        part.steps.append(graph.step(name))
        part.answer(name, graph.value(name), graph[name].latex)

    part = solution.part("b", "Backward pass: ∂L/∂M, ∂L/∂O through the pooling, ∂L/∂F and ∂L/∂X "
                              "through the convolution.")
    for name in ("M", "O"):
        part.steps.append(graph.step(graph.adjoint_name(name)))
        if name == "O":
            part.steps.append(Remark(_pool_rule(pool[0])))
    part.steps.append(Remark("Since ∂O[i, j]/∂F[m, n] = X[i + m, j + n] (for stride 1, no padding), "
                             "∂L/∂F[m, n] = Σ_ij ∂L/∂O[i, j] X[i + m, j + n]: the correlation of X with ∂L/∂O. "
                             "Likewise ∂L/∂X is ∂L/∂O stamped with copies of F: the full (transposed) convolution."))
    for name in ("F", "X"):
        part.steps.append(graph.step(graph.adjoint_name(name)))
    for name in ("M", "O", "F", "X"):
        adjoint = graph.adjoint_name(name)
        part.answer(adjoint, graph.value(adjoint), graph[adjoint].latex)
    part.steps.append(graph.figure("the convolution, the pooling and the loss: forward values and the gradients of L"))

    part = solution.part("c", f"One gradient-descent step on the kernel with η = {math.text(lr)}.")
    part.steps.append(graph.step("F_new"))
    part.answer("F_new", graph.value("F_new"), graph["F_new"].latex)


def _index(i, stride, padding):
    scaled = i if stride == 1 else f"{stride}{i}"
    return f"{scaled} + {'m' if i == 'i' else 'n'}" + (f" − {padding}" if padding else "")


def _pool_rule(kind):
    if kind == "max":
        return ("Max-pooling passes each window's gradient to the entry of O where the window's maximum is "
                "(the first such entry, reading row by row, on ties); an entry that is the maximum of several "
                "overlapping windows receives the sum of their gradients; every other entry gets 0.")
    return "Average pooling passes each window's gradient, divided by the window's size, to every entry of it."


def statement(given: dict) -> str:
    X, F, stride, padding, pool, _, loss, lr = read(given)
    kind, size, pool_stride = pool
    return (f"A {X.shape[0]}×{X.shape[1]} input X is cross-correlated (valid, stride {stride}, padding {padding}) "
            f"with a {F.shape[0]}×{F.shape[1]} kernel F to give O, which is {kind}-pooled with {size}×{size} windows "
            f"and stride {pool_stride} to give M. The loss is {LOSS_TEXT[loss]} against the target L̂. "
            f"Compute O, M, the loss, ∂L/∂M, ∂L/∂O, ∂L/∂F, and the kernel after one gradient-descent step "
            f"with learning rate {math.text(lr)}.")


def random_given(rng) -> dict:
    kernel = rng.randint(2, 3)
    stride, padding = rng.choice([1, 1, 2]), rng.choice([0, 0, 1])
    size = rng.randint(kernel + 1, 6)
    conv = output_size(size, kernel, stride, padding)
    pool_size = min(2, conv)
    pool_stride = rng.choice([1, pool_size])
    pooled = output_size(conv, pool_size, pool_stride)

    def draw():
        return rng.randint(-9, 9)

    return {"X": [[draw() for _ in range(size)] for _ in range(size)],
            "F": [[rng.randint(-2, 2) for _ in range(kernel)] for _ in range(kernel)],
            "stride": stride, "padding": padding,
            "pool": {"kind": rng.choice(["max", "max", "average"]), "size": pool_size, "stride": pool_stride},
            "target": [[rng.randint(0, 1) for _ in range(pooled)] for _ in range(pooled)],
            "loss": rng.choice(["mse", "sse", "half_sse"]), "lr": rng.choice([0.001, 0.0005, 0.01])}


PROBLEM = Problem(
    name="cnn", title="Convolution, pooling and backpropagation", source="family", family="cnn",
    build=build, given=GIVEN, statement=statement, random_given=random_given, convention=CONVENTION)
