"""Optimisation problems against independent references: plain NumPy loops,
finite differences, iterating recurrences numerically."""
import json
import random

import numpy as np
import pytest
import sympy

from derive import solve
from derive.cli import main
from derive.numbers import InputError


# --- optimizer-updates ----------------------------------------------------------

def numpy_optimiser(name, A, b, theta, alpha, beta, beta_1, beta_2, eps, iterations):
    """The four rules exactly as the seed (001 §11) writes them, in float64."""
    A, b, theta = np.array(A, float), np.array(b, float), np.array(theta, float)

    def grad(point):
        return A @ point - b

    v = np.zeros_like(theta)
    m = np.zeros_like(theta)
    r = np.zeros_like(theta)
    path = []
    for t in range(1, iterations + 1):
        if name == "momentum":
            v = beta * v + (1 - beta) * grad(theta)
            theta = theta - alpha * v
        elif name == "nesterov":
            v = beta * v + (1 - beta) * grad(theta - alpha * v)
            theta = theta - alpha * v
        elif name == "adagrad":
            g = grad(theta)
            r = r + g**2
            theta = theta - alpha / np.sqrt(r + eps) * g
        elif name == "adam":
            g = grad(theta)
            m = beta_1 * m + (1 - beta_1) * g
            v = beta_2 * v + (1 - beta_2) * g**2
            m_hat, v_hat = m / (1 - beta_1**t), v / (1 - beta_2**t)
            theta = theta - alpha * m_hat / (np.sqrt(v_hat) + eps)
        path.append(theta.copy())
    return path


GIVENS = [None, 1, 2, 3]


@pytest.mark.parametrize("seed", GIVENS)
def test_optimisers_against_numpy_loop(seed):
    sol = solve("optimizer-updates", seed=seed)
    given = sol.given
    A, b = np.array(given["A"], float), np.array(given.get("b", [0] * len(given["A"])), float)
    for name in given["optimizers"]:
        path = numpy_optimiser(name, given["A"], b, given["theta_0"], given["alpha"], given["beta"],
                               given["beta_1"], given["beta_2"], given["eps"], given["iterations"])
        for t, expected in enumerate(path, start=1):
            got = np.array(sol.answers[f"{name}_theta_{t}"].value, float)
            assert np.allclose(got, expected, rtol=1e-12, atol=1e-12), (name, t)
        final = path[-1]
        assert sol.answers[f"{name}_f"].value == pytest.approx(0.5 * final @ A @ final - b @ final, rel=1e-12)


def test_seed_instance_numbers():
    sol = solve("optimizer-updates")
    # Momentum on θ₁² + 10θ₂² stays in exact decimals: checked by hand arithmetic, digit for digit.
    assert sol.answers["momentum_theta_3"].value == [0.944379, 0.486]
    assert sol.answers["nesterov_theta_2"].value == [0.9712, 0.73]
    grad = sol.answers["grad_f"].expr
    assert grad.shape == (2, 1)


def test_adam_weights_sum_to_one_minus_beta_power():
    sol = solve("optimizer-updates")
    total = sol.answers["adam_weight_sum"].expr
    beta_1 = next(s for s in total.free_symbols if s.name == "beta_1")
    t = next(s for s in total.free_symbols if s.name == "t")
    for b1 in (0.5, 0.9, 0.99):
        for steps in (1, 2, 5, 20):
            weights = [(1 - b1) * b1 ** (steps - i) for i in range(1, steps + 1)]
            assert float(total.subs({beta_1: b1, t: steps})) == pytest.approx(sum(weights), rel=1e-12)
    # The bias itself: a constant gradient run through Adam's m_t recurrence.
    m = 0.0
    for step in range(1, 6):
        m = 0.9 * m + 0.1 * 3.0
        assert m / float(total.subs({beta_1: 0.9, t: step})) == pytest.approx(3.0)
    assert sol.answers["adam_weight_sum_t1"].value == pytest.approx(0.1)


@pytest.mark.parametrize("given, field", [
    ({"A": [[1, 2], [0, 1]], "theta_0": [1, 1]}, "given.A"),
    ({"A": [[1, 0], [0, 1]], "theta_0": [1, 1, 1]}, "given.theta_0"),
    ({"A": [[1, 0], [0, 1]], "theta_0": [1, 1], "alpha": -1}, "given.alpha"),
    ({"A": [[1, 0], [0, 1]], "theta_0": [1, 1], "beta": 1}, "given.beta"),
    ({"A": [[1, 0], [0, 1]], "theta_0": [1, 1], "iterations": 0}, "given.iterations"),
    ({"A": [[1, 0], [0, 1]], "theta_0": [1, 1], "optimizers": ["sgd"]}, r"given.optimizers\[0\]"),
    ({"A": [[1, 0], [0, 1]], "theta_0": [1, 1], "lr": 0.1}, "unknown key 'lr'"),
])
def test_optimizer_bad_givens(given, field):
    with pytest.raises(InputError, match=field):
        solve("optimizer-updates", given=given)


def test_optimizer_cli_bad_given_exits_2(tmp_path, capsys):
    path = tmp_path / "opt.json"
    path.write_text(json.dumps({"A": [[1, 0], [0, 1]], "theta_0": [1, 1], "eps": 0}))
    assert main(["solve", "optimizer-updates", "--given", str(path)]) == 2
    err = capsys.readouterr().err
    assert "given.eps" in err and len(err.strip().splitlines()) == 1
