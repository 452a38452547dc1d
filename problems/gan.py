"""Family `gan`: a small generator followed by a logistic discriminator,
forward and backward.

    h₀ = ReLU(w₀ᵀ z + b₀)                        (dense)
    h₁ = reshape(h₀) = [h₁¹, …, h₁ᶜ]             (c square channels, column-major)
    d₂ = Σ_k convT(h₁ᵏ, w₁ᵏ)                      (transposed convolution, one kernel per channel)
    h₂ = ReLU(d₂ + b₁),   H₂ = vec(h₂)
    p = p(y = 0) = σ(w₂ᵀ H₂ + b₂),   L = log p

Every gradient of L comes from the graph's reverse mode.  The default givens
have the architecture of 002 Problem 1 with one-decimal weights; the seed's
own instance, with the weights recovered from its published values, is
`gan-forward-backward`.
"""
from __future__ import annotations

import math as pymath

import sympy
from sympy import MatMul, Transpose

from derive.catalog import Problem
from derive.nn import layers
from derive.nn.convolution import Correlation, Reshape, TransposedConvolution, flatten, transposed_size
from derive.core.givens import Givens
from derive.core.graph import Graph
from derive.core.numbers import InputError, matrix
from derive.core.steps import Remark

GIVEN = {
    "z": [0.4, 0.8],
    "w0": [[0.19, 0.7, 0.48, 0.53, 0.35, 0.77, 0.81, 0.53], [0.38, 1.4, 0.96, 1.06, 0.7, 1.54, 1.62, 1.06]],
    "b0": [0, 0, 0, 0, 0, 0, 0, 0],
    "w1": [[[0.3, 0.4, 0.2], [0.1, 0.7, 0.1], [0.5, 0.4, 0.1]],
           [[0.3, 0.2, 0.5], [0.2, 0.9, 0.3], [0.6, 0.1, 0.2]]],
    "b1": [[0.1, 0.5, 0.6, 0.3], [0.2, 0.4, 0.8, 0.1], [0.1, 0.3, 0.7, 0.2], [0.3, 0.1, 0.2, 0.1]],
    "stride": 1, "padding": 0,
    "w2": [0.1, 0.2, 0.3, 0.2, 0.4, 0.6, 0.7, 0.1, 0.1, 0.2, 0.5, 0.3, 0.1, 0.2, 0.6, 0.9],
    "b2": 0.3,
}

KEYS = ("z", "w0", "b0", "w1", "b1", "stride", "padding", "deconvolution", "w2", "b2")

#: How h₁ᵏ and w₁ᵏ make the deconvolution: "transposed" stamps w₁ᵏ scaled by
#: each h₁ᵏ[i, j] (PyTorch's conv_transpose2d); "padded_correlation"
#: cross-correlates h₁ᵏ, padded with k − 1 zeros, with w₁ᵏ (the same with the
#: kernel rotated by 180°; stride 1 and no further padding only).
DECONVOLUTIONS = ("transposed", "padded_correlation")

CONVENTION = ("∂L/∂A has the shape of A. Reshapes are column-major: vec([[a, b], [c, d]]) = (a, c, b, d). "
              "The transposed convolution stamps w₁ᵏ scaled by h₁ᵏ[i, j] at rows s·i … and columns s·j … of the "
              "output (with s = 1 and no padding: the full convolution of h₁ᵏ with w₁ᵏ).")


