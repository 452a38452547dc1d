import mpmath
import numpy as np
import pytest
import sympy

from derive import Normal, kl, solve

mu_1, mu_2, mu = sympy.symbols("mu_1 mu_2 mu", real=True)
sigma_1, sigma_2, sigma = sympy.symbols("sigma_1 sigma_2 sigma", positive=True)
NAMES = {"mu_1": mu_1, "mu_2": mu_2, "mu": mu, "sigma_1": sigma_1, "sigma_2": sigma_2, "sigma": sigma}


def kl_by_quadrature(m1, s1, m2, s2):
    def log_density(x, m, s):
        return -mpmath.log(s) - mpmath.log(2 * mpmath.pi) / 2 - (x - m) ** 2 / (2 * s ** 2)
    return mpmath.quad(lambda x: mpmath.exp(log_density(x, m1, s1)) * (log_density(x, m1, s1) - log_density(x, m2, s2)),
                       [-mpmath.inf, m1, mpmath.inf])


@pytest.fixture(scope="module")
def solution():
    return solve("kl-gaussian")


def test_general_kl_matches_numerical_integration(solution):
    expr = sympy.sympify(solution.answers["KL"].expr.__str__(), locals=NAMES)
    rng = np.random.default_rng(1)
    for _ in range(5):
        m1, m2 = rng.uniform(-2, 2, 2)
        s1, s2 = rng.uniform(0.3, 3, 2)
        value = float(expr.subs({mu_1: m1, mu_2: m2, sigma_1: s1, sigma_2: s2}))
        assert value == pytest.approx(float(kl_by_quadrature(m1, s1, m2, s2)), rel=1e-9, abs=1e-12)


def test_general_kl_matches_monte_carlo(solution):
    rng = np.random.default_rng(2)
    m1, s1, m2, s2 = 0.3, 0.7, -0.5, 1.4
    x = rng.normal(m1, s1, 400_000)
    estimate = np.mean(np.log(s2 / s1) - (x - m1) ** 2 / (2 * s1 ** 2) + (x - m2) ** 2 / (2 * s2 ** 2))
    value = float(solution.answers["KL"].expr.subs({mu_1: m1, mu_2: m2, sigma_1: s1, sigma_2: s2}))
    assert value == pytest.approx(estimate, abs=5e-3)


def test_standard_normal_case_matches_integration(solution):
    expr = sympy.sympify(str(solution.answers["KL_std"].expr), locals=NAMES)
    for m, s in ((0.0, 1.0), (1.3, 0.4), (-0.7, 2.2)):
        assert float(expr.subs({mu: m, sigma: s})) == pytest.approx(float(kl_by_quadrature(m, s, 0, 1)), abs=1e-10)


def test_python_api_gives_the_same_closed_form():
    assert sympy.simplify(kl(Normal(mu_1, sigma_1), Normal(mu_2, sigma_2)) - solve("kl-gaussian").answers["KL"].expr) == 0


def test_negative_scale_is_rejected():
    with pytest.raises(ValueError, match="scale"):
        Normal(0, -1)
