"""ppca-posterior and ppca-em against brute-force Gaussian conditioning,
seeded Monte Carlo and a NumPy objective, all independent of the engine."""
import numpy as np
import pytest
import sympy

from derive import solve

sigma = sympy.Symbol("sigma", positive=True)
uTu, uTx = sympy.Symbol("uTu", nonnegative=True), sympy.Symbol("uTx", real=True)


@pytest.fixture(scope="module")
def posterior():
    return solve("ppca-posterior").answers


@pytest.fixture(scope="module")
def em():
    return solve("ppca-em").answers


def _conditional_by_numpy(u, s, x):
    """z | x from the joint covariance [[1, uᵀ], [u, uuᵀ + s²I]] by the Schur complement."""
    cov_xx = np.outer(u, u) + s**2 * np.eye(len(u))
    gain = np.linalg.solve(cov_xx, u)  # Σ_xx⁻¹ Σ_xz
    return gain @ x, 1 - u @ gain


def test_posterior_matches_gaussian_conditioning(posterior):
    rng = np.random.default_rng(21)
    for dim in (1, 3, 6):
        u, x, s = rng.normal(size=dim), rng.normal(size=dim), rng.uniform(0.3, 2.0)
        mean, var = _conditional_by_numpy(u, s, x)
        values = {sigma: s, uTu: u @ u, uTx: u @ x}
        assert float(posterior["posterior_mean"].expr.subs(values)) == pytest.approx(mean, rel=1e-10)
        assert float(posterior["posterior_var"].expr.subs(values)) == pytest.approx(var, rel=1e-10)


def test_explicit_d3_posterior_matches_conditioning(posterior):
    rng = np.random.default_rng(22)
    u, x, s = rng.normal(size=3), rng.normal(size=3), 0.7
    mean, var = _conditional_by_numpy(u, s, x)
    values = {sympy.Symbol("sigma", positive=True): s}
    values.update({sympy.Symbol(f"u_{k + 1}", real=True): u[k] for k in range(3)})
    values.update({sympy.Symbol(f"x_{k + 1}", real=True): x[k] for k in range(3)})
    assert float(posterior["posterior_mean_d3"].expr.subs(values)) == pytest.approx(mean, rel=1e-10)
    assert float(posterior["posterior_var_d3"].expr.subs(values)) == pytest.approx(var, rel=1e-10)


def test_marginal_covariance_by_monte_carlo(posterior):
    rng = np.random.default_rng(23)
    u, s = np.array([1.0, -0.5, 2.0]), 0.8
    z = rng.normal(size=400_000)
    x = np.outer(z, u) + s * rng.normal(size=(400_000, 3))
    values = {sympy.Symbol("sigma", positive=True): s}
    values.update({sympy.Symbol(f"u_{k + 1}", real=True): u[k] for k in range(3)})
    engine = np.array(posterior["marginal_cov_d3"].expr.subs(values), dtype=float)
    assert engine == pytest.approx(np.cov(x.T), abs=3e-2)
    assert np.mean(x, axis=0) == pytest.approx(0, abs=1e-2)
    general = posterior["marginal_cov"].expr
    d = sympy.Symbol("d", integer=True, positive=True)
    explicit = general.subs(d, 3).xreplace({sympy.MatrixSymbol("u", 3, 1): sympy.ImmutableMatrix(u)}).subs(
        sympy.Symbol("sigma", positive=True), s).as_explicit()
    assert np.array(explicit, dtype=float) == pytest.approx(np.outer(u, u) + s**2 * np.eye(3), abs=1e-12)


def _expected_objective(u, X, m, s2, s):
    """Σ_i E_q[log p(x_i | z_i)] up to constants, in NumPy."""
    return -np.sum(np.sum(X**2, axis=1) - 2 * m * (X @ u) + s2 * (u @ u)) / (2 * s**2)


def _em_update(em, X, m, s2):
    n, dim = X.shape
    assert (n, dim) == (3, 2)
    values = {sympy.Symbol(f"x_{i + 1}{k + 1}", real=True): X[i, k] for i in range(n) for k in range(dim)}
    values.update({sympy.Symbol(f"m_{i + 1}", real=True): m[i] for i in range(n)})
    values.update({sympy.Symbol(f"s_{i + 1}", positive=True): s2[i] for i in range(n)})
    return np.array(em["u_new_explicit"].expr.subs(values), dtype=float).ravel()


def test_m_step_maximises_the_expected_objective(em):
    rng = np.random.default_rng(24)
    X, m, s = rng.normal(size=(3, 2)), rng.normal(size=3), 0.9
    s2 = m**2 + rng.uniform(0.1, 1.0, 3)
    u_new = _em_update(em, X, m, s2)
    best = _expected_objective(u_new, X, m, s2, s)
    for _ in range(50):
        assert _expected_objective(u_new + rng.normal(scale=0.1, size=2), X, m, s2, s) < best
    assert u_new == pytest.approx((m @ X) / s2.sum(), rel=1e-12)  # the seed's formula


def test_em_step_increases_the_marginal_likelihood(em, posterior):
    rng = np.random.default_rng(25)
    X, s, u = rng.normal(size=(3, 2)) * [2.0, 0.5], 0.6, np.array([0.3, -0.2])

    def log_likelihood(u):
        cov = np.outer(u, u) + s**2 * np.eye(2)
        _, logdet = np.linalg.slogdet(cov)
        return -0.5 * np.sum(np.einsum("ij,jk,ik->i", X, np.linalg.inv(cov), X)) - 1.5 * logdet
    for _ in range(5):
        values = {sigma: s, uTu: u @ u}
        means = np.array([float(em["E_z"].expr.subs({**values, uTx: u @ x})) for x in X])
        seconds = np.array([float(em["E_z2"].expr.subs({**values, uTx: u @ x})) for x in X])
        new = _em_update(em, X, means, seconds)
        assert log_likelihood(new) >= log_likelihood(u) - 1e-12
        u = new


def test_seed_posterior_and_marginal_are_right(posterior):
    # 004's hand results: p(z | x) = N(uᵀx/(σ² + uᵀu), σ²/(σ² + uᵀu)), p(x) = N(0, u uᵀ + σ² I)
    assert sympy.simplify(posterior["posterior_mean"].expr - uTx / (sigma**2 + uTu)) == 0
    assert sympy.simplify(posterior["posterior_var"].expr - sigma**2 / (sigma**2 + uTu)) == 0
    d = sympy.Symbol("d", integer=True, positive=True)
    u = sympy.MatrixSymbol("u", d, 1)
    assert posterior["marginal_cov"].expr == u * u.T + sigma**2 * sympy.Identity(d)
