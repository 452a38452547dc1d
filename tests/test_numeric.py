"""The numeric path (`derive.numeric`) against the exact symbolic evaluation
and against plain NumPy and finite differences."""
import itertools

import numpy as np
import pytest
import sympy

from derive.nn.convolution import Correlation, MaxPool, Reshape, TransposedConvolution, flatten
from derive.core.graph import Graph
from derive.nn.layers import activation, affine, loss
from derive.core.numeric import NotNumeric, Program, compile_formula
from reference import central_difference


def exact_and_numeric(expr, symbols, arrays):
    numeric = np.atleast_2d(compile_formula(expr)(dict(zip(symbols, arrays))))
    exact = expr.compute(*[sympy.ImmutableMatrix(a) for a in arrays])
    return numeric, np.array(exact.tolist(), dtype=float)


CONVOLUTIONS = [c for c in itertools.product([5, 6], [2, 3], [1, 2], [0, 1], [1, 2])
                if (c[0] + 2 * c[3] - c[4] * (c[1] - 1) - 1) >= 0]


@pytest.mark.parametrize("size,kernel,stride,padding,dilation", CONVOLUTIONS)
def test_convolutions_and_their_pullbacks_match_the_exact_entries(size, kernel, stride, padding, dilation):
    rng = np.random.default_rng(size * 100 + kernel * 10 + stride)
    X, F = sympy.MatrixSymbol("X", size, size), sympy.MatrixSymbol("F", kernel, kernel)
    correlation = Correlation(X, F, stride, padding, dilation)
    G = sympy.MatrixSymbol("G", *correlation.shape)
    x, f = rng.normal(size=(size, size)), rng.normal(size=(kernel, kernel))
    g = rng.normal(size=tuple(int(n) for n in correlation.shape))
    for expr, symbols, arrays in [(correlation, [X, F], [x, f]),
                                  (correlation.pullback(0, G), [G, F], [g, f]),
                                  (correlation.pullback(1, G), [X, G], [x, g]),
                                  (TransposedConvolution(G, F, stride, padding, dilation), [G, F], [g, f])]:
        numeric, exact = exact_and_numeric(expr, symbols, arrays)
        assert numeric.shape == exact.shape and np.allclose(numeric, exact), expr


@pytest.mark.parametrize("size,stride", [(2, 1), (2, 2), (3, 2)])
def test_max_pool_and_its_routing_match_the_exact_entries(size, stride):
    rng = np.random.default_rng(7)
    X = sympy.MatrixSymbol("X", 7, 7)
    x = rng.normal(size=(7, 7))
    pool = MaxPool(X, size, stride)
    G = sympy.MatrixSymbol("G", *pool.shape)
    g = rng.normal(size=tuple(int(n) for n in pool.shape))
    for expr, symbols, arrays in [(pool, [X], [x]), (pool.pullback(0, G), [G, X], [g, x])]:
        numeric, exact = exact_and_numeric(expr, symbols, arrays)
        assert numeric.shape == exact.shape and np.allclose(numeric, exact), expr


def test_reshapes_match_the_exact_entries():
    X = sympy.MatrixSymbol("X", 3, 4)
    x = np.arange(12.0).reshape(3, 4)
    for expr in (flatten(X), Reshape(X, 2, 3, 4), Reshape(X, 4, 4, -2)):
        numeric, exact = exact_and_numeric(expr, [X], [x])
        assert np.array_equal(numeric, exact), expr


def test_mlp_gradients_on_the_numeric_path_match_finite_differences():
    rng = np.random.default_rng(3)
    sizes = (4, 3, 2)
    graph = Graph()
    a = graph.given("x", shape=(4, 1))
    for l, (n_in, n_out) in enumerate(zip(sizes, sizes[1:]), 1):
        W, b = graph.given(f"W_{l}", shape=(n_out, n_in)), graph.given(f"b_{l}", shape=(n_out, 1))
        a = activation(graph, f"a_{l}", "tanh" if l == 1 else "sigmoid", affine(graph, f"z_{l}", W, a, b))
    loss(graph, "L", "half_sse", [graph.given("y", shape=(2, 1))], [a])
    graph.backward("L")
    values = {"x": rng.normal(size=(4, 1)), "y": rng.random((2, 1)), "W_1": rng.normal(size=(3, 4)),
              "b_1": rng.normal(size=(3, 1)), "W_2": rng.normal(size=(2, 3)), "b_2": rng.normal(size=(2, 1))}
    program = Program(graph)

    def loss_at(W_1):
        return float(np.squeeze(program.run({**values, "W_1": W_1.reshape(3, 4)})["L"]))

    expected = central_difference(loss_at, values["W_1"].ravel()).reshape(3, 4)
    assert np.allclose(program.run(values)["dL_dW_1"], expected, atol=1e-8)


def test_an_operation_without_a_numeric_form_is_refused_by_name():
    x = sympy.Symbol("x")
    with pytest.raises(NotNumeric, match="zeta"):
        compile_formula(sympy.zeta(x))


def test_a_missing_given_is_named():
    graph = Graph()
    w = graph.given("w")
    graph.define("y", 2 * w)
    with pytest.raises(KeyError, match="'w'"):
        Program(graph).run({})
