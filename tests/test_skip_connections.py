"""skip-connections: gradients against central differences of the residual
stack in NumPy, on the instance and on random instances."""
import random

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from derive import solve
from problems import skip_connections
from reference import central_difference, sigmoid

PHI = {"tanh": np.tanh, "sigmoid": sigmoid, "softplus": lambda z: np.log1p(np.exp(z)), "identity": lambda z: z}


def loss(x, weights, phi, t):
    y = x
    for W in weights:
        y = phi(W @ y) + y
    return 0.5 * float(np.sum((y - t) ** 2))


def check(g, answers):
    x, t = np.array(g["x"], float), np.array(g["t"], float)
    weights = [np.array(W, float) for W in g["W"]]
    phi = PHI[g.get("activation", "tanh")]
    # (a) n = 1: ∂l/∂x, a d-vector.
    dx = central_difference(lambda v: loss(v, weights[:1], phi, t), x)
    assert np.array(answers["dl_dx"].value, float).reshape(-1) == pytest.approx(dx, abs=1e-6)
    assert answers["dl_dx_dimension"].value == len(x)
    assert answers["form_a_confirmed"].value is True
    # (b) every k < n.
    for k in range(1, len(weights)):
        dW = central_difference(lambda W: loss(x, weights[:k - 1] + [W] + weights[k:], phi, t), weights[k - 1])
        assert np.array(answers[f"dl_dW_{k}"].value, float).reshape(dW.shape) == pytest.approx(dW, abs=1e-6)
    if len(weights) > 1:
        assert answers["forms_b_confirmed"].value is True


def test_instance():
    check(skip_connections.GIVEN, solve("skip-connections").answers)


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_random_instances(seed):
    g = skip_connections.random_given(random.Random(seed))
    check(g, solve("skip-connections", given=g).answers)


def test_bad_weight_shape_is_refused_by_key():
    from derive.core.numbers import InputError
    g = dict(skip_connections.GIVEN, W=[[[0.1, 0.2, 0.3], [0.1, 0.2, 0.3]]])
    with pytest.raises(InputError, match=r"given.W\[0\]"):
        solve("skip-connections", given=g)
