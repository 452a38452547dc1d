"""conv-backprop-identities, cnn-as-mlp and conv-net-backprop against plain
NumPy loops and central finite differences."""
import numpy as np
import pytest
import sympy

from derive import solve
from reference import central_difference, sigmoid


def correlate(X, F):
    X, F = np.asarray(X, float), np.asarray(F, float)
    rows, cols = X.shape[0] - F.shape[0] + 1, X.shape[1] - F.shape[1] + 1
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            for m in range(F.shape[0]):
                for n in range(F.shape[1]):
                    out[i, j] += X[i + m, j + n] * F[m, n]
    return out


def numeric(expr, values):
    """A SymPy expression at a point, shared subexpressions evaluated once."""
    replacements, (reduced,) = sympy.cse([expr])
    values = {s: sympy.Float(v, 30) for s, v in values.items()}
    for symbol, sub in replacements:
        values[symbol] = sub.xreplace(values).evalf(30)
    return float(reduced.xreplace(values).evalf(30))


def entries(prefix, array):
    return {sympy.Symbol(f"{prefix}_{a + 1}{b + 1}"): array[a, b] for a in range(array.shape[0])
            for b in range(array.shape[1])}


# --- conv-backprop-identities -------------------------------------------------
def test_identities_hold_on_the_symbolic_instance():
    a = solve("conv-backprop-identities").answers
    assert a["identity_F"].value is True and a["identity_X"].value is True
    rng = np.random.default_rng(1)
    X, F, G = rng.normal(size=(4, 4)), rng.normal(size=(2, 2)), rng.normal(size=(3, 3))
    point = {**entries("x", X), **entries("f", F), **entries("g", G)}
    engine_F = np.array([[numeric(v, point) for v in row] for row in a["dL_dF"].expr.tolist()])
    engine_X = np.array([[numeric(v, point) for v in row] for row in a["dL_dX"].expr.tolist()])

    def loss(X_, F_):
        return np.sum(G * correlate(X_, F_))
    assert engine_F == pytest.approx(central_difference(lambda F_: loss(X, F_), F), abs=1e-7)
    assert engine_X == pytest.approx(central_difference(lambda X_: loss(X_, F), X), abs=1e-7)
    # The identities themselves, by loops: ∂L/∂F = X ⋆ G; ∂L/∂X = (G padded) ⋆ rot180(F).
    assert engine_F == pytest.approx(correlate(X, G), abs=1e-12)
    assert engine_X == pytest.approx(correlate(np.pad(G, 1), F[::-1, ::-1]), abs=1e-12)


def test_index_sum_derivatives():
    a = solve("conv-backprop-identities").answers
    X, F = sympy.IndexedBase("X"), sympy.IndexedBase("F")
    i, j, m, n, r, c = sympy.symbols("i j m n r c", integer=True)
    assert a["dO_dF"].expr == X[i + m, j + n]
    assert a["dO_dX"].expr == F[r - i, c - j]


# --- cnn-as-mlp -----------------------------------------------------------------
def test_convolution_matrix_reproduces_the_correlation():
    a = solve("cnn-as-mlp").answers
    rng = np.random.default_rng(2)
    X, F = rng.normal(size=(4, 4)), rng.normal(size=(2, 2))
    A = np.array(a["A"].expr.xreplace({s: sympy.Float(v) for s, v in entries("f", F).items()}).tolist(), float)
    vec = X.reshape(-1, order="F")
    assert A @ vec == pytest.approx(correlate(X, F).reshape(-1, order="F"), abs=1e-12)
    assert a["product_matches"].value is True and a["doubly_block_toeplitz"].value is True
    # Parameters: k² + 1 for the convolution; (3·3)(4·4) + 3·3 for the dense layer; 9 windows × 4 weights.
    assert a["params_conv"].value == 2 * 2 + 1
    assert a["params_mlp"].value == 9 * 16 + 9
    assert a["nonzero_weights"].value == 9 * 4


# --- conv-net-backprop ----------------------------------------------------------
def network(x, w):
    c1 = np.array([w["w1"] * x[0, 0] + w["w2"] * x[0, 1], w["w1"] * x[1, 0] + w["w2"] * x[1, 1]])
    z1 = np.tanh(c1)
    v2 = np.array([[w["w31"], w["w32"]], [w["w41"], w["w42"]]])
    z2 = sigmoid(v2 @ z1)
    ystar = w["w5"] * z2[0] + w["w6"] * z2[1]
    return z1, z2, ystar


NAMES = ["w1", "w2", "w31", "w32", "w41", "w42", "w5", "w6"]


@pytest.fixture(scope="module")
def conv_net():
    return solve("conv-net-backprop").answers


@pytest.mark.parametrize("seed", [0, 1])
def test_dw1_matches_finite_differences(conv_net, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(2, 2))
    w = dict(zip(NAMES, rng.normal(size=8)))
    y = rng.normal()

    def loss(w1):
        return (network(x, {**w, "w1": w1[0]})[2] - y) ** 2
    expected = central_difference(loss, np.array([w["w1"]]))[0]
    z1, z2, ystar = network(x, w)
    real = dict(real=True)  # the problem's symbols are real
    point = {sympy.Symbol(k, **real): v for k, v in w.items()}
    point.update({sympy.Symbol(f"x{a + 1}{b + 1}", **real): x[a, b] for a in range(2) for b in range(2)})
    point[sympy.Symbol("y", **real)] = y
    expanded = numeric(conv_net["dL_dw1_expanded"].expr, point)
    intermediates = {**point, **{sympy.Symbol(name, **real): value for name, value in
                                 (("z1_1", z1[0]), ("z1_2", z1[1]), ("z2_1", z2[0]), ("z2_2", z2[1]),
                                  ("ystar", ystar))}}
    closed = numeric(conv_net["dL_dw1"].expr, intermediates)
    assert expanded == pytest.approx(expected, abs=1e-7)
    assert closed == pytest.approx(expected, abs=1e-7)
    assert conv_net["matches_direct_derivative"].value is True


def test_seed_step_4_factor_is_wrong():
    # Step "4. Gradient of z1 with respect to w1": the seed multiplies both rows by (x11 + x21);
    # row i should carry x_i1 alone.
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 2))
    w = dict(zip(NAMES, rng.normal(size=8)))
    jacobian = central_difference(lambda w1: network(x, {**w, "w1": w1[0]})[0][0], np.array([w["w1"]]))[0]
    c11 = w["w1"] * x[0, 0] + w["w2"] * x[0, 1]
    seed = (1 - np.tanh(c11) ** 2) * (x[0, 0] + x[1, 0])
    engine = (1 - np.tanh(c11) ** 2) * x[0, 0]
    assert jacobian == pytest.approx(engine, abs=1e-8)
    assert jacobian != pytest.approx(seed, abs=1e-3)


def test_seed_step_3_misses_the_sigmoid_factor():
    # Step "3. Gradient of z2 with respect to z1": the seed writes V2ᵀ(1 − σ(V2 z1)), a vector;
    # the Jacobian is diag(σ(1 − σ)) V2.
    rng = np.random.default_rng(4)
    v2 = rng.normal(size=(2, 2))
    z1 = rng.normal(size=2)
    jacobian = np.column_stack([central_difference(lambda z: sigmoid(v2 @ z)[k], z1) for k in range(2)]).T
    s = sigmoid(v2 @ z1)
    assert jacobian == pytest.approx(np.diag(s * (1 - s)) @ v2, abs=1e-8)
    assert (v2.T @ (1 - s)).shape != jacobian.shape
