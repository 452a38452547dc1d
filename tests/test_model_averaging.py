"""model-averaging against plain NumPy: risks by explicit loops, averages by
seeded Monte Carlo under a normal and a uniform Q, KLs by Monte Carlo and by
derive.probability's own multivariate KL."""
import numpy as np
import pytest
import sympy

from derive import solve

n_, d_ = sympy.symbols("n d", integer=True, positive=True)
c_n, gamma = sympy.symbols("c_n gamma", positive=True)
NAMES = {name: sympy.Symbol(name, real=True) for name in
         "wTS_nw wTmu_n vTS_nv vTmu_n tr_S_nS vTv tr_S logdet_S tr_S_n".split()}


@pytest.fixture(scope="module")
def answers():
    return solve("model-averaging").answers


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(51)
    n, d = 40, 3
    X, y = rng.normal(size=(n, d)), rng.normal(size=n)
    return X, y, (y @ y), X.T @ y / n, X.T @ X / n


def _risk(w, X, y):
    return np.mean([(w @ x - t) ** 2 for x, t in zip(X, y)])


def _values(data, extra):
    X, y, c2, mu, S_n = data
    return {c_n: np.sqrt(c2), n_: len(y), **extra}


def test_empirical_risk_formula_against_a_loop(answers, data):
    X, y, c2, mu, S_n = data
    rng = np.random.default_rng(52)
    for _ in range(5):
        w = rng.normal(size=3)
        values = _values(data, {NAMES["wTS_nw"]: w @ S_n @ w, NAMES["wTmu_n"]: w @ mu})
        assert float(answers["R_n_w"].expr.subs(values)) == pytest.approx(_risk(w, X, y), rel=1e-12)
        exam = c2 - 2 * w @ mu + w @ S_n @ w  # the exam's Eq. (9) at S = 0: off by c_n²(1 − 1/n)
        assert exam - _risk(w, X, y) == pytest.approx(c2 * (1 - 1 / len(y)), rel=1e-9)
    assert answers["exam_constant_correct"].value is False


@pytest.mark.parametrize("kind", ["normal", "uniform"])
def test_averaged_risk_by_monte_carlo(answers, data, kind):
    X, y, c2, mu, S_n = data
    rng = np.random.default_rng(53)
    v = np.array([0.3, -0.2, 0.5])
    L = np.array([[0.5, 0, 0], [0.2, 0.3, 0], [-0.1, 0.1, 0.4]])
    S = L @ L.T
    if kind == "normal":
        eps = rng.standard_normal((400_000, 3))
    else:  # independent uniforms of unit variance, then the same linear map: same mean and covariance
        eps = rng.uniform(-np.sqrt(3), np.sqrt(3), (400_000, 3))
    W = v + eps @ L.T
    residual = W @ X.T - y
    monte_carlo = np.mean(residual ** 2)
    values = _values(data, {NAMES["vTS_nv"]: v @ S_n @ v, NAMES["vTmu_n"]: v @ mu,
                              NAMES["tr_S_nS"]: np.trace(S_n @ S)})
    engine = float(answers["R_n_Q"].expr.subs(values))
    assert engine == pytest.approx(monte_carlo, rel=3e-3)
    assert _risk(v, X, y) <= engine
    assert float(answers["risk_gap"].expr.subs(values)) == pytest.approx(engine - _risk(v, X, y), rel=1e-12)


def test_kl_closed_forms_against_monte_carlo(answers):
    rng = np.random.default_rng(54)
    d, g = 3, 1.7
    v = np.array([0.4, -1.0, 0.2])
    L = np.array([[0.8, 0, 0], [0.3, 0.5, 0], [0.1, -0.2, 0.6]])
    S = L @ L.T
    W = v + rng.standard_normal((400_000, d)) @ L.T
    S_inv = np.linalg.inv(S)
    log_q = -0.5 * np.einsum("ij,jk,ik->i", W - v, S_inv, W - v) - 0.5 * np.log(np.linalg.det(2 * np.pi * S))
    log_p = -0.5 * np.sum(W ** 2, axis=1) / g - 0.5 * d * np.log(2 * np.pi * g)
    values = {d_: d, gamma: g, NAMES["vTv"]: v @ v, NAMES["tr_S"]: np.trace(S),
              NAMES["logdet_S"]: np.log(np.linalg.det(S))}
    assert float(answers["KL_Q_P"].expr.subs(values)) == pytest.approx(np.mean(log_q - log_p), abs=1e-2)


def test_kl_closed_forms_against_derive_probability(answers):
    from derive.probability import kl as probability
    v, g = [1, -2], sympy.Rational(3, 2)
    Q = probability.MultivariateNormal(v, [[1, 0], [0, 1]])
    P = probability.MultivariateNormal([0, 0], [[g, 0], [0, g]])
    values = {d_: 2, gamma: g, NAMES["vTv"]: 5}
    assert sympy.simplify(probability.kl(Q, P) - answers["KL_Q_P_identity"].expr.subs(values)) == 0
    assert sympy.simplify(probability.kl(P, Q) - answers["KL_P_Q_exam_order"].expr.subs(values)) == 0


def test_entropy_gap_of_normal_over_uniform(answers):
    assert answers["entropy_gap_per_coordinate"].value == pytest.approx(0.5 * np.log(2 * np.pi * np.e / 12))
    assert answers["same_empirical_risk"].value is True and answers["averaging_never_helps"].value is True
