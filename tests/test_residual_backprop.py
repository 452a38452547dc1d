"""residual-backprop: gradients against central differences of the block in
NumPy; the general rules (any φ) evaluated with φ = tanh; the seed's ordering
slip, which only d = 1 hides."""
import random

import numpy as np
import pytest
import sympy
from hypothesis import given, settings, strategies as st

from derive import solve
from derive.core.matrices import explicit
from problems import residual_backprop
from reference import central_difference, sigmoid

PHI = {"tanh": np.tanh, "sigmoid": sigmoid, "softplus": lambda z: np.log1p(np.exp(z)), "identity": lambda z: z}
LOSS = {"half_sse": lambda r: 0.5 * r @ r, "sse": lambda r: r @ r, "mse": lambda r: r @ r / r.size}


def arrays(g):
    return {k: np.array(g[k], float) for k in ("x", "W", "b", "V", "c", "t")}


def loss(p, phi, kind):
    h = phi(p["W"] @ p["x"] + p["b"]) + p["x"]
    y = phi(p["V"] @ h + p["c"]) + h
    return float(LOSS[kind](y - p["t"]))


def check(g, answers):
    p = arrays(g)
    phi, kind = PHI[g["activation"]], g["loss"]
    for name in ("V", "c", "W", "b"):
        def f(v, name=name):
            return loss({**p, name: v}, phi, kind)
        engine = np.array(answers[f"dl_d{name}"].value, float).reshape(p[name].shape)
        assert engine == pytest.approx(central_difference(f, p[name]), abs=1e-6), name
    assert answers["closed_forms_confirmed"].value is True


def test_instance():
    check(residual_backprop.GIVEN, solve("residual-backprop").answers)


def test_general_rules_with_tanh_match_finite_differences():
    g = residual_backprop.GIVEN
    answers = solve("residual-backprop").answers
    p = arrays(g)
    z = p["W"] @ p["x"] + p["b"]
    h = np.tanh(z) + p["x"]
    r = p["V"] @ h + p["c"]
    y = np.tanh(r) + h
    values = {sympy.MatrixSymbol(k, *(v.reshape(len(v), -1).shape)): sympy.ImmutableMatrix(v.reshape(len(v), -1))
              for k, v in {**p, "z": z, "h": h, "r": r, "y": y}.items()}
    values[sympy.MatrixSymbol("dl_dy", 2, 1)] = sympy.ImmutableMatrix((y - p["t"]).reshape(2, 1))
    for name in ("V", "c", "W", "b"):
        rule = answers[f"dl_d{name}_rule"].expr.replace(residual_backprop.PHI_PRIME, lambda a: 1 - sympy.tanh(a) ** 2)
        value = np.array(explicit(rule, values).evalf().tolist(), float).reshape(p[name].shape)
        expected = central_difference(lambda v, name=name: loss({**p, name: v}, np.tanh, "half_sse"), p[name])
        assert value == pytest.approx(expected, abs=1e-6), name


def test_seed_dl_dW_is_a_row_for_d_2_and_agrees_only_for_d_1():
    answers = solve("residual-backprop").answers
    # Seed step "dl/dW = [dl/dy * φ′(z) * x][φ′(r)·V + I]": 1×d, while W is d×d.
    assert tuple(answers["seed_dl_dW_shape"].expr) == (1, 2)
    g = {"x": [0.5], "W": [[0.3]], "b": [0.1], "V": [[-0.7]], "c": [0.2], "t": [0.4], "activation": "tanh",
         "loss": "half_sse"}
    scalar = solve("residual-backprop", given=g).answers
    x, W, b, V, c, t = 0.5, 0.3, 0.1, -0.7, 0.2, 0.4
    z = W * x + b
    h = np.tanh(z) + x
    r = V * h + c
    y = np.tanh(r) + h
    seed = (y - t) * (1 - np.tanh(z) ** 2) * x * ((1 - np.tanh(r) ** 2) * V + 1)
    assert scalar["dl_dW"].value == pytest.approx(seed, abs=1e-12)


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_random_instances(seed):
    g = residual_backprop.random_given(random.Random(seed))
    check(g, solve("residual-backprop", given=g).answers)
