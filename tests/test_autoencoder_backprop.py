"""autoencoder-backprop: every gradient against central differences of a
plain NumPy forward pass, on the instance and on random instances."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from derive import solve
from problems import autoencoder_backprop
from reference import central_difference, sigmoid


def loss(x, W1, b1, W2, b2):
    h = np.maximum(W1.T @ x + b1, 0)
    xp = sigmoid(W2.T @ h + b2)
    return float(np.sum((x - xp) ** 2))


def arrays(g):
    return [np.array(g[k], float) for k in ("x", "W_1", "b_1", "W_2", "b_2")]


def check_against_finite_differences(g, answers):
    x, W1, b1, W2, b2 = arrays(g)
    args = {"W_1": W1, "b_1": b1, "W_2": W2, "b_2": b2}
    for name, value in args.items():
        def f(v, name=name):
            return loss(x, *[v if k == name else args[k] for k in ("W_1", "b_1", "W_2", "b_2")])
        engine = np.array(answers[f"dL_d{name}"].value, float).reshape(value.shape)
        assert engine == pytest.approx(central_difference(f, value), abs=1e-6), name
    # ∂L/∂x′ and ∂L/∂h: differentiate the loss as a function of the intermediate itself.
    h = np.maximum(W1.T @ x + b1, 0)
    xp = sigmoid(W2.T @ h + b2)
    assert np.array(answers["dL_dxp"].value, float).reshape(-1) == pytest.approx(
        central_difference(lambda v: np.sum((x - v) ** 2), xp), abs=1e-6)
    assert np.array(answers["dL_dh"].value, float).reshape(-1) == pytest.approx(
        central_difference(lambda v: np.sum((x - sigmoid(W2.T @ v + b2)) ** 2), h), abs=1e-6)
    assert answers["closed_forms_confirmed"].value is True


def test_instance_gradients_match_finite_differences():
    sol = solve("autoencoder-backprop")
    check_against_finite_differences(autoencoder_backprop.GIVEN, sol.answers)
    # The instance has an inactive hidden unit: its column of ∂L/∂W₁ is zero (the indicator).
    assert [row[1] for row in sol.answers["dL_dW_1"].value] == [0, 0, 0]


def test_seed_grad_w2_is_an_outer_product_not_the_scalar_sum_the_seed_writes():
    sol = solve("autoencoder-backprop")
    x, W1, b1, W2, b2 = arrays(autoencoder_backprop.GIVEN)
    h = np.maximum(W1.T @ x + b1, 0)
    xp = sigmoid(W2.T @ h + b2)
    delta2 = 2 * (xp - x) * xp * (1 - xp)
    # Seed step "∇w₂ = Σᵢ 2(x′ᵢ − xᵢ)x′ᵢ(1 − x′ᵢ)hᵢ" is a scalar; the gradient is h δ₂ᵀ, of W₂'s shape.
    assert np.array(sol.answers["dL_dW_2"].value, float) == pytest.approx(np.outer(h, delta2), abs=1e-12)
    assert np.shape(sol.answers["dL_dW_2"].value) == W2.shape != ()
    # Seed step "∇x′_j = 2(x′_j − x_j)" is right.
    assert np.array(sol.answers["dL_dxp"].value, float) == pytest.approx(2 * (xp - x), abs=1e-12)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_random_instances_match_finite_differences(seed):
    import random
    g = autoencoder_backprop.random_given(random.Random(seed))
    x, W1, b1, W2, b2 = arrays(g)
    if np.min(np.abs(W1.T @ x + b1)) < 1e-3:  # ReLU's kink: no derivative to compare with
        return
    check_against_finite_differences(g, solve("autoencoder-backprop", given=g).answers)


def test_bad_shapes_are_refused_by_key():
    from derive.core.numbers import InputError
    g = dict(autoencoder_backprop.GIVEN, W_2=[[0.1, 0.2], [0.3, 0.4]])
    with pytest.raises(InputError, match="given.W_2: expected shape 2×3"):
        solve("autoencoder-backprop", given=g)