def read(given: dict):
    g = Givens(given, "given", KEYS)
    z = g.vector("z")
    w0 = g.matrix("w0")
    if w0.shape[0] != z.shape[0]:
        raise InputError(f"given.w0: expected {z.shape[0]}×n (one row per entry of z, h₀ = ReLU(w₀ᵀz + b₀)), "
                         f"got {w0.shape[0]}×{w0.shape[1]}")
    width = w0.shape[1]
    b0 = g.vector("b0", width)
    raw_kernels = g.items("w1")
    channels = len(raw_kernels)
    side = pymath.isqrt(width // channels)
    if side * side * channels != width:
        raise InputError(f"given.w1: {channels} kernels need h₀ of length {channels}·s² to reshape into "
                         f"{channels} s×s channels; h₀ has length {width}")
    kernels = [matrix(k, f"given.w1[{c}]") for c, k in enumerate(raw_kernels)]
    for c, kernel in enumerate(kernels):
        if kernel.shape != kernels[0].shape:
            raise InputError(f"given.w1[{c}]: expected shape {kernels[0].shape[0]}×{kernels[0].shape[1]} "
                             f"like w1[0], got {kernel.shape[0]}×{kernel.shape[1]}")
    stride, padding = g.integer("stride", 1, 1), g.integer("padding", 0, 0)
    out = [transposed_size(side, k, stride, padding) for k in kernels[0].shape]
    if min(out) < 1:
        raise InputError("given.padding: the padding removes the whole output of the transposed convolution")
    deconvolution = g.choice("deconvolution", DECONVOLUTIONS, "transposed")
    if deconvolution == "padded_correlation" and (stride, padding) != (1, 0):
        raise InputError("given.deconvolution: padded_correlation takes stride 1 and padding 0")
    if deconvolution == "padded_correlation" and kernels[0].shape[0] != kernels[0].shape[1]:
        raise InputError(f"given.w1: padded_correlation needs square kernels, got "
                         f"{kernels[0].shape[0]}×{kernels[0].shape[1]}")
    b1 = g.matrix("b1", tuple(out))
    w2 = g.vector("w2", out[0] * out[1])
    b2 = g.matrix("b2", (1, 1)) if isinstance(g.raw("b2"), list) else sympy.ImmutableMatrix([[g.number("b2")]])
    return z, w0, b0, kernels, side, (deconvolution, stride, padding), b1, w2, b2


def deconvolve(h, w, deconvolution, stride, padding):
    """One channel's deconvolution, as the givens' `deconvolution` names it."""
    if deconvolution == "padded_correlation":
        return Correlation(h, w, 1, w.shape[0] - 1)
    return TransposedConvolution(h, w, stride, padding)


def build_graph(z, w0, b0, kernels, side, deconvolution, b1, w2, b2) -> Graph:
    graph = Graph()
    z_s = graph.given("z", z)
    w0_s = graph.given("w0", w0, latex="w_{0}")
    b0_s = graph.given("b0", b0, latex="b_{0}")
    graph.define("a0", MatMul(Transpose(w0_s), z_s) + b0_s, latex="a_{0}")
    h0 = layers.activation(graph, "h0", "relu", graph["a0"].symbol, latex="h_{0}")
    deconvolved = []
    for c, kernel in enumerate(kernels, start=1):
        h1 = graph.define(f"h1_{c}", Reshape(h0, side, side, (c - 1) * side * side), latex=f"h_{{1}}^{{{c}}}",
                          text=f"h1^{c}")
        w1 = graph.given(f"w1_{c}", kernel, latex=f"w_{{1}}^{{{c}}}", text=f"w1^{c}")
        deconvolved.append(deconvolve(h1, w1, *deconvolution))
    d2 = graph.define("d2", layers.total(deconvolved, "deconvolution d2"), latex="d_{2}")
    b1_s = graph.given("b1", b1, latex="b_{1}")
    graph.define("a2", d2 + b1_s, latex="a_{2}")
    h2 = layers.activation(graph, "h2", "relu", graph["a2"].symbol, latex="h_{2}")
    H2 = graph.define("H2", flatten(h2), latex="H_{2}")
    w2_s = graph.given("w2", w2, latex="w_{2}")
    b2_s = graph.given("b2", b2, latex="b_{2}")
    graph.define("s", MatMul(Transpose(w2_s), H2) + b2_s)
    p = graph.define("p", layers.apply("sigmoid", graph["s"].symbol), latex="p", text="p(y=0)")
    graph.define("L", p.applyfunc(sympy.log), latex=r"\log p", text="log p(y=0)")
    graph.evaluate()
    graph.backward("L")
    graph.evaluate()
    return graph


def forward_names(channels):
    return ["a0", "h0", *[f"h1_{c}" for c in range(1, channels + 1)], "d2", "a2", "h2", "H2", "s", "p", "L"]


def backward_names(channels):
    return ["p", "s", "w2", "b2", "H2", "h2", "a2", "b1", "d2",
            *[f"{n}_{c}" for c in range(1, channels + 1) for n in ("w1", "h1")], "h0", "a0", "w0", "b0"]


def build(solution, given: dict, notes=()):
    z, w0, b0, kernels, side, deconvolution, b1, w2, b2 = read(given)
    graph = solution.keep(build_graph(z, w0, b0, kernels, side, deconvolution, b1, w2, b2))
    channels = len(kernels)
    if notes:
        solution.part("0", "What is given, what was recovered and what is assumed.").steps += map(Remark, notes)

    part = solution.part("a", "Forward propagation: h₀, h₁, h₂ (before and after the bias), H₂ and p(y = 0).")
    for name in forward_names(channels):
        part.steps.append(graph.step(name))
        part.answer(name, graph.value(name), graph[name].latex)

    part = solution.part("b", "Backward propagation of L = log p(y = 0): the gradient with respect to every "
                              "layer's output and weights.")
    for name in backward_names(channels):
        adjoint = graph.adjoint_name(name)
        part.steps.append(graph.step(adjoint))
        part.answer(adjoint, graph.value(adjoint), graph[adjoint].latex)
    part.steps.append(graph.figure("the generator and discriminator as one graph: forward values and the "
                                   "gradients of log p(y = 0)"))


def statement(given: dict) -> str:
    z, w0, _, kernels, side, deconvolution, b1, _, _ = read(given)
    k = kernels[0].shape
    operation = ("a transposed convolution" if deconvolution[0] == "transposed" else
                 "a deconvolution (each channel padded with k − 1 zeros and cross-correlated)")
    return (f"A generator maps z ∈ R^{z.shape[0]} by a dense ReLU layer to h₀ ∈ R^{w0.shape[1]}, reshapes it into "
            f"{len(kernels)} channels of {side}×{side}, applies {operation} with a {k[0]}×{k[1]}×"
            f"{len(kernels)} kernel, adds a {b1.shape[0]}×{b1.shape[1]} bias and a ReLU to give h₂, flattens it "
            f"to H₂, and a logistic discriminator gives p(y = 0) = σ(w₂ᵀH₂ + b₂). Compute the forward values and "
            f"the gradients of L = log p(y = 0) with respect to every layer.")


def random_given(rng) -> dict:
    channels, side, kernel = rng.randint(1, 2), rng.randint(1, 2), rng.randint(2, 3)
    out = side - 1 + kernel
    width = channels * side * side

    def draw():
        return round(rng.uniform(-1, 1), 1)

    return {"z": [draw(), draw()],
            "w0": [[draw() for _ in range(width)] for _ in range(2)], "b0": [draw() for _ in range(width)],
            "w1": [[[draw() for _ in range(kernel)] for _ in range(kernel)] for _ in range(channels)],
            "b1": [[draw() for _ in range(out)] for _ in range(out)], "stride": 1, "padding": 0,
            "w2": [draw() for _ in range(out * out)], "b2": draw()}


PROBLEM = Problem(
    name="gan", title="Forward and backward pass of a GAN", source="family", family="gan",
    build=build, given=GIVEN, statement=statement, random_given=random_given, convention=CONVENTION)
