import random

import numpy as np
import sympy

from derive import solve


def at(expr, **values):
    """Substitute numbers for the answer's symbols, matched by name."""
    return int(expr.xreplace({s: values[s.name] for s in expr.free_symbols}))


def test_text_cnn_against_explicit_arrays_and_convolution():
    sol = solve("text-cnn")
    rng = random.Random(0)
    for m, l, d, n in [(100, 3, 300, 50)] + [tuple(rng.randint(1, 9) for _ in range(4)) for _ in range(10)]:
        n = max(n, l)
        filters, biases = np.zeros((m, d, l)), np.zeros(m)
        assert at(sol.answers["params"].expr, m=m, l=l, d=d, n=n) == filters.size + biases.size
        words = np.ones((d, n))
        # Narrow convolution, stride 1: every window of l consecutive word vectors, for every filter.
        windows = np.lib.stride_tricks.sliding_window_view(words, (d, l))[0]
        output = np.einsum("pdl,fdl->fp", windows, filters) + biases[:, None]
        assert (at(sol.answers["out_rows"].expr, m=m), at(sol.answers["out_cols"].expr, l=l, n=n)) == output.shape
    assert sol.answers["params_instance"].value == 100 * (3 * 300 + 1)
    assert (sol.answers["out_rows_instance"].value, sol.answers["out_cols_instance"].value) == (100, 48)


def mlp_weights(T, d):
    return [np.zeros((20, T * d)), np.zeros((10, 20)), np.zeros((1, 10))]


def test_mlp_count_against_explicit_arrays():
    sol = solve("rnn-mlp-params")
    for T, d in [(1, 1), (10, 12), (7, 300), (3, 5)]:
        assert at(sol.answers["params_mlp"].expr, T=T, d=d) == sum(w.size for w in mlp_weights(T, d))
    assert sol.answers["params_mlp_instance"].value == sum(w.size for w in mlp_weights(10, 12))


def test_rnn_has_as_many_parameters_and_runs():
    sol = solve("rnn-mlp-params")
    T, d, k = 10, 12, sol.answers["k"].value
    shapes = {name: tuple(sol.answers[f"shape_{name}"].value) for name in "UWv"}
    assert shapes == {"U": (k, d), "W": (k, k), "v": (1, k)}
    rng = np.random.default_rng(0)
    U, W, v = (rng.normal(size=shapes[name]) for name in "UWv")
    # The parameters form a working RNN over T steps of d-dimensional inputs.
    h = np.zeros(k)
    for x in rng.normal(size=(T, d)):
        h = np.tanh(U @ x + W @ h)
    assert (v @ h).shape == (1,)
    count = U.size + W.size + v.size
    assert count == sol.answers["params_rnn"].value == sum(w.size for w in mlp_weights(T, d))


def test_gcn_normalization_against_floats():
    sol = solve("gcn-normalization")
    A = np.array([[0, 1, 1, 0], [1, 0, 1, 0], [1, 1, 0, 1], [0, 0, 1, 0]], dtype=float)
    A_tilde = A + np.eye(4)
    D = np.diag(A_tilde.sum(axis=1))
    D_inv_sqrt = np.diag(1 / np.sqrt(np.diag(D)))
    Q = D_inv_sqrt @ A_tilde @ D_inv_sqrt
    assert np.array_equal(np.array(sol.answers["D"].value, dtype=float), D)
    assert np.allclose(np.array(sol.answers["D_inv_sqrt"].value, dtype=float), D_inv_sqrt, rtol=0, atol=1e-15)
    assert np.allclose(np.array(sol.answers["Q"].value, dtype=float), Q, rtol=0, atol=1e-15)
    # Exact: surds, not decimals.
    for key in ("D", "D_inv_sqrt", "Q"):
        assert isinstance(sol.answers[key].expr, sympy.ImmutableMatrix)
        assert not any(entry.has(sympy.Float) for entry in sol.answers[key].expr)
    assert sol.answers["Q"].expr[0, 2] == sympy.sqrt(3) / 6
