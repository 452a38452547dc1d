"""f-divergence and gan-kl-identities against brute-force sums and quadrature
on concrete distributions (independent of the engine's symbolic steps)."""
import mpmath
import numpy as np
import pytest
import sympy

from derive import solve


@pytest.fixture(scope="module")
def fdiv():
    return solve("f-divergence").answers


@pytest.fixture(scope="module")
def gan():
    return solve("gan-kl-identities").answers


def _d_f(f, p, q):
    return float(np.sum(q * f(p / q)))


def test_f_divergences_of_discrete_distributions_are_non_negative(fdiv):
    rng = np.random.default_rng(41)
    strictly_convex = [lambda t: t * np.log(t), lambda t: (t - 1) ** 2, lambda t: -np.log(t)]
    for _ in range(20):
        p, q = rng.dirichlet(np.ones(6)), rng.dirichlet(np.ones(6))
        for f in strictly_convex:
            assert _d_f(f, p, q) > 0
            assert _d_f(f, p, p) == pytest.approx(0, abs=1e-15)
        assert _d_f(lambda t: t * np.log(t), p, q) == pytest.approx(float(np.sum(p * np.log(p / q))))
        assert _d_f(lambda t: t - 1, p, q) == pytest.approx(0, abs=1e-15)  # the engine's counterexample
    assert fdiv["nonnegative"].value is True
    assert fdiv["zero_iff_equal_for_strictly_convex"].value is True
    assert fdiv["zero_iff_equal_for_convex"].value is False
    assert fdiv["counterexample_D"].value == 0


def test_kl_minimiser_is_the_maximum_likelihood_estimate():
    rng = np.random.default_rng(42)
    samples = rng.normal(0.3, 1.2, 200_000)
    grid = np.linspace(-1, 1.5, 251)
    log_p = -0.5 * np.log(2 * np.pi * 1.44) - (samples - 0.3) ** 2 / (2 * 1.44)
    kl = [np.mean(log_p - (-0.5 * np.log(2 * np.pi) - (samples - w) ** 2 / 2)) for w in grid]
    likelihood = [np.mean(-0.5 * np.log(2 * np.pi) - (samples - w) ** 2 / 2) for w in grid]
    assert np.argmin(kl) == np.argmax(likelihood)
    assert grid[np.argmin(kl)] == pytest.approx(0.3, abs=0.02)


# A concrete GAN: P_r = N(0, 1), G_Θ(z) = z + Θ with z ~ N(0, 1), so P_GΘ = N(Θ, 1).
THETA_0 = 1.0
SPAN = [-14, 0, 1, 15]


def _normal(m):
    return lambda x: mpmath.exp(-(x - m) ** 2 / 2) / mpmath.sqrt(2 * mpmath.pi)


def _kl(a, b):
    pa, pb = _normal(a), _normal(b)
    return mpmath.quad(lambda x: pa(x) * (mpmath.log(pa(x)) - mpmath.log(pb(x))), SPAN)


def _jsd(a, b):
    pa, pb = _normal(a), _normal(b)
    m = lambda x: (pa(x) + pb(x)) / 2  # noqa: E731
    return (mpmath.quad(lambda x: pa(x) * mpmath.log(pa(x) / m(x)), SPAN)
            + mpmath.quad(lambda x: pb(x) * mpmath.log(pb(x) / m(x)), SPAN)) / 2


def _log_D(x):
    pr, p0 = _normal(0)(x), _normal(THETA_0)(x)
    return mpmath.log(pr / (pr + p0))


def _log_one_minus_D(x):
    pr, p0 = _normal(0)(x), _normal(THETA_0)(x)
    return mpmath.log(p0 / (pr + p0))


def test_part_i_identity_at_a_concrete_gan(gan):
    theta = 1.7
    pg = _normal(theta)
    expected_odds = mpmath.quad(lambda x: pg(x) * (_log_D(x) - _log_one_minus_D(x)), SPAN)
    assert float(_kl(theta, 0)) == pytest.approx(float(_kl(theta, THETA_0) - expected_odds), abs=1e-10)
    assert "KL_0" in str(gan["KL_identity"].expr)


def test_part_ii_sign_at_a_concrete_gan(gan):
    mpmath.mp.dps = 20
    h = mpmath.mpf("1e-4")
    pz = _normal(0)
    pathwise_log_D = mpmath.quad(lambda z: pz(z) * mpmath.diff(_log_D, z + THETA_0), SPAN)
    pathwise_log_1mD = mpmath.quad(lambda z: pz(z) * mpmath.diff(_log_one_minus_D, z + THETA_0), SPAN)
    d_kl = (_kl(THETA_0 + h, 0) - _kl(THETA_0 - h, 0)) / (2 * h)
    d_jsd = (_jsd(THETA_0 + h, 0) - _jsd(THETA_0 - h, 0)) / (2 * h)
    mpmath.mp.dps = 15
    # Eq. (18), which the derivation uses, holds here:
    assert float(pathwise_log_1mD) == pytest.approx(float(2 * d_jsd), abs=1e-6)
    # the engine's sign holds and the exam's does not:
    grad_KL, grad_JSD = sympy.Symbol("grad_KL_r"), sympy.Symbol("grad_JSD")
    engine = float(gan["grad_log_D"].expr.subs({grad_KL: float(d_kl), grad_JSD: float(d_jsd)}))
    assert engine == pytest.approx(float(pathwise_log_D), abs=1e-6)
    assert abs(float(d_kl - 2 * d_jsd) - float(pathwise_log_D)) > 0.1
    assert gan["exam_display_holds"].value is False
