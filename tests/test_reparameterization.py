"""reparameterization and vae-gaussian-decoder against quadrature, finite
differences and seeded Monte Carlo."""
import json
import random
import subprocess
import sys

import mpmath
import numpy as np
import pytest
import sympy

from derive import solve
from derive.core.numbers import InputError
from problems import reparameterization

mu = sympy.Symbol("mu", real=True)
sigma = sympy.Symbol("sigma", positive=True)


def _expectation_by_quadrature(coefficients, m, s):
    f = lambda t: sum(c * t**k for k, c in enumerate(coefficients))  # noqa: E731
    density = lambda t: mpmath.exp(-(t - m) ** 2 / (2 * s * s)) / (s * mpmath.sqrt(2 * mpmath.pi))  # noqa: E731
    return mpmath.quad(lambda t: f(t) * density(t), [-mpmath.inf, m, mpmath.inf])


@pytest.mark.parametrize("seed", [None, 1, 2, 3])
def test_gradients_match_finite_differences_of_quadrature(seed):
    given = reparameterization.GIVEN if seed is None else reparameterization.random_given(random.Random(seed))
    answers = solve("reparameterization", given=given).answers
    coefficients = given["coefficients"]
    for m, s in ((0.3, 0.8), (-1.1, 1.7)):
        h = mpmath.mpf("1e-6")
        E = lambda m_, s_: _expectation_by_quadrature(coefficients, m_, s_)  # noqa: E731
        d_mu = (E(m + h, s) - E(m - h, s)) / (2 * h)
        d_sigma = (E(m, s + h) - E(m, s - h)) / (2 * h)
        point = {mu: m, sigma: s}
        assert float(answers["E_f"].expr.subs(point)) == pytest.approx(float(E(m, s)), rel=1e-9, abs=1e-9)
        assert float(answers["grad_mu"].expr.subs(point)) == pytest.approx(float(d_mu), rel=1e-6, abs=1e-6)
        assert float(answers["grad_sigma"].expr.subs(point)) == pytest.approx(float(d_sigma), rel=1e-6, abs=1e-6)


def test_the_estimator_by_monte_carlo():
    answers = solve("reparameterization").answers
    rng = np.random.default_rng(31)
    m, s = 0.4, 0.9
    eps = rng.standard_normal(2_000_000)
    zz = m + s * eps
    f_prime = 4 * zz**3 - 6 * zz + 2  # f(z) = z⁴ − 3z² + 2z, the default
    assert np.mean(f_prime) == pytest.approx(float(answers["grad_mu"].expr.subs({mu: m, sigma: s})), abs=2e-2)
    assert np.mean(f_prime * eps) == pytest.approx(float(answers["grad_sigma"].expr.subs({mu: m, sigma: s})), abs=3e-2)
    assert answers["unbiased"].value is True


@pytest.mark.parametrize("given, key", [({"coefficients": [1, "a"]}, "coefficients[1]"),
                                        ({"coefficients": []}, "coefficients"),
                                        ({"coeffs": [1]}, "coeffs"),
                                        ({"coefficients": list(range(12))}, "coefficients")])
def test_bad_givens_name_the_key(given, key):
    with pytest.raises(InputError, match=key.replace("[", r"\[").replace("]", r"\]")):
        solve("reparameterization", given=given)


def test_cli_bad_given_exits_2(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"coefficients": [1, True]}))
    result = subprocess.run([sys.executable, "-m", "derive", "solve", "reparameterization", "--given", str(path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "coefficients[1]" in result.stderr and "Traceback" not in result.stderr


def test_vae_decoder_log_density_matches_numpy():
    answers = solve("vae-gaussian-decoder").answers
    D, E_sse = sympy.Symbol("D", integer=True, positive=True), sympy.Symbol("E_sse")
    rng = np.random.default_rng(32)
    W = rng.normal(size=(4, 2))
    s = 0.7
    x = rng.normal(size=4)
    z = rng.normal(loc=[0.2, -0.3], scale=[0.5, 1.2], size=(200_000, 2))
    means = np.tanh(z @ W.T)  # a decoder network μ_θ(z)
    log_density = np.sum(-0.5 * np.log(2 * np.pi * s**2) - (x - means) ** 2 / (2 * s**2), axis=1)
    sse = np.sum((x - means) ** 2, axis=1)
    engine = float(answers["reconstruction"].expr.subs({D: 4, sigma: s, E_sse: np.mean(sse)}))
    assert engine == pytest.approx(np.mean(log_density), rel=1e-12)
