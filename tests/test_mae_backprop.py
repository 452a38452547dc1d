"""mae-backprop: gradients against central differences of ‖W₂σ(W₁x) − y‖₁ in NumPy."""
import random

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from derive import solve
from problems import mae_backprop
from reference import central_difference, sigmoid


def arrays(g):
    return [np.array(g[k], float) for k in ("x", "W_1", "W_2", "y")]


def loss(x, W1, W2, y):
    return float(np.sum(np.abs(W2 @ sigmoid(W1 @ x) - y)))


def check(g, answers):
    x, W1, W2, y = arrays(g)
    h1 = sigmoid(W1 @ x)
    yhat = W2 @ h1
    assert np.array(answers["dL_dyhat"].value, float).reshape(-1) == pytest.approx(np.sign(yhat - y))
    assert np.array(answers["dL_dW_1"].value, float).reshape(W1.shape) == pytest.approx(
        central_difference(lambda W: loss(x, W, W2, y), W1), abs=1e-6)
    assert np.array(answers["dL_dW_2"].value, float).reshape(W2.shape) == pytest.approx(
        central_difference(lambda W: loss(x, W1, W, y), W2), abs=1e-6)
    # (b): ∂L/∂z₁ = ∂L/∂h₁ ⊙ h₁ ⊙ (1 − h₁), with ∂L/∂h₁ by finite differences in h₁.
    dh1 = central_difference(lambda h: float(np.sum(np.abs(W2 @ h - y))), h1)
    assert np.array(answers["dL_dz_1"].value, float).reshape(-1) == pytest.approx(dh1 * h1 * (1 - h1), abs=1e-6)
    assert answers["closed_forms_confirmed"].value is True


def test_instance():
    answers = solve("mae-backprop").answers
    check(mae_backprop.GIVEN, answers)
    assert str(answers["dL_dW_2_form"].expr) == "dL_dyhat*h_1.T"
    assert str(answers["dL_dW_1_form"].expr) == "dL_dz_1*x.T"
    assert answers["need_dL_dx_dL_dy"].value is False


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_random_instances(seed):
    g = mae_backprop.random_given(random.Random(seed))
    x, W1, W2, y = arrays(g)
    if np.min(np.abs(W2 @ sigmoid(W1 @ x) - y)) < 1e-3:  # the L1 kink: no derivative to compare with
        return
    check(g, solve("mae-backprop", given=g).answers)
