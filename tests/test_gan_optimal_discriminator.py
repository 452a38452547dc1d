"""gan-optimal-discriminator against numeric maximisation and quadrature."""
import math

import mpmath
import numpy as np
import pytest
import sympy

from derive import solve

x = sympy.Symbol("x", real=True)
p_data, p_g = sympy.Function("p_data"), sympy.Function("p_g")
LOCALS = {"x": x, "p_data": p_data, "p_g": p_g}


@pytest.fixture(scope="module")
def answers():
    return solve("gan-optimal-discriminator").answers


def _D_star(answers, a, b):
    expr = sympy.sympify(str(answers["D_star"].expr), locals=LOCALS)
    return float(expr.subs({p_data(x): a, p_g(x): b}))


def test_D_star_is_the_grid_maximiser_of_the_pointwise_objective(answers):
    rng = np.random.default_rng(5)
    grid = np.linspace(1e-6, 1 - 1e-6, 200_001)
    for a, b in rng.uniform(0.05, 3.0, size=(8, 2)):
        objective = a * np.log(grid) + b * np.log1p(-grid)
        assert _D_star(answers, a, b) == pytest.approx(grid[np.argmax(objective)], abs=2e-5)


def test_values_at_the_start_and_at_the_end_of_training(answers):
    assert answers["D_star_early"].value == 0
    assert answers["D_star_equilibrium"].value == 0.5
    assert answers["claim_d"].value is False  # the seed's verdict "False", for the engine's reason
    assert answers["C_min"].value == pytest.approx(-math.log(4))


def _normal(m, s):
    return lambda t: mpmath.exp(-(t - m) ** 2 / (2 * s * s)) / (s * mpmath.sqrt(2 * mpmath.pi))


@pytest.mark.parametrize("m_g, s_g", [(1.0, 1.0), (-0.5, 0.6)])
def test_value_at_D_star_is_minus_log4_plus_twice_jsd(answers, m_g, s_g):
    pd, pg = _normal(0.0, 1.0), _normal(m_g, s_g)
    D = lambda t: pd(t) / (pd(t) + pg(t))  # noqa: E731
    value = mpmath.quad(lambda t: pd(t) * mpmath.log(D(t)) + pg(t) * mpmath.log(pg(t) / (pd(t) + pg(t))), [-15, 0, 15])
    mix = lambda t: (pd(t) + pg(t)) / 2  # noqa: E731
    jsd = (mpmath.quad(lambda t: pd(t) * mpmath.log(pd(t) / mix(t)), [-15, 0, 15])
           + mpmath.quad(lambda t: pg(t) * mpmath.log(pg(t) / mix(t)), [-15, 0, 15])) / 2
    C = answers["C_G"].expr
    engine = float(C.subs(sympy.Symbol("JSD"), float(jsd)))
    assert engine == pytest.approx(float(value), abs=1e-9)


def test_seed_optimal_discriminator_is_right(answers):
    # 001 §15.1.3: D*(x) = p_data(x)/(p_data(x) + p_G(x)), reached there by a slipped derivative
    expr = sympy.sympify(str(answers["D_star"].expr), locals=LOCALS)
    assert sympy.simplify(expr - p_data(x) / (p_data(x) + p_g(x))) == 0
