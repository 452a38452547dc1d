"""activation-derivatives against finite differences of NumPy definitions,
one-sided differences at the kink, and the vocabulary's own derivatives."""
import numpy as np
import pytest
import sympy
from hypothesis import given, settings, strategies as st

from derive import solve
from problems.activation_derivatives import alpha, x as X


def relu(v):
    return np.maximum(v, 0.0)


def elu(v, a):
    return np.where(v > 0, v, a * (np.exp(np.minimum(v, 0)) - 1))


def softplus(v):
    return np.log1p(np.exp(v))


@pytest.fixture(scope="module")
def answers():
    return solve("activation-derivatives").answers


def central(f, v, eps=1e-6):
    return (f(v + eps) - f(v - eps)) / (2 * eps)


@settings(max_examples=20, deadline=None)
@given(v=st.floats(-3, 3).filter(lambda v: abs(v) > 1e-3), a=st.floats(0.05, 1.0))
def test_derivatives_off_the_kink_match_finite_differences(answers, v, a):
    at = {X: sympy.Float(v), alpha: sympy.Float(a)}
    assert float(answers["relu_prime"].expr.subs(at)) == pytest.approx(central(relu, v), abs=1e-6)
    assert float(answers["elu_prime"].expr.subs(at)) == pytest.approx(central(lambda u: elu(u, a), v), abs=1e-6)
    assert float(answers["softplus_prime"].expr.subs(at).evalf()) == pytest.approx(central(softplus, v), abs=1e-6)


def test_subdifferentials_are_the_intervals_between_one_sided_slopes(answers):
    eps = 1e-7
    for a in (0.3, 1.0):
        left = (elu(0.0, a) - elu(-eps, a)) / eps
        right = (elu(eps, a) - elu(0.0, a)) / eps
        interval = answers["elu_subdifferential_0"].expr.subs(alpha, a)
        assert float(interval.inf) == pytest.approx(left, abs=1e-6)
        assert float(interval.sup) == pytest.approx(right, abs=1e-6)
    interval = answers["relu_subdifferential_0"].expr
    assert (interval.inf, interval.sup) == (0, 1)


def test_the_vocabulary_derivatives_agree_and_pick_subgradients(answers):
    assert answers["relu_engine_consistent"].value is True
    assert answers["elu_engine_consistent"].value is True
    assert answers["softplus_prime_is_sigmoid"].value is True
