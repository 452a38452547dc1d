"""relu-abs: the identities on sample points, and the ReLU network against
W₂|W₁x + b₁| computed in NumPy on random instances."""
import random

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from derive import solve
from problems import relu_abs


def test_identities_hold_at_points_on_both_sides_and_at_the_kink():
    answers = solve("relu-abs").answers
    relu_form = answers["relu_via_abs"].expr
    for v in (-2.5, -0.1, 0.0, 0.3, 4.0):
        assert float(relu_form.subs(relu_abs.x, v)) == pytest.approx(max(0.0, v))
        assert max(0.0, v) + max(0.0, -v) == pytest.approx(abs(v))  # what abs_via_relu states
    assert str(answers["abs_via_relu"].expr) == "ReLU(-x) + ReLU(x)"
    assert answers["identities_hold"].value is True


def test_parameter_shapes_are_stated_in_d():
    answers = solve("relu-abs").answers
    d = relu_abs.d
    assert tuple(answers["W_1_tilde_shape"].expr) == (2 * d, d)
    assert tuple(answers["b_1_tilde_shape"].expr) == (2 * d, 1)
    assert tuple(answers["W_2_tilde_shape"].expr) == (d, 2 * d)


def numpy_networks(g):
    x, W1, b1, W2 = (np.array(g[k], float) for k in ("x", "W_1", "b_1", "W_2"))
    original = W2 @ np.abs(W1 @ x + b1)
    hidden = np.maximum(np.vstack([W1, -W1]) @ x + np.concatenate([b1, -b1]), 0)
    return original, np.hstack([W2, W2]) @ hidden


def test_instance_agrees_with_numpy():
    answers = solve("relu-abs").answers
    original, rewritten = numpy_networks(relu_abs.GIVEN)
    assert original == pytest.approx(rewritten)
    assert np.array(answers["F"].value, float) == pytest.approx(original, abs=1e-12)
    assert np.array(answers["Ftilde"].value, float) == pytest.approx(original, abs=1e-12)
    assert answers["networks_agree"].value is True


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_random_instances_agree(seed):
    g = relu_abs.random_given(random.Random(seed))
    answers = solve("relu-abs", given=g).answers
    original, _ = numpy_networks(g)
    assert np.array(answers["Ftilde"].value, float).reshape(-1) == pytest.approx(original, abs=1e-12)
    assert answers["networks_agree"].value is True
